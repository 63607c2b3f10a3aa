/*
 * POST /execute and GET /execute/{id}, with ?wait=true; and the steps that
 * POST /execute/batch and GET /execute?ids= (h_batch.c) share with them.
 *
 * POST runs in one transaction, which execute_txn() alone begins, commits or
 * rolls back; what runs inside it (submit(), the batch's steps) never does.
 * execute_charge() locks the user's row (so the limits hold across every
 * process and host), counts the call (a batch: each of its items) in the
 * current one-minute window and checks the unfinished count; then come the
 * body checks, and the insert of the submission (execute_insert()), with the
 * language's limits copied from language_configs, which NOTIFYs the workers in
 * the same statement. The charge is kept with the submission, and also after a
 * client error (415, 413, 400: the call stays counted); any other failure
 * rolls it back.
 *
 * GET answers the user check, the X-RateLimit-* numbers and the result in one
 * prepared statement (S_EXEC_GET): it is the hot read path. The result
 * document of a row is execute_result_json(), for one submission or a list.
 *
 * ?wait=true holds the request (c->hold): the server parks it with the
 * process's dispatcher, which wakes it when the submission is final or at the
 * deadline (compile + time limit + api_wait_margin_seconds, capped below
 * nginx's read timeout); execute_resume() then answers. When it cannot be held
 * (api_max_waiters held already, the LISTEN connection down, a stopping
 * responder) it is answered at once as without wait.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base64url.h"
#include "common/buf.h"
#include "common/compare.h"
#include "common/log.h"
#include "common/result.h"
#include "common/timefmt.h"
#include "common/utf8.h"
#include "common/uuid.h"
#include "common/xalloc.h"
#include "fcgi/callback.h"
#include "fcgi/handlers.h"
#include "fcgi/metrics.h"
#include "fcgi/stmts.h"
#include "fcgi/validate.h"

bool execute_final(const char *st)
{
	return cr_status_final(st);
}

static void window_param(struct api_call *c, char *out, size_t outlen)
{
	int64_t start;
	int reset;

	ratelimit_window(c->now, &start, &reset);
	snprintf(out, outlen, "%lld", (long long)start);
}

/* ---- POST /execute: the rate-limit step ------------------------------------ */

/* Inside the caller's transaction: 0 to go on, -1 when answered (401, 429, 5xx). */
int execute_charge(struct api_call *c, int n)
{
	char window[24], calls[16], note[64] = "";
	const char *p1[1] = { c->user_id };
	const char *p3[3] = { c->user_id, window, calls };
	PGresult *r;
	int rpm, max_concurrent, unfinished, count;

	window_param(c, window, sizeof(window));
	snprintf(calls, sizeof(calls), "%d", n);
	if (n > 1)
		snprintf(note, sizeof(note), " (a batch counts each of its %d items)", n);
	r = api_exec(c, S_CHARGE_LOCK, 1, p1, NULL, NULL);
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
	rpm = pgv_int(r, 0, 1);
	max_concurrent = pgv_int(r, 0, 2);
	unfinished = pgv_int(r, 0, 3);
	PQclear(r);

	r = api_exec(c, S_CHARGE_COUNT, 3, p3, NULL, NULL);
	if (!r)
		return -1;
	count = pgv_int(r, 0, 0);
	PQclear(r);
	api_set_rl(c, rpm, count);

	if (ratelimit_exceeded(rpm, count)) {
		c->rl.count = count - n;	/* a refused call is not counted */
		api_error(c, 429, "rate_limited",
			  "rate limit exceeded: %d submissions per minute%s", rpm, note);
		http_resp_header(c->resp, "Retry-After", "%d", ratelimit_retry_after(&c->rl));
		return -1;
	}
	if (unfinished + n > max_concurrent) {
		c->rl.count = count - n;
		api_error(c, 429, "rate_limited",
			  "too many unfinished submissions: at most %d at once%s", max_concurrent,
			  note);
		http_resp_header(c->resp, "Retry-After", "%d", RL_CONCURRENCY_RETRY_AFTER);
		return -1;
	}
	/* First call of a new window: drop the user's old windows while we hold the lock. */
	if (count == n) {
		r = api_exec(c, S_CHARGE_PRUNE, 2, p3, NULL, NULL);
		if (!r)
			return -1;
		PQclear(r);
	}
	c->charged = n;
	return 0;
}

/* ---- the result document ---------------------------------------------------- */

struct json_object *execute_result_json(const PGresult *r, int row, const PGresult *tests)
{
	return cr_result_json(r, row, EG_RESULT, tests);
}

int execute_tests(struct api_call *c, const PGresult *r, PGresult **tests)
{
	struct cr_buf ids;
	const char *values[1];
	int n = 0;

	*tests = NULL;
	cr_buf_init(&ids, 0);
	cr_buf_addstr(&ids, "{");
	for (int i = 0; i < PQntuples(r); i++) {
		if (PQgetisnull(r, i, EG_ID) || PQgetisnull(r, i, EG_TESTS_TOTAL) ||
		    !execute_final(PQgetvalue(r, i, EG_STATUS)))
			continue;
		cr_buf_addf(&ids, "%s%s", n++ ? "," : "", PQgetvalue(r, i, EG_ID));
	}
	cr_buf_addstr(&ids, "}");
	if (n == 0) {
		cr_buf_release(&ids);
		return 0;
	}
	values[0] = ids.data;
	*tests = api_exec(c, S_TESTS, 1, values, NULL, NULL);
	cr_buf_release(&ids);
	return *tests ? 0 : -1;
}

/*
 * Answer 200 with the S_EXEC_GET row r (which has a submission), and its test
 * cases' results when it has some (-1: answered with the database's error).
 */
int execute_send_result(struct api_call *c, const PGresult *r)
{
	PGresult *tests;

	if (execute_tests(c, r, &tests) < 0)
		return -1;
	api_json(c, 200, execute_result_json(r, 0, tests));
	PQclear(tests);
	return 0;
}

PGresult *execute_read(struct api_call *c, const char *stmt, const char *arg)
{
	char window[24];
	const char *params[3] = { c->user_id, window, arg };
	PGresult *r;

	window_param(c, window, sizeof(window));
	r = api_exec(c, stmt, 3, params, NULL, NULL);
	if (!r)
		return NULL;
	if (PQntuples(r) < 1 || !pgv_bool(r, 0, EG_ACTIVE)) {
		PQclear(r);
		api_error(c, 401, "unauthorized", "the user of this token is not active");
		return NULL;
	}
	if (PQgetisnull(r, 0, EG_RPM)) {
		PQclear(r);
		api_internal(c, "user %s has an unknown rate limit tier", c->user_id);
		return NULL;
	}
	api_set_rl(c, pgv_int(r, 0, EG_RPM), pgv_int(r, 0, EG_COUNT));
	return r;
}

/*
 * Run S_EXEC_GET for id. Returns the row (caller PQclear()s) when the user is
 * active and the submission is theirs; otherwise answers 401/404 (or the
 * database error) and returns NULL. Fills c->rl.
 */
PGresult *execute_fetch(struct api_call *c, const char *id)
{
	PGresult *r = execute_read(c, S_EXEC_GET, id);

	if (!r)
		return NULL;
	if (PQgetisnull(r, 0, EG_ID)) {
		PQclear(r);
		api_error(c, 404, "not_found", "no such submission");
		return NULL;
	}
	return r;
}

/* ---- ?wait=true ------------------------------------------------------------- */

/* 202 with the id: accepted, not (yet) final. */
static void answer_accepted(struct api_call *c, const char *id)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "submission_id", json_object_new_string(id));
	json_object_object_add(o, "status", json_object_new_string("queued"));
	json_object_object_add(o, "message", json_object_new_string("Code submitted successfully"));
	api_json(c, 202, o);
	http_resp_header(c->resp, "Location", "/api/v1/execute/%s", id);
}

/* Hold the call until submission id is final: limit_s is its compile + time limit. */
static void hold(struct api_call *c, enum hold_kind kind, const char *id, int limit_s)
{
	struct api *a = c->api;
	int read_timeout = metrics_read_timeout(a->shm);

	memset(&c->hold, 0, sizeof(c->hold));
	c->hold.kind = kind;
	snprintf(c->hold.id, sizeof(c->hold.id), "%s", id);
	/* until the supervisor has read it, the least nginx is ever given */
	c->hold.seconds = cr_config_wait_seconds(a->cfg, limit_s,
						 read_timeout ? read_timeout : cr_limits.proxy_read_seconds);
	c->hold.resume = execute_resume;
}

/*
 * A held POST or GET runs again: answer with the result once it is final,
 * or, when the hold ends first, as without wait (POST 202, GET the row as it is).
 */
void execute_resume(struct api_call *c, enum hold_wake why)
{
	bool post = c->hold.kind == HOLD_POST;
	char id[CR_UUID_LEN + 1];
	PGresult *r;

	snprintf(id, sizeof(id), "%s", c->hold.id);
	if (why != HOLD_CHECK && post) {
		c->hold.kind = HOLD_NONE;
		answer_accepted(c, id);
		return;
	}
	r = execute_fetch(c, id);
	if (!r) {
		c->hold.kind = HOLD_NONE;	/* answered (401, 404, 503) */
		if (post) {
			/* committed already: API.md's 503 would say it was not accepted */
			http_resp_reset(c->resp);
			answer_accepted(c, id);
		}
		return;
	}
	if (why == HOLD_CHECK && !execute_final(PQgetvalue(r, 0, EG_STATUS))) {
		PQclear(r);
		return;				/* still held */
	}
	c->hold.kind = HOLD_NONE;
	execute_send_result(c, r);
	PQclear(r);
	if (post)
		http_resp_header(c->resp, "Location", "/api/v1/execute/%s", id);
}

/* ---- the insert and the transaction ------------------------------------------ */

void execute_vlimits(const struct cr_config *cfg, struct vlimits *lim)
{
	lim->max_body = cfg->max_body_bytes;
	lim->max_source = cfg->max_source_bytes;
	lim->max_input = cfg->max_input_bytes;
	lim->max_tests = cfg->max_test_cases;
}

enum submit_end execute_refuse(struct api_call *c, const struct verr *e)
{
	api_error(c, e->status, e->code, "%s", e->message);
	/* the one 429 an item can earn: too many webhook deliveries pending */
	if (e->status == 429)
		http_resp_header(c->resp, "Retry-After", "%d", CALLBACK_RETRY_AFTER);
	return SUBMIT_KEEP_CHARGE;
}

/* Is a file of x named like the entry file, or under it (S_SUBMIT's check)? */
static bool files_clash(const struct execute_req *x, const char *entry)
{
	size_t n = strlen(entry);

	for (size_t i = 0; x->files && i < json_object_array_length(x->files); i++) {
		struct json_object *f = json_object_array_get_idx(x->files, i), *name;
		const char *s;

		if (!json_object_object_get_ex(f, "name", &name))
			continue;
		s = json_object_get_string(name);
		if (strncmp(s, entry, n) == 0 && (s[n] == '\0' || s[n] == '/'))
			return true;
	}
	return false;
}

/* S_SUBMIT refused a callback_url: no webhook secret yet (400), too many pending (429). */
static enum submit_end refused_callback(struct api_call *c, struct verr *e)
{
	const char *values[1] = { c->user_id };
	PGresult *r = api_exec(c, S_WEBHOOK_STATE, 1, values, NULL, NULL);
	bool secret;

	if (!r)
		return SUBMIT_UNDO;
	secret = PQntuples(r) == 1 && pgv_bool(r, 0, 0);
	PQclear(r);
	e->field = "callback_url";
	e->status = secret ? 429 : 400;
	e->code = secret ? "rate_limited" : "validation_failed";
	snprintf(e->message, sizeof(e->message), secret
		 ? "too many webhook deliveries pending: at most %d at once"
		 : "a callback_url needs a webhook secret: POST /api/v1/webhooks/secret first",
		 c->api->cfg->webhook_max_pending);
	return SUBMIT_KEEP_CHARGE;
}

/* S_SUBMIT inserted nothing: an inactive language, or a request over the language's caps. */
static enum submit_end refused_insert(struct api_call *c, const struct execute_req *x,
				      struct verr *e)
{
	const char *values[1] = { x->language.s };
	PGresult *r = api_exec(c, S_LANG_CAPS, 1, values, NULL, NULL);
	int time_cap, memory_cap, cases = x->tests ? (int)json_object_array_length(x->tests) : 0;
	long long work_ms;
	char entry[128];

	if (!r)
		return SUBMIT_UNDO;
	if (PQntuples(r) != 1) {
		PQclear(r);
		validate_unsupported(&x->language, e);
		return SUBMIT_KEEP_CHARGE;
	}
	time_cap = pgv_int(r, 0, 0);
	memory_cap = pgv_int(r, 0, 1);
	snprintf(entry, sizeof(entry), "%s", PQgetvalue(r, 0, 2));
	PQclear(r);
	work_ms = (long long)cases * (x->time_limit_ms ? x->time_limit_ms : time_cap);
	if (x->time_limit_ms > time_cap)
		validate_above_cap(e, "time_limit_ms", x->time_limit_ms, &x->language, time_cap);
	else if (x->memory_limit_mb > memory_cap)
		validate_above_cap(e, "memory_limit_mb", x->memory_limit_mb, &x->language,
				   memory_cap);
	else if (work_ms > c->api->cfg->max_test_work_seconds * 1000LL)
		validate_too_much_work(e, cases, work_ms / cases,
				       c->api->cfg->max_test_work_seconds);
	else if (files_clash(x, entry) || !x->callback_url.s)
		validate_entry_clash(e, entry);
	else
		return refused_callback(c, e);
	return SUBMIT_KEEP_CHARGE;
}

/* Bytes as standard base64, for PostgreSQL's decode(..., 'base64'). */
static struct json_object *base64_json(const char *data, size_t len)
{
	struct cr_buf b = CR_BUF_INIT;
	struct json_object *o;

	cr_base64_encode(data, len, &b);
	o = json_object_new_string_len(b.len ? b.data : "", (int)b.len);
	cr_buf_release(&b);
	return o;
}

static const char *member(struct json_object *item, const char *key, size_t *len)
{
	struct json_object *f;

	if (!json_object_object_get_ex(item, key, &f) || f == NULL)
		return NULL;
	*len = (size_t)json_object_get_string_len(f);
	return json_object_get_string(f);
}

/* S_SUBMIT's $7: the test cases as [{"n", "i", "x"}]; NULL when none. */
static char *cases_param(const struct execute_req *x)
{
	struct json_object *a;
	char *out;

	if (!x->tests)
		return NULL;
	a = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(x->tests); i++) {
		struct json_object *t = json_object_array_get_idx(x->tests, i);
		struct json_object *o = json_object_new_object();
		size_t len = 0;
		const char *v;

		if ((v = member(t, "name", &len)))
			json_object_object_add(o, "n", json_object_new_string_len(v, (int)len));
		len = 0;
		v = member(t, "input", &len);
		json_object_object_add(o, "i", base64_json(v ? v : "", len));
		if ((v = member(t, "expected_output", &len)))
			json_object_object_add(o, "x", base64_json(v, len));
		json_object_array_add(a, o);
	}
	out = cr_xstrdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(a);
	return out;
}

/* S_SUBMIT's $8: the files as [{"n", "c"}]; NULL when none. */
static char *files_param(const struct execute_req *x)
{
	struct json_object *a;
	char *out;

	if (!x->files)
		return NULL;
	a = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(x->files); i++) {
		struct json_object *f = json_object_array_get_idx(x->files, i);
		struct json_object *o = json_object_new_object();
		size_t len = 0;
		const char *v = member(f, "name", &len);

		json_object_object_add(o, "n", json_object_new_string_len(v, (int)len));
		v = member(f, "content", &len);
		json_object_object_add(o, "c", json_object_new_string_len(v, (int)len));
		json_object_array_add(a, o);
	}
	out = cr_xstrdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(a);
	return out;
}

enum submit_end execute_insert(struct api_call *c, const struct execute_req *x,
			       struct submitted *s, struct verr *e)
{
	char time_ms[16], memory_mb[16], epsilon[32], work_ms[24], pending[16];
	char host[CALLBACK_HOST_MAX];
	char *cases, *files;
	const char *values[15] = { c->user_id, x->language.s, x->source.s, x->input.s,
				   x->time_limit_ms ? time_ms : NULL,
				   x->memory_limit_mb ? memory_mb : NULL, NULL, NULL,
				   cr_compare_name(x->compare), epsilon,
				   x->stop_on_first_failure ? "true" : "false", work_ms,
				   x->callback_url.s, x->callback_url.s ? host : NULL, pending };
	const int lengths[15] = { 0, 0, 0, (int)x->input.len };
	const int formats[15] = { 0, 0, 0, 1 };	/* input is bytea: bound as binary */
	PGresult *r;

	if (x->callback_url.s && callback_check(&x->callback_url, c->api->cfg, host, sizeof(host),
						e) < 0)
		return SUBMIT_KEEP_CHARGE;
	values[6] = cases = cases_param(x);
	values[7] = files = files_param(x);
	snprintf(pending, sizeof(pending), "%d", c->api->cfg->webhook_max_pending);
	snprintf(time_ms, sizeof(time_ms), "%d", x->time_limit_ms);
	snprintf(memory_mb, sizeof(memory_mb), "%d", x->memory_limit_mb);
	snprintf(epsilon, sizeof(epsilon), "%.17g", x->epsilon);
	snprintf(work_ms, sizeof(work_ms), "%lld", c->api->cfg->max_test_work_seconds * 1000LL);
	r = api_exec(c, S_SUBMIT, 15, values, lengths, formats);
	free(cases);
	free(files);
	if (!r)
		return SUBMIT_UNDO;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return refused_insert(c, x, e);
	}
	snprintf(s->id, sizeof(s->id), "%s", PQgetvalue(r, 0, 0));
	s->limit_s = pgv_int(r, 0, 1);
	PQclear(r);
	return SUBMIT_DONE;
}

/* The charge did not stay: neither must it in the X-RateLimit-* numbers. */
static void undo_charge(struct api_call *c)
{
	api_rollback(c);
	c->rl.count = c->rl.count > c->charged ? c->rl.count - c->charged : 0;
	c->charged = 0;
}

int execute_txn(struct api_call *c, execute_steps_fn steps, void *arg)
{
	if (api_begin(c))
		return -1;
	switch (steps(c, arg)) {
	case SUBMIT_UNDO:
		undo_charge(c);
		return -1;
	case SUBMIT_KEEP_CHARGE:
		/* The 4xx stands even if this commit fails: the charge is then lost. */
		c->in_txn = false;
		if (cr_db_command(c->db, "COMMIT") != 0)
			cr_warn("could not commit the rate-limit charge");
		return -1;
	case SUBMIT_DONE:
		break;
	}
	if (api_commit(c)) {
		undo_charge(c);
		return -1;
	}
	return 0;
}

/* ---- handlers ----------------------------------------------------------------- */

struct single {
	bool wait;
	struct execute_req x;
	struct submitted s;
};

/*
 * POST /execute's steps inside its transaction, in API.md's order: the charge
 * (401, 429), the body (415, 413, 400), the fields (400), the insert (400 for
 * a language that is not active). Answers every error itself; never begins,
 * commits or rolls back.
 */
static enum submit_end submit(struct api_call *c, void *arg)
{
	struct vlimits lim;
	struct single *one = arg;
	struct verr e;
	enum submit_end end;

	execute_vlimits(c->api->cfg, &lim);
	if (execute_charge(c, 1))
		return SUBMIT_UNDO;
	if (api_body_checks(c))
		return SUBMIT_KEEP_CHARGE;
	if (validate_wait(c->req->query, &one->wait, &e) ||
	    validate_execute(c->body, &lim, &one->x, &e))
		return execute_refuse(c, &e);
	end = execute_insert(c, &one->x, &one->s, &e);
	return end == SUBMIT_KEEP_CHARGE ? execute_refuse(c, &e) : end;
}

void execute_create(struct api_call *c)
{
	struct single one;

	memset(&one, 0, sizeof(one));
	if (execute_txn(c, submit, &one))
		return;
	cr_info("submission accepted id=%s language=%s", one.s.id, one.x.language.s);
	if (one.wait)
		hold(c, HOLD_POST, one.s.id, one.s.limit_s);	/* 200 with the result, or 202 */
	else
		answer_accepted(c, one.s.id);
}

void execute_get(struct api_call *c)
{
	struct verr e;
	bool wait;
	PGresult *r;

	if (!cr_uuid_valid(c->match.id) || validate_wait(c->req->query, &wait, &e)) {
		/* authentication (401) comes before validation (400) */
		if (api_check_user(c))
			return;
		if (!cr_uuid_valid(c->match.id))
			api_error(c, 400, "validation_failed", "submission id must be a UUID");
		else
			api_error(c, e.status, e.code, "%s", e.message);
		return;
	}
	r = execute_fetch(c, c->match.id);
	if (!r)
		return;
	if (wait && !execute_final(PQgetvalue(r, 0, EG_STATUS)))
		hold(c, HOLD_GET, PQgetvalue(r, 0, EG_ID), pgv_int(r, 0, EG_HOLD_LIMIT));
	else
		execute_send_result(c, r);
	PQclear(r);
}

/* GET /execute/{id}/tests/{n}: one test case's result, with its whole output. */
void execute_test_get(struct api_call *c)
{
	const char *values[3] = { c->user_id, c->match.id, c->match.n };
	size_t digits = strspn(c->match.n, "0123456789");
	long n = atol(c->match.n);
	PGresult *r;

	if (!cr_uuid_valid(c->match.id) || digits == 0 || c->match.n[digits] != '\0' ||
	    digits > 2 || n >= VALIDATE_TESTS_MAX) {
		if (api_check_user(c))
			return;
		api_error(c, 400, "validation_failed", cr_uuid_valid(c->match.id)
			  ? "test case index must be a number from 0 to 63"
			  : "submission id must be a UUID");
		return;
	}
	r = execute_fetch(c, c->match.id);
	if (!r)
		return;
	PQclear(r);
	r = api_exec(c, S_TEST_GET, 3, values, NULL, NULL);
	if (!r)
		return;
	if (PQntuples(r) != 1) {
		PQclear(r);
		api_error(c, 404, "not_found", "no result for test case %ld of this submission "
			  "(it has fewer cases, no test cases, or is not finished)", n);
		return;
	}
	api_json(c, 200, cr_test_json(r, 0));
	PQclear(r);
}
