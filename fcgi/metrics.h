/*
 * Shared-memory counters of the responder pool.
 *
 * The supervisor maps one anonymous MAP_SHARED region before forking, so every
 * responder adds to the same counters (relaxed atomics) and a scrape of
 * /metrics by any one of them shows the whole pool. The same region holds the
 * pool-wide count of ?wait=true requests (api_max_waiters) with a per-slot flag,
 * so that the supervisor can give back the place of a child that died waiting.
 */
#ifndef CR_FCGI_METRICS_H
#define CR_FCGI_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "fcgi/router.h"

#define METRICS_MAX_SLOTS 256

struct cr_buf;
struct api_shm;

/* mmap a zeroed shared region; NULL on failure (logged). */
struct api_shm *metrics_shm_create(void);
void metrics_shm_destroy(struct api_shm *shm);

/* Count one answered request; route_index -1 for an unmatched path. NULL shm: no-op. */
void metrics_observe(struct api_shm *shm, int route_index, int status, int64_t micros);
/* Append the pool's HTTP counters and histogram in Prometheus text format. */
void metrics_render(struct api_shm *shm, const struct route *table, struct cr_buf *out);

/* Take a waiting place when fewer than max are taken; slot is the child's index. */
bool metrics_waiter_acquire(struct api_shm *shm, int slot, int max);
void metrics_waiter_release(struct api_shm *shm, int slot);
/* Supervisor: the child in slot is gone; release its place if it held one. */
void metrics_waiter_reap(struct api_shm *shm, int slot);
int metrics_waiters(struct api_shm *shm);

#endif
