/*
 * Bearer-token authentication: "Authorization: Bearer <JWT>" -> the user id.
 * Pure (no database): the user's existence and is_active are checked by the
 * caller's query (api_check_user, or the handler's own statement).
 */
#ifndef CR_FCGI_AUTH_H
#define CR_FCGI_AUTH_H

#include <stdint.h>

/* Longer tokens are malformed (ours are about 200 bytes; nginx caps headers at 8 KiB). */
#define AUTH_TOKEN_MAX 4096

enum auth_result {
	AUTH_OK = 0,
	AUTH_MISSING,		/* no Authorization header */
	AUTH_NOT_BEARER,	/* another scheme */
	AUTH_MALFORMED,		/* not a well-formed token */
	AUTH_EXPIRED,
	AUTH_INVALID,		/* bad signature or algorithm */
};

/* Verify header with key at time now; on AUTH_OK user_id holds the canonical UUID. */
enum auth_result auth_bearer(const char *header, const char *key, int64_t now,
			     char user_id[37]);
/* The 401 message for a result (lower case, no period). */
const char *auth_message(enum auth_result r);

#endif
