/*
 * What a handler sees: struct api_call, one per request, and the helpers that
 * turn failures into API.md's answers. A handler either fills call->resp or
 * calls one of the api_error family; helpers that return NULL/-1 have already
 * answered, so the handler just returns.
 */
#ifndef CR_FCGI_HANDLERS_H
#define CR_FCGI_HANDLERS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/uuid.h"
#include "fcgi/api.h"
#include "fcgi/http.h"
#include "fcgi/ratelimit.h"
#include "fcgi/router.h"

struct json_object;
struct execute_req;
struct vlimits;
struct verr;

/*
 * What a handler that holds its request leaves in call->hold: the server parks
 * the request (no thread, no connection) until the submission changes, the
 * deadline passes or a keep-alive is due, then calls resume, which answers
 * (kind back to HOLD_NONE) or keeps holding.
 */
enum hold_kind { HOLD_NONE, HOLD_POST, HOLD_GET, HOLD_EVENTS };

struct api_hold {
	enum hold_kind kind;
	char id[CR_UUID_LEN + 1];	/* the submission (canonical form) */
	int seconds;			/* how long from the first park */
	bool every_status;		/* woken at queued and running too, not only final */
	int ping_ms;			/* keep-alive period while held; 0: none */
	void (*resume)(struct api_call *c, enum hold_wake why);
	/* an event stream's state */
	bool head_sent;
	char sent[24];			/* the last status written */
};

struct api_call {
	struct api *api;
	const struct http_req *req;
	struct http_resp *resp;
	struct route_match match;
	char request_id[65];
	char user_id[37];		/* "" until the token is verified */
	struct rl_state rl;		/* X-RateLimit-* numbers once known */
	struct json_object *body;	/* parsed body (R_BODY routes); owned */
	bool in_txn;
	int charged;			/* calls counted by execute_charge (a batch: its items) */
	int64_t now;			/* unix seconds at the start of the request */
	int64_t t0_us;			/* monotonic start, for the duration */
	struct cr_db *db;		/* borrowed from the pool while the call runs */
	struct api_hold hold;
	struct FCGX_Request *fr;	/* an event stream writes here; NULL in tests */
	bool streamed;			/* the answer went out as a stream (api_stream_*) */
};

/* Handlers (router.c's table). */
void auth_register(struct api_call *c);
void auth_login(struct api_call *c);
void execute_create(struct api_call *c);
void execute_get(struct api_call *c);
void execute_batch(struct api_call *c);
void execute_list(struct api_call *c);
void languages_list(struct api_call *c);
void submissions_list(struct api_call *c);
void ops_health(struct api_call *c);
void ops_metrics(struct api_call *c);
void execute_events(struct api_call *c);
void execute_test_get(struct api_call *c);
void webhooks_secret(struct api_call *c);

/* A held POST or GET /execute (?wait=true) runs again. */
void execute_resume(struct api_call *c, enum hold_wake why);
/* S_EXEC_GET for the user's submission id: the row, or NULL answered (401, 404, 5xx). */
PGresult *execute_fetch(struct api_call *c, const char *id);
/*
 * Run stmt (S_EXEC_GET or S_EXEC_LIST) with the user, the window and arg ($3):
 * the rows (caller PQclear()s) when the user is active, with c->rl filled;
 * otherwise NULL, answered (401, 5xx).
 */
PGresult *execute_read(struct api_call *c, const char *stmt, const char *arg);
/*
 * The result document (GET /execute/{id}) of row of an S_EXEC_GET/S_EXEC_LIST
 * result that has a submission, with its test cases' results from tests
 * (execute_tests(); NULL: none); the caller owns it.
 */
struct json_object *execute_result_json(const PGresult *r, int row, const PGresult *tests);
/*
 * The S_TESTS rows of the final submissions with test cases among r's rows
 * (which are the caller's): 0 with *tests (NULL when none has cases; the caller
 * PQclear()s), -1 answered (5xx).
 */
int execute_tests(struct api_call *c, const PGresult *r, PGresult **tests);
/* Answer 200 with the result document of an S_EXEC_GET row: 0, or -1 answered (5xx). */
int execute_send_result(struct api_call *c, const PGresult *r);
/* Not queued or running. */
bool execute_final(const char *status);

/*
 * POST /execute and POST /execute/batch: one transaction, owned by
 * execute_txn(), which begins it, runs the route's steps in it, and commits or
 * rolls back as the steps say. Steps never begin, commit or roll back (a
 * savepoint of their own they also end); they answer every error themselves.
 */
enum submit_end {
	SUBMIT_UNDO,		/* refused or failed: roll the charge back */
	SUBMIT_KEEP_CHARGE,	/* a client error after the charge: the call stays counted */
	SUBMIT_DONE,		/* inserted: commit */
};
typedef enum submit_end (*execute_steps_fn)(struct api_call *c, void *arg);
/* 0 when the steps' submissions are committed and the caller answers; -1 when answered. */
int execute_txn(struct api_call *c, execute_steps_fn steps, void *arg);

/* The rate-limit step, inside the transaction: locks the user, counts n calls
 * (a batch counts each item); answers 401/429/503 itself. 0 to go on, -1 when
 * answered. A refused charge counts nothing. */
int execute_charge(struct api_call *c, int n);

/* The request limits of POST /execute and of a batch's items, from the configuration. */
void execute_vlimits(const struct cr_config *cfg, struct vlimits *lim);

/* An inserted submission. */
struct submitted {
	char id[CR_UUID_LEN + 1];
	int limit_s;			/* compile + time limit (of each test case) */
};
/*
 * Insert submission x (S_SUBMIT) inside the transaction: SUBMIT_DONE with s
 * filled; SUBMIT_KEEP_CHARGE with e filled, not answered, when its language is
 * not active; SUBMIT_UNDO answered (503, 500).
 */
enum submit_end execute_insert(struct api_call *c, const struct execute_req *x,
			       struct submitted *s, struct verr *e);
/* Answer the client error e: SUBMIT_KEEP_CHARGE. */
enum submit_end execute_refuse(struct api_call *c, const struct verr *e);

/* Answers. */
void api_error(struct api_call *c, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* 500 with the request id in the message; the detail goes to the log only. */
void api_internal(struct api_call *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* 503 unavailable with Retry-After. */
void api_unavailable(struct api_call *c);
/* Serialise o (consumed) as the body with status. */
void api_json(struct api_call *c, int status, struct json_object *o);

/* Database: 0 when c->db is a usable connection (borrowed), else answered 503. */
int api_db(struct api_call *c);
/* The same without answering: the connection, or NULL. */
struct cr_db *api_db_quiet(struct api_call *c);
/*
 * Around a password hash: give the connection back (a hash must not hold one
 * of the few) and take a place at the hash gate; -1 answered 503 with
 * Retry-After when there is none. api_hash_end() after the hash.
 */
int api_hash_begin(struct api_call *c);
void api_hash_end(struct api_call *c);

/* An event stream: the status line and headers (once), then text; -1 when the client is gone. */
int api_stream_head(struct api_call *c, const char *content_type);
int api_stream(struct api_call *c, const char *text, size_t len);
/*
 * Run a prepared statement; NULL when it failed, and then the call is answered
 * (503 when the connection is gone, else 500). Outside a transaction a
 * statement that met a dead connection is retried once on a fresh one, so the
 * first request after a database restart does not fail.
 */
PGresult *api_exec(struct api_call *c, const char *stmt, int n, const char *const *values,
		   const int *lengths, const int *formats);
int api_begin(struct api_call *c);
int api_commit(struct api_call *c);
void api_rollback(struct api_call *c);

/* The user check of authenticated routes (S_AUTH_USER): 401 when the user is
 * gone or inactive; fills c->rl. 0 or -1 (answered). */
int api_check_user(struct api_call *c);
/* Fill c->rl from the tier's limit and the window count. */
void api_set_rl(struct api_call *c, int limit, int count);

/* The X-Rate-Limit-* and X-Request-Id headers of an answer (api_start does it). */
void api_finish_headers(struct api_call *c);

#endif
