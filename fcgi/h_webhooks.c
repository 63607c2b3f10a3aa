/*
 * POST /webhooks/secret: creates or rotates the caller's webhook secret and
 * returns it, once. It is kept sealed (common/seal.h, under webhook_key, bound
 * to the user id): signing a delivery needs the secret itself, so a hash
 * would not do, and a database dump alone does not reveal it. The secret is
 * never logged; a rotation takes effect for every delivery signed after it.
 */
#include "config.h"

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/base64url.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/seal.h"
#include "fcgi/handlers.h"
#include "fcgi/stmts.h"

#define SECRET_PREFIX "whsec_"
#define SECRET_BYTES 32

void webhooks_secret(struct api_call *c)
{
	const struct cr_config *cfg = c->api->cfg;
	unsigned char key[CR_SEAL_KEY_BYTES], raw[SECRET_BYTES];
	struct cr_buf secret = CR_BUF_INIT, sealed = CR_BUF_INIT;
	const char *values[2];
	int lengths[2] = { 0 }, formats[2] = { 0, 1 };
	struct json_object *o;
	PGresult *r;

	if (!cfg->webhook_key || cr_seal_key(cfg->webhook_key, key) < 0) {
		api_error(c, 404, "not_found", "webhooks are not enabled on this server");
		return;
	}
	cr_buf_addstr(&secret, SECRET_PREFIX);
	if (RAND_bytes(raw, sizeof(raw)) != 1 ||
	    (cr_base64url_encode(raw, sizeof(raw), &secret),
	     cr_seal(key, c->user_id, secret.data, secret.len, &sealed) < 0)) {
		api_internal(c, "could not make a webhook secret");
		goto out;
	}
	values[0] = c->user_id;
	values[1] = sealed.data;
	lengths[1] = (int)sealed.len;
	r = api_exec(c, S_WEBHOOK_SECRET, 2, values, lengths, formats);
	if (!r)
		goto out;
	if (PQntuples(r) != 1) {
		PQclear(r);
		api_error(c, 401, "unauthorized", "the user of this token is not active");
		goto out;
	}
	PQclear(r);
	cr_info("webhook secret rotated");
	o = json_object_new_object();
	json_object_object_add(o, "secret", json_object_new_string_len(secret.data, (int)secret.len));
	json_object_object_add(o, "message", json_object_new_string(
		"store it now: it is not shown again; every delivery from now on is signed with it"));
	api_json(c, 201, o);
out:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(secret.data, secret.len);
	cr_buf_release(&secret);
	cr_buf_release(&sealed);
}
