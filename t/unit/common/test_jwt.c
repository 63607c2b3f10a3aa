/*
 * JWT vectors: tokens built here from a header, a payload and a signing mode,
 * each with the verdict cr_jwt_verify() must give; plus raw strings, a
 * known-answer token (computed independently with Python's hmac module) and
 * splice attacks on a real token.
 */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/base64url.h"
#include "common/buf.h"
#include "common/jwt.h"
#include "t/unit/cu.h"

void jwt_suite(void);

#define KEY "0123456789abcdef0123456789abcdef"
#define OTHER_KEY "fedcba9876543210fedcba9876543210"
#define SUB "123e4567-e89b-12d3-a456-426614174000"
#define NOW 1767090600
#define HDR "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define BODY "{\"sub\":\"" SUB "\",\"iat\":1767090600,\"exp\":1767094200}"

/* Independent reference: same key, sub, iat and ttl 3600. */
#define KAT "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." \
	"eyJzdWIiOiIxMjNlNDU2Ny1lODliLTEyZDMtYTQ1Ni00MjY2MTQxNzQwMDAiLCJpYXQiOjE3" \
	"NjcwOTA2MDAsImV4cCI6MTc2NzA5NDIwMH0.uOwm0e2-qG3NZwWGVnDMYLL6vOP68chxfxxJqB5gD8A"

enum sig { SIGN, SIGN_OTHER_KEY, SIGN_HS512, SIG_EMPTY, SIG_GARBAGE };

static void make_token(const char *hdr, const char *body, enum sig mode,
		       struct cr_buf *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const char *key = mode == SIGN_OTHER_KEY ? OTHER_KEY : KEY;

	cr_base64url_encode(hdr, strlen(hdr), out);
	cr_buf_addch(out, '.');
	cr_base64url_encode(body, strlen(body), out);
	HMAC(mode == SIGN_HS512 ? EVP_sha512() : EVP_sha256(), key, (int)strlen(key),
	     (const unsigned char *)out->data, out->len, md, &mdlen);
	cr_buf_addch(out, '.');
	if (mode == SIG_GARBAGE)
		cr_base64url_encode("not the signature, 32 bytes long", 32, out);
	else if (mode != SIG_EMPTY)
		cr_base64url_encode(md, mdlen, out);
}

static const struct {
	const char *name;
	const char *hdr, *body;
	enum sig sig;
	int64_t now;
	enum cr_jwt_status want;
} vectors[] = {
	{ "valid", HDR, BODY, SIGN, NOW, CR_JWT_OK },
	{ "valid without typ", "{\"alg\":\"HS256\"}", BODY, SIGN, NOW, CR_JWT_OK },
	{ "valid, one second before exp", HDR, BODY, SIGN, 1767094199, CR_JWT_OK },
	{ "expired at exp", HDR, BODY, SIGN, 1767094200, CR_JWT_EXPIRED },
	{ "expired after exp", HDR, BODY, SIGN, 1767094201 + 86400, CR_JWT_EXPIRED },
	{ "exp missing", HDR, "{\"sub\":\"" SUB "\",\"iat\":1767090600}", SIGN, NOW,
	  CR_JWT_MALFORMED },
	{ "exp a string", HDR, "{\"sub\":\"" SUB "\",\"iat\":1767090600,\"exp\":\"1767094200\"}",
	  SIGN, NOW, CR_JWT_MALFORMED },
	{ "exp a float", HDR, "{\"sub\":\"" SUB "\",\"iat\":1767090600,\"exp\":1767094200.5}",
	  SIGN, NOW, CR_JWT_MALFORMED },
	{ "exp past int64", HDR, "{\"sub\":\"" SUB "\",\"iat\":1767090600,"
	  "\"exp\":99999999999999999999}", SIGN, NOW, CR_JWT_MALFORMED },
	{ "exp at int64 max", HDR, "{\"sub\":\"" SUB "\",\"iat\":1767090600,"
	  "\"exp\":9223372036854775807}", SIGN, NOW, CR_JWT_MALFORMED },
	{ "exp after year 9999", HDR, "{\"sub\":\"" SUB "\",\"iat\":1767090600,"
	  "\"exp\":253402300800}", SIGN, NOW, CR_JWT_MALFORMED },
	{ "iat negative", HDR, "{\"sub\":\"" SUB "\",\"iat\":-1,\"exp\":1767094200}",
	  SIGN, NOW, CR_JWT_MALFORMED },
	{ "iat missing", HDR, "{\"sub\":\"" SUB "\",\"exp\":1767094200}", SIGN, NOW,
	  CR_JWT_MALFORMED },
	{ "sub missing", HDR, "{\"iat\":1767090600,\"exp\":1767094200}", SIGN, NOW,
	  CR_JWT_MALFORMED },
	{ "sub not a uuid", HDR, "{\"sub\":\"42\",\"iat\":1767090600,\"exp\":1767094200}",
	  SIGN, NOW, CR_JWT_MALFORMED },
	{ "sub a number", HDR, "{\"sub\":42,\"iat\":1767090600,\"exp\":1767094200}",
	  SIGN, NOW, CR_JWT_MALFORMED },
	{ "payload not an object", HDR, "[1,2,3]", SIGN, NOW, CR_JWT_MALFORMED },
	{ "payload not JSON", HDR, "{\"sub\":", SIGN, NOW, CR_JWT_MALFORMED },
	{ "payload with trailing junk", HDR, BODY "x", SIGN, NOW, CR_JWT_MALFORMED },
	{ "forged signature", HDR, BODY, SIG_GARBAGE, NOW, CR_JWT_BAD_SIGNATURE },
	{ "wrong key", HDR, BODY, SIGN_OTHER_KEY, NOW, CR_JWT_BAD_SIGNATURE },
	{ "empty signature", HDR, BODY, SIG_EMPTY, NOW, CR_JWT_BAD_SIGNATURE },
	{ "alg none, empty signature", "{\"alg\":\"none\",\"typ\":\"JWT\"}", BODY,
	  SIG_EMPTY, NOW, CR_JWT_BAD_ALG },
	{ "alg None", "{\"alg\":\"None\"}", BODY, SIG_EMPTY, NOW, CR_JWT_BAD_ALG },
	{ "alg HS512", "{\"alg\":\"HS512\",\"typ\":\"JWT\"}", BODY, SIGN_HS512, NOW,
	  CR_JWT_BAD_ALG },
	{ "alg RS256 signed with the key", "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", BODY,
	  SIGN, NOW, CR_JWT_BAD_ALG },
	{ "alg hs256 (case)", "{\"alg\":\"hs256\"}", BODY, SIGN, NOW, CR_JWT_BAD_ALG },
	{ "alg missing", "{\"typ\":\"JWT\"}", BODY, SIGN, NOW, CR_JWT_BAD_ALG },
	{ "alg not a string", "{\"alg\":256}", BODY, SIGN, NOW, CR_JWT_BAD_ALG },
	{ "typ not JWT", "{\"alg\":\"HS256\",\"typ\":\"JWE\"}", BODY, SIGN, NOW,
	  CR_JWT_MALFORMED },
	{ "extra header parameter", "{\"alg\":\"HS256\",\"kid\":\"1\"}", BODY, SIGN, NOW,
	  CR_JWT_MALFORMED },
	{ "header not JSON", "alg=HS256", BODY, SIGN, NOW, CR_JWT_MALFORMED },
	{ "header an array", "[\"HS256\"]", BODY, SIGN, NOW, CR_JWT_MALFORMED },
};

static void test_vectors(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		struct cr_buf tok = CR_BUF_INIT;
		struct cr_jwt_claims claims;
		enum cr_jwt_status got;

		make_token(vectors[i].hdr, vectors[i].body, vectors[i].sig, &tok);
		memset(&claims, 0, sizeof(claims));
		got = cr_jwt_verify((const unsigned char *)KEY, strlen(KEY), tok.data,
				    vectors[i].now, &claims);
		if (got != vectors[i].want)
			fprintf(stderr, "\njwt vector \"%s\": got %s, want %s\n",
				vectors[i].name, cr_jwt_status_str(got),
				cr_jwt_status_str(vectors[i].want));
		CU_ASSERT_EQUAL(got, vectors[i].want);
		if (got == CR_JWT_OK) {
			CU_ASSERT_STRING_EQUAL(claims.sub, SUB);
			CU_ASSERT_EQUAL(claims.iat, 1767090600);
			CU_ASSERT_EQUAL(claims.exp, 1767094200);
		}
		cr_buf_release(&tok);
	}
}

static const struct {
	const char *name, *token;
	enum cr_jwt_status want;
} raw[] = {
	{ "empty", "", CR_JWT_MALFORMED },
	{ "one part", "eyJhbGciOiJIUzI1NiJ9", CR_JWT_MALFORMED },
	{ "two parts", "eyJhbGciOiJIUzI1NiJ9.e30", CR_JWT_MALFORMED },
	{ "four parts", KAT ".AAAA", CR_JWT_MALFORMED },
	{ "dots only", "..", CR_JWT_MALFORMED },
	{ "bad base64 in header", "eyJhbGciOiJIUzI1NiJ9=." "e30.AAAA", CR_JWT_MALFORMED },
	{ "standard base64 in header", "ey+hbGciOiJIUzI1NiJ9.e30.AAAA", CR_JWT_MALFORMED },
	{ "bad base64 in signature", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
	  "e30.uOwm0e2+qG3NZwWGVnDMYLL6vOP68chxfxxJqB5gD8A", CR_JWT_MALFORMED },
	{ "padded signature", KAT "=", CR_JWT_MALFORMED },
	{ "space inside", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9 ."
	  "e30.AAAA", CR_JWT_MALFORMED },
	{ "Bearer prefix left on", "Bearer " KAT, CR_JWT_MALFORMED },
};

static void test_raw(void)
{
	for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
		enum cr_jwt_status got = cr_jwt_verify((const unsigned char *)KEY,
						       strlen(KEY), raw[i].token, NOW, NULL);

		if (got != raw[i].want)
			fprintf(stderr, "\njwt raw \"%s\": got %s\n", raw[i].name,
				cr_jwt_status_str(got));
		CU_ASSERT_EQUAL(got, raw[i].want);
	}
	CU_ASSERT_EQUAL(cr_jwt_verify((const unsigned char *)KEY, strlen(KEY), NULL,
				      NOW, NULL), CR_JWT_MALFORMED);
}

static void test_known_answer(void)
{
	struct cr_buf tok = CR_BUF_INIT;
	struct cr_jwt_claims claims;

	cr_buf_addstr(&tok, "Bearer ");	/* sign appends */
	CU_ASSERT_EQUAL(cr_jwt_sign((const unsigned char *)KEY, strlen(KEY), SUB,
				    1767090600, 3600, &tok), 0);
	CU_ASSERT_STRING_EQUAL(tok.data, "Bearer " KAT);
	CU_ASSERT_EQUAL(cr_jwt_verify((const unsigned char *)KEY, strlen(KEY), KAT,
				      NOW + 10, &claims), CR_JWT_OK);
	CU_ASSERT_STRING_EQUAL(claims.sub, SUB);
	CU_ASSERT_EQUAL(claims.exp - claims.iat, 3600);
	cr_buf_release(&tok);
}

static void test_sign_refuses(void)
{
	struct cr_buf tok = CR_BUF_INIT;

	CU_ASSERT_EQUAL(cr_jwt_sign((const unsigned char *)KEY, strlen(KEY),
				    "not-a-uuid", NOW, 3600, &tok), -1);
	CU_ASSERT_EQUAL(cr_jwt_sign((const unsigned char *)KEY, strlen(KEY),
				    "123e4567-e89b-12d3-a456-426614174000\",\"admin\":true",
				    NOW, 3600, &tok), -1);
	CU_ASSERT_EQUAL(cr_jwt_sign((const unsigned char *)KEY, 0, SUB, NOW, 3600, &tok), -1);
	CU_ASSERT_EQUAL(tok.len, 0);
	cr_buf_release(&tok);
}

/* Swap one part of a genuine token for another: the signature must catch it. */
static void test_tampered(void)
{
	struct cr_buf tok = CR_BUF_INIT, other = CR_BUF_INIT, forged = CR_BUF_INIT;
	const char *dot1, *dot2;

	cr_jwt_sign((const unsigned char *)KEY, strlen(KEY), SUB, NOW, 3600, &tok);
	dot1 = strchr(tok.data, '.');
	dot2 = strrchr(tok.data, '.');

	/* payload: a longer lifetime and another user, old signature kept */
	cr_base64url_encode(HDR, strlen(HDR), &forged);
	cr_buf_addch(&forged, '.');
	cr_buf_addstr(&other, "{\"sub\":\"00000000-0000-4000-8000-000000000000\","
		      "\"iat\":1767090600,\"exp\":9999999999}");
	cr_base64url_encode(other.data, other.len, &forged);
	cr_buf_addstr(&forged, dot2);
	CU_ASSERT_EQUAL(cr_jwt_verify((const unsigned char *)KEY, strlen(KEY),
				      forged.data, NOW, NULL), CR_JWT_BAD_SIGNATURE);

	/* header: an equivalent but different header, old signature kept */
	cr_buf_reset(&forged);
	cr_base64url_encode("{\"typ\":\"JWT\",\"alg\":\"HS256\"}", 27, &forged);
	cr_buf_addstr(&forged, dot1);
	CU_ASSERT_EQUAL(cr_jwt_verify((const unsigned char *)KEY, strlen(KEY),
				      forged.data, NOW, NULL), CR_JWT_BAD_SIGNATURE);

	/* one flipped character in the signature */
	cr_buf_reset(&forged);
	cr_buf_addstr(&forged, tok.data);
	forged.data[forged.len - 2] = forged.data[forged.len - 2] == 'A' ? 'B' : 'A';
	CU_ASSERT_EQUAL(cr_jwt_verify((const unsigned char *)KEY, strlen(KEY),
				      forged.data, NOW, NULL), CR_JWT_BAD_SIGNATURE);

	/* and the genuine one still passes */
	CU_ASSERT_EQUAL(cr_jwt_verify((const unsigned char *)KEY, strlen(KEY),
				      tok.data, NOW, NULL), CR_JWT_OK);
	cr_buf_release(&tok);
	cr_buf_release(&other);
	cr_buf_release(&forged);
}

static void test_status_str(void)
{
	CU_ASSERT_STRING_EQUAL(cr_jwt_status_str(CR_JWT_OK), "ok");
	CU_ASSERT_STRING_EQUAL(cr_jwt_status_str(CR_JWT_EXPIRED), "token expired");
	CU_ASSERT_STRING_NOT_EQUAL(cr_jwt_status_str(CR_JWT_BAD_ALG),
				   cr_jwt_status_str(CR_JWT_BAD_SIGNATURE));
}

void jwt_suite(void)
{
	static const struct cr_test tests[] = {
		{ "vectors", test_vectors },
		{ "raw strings", test_raw },
		{ "known answer", test_known_answer },
		{ "sign refuses bad input", test_sign_refuses },
		{ "tampered parts", test_tampered },
		{ "status strings", test_status_str },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("jwt", tests);
}
