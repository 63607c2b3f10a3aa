/*
 * The top level of one request: API.md's check order, error bodies, request
 * ids, X-RateLimit-* headers, the per-request log line and the metrics.
 *
 * Order (API.md): route (404, 405), authentication (401), rate limit (429),
 * media type (415), size (413), body (400). The rate-limit step only exists for
 * the routes that submit (R_CHARGE: POST /execute and /execute/batch): their
 * handler takes over right after authentication and runs the rate-limit and
 * body steps itself, inside the one transaction that execute_txn() begins and
 * ends (h_execute.c).
 *
 * A handler may hold its request instead of answering (c->hold): api_start()
 * then returns false, and api_resume() runs it again when fcgi/server.c wakes
 * it; the log line and the metrics come once, at api_end().
 */
#include "config.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "common/utf8.h"
#include "common/uuid.h"
#include "fcgi/api.h"
#include "fcgi/auth.h"
#include "fcgi/handlers.h"
#include "fcgi/metrics.h"
#include "fcgi/stmts.h"
#include "fcgi/validate.h"

#define RETRY_AFTER_UNAVAILABLE 2
#define RETRY_AFTER_HASHES 1
#define POOL_WAIT_MS 5000	/* for a free database connection, then 503 */
#define HASH_WAIT_MS 2000	/* for a place at the hash gate, then 503 */

void api_init(struct api *a, const struct cr_config *cfg, struct api_shm *shm, int slot)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int hashes = cfg->api_hash_concurrency ? cfg->api_hash_concurrency
					      : (int)(cpus > 0 ? cpus : 1);

	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->shm = shm;
	a->slot = slot;
	dbpool_init(&a->pool, cfg->api_db_connections,
		    cfg->database_url ? cfg->database_url : "", api_stmts);
	hashgate_init(&a->hashes, hashes, HASH_WAIT_MS);
}

void api_release(struct api *a)
{
	if (!a)
		return;
	dbpool_release(&a->pool);
	hashgate_release(&a->hashes);
}

/* ---- answers ------------------------------------------------------------ */

static void error_body(struct api_call *c, int status, const char *code, const char *msg)
{
	struct json_object *o = json_object_new_object();
	struct cr_buf clean = CR_BUF_INIT;

	/*
	 * A message that quotes client text (a 255-character email of 4-byte
	 * characters) can be cut by the message buffer in the middle of a UTF-8
	 * sequence: repair it, so the body stays valid UTF-8 JSON.
	 */
	cr_utf8_sanitize(msg, strlen(msg), &clean);
	json_object_object_add(o, "error", json_object_new_string(code));
	json_object_object_add(o, "message",
			       json_object_new_string_len(clean.data, (int)clean.len));
	cr_buf_release(&clean);
	http_resp_reset(c->resp);
	api_json(c, status, o);
}

void api_error(struct api_call *c, int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	error_body(c, status, code, msg);
}

void api_internal(struct api_call *c, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	cr_log(CR_LOG_ERROR, "internal error: %s", detail);
	api_error(c, 500, "internal_error", "internal error (request id %s)", c->request_id);
}

void api_unavailable(struct api_call *c)
{
	api_error(c, 503, "unavailable", "the database is unavailable, retry later");
	http_resp_header(c->resp, "Retry-After", "%d", RETRY_AFTER_UNAVAILABLE);
}

void api_json(struct api_call *c, int status, struct json_object *o)
{
	size_t len;
	const char *s = json_object_to_json_string_length(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	c->resp->status = status;
	c->resp->content_type = "application/json";
	cr_buf_reset(&c->resp->body);
	cr_buf_add(&c->resp->body, s, len);
	json_object_put(o);
}

/* ---- database ------------------------------------------------------------ */

struct cr_db *api_db_quiet(struct api_call *c)
{
	if (!c->db && !(c->db = dbpool_get(&c->api->pool, POOL_WAIT_MS))) {
		cr_warn("no free database connection in %d ms", POOL_WAIT_MS);
		return NULL;
	}
	return cr_db_ensure(c->db) == 0 ? c->db : NULL;
}

int api_db(struct api_call *c)
{
	if (api_db_quiet(c))
		return 0;
	api_unavailable(c);
	return -1;
}

void api_put_db(struct api_call *c)
{
	if (!c->db)
		return;
	if (c->in_txn) {
		/* A bug: the next borrower's statements would run in this transaction. */
		cr_log(CR_LOG_ERROR, "a handler left a transaction open; rolled back");
		api_rollback(c);
	}
	dbpool_put(&c->api->pool, c->db);
	c->db = NULL;
}

int api_hash_begin(struct api_call *c)
{
	if (!c->in_txn)
		api_put_db(c);
	if (hashgate_enter(&c->api->hashes))
		return 0;
	cr_info("password hash refused: %d already running or waiting in this process",
		2 * c->api->hashes.max);
	api_error(c, 503, "unavailable", "too many logins at once, retry later");
	http_resp_header(c->resp, "Retry-After", "%d", RETRY_AFTER_HASHES);
	return -1;
}

void api_hash_end(struct api_call *c)
{
	hashgate_leave(&c->api->hashes);
}

PGresult *api_exec(struct api_call *c, const char *stmt, int n, const char *const *values,
		   const int *lengths, const int *formats)
{
	struct cr_db *db;
	PGresult *r;

	if (api_db(c))
		return NULL;
	db = c->db;
	r = cr_db_exec(db, stmt, n, values, lengths, formats, 0, NULL);
	if (!r && cr_db_is_broken(db) && !c->in_txn && cr_db_ensure(db) == 0)
		r = cr_db_exec(db, stmt, n, values, lengths, formats, 0, NULL);
	if (r)
		return r;
	if (cr_db_is_broken(db)) {
		c->in_txn = false;	/* the transaction died with the connection */
		api_unavailable(c);
	} else {
		api_internal(c, "statement %s failed", stmt);
	}
	return NULL;
}

int api_begin(struct api_call *c)
{
	if (api_db(c))
		return -1;
	if (cr_db_command(c->db, "BEGIN") == 0) {
		c->in_txn = true;
		return 0;
	}
	/* A connection that died idle is only noticed here: one fresh try. */
	if (cr_db_is_broken(c->db) && cr_db_ensure(c->db) == 0 &&
	    cr_db_command(c->db, "BEGIN") == 0) {
		c->in_txn = true;
		return 0;
	}
	if (cr_db_is_broken(c->db))
		api_unavailable(c);
	else
		api_internal(c, "could not begin a transaction");
	return -1;
}

int api_commit(struct api_call *c)
{
	c->in_txn = false;
	if (cr_db_command(c->db, "COMMIT") == 0)
		return 0;
	if (cr_db_is_broken(c->db))
		api_unavailable(c);
	else
		api_internal(c, "could not commit");
	return -1;
}

void api_rollback(struct api_call *c)
{
	if (!c->in_txn)
		return;
	c->in_txn = false;
	if (!cr_db_is_broken(c->db))
		cr_db_command(c->db, "ROLLBACK");
}

void api_set_rl(struct api_call *c, int limit, int count)
{
	ratelimit_window(c->now, &c->rl.window_start, &c->rl.reset);
	c->rl.limit = limit;
	c->rl.count = count;
	c->rl.known = true;
}

int api_check_user(struct api_call *c)
{
	char window[24];
	int64_t start;
	int reset;
	const char *params[2] = { c->user_id, window };
	PGresult *r;

	ratelimit_window(c->now, &start, &reset);
	snprintf(window, sizeof(window), "%lld", (long long)start);
	r = api_exec(c, S_AUTH_USER, 2, params, NULL, NULL);
	if (!r)
		return -1;
	if (PQntuples(r) != 1 || !pgv_bool(r, 0, 0)) {
		PQclear(r);
		api_error(c, 401, "unauthorized", "the user of this token is not active");
		return -1;
	}
	if (PQgetisnull(r, 0, 1)) {
		PQclear(r);
		api_internal(c, "user %s has an unknown rate limit tier", c->user_id);
		return -1;
	}
	api_set_rl(c, pgv_int(r, 0, 1), pgv_int(r, 0, 2));
	PQclear(r);
	return 0;
}

/* ---- the checks ----------------------------------------------------------- */

static void request_id(struct api_call *c)
{
	if (validate_request_id(c->req->request_id)) {
		snprintf(c->request_id, sizeof(c->request_id), "%s", c->req->request_id);
		return;
	}
	if (cr_uuid_generate(c->request_id) != 0) {
		/* RAND_bytes failing is near impossible; a unique-enough id still helps. */
		static unsigned long seq;
		snprintf(c->request_id, sizeof(c->request_id), "r%ld-%lu",
			 (long)getpid(), __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
	}
}

static void set_log_context(struct api_call *c)
{
	char ctx[128];

	if (c->user_id[0])
		snprintf(ctx, sizeof(ctx), "req=%s user=%s", c->request_id, c->user_id);
	else
		snprintf(ctx, sizeof(ctx), "req=%s", c->request_id);
	cr_log_set_context(ctx);
}

/* 0 with c->user_id set, or -1 answered 401. */
static int authenticate(struct api_call *c)
{
	const char *key = c->api->cfg->jwt_key ? c->api->cfg->jwt_key : "";
	enum auth_result ar = auth_bearer(c->req->authorization, key, c->now, c->user_id);

	if (ar == AUTH_OK)
		return 0;
	api_error(c, 401, "unauthorized", "%s", auth_message(ar));
	http_resp_header(c->resp, "WWW-Authenticate", "Bearer");
	return -1;
}

int api_body_checks(struct api_call *c)
{
	const struct http_req *req = c->req;
	struct verr e;

	if (validate_media_type(req->content_type, req->body.len, &e) ||
	    validate_body(&req->body, req->too_large, c->api->cfg->max_body_bytes,
			  &c->body, &e)) {
		api_error(c, e.status, e.code, "%s", e.message);
		return -1;
	}
	return 0;
}

void api_finish_headers(struct api_call *c)
{
	struct http_resp *resp = c->resp;

	if (resp->status == 0)
		api_internal(c, "handler gave no answer");
	if (c->rl.known && c->user_id[0]) {
		http_resp_header(resp, "X-RateLimit-Limit", "%d", c->rl.limit);
		http_resp_header(resp, "X-RateLimit-Remaining", "%d",
				 ratelimit_remaining(c->rl.limit, c->rl.count));
		http_resp_header(resp, "X-RateLimit-Reset", "%d", c->rl.reset);
	}
	http_resp_header(resp, "X-Request-Id", "%s", c->request_id);
	http_resp_header(resp, "Cache-Control", "no-store");
}

int api_stream_head(struct api_call *c, const char *content_type)
{
	if (c->streamed)
		return 0;
	c->streamed = true;
	c->resp->status = 200;
	c->resp->content_type = content_type;
	cr_buf_reset(&c->resp->body);
	api_finish_headers(c);
	/* nginx: pass each event on as it comes, whatever the location's buffering */
	http_resp_header(c->resp, "X-Accel-Buffering", "no");
	if (!c->fr)
		return -1;
	return http_fcgi_write_head(c->resp, c->fr);
}

int api_stream(struct api_call *c, const char *text, size_t len)
{
	if (!c->fr)
		return -1;
	return http_fcgi_stream(c->fr, text, len);
}

static int64_t monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* After a run of the call: answered (headers done) or held. */
static bool ran(struct api_call *c)
{
	json_object_put(c->body);
	c->body = NULL;
	api_put_db(c);		/* neither a held call nor the writing of an answer needs it */
	if (c->hold.kind != HOLD_NONE) {
		cr_log_set_context(NULL);
		return false;
	}
	if (!c->streamed)
		api_finish_headers(c);
	cr_log_set_context(NULL);
	return true;
}

bool api_start(struct api *a, struct api_call *c, const struct http_req *req,
	       struct http_resp *resp, struct FCGX_Request *fr)
{
	enum router_result rr;

	memset(c, 0, sizeof(*c));
	c->t0_us = monotonic_us();
	c->api = a;
	c->req = req;
	c->resp = resp;
	c->fr = fr;
	c->now = cr_now();
	request_id(c);
	set_log_context(c);

	rr = router_match(router_table, req->method, req->path, &c->match);
	if (rr == ROUTE_NOT_FOUND) {
		api_error(c, 404, "not_found", "no such resource");
		return ran(c);
	}
	if (rr == ROUTE_BAD_METHOD) {
		api_error(c, 405, "method_not_allowed",
			  "method not allowed on this resource (allowed: %s)", c->match.allow);
		http_resp_header(resp, "Allow", "%s", c->match.allow);
		return ran(c);
	}

	unsigned flags = c->match.route->flags;
	if (flags & R_AUTH) {
		if (authenticate(c))
			return ran(c);
		set_log_context(c);
		if (!(flags & R_SELF_USER) && api_check_user(c))
			return ran(c);
	}
	/* A charged route checks its body after the charge, in its own transaction. */
	if ((flags & R_BODY) && !(flags & R_CHARGE) && api_body_checks(c))
		return ran(c);
	c->match.route->fn(c);
	return ran(c);
}

bool api_resume(struct api_call *c, enum hold_wake why)
{
	set_log_context(c);
	c->now = cr_now();
	c->hold.resume(c, why);
	return ran(c);
}

void api_end(struct api_call *c)
{
	const struct http_req *req = c->req;
	int64_t us = monotonic_us() - c->t0_us;

	api_put_db(c);
	set_log_context(c);
	/* A 405 has an index (its path's route) but no route: count and log it there. */
	metrics_observe(c->api->shm, c->match.index, c->resp->status, us);
	cr_info("request method=%s route=%s status=%d ms=%.2f",
		req->method,
		c->match.index >= 0 ? router_table[c->match.index].label : "unmatched",
		c->resp->status, (double)us / 1000.0);
	cr_log_set_context(NULL);
}

void api_handle(struct api *a, const struct http_req *req, struct http_resp *resp)
{
	struct api_call c;

	if (!api_start(a, &c, req, resp, NULL)) {
		api_put_db(&c);
		api_resume(&c, HOLD_GIVE_UP);
	}
	api_end(&c);
}
