/*
 * JSON Web Tokens, HS256 only, on OpenSSL's HMAC.
 *
 * The header is pinned: a token whose header is not exactly {"alg":"HS256"...}
 * with typ JWT (or no typ) is refused, so "alg":"none" and RS/HS confusion cannot
 * happen. The signature is compared in constant time (CRYPTO_memcmp). `exp` is
 * required and enforced; `sub` must be a canonical UUID.
 */
#ifndef CR_JWT_H
#define CR_JWT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct cr_buf;

enum cr_jwt_status {
	CR_JWT_OK = 0,
	CR_JWT_MALFORMED,	/* not three base64url parts, bad JSON, missing claims */
	CR_JWT_BAD_ALG,		/* header is not HS256 */
	CR_JWT_BAD_SIGNATURE,
	CR_JWT_EXPIRED,
};

struct cr_jwt_claims {
	char sub[37];		/* user id, canonical UUID */
	int64_t iat;
	int64_t exp;
};

/* Append a signed token for sub, issued at iat, expiring at iat + ttl. */
int cr_jwt_sign(const unsigned char *key, size_t keylen, const char *sub,
		int64_t iat, int ttl_seconds, struct cr_buf *out);

/* Verify token at time now; on CR_JWT_OK fills claims. */
enum cr_jwt_status cr_jwt_verify(const unsigned char *key, size_t keylen,
				 const char *token, int64_t now,
				 struct cr_jwt_claims *claims);

const char *cr_jwt_status_str(enum cr_jwt_status st);

#endif
