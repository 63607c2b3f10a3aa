/*
 * The bounds of a responder process that many threads share: the hash gate
 * (at most max hashes at once, as many more waiting, the rest refused) and the
 * database connection pool (one borrower per connection, a bounded wait).
 * Real threads; no database (a pool connects only when a connection is used).
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "common/timefmt.h"
#include "fcgi/dbpool.h"
#include "fcgi/hashgate.h"
#include "fcgi/stmts.h"
#include "t/unit/cu.h"

void hold_suite(void);

struct gate_try {
	struct hashgate *g;
	bool in;
	int64_t waited_ms;
};

static void *try_enter(void *arg)
{
	struct gate_try *t = arg;
	int64_t t0 = cr_monotonic_ms();

	t->in = hashgate_enter(t->g);
	t->waited_ms = cr_monotonic_ms() - t0;
	return NULL;
}

static void test_gate_bounds(void)
{
	struct hashgate g;
	struct gate_try w1 = { &g, false, 0 }, w2 = { &g, false, 0 };
	pthread_t t1, t2;

	hashgate_init(&g, 2, 300);
	CU_ASSERT_TRUE(hashgate_enter(&g));
	CU_ASSERT_TRUE(hashgate_enter(&g));	/* two at once */
	/* the next two wait for a place; with both waiting a fifth is refused at once */
	pthread_create(&t1, NULL, try_enter, &w1);
	pthread_create(&t2, NULL, try_enter, &w2);
	for (int i = 0; i < 200; i++) {
		pthread_mutex_lock(&g.mu);
		int waiting = g.waiting;
		pthread_mutex_unlock(&g.mu);
		if (waiting == 2)
			break;
		usleep(1000);
	}
	int64_t t0 = cr_monotonic_ms();
	CU_ASSERT_FALSE(hashgate_enter(&g));
	CU_ASSERT(cr_monotonic_ms() - t0 < 100);	/* refused without waiting */
	hashgate_leave(&g);			/* one place: one waiter gets in */
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	CU_ASSERT_EQUAL(w1.in + w2.in, 1);	/* the other timed out */
	CU_ASSERT(w1.in ? w2.waited_ms >= 290 : w1.waited_ms >= 290);
	CU_ASSERT_EQUAL(g.running, 2);
	CU_ASSERT_EQUAL(g.waiting, 0);
	hashgate_leave(&g);
	hashgate_leave(&g);
	CU_ASSERT_EQUAL(g.running, 0);
	CU_ASSERT_TRUE(hashgate_enter(&g));	/* free again */
	hashgate_leave(&g);
	hashgate_release(&g);
}

static void test_gate_zero_is_one(void)
{
	struct hashgate g;

	hashgate_init(&g, 0, 10);		/* a bad max still lets one through */
	CU_ASSERT_TRUE(hashgate_enter(&g));
	hashgate_leave(&g);
	hashgate_release(&g);
}

struct pool_try {
	struct dbpool *p;
	struct cr_db *got;
};

static void *try_get(void *arg)
{
	struct pool_try *t = arg;

	t->got = dbpool_get(t->p, 2000);
	return NULL;
}

static void test_pool(void)
{
	struct dbpool p;
	struct cr_db *a, *b;
	struct pool_try w = { &p, NULL };
	pthread_t t;

	dbpool_init(&p, 2, "host=/nonexistent", api_stmts);
	a = dbpool_get(&p, 0);
	b = dbpool_get(&p, 0);
	CU_ASSERT_PTR_NOT_NULL(a);
	CU_ASSERT_PTR_NOT_NULL(b);
	CU_ASSERT_PTR_NOT_EQUAL(a, b);		/* one borrower each */
	int64_t t0 = cr_monotonic_ms();
	CU_ASSERT_PTR_NULL(dbpool_get(&p, 150));	/* none free: NULL after the wait */
	CU_ASSERT(cr_monotonic_ms() - t0 >= 140);
	pthread_create(&t, NULL, try_get, &w);
	usleep(50000);
	CU_ASSERT_PTR_NULL(w.got);		/* still waiting */
	dbpool_put(&p, b);			/* handed to the waiter */
	pthread_join(t, NULL);
	CU_ASSERT_PTR_EQUAL(w.got, b);
	dbpool_put(&p, a);
	CU_ASSERT_PTR_EQUAL(dbpool_get(&p, 0), a);	/* the lowest free: stays warm */
	dbpool_put(&p, a);
	dbpool_put(&p, b);
	dbpool_release(&p);
}

void hold_suite(void)
{
	CU_pSuite s = CU_add_suite("fcgi/hashgate+dbpool", NULL, NULL);

	CU_add_test(s, "hash gate: max at once, as many waiting, the rest refused", test_gate_bounds);
	CU_add_test(s, "hash gate: max 0 is taken as 1", test_gate_zero_is_one);
	CU_add_test(s, "connection pool: one borrower each, bounded wait", test_pool);
}
