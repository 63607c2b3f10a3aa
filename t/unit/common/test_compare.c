/*
 * Output comparison: one table of (mode, epsilon, got, want, verdict), run
 * both ways round where the verdict is symmetric, plus the mode names and a
 * multi-MiB input that must stay linear.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/compare.h"
#include "t/unit/cu.h"

void compare_suite(void);

#define S(lit) lit, sizeof(lit) - 1	/* string literal with its length (NULs kept) */
#define EPS CR_COMPARE_EPSILON_DEFAULT

enum { EX = CR_COMPARE_EXACT, LI = CR_COMPARE_LINES, TO = CR_COMPARE_TOKENS, FL = CR_COMPARE_FLOAT };

static const struct {
	int mode;
	double eps;
	const char *got;
	size_t got_len;
	const char *want;
	size_t want_len;
	bool match;
} cases[] = {
	/* exact */
	{ EX, EPS, S("1\n2\n"), S("1\n2\n"), true },
	{ EX, EPS, S("1\n2\n"), S("1\n2"), false },
	{ EX, EPS, S("1\r\n"), S("1\n"), false },
	{ EX, EPS, S(""), S(""), true },
	{ EX, EPS, S(""), S("\n"), false },
	{ EX, EPS, S("a\0b"), S("a\0b"), true },
	{ EX, EPS, S("a\0b"), S("a\0c"), false },
	{ EX, EPS, S("a\0"), S("a"), false },
	/* lines */
	{ LI, EPS, S("1 \r\n2\n\n"), S("1\n2"), true },
	{ LI, EPS, S("1\r\n2\r\n"), S("1\n2\n"), true },
	{ LI, EPS, S("1\t \n2  "), S("1\n2\n"), true },
	{ LI, EPS, S("1\n2\n\n\n\n"), S("1\n2"), true },
	{ LI, EPS, S("1\n2\n   \n\t\n"), S("1\n2\n"), true },	/* blank last lines are empty */
	{ LI, EPS, S(""), S("\n"), true },
	{ LI, EPS, S(""), S(" \r\n\n"), true },
	{ LI, EPS, S(""), S("x"), false },
	{ LI, EPS, S("\n"), S("x\n"), false },
	{ LI, EPS, S(" 1\n"), S("1\n"), false },	/* leading spaces count */
	{ LI, EPS, S("\t1"), S("1"), false },
	{ LI, EPS, S("1\n\n2"), S("1\n2"), false },	/* inner empty lines count */
	{ LI, EPS, S("\n1"), S("1"), false },		/* so do leading ones */
	{ LI, EPS, S("1 2"), S("1  2"), false },	/* inner spaces count */
	{ LI, EPS, S("1\r2"), S("1\n2"), false },	/* a lone CR is not a line break */
	{ LI, EPS, S("1\n2"), S("1\n2\n3"), false },
	{ LI, EPS, S("1\n2\n3"), S("1\n2"), false },
	{ LI, EPS, S("a\0b\n"), S("a\0b"), true },
	{ LI, EPS, S("a\0b\n"), S("a\0c"), false },
	{ LI, EPS, S("a\0\n"), S("a\n"), false },	/* NUL is not a blank */
	{ LI, EPS, S("a \n"), S("a\0\n"), false },
	/* tokens */
	{ TO, EPS, S("1 2\n3"), S("1\t2\r\n\v\f3\n\n"), true },
	{ TO, EPS, S("  1   2  "), S("1 2"), true },
	{ TO, EPS, S(""), S(" \n\t"), true },
	{ TO, EPS, S("1 2"), S("12"), false },
	{ TO, EPS, S("1 2"), S("1 2 3"), false },
	{ TO, EPS, S("1 2 3"), S("1 2"), false },
	{ TO, EPS, S("1.0"), S("1"), false },
	{ TO, EPS, S("a\0b c"), S("a\0b\nc"), true },
	{ TO, EPS, S("a\0b"), S("a b"), false },	/* NUL is not whitespace */
	{ TO, EPS, S("abc"), S("abd"), false },
	/* float: absolute epsilon */
	{ FL, 1e-6, S("0.300000001"), S("0.3"), true },
	{ FL, 1e-6, S("0.301"), S("0.3"), false },
	{ FL, 1e-6, S("0.0000005"), S("0"), true },	/* relative alone would need 0 */
	{ FL, 1e-6, S("-1e-7"), S("1e-7"), true },
	{ FL, 1e-6, S("0.000002"), S("0"), false },
	{ FL, 1e-6, S("1.0"), S("1"), true },
	{ FL, 1e-6, S("1"), S("1.000"), true },
	{ FL, 1e-6, S("-0"), S("0"), true },
	{ FL, 1e-6, S("+2.5"), S("2.5"), true },
	{ FL, 1e-6, S("1e3"), S("1000"), true },
	{ FL, 1e-6, S("1E-3"), S("0.001"), true },
	{ FL, 1e-6, S(".5"), S("0.5"), true },
	{ FL, 1e-6, S("5."), S("5"), true },
	{ FL, 1e-6, S("2"), S("3"), false },
	{ FL, 1e-6, S("-1"), S("1"), false },
	/* float: relative epsilon, against the expected value */
	{ FL, 1e-6, S("1000000000001"), S("1e12"), true },
	{ FL, 1e-6, S("1000001000000"), S("1e12"), true },
	{ FL, 1e-6, S("1000002000000"), S("1e12"), false },
	{ FL, 1e-6, S("-1000000000001"), S("-1e12"), true },
	/* float: several tokens, other tokens compared as bytes */
	{ FL, 1e-6, S("x 1.0000000001 y\n2\n"), S("x\t1 y 2"), true },
	{ FL, 1e-6, S("1 2"), S("1 2 3"), false },
	{ FL, 1e-6, S("YES 1"), S("yes 1"), false },
	{ FL, 1e-6, S("abc"), S("abc"), true },
	{ FL, 1e-6, S("1a"), S("1"), false },
	{ FL, 1e-6, S("1,5"), S("1.5"), false },	/* no locale decimal comma */
	{ FL, 1e-6, S("0x10"), S("16"), false },	/* no hex */
	{ FL, 1e-6, S("0x1p0"), S("1"), false },
	{ FL, 1e-6, S("inf"), S("1e999"), false },	/* inf, nan are words */
	{ FL, 1e-6, S("inf"), S("inf"), true },
	{ FL, 1e-6, S("nan"), S("nan"), true },
	{ FL, 1e-6, S("nan"), S("NaN"), false },
	{ FL, 1e-6, S("infinity"), S("inf"), false },
	{ FL, 1e-6, S("1e999"), S("2e999"), false },	/* out of range */
	{ FL, 1e-6, S("."), S("0"), false },
	{ FL, 1e-6, S("1e"), S("1"), false },
	{ FL, 1e-6, S("1e+"), S("1"), false },
	{ FL, 1e-6, S("+"), S("0"), false },
	{ FL, 1e-6, S("--1"), S("1"), false },
	{ FL, 1e-6, S("1.5.0"), S("1.5"), false },
	{ FL, 1e-6, S(" 1"), S("1 "), true },
	{ FL, 1e-6, S("1\0"), S("1"), false },		/* NUL is part of the token */
	{ FL, 1e-6, S("1\0 2"), S("1\0 2.0000000001"), true },
	{ FL, 0, S("1.0"), S("1"), true },
	{ FL, 0, S("1.0000001"), S("1"), false },
};

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = cr_output_matches((enum cr_compare)cases[i].mode, cases[i].eps,
					     cases[i].got, cases[i].got_len,
					     cases[i].want, cases[i].want_len);

		if (got != cases[i].match)
			fprintf(stderr, "\ncase %zu: mode %d, expected %d\n", i, cases[i].mode,
				cases[i].match);
		CU_ASSERT_EQUAL(got, cases[i].match);
	}
}

/* Except for float (epsilon is relative to want), every mode is symmetric. */
static void test_symmetric(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].mode == FL)
			continue;
		CU_ASSERT_EQUAL(cr_output_matches((enum cr_compare)cases[i].mode, cases[i].eps,
						  cases[i].want, cases[i].want_len,
						  cases[i].got, cases[i].got_len),
				cases[i].match);
	}
}

/* |a - b| <= eps * |b| uses the expected value b, not got. */
static void test_relative_uses_want(void)
{
	/* |150 - 100| = 50 against 0.4 * 100 = 40 (want 100) or 0.4 * 150 = 60 (want 150). */
	CU_ASSERT_FALSE(cr_output_matches(CR_COMPARE_FLOAT, 0.4, S("150"), S("100")));
	CU_ASSERT_TRUE(cr_output_matches(CR_COMPARE_FLOAT, 0.4, S("100"), S("150")));
	/* A negative want: its magnitude counts. */
	CU_ASSERT_TRUE(cr_output_matches(CR_COMPARE_FLOAT, 0.4, S("-100"), S("-150")));
	CU_ASSERT_FALSE(cr_output_matches(CR_COMPARE_FLOAT, 0.4, S("-150"), S("-100")));
}

static void test_long_number(void)
{
	char a[512], b[512];

	/* 450 digits: too long to read as a number, compared as bytes. */
	memset(a, '1', sizeof(a));
	memcpy(b, a, sizeof(b));
	CU_ASSERT_TRUE(cr_output_matches(CR_COMPARE_FLOAT, 1e-6, a, 450, b, 450));
	b[449] = '2';
	CU_ASSERT_FALSE(cr_output_matches(CR_COMPARE_FLOAT, 1.0, a, 450, b, 450));
	/* 400 bytes still read as a number: "0.000...01" vs "0". */
	memset(a, '0', 400);
	a[1] = '.';
	a[399] = '1';
	CU_ASSERT_TRUE(cr_output_matches(CR_COMPARE_FLOAT, 1e-6, a, 400, "0", 1));
	/* 401 bytes: the same number, one more zero, but now only bytes. */
	a[400] = '0';
	CU_ASSERT_FALSE(cr_output_matches(CR_COMPARE_FLOAT, 1.0, a, 401, "0", 1));
	CU_ASSERT_TRUE(cr_output_matches(CR_COMPARE_FLOAT, 1.0, a, 401, a, 401));
}

static void test_names(void)
{
	static const struct {
		const char *name;
		enum cr_compare mode;
	} names[] = {
		{ "exact", CR_COMPARE_EXACT },
		{ "lines", CR_COMPARE_LINES },
		{ "tokens", CR_COMPARE_TOKENS },
		{ "float", CR_COMPARE_FLOAT },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		enum cr_compare mode = CR_COMPARE_EXACT;
		const char *n = cr_compare_name(names[i].mode);

		CU_ASSERT_EQUAL(cr_compare_parse(names[i].name, strlen(names[i].name), &mode), 0);
		CU_ASSERT_EQUAL(mode, names[i].mode);
		CU_ASSERT_PTR_NOT_NULL_FATAL(n);
		CU_ASSERT_STRING_EQUAL(n, names[i].name);
	}
	CU_ASSERT_STRING_EQUAL(cr_compare_name(CR_COMPARE_DEFAULT), "lines");
	CU_ASSERT_PTR_NULL(cr_compare_name((enum cr_compare)42));
}

static void test_unknown_names(void)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
		{ S("") }, { S("Lines") }, { S("LINES") }, { S("line") }, { S("liness") },
		{ S("lines ") }, { S(" lines") }, { S("lines\0") }, { S("exac") }, { S("floats") },
		{ S("number") },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum cr_compare mode = CR_COMPARE_FLOAT;

		CU_ASSERT_EQUAL(cr_compare_parse(bad[i].s, bad[i].len, &mode), -1);
		CU_ASSERT_EQUAL(mode, CR_COMPARE_FLOAT);	/* untouched */
	}
	/* len bounds the name: "linesXYZ" with len 5 is "lines". */
	enum cr_compare mode = CR_COMPARE_EXACT;

	CU_ASSERT_EQUAL(cr_compare_parse("linesXYZ", 5, &mode), 0);
	CU_ASSERT_EQUAL(mode, CR_COMPARE_LINES);
}

/*
 * 8 MiB of "123 \r\n" lines in every mode: a quadratic walk would take
 * minutes here. One changed byte at the very end must still be seen.
 */
static void test_large(void)
{
	size_t n = 8u << 20, i;
	char *a = malloc(n), *b = malloc(n);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	for (i = 0; i + 6 <= n; i += 6)
		memcpy(a + i, "123 \r\n", 6);
	memset(a + i, '\n', n - i);
	memcpy(b, a, n);
	for (int m = CR_COMPARE_EXACT; m <= CR_COMPARE_FLOAT; m++)
		CU_ASSERT_TRUE(cr_output_matches((enum cr_compare)m, EPS, a, n, b, n));
	b[i - 4] = '4';
	for (int m = CR_COMPARE_EXACT; m <= CR_COMPARE_FLOAT; m++)
		CU_ASSERT_FALSE(cr_output_matches((enum cr_compare)m, EPS, a, n, b, n));
	free(a);
	free(b);
}

void compare_suite(void)
{
	static const struct cr_test tests[] = {
		{ "cases", test_cases },
		{ "symmetric", test_symmetric },
		{ "relative epsilon uses want", test_relative_uses_want },
		{ "long numbers", test_long_number },
		{ "names", test_names },
		{ "unknown names", test_unknown_names },
		{ "large inputs", test_large },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("compare", tests);
}
