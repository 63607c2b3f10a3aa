/* cr_buf: growth, NUL termination, the cap and its sticky flag, detach. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "t/unit/cu.h"

void buf_suite(void);

static void test_init_empty(void)
{
	struct cr_buf b = CR_BUF_INIT;

	CU_ASSERT_PTR_NOT_NULL(b.data);
	CU_ASSERT_STRING_EQUAL(b.data, "");
	CU_ASSERT_EQUAL(b.len, 0);
	cr_buf_release(&b);	/* must not free the static "" */
	cr_buf_init(&b, 10);
	CU_ASSERT_PTR_EQUAL(b.data, cr_buf_empty);
	CU_ASSERT_EQUAL(b.cap, 10);
	cr_buf_release(&b);
	cr_buf_release(NULL);
}

static void test_append(void)
{
	struct cr_buf b = CR_BUF_INIT;

	CU_ASSERT_EQUAL(cr_buf_addstr(&b, "hello"), 0);
	CU_ASSERT_EQUAL(cr_buf_addch(&b, ' '), 0);
	CU_ASSERT_EQUAL(cr_buf_addf(&b, "%s %d", "world", 42), 0);
	CU_ASSERT_STRING_EQUAL(b.data, "hello world 42");
	CU_ASSERT_EQUAL(b.len, 14);
	CU_ASSERT_EQUAL(cr_buf_add(&b, "\0x", 2), 0);
	CU_ASSERT_EQUAL(b.len, 16);
	CU_ASSERT_EQUAL(b.data[14], '\0');
	CU_ASSERT_EQUAL(b.data[15], 'x');
	CU_ASSERT_EQUAL(b.data[16], '\0');
	cr_buf_release(&b);
	CU_ASSERT_EQUAL(b.len, 0);
	CU_ASSERT_STRING_EQUAL(b.data, "");
}

static void test_grow_large(void)
{
	struct cr_buf b = CR_BUF_INIT;

	for (int i = 0; i < 10000; i++)
		cr_buf_addf(&b, "%04d", i % 10000);
	CU_ASSERT_EQUAL(b.len, 40000);
	CU_ASSERT_EQUAL(memcmp(b.data + 39996, "9999", 4), 0);
	CU_ASSERT_EQUAL(b.data[b.len], '\0');
	CU_ASSERT(b.alloc > b.len);
	cr_buf_release(&b);
}

static void test_cap(void)
{
	struct cr_buf b;

	cr_buf_init(&b, 8);
	CU_ASSERT_EQUAL(cr_buf_addstr(&b, "12345"), 0);
	CU_ASSERT_FALSE(b.overflowed);
	CU_ASSERT_EQUAL(cr_buf_addstr(&b, "67890"), -1);
	CU_ASSERT_TRUE(b.overflowed);
	CU_ASSERT_EQUAL(b.len, 8);
	CU_ASSERT_STRING_EQUAL(b.data, "12345678");
	/* Full: nothing more fits, and the flag stays set. */
	CU_ASSERT_EQUAL(cr_buf_addch(&b, 'x'), -1);
	CU_ASSERT_EQUAL(b.len, 8);
	CU_ASSERT_TRUE(b.overflowed);
	/* Consuming makes room; the flag is sticky until reset. */
	cr_buf_consume(&b, 4);
	CU_ASSERT_STRING_EQUAL(b.data, "5678");
	CU_ASSERT_EQUAL(cr_buf_addstr(&b, "ab"), 0);
	CU_ASSERT_TRUE(b.overflowed);
	CU_ASSERT_STRING_EQUAL(b.data, "5678ab");
	cr_buf_reset(&b);
	CU_ASSERT_FALSE(b.overflowed);
	CU_ASSERT_EQUAL(b.len, 0);
	CU_ASSERT_STRING_EQUAL(b.data, "");
	CU_ASSERT_EQUAL(b.cap, 8);
	cr_buf_release(&b);
}

static void test_cap_addf(void)
{
	struct cr_buf b;

	cr_buf_init(&b, 6);
	CU_ASSERT_EQUAL(cr_buf_addf(&b, "%d-%s", 123, "abcdef"), -1);
	CU_ASSERT_TRUE(b.overflowed);
	CU_ASSERT_EQUAL(b.len, 6);
	CU_ASSERT_STRING_EQUAL(b.data, "123-ab");
	cr_buf_release(&b);
	/* Exactly at the cap is not an overflow. */
	cr_buf_init(&b, 3);
	CU_ASSERT_EQUAL(cr_buf_addstr(&b, "abc"), 0);
	CU_ASSERT_FALSE(b.overflowed);
	cr_buf_release(&b);
}

static void test_detach(void)
{
	struct cr_buf b = CR_BUF_INIT;
	size_t len = 99;
	char *s;

	s = cr_buf_detach(&b, &len);	/* empty: still a heap string */
	CU_ASSERT_STRING_EQUAL(s, "");
	CU_ASSERT_EQUAL(len, 0);
	free(s);
	cr_buf_addstr(&b, "owned");
	s = cr_buf_detach(&b, &len);
	CU_ASSERT_STRING_EQUAL(s, "owned");
	CU_ASSERT_EQUAL(len, 5);
	CU_ASSERT_PTR_EQUAL(b.data, cr_buf_empty);
	CU_ASSERT_EQUAL(b.len, 0);
	free(s);
}

static void test_consume(void)
{
	struct cr_buf b = CR_BUF_INIT;

	cr_buf_addstr(&b, "abcdef");
	cr_buf_consume(&b, 2);
	CU_ASSERT_STRING_EQUAL(b.data, "cdef");
	CU_ASSERT_EQUAL(b.len, 4);
	cr_buf_consume(&b, 100);
	CU_ASSERT_EQUAL(b.len, 0);
	CU_ASSERT_STRING_EQUAL(b.data, "");
	cr_buf_consume(&b, 1);	/* on empty: no-op */
	CU_ASSERT_EQUAL(b.len, 0);
	cr_buf_release(&b);
	cr_buf_consume(&b, 1);	/* on the static "" */
	CU_ASSERT_STRING_EQUAL(b.data, "");
}

static void test_reset_keeps_memory(void)
{
	struct cr_buf b = CR_BUF_INIT;
	char *p;

	cr_buf_addstr(&b, "some text");
	p = b.data;
	cr_buf_reset(&b);
	CU_ASSERT_PTR_EQUAL(b.data, p);
	CU_ASSERT_STRING_EQUAL(b.data, "");
	cr_buf_grow(&b, 5);
	CU_ASSERT_PTR_EQUAL(b.data, p);
	cr_buf_release(&b);
}

void buf_suite(void)
{
	static const struct cr_test tests[] = {
		{ "init and empty", test_init_empty },
		{ "append", test_append },
		{ "grow large", test_grow_large },
		{ "cap is sticky", test_cap },
		{ "cap with addf", test_cap_addf },
		{ "detach", test_detach },
		{ "consume", test_consume },
		{ "reset keeps memory", test_reset_keeps_memory },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("buf", tests);
}
