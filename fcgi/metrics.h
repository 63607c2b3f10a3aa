/*
 * Shared-memory counters of the responder pool.
 *
 * The supervisor maps one anonymous MAP_SHARED region before forking, so every
 * responder adds to the same counters (relaxed atomics) and a scrape of
 * /metrics by any one of them shows the whole pool. The same region holds each
 * responder's count of held requests (the supervisor zeroes the count of a
 * child that died, so the gauge cannot leak) and nginx's read timeout, which
 * the supervisor reads from the database.
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

/* A responder publishes how many requests it holds; the supervisor zeroes a dead one's. */
void metrics_waiters_set(struct api_shm *shm, int slot, int n);
/* Held requests over the pool, and of one responder. */
int metrics_waiters(struct api_shm *shm);
int metrics_waiters_of(struct api_shm *shm, int slot);
/* The supervisor: a responder runs in slot, or no longer. */
void metrics_slot_alive(struct api_shm *shm, int slot, bool alive);
/* Does a live responder other than slot hold fewer than max requests? */
bool metrics_hold_room_elsewhere(struct api_shm *shm, int slot, int max);

/*
 * The acceptors' coordination (fcgi/server.c): which ones take connections
 * now, the fewest requests one of those holds (INT_MAX: none), and a futex
 * word a paused acceptor sleeps on until metrics_room_changed() (a hold count
 * or a process's room changed) or timeout_ms: read the generation, look, then
 * wait with the generation read.
 */
void metrics_slot_accepting(struct api_shm *shm, int slot, bool accepting);
int metrics_waiters_min_accepting(struct api_shm *shm);
uint32_t metrics_room_gen(struct api_shm *shm);
void metrics_room_changed(struct api_shm *shm);
void metrics_room_wait(struct api_shm *shm, uint32_t gen, int timeout_ms);

/* nginx's fastcgi_read_timeout for the API (cr_config_read_timeout); 0: not known yet. */
void metrics_read_timeout_set(struct api_shm *shm, int seconds);
int metrics_read_timeout(struct api_shm *shm);

#endif
