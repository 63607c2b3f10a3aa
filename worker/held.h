/*
 * Sandbox mode: the long-lived containers a slot keeps between runs.
 *
 * In sandbox mode (the default; docs/SECURITY.md) a slot does not throw its
 * container away after a run. The runner in it cleaned up after the job
 * (killed everything, emptied every writable place, removed IPC objects,
 * checked memory) and said so in its result ("clean"); the slot keeps the
 * attach stream open and the next submission with the same language key
 * (image and container-level limits) is written to the same runner, with
 * the next uid of a rotating range. A container is retired (removed off the
 * critical path, by the janitor) when a run did not end cleanly, after
 * sandbox_max_runs runs, after sandbox_idle_seconds unused, when it is older
 * than pool_max_age_seconds, when its stream died, or when the language's
 * key changed. A hostile program pays for a fresh container; an ordinary
 * one does not.
 *
 * This module is the bookkeeping and the decisions, pure and unit-tested;
 * slot.c does the Docker and frame work.
 */
#ifndef CR_WORKER_HELD_H
#define CR_WORKER_HELD_H

#include <stdbool.h>
#include <stdint.h>

#include "worker/docker.h"
#include "worker/pool.h"

struct cr_result;
struct verdict;

#define HELD_MAX 8			/* sandbox containers one slot keeps at most */
#define HELD_UID_BASE 10000		/* run k of a container (0-based) runs as */
#define HELD_UID_COUNT 64		/* HELD_UID_BASE + k % HELD_UID_COUNT */

struct held {
	bool used;
	char id[DOCKER_ID_MAX + 1];
	char language[POOL_LANG_MAX];
	struct pool_key key;
	int fd;				/* the attach stream, ours */
	int runs;			/* jobs served so far */
	int64_t created_ms;		/* CLOCK_MONOTONIC */
	int64_t last_used_ms;
};

struct held_set {
	struct held h[HELD_MAX];
};

/* The uid of the run that follows runs earlier runs in one container. */
int held_uid(int runs);

/* The held container for key, or NULL. */
struct held *held_find(struct held_set *set, const struct pool_key *key);

/*
 * A held container of language made with a key that is neither the row's now
 * (current: the row changed) nor the job's (wanted: a request's own memory
 * limit), or NULL.
 */
struct held *held_stale_language(struct held_set *set, const char *language,
				 const struct pool_key *current, const struct pool_key *wanted);

/*
 * A free entry to keep a container in; when all are used, the least recently
 * used one, which the caller must retire first (*evict set).
 */
struct held *held_slot_for(struct held_set *set, bool *evict);

/*
 * Why a container that just served a run must be retired, or NULL to keep it.
 * res is the runner's result (its clean flag and dirty reason), v the verdict,
 * runs the runs it has served including this one.
 */
const char *held_retire_reason(const struct cr_result *res, const struct verdict *v, int runs,
			       int max_runs);

/*
 * Why a waiting held container must be retired now, or NULL: idle or too old,
 * or its stream is readable or hung up (a waiting runner writes nothing, so
 * the runner died or dockerd restarted).
 */
const char *held_expired(const struct held *h, int64_t now_ms, int64_t idle_ms,
			 int64_t max_age_ms, short revents);

#endif
