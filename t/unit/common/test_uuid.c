/* UUIDs: the canonical-form validator and v4 generation. */
#include "config.h"

#include <string.h>

#include "common/uuid.h"
#include "t/unit/cu.h"

void uuid_suite(void);

static const struct {
	const char *s;
	bool valid;
} cases[] = {
	{ "123e4567-e89b-12d3-a456-426614174000", true },
	{ "00000000-0000-0000-0000-000000000000", true },
	{ "ABCDEF01-2345-6789-ABCD-EF0123456789", true },
	{ "123e4567-e89b-12d3-a456-42661417400", false },	/* 35 */
	{ "123e4567-e89b-12d3-a456-4266141740000", false },	/* 37 */
	{ "123e4567e89b12d3a456426614174000", false },		/* no dashes */
	{ "{123e4567-e89b-12d3-a456-426614174000}", false },
	{ "123e4567-e89b-12d3-a456_426614174000", false },
	{ "123e4567-e89b-12d3-a4560426614174000-", false },
	{ "g23e4567-e89b-12d3-a456-426614174000", false },
	{ " 123e4567-e89b-12d3-a456-426614174000", false },
	{ "123e4567-e89b-12d3-a456-426614174000 ", false },
	{ "", false },
	{ "1", false },
};

static void test_valid(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cr_uuid_valid(cases[i].s) != cases[i].valid)
			fprintf(stderr, "\nuuid case %zu: \"%s\"\n", i, cases[i].s);
		CU_ASSERT_EQUAL(cr_uuid_valid(cases[i].s), cases[i].valid);
	}
	CU_ASSERT_FALSE(cr_uuid_valid(NULL));
}

static void test_generate(void)
{
	char a[CR_UUID_LEN + 1], b[CR_UUID_LEN + 1];

	CU_ASSERT_EQUAL(cr_uuid_generate(a), 0);
	CU_ASSERT_EQUAL(cr_uuid_generate(b), 0);
	CU_ASSERT_EQUAL(strlen(a), CR_UUID_LEN);
	CU_ASSERT_TRUE(cr_uuid_valid(a));
	CU_ASSERT_STRING_NOT_EQUAL(a, b);
	CU_ASSERT_EQUAL(a[14], '4');			/* version */
	CU_ASSERT_PTR_NOT_NULL(strchr("89ab", a[19]));	/* variant */
	CU_ASSERT_EQUAL(strspn(a, "0123456789abcdef-"), CR_UUID_LEN);	/* lower case */
}

static void test_generate_many(void)
{
	char u[CR_UUID_LEN + 1];
	int ok = 0;

	for (int i = 0; i < 1000; i++)
		if (cr_uuid_generate(u) == 0 && cr_uuid_valid(u) && u[14] == '4' &&
		    strchr("89ab", u[19]))
			ok++;
	CU_ASSERT_EQUAL(ok, 1000);
}

void uuid_suite(void)
{
	static const struct cr_test tests[] = {
		{ "valid() table", test_valid },
		{ "generate v4", test_generate },
		{ "generate 1000", test_generate_many },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("uuid", tests);
}
