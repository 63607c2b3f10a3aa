/*
 * coderank-admin queue: what waits and what runs. Submissions queued and
 * running per language (with those backing off after a platform failure),
 * the age of the oldest queued one, every running claim by worker with its
 * lease, and the workers' heartbeats. Reads only, through the partial indexes
 * of queued and running rows, so it is cheap on a large table.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "admin/admin.h"

static const struct cr_db_stmt stmts[] = {
	{ "queue_depth",
	  "SELECT language, count(*) FILTER (WHERE status = 'queued'),"
	  "       count(*) FILTER (WHERE status = 'running'),"
	  "       count(*) FILTER (WHERE status = 'queued' AND not_before > now()),"
	  "       floor(extract(epoch FROM now() - min(submitted_at)"
	  "                                   FILTER (WHERE status = 'queued')))::bigint"
	  " FROM code_submissions WHERE status IN ('queued', 'running')"
	  " GROUP BY language ORDER BY language",
	  0 },
	{ "queue_running",
	  "SELECT coalesce(lease_owner, '-'), submission_id::text, language, attempts,"
	  "       floor(extract(epoch FROM now() - execution_started_at))::bigint,"
	  "       floor(extract(epoch FROM lease_until - now()))::bigint"
	  " FROM code_submissions WHERE status = 'running'"
	  " ORDER BY lease_owner, execution_started_at",
	  0 },
	{ "queue_workers",
	  "SELECT w.worker_id, w.hostname, w.pid, w.slots,"
	  "       (SELECT count(*) FROM code_submissions s"
	  "        WHERE s.status = 'running' AND s.lease_owner = w.worker_id),"
	  "       floor(extract(epoch FROM now() - w.heartbeat_at))::bigint"
	  " FROM workers w ORDER BY w.worker_id",
	  0 },
	{ NULL, NULL, 0 },
};

/* Seconds in column col of row i as a duration; "-" when NULL. */
static const char *age(const PGresult *r, int i, int col, char *out, size_t len)
{
	if (PQgetisnull(r, i, col))
		return "-";
	admin_duration(strtoll(PQgetvalue(r, i, col), NULL, 10), out, len);
	return out;
}

static void depth(const PGresult *r)
{
	static const char *const head[] = { "LANGUAGE", "QUEUED", "RUNNING", "BACKING_OFF",
					    "OLDEST_QUEUED" };
	struct admin_table t;
	long long queued = 0, running = 0, oldest = -1;
	char a[32], q[24], rn[24];

	table_init(&t, 5, head);
	for (int i = 0; i < PQntuples(r); i++) {
		const char *row[] = { PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
				      PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
				      age(r, i, 4, a, sizeof(a)) };

		queued += strtoll(row[1], NULL, 10);
		running += strtoll(row[2], NULL, 10);
		if (!PQgetisnull(r, i, 4) && strtoll(PQgetvalue(r, i, 4), NULL, 10) > oldest)
			oldest = strtoll(PQgetvalue(r, i, 4), NULL, 10);
		table_row(&t, row);
	}
	snprintf(q, sizeof(q), "%lld", queued);
	snprintf(rn, sizeof(rn), "%lld", running);
	if (oldest >= 0)
		admin_duration(oldest, a, sizeof(a));
	table_row(&t, (const char *const[]){ "total", q, rn, "", oldest >= 0 ? a : "-" });
	table_print(&t, stdout);
	table_free(&t);
	printf("oldest queued: %s\n", oldest >= 0 ? a : "none queued");
}

static void running(const PGresult *r)
{
	static const char *const head[] = { "WORKER", "SUBMISSION", "LANGUAGE", "ATTEMPT",
					    "RUNNING_FOR", "LEASE_LEFT" };
	struct admin_table t;
	char a[32], b[32];

	printf("\nrunning, by worker (%d):\n", PQntuples(r));
	if (PQntuples(r) == 0)
		return;
	table_init(&t, 6, head);
	for (int i = 0; i < PQntuples(r); i++) {
		const char *row[] = { PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
				      PQgetvalue(r, i, 3), age(r, i, 4, a, sizeof(a)),
				      age(r, i, 5, b, sizeof(b)) };

		/* a lease in the past: the next sweep gives the submission back */
		if (!PQgetisnull(r, i, 5) && strtoll(PQgetvalue(r, i, 5), NULL, 10) < 0)
			row[5] = "expired";
		table_row(&t, row);
	}
	table_print(&t, stdout);
	table_free(&t);
}

static void workers(const PGresult *r)
{
	static const char *const head[] = { "WORKER", "HOST", "PID", "SLOTS", "RUNNING",
					    "HEARTBEAT_AGO" };
	struct admin_table t;
	char a[32];

	printf("\nworkers (%d):\n", PQntuples(r));
	if (PQntuples(r) == 0)
		return;
	table_init(&t, 6, head);
	for (int i = 0; i < PQntuples(r); i++) {
		const char *row[] = { PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
				      PQgetvalue(r, i, 3), PQgetvalue(r, i, 4),
				      age(r, i, 5, a, sizeof(a)) };

		table_row(&t, row);
	}
	table_print(&t, stdout);
	table_free(&t);
}

static int show(struct admin *a, const struct admin_args *args)
{
	PGresult *d = NULL, *r = NULL, *w = NULL;
	int st;

	(void)args;
	if ((st = admin_connect(a)))
		return st;
	/* one snapshot for the three reads */
	if (cr_db_command(&a->db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") < 0 ||
	    !(d = admin_exec(a, "queue_depth", 0, NULL, NULL)) ||
	    !(r = admin_exec(a, "queue_running", 0, NULL, NULL)) ||
	    !(w = admin_exec(a, "queue_workers", 0, NULL, NULL))) {
		st = admin_db_failed("read the queue");
		goto out;
	}
	depth(d);
	running(r);
	workers(w);
out:
	cr_db_command(&a->db, "ROLLBACK");
	PQclear(d);
	PQclear(r);
	PQclear(w);
	return st;
}

static const struct admin_cmd cmds[] = {
	{ "", "",
	  "queued and running per language, leases, workers\n\n"
	  "Submissions queued and running per language and the age of the oldest\n"
	  "queued one; running submissions by worker with their leases; the workers.\n"
	  "BACKING_OFF counts queued submissions waiting out a platform failure's\n"
	  "back-off; LEASE_LEFT is how long a running claim's lease has to go (the\n"
	  "worker's leaser renews it; \"expired\": the next sweep gives it back).",
	  0, 0, { NULL }, show },
	{ NULL, NULL, NULL, 0, 0, { NULL }, NULL },
};

const struct admin_group admin_queue = { "queue", stmts, cmds };
