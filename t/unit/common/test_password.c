/*
 * Password hashing. Most tests lower the scrypt cost to ln=10 to stay fast;
 * one runs the default (ln=17, 128 MiB) to prove the production setting works
 * within OpenSSL's memory limit.
 */
#include "config.h"

#include <string.h>

#include "common/password.h"
#include "common/timefmt.h"
#include "t/unit/cu.h"

void password_suite(void);

#define PW "SecurePass123!"

static void test_round_trip(void)
{
	char h[CR_PASSWORD_HASH_MAX], h2[CR_PASSWORD_HASH_MAX];

	cr_password_set_cost(10);
	CU_ASSERT_EQUAL_FATAL(cr_password_hash(PW, strlen(PW), h, sizeof(h)), 0);
	CU_ASSERT_EQUAL(strncmp(h, "$scrypt$ln=10,r=8,p=1$", 22), 0);
	/* 16-byte salt -> 22 chars, 32-byte hash -> 43 chars, no padding */
	CU_ASSERT_EQUAL(strlen(h), 22 + 22 + 1 + 43);
	CU_ASSERT_PTR_NULL(strchr(h + 22, '='));
	CU_ASSERT_TRUE(cr_password_verify(PW, strlen(PW), h));
	/* a fresh salt each time */
	CU_ASSERT_EQUAL(cr_password_hash(PW, strlen(PW), h2, sizeof(h2)), 0);
	CU_ASSERT_STRING_NOT_EQUAL(h, h2);
	CU_ASSERT_TRUE(cr_password_verify(PW, strlen(PW), h2));
}

static void test_wrong_password(void)
{
	char h[CR_PASSWORD_HASH_MAX];

	cr_password_set_cost(10);
	CU_ASSERT_EQUAL_FATAL(cr_password_hash(PW, strlen(PW), h, sizeof(h)), 0);
	CU_ASSERT_FALSE(cr_password_verify("SecurePass123?", 14, h));
	CU_ASSERT_FALSE(cr_password_verify("", 0, h));
	CU_ASSERT_FALSE(cr_password_verify(PW, strlen(PW) - 1, h));
	CU_ASSERT_FALSE(cr_password_verify(PW "x", strlen(PW) + 1, h));
}

static void test_binary_password(void)
{
	char h[CR_PASSWORD_HASH_MAX];

	/* Lengths are explicit: a NUL inside the password is significant. */
	cr_password_set_cost(10);
	CU_ASSERT_EQUAL_FATAL(cr_password_hash("ab\0cd", 5, h, sizeof(h)), 0);
	CU_ASSERT_TRUE(cr_password_verify("ab\0cd", 5, h));
	CU_ASSERT_FALSE(cr_password_verify("ab\0ce", 5, h));
	CU_ASSERT_FALSE(cr_password_verify("ab", 2, h));
}

static void test_small_output(void)
{
	char h[40];

	cr_password_set_cost(10);
	CU_ASSERT_EQUAL(cr_password_hash(PW, strlen(PW), h, sizeof(h)), -1);
}

/* Stored strings that must be refused, quickly and without big allocations. */
static const char *const hostile[] = {
	"",
	"plaintext",
	"$scrypt$",
	"$pbkdf2$ln=10,r=8,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	"$scrypt$ln=10,r=8,p=1$c29tZXNhbHRzb21lc2FsdA",
	"$scrypt$ln=10,r=8,p=1$c29tZXNhbHRzb21lc2FsdA$",
	"$scrypt$ln=10,r=8$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	"$scrypt$r=8,ln=10,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	/* cost out of bounds: 2^30 would ask for 128 GiB, 2^21 for 2 GiB */
	"$scrypt$ln=30,r=8,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	"$scrypt$ln=21,r=8,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	"$scrypt$ln=9,r=8,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	"$scrypt$ln=0,r=8,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	"$scrypt$ln=-1,r=8,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	"$scrypt$ln=99999999999,r=8,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	"$scrypt$ln=20,r=32,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	"$scrypt$ln=10,r=0,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	"$scrypt$ln=10,r=999,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	"$scrypt$ln=10,r=8,p=0$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	"$scrypt$ln=10,r=8,p=999$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	/* bad salt / hash encodings and lengths */
	"$scrypt$ln=10,r=8,p=1$c29tZXNhbHRzb21lc2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	"$scrypt$ln=10,r=8,p=1$c29t!XNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	"$scrypt$ln=10,r=8,p=1$c29tZXNhbHRzb21lc2FsdA$AAAA",
	"$scrypt$ln=10,r=8,p=1$c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	"$scrypt$ln=10,r=8,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-",
	"$scrypt$ln=10,r=8,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA$",
	"$scrypt$ln=10,r=8,p=1$$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
};

static void test_hostile_strings(void)
{
	int64_t t0 = cr_monotonic_ms();

	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		bool got = cr_password_verify(PW, strlen(PW), hostile[i]);

		if (got)
			fprintf(stderr, "\naccepted hostile string %zu\n", i);
		CU_ASSERT_FALSE(got);
	}
	CU_ASSERT_FALSE(cr_password_verify(PW, strlen(PW), NULL));
	/* Nothing above ran a costly scrypt. */
	CU_ASSERT(cr_monotonic_ms() - t0 < 2000);
}

static void test_tampered_hash(void)
{
	char h[CR_PASSWORD_HASH_MAX];
	size_t n;

	cr_password_set_cost(10);
	CU_ASSERT_EQUAL_FATAL(cr_password_hash(PW, strlen(PW), h, sizeof(h)), 0);
	n = strlen(h);
	h[n - 3] = h[n - 3] == 'A' ? 'B' : 'A';
	CU_ASSERT_FALSE(cr_password_verify(PW, strlen(PW), h));
}

/* Parameters come from the string: an ln=11 hash verifies while cost is 10. */
static void test_params_from_string(void)
{
	char h[CR_PASSWORD_HASH_MAX];

	cr_password_set_cost(11);
	CU_ASSERT_EQUAL_FATAL(cr_password_hash(PW, strlen(PW), h, sizeof(h)), 0);
	CU_ASSERT_EQUAL(strncmp(h, "$scrypt$ln=11,", 14), 0);
	cr_password_set_cost(10);
	CU_ASSERT_TRUE(cr_password_verify(PW, strlen(PW), h));
}

/* A known-answer string, computed with Python's hashlib.scrypt. */
static void test_known_answer(void)
{
	static const char kat[] = "$scrypt$ln=10,r=8,p=1$c29tZXNhbHRzb21lc2FsdA$"
		"BnTzBdISyBtklzn0SGWs1fsI8iO72agsA3P2zmaoqmU";

	CU_ASSERT_TRUE(cr_password_verify(PW, strlen(PW), kat));
	CU_ASSERT_FALSE(cr_password_verify("securepass123!", 14, kat));
}

static void test_dummy_verify(void)
{
	int64_t t0;

	cr_password_set_cost(10);
	t0 = cr_monotonic_ms();
	cr_password_dummy_verify(PW, strlen(PW));
	CU_ASSERT(cr_monotonic_ms() - t0 < 5000);
}

static void test_default_cost(void)
{
	char h[CR_PASSWORD_HASH_MAX];

	cr_password_set_cost(17);
	CU_ASSERT_EQUAL_FATAL(cr_password_hash(PW, strlen(PW), h, sizeof(h)), 0);
	CU_ASSERT_EQUAL(strncmp(h, "$scrypt$ln=17,r=8,p=1$", 22), 0);
	CU_ASSERT_TRUE(cr_password_verify(PW, strlen(PW), h));
	cr_password_set_cost(10);
}

void password_suite(void)
{
	static const struct cr_test tests[] = {
		{ "round trip", test_round_trip },
		{ "wrong password", test_wrong_password },
		{ "binary password", test_binary_password },
		{ "output too small", test_small_output },
		{ "hostile stored strings", test_hostile_strings },
		{ "tampered hash", test_tampered_hash },
		{ "parameters from the string", test_params_from_string },
		{ "known answer", test_known_answer },
		{ "dummy verify", test_dummy_verify },
		{ "default cost (ln=17)", test_default_cost },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("password", tests);
}
