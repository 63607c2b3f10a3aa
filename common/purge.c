/*
 * Purging old rows in batches (see purge.h): the statements and the steps of
 * one run, shared by coderank-admin purge and the worker's retention.
 *
 * A batch is `DELETE ... WHERE key IN (SELECT key ... LIMIT n FOR UPDATE SKIP
 * LOCKED)`, alone in its transaction. Submissions are found through the
 * partial index code_submissions_purge (db/migrations/014), oldest first, so
 * a batch reads about as many rows as it deletes however large the table,
 * and an hourly retention run that finds nothing costs one index probe.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/purge.h"

#define HOURS_PER_DAY 24
#define AGE_MAX_DIGITS 9	/* far above CR_PURGE_MAX_DAYS, far below overflow */

/* Indexed by enum cr_purge_what: one statement per step. */
const struct cr_db_stmt cr_purge_stmts[] = {
	[CR_PURGE_SUBMISSIONS] = { "purge_submissions",
	  "DELETE FROM code_submissions WHERE submission_id IN ("
	  "  SELECT s.submission_id FROM code_submissions s"
	  "  WHERE s.submitted_at < $1::timestamptz AND s.status NOT IN ('queued', 'running')"
	  "    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries w"
	  "                    WHERE w.submission_id = s.submission_id AND w.status = 'pending')"
	  "  ORDER BY s.submitted_at LIMIT $2::int FOR UPDATE OF s SKIP LOCKED)",
	  2 },
	[CR_PURGE_RATE_LIMITS] = { "purge_rate_limits",
	  "DELETE FROM rate_limit_tracking WHERE tracking_id IN ("
	  "  SELECT tracking_id FROM rate_limit_tracking WHERE window_end < $1::timestamptz"
	  "  LIMIT $2::int FOR UPDATE SKIP LOCKED)",
	  2 },
	[CR_PURGE_LOGIN_LIMITS] = { "purge_login_limits",
	  "DELETE FROM login_limits WHERE (scope, key) IN ("
	  "  SELECT scope, key FROM login_limits WHERE window_end < $1::timestamptz"
	  "  LIMIT $2::int FOR UPDATE SKIP LOCKED)",
	  2 },
	/* the cutoff once per run, so that every step and the summary agree on it */
	[CR_PURGE_DONE] = { "purge_cutoff",
	  "SELECT to_char((now() - make_interval(hours => $1::int)) AT TIME ZONE 'UTC',"
	  "               'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
	  1 },
	{ NULL, NULL, 0 },
};

static const char *const names[] = {
	[CR_PURGE_SUBMISSIONS] = "submissions",
	[CR_PURGE_RATE_LIMITS] = "rate-limit windows",
	[CR_PURGE_LOGIN_LIMITS] = "login limits",
};

const char *cr_purge_name(enum cr_purge_what what)
{
	return what < CR_PURGE_DONE ? names[what] : "nothing";
}

int cr_purge_parse_age(const char *text, int *hours, char *err, size_t errlen)
{
	size_t digits = strspn(text, "0123456789");
	const char *unit = text + digits;
	long long n, per = HOURS_PER_DAY;

	if (digits == 0 || digits > AGE_MAX_DIGITS ||
	    (*unit && (unit[1] || (*unit != 'd' && *unit != 'h')))) {
		snprintf(err, errlen, "invalid age \"%.40s\": write a whole number of days "
			 "or hours, e.g. 30d, 12h (a plain number is days)", text);
		return -1;
	}
	if (*unit == 'h')
		per = 1;
	n = strtoll(text, NULL, 10) * per;
	if (n < 1 || n > (long long)CR_PURGE_MAX_DAYS * HOURS_PER_DAY) {
		snprintf(err, errlen, "age \"%.40s\" is out of range: from 1h to %dd", text,
			 CR_PURGE_MAX_DAYS);
		return -1;
	}
	*hours = (int)n;
	return 0;
}

int cr_purge_start(struct cr_purge *p, struct cr_db *db, int hours, int limit)
{
	char h[16];
	const char *params[] = { h };
	PGresult *r;

	memset(p, 0, sizeof(*p));
	p->limit = limit > 0 ? limit : CR_PURGE_BATCH;
	p->what = CR_PURGE_DONE;
	snprintf(h, sizeof(h), "%d", hours);
	r = cr_db_exec(db, cr_purge_stmts[CR_PURGE_DONE].name, 1, params, NULL, NULL, 0, NULL);
	if (!r)
		return -1;
	snprintf(p->cutoff, sizeof(p->cutoff), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	p->what = CR_PURGE_SUBMISSIONS;
	return 0;
}

long long cr_purge_step(struct cr_purge *p, struct cr_db *db)
{
	char limit[16];
	const char *params[] = { p->cutoff, limit };
	PGresult *r;
	long long n;

	if (p->what >= CR_PURGE_DONE)
		return 0;
	snprintf(limit, sizeof(limit), "%d", p->limit);
	r = cr_db_exec(db, cr_purge_stmts[p->what].name, 2, params, NULL, NULL, 0, NULL);
	if (!r)
		return -1;
	n = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	p->deleted[p->what] += n;
	if (n < p->limit)
		p->what++;
	return n;
}
