/*
 * Deleting what is older than a cutoff, in small batches: final submissions
 * (with, by ON DELETE CASCADE, their execution_results, test_results,
 * submission_test_cases, submission_files and webhook_deliveries), then
 * rate-limit windows and login limits whose window ended before it.
 *
 * `coderank-admin purge` and the worker's retention (retention_days) run these
 * same statements. Each batch is one statement, so one short transaction: it
 * picks at most `limit` rows with FOR UPDATE SKIP LOCKED and deletes them, so
 * no lock is held for long, a row another transaction holds is left for the
 * next run, and new submissions (inserts) never wait for a purge.
 *
 * Kept whatever their age: queued and running submissions, and a submission
 * whose webhook delivery is still pending (it goes once delivered or failed).
 */
#ifndef CR_PURGE_H
#define CR_PURGE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/db.h"

#define CR_PURGE_BATCH 1000		/* rows per batch (transaction) by default */
#define CR_PURGE_MAX_DAYS 36500		/* an age above this is a typo */
#define CR_PURGE_CUTOFF_LEN 40		/* "2026-12-03T10:00:00.123456Z" and room */

/* What is purged, in this order. */
enum cr_purge_what {
	CR_PURGE_SUBMISSIONS,
	CR_PURGE_RATE_LIMITS,
	CR_PURGE_LOGIN_LIMITS,
	CR_PURGE_DONE,
};

/* The statements; hand them to cr_db_init() for the connection that purges. */
extern const struct cr_db_stmt cr_purge_stmts[];

/* One run: a fixed cutoff, where it is, and how many rows each step deleted. */
struct cr_purge {
	char cutoff[CR_PURGE_CUTOFF_LEN];	/* UTC, RFC 3339 with microseconds */
	enum cr_purge_what what;		/* CR_PURGE_DONE: finished */
	long long deleted[CR_PURGE_DONE];
	int limit;				/* rows per batch */
};

/*
 * "30d", "12h", or a plain number of days ("30"): the age in hours, 1 hour to
 * CR_PURGE_MAX_DAYS days. -1 with a message for anything else (a sign, a
 * fraction, blanks, another unit, zero, too large).
 */
int cr_purge_parse_age(const char *text, int *hours, char *err, size_t errlen);

/* Start a run: cutoff = the database's now() - hours. 0, or -1 (logged). */
int cr_purge_start(struct cr_purge *p, struct cr_db *db, int hours, int limit);

/*
 * One batch of the current step; a batch that deletes fewer than limit rows
 * ends its step. Returns the rows it deleted, or -1 (logged; the run may be
 * taken up again with the same struct).
 */
long long cr_purge_step(struct cr_purge *p, struct cr_db *db);

/* "submissions", "rate-limit windows", "login limits". */
const char *cr_purge_name(enum cr_purge_what what);

#endif
