/*
 * Bearer tokens: the scheme is matched case-insensitively (RFC 7235), then one
 * or more spaces (or tabs); blanks around the value are ignored, blanks inside the token
 * are not. The token must be base64url and dots, at most AUTH_TOKEN_MAX bytes,
 * before it goes to cr_jwt_verify (HS256 pinned, constant-time signature
 * compare, exp enforced). The token is never logged.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "common/jwt.h"
#include "common/uuid.h"
#include "fcgi/auth.h"

#define TOKEN_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."

enum auth_result auth_bearer(const char *h, const char *key, int64_t now, char user_id[37])
{
	struct cr_jwt_claims claims;
	char buf[AUTH_TOKEN_MAX + 1];
	const char *tok;
	size_t len;

	user_id[0] = '\0';
	if (!h)
		return AUTH_MISSING;
	while (*h == ' ' || *h == '\t')
		h++;
	if (!*h)
		return AUTH_MISSING;
	/* "Bearer" alone is the right scheme without a token, not another scheme. */
	if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\t' && h[6] != '\0'))
		return AUTH_NOT_BEARER;
	for (tok = h + 6; *tok == ' ' || *tok == '\t'; tok++)
		;
	/* Trailing blanks are not part of a header value (RFC 9110 5.5). */
	len = strlen(tok);
	while (len && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
		len--;
	/* A JWT is three base64url parts: anything else never reaches the parser. */
	if (len == 0 || len > AUTH_TOKEN_MAX || strspn(tok, TOKEN_CHARS) < len)
		return AUTH_MALFORMED;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	switch (cr_jwt_verify((const unsigned char *)key, strlen(key), buf, now, &claims)) {
	case CR_JWT_OK:
		break;
	case CR_JWT_EXPIRED:
		return AUTH_EXPIRED;
	case CR_JWT_MALFORMED:
		return AUTH_MALFORMED;
	default:
		return AUTH_INVALID;
	}
	claims.sub[sizeof(claims.sub) - 1] = '\0';
	if (!cr_uuid_valid(claims.sub))
		return AUTH_MALFORMED;
	/* Canonical lower case, so logs and comparisons agree with PostgreSQL. */
	for (int i = 0; i < 36; i++)
		user_id[i] = (claims.sub[i] >= 'A' && claims.sub[i] <= 'F')
			? (char)(claims.sub[i] - 'A' + 'a') : claims.sub[i];
	user_id[36] = '\0';
	return AUTH_OK;
}

const char *auth_message(enum auth_result r)
{
	switch (r) {
	case AUTH_OK: return "ok";
	case AUTH_MISSING: return "missing bearer token";
	case AUTH_NOT_BEARER: return "authorization must be a bearer token";
	case AUTH_MALFORMED: return "malformed bearer token";
	case AUTH_EXPIRED: return "token has expired";
	default: return "invalid token";
	}
}
