/*
 * GET /health and GET /metrics. Health is a round trip to PostgreSQL. Metrics
 * are the pool's shared counters (metrics.c) plus what only the database knows:
 * submissions by status (queue depth = queued), live workers and their slots.
 * nginx restricts /metrics to loopback.
 */
#include "config.h"

#include <json-c/json.h>
#include <string.h>

#include "common/buf.h"
#include "common/db.h"
#include "fcgi/handlers.h"
#include "fcgi/metrics.h"
#include "fcgi/stmts.h"

void ops_health(struct api_call *c)
{
	struct cr_db *db = &c->api->db;
	PGresult *r = NULL;
	struct json_object *o;

	if (cr_db_ensure(db) == 0) {
		r = cr_db_exec(db, S_HEALTH, 0, NULL, NULL, NULL, 0, NULL);
		if (!r && cr_db_is_broken(db) && cr_db_ensure(db) == 0)
			r = cr_db_exec(db, S_HEALTH, 0, NULL, NULL, NULL, 0, NULL);
	}
	if (!r) {
		api_unavailable(c);
		return;
	}
	PQclear(r);
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("ok"));
	json_object_object_add(o, "database", json_object_new_string("ok"));
	api_json(c, 200, o);
}

static const char *const statuses[] = {
	"queued", "running", "completed", "failed", "timeout",
	"memory_limit_exceeded", "output_limit_exceeded", "internal_error",
};
#define N_STATUSES (sizeof(statuses) / sizeof(statuses[0]))

void ops_metrics(struct api_call *c)
{
	struct cr_buf *out = &c->resp->body;
	struct cr_db *db = &c->api->db;
	long long counts[N_STATUSES] = { 0 };
	bool db_ok = false;
	PGresult *r;

	cr_buf_reset(out);
	metrics_render(c->api->shm, router_table, out);

	if (cr_db_ensure(db) == 0 &&
	    (r = cr_db_exec(db, S_M_STATUS, 0, NULL, NULL, NULL, 0, NULL))) {
		for (int i = 0; i < PQntuples(r); i++)
			for (size_t s = 0; s < N_STATUSES; s++)
				if (strcmp(PQgetvalue(r, i, 0), statuses[s]) == 0)
					counts[s] = pgv_int64(r, i, 1);
		PQclear(r);
		db_ok = true;
	}
	if (db_ok) {
		cr_buf_addf(out,
			"# HELP coderank_queue_depth Submissions waiting for a worker.\n"
			"# TYPE coderank_queue_depth gauge\n"
			"coderank_queue_depth %lld\n"
			"# HELP coderank_submissions Submissions in the database by status.\n"
			"# TYPE coderank_submissions gauge\n", counts[0]);
		for (size_t s = 0; s < N_STATUSES; s++)
			cr_buf_addf(out, "coderank_submissions{status=\"%s\"} %lld\n",
				    statuses[s], counts[s]);
		r = cr_db_exec(db, S_M_WORKERS, 0, NULL, NULL, NULL, 0, NULL);
		if (r) {
			cr_buf_addf(out,
				"# HELP coderank_workers Workers with a heartbeat in the last minute.\n"
				"# TYPE coderank_workers gauge\n"
				"coderank_workers %s\n"
				"# HELP coderank_worker_slots Execution slots of those workers.\n"
				"# TYPE coderank_worker_slots gauge\n"
				"coderank_worker_slots %s\n",
				PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
			PQclear(r);
		}
	}
	cr_buf_addf(out,
		"# HELP coderank_database_up Whether this responder reached PostgreSQL.\n"
		"# TYPE coderank_database_up gauge\n"
		"coderank_database_up %d\n", db_ok ? 1 : 0);
	c->resp->status = 200;
	c->resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
