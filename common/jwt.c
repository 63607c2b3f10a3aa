/*
 * HS256 JSON Web Tokens on OpenSSL's HMAC.
 *
 * Verification order matters: the header is decoded and pinned to
 * {"alg":"HS256"} (typ "JWT" optional, nothing else) before anything else, so
 * "alg":"none", HS512 and RS256-with-the-HMAC-key confusion never reach the
 * signature code; the signature is compared in constant time before the
 * payload is parsed, so untrusted claim JSON is only read once it is ours.
 * A token is expired when now >= exp (RFC 7519: "on or after").
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/base64url.h"
#include "common/buf.h"
#include "common/jwt.h"
#include "common/uuid.h"

#define HEADER_JSON "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define SIG_LEN 32

static int hmac256(const unsigned char *key, size_t keylen, const char *data,
		   size_t len, unsigned char md[SIG_LEN])
{
	unsigned int mdlen = 0;

	if (keylen > INT32_MAX)
		return -1;
	if (!HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)data, len,
		  md, &mdlen) || mdlen != SIG_LEN)
		return -1;
	return 0;
}

int cr_jwt_sign(const unsigned char *key, size_t keylen, const char *sub,
		int64_t iat, int ttl_seconds, struct cr_buf *out)
{
	struct cr_buf tok = CR_BUF_INIT;
	char payload[160];
	unsigned char md[SIG_LEN];
	int n, ret = -1;

	if (!key || !keylen || !sub || !cr_uuid_valid(sub) || ttl_seconds <= 0)
		return -1;
	n = snprintf(payload, sizeof(payload),
		     "{\"sub\":\"%s\",\"iat\":%" PRId64 ",\"exp\":%" PRId64 "}",
		     sub, iat, iat + ttl_seconds);
	if (n < 0 || (size_t)n >= sizeof(payload))
		return -1;
	cr_base64url_encode(HEADER_JSON, strlen(HEADER_JSON), &tok);
	cr_buf_addch(&tok, '.');
	cr_base64url_encode(payload, (size_t)n, &tok);
	if (hmac256(key, keylen, tok.data, tok.len, md) < 0)
		goto out;
	cr_buf_addch(&tok, '.');
	cr_base64url_encode(md, sizeof(md), &tok);
	if (cr_buf_add(out, tok.data, tok.len) < 0)
		goto out;
	ret = 0;
out:
	OPENSSL_cleanse(md, sizeof(md));
	cr_buf_release(&tok);
	return ret;
}

/* Decode a base64url part and parse it as one JSON object; NULL if it is not. */
static json_object *decode_json(const char *s, size_t len)
{
	struct cr_buf raw = CR_BUF_INIT;
	json_tokener *tok = NULL;
	json_object *obj = NULL;

	if (cr_base64url_decode(s, len, &raw) < 0 || !raw.len ||
	    memchr(raw.data, '\0', raw.len))
		goto out;
	tok = json_tokener_new();
	if (!tok)
		goto out;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, raw.data, (int)raw.len);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != raw.len ||
	    !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		obj = NULL;
	}
out:
	if (tok)
		json_tokener_free(tok);
	cr_buf_release(&raw);
	return obj;
}

static enum cr_jwt_status check_header(json_object *hdr)
{
	json_object *alg = NULL, *typ = NULL;

	if (!json_object_object_get_ex(hdr, "alg", &alg) ||
	    !json_object_is_type(alg, json_type_string) ||
	    strcmp(json_object_get_string(alg), "HS256") != 0)
		return CR_JWT_BAD_ALG;
	if (json_object_object_get_ex(hdr, "typ", &typ) &&
	    (!json_object_is_type(typ, json_type_string) ||
	     strcmp(json_object_get_string(typ), "JWT") != 0))
		return CR_JWT_MALFORMED;
	/* Pinned: any other header parameter (kid, jku, crit...) is refused. */
	if (json_object_object_length(hdr) != (typ ? 2 : 1))
		return CR_JWT_MALFORMED;
	return CR_JWT_OK;
}

/*
 * A time claim: an integer from 0 to the end of year 9999. json-c clamps an
 * integer beyond int64 to INT64_MAX, so without the upper bound an "exp" of
 * 1e30 would read as a token that never expires.
 */
#define JWT_MAX_TIME INT64_C(253402300799)

static bool get_time(json_object *obj, const char *name, int64_t *v)
{
	json_object *x = NULL;

	if (!json_object_object_get_ex(obj, name, &x) ||
	    !json_object_is_type(x, json_type_int))
		return false;
	*v = json_object_get_int64(x);
	return *v >= 0 && *v <= JWT_MAX_TIME;
}

enum cr_jwt_status cr_jwt_verify(const unsigned char *key, size_t keylen,
				 const char *token, int64_t now,
				 struct cr_jwt_claims *claims)
{
	struct cr_buf sig = CR_BUF_INIT;
	json_object *hdr = NULL, *body = NULL, *sub = NULL;
	unsigned char md[SIG_LEN];
	const char *dot1, *dot2;
	enum cr_jwt_status st = CR_JWT_MALFORMED;
	int64_t iat, exp;

	if (!token || !key || !keylen)
		goto out;
	dot1 = strchr(token, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (!dot1 || !dot2 || strchr(dot2 + 1, '.'))
		goto out;

	hdr = decode_json(token, (size_t)(dot1 - token));
	if (!hdr)
		goto out;
	st = check_header(hdr);
	if (st != CR_JWT_OK)
		goto out;

	st = CR_JWT_MALFORMED;
	if (cr_base64url_decode(dot2 + 1, strlen(dot2 + 1), &sig) < 0)
		goto out;
	st = CR_JWT_BAD_SIGNATURE;
	if (sig.len != SIG_LEN ||
	    hmac256(key, keylen, token, (size_t)(dot2 - token), md) < 0 ||
	    CRYPTO_memcmp(md, sig.data, SIG_LEN) != 0)
		goto out;

	st = CR_JWT_MALFORMED;
	body = decode_json(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	if (!body || !get_time(body, "iat", &iat) || !get_time(body, "exp", &exp) ||
	    !json_object_object_get_ex(body, "sub", &sub) ||
	    !json_object_is_type(sub, json_type_string) ||
	    !cr_uuid_valid(json_object_get_string(sub)))
		goto out;
	if (now >= exp) {
		st = CR_JWT_EXPIRED;
		goto out;
	}
	if (claims) {
		memcpy(claims->sub, json_object_get_string(sub), CR_UUID_LEN + 1);
		claims->iat = iat;
		claims->exp = exp;
	}
	st = CR_JWT_OK;
out:
	json_object_put(hdr);
	json_object_put(body);
	cr_buf_release(&sig);
	return st;
}

const char *cr_jwt_status_str(enum cr_jwt_status st)
{
	switch (st) {
	case CR_JWT_OK:
		return "ok";
	case CR_JWT_MALFORMED:
		return "malformed token";
	case CR_JWT_BAD_ALG:
		return "algorithm is not HS256";
	case CR_JWT_BAD_SIGNATURE:
		return "bad signature";
	case CR_JWT_EXPIRED:
		return "token expired";
	}
	return "unknown";
}
