/*
 * POST /execute/batch and GET /execute?ids=: up to BATCH_MAX submissions at
 * once, on the steps of h_execute.c.
 *
 * A batch is one transaction (execute_txn): the charge counts each item, then
 * the items are checked and inserted in order, each exactly as POST /execute
 * would (validate_execute, execute_insert), under a savepoint. The first item
 * that fails, whether a field (validate_batch_item) or an inactive language
 * (the insert finds no active row), rolls the items back to the savepoint, so
 * that nothing of the batch is created, and its error is answered naming it
 * ("submissions[2].language: ..."); the charge stays, as after any client
 * error of POST /execute.
 *
 * The charge comes before the body's answers (API.md's order), but how many
 * calls to count is in the body: so the body is parsed first, quietly, and
 * its errors are answered after the charge. A body whose item list cannot be
 * read counts as one call.
 *
 * GET /execute?ids= reads every id in one statement (S_EXEC_LIST, the ids as
 * one uuid[] parameter), with the user check and the X-RateLimit-* numbers,
 * and answers the documents of GET /execute/{id} in the order asked; an id
 * that is not the caller's is {"submission_id": ..., "error": "not_found"}.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "fcgi/handlers.h"
#include "fcgi/stmts.h"
#include "fcgi/validate.h"

struct batch {
	size_t n;
	struct submitted s[BATCH_MAX];
	const char *language[BATCH_MAX];	/* borrowed from c->body, for the log */
};

/* The body checks of api_body_checks(), without answering: 0, or -1 with e (415, 413, 400). */
static int body_parse(struct api_call *c, struct verr *e)
{
	const struct http_req *req = c->req;

	if (validate_media_type(req->content_type, req->body.len, e))
		return -1;
	return validate_body(&req->body, req->too_large, c->api->cfg->max_body_bytes,
			     &c->body, e);
}

/* Plain SQL inside the transaction (the batch's savepoint): 0, or -1 answered (503, 500). */
static int txn_command(struct api_call *c, const char *sql)
{
	if (cr_db_command(c->db, sql) == 0)
		return 0;
	if (cr_db_is_broken(c->db))
		api_unavailable(c);
	else
		api_internal(c, "could not run %s", sql);
	return -1;
}

/* Check and insert items in order; the first that fails undoes them all. */
static enum submit_end insert_items(struct api_call *c, struct batch *b,
				    struct json_object *items)
{
	struct vlimits lim;
	enum submit_end end = SUBMIT_DONE;
	struct execute_req x;
	struct verr e;

	execute_vlimits(c->api->cfg, &lim);
	if (txn_command(c, "SAVEPOINT batch"))
		return SUBMIT_UNDO;
	for (size_t i = 0; i < b->n && end == SUBMIT_DONE; i++) {
		if (validate_batch_item(items, i, &lim, &x, &e)) {
			end = SUBMIT_KEEP_CHARGE;
			break;
		}
		end = execute_insert(c, &x, &b->s[i], &e);
		if (end == SUBMIT_KEEP_CHARGE)
			validate_name_item(&e, i);
		b->language[i] = x.language.s;
	}
	if (end != SUBMIT_KEEP_CHARGE)
		return end;
	/* Nothing of the batch is created; its charge stays. */
	if (txn_command(c, "ROLLBACK TO SAVEPOINT batch"))
		return SUBMIT_UNDO;
	return execute_refuse(c, &e);
}

/*
 * POST /execute/batch's steps inside its transaction, in API.md's order: the
 * charge (401, 429), the body (415, 413, 400), ?wait (400), the list (400),
 * then each item (413, 400).
 */
static enum submit_end batch_steps(struct api_call *c, void *arg)
{
	struct batch *b = arg;
	struct json_object *items = NULL;
	struct verr body_e, list_e, e;
	int body_rc, list_rc;

	body_rc = body_parse(c, &body_e);
	list_rc = body_rc ? -1 : validate_batch(c->body, &items, &b->n, &list_e);
	if (execute_charge(c, list_rc ? 1 : (int)b->n))
		return SUBMIT_UNDO;
	if (body_rc)
		return execute_refuse(c, &body_e);
	if (validate_batch_wait(c->req->query, &e))
		return execute_refuse(c, &e);
	if (list_rc)
		return execute_refuse(c, &list_e);
	return insert_items(c, b, items);
}

void execute_batch(struct api_call *c)
{
	struct json_object *o, *list;
	struct batch b;

	memset(&b, 0, sizeof(b));
	if (execute_txn(c, batch_steps, &b))
		return;
	list = json_object_new_array();
	for (size_t i = 0; i < b.n; i++) {
		struct json_object *item = json_object_new_object();

		cr_info("submission accepted id=%s language=%s batch_index=%zu batch_size=%zu",
			b.s[i].id, b.language[i], i, b.n);
		json_object_object_add(item, "submission_id", json_object_new_string(b.s[i].id));
		json_object_object_add(item, "status", json_object_new_string("queued"));
		json_object_array_add(list, item);
	}
	o = json_object_new_object();
	json_object_object_add(o, "submissions", list);
	api_json(c, 202, o);
}

/* The S_EXEC_LIST entry of an id that is not the caller's (or does not exist). */
static struct json_object *not_found(const char *id)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "submission_id", json_object_new_string(id));
	json_object_object_add(o, "error", json_object_new_string("not_found"));
	return o;
}

void execute_list(struct api_call *c)
{
	char ids[BATCH_MAX][CR_UUID_LEN + 1];
	char array[BATCH_MAX * (CR_UUID_LEN + 1) + 2];
	struct json_object *o, *list;
	struct verr e;
	size_t n, len;
	PGresult *r, *tests;

	if (validate_ids(c->req->query, ids, &n, &e)) {
		/* authentication (401) comes before validation (400) */
		if (api_check_user(c) == 0)
			api_error(c, e.status, e.code, "%s", e.message);
		return;
	}
	/* a uuid[] literal of checked ids, bound as one parameter */
	len = (size_t)snprintf(array, sizeof(array), "{");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(array + len, sizeof(array) - len, "%s%s", i ? "," : "", ids[i]);
	snprintf(array + len, sizeof(array) - len, "}");

	r = execute_read(c, S_EXEC_LIST, array);
	if (!r)
		return;
	if (execute_tests(c, r, &tests) < 0) {
		PQclear(r);
		return;
	}
	list = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_object_array_add(list, PQgetisnull(r, i, EG_ID)
				      ? not_found(PQgetvalue(r, i, EG_ASKED))
				      : execute_result_json(r, i, tests));
	PQclear(r);
	PQclear(tests);
	o = json_object_new_object();
	json_object_object_add(o, "submissions", list);
	api_json(c, 200, o);
}
