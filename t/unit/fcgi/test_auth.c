/*
 * Bearer-token parsing (fcgi/auth.c), one table of Authorization header values
 * and the result each must give: missing header, other schemes, the scheme's
 * case, blanks, empty and malformed tokens, bad characters, expired, forged
 * and alg:none tokens. "%T" in a case stands for a valid token.
 */
#include "config.h"

#include <string.h>

#include "common/base64url.h"
#include "common/buf.h"
#include "common/jwt.h"
#include "fcgi/auth.h"
#include "t/unit/cu.h"

void auth_suite(void);

#define KEY "0123456789abcdef0123456789abcdef-test-key"
#define OTHER_KEY "another-key-another-key-another-key!"
#define USER "550e8400-e29b-41d4-a716-446655440000"
#define NOW 1767090600	/* 2025-12-30T10:30:00Z */

static void sign(const char *key, const char *sub, int64_t iat, int ttl, struct cr_buf *out)
{
	cr_buf_reset(out);
	CU_ASSERT_FATAL(cr_jwt_sign((const unsigned char *)key, strlen(key), sub, iat, ttl,
				    out) == 0);
}

/* header.payload. with alg "none" and no signature */
static void alg_none(struct cr_buf *out)
{
	static const char h[] = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
	char p[128];

	snprintf(p, sizeof(p), "{\"sub\":\"%s\",\"iat\":%d,\"exp\":%d}", USER, NOW, NOW + 3600);
	cr_buf_reset(out);
	cr_base64url_encode(h, strlen(h), out);
	cr_buf_addch(out, '.');
	cr_base64url_encode(p, strlen(p), out);
	cr_buf_addch(out, '.');
}

/* Replace every "%T" of pattern by tok. */
static void expand(const char *pattern, const char *tok, struct cr_buf *out)
{
	cr_buf_reset(out);
	for (const char *p = pattern; *p; p++) {
		if (p[0] == '%' && p[1] == 'T') {
			cr_buf_addstr(out, tok);
			p++;
		} else {
			cr_buf_addch(out, *p);
		}
	}
}

static const struct {
	const char *header;	/* NULL: no header */
	enum auth_result want;
} cases[] = {
	/* missing */
	{ NULL, AUTH_MISSING },
	{ "", AUTH_MISSING },
	{ "   ", AUTH_MISSING },
	/* another scheme */
	{ "Basic dXNlcjpwYXNz", AUTH_NOT_BEARER },
	{ "Token %T", AUTH_NOT_BEARER },
	{ "Bearer:%T", AUTH_NOT_BEARER },
	{ "Bearer%T", AUTH_NOT_BEARER },
	{ "Bearerx %T", AUTH_NOT_BEARER },
	{ "Bear %T", AUTH_NOT_BEARER },
	{ "%T", AUTH_NOT_BEARER },
	/* the scheme is case-insensitive (RFC 7235) */
	{ "Bearer %T", AUTH_OK },
	{ "bearer %T", AUTH_OK },
	{ "BEARER %T", AUTH_OK },
	{ "bEaReR %T", AUTH_OK },
	/* blanks around the token are not part of it */
	{ "Bearer   %T", AUTH_OK },
	{ "Bearer\t%T", AUTH_OK },
	{ "  Bearer %T", AUTH_OK },
	{ "Bearer %T  ", AUTH_OK },
	{ "Bearer %T\t", AUTH_OK },
	/* the right scheme without a token */
	{ "Bearer", AUTH_MALFORMED },
	{ "Bearer ", AUTH_MALFORMED },
	{ "bearer    ", AUTH_MALFORMED },
	{ "Bearer \t ", AUTH_MALFORMED },
	/* more than one token, or blanks inside it */
	{ "Bearer %T %T", AUTH_MALFORMED },
	{ "Bearer %T extra", AUTH_MALFORMED },
	{ "Bearer %T\textra", AUTH_MALFORMED },
	{ "Bearer, Bearer %T", AUTH_NOT_BEARER },
	/* characters that are not base64url or '.' */
	{ "Bearer %T=", AUTH_MALFORMED },
	{ "Bearer %T==", AUTH_MALFORMED },
	{ "Bearer +%T", AUTH_MALFORMED },
	{ "Bearer %T/", AUTH_MALFORMED },
	{ "Bearer %T\x01", AUTH_MALFORMED },
	{ "Bearer %T\x7f", AUTH_MALFORMED },
	{ "Bearer %T\xc3\xa9", AUTH_MALFORMED },
	{ "Bearer \"%T\"", AUTH_MALFORMED },
	{ "Bearer %T;", AUTH_MALFORMED },
	{ "Bearer %T\r\nX-Injected: 1", AUTH_MALFORMED },
	/* not a JWT */
	{ "Bearer a.b.c", AUTH_MALFORMED },
	{ "Bearer abc", AUTH_MALFORMED },
	{ "Bearer ...", AUTH_MALFORMED },
	{ "Bearer %T.%T", AUTH_MALFORMED },
};

static void test_table(void)
{
	struct cr_buf tok = CR_BUF_INIT, h = CR_BUF_INIT;
	char uid[37];

	sign(KEY, USER, NOW - 10, 3600, &tok);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *header = NULL;
		if (cases[i].header) {
			expand(cases[i].header, tok.data, &h);
			header = h.data;
		}
		memset(uid, 'x', sizeof(uid));
		enum auth_result r = auth_bearer(header, KEY, NOW, uid);
		CU_ASSERT_EQUAL(r, cases[i].want);
		if (r != cases[i].want)
			fprintf(stderr, "\n  auth case %zu \"%s\": got %d, want %d\n", i,
				cases[i].header ? cases[i].header : "(null)", (int)r,
				(int)cases[i].want);
		/* on anything but AUTH_OK, never a half-checked id */
		CU_ASSERT_STRING_EQUAL(uid, r == AUTH_OK ? USER : "");
	}
	cr_buf_release(&tok);
	cr_buf_release(&h);
}

static enum auth_result check(const char *tok, int64_t now, char uid[37])
{
	struct cr_buf h = CR_BUF_INIT;
	enum auth_result r;

	cr_buf_addf(&h, "Bearer %s", tok);
	r = auth_bearer(h.data, KEY, now, uid);
	cr_buf_release(&h);
	return r;
}

static void test_tokens(void)
{
	struct cr_buf tok = CR_BUF_INIT;
	char uid[37];

	/* exp is enforced */
	sign(KEY, USER, NOW - 3600, 3600, &tok);
	CU_ASSERT_EQUAL(check(tok.data, NOW, uid), AUTH_EXPIRED);
	CU_ASSERT_EQUAL(check(tok.data, NOW - 1, uid), AUTH_OK);
	/* another key: forged */
	sign(OTHER_KEY, USER, NOW, 3600, &tok);
	CU_ASSERT_EQUAL(check(tok.data, NOW, uid), AUTH_INVALID);
	/* alg none, with and without a signature part */
	alg_none(&tok);
	CU_ASSERT(check(tok.data, NOW, uid) != AUTH_OK);
	cr_buf_addstr(&tok, "c2ln");
	CU_ASSERT(check(tok.data, NOW, uid) != AUTH_OK);
	/* one flipped signature character */
	sign(KEY, USER, NOW, 3600, &tok);
	tok.data[tok.len - 2] = tok.data[tok.len - 2] == 'A' ? 'B' : 'A';
	CU_ASSERT_EQUAL(check(tok.data, NOW, uid), AUTH_INVALID);
	/* an upper-case sub comes back canonical (lower case) */
	sign(KEY, "550E8400-E29B-41D4-A716-446655440000", NOW, 3600, &tok);
	CU_ASSERT_EQUAL(check(tok.data, NOW, uid), AUTH_OK);
	CU_ASSERT_STRING_EQUAL(uid, USER);
	cr_buf_release(&tok);
}

static void test_long_token(void)
{
	struct cr_buf h = CR_BUF_INIT;
	char uid[37];

	cr_buf_addstr(&h, "Bearer ");
	for (int i = 0; i < AUTH_TOKEN_MAX + 1; i++)
		cr_buf_addch(&h, 'a');
	CU_ASSERT_EQUAL(auth_bearer(h.data, KEY, NOW, uid), AUTH_MALFORMED);
	h.data[--h.len] = '\0';		/* AUTH_TOKEN_MAX: reaches the JWT parser */
	CU_ASSERT_EQUAL(auth_bearer(h.data, KEY, NOW, uid), AUTH_MALFORMED);
	cr_buf_release(&h);
}

static void test_messages(void)
{
	static const enum auth_result all[] = { AUTH_MISSING, AUTH_NOT_BEARER, AUTH_MALFORMED,
						AUTH_EXPIRED, AUTH_INVALID };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const char *m = auth_message(all[i]);
		CU_ASSERT(m && *m);
		/* PostgreSQL's style: lower case, no trailing period */
		CU_ASSERT(m[0] >= 'a' && m[0] <= 'z');
		CU_ASSERT(m[strlen(m) - 1] != '.');
		for (size_t j = 0; j < i; j++)
			CU_ASSERT(strcmp(m, auth_message(all[j])) != 0);
	}
}

void auth_suite(void)
{
	static const struct cr_test tests[] = {
		{ "Authorization header table", test_table },
		{ "expired, forged, alg:none, tampered tokens", test_tokens },
		{ "overlong token", test_long_token },
		{ "401 messages", test_messages },
		{ NULL, NULL },
	};
	CR_ADD_SUITE("auth", tests);
}
