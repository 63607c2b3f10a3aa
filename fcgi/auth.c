/*
 * Bearer tokens: the scheme is matched case-insensitively (RFC 7235), the token
 * itself goes to cr_jwt_verify (HS256 pinned, constant-time signature compare,
 * exp enforced). The token is never logged.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "common/jwt.h"
#include "common/uuid.h"
#include "fcgi/auth.h"

enum auth_result auth_bearer(const char *h, const char *key, int64_t now, char user_id[37])
{
	struct cr_jwt_claims claims;
	const char *tok;

	user_id[0] = '\0';
	if (!h || !*h)
		return AUTH_MISSING;
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return AUTH_NOT_BEARER;
	for (tok = h + 7; *tok == ' '; tok++)
		;
	if (!*tok || strpbrk(tok, " \t"))
		return AUTH_MALFORMED;
	switch (cr_jwt_verify((const unsigned char *)key, strlen(key), tok, now, &claims)) {
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
