/* The age of `coderank-admin purge --older-than`: units, bounds, and what is refused. */
#include "config.h"

#include <string.h>

#include "common/purge.h"
#include "t/unit/cu.h"

void purge_suite(void);

static const struct {
	const char *text;
	int hours;		/* -1: refused */
} ages[] = {
	{ "30d", 30 * 24 },
	{ "30", 30 * 24 },	/* a plain number is days */
	{ "12h", 12 },
	{ "1h", 1 },
	{ "1", 24 },
	{ "007d", 7 * 24 },
	{ "36500d", 36500 * 24 },
	{ "876000h", 876000 },
	{ "36501d", -1 },	/* above CR_PURGE_MAX_DAYS */
	{ "876001h", -1 },
	{ "0", -1 },
	{ "0d", -1 },
	{ "0h", -1 },
	{ "", -1 },
	{ "d", -1 },
	{ "h", -1 },
	{ "-1d", -1 },
	{ "+1d", -1 },
	{ " 1d", -1 },
	{ "1d ", -1 },
	{ "1.5d", -1 },
	{ "1w", -1 },
	{ "1m", -1 },
	{ "1D", -1 },
	{ "1dd", -1 },
	{ "1hd", -1 },
	{ "99999999999999999999d", -1 },	/* would overflow */
	{ "2147483648h", -1 },
	{ "0x10", -1 },
};

static void test_parse_age(void)
{
	for (size_t i = 0; i < sizeof(ages) / sizeof(ages[0]); i++) {
		char err[256] = "";
		int hours = -7;
		int r = cr_purge_parse_age(ages[i].text, &hours, err, sizeof(err));

		if (ages[i].hours < 0) {
			CU_ASSERT_EQUAL(r, -1);
			CU_ASSERT_EQUAL(hours, -7);	/* untouched */
			CU_ASSERT(strlen(err) > 0);
		} else {
			CU_ASSERT_EQUAL(r, 0);
			CU_ASSERT_EQUAL(hours, ages[i].hours);
		}
		if ((ages[i].hours < 0) != (r < 0))
			fprintf(stderr, "age \"%s\": %d (%s)\n", ages[i].text, r, err);
	}
}

/* The message quotes the input, cut short, and says what to write. */
static void test_messages(void)
{
	char err[256];
	int hours;

	CU_ASSERT_EQUAL(cr_purge_parse_age("3 weeks", &hours, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "\"3 weeks\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "30d"));
	CU_ASSERT_EQUAL(cr_purge_parse_age("0d", &hours, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "from 1h to 36500d"));
}

/* The steps run in order, and the statement table is indexed by them. */
static void test_steps(void)
{
	CU_ASSERT_STRING_EQUAL(cr_purge_stmts[CR_PURGE_SUBMISSIONS].name, "purge_submissions");
	CU_ASSERT_STRING_EQUAL(cr_purge_stmts[CR_PURGE_RATE_LIMITS].name, "purge_rate_limits");
	CU_ASSERT_STRING_EQUAL(cr_purge_stmts[CR_PURGE_LOGIN_LIMITS].name, "purge_login_limits");
	CU_ASSERT_PTR_NULL(cr_purge_stmts[CR_PURGE_DONE + 1].name);
	CU_ASSERT_STRING_EQUAL(cr_purge_name(CR_PURGE_SUBMISSIONS), "submissions");
	CU_ASSERT_STRING_EQUAL(cr_purge_name(CR_PURGE_DONE), "nothing");
	/* queued and running submissions are never candidates */
	CU_ASSERT_PTR_NOT_NULL(strstr(cr_purge_stmts[CR_PURGE_SUBMISSIONS].sql,
				      "status NOT IN ('queued', 'running')"));
	CU_ASSERT_PTR_NOT_NULL(strstr(cr_purge_stmts[CR_PURGE_SUBMISSIONS].sql,
				      "SKIP LOCKED"));
}

void purge_suite(void)
{
	static const struct cr_test tests[] = {
		{ "parse age table", test_parse_age },
		{ "age messages", test_messages },
		{ "steps and statements", test_steps },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("purge", tests);
}
