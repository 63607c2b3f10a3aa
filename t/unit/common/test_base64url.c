/* base64url: RFC 4648 vectors, round trips, and what the strict decoder refuses. */
#include "config.h"

#include <string.h>

#include "common/base64url.h"
#include "common/buf.h"
#include "t/unit/cu.h"

void base64url_suite(void);

static const struct {
	const char *raw;
	size_t len;
	const char *enc;
} vectors[] = {
	/* RFC 4648 section 10 */
	{ "", 0, "" },
	{ "f", 1, "Zg" },
	{ "fo", 2, "Zm8" },
	{ "foo", 3, "Zm9v" },
	{ "foob", 4, "Zm9vYg" },
	{ "fooba", 5, "Zm9vYmE" },
	{ "foobar", 6, "Zm9vYmFy" },
	/* the URL-safe characters: 0xfb 0xff -> "-_8" */
	{ "\xfb\xff", 2, "-_8" },
	{ "\xff\xff\xff", 3, "____" },
	{ "\x00\x00", 2, "AAA" },
	{ "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", 27,
	  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" },
};

/* RFC 4648 section 10 with padding, and the two characters that differ from base64url. */
static void test_standard(void)
{
	static const struct { const char *raw; size_t len; const char *enc; } std[] = {
		{ "", 0, "" }, { "f", 1, "Zg==" }, { "fo", 2, "Zm8=" }, { "foo", 3, "Zm9v" },
		{ "foob", 4, "Zm9vYg==" }, { "fooba", 5, "Zm9vYmE=" }, { "foobar", 6, "Zm9vYmFy" },
		{ "\xfb\xff", 2, "+/8=" }, { "a\0b", 3, "YQBi" },
	};

	for (size_t i = 0; i < sizeof(std) / sizeof(std[0]); i++) {
		struct cr_buf enc = CR_BUF_INIT;

		cr_base64_encode(std[i].raw, std[i].len, &enc);
		CU_ASSERT_EQUAL(enc.len, strlen(std[i].enc));
		CU_ASSERT_EQUAL(memcmp(enc.len ? enc.data : "", std[i].enc, enc.len), 0);
		cr_buf_release(&enc);
	}
}

static void test_vectors(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		struct cr_buf enc = CR_BUF_INIT, dec = CR_BUF_INIT;

		cr_base64url_encode(vectors[i].raw, vectors[i].len, &enc);
		CU_ASSERT_STRING_EQUAL(enc.data, vectors[i].enc);
		CU_ASSERT_EQUAL(cr_base64url_decode(vectors[i].enc,
						    strlen(vectors[i].enc), &dec), 0);
		CU_ASSERT_EQUAL(dec.len, vectors[i].len);
		CU_ASSERT(memcmp(dec.data, vectors[i].raw, vectors[i].len) == 0);
		cr_buf_release(&enc);
		cr_buf_release(&dec);
	}
}

static void test_round_trip_all_lengths(void)
{
	unsigned char raw[300];

	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 37 + 11);
	for (size_t len = 0; len <= sizeof(raw); len++) {
		struct cr_buf enc = CR_BUF_INIT, dec = CR_BUF_INIT;

		cr_base64url_encode(raw, len, &enc);
		CU_ASSERT_EQUAL(enc.len, (len * 4 + 2) / 3);
		CU_ASSERT_PTR_NULL(strpbrk(enc.data, "+/="));
		CU_ASSERT_EQUAL(cr_base64url_decode(enc.data, enc.len, &dec), 0);
		CU_ASSERT_EQUAL(dec.len, len);
		CU_ASSERT(memcmp(dec.data, raw, len) == 0);
		cr_buf_release(&enc);
		cr_buf_release(&dec);
	}
}

static const char *const rejects[] = {
	"Zg==",		/* padding */
	"Zm8=",
	"+/8",		/* standard alphabet */
	"Zm9 v",	/* whitespace */
	"Zm9v\n",
	"Z",		/* one leftover character is never a byte */
	"Zm9vY",
	"Zh",		/* non-canonical: low bits of the last char set */
	"Zm9",
	"Zm!v",
	"\xc3\xa9xx",	/* non-ASCII */
};

static void test_rejects(void)
{
	for (size_t i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		struct cr_buf dec = CR_BUF_INIT;

		cr_buf_addstr(&dec, "keep");
		CU_ASSERT_EQUAL(cr_base64url_decode(rejects[i], strlen(rejects[i]), &dec), -1);
		/* A failed decode leaves what the buffer held before. */
		CU_ASSERT_STRING_EQUAL(dec.data, "keep");
		cr_buf_release(&dec);
	}
}

static void test_embedded_nul_rejected(void)
{
	struct cr_buf dec = CR_BUF_INIT;

	CU_ASSERT_EQUAL(cr_base64url_decode("Zm\0v", 4, &dec), -1);
	cr_buf_release(&dec);
}

static void test_decode_respects_cap(void)
{
	struct cr_buf dec;

	cr_buf_init(&dec, 2);
	CU_ASSERT_EQUAL(cr_base64url_decode("Zm9v", 4, &dec), -1);
	CU_ASSERT_EQUAL(dec.len, 0);
	cr_buf_release(&dec);
}

void base64url_suite(void)
{
	static const struct cr_test tests[] = {
		{ "RFC 4648 vectors", test_vectors },
		{ "standard alphabet, padded", test_standard },
		{ "round trip, lengths 0..300", test_round_trip_all_lengths },
		{ "strict rejects", test_rejects },
		{ "embedded NUL", test_embedded_nul_rejected },
		{ "decode respects cap", test_decode_respects_cap },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("base64url", tests);
}
