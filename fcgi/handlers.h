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

#include "fcgi/api.h"
#include "fcgi/http.h"
#include "fcgi/ratelimit.h"
#include "fcgi/router.h"

struct json_object;

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
	bool charged;			/* this call was counted (execute_charge passed) */
	int64_t now;			/* unix seconds at the start of the request */
};

/* Handlers (router.c's table). */
void auth_register(struct api_call *c);
void auth_login(struct api_call *c);
void execute_create(struct api_call *c);
void execute_get(struct api_call *c);
void languages_list(struct api_call *c);
void submissions_list(struct api_call *c);
void ops_health(struct api_call *c);
void ops_metrics(struct api_call *c);

/* The rate-limit step of POST /execute, inside the caller's transaction (its
 * owner is execute_create): locks the user, counts the call; answers
 * 401/429/503 itself. 0 to go on, -1 when answered. */
int execute_charge(struct api_call *c);

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

/* Database: 0 when usable, else answered 503. */
int api_db(struct api_call *c);
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

/* Helpers for result columns in text format. */
bool pgv_bool(const PGresult *r, int row, int col);
int pgv_int(const PGresult *r, int row, int col);
int64_t pgv_int64(const PGresult *r, int row, int col);

#endif
