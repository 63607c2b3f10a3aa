/*
 * GET /health and GET /metrics. Health is a round trip to PostgreSQL. Metrics
 * are the pool's shared counters (metrics.c) plus what only the database knows:
 * submissions by status (queue depth = queued), live workers and their slots.
 * nginx restricts /metrics to loopback, and so does the API itself (metrics_ok),
 * for a front end that does not: other callers get the 404 of an unknown path.
 */
#include "config.h"

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/db.h"
#include "fcgi/handlers.h"
#include "fcgi/metrics.h"
#include "fcgi/stmts.h"

void ops_health(struct api_call *c)
{
	struct cr_db *db = api_db_quiet(c);
	PGresult *r = NULL;
	struct json_object *o;

	if (db) {
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

/* Constant time whatever the lengths: the digests are compared, not the strings. */
static bool token_equal(const char *got, size_t len, const char *want)
{
	unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)got, len, a);
	SHA256((const unsigned char *)want, strlen(want), b);
	return CRYPTO_memcmp(a, b, sizeof(a)) == 0;
}

/* "Authorization: Bearer <metrics_token>", the scheme in any case (RFC 7235). */
static bool has_metrics_token(const char *h, const char *want)
{
	size_t len;

	if (!h || !want || !*want)
		return false;
	h += strspn(h, " \t");
	if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\t'))
		return false;
	h += 6 + strspn(h + 6, " \t");
	len = strlen(h);
	while (len && (h[len - 1] == ' ' || h[len - 1] == '\t'))
		len--;
	return len && token_equal(h, len, want);
}

/*
 * REMOTE_ADDR is nginx's word for the client: to be trusted, since api_allow
 * lets only nginx hosts talk to the pool over TCP.
 */
static bool metrics_ok(const struct api_call *c)
{
	const struct cr_config *cfg = c->api->cfg;

	return cr_netlist_match_text(&cfg->metrics_allow, c->req->remote_addr) ||
	       has_metrics_token(c->req->authorization, cfg->metrics_token);
}

/* The webhook deliveries (S_M_WEBHOOKS): by state, attempts beyond the first, latency. */
static void webhook_metrics(const PGresult *r, struct cr_buf *out)
{
	cr_buf_addstr(out,
		"# HELP coderank_webhook_deliveries Webhook deliveries by state.\n"
		"# TYPE coderank_webhook_deliveries gauge\n");
	for (int i = 0; i < 3; i++)
		cr_buf_addf(out, "coderank_webhook_deliveries{state=\"%s\"} %s\n",
			    i == 0 ? "pending" : i == 1 ? "delivered" : "failed",
			    PQgetvalue(r, 0, i));
	cr_buf_addf(out,
		"# HELP coderank_webhook_retries Attempts beyond the first, over every delivery.\n"
		"# TYPE coderank_webhook_retries gauge\n"
		"coderank_webhook_retries %s\n"
		"# HELP coderank_webhook_latency_seconds From the result to its delivery, "
		"deliveries of the last hour.\n"
		"# TYPE coderank_webhook_latency_seconds summary\n"
		"coderank_webhook_latency_seconds{quantile=\"0.5\"} %s\n"
		"coderank_webhook_latency_seconds{quantile=\"0.99\"} %s\n"
		"coderank_webhook_latency_seconds_count %s\n",
		PQgetvalue(r, 0, 3), PQgetisnull(r, 0, 4) ? "NaN" : PQgetvalue(r, 0, 4),
		PQgetisnull(r, 0, 5) ? "NaN" : PQgetvalue(r, 0, 5), PQgetvalue(r, 0, 6));
}

void ops_metrics(struct api_call *c)
{
	struct cr_buf *out = &c->resp->body;
	struct cr_db *db;
	long long counts[N_STATUSES] = { 0 };
	bool db_ok = false;
	PGresult *r;

	if (!metrics_ok(c)) {
		api_error(c, 404, "not_found", "no such resource");	/* as nginx says it */
		return;
	}
	cr_buf_reset(out);
	metrics_render(c->api->shm, router_table, out);

	if ((db = api_db_quiet(c)) &&
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
		r = cr_db_exec(db, S_M_WEBHOOKS, 0, NULL, NULL, NULL, 0, NULL);
		if (r) {
			webhook_metrics(r, out);
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
