/*
 * A slot: one process that runs one submission at a time.
 *
 * Each slot owns a PostgreSQL connection (LISTEN cr_submission_queued) and a
 * Docker client. Its loop: claim; if nothing is queued, wait on the database
 * socket for a NOTIFY (or the sweep interval, or a stop request); else find
 * a container (one it holds from an earlier run in sandbox mode, a
 * pre-started one from the pool, or a new one), write the job frame, read
 * the result frame (renewing the lease meanwhile), finish, then keep the
 * container for the next run (sandbox mode, clean run) or retire it.
 *
 * The supervisor (main.c) forks the slots and shares a struct slot_board with
 * them (MAP_SHARED): one struct slot_state per slot, so that when a slot dies
 * the supervisor removes the container it was using and gives its submission
 * back at once instead of waiting for the lease to expire; and a docker_down
 * flag, so that once one slot finds dockerd gone the others stop claiming
 * (each would otherwise spend an attempt of a queued submission finding out).
 */
#ifndef CR_WORKER_SLOT_H
#define CR_WORKER_SLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "worker/docker.h"
#include "worker/frame.h"
#include "worker/held.h"

struct cr_config;
struct queue_job;

#define SLOT_RUNNER_UID 10000
#define SLOT_DEADLINE_MARGIN_MS 10000	/* beyond compile + run limits: a silent runner */
/* Each test case beyond its time limit: the clean-up before it, bounded by the runner's wipe. */
#define SLOT_CASE_MARGIN_MS 6000
#define SLOT_STOP_GRACE_MS 10000	/* after SIGTERM, a running job may finish within this */

/*
 * Written by the slot, read by the supervisor: which containers the slot
 * holds (its reaper spares them), and, after the slot died, what to remove
 * and give back.
 */
struct slot_state {
	int busy;			/* submission/attempts below are valid */
	int has_container;		/* container below is valid */
	char submission[37];
	int attempts;
	char container[DOCKER_ID_MAX + 1];
	unsigned claim_seq;		/* bumped by each claim, after submission/attempts */
	unsigned lost_seq;		/* the leaser: the claim claim_seq's lease is lost */
	int held_used[HELD_MAX];	/* held[i] below is valid (sandbox mode) */
	char held[HELD_MAX][DOCKER_ID_MAX + 1];
};

/* Shared by the supervisor and every slot (MAP_SHARED). */
struct slot_board {
	int docker_down;		/* a slot found dockerd unreachable: ping before claiming */
	int sandbox_refused;		/* the self-check found a guarantee that cannot hold */
	struct slot_state slots[];	/* worker_slots of them */
};

/*
 * The leaser process: renews the lease of every busy slot's claim every
 * lease_seconds / 3, whatever the slot is doing (a Docker call that hangs
 * included), and tells a slot whose lease was lost. Returns its exit status.
 */
int slot_leaser_main(const struct cr_config *cfg, struct slot_board *board);

/* The slot process's main loop; returns the process exit status. */
int slot_main(const struct cr_config *cfg, int index, struct slot_board *board);

/*
 * The job frame for a claimed submission (pure; for tests too). Borrows from
 * job: do not cr_job_free() it; free() only the encoded bytes.
 */
void slot_build_job(const struct queue_job *job, size_t output_limit_bytes,
		    struct cr_job *out);

/*
 * Wall-clock budget of a job from its limits: compile + run (each test case's
 * run and clean-up, for a job with cases) + margin, in ms.
 */
int64_t slot_job_budget_ms(const struct queue_job *job);

#endif
