/* RFC 3339 formatting against known instants, and the two clocks. */
#include "config.h"

#include <string.h>
#include <time.h>

#include "common/timefmt.h"
#include "t/unit/cu.h"

void timefmt_suite(void);

static const struct {
	int64_t t;
	const char *s;
} cases[] = {
	{ 0, "1970-01-01T00:00:00Z" },
	{ 1767090600, "2025-12-30T10:30:00Z" },		/* API.md's example */
	{ 951782400, "2000-02-29T00:00:00Z" },		/* leap day */
	{ 1709251199, "2024-02-29T23:59:59Z" },
	{ 2147483647, "2038-01-19T03:14:07Z" },
	{ 2147483648LL, "2038-01-19T03:14:08Z" },	/* past 32-bit time_t */
	{ 253402300799LL, "9999-12-31T23:59:59Z" },
	{ 253402300800LL, "9999-12-31T23:59:59Z" },	/* clamped */
	{ -1, "1969-12-31T23:59:59Z" },
};

static void test_rfc3339(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[CR_RFC3339_LEN + 2];

		memset(out, 'x', sizeof(out));
		cr_time_rfc3339(cases[i].t, out);
		CU_ASSERT_STRING_EQUAL(out, cases[i].s);
		CU_ASSERT_EQUAL(out[CR_RFC3339_LEN + 1], 'x');	/* no overrun */
	}
}

static void test_clocks(void)
{
	int64_t a = cr_monotonic_ms(), b;
	int64_t now = cr_now();
	struct timespec ts = { 0, 20 * 1000000L };

	CU_ASSERT(now > 1700000000);
	CU_ASSERT(now - (int64_t)time(NULL) <= 1 && (int64_t)time(NULL) - now <= 1);
	nanosleep(&ts, NULL);
	b = cr_monotonic_ms();
	CU_ASSERT(b - a >= 20);
	CU_ASSERT(b - a < 5000);
}

void timefmt_suite(void)
{
	static const struct cr_test tests[] = {
		{ "rfc3339 table", test_rfc3339 },
		{ "clocks", test_clocks },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("timefmt", tests);
}
