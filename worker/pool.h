/*
 * The pool of pre-started one-shot containers (theory of operation in pool.c).
 *
 * Shared state: one struct pool_board (MAP_SHARED, set up by the supervisor
 * before it forks anything) with one struct pool_entry per language, and, per
 * entry, a SOCK_SEQPACKET socketpair that IS the ready queue: each message is
 * one ready container (its id and container-level limits) with the attach
 * stream's socket attached (SCM_RIGHTS). Whoever receives a message owns that
 * container and must either run exactly one job in it or hand it to the
 * janitor (pool_dispose). The counters are hints kept with atomic operations;
 * correctness never depends on them (the queue and the labels do).
 *
 * Processes: slots call pool_take() and pool_dispose(); POOL_FILLERS filler
 * processes create, attach and start containers (filler 0 also reloads the
 * language table, shrinks idle entries and replaces stale containers); one
 * janitor process removes containers off the slots' critical path. All of it
 * runs even with pool_size 0: a language row's pool_size may still ask for a
 * pool, and the cold path hands its removals to the janitor too.
 */
#ifndef CR_WORKER_POOL_H
#define CR_WORKER_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "worker/docker.h"

struct cr_config;
struct docker;

#define POOL_MAX_KEYS 16	/* languages with a pool (more: the cold path) */
#define POOL_FILLERS 2		/* parallel creators: dockerd uses both cores */
#define POOL_LANG_MAX 64
#define POOL_IMAGE_MAX 256

/* What a container was created with and a submission must agree with. */
struct pool_key {
	char image[POOL_IMAGE_MAX];
	int memory_mb;
	int processes;
	int cpu_millicores;
};

/* ---- pure decisions (unit-tested) ---------------------------------------- */

/*
 * The next target size of one language's pool: misses (slots that found it
 * empty since the last look) grow it by as many, up to max; an idle period
 * (no take for pool_idle_seconds) shrinks it by one, down to floor. The result
 * is always within [floor, max].
 */
int pool_next_target(int target, int floor, int max, int misses, bool idle);

/* Containers to start now: target - ready - starting, never below 0. */
int pool_deficit(int target, int ready, int starting);

/* Does a container made with k serve a submission whose snapshot is want? */
bool pool_key_matches(const struct pool_key *k, const struct pool_key *want);

/*
 * Is a ready container still good? Not older than max_age_ms, made with the
 * entry's current key, and its stream neither readable nor hung up (a waiting
 * runner writes nothing: data or EOF means it died, or dockerd restarted).
 */
bool pool_container_fresh(int64_t created_ms, int64_t now_ms, int64_t max_age_ms,
			  bool key_current, short revents);

/* ---- set-up (supervisor) and helper processes ---------------------------- */

/* Create the shared board and sockets; before any fork. 0 or -1. */
int pool_setup(const struct cr_config *cfg);

/* Helper processes the supervisor forks: fillers (0 if not set up) + janitor. */
int pool_helpers(const struct cr_config *cfg);

/* Main of helper number i (0..pool_helpers()-1) in a forked child: exit status. */
int pool_helper_main(const struct cr_config *cfg, int i);

/* "filler 0", "janitor"... for the supervisor's log. */
const char *pool_helper_name(const struct cr_config *cfg, int i);

/* ---- slots ---------------------------------------------------------------- */

struct pool_container {
	char id[DOCKER_ID_MAX + 1];
	int fd;			/* the attach stream, ours: docker_attach_adopt() it */
	int64_t age_ms;
};

/*
 * Take a ready container of language whose limits equal want. 1 taken (the
 * caller owns c->fd and the container), 0 none (use the cold path; a miss is
 * counted and the fillers woken so the pool grows).
 */
int pool_take(const char *language, const struct pool_key *want, struct pool_container *c);

/* A slot used a pool container and its result is stored: start a replacement. */
void pool_replenish(void);

/* Remove a container off the critical path (the janitor), else here and now. */
void pool_dispose(struct docker *d, const char *id);

/*
 * Does key still match the language's row, as filler 0 last read it (each
 * sweep interval)? false when the row's key differs or the language is no
 * longer active, as read after since_ms (a container used since may have
 * come from a fresher snapshot than the pool's copy); true when the pool
 * does not know (not set up, or has not read the rows since): then the next
 * submission's own snapshot decides.
 */
bool pool_key_current(const char *language, const struct pool_key *key, int64_t since_ms);

#endif
