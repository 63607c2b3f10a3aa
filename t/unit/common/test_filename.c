/*
 * File names of multi-file programs: a table of names with the verdict and,
 * for rejections, the phrase that explains it, plus the length and depth
 * limits built at run time.
 */
#include "config.h"

#include <string.h>

#include "common/filename.h"
#include "t/unit/cu.h"

void filename_suite(void);

#define S(lit) lit, sizeof(lit) - 1	/* string literal with its length (NULs kept) */

#define BAD_CHAR "has a character other than A-Z a-z 0-9 . _ + -"

static const struct {
	const char *name;
	size_t len;
	const char *why;	/* NULL: valid */
} cases[] = {
	{ S("util.py"), NULL },
	{ S("a/b/c/d/e.py"), NULL },	/* 4 directory levels */
	{ S("pkg/Main.java"), NULL },
	{ S("x+y.c"), NULL },
	{ S("Makefile"), NULL },
	{ S(".hidden"), NULL },
	{ S("..."), NULL },		/* only "." and ".." are special */
	{ S("a..b"), NULL },
	{ S("a-b_c.d"), NULL },
	{ S("x"), NULL },
	{ S(""), "is empty" },
	{ S("/etc/passwd"), "must be relative" },
	{ S("/"), "must be relative" },
	{ S(".."), "must not contain '..'" },
	{ S("../x"), "must not contain '..'" },
	{ S("a/../../x"), "must not contain '..'" },
	{ S("a/.."), "must not contain '..'" },
	{ S("."), "must not contain a '.' component" },
	{ S("./a"), "must not contain a '.' component" },
	{ S("a/./b"), "must not contain a '.' component" },
	{ S("a//b"), "has an empty component" },
	{ S("a/"), "must not end with '/'" },
	{ S("a/b/"), "must not end with '/'" },
	{ S("-o"), "has a component starting with '-'" },
	{ S("a/-b/c"), "has a component starting with '-'" },
	{ S("a/--help"), "has a component starting with '-'" },
	{ S("a\nb"), BAD_CHAR },
	{ S("a\tb"), BAD_CHAR },
	{ S("a\x7f"), BAD_CHAR },
	{ S("\x1b[31m"), BAD_CHAR },
	{ S("a\0b"), BAD_CHAR },
	{ S("a.c\0"), BAD_CHAR },
	{ S("my file.c"), BAD_CHAR },
	{ S("caf\xc3\xa9.py"), BAD_CHAR },
	{ S("a\\b"), BAD_CHAR },
	{ S("a*"), BAD_CHAR },
	{ S("$(x)"), BAD_CHAR },
	{ S("a;b"), BAD_CHAR },
	{ S("'a'"), BAD_CHAR },
	{ S("~/a"), BAD_CHAR },
	{ S("a:b"), BAD_CHAR },
	{ S("a/b/c/d/e/f.py"), "has more than 4 directory levels" },
	{ S("a/b/c/d/e/f/g/h"), "has more than 4 directory levels" },
};

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char why[128] = "untouched";
		bool ok = cr_file_name_check(cases[i].name, cases[i].len, why, sizeof(why));

		if (ok != !cases[i].why || (cases[i].why && strcmp(why, cases[i].why) != 0))
			fprintf(stderr, "\ncase %zu: got %d \"%s\"\n", i, ok, ok ? "" : why);
		CU_ASSERT_EQUAL(ok, cases[i].why == NULL);
		if (cases[i].why)
			CU_ASSERT_STRING_EQUAL(why, cases[i].why);
	}
}

static void test_lengths(void)
{
	char name[300], why[128];

	/* 255 bytes: 100 + '/' + 100 + '/' + 53. */
	memset(name, 'a', sizeof(name));
	name[100] = '/';
	name[201] = '/';
	CU_ASSERT_TRUE(cr_file_name_check(name, 255, why, sizeof(why)));
	CU_ASSERT_FALSE(cr_file_name_check(name, 256, why, sizeof(why)));
	CU_ASSERT_STRING_EQUAL(why, "is longer than 255 bytes");

	/* A component of 100 bytes is fine, 101 is not. */
	memset(name, 'b', sizeof(name));
	CU_ASSERT_TRUE(cr_file_name_check(name, 100, why, sizeof(why)));
	CU_ASSERT_FALSE(cr_file_name_check(name, 101, why, sizeof(why)));
	CU_ASSERT_STRING_EQUAL(why, "has a component longer than 100 bytes");
	name[0] = 'x';
	name[1] = '/';
	CU_ASSERT_TRUE(cr_file_name_check(name, 102, why, sizeof(why)));
	CU_ASSERT_FALSE(cr_file_name_check(name, 103, why, sizeof(why)));
	CU_ASSERT_STRING_EQUAL(why, "has a component longer than 100 bytes");
}

/* why may be NULL or tiny: a short phrase is cut, never overflowed. */
static void test_why_buffer(void)
{
	char why[6] = "xxxxx";

	CU_ASSERT_FALSE(cr_file_name_check(S("/a"), NULL, 0));
	CU_ASSERT_TRUE(cr_file_name_check(S("a"), NULL, 0));
	CU_ASSERT_FALSE(cr_file_name_check(S("/a"), why, sizeof(why)));
	CU_ASSERT_STRING_EQUAL(why, "must ");
	CU_ASSERT_FALSE(cr_file_name_check(S("/a"), why, 0));
	CU_ASSERT_STRING_EQUAL(why, "must ");
}

void filename_suite(void)
{
	static const struct cr_test tests[] = {
		{ "cases", test_cases },
		{ "length limits", test_lengths },
		{ "why buffer", test_why_buffer },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("filename", tests);
}
