/* Rate-limit arithmetic: window start, reset seconds, remaining, Retry-After. */
#include "config.h"

#include "fcgi/ratelimit.h"
#include "t/unit/cu.h"

void ratelimit_suite(void);

static void test_window(void)
{
	static const struct { int64_t now, start; int reset; } cases[] = {
		{ 0, 0, 60 },
		{ 1, 0, 59 },
		{ 59, 0, 1 },
		{ 60, 60, 60 },
		{ 1767090600, 1767090600, 60 },		/* 2025-12-30T10:30:00Z */
		{ 1767090659, 1767090600, 1 },
		{ 1767090630, 1767090600, 30 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t start;
		int reset;
		ratelimit_window(cases[i].now, &start, &reset);
		CU_ASSERT_EQUAL(start, cases[i].start);
		CU_ASSERT_EQUAL(reset, cases[i].reset);
		CU_ASSERT(reset >= 1 && reset <= RL_WINDOW_SECONDS);
	}
}

static void test_remaining(void)
{
	static const struct { int limit, count, remaining; bool exceeded; } cases[] = {
		{ 60, 0, 60, false },
		{ 60, 1, 59, false },
		{ 60, 59, 1, false },
		{ 60, 60, 0, false },	/* the 60th call of 60 is allowed */
		{ 60, 61, 0, true },
		{ 1, 1, 0, false },
		{ 1, 2, 0, true },
		{ 600, 1000, 0, true },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL(ratelimit_remaining(cases[i].limit, cases[i].count),
				cases[i].remaining);
		CU_ASSERT_EQUAL(ratelimit_exceeded(cases[i].limit, cases[i].count),
				cases[i].exceeded);
	}
}

static void test_retry_after(void)
{
	struct rl_state rl = { 60, 61, 0, 17, true };

	CU_ASSERT_EQUAL(ratelimit_retry_after(&rl), 17);
	rl.reset = 0;
	CU_ASSERT_EQUAL(ratelimit_retry_after(&rl), 1);	/* never "Retry-After: 0" */
	ratelimit_window(1767090659, &rl.window_start, &rl.reset);
	CU_ASSERT_EQUAL(ratelimit_retry_after(&rl), 1);
}

void ratelimit_suite(void)
{
	static const struct cr_test tests[] = {
		{ "window start and reset", test_window },
		{ "remaining and exceeded", test_remaining },
		{ "Retry-After", test_retry_after },
		{ NULL, NULL },
	};
	CR_ADD_SUITE("ratelimit", tests);
}
