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

void auth_login(struct api_call *c)
{
	const struct cr_config *cfg = c->api->cfg;
	struct login_req x;
	struct verr e;
	PGresult *r;

	if (validate_login(c->body, &x, &e)) {
		api_error(c, e.status, e.code, "%s", e.message);
		return;
	}
	/* An email with a NUL byte cannot be stored: it cannot match either. */
	bool lookup = x.email.len == strlen(x.email.s);
	r = NULL;
	if (lookup) {
		const char *values[1] = { x.email.s };
		r = api_exec(c, S_LOGIN, 1, values, NULL, NULL);
		if (!r)
			return;
	}
	if (!r || PQntuples(r) != 1) {
		cr_password_dummy_verify(x.password.s, x.password.len);
		PQclear(r);
		api_error(c, 401, "unauthorized", LOGIN_FAILED);
		return;
	}
	bool ok = cr_password_verify(x.password.s, x.password.len, PQgetvalue(r, 0, 1));
	bool active = pgv_bool(r, 0, 2);
	char user_id[40];
	snprintf(user_id, sizeof(user_id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!ok || !active) {
		if (ok)
			cr_info("login refused: user %s is not active", user_id);
		api_error(c, 401, "unauthorized", LOGIN_FAILED);
		return;
	}

	struct cr_buf tok = CR_BUF_INIT;
	const char *key = cfg->jwt_key ? cfg->jwt_key : "";
	if (cr_jwt_sign((const unsigned char *)key, strlen(key), user_id, c->now,
			cfg->jwt_ttl_seconds, &tok) != 0) {
		cr_buf_release(&tok);
		api_internal(c, "could not sign a token");
		return;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "access_token", json_object_new_string_len(tok.data, (int)tok.len));
	json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
	json_object_object_add(o, "expires_in", json_object_new_int(cfg->jwt_ttl_seconds));
	cr_buf_release(&tok);
	api_json(c, 200, o);
}
