/*
 * UTF-8: one table of inputs with the expected verdict of cr_utf8_valid() and
 * the expected output of cr_utf8_sanitize() (one U+FFFD per maximal subpart,
 * Unicode 3.9 / WHATWG).
 */
#include "config.h"

#include <string.h>

#include "common/buf.h"
#include "common/utf8.h"
#include "t/unit/cu.h"

void utf8_suite(void);

#define R "\xef\xbf\xbd"	/* U+FFFD */
#define S(lit) lit, sizeof(lit) - 1	/* string literal with its length (NULs kept) */

static const struct {
	const char *in;
	size_t len;
	bool valid;
	const char *out;	/* sanitize() result */
	size_t outlen;
} cases[] = {
	{ S(""), true, S("") },
	{ S("hello, world"), true, S("hello, world") },
	{ S("\x7f"), true, S("\x7f") },
	{ S("a\0b"), true, S("a\0b") },		/* NUL is a code point: kept */
	{ S("\0"), true, S("\0") },
	{ S("\xc3\xa9"), true, S("\xc3\xa9") },	/* U+00E9, 2 bytes */
	{ S("\xc2\x80"), true, S("\xc2\x80") },	/* U+0080, smallest 2-byte */
	{ S("\xdf\xbf"), true, S("\xdf\xbf") },	/* U+07FF */
	{ S("\xe0\xa0\x80"), true, S("\xe0\xa0\x80") },	/* U+0800, smallest 3-byte */
	{ S("\xe2\x82\xac"), true, S("\xe2\x82\xac") },	/* U+20AC */
	{ S("\xed\x9f\xbf"), true, S("\xed\x9f\xbf") },	/* U+D7FF, below surrogates */
	{ S("\xee\x80\x80"), true, S("\xee\x80\x80") },	/* U+E000, above surrogates */
	{ S("\xef\xbf\xbf"), true, S("\xef\xbf\xbf") },	/* U+FFFF */
	{ S("\xf0\x90\x80\x80"), true, S("\xf0\x90\x80\x80") },	/* U+10000 */
	{ S("\xf0\x9f\x98\x80"), true, S("\xf0\x9f\x98\x80") },	/* U+1F600 */
	{ S("\xf4\x8f\xbf\xbf"), true, S("\xf4\x8f\xbf\xbf") },	/* U+10FFFF */
	/* overlongs */
	{ S("\xc0\x80"), false, S(R R) },
	{ S("\xc1\xbf"), false, S(R R) },
	{ S("\xe0\x80\x80"), false, S(R R R) },
	{ S("\xe0\x9f\xbf"), false, S(R R R) },
	{ S("\xf0\x80\x80\x80"), false, S(R R R R) },
	{ S("\xf0\x8f\xbf\xbf"), false, S(R R R R) },
	/* surrogates */
	{ S("\xed\xa0\x80"), false, S(R R R) },
	{ S("\xed\xbf\xbf"), false, S(R R R) },
	/* above U+10FFFF, and lead bytes that never occur */
	{ S("\xf4\x90\x80\x80"), false, S(R R R R) },
	{ S("\xf5\x80\x80\x80"), false, S(R R R R) },
	{ S("\xfe"), false, S(R) },
	{ S("\xff"), false, S(R) },
	/* truncated at the end: one U+FFFD for the whole prefix */
	{ S("a\xc3"), false, S("a" R) },
	{ S("a\xe2\x82"), false, S("a" R) },
	{ S("a\xf0\x9f\x98"), false, S("a" R) },
	{ S("\xf0"), false, S(R) },
	/* truncated before a valid character: that character survives */
	{ S("\xe2\x82" "A"), false, S(R "A") },
	{ S("\xf0\x9f" "\xc3\xa9"), false, S(R "\xc3\xa9") },
	{ S("\xc3" "\xc3\xa9"), false, S(R "\xc3\xa9") },
	/* lone continuation bytes */
	{ S("\x80"), false, S(R) },
	{ S("a\xbf" "b"), false, S("a" R "b") },
	{ S("\x80\x80\x80"), false, S(R R R) },
	/* NUL inside invalid input is kept */
	{ S("\xc3\0"), false, S(R "\0") },
	/* Unicode 3.9, table 3-8 */
	{ S("\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64"), false,
	  S("a" R R R "b" R "c" R R "d") },
	{ S("\xc3\xa9\xff\xc3\xa9"), false, S("\xc3\xa9" R "\xc3\xa9") },
};

static void test_valid(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = cr_utf8_valid(cases[i].in, cases[i].len);

		if (got != cases[i].valid)
			fprintf(stderr, "\nutf8 case %zu: valid() = %d\n", i, got);
		CU_ASSERT_EQUAL(got, cases[i].valid);
	}
}

static void test_sanitize(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cr_buf out = CR_BUF_INIT;
		bool same;

		cr_buf_addstr(&out, "<");
		cr_utf8_sanitize(cases[i].in, cases[i].len, &out);
		same = out.len == cases[i].outlen + 1 &&
		       memcmp(out.data + 1, cases[i].out, cases[i].outlen) == 0;
		if (!same)
			fprintf(stderr, "\nutf8 case %zu: sanitize() differs\n", i);
		CU_ASSERT_TRUE(same);
		CU_ASSERT_EQUAL(out.data[out.len], '\0');
		/* Whatever came in, what comes out is valid. */
		CU_ASSERT_TRUE(cr_utf8_valid(out.data, out.len));
		cr_buf_release(&out);
	}
}

static void test_count(void)
{
	CU_ASSERT_EQUAL(cr_utf8_count(S("")), 0);
	CU_ASSERT_EQUAL(cr_utf8_count(S("abc")), 3);
	CU_ASSERT_EQUAL(cr_utf8_count(S("a\0b")), 3);
	CU_ASSERT_EQUAL(cr_utf8_count(S("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80")), 4);
}

static void test_all_bytes(void)
{
	unsigned char all[256];
	struct cr_buf out = CR_BUF_INIT;

	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	CU_ASSERT_TRUE(cr_utf8_valid((const char *)all, 128));
	CU_ASSERT_FALSE(cr_utf8_valid((const char *)all, 256));
	cr_utf8_sanitize((const char *)all, sizeof(all), &out);
	/* 128 ASCII bytes kept, each of the other 128 becomes one U+FFFD. */
	CU_ASSERT_EQUAL(out.len, 128 + 128 * 3);
	CU_ASSERT_TRUE(cr_utf8_valid(out.data, out.len));
	cr_buf_release(&out);
}

void utf8_suite(void)
{
	static const struct cr_test tests[] = {
		{ "valid() table", test_valid },
		{ "sanitize() table", test_sanitize },
		{ "count", test_count },
		{ "all 256 bytes", test_all_bytes },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("utf8", tests);
}
