/*
 * Retention runs of the supervisor (see retention.h). The purge itself, its
 * statements and its steps, are common/purge.c's, the same as coderank-admin's.
 */
#include "config.h"

#include <string.h>

#include "common/log.h"
#include "common/timefmt.h"
#include "worker/retention.h"

void retention_init(struct retention *r, const char *conninfo)
{
	memset(r, 0, sizeof(*r));
	r->conninfo = conninfo;
}

static bool start(struct retention *r, int days, int64_t now)
{
	cr_db_init(&r->db, r->conninfo, cr_purge_stmts);
	r->started_ms = now;
	if (cr_db_ensure(&r->db) < 0 ||
	    cr_purge_start(&r->purge, &r->db, days * 24, CR_PURGE_BATCH) < 0) {
		cr_error("retention: could not start a purge; next try in %d s",
			 RETENTION_RETRY_MS / 1000);
		cr_db_close(&r->db);
		r->next_ms = now + RETENTION_RETRY_MS;
		return false;
	}
	r->running = true;
	return true;
}

static void stop(struct retention *r, int days, bool done)
{
	const long long *n = r->purge.deleted;
	long long ms = cr_monotonic_ms() - r->started_ms;

	if (!done)
		cr_error("retention: purge stopped by a database error after %lld submissions, "
			 "%lld rate-limit windows, %lld login limits; next try in %d s",
			 n[CR_PURGE_SUBMISSIONS], n[CR_PURGE_RATE_LIMITS],
			 n[CR_PURGE_LOGIN_LIMITS], RETENTION_RETRY_MS / 1000);
	else if (n[CR_PURGE_SUBMISSIONS] || n[CR_PURGE_RATE_LIMITS] || n[CR_PURGE_LOGIN_LIMITS])
		cr_info("retention: purged %lld submissions, %lld rate-limit windows, %lld login "
			"limits older than %d days (before %s) in %lld ms",
			n[CR_PURGE_SUBMISSIONS], n[CR_PURGE_RATE_LIMITS],
			n[CR_PURGE_LOGIN_LIMITS], days, r->purge.cutoff, ms);
	else
		cr_debug("retention: nothing older than %d days (before %s)", days,
			 r->purge.cutoff);
	cr_db_close(&r->db);
	r->running = false;
	r->next_ms = r->started_ms + (done ? RETENTION_EVERY_MS : RETENTION_RETRY_MS);
}

void retention_tick(struct retention *r, int days)
{
	int64_t now = cr_monotonic_ms(), end = now + RETENTION_SLICE_MS;

	if (days <= 0)
		return;
	if (!r->running && (now < r->next_ms || !start(r, days, now)))
		return;
	while (r->purge.what < CR_PURGE_DONE && cr_monotonic_ms() < end) {
		if (cr_purge_step(&r->purge, &r->db) < 0) {
			stop(r, days, false);
			return;
		}
	}
	if (r->purge.what == CR_PURGE_DONE)
		stop(r, days, true);
}

void retention_close(struct retention *r)
{
	if (r->running)
		cr_db_close(&r->db);
	r->running = false;
}
