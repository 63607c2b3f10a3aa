/*
 * The queue: code_submissions rows moved through their states by single SQL
 * statements (or one transaction for finish), all prepared once (common/db.h).
 *
 *   claim      queued -> running, attempts + 1, lease to this worker
 *   renew      push lease_until forward while the job runs
 *   finish     running -> final status + execution_results row (+ a test_results
 *              row per test case) + NOTIFY done
 *   give_back  running -> queued (last_error set), or internal_error at the
 *              last attempt
 *   sweep      running rows with an expired lease: as give_back, for every one
 *
 * Fencing: renew, finish and give_back touch a row only WHERE submission_id,
 * attempts and lease_owner match and status = 'running'. A worker that lost its
 * lease (it was swept and claimed again) matches nothing: its late result is
 * discarded (return 1), never written over a newer one.
 *
 * Every statement registered in queue_stmts must be handed to cr_db_init().
 */
#ifndef CR_WORKER_QUEUE_H
#define CR_WORKER_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/db.h"
#include "worker/frame.h"

struct verdict;
struct tests_verdict;

#define QUEUE_CHANNEL_QUEUED "cr_submission_queued"
#define QUEUE_CHANNEL_DONE "cr_submission_done"
/* At a claim, for the API's event streams (fcgi/waiters.c). */
#define QUEUE_CHANNEL_RUNNING "cr_submission_running"
/* A webhook delivery was made (worker/webhook.c): its delivery_id. */
#define QUEUE_CHANNEL_WEBHOOK "cr_webhook"

extern const struct cr_db_stmt queue_stmts[];

/* A claimed submission: everything the job needs. Owned; queue_job_free() it. */
struct queue_job {
	char id[37];
	int attempts;
	char *language;
	struct cr_bytes source;
	struct cr_bytes input;
	char *image;
	char *source_file;
	char *compile_command;	/* NULL: interpreted */
	char *execute_command;
	int timeout_seconds;	/* the language's cap when it was submitted */
	int time_limit_ms;	/* the run's limit: the request's, else timeout_seconds */
	int compile_timeout_seconds;
	int max_memory_mb;	/* the run's limit: the request's, else the language's */
	int max_processes;
	char *isolation;	/* the language row's, now; NULL: the worker's */
	int language_memory_mb;	/* the language row's, now (held containers' key) */
	/* test cases (issue 12): 0 without; then input is not used */
	struct cr_job_case *cases;
	int ncases;
	char *compare;		/* compare_mode */
	double epsilon;
	bool stop_on_first_failure;
	/* files beside the entry file (source) */
	struct cr_job_file *files;
	int nfiles;
};

void queue_job_free(struct queue_job *job);

/* 1 claimed into job, 0 nothing queued, -1 database error. */
int queue_claim(struct cr_db *db, const char *owner, int lease_seconds, struct queue_job *job);

/* 0 renewed, 1 the lease is no longer ours, -1 database error (the leaser's, main.c). */
int queue_renew(struct cr_db *db, const struct queue_job *job, const char *owner,
		int lease_seconds);

/*
 * v (and t, each test case's, for a submission with test cases; else NULL) in
 * one statement: 0 written, 1 discarded (fenced out), -1 database error (the
 * lease will expire).
 */
int queue_finish(struct cr_db *db, const struct queue_job *job, const char *owner,
		 const struct verdict *v, const struct tests_verdict *t);

/* Why a claim goes back to the queue without a result (db/migrations/009). */
enum queue_return {
	QUEUE_SHUTDOWN,		/* the worker is stopping: requeued at once, costs nothing */
	QUEUE_FAILURE,		/* the platform failed: counted, backed off, capped */
};

/*
 * Back to queued with last_error = why; a failure is counted in
 * platform_failures and not claimed again before a back-off (1 s doubling up
 * to 60 s), and the max_platform_failures-th ends it internal_error with a
 * result row. Neither counts against the program's max_attempts.
 * 0 done, 1 fenced out, -1 database error.
 */
int queue_give_back(struct cr_db *db, const struct queue_job *job, const char *owner,
		    const char *why, enum queue_return kind, int max_platform_failures);

/*
 * Expired leases back to queued, or internal_error once a submission lost
 * max_attempts claims that way (claims minus give-backs); rows moved or -1.
 */
int queue_sweep(struct cr_db *db, int max_attempts);

/* Expire now the leases held by owner (a worker known dead); rows or -1. */
int queue_expire_owner(struct cr_db *db, const char *owner);

/* Upsert this worker's row with a fresh heartbeat. */
int queue_heartbeat(struct cr_db *db, const char *worker_id, const char *hostname,
		    int pid, int slots);
int queue_worker_gone(struct cr_db *db, const char *worker_id);

/*
 * A worker's liveness by its row: 1 alive (heartbeat within stale_seconds),
 * 0 stale, 2 unknown (no row: another deployment's worker, not ours to judge),
 * -1 database error. host/pid filled when the row exists.
 */
int queue_worker_alive(struct cr_db *db, const char *worker_id, int stale_seconds,
		       char *host, size_t hostlen, int *pid);

/* Active languages' images, for the start-up check; *out malloc'd strings. */
int queue_active_images(struct cr_db *db, char ***out, size_t *n);

#endif
