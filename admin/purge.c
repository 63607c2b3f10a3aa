/*
 * coderank-admin purge --older-than AGE: the worker's retention run by hand,
 * with any age (common/purge.h has the statements and what is kept). It runs
 * batch after batch, each its own short transaction, so the API keeps
 * accepting submissions meanwhile; progress goes to stderr about once a
 * second, the summary to stdout.
 */
#include "config.h"

#include <stdio.h>

#include "admin/admin.h"
#include "common/purge.h"
#include "common/timefmt.h"

#define PROGRESS_EVERY_MS 1000
#define BATCH_MAX 100000

enum { OPT_OLDER_THAN, OPT_BATCH };

static void progress(const struct cr_purge *p, int64_t ms)
{
	fprintf(stderr, "purge: %lld submissions, %lld rate-limit windows, %lld login limits "
		"so far (%.1f s)\n", p->deleted[CR_PURGE_SUBMISSIONS],
		p->deleted[CR_PURGE_RATE_LIMITS], p->deleted[CR_PURGE_LOGIN_LIMITS],
		(double)ms / 1000);
}

static int run(struct admin *a, const struct admin_args *args)
{
	struct cr_purge p;
	char err[256];
	int hours, batch = CR_PURGE_BATCH, batches = 0, st;
	int64_t t0, next;

	if (!args->opt[OPT_OLDER_THAN])
		return admin_usage_error(a, "say how old: --older-than AGE (e.g. 30d)");
	if (cr_purge_parse_age(args->opt[OPT_OLDER_THAN], &hours, err, sizeof(err)) < 0)
		return admin_usage_error(a, "--older-than: %s", err);
	if (args->opt[OPT_BATCH] &&
	    (st = admin_number(a, "--batch", args->opt[OPT_BATCH], 1, BATCH_MAX, &batch)))
		return st;
	if ((st = admin_connect(a)))
		return st;
	if (cr_purge_start(&p, &a->db, hours, batch) < 0)
		return admin_db_failed("start the purge");
	fprintf(stderr, "purge: older than %s, before %s, %d rows a batch\n",
		args->opt[OPT_OLDER_THAN], p.cutoff, batch);
	t0 = cr_monotonic_ms();
	next = t0 + PROGRESS_EVERY_MS;
	while (p.what < CR_PURGE_DONE) {
		if (cr_purge_step(&p, &a->db) < 0) {
			progress(&p, cr_monotonic_ms() - t0);
			return admin_db_failed("purge (what is above is deleted; run it again "
					       "to go on)");
		}
		batches++;
		if (cr_monotonic_ms() >= next) {
			progress(&p, cr_monotonic_ms() - t0);
			next = cr_monotonic_ms() + PROGRESS_EVERY_MS;
		}
	}
	printf("purged %lld submissions (with their results, test results, test cases, files "
	       "and webhook deliveries), %lld rate-limit windows and %lld login limits older "
	       "than %s (before %s) in %.1f s, %d batches\n",
	       p.deleted[CR_PURGE_SUBMISSIONS], p.deleted[CR_PURGE_RATE_LIMITS],
	       p.deleted[CR_PURGE_LOGIN_LIMITS], args->opt[OPT_OLDER_THAN], p.cutoff,
	       (double)(cr_monotonic_ms() - t0) / 1000, batches);
	return ADMIN_OK;
}

static const struct admin_cmd cmds[] = {
	{ "", "--older-than AGE [--batch N]",
	  "delete final submissions older than AGE\n\n"
	  "  --older-than AGE  30d (days), 12h (hours), or a plain number of days;\n"
	  "                    from 1h to 36500d\n"
	  "  --batch N         rows per batch, each its own transaction (1 to 100000;\n"
	  "                    default 1000)\n\n"
	  "Deletes the submissions submitted before now - AGE whose status is final, with\n"
	  "their results, test results, test cases, files and webhook deliveries, then\n"
	  "the rate-limit windows and login limits that ended before it. Kept: queued and\n"
	  "running submissions, and those whose webhook delivery is still pending. Each\n"
	  "batch locks only the rows it deletes (FOR UPDATE SKIP LOCKED), so submissions\n"
	  "keep coming in meanwhile. Progress on stderr, a summary on stdout. The worker\n"
	  "does the same every hour with retention_days (default 90; 0 keeps everything).",
	  0, 0, { "--older-than", "--batch" }, run },
	{ NULL, NULL, NULL, 0, 0, { NULL }, NULL },
};

const struct admin_group admin_purge = { "purge", cr_purge_stmts, cmds };
