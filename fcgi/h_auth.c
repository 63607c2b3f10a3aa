/*
 * POST /auth/register and POST /auth/login.
 *
 * Register checks for a taken username/email before paying for scrypt (about
 * 128 MiB and a fraction of a second), and still maps a unique violation
 * (23505, a concurrent registration) to 409. Login answers an unknown email, a
 * wrong password and an inactive account alike, with the same message and
 * about the same time (a dummy verification when there is no hash to check).
 *
 * Login limits count failed logins per client address, per email from one
 * address, and per email from anywhere (login_refusal() has the rules). The
 * first two refuse (429) the guesser's own address; the email's ceiling only
 * slows each address down, so that no one can lock an account's owner out by
 * guessing at it from elsewhere.
 */
#include "config.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/jwt.h"
#include "common/log.h"
#include "common/password.h"
#include "fcgi/handlers.h"
#include "fcgi/stmts.h"
#include "fcgi/validate.h"

#define LOGIN_FAILED "invalid email or password"
#define LOGIN_PRUNE_SECONDS 300

void auth_register(struct api_call *c)
{
	struct register_req x;
	struct verr e;
	char hash[CR_PASSWORD_HASH_MAX];
	char sqlstate[6] = "";
	PGresult *r;

	if (validate_register(c->body, &x, &e)) {
		api_error(c, e.status, e.code, "%s", e.message);
		return;
	}
	const char *check[2] = { x.username.s, x.email.s };
	r = api_exec(c, S_REG_CHECK, 2, check, NULL, NULL);
	if (!r)
		return;
	bool user_taken = pgv_bool(r, 0, 0), email_taken = pgv_bool(r, 0, 1);
	PQclear(r);
	if (user_taken) {
		api_error(c, 409, "conflict", "username '%s' is already taken", x.username.s);
		return;
	}
	if (email_taken) {
		api_error(c, 409, "conflict", "email '%s' is already registered", x.email.s);
		return;
	}

	if (api_hash_begin(c))
		return;
	int hashed = cr_password_hash(x.password.s, x.password.len, hash, sizeof(hash));
	api_hash_end(c);
	if (hashed != 0) {
		api_internal(c, "could not hash a password");
		return;
	}
	if (api_db(c))
		return;
	const char *values[3] = { x.username.s, x.email.s, hash };
	r = cr_db_exec(c->db, S_REGISTER, 3, values, NULL, NULL, 0, sqlstate);
	memset(hash, 0, sizeof(hash));
	if (!r) {
		if (strcmp(sqlstate, "23505") == 0)
			api_error(c, 409, "conflict", "username or email is already registered");
		else if (cr_db_is_broken(c->db))
			api_unavailable(c);
		else
			api_internal(c, "could not insert a user (SQLSTATE %s)", sqlstate);
		return;
	}
	char user_id[40];
	snprintf(user_id, sizeof(user_id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	cr_info("user registered user_id=%s", user_id);

	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "user_id", json_object_new_string(user_id));
	json_object_object_add(o, "username",
			       json_object_new_string_len(x.username.s, (int)x.username.len));
	json_object_object_add(o, "email", json_object_new_string_len(x.email.s, (int)x.email.len));
	json_object_object_add(o, "message", json_object_new_string("User registered successfully"));
	api_json(c, 201, o);
}

/*
 * The text that stands for an email in SQL: the email itself, or, when it
 * holds NUL bytes (which no stored email has and text parameters cannot
 * carry), a copy with each NUL made U+FFFD, so that it is still counted.
 */
static void email_text(const struct v_str *email, struct cr_buf *out)
{
	for (size_t i = 0; i < email->len; i++) {
		if (email->s[i])
			cr_buf_addch(out, email->s[i]);
		else
			cr_buf_addstr(out, "\xef\xbf\xbd");
	}
}

/*
 * The client address the login limits count: REMOTE_ADDR as nginx passes it
 * ("" when there is none). An IPv6 address counts as its /64: one subscriber
 * usually holds a whole /64, and must not get a fresh address per guess.
 */
static void client_net(const char *remote, char *out, size_t outlen)
{
	struct in6_addr a;
	char text[INET6_ADDRSTRLEN];

	if (remote && inet_pton(AF_INET6, remote, &a) == 1 && !IN6_IS_ADDR_V4MAPPED(&a)) {
		memset(&a.s6_addr[8], 0, 8);
		if (inet_ntop(AF_INET6, &a, text, sizeof(text))) {
			snprintf(out, outlen, "%s/64", text);
			return;
		}
	}
	snprintf(out, outlen, "%s", remote ? remote : "");
}

/* ---- the login limits (db/migrations/010_login_limits.sql) --------------------- */

enum { LS_ADDRESS, LS_EMAIL, LS_PAIR, LS_COUNT };
static const char *const scope_names[LS_COUNT] = { "address", "email", "pair" };

struct login_counter {
	int failures;			/* in its current window, before this attempt */
	int window_left;		/* seconds until that window ends, >= 1 */
	double since_last;		/* seconds since its last checked attempt */
	char window_end[64];		/* as PostgreSQL printed it: the refund's key */
};

struct login_limits {
	const char *email, *net;	/* $1 and $2 of the statements */
	struct login_counter n[LS_COUNT];
	bool counted;			/* this attempt was counted: a success gives it back */
};

static bool login_limited(const struct cr_config *cfg)
{
	return cfg->login_address_max_failures > 0 || cfg->login_pair_max_failures > 0 ||
	       cfg->login_max_failures > 0;
}

/* S_LOGIN_LOCK: make or lock the three counters, and read them. 0, or -1 answered. */
static int login_lock(struct api_call *c, struct login_limits *l)
{
	char swindow[16];
	const char *values[3] = { l->email, l->net, swindow };
	int seen = 0;
	PGresult *r;

	snprintf(swindow, sizeof(swindow), "%d", c->api->cfg->login_window_seconds);
	r = api_exec(c, S_LOGIN_LOCK, 3, values, NULL, NULL);
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		for (int k = 0; k < LS_COUNT; k++) {
			struct login_counter *n = &l->n[k];

			if (strcmp(PQgetvalue(r, i, LL_SCOPE), scope_names[k]) != 0)
				continue;
			n->failures = pgv_int(r, i, LL_FAILURES);
			n->window_left = pgv_int(r, i, LL_WINDOW_LEFT);
			n->since_last = strtod(PQgetvalue(r, i, LL_SINCE_LAST), NULL);
			snprintf(n->window_end, sizeof(n->window_end), "%s",
				 PQgetvalue(r, i, LL_WINDOW_END));
			seen |= 1 << k;
		}
	}
	PQclear(r);
	if (seen != (1 << LS_COUNT) - 1) {
		api_internal(c, "%s did not return every login counter", S_LOGIN_LOCK);
		return -1;
	}
	return 0;
}

/*
 * Why this attempt must wait (and *retry, in seconds), or NULL to check it.
 * Failures from this address (any email), or of this email from this address,
 * refuse it until their window ends: that is the guesser's own address. Past
 * the email's ceiling (failures from anywhere) it is only slowed, per address:
 * each may try the email once per login_slow_seconds, so guesses from other
 * addresses never keep the owner out for longer than that.
 */
static const char *login_refusal(const struct cr_config *cfg, const struct login_limits *l,
				 int *retry)
{
	const struct login_counter *addr = &l->n[LS_ADDRESS], *pair = &l->n[LS_PAIR];
	int slow = cfg->login_slow_seconds;

	if (cfg->login_address_max_failures > 0 &&
	    addr->failures >= cfg->login_address_max_failures) {
		*retry = addr->window_left;
		return "too many failed logins from this client";
	}
	if (cfg->login_pair_max_failures > 0 && pair->failures >= cfg->login_pair_max_failures) {
		*retry = pair->window_left;
		return "too many failed logins for this email from this client";
	}
	if (cfg->login_max_failures > 0 && l->n[LS_EMAIL].failures >= cfg->login_max_failures &&
	    pair->since_last < slow) {
		/* ceil(slow - since_last), within 1 .. slow */
		*retry = slow - (pair->since_last > 0 ? (int)pair->since_last : 0);
		if (*retry < 1)
			*retry = 1;
		return "too many failed logins for this email";
	}
	return NULL;
}

/*
 * The login limits' transaction, begun and ended here: lock this attempt's
 * counters, then refuse it with 429 (counting nothing) or count it before its
 * password is checked, so that parallel guesses cannot slip past a limit.
 * 0 to check the password, -1 when answered.
 */
static int login_charge(struct api_call *c, struct login_limits *l)
{
	const char *values[2] = { l->email, l->net };
	const char *why;
	int retry;
	PGresult *r;

	if (api_begin(c))
		return -1;
	if (login_lock(c, l))
		goto undo;
	why = login_refusal(c->api->cfg, l, &retry);
	if (!why) {
		r = api_exec(c, S_LOGIN_COUNT, 2, values, NULL, NULL);
		if (!r)
			goto undo;
		PQclear(r);
	}
	/* A refusal is committed too: a new counter keeps when it was first seen. */
	if (api_commit(c))
		return -1;
	if (why) {
		cr_info("login refused: %s", why);
		api_error(c, 429, "rate_limited", "%s, retry in %d seconds", why, retry);
		http_resp_header(c->resp, "Retry-After", "%d", retry);
		return -1;
	}
	l->counted = true;
	return 0;
undo:
	api_rollback(c);
	return -1;
}

/* A success gives its attempt back. Best effort: a lost refund leaves one failure. */
static void login_refund(struct api_call *c, const struct login_limits *l)
{
	const char *values[5] = { l->email, l->net, l->n[LS_ADDRESS].window_end,
				  l->n[LS_EMAIL].window_end, l->n[LS_PAIR].window_end };
	PGresult *r;

	if (api_db(c))
		return;
	r = cr_db_exec(c->db, S_LOGIN_REFUND, 5, values, NULL, NULL, 0, NULL);
	PQclear(r);	/* PQclear(NULL) is a no-op */
}

/* Expired login windows go from time to time (any responder may do it). */
static void login_prune(struct api_call *c)
{
	struct api *a = c->api;
	int64_t last = __atomic_load_n(&a->login_pruned_at, __ATOMIC_RELAXED);
	PGresult *r;

	/* one thread of the process prunes; the others go on */
	if (c->now - last < LOGIN_PRUNE_SECONDS ||
	    !__atomic_compare_exchange_n(&a->login_pruned_at, &last, c->now, false,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	r = cr_db_exec(c->db, S_LOGIN_PRUNE, 0, NULL, NULL, NULL, 0, NULL);
	PQclear(r);
}

void auth_login(struct api_call *c)
{
	const struct cr_config *cfg = c->api->cfg;
	struct cr_buf email = CR_BUF_INIT, tok = CR_BUF_INIT;
	struct login_limits lim;
	struct login_req x;
	struct verr e;
	PGresult *r = NULL;
	char net[INET6_ADDRSTRLEN + 8], user_id[40];

	if (validate_login(c->body, &x, &e)) {
		api_error(c, e.status, e.code, "%s", e.message);
		goto out;
	}
	/* An email with a NUL byte cannot be stored: it cannot match either. */
	bool lookup = x.email.len == strlen(x.email.s);
	email_text(&x.email, &email);
	client_net(c->req->remote_addr, net, sizeof(net));
	memset(&lim, 0, sizeof(lim));
	lim.email = email.data;
	lim.net = net;

	if (login_limited(cfg)) {
		if (login_charge(c, &lim))
			goto out;
		login_prune(c);
	}
	if (lookup) {
		const char *values[1] = { email.data };
		r = api_exec(c, S_LOGIN, 1, values, NULL, NULL);
		if (!r)
			goto out;
	}
	/* the hash gate before either branch: a refusal must not tell them apart */
	if (api_hash_begin(c)) {
		if (lim.counted)
			login_refund(c, &lim);	/* refused for load: not a guess */
		goto out;
	}
	if (!r || PQntuples(r) != 1) {
		cr_password_dummy_verify(x.password.s, x.password.len);
		api_hash_end(c);
		api_error(c, 401, "unauthorized", LOGIN_FAILED);
		goto out;
	}
	bool ok = cr_password_verify(x.password.s, x.password.len, PQgetvalue(r, 0, 1));
	api_hash_end(c);
	bool active = pgv_bool(r, 0, 2);
	snprintf(user_id, sizeof(user_id), "%s", PQgetvalue(r, 0, 0));
	if (!ok || !active) {
		if (ok)
			cr_info("login refused: user %s is not active", user_id);
		api_error(c, 401, "unauthorized", LOGIN_FAILED);
		goto out;
	}

	if (lim.counted)
		login_refund(c, &lim);
	const char *key = cfg->jwt_key ? cfg->jwt_key : "";
	if (cr_jwt_sign((const unsigned char *)key, strlen(key), user_id, c->now,
			cfg->jwt_ttl_seconds, &tok) != 0) {
		api_internal(c, "could not sign a token");
		goto out;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "access_token", json_object_new_string_len(tok.data, (int)tok.len));
	json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
	json_object_object_add(o, "expires_in", json_object_new_int(cfg->jwt_ttl_seconds));
	api_json(c, 200, o);
out:
	PQclear(r);	/* PQclear(NULL) is a no-op */
	cr_buf_release(&email);
	cr_buf_release(&tok);
}
