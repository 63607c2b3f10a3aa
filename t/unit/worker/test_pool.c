/* pool.c: sizing decisions, matching a container to a submission, staleness. */
#include "config.h"

#include <poll.h>
#include <string.h>

#include "t/unit/cu.h"
#include "worker/pool.h"

void pool_suite(void);

/* pool_next_target(target, floor, max, misses, idle) */
static const struct {
	int target, floor, max, misses;
	bool idle;
	int want;
} targets[] = {
	{ 1, 1, 4, 0, false, 1 },	/* steady */
	{ 1, 1, 4, 1, false, 2 },	/* one miss: one more */
	{ 2, 1, 4, 5, false, 4 },	/* a burst: capped at max */
	{ 4, 1, 4, 1, false, 4 },	/* already at max */
	{ 4, 1, 4, 0, true, 3 },	/* idle: one step down */
	{ 1, 1, 4, 0, true, 1 },	/* never below the floor */
	{ 3, 1, 4, 1, true, 4 },	/* a miss beats idleness */
	{ 0, 2, 4, 0, false, 2 },	/* below the floor (new entry): raised */
	{ 9, 1, 4, 0, false, 4 },	/* above max (max lowered): lowered */
	{ 2, 2, 1, 0, false, 2 },	/* max below floor: the floor wins */
	{ 0, 0, 0, 3, false, 0 },	/* the pool is off */
	{ 1, 1, 4, 2147483647, false, 4 },	/* no overflow */
};

static void test_next_target(void)
{
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		int got = pool_next_target(targets[i].target, targets[i].floor, targets[i].max,
					   targets[i].misses, targets[i].idle);

		CU_ASSERT_EQUAL(got, targets[i].want);
		if (got != targets[i].want)
			fprintf(stderr, "case %zu: got %d want %d\n", i, got, targets[i].want);
	}
}

static void test_deficit(void)
{
	CU_ASSERT_EQUAL(pool_deficit(2, 0, 0), 2);
	CU_ASSERT_EQUAL(pool_deficit(2, 1, 0), 1);
	CU_ASSERT_EQUAL(pool_deficit(2, 1, 1), 0);	/* one on its way */
	CU_ASSERT_EQUAL(pool_deficit(2, 3, 0), 0);	/* shrinking: never negative */
	CU_ASSERT_EQUAL(pool_deficit(0, 0, 0), 0);
}

static void test_key_matches(void)
{
	struct pool_key k = { .image = "coderank/python:1", .memory_mb = 256, .processes = 64,
			      .cpu_millicores = 1000 };
	struct pool_key w = k;

	CU_ASSERT_TRUE(pool_key_matches(&k, &w));
	/* every container-level limit must agree, or the cold path runs it */
	snprintf(w.image, sizeof(w.image), "coderank/python:2");
	CU_ASSERT_FALSE(pool_key_matches(&k, &w));
	w = k;
	w.memory_mb = 512;
	CU_ASSERT_FALSE(pool_key_matches(&k, &w));
	w = k;
	w.processes = 65;
	CU_ASSERT_FALSE(pool_key_matches(&k, &w));
	w = k;
	w.cpu_millicores = 2000;
	CU_ASSERT_FALSE(pool_key_matches(&k, &w));
	w = k;
	snprintf(w.image, sizeof(w.image), "coderank/python:1 ");
	CU_ASSERT_FALSE(pool_key_matches(&k, &w));
}

static void test_fresh(void)
{
	/* waiting quietly, young, current: good */
	CU_ASSERT_TRUE(pool_container_fresh(1000, 2000, 600000, true, 0));
	CU_ASSERT_TRUE(pool_container_fresh(1000, 601000, 600000, true, 0));
	/* too old: dockerd may have changed under it, replace it */
	CU_ASSERT_FALSE(pool_container_fresh(1000, 601001, 600000, true, 0));
	/* its language's limits changed */
	CU_ASSERT_FALSE(pool_container_fresh(1000, 2000, 600000, false, 0));
	/* a waiting runner writes nothing: data or EOF means dead (dockerd restart) */
	CU_ASSERT_FALSE(pool_container_fresh(1000, 2000, 600000, true, POLLIN));
	CU_ASSERT_FALSE(pool_container_fresh(1000, 2000, 600000, true, POLLHUP));
	CU_ASSERT_FALSE(pool_container_fresh(1000, 2000, 600000, true, POLLERR));
	CU_ASSERT_FALSE(pool_container_fresh(1000, 2000, 600000, true, POLLNVAL));
	CU_ASSERT_TRUE(pool_container_fresh(1000, 2000, 600000, true, POLLOUT));
}

void pool_suite(void)
{
	static const struct cr_test tests[] = {
		{ "next target table", test_next_target },
		{ "deficit", test_deficit },
		{ "key matches", test_key_matches },
		{ "fresh", test_fresh },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("pool", tests);
}
