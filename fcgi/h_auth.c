/*
 * POST /auth/register and POST /auth/login.
 *
 * Register checks for a taken username/email before paying for scrypt (about
 * 128 MiB and a fraction of a second), and still maps a unique violation
 * (23505, a concurrent registration) to 409. Login answers an unknown email, a
 * wrong password and an inactive account alike, with the same message and
 * about the same time (a dummy verification when there is no hash to check).
 */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
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

	if (cr_password_hash(x.password.s, x.password.len, hash, sizeof(hash)) != 0) {
		api_internal(c, "could not hash a password");
		return;
	}
	const char *values[3] = { x.username.s, x.email.s, hash };
	r = cr_db_exec(&c->api->db, S_REGISTER, 3, values, NULL, NULL, 0, sqlstate);
	memset(hash, 0, sizeof(hash));
	if (!r) {
		if (strcmp(sqlstate, "23505") == 0)
			api_error(c, 409, "conflict", "username or email is already registered");
		else if (cr_db_is_broken(&c->api->db))
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

/* Expired login windows go from time to time (any responder may do it). */
static void login_prune(struct api_call *c)
{
	struct api *a = c->api;
	PGresult *r;

	if (c->now - a->login_pruned_at < LOGIN_PRUNE_SECONDS)
		return;
	a->login_pruned_at = c->now;
	r = cr_db_exec(&a->db, S_LOGIN_PRUNE, 0, NULL, NULL, NULL, 0, NULL);
	PQclear(r);
}

void auth_login(struct api_call *c)
{
	const struct cr_config *cfg = c->api->cfg;
	struct cr_buf email = CR_BUF_INIT, tok = CR_BUF_INIT;
	struct login_req x;
	struct verr e;
	PGresult *r = NULL;
	char window_end[64] = "", user_id[40];
	int col;

	if (validate_login(c->body, &x, &e)) {
		api_error(c, e.status, e.code, "%s", e.message);
		goto out;
	}
	/* An email with a NUL byte cannot be stored: it cannot match either. */
	bool lookup = x.email.len == strlen(x.email.s);
	email_text(&x.email, &email);

	if (cfg->login_max_failures > 0) {
		char swindow[16], smax[16];
		const char *values[4] = { email.data, swindow, smax, lookup ? "t" : "f" };

		snprintf(swindow, sizeof(swindow), "%d", cfg->login_window_seconds);
		snprintf(smax, sizeof(smax), "%d", cfg->login_max_failures);
		r = api_exec(c, S_LOGIN_CHARGE, 4, values, NULL, NULL);
		if (!r)
			goto out;
		if (pgv_int(r, 0, LC_ATTEMPTS) > cfg->login_max_failures) {
			int retry = pgv_int(r, 0, LC_RETRY_AFTER);
			/* Before any password check: the right one is refused too. */
			api_error(c, 429, "rate_limited",
				  "too many failed logins for this email, retry in %d seconds", retry);
			http_resp_header(c->resp, "Retry-After", "%d", retry);
			goto out;
		}
		snprintf(window_end, sizeof(window_end), "%s", PQgetvalue(r, 0, LC_WINDOW_END));
		col = LC_USER;
		login_prune(c);
	} else {
		if (lookup) {
			const char *values[1] = { email.data };
			r = api_exec(c, S_LOGIN, 1, values, NULL, NULL);
			if (!r)
				goto out;
		}
		col = 0;
	}
	if (!r || PQntuples(r) != 1 || PQgetisnull(r, 0, col)) {
		cr_password_dummy_verify(x.password.s, x.password.len);
		api_error(c, 401, "unauthorized", LOGIN_FAILED);
		goto out;
	}
	bool ok = cr_password_verify(x.password.s, x.password.len, PQgetvalue(r, 0, col + 1));
	bool active = pgv_bool(r, 0, col + 2);
	snprintf(user_id, sizeof(user_id), "%s", PQgetvalue(r, 0, col));
	if (!ok || !active) {
		if (ok)
			cr_info("login refused: user %s is not active", user_id);
		api_error(c, 401, "unauthorized", LOGIN_FAILED);
		goto out;
	}

	if (window_end[0]) {
		/* Best effort: a lost refund only leaves one attempt counted. */
		const char *values[2] = { email.data, window_end };
		PGresult *rr = cr_db_exec(&c->api->db, S_LOGIN_REFUND, 2, values, NULL, NULL,
					  0, NULL);
		PQclear(rr);	/* PQclear(NULL) is a no-op */
	}
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
