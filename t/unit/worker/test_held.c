/* held.c: sandbox mode's uid rotation, lookup, LRU eviction and retire decisions. */
#include "config.h"

#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>

#include "t/unit/cu.h"
#include "worker/frame.h"
#include "worker/held.h"
#include "worker/verdict.h"

void held_suite(void);

static void test_uid(void)
{
	static const struct { int runs, want; } rows[] = {
		{ 0, HELD_UID_BASE },
		{ 1, HELD_UID_BASE + 1 },
		{ HELD_UID_COUNT - 1, HELD_UID_BASE + HELD_UID_COUNT - 1 },
		{ HELD_UID_COUNT, HELD_UID_BASE },		/* wraps: the range is reused */
		{ HELD_UID_COUNT + 1, HELD_UID_BASE + 1 },
		{ -1, HELD_UID_BASE },				/* never below the range */
		{ INT_MAX, HELD_UID_BASE + INT_MAX % HELD_UID_COUNT },
	};

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int got = held_uid(rows[i].runs);

		if (got != rows[i].want)
			fprintf(stderr, "\n  runs %d: uid %d, want %d\n", rows[i].runs, got,
				rows[i].want);
		CU_ASSERT_EQUAL(got, rows[i].want);
	}
	/* consecutive runs of one container never share a uid (the wipe relies on it) */
	for (int r = 0; r < 3 * HELD_UID_COUNT; r++)
		CU_ASSERT_NOT_EQUAL(held_uid(r), held_uid(r + 1));
}

static struct pool_key key(const char *image, int memory_mb)
{
	struct pool_key k = { .memory_mb = memory_mb, .processes = 64, .cpu_millicores = 1000 };

	snprintf(k.image, sizeof k.image, "%s", image);
	return k;
}

static void put(struct held_set *set, int i, const char *language, struct pool_key k,
		int64_t last_used_ms)
{
	set->h[i].used = true;
	snprintf(set->h[i].language, sizeof set->h[i].language, "%s", language);
	set->h[i].key = k;
	set->h[i].last_used_ms = last_used_ms;
}

static void test_find(void)
{
	struct held_set set = { 0 };
	struct pool_key py = key("coderank/python:1", 256), c = key("coderank/c:1", 256);
	struct pool_key py512 = key("coderank/python:1", 512);

	CU_ASSERT_PTR_NULL(held_find(&set, &py));
	/* a freed entry keeps its old key: it must not be found */
	put(&set, 0, "python", py, 1);
	set.h[0].used = false;
	CU_ASSERT_PTR_NULL(held_find(&set, &py));
	put(&set, 3, "c", c, 1);
	put(&set, 5, "python", py, 1);
	CU_ASSERT_PTR_EQUAL(held_find(&set, &py), &set.h[5]);
	CU_ASSERT_PTR_EQUAL(held_find(&set, &c), &set.h[3]);
	/* another container-level limit is another container */
	CU_ASSERT_PTR_NULL(held_find(&set, &py512));
}

static void test_stale_language(void)
{
	struct held_set set = { 0 };
	struct pool_key py = key("coderank/python:1", 256), py2 = key("coderank/python:2", 256);
	struct pool_key c = key("coderank/c:1", 256);

	CU_ASSERT_PTR_NULL(held_stale_language(&set, "python", &py2, &py2));
	put(&set, 2, "python", py, 1);
	put(&set, 4, "c", c, 1);
	/* the row changed (new image): the old container is stale */
	CU_ASSERT_PTR_EQUAL(held_stale_language(&set, "python", &py2, &py2), &set.h[2]);
	/* same key: current, not stale */
	CU_ASSERT_PTR_NULL(held_stale_language(&set, "python", &py, &py));
	/* another language's containers are not this one's business */
	CU_ASSERT_PTR_NULL(held_stale_language(&set, "c", &c, &c));
	CU_ASSERT_PTR_NULL(held_stale_language(&set, "java", &py2, &py2));
	/* a prefix of the language name is another language */
	CU_ASSERT_PTR_NULL(held_stale_language(&set, "pyth", &py2, &py2));
	/* a request's own memory limit: its container and the row's are both current */
	struct pool_key py64 = key("coderank/python:1", 64);
	put(&set, 5, "python", py64, 1);
	CU_ASSERT_PTR_NULL(held_stale_language(&set, "python", &py, &py64));
	CU_ASSERT_PTR_EQUAL(held_stale_language(&set, "python", &py, &py), &set.h[5]);
	set.h[5].used = false;
	set.h[2].used = false;
	CU_ASSERT_PTR_NULL(held_stale_language(&set, "python", &py2, &py2));
}

static void test_slot_for(void)
{
	struct held_set set = { 0 };
	struct pool_key k = key("coderank/python:1", 256);
	bool evict = true;

	/* empty: the first entry, nothing to evict */
	CU_ASSERT_PTR_EQUAL(held_slot_for(&set, &evict), &set.h[0]);
	CU_ASSERT_FALSE(evict);
	/* the first free one, even after used ones */
	put(&set, 0, "a", k, 100);
	put(&set, 1, "b", k, 50);
	evict = true;
	CU_ASSERT_PTR_EQUAL(held_slot_for(&set, &evict), &set.h[2]);
	CU_ASSERT_FALSE(evict);
	/* a hole in the middle is reused */
	for (int i = 2; i < HELD_MAX; i++)
		put(&set, i, "x", k, 1000 + i);
	set.h[4].used = false;
	evict = true;
	CU_ASSERT_PTR_EQUAL(held_slot_for(&set, &evict), &set.h[4]);
	CU_ASSERT_FALSE(evict);
	/* full: the least recently used one, to be evicted */
	set.h[4].used = true;
	CU_ASSERT_PTR_EQUAL(held_slot_for(&set, &evict), &set.h[1]);
	CU_ASSERT_TRUE(evict);
	/* the LRU last in the array is found too */
	set.h[HELD_MAX - 1].last_used_ms = 0;
	CU_ASSERT_PTR_EQUAL(held_slot_for(&set, &evict), &set.h[HELD_MAX - 1]);
	CU_ASSERT_TRUE(evict);
}

/* ---- held_retire_reason, through verdict_map as slot.c does ---------------- */

struct retire_row {
	const char *name;
	char *error, *dirty;	/* what the runner said */
	bool clean, compiled, compile_timeout, ran, timeout, oom, out_trunc;
	int compile_exit, compile_signal, exit_code, signal;
	int runs, max_runs;
	const char *want;	/* NULL: kept */
};

static const struct retire_row retire_rows[] = {
	{ "completed: kept", .clean = true, .ran = true, .runs = 1, .max_runs = 100 },
	{ "exit 1: kept (an ordinary failure)", .clean = true, .ran = true, .exit_code = 1,
	  .runs = 1, .max_runs = 100 },
	{ "compile error: kept", .clean = true, .compiled = true, .compile_exit = 1,
	  .runs = 1, .max_runs = 100 },
	{ "one below max runs: kept", .clean = true, .ran = true, .runs = 99, .max_runs = 100 },
	{ "runner error", .error = "fork failed", .clean = true, .runs = 1, .max_runs = 100,
	  .want = "runner error" },
	{ "runner error beats dirty", .error = "fork failed", .dirty = "files left",
	  .runs = 1, .max_runs = 100, .want = "runner error" },
	{ "not clean, with the runner's reason", .ran = true, .dirty = "2 files left in /tmp",
	  .runs = 1, .max_runs = 100, .want = "2 files left in /tmp" },
	{ "not clean, no reason given", .ran = true, .runs = 1, .max_runs = 100,
	  .want = "the runner did not clean up" },
	{ "the last run, sent without keep", .ran = true, .runs = 100, .max_runs = 100,
	  .want = "sandbox_max_runs reached" },
	{ "not clean beats max runs", .ran = true, .dirty = "shm left", .runs = 100,
	  .max_runs = 100, .want = "shm left" },
	{ "clean but nothing ran (the worker's retry)", .clean = true, .runs = 1,
	  .max_runs = 100, .want = "runner error" },
	{ "run timeout", .clean = true, .ran = true, .timeout = true, .exit_code = -1,
	  .signal = 9, .runs = 1, .max_runs = 100, .want = "timeout" },
	{ "compile timeout", .clean = true, .compiled = true, .compile_timeout = true,
	  .compile_exit = -1, .compile_signal = 9, .runs = 1, .max_runs = 100,
	  .want = "timeout" },
	{ "memory limit", .clean = true, .ran = true, .oom = true, .exit_code = -1, .signal = 9,
	  .runs = 1, .max_runs = 100, .want = "memory_limit_exceeded" },
	{ "output limit", .clean = true, .ran = true, .out_trunc = true, .runs = 1,
	  .max_runs = 100, .want = "output_limit_exceeded" },
	{ "segfault: killed by a signal", .clean = true, .ran = true, .exit_code = -1,
	  .signal = 11, .runs = 1, .max_runs = 100, .want = "killed by a signal" },
	{ "compiler killed by a signal", .clean = true, .compiled = true, .compile_exit = -1,
	  .compile_signal = 9, .runs = 1, .max_runs = 100, .want = "killed by a signal" },
	{ "max runs reached", .clean = true, .ran = true, .runs = 100, .max_runs = 100,
	  .want = "sandbox_max_runs reached" },
	{ "past max runs", .clean = true, .ran = true, .runs = 101, .max_runs = 100,
	  .want = "sandbox_max_runs reached" },
};

static void test_retire_reason(void)
{
	static const struct verdict_limits lim = { 10, 30, 256, 65536 };

	for (size_t i = 0; i < sizeof retire_rows / sizeof retire_rows[0]; i++) {
		const struct retire_row *t = &retire_rows[i];
		struct cr_result r = {
			.error = t->error, .dirty = t->dirty, .clean = t->clean,
			.compiled = t->compiled, .compile_timeout = t->compile_timeout,
			.compile_exit = t->compile_exit,
			.compile_signal = t->compile_signal, .ran = t->ran, .timeout = t->timeout,
			.oom = t->oom, .stdout_truncated = t->out_trunc, .exit_code = t->exit_code,
			.signal = t->signal, .out = { (char *)"", 0 }, .err = { (char *)"", 0 },
			.compile_output = { (char *)"", 0 },
		};
		struct verdict v;
		const char *got;

		verdict_map(&r, &lim, &v);
		got = held_retire_reason(&r, &v, t->runs, t->max_runs);
		if ((got == NULL) != (t->want == NULL) || (got && strcmp(got, t->want) != 0))
			fprintf(stderr, "\n  row \"%s\": \"%s\", want \"%s\"\n", t->name,
				got ? got : "(kept)", t->want ? t->want : "(kept)");
		if (t->want) {
			CU_ASSERT_STRING_EQUAL(got ? got : "(kept)", t->want);
		} else {
			CU_ASSERT_PTR_NULL(got);
		}
	}
}

/* ---- held_expired ----------------------------------------------------------- */

static void test_expired(void)
{
	static const struct {
		const char *name;
		int64_t created, last_used, now;
		short revents;
		const char *want;
	} rows[] = {
		{ "fresh", 1000, 5000, 6000, 0, NULL },
		{ "writable only: fresh", 1000, 5000, 6000, POLLOUT, NULL },
		{ "readable: the runner wrote or died", 1000, 5000, 6000, POLLIN,
		  "its runner is gone" },
		{ "hung up", 1000, 5000, 6000, POLLHUP, "its runner is gone" },
		{ "error", 1000, 5000, 6000, POLLERR, "its runner is gone" },
		{ "closed fd", 1000, 5000, 6000, POLLNVAL, "its runner is gone" },
		{ "one ms short of idle", 1000, 5000, 5000 + 60000 - 1, 0, NULL },
		{ "idle exactly", 1000, 5000, 5000 + 60000, 0, "idle" },
		{ "dead beats idle", 1000, 5000, 500000, POLLHUP, "its runner is gone" },
		{ "one ms short of max age", 0, 599000, 599999, 0, NULL },
		{ "max age, though busy", 0, 599000, 600000, 0, "pool_max_age_seconds reached" },
	};

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct held h = { .used = true, .created_ms = rows[i].created,
				  .last_used_ms = rows[i].last_used };
		const char *got = held_expired(&h, rows[i].now, 60000, 600000, rows[i].revents);

		if ((got == NULL) != (rows[i].want == NULL) ||
		    (got && strcmp(got, rows[i].want) != 0))
			fprintf(stderr, "\n  row \"%s\": \"%s\", want \"%s\"\n", rows[i].name,
				got ? got : "(kept)", rows[i].want ? rows[i].want : "(kept)");
		if (rows[i].want) {
			CU_ASSERT_STRING_EQUAL(got ? got : "(kept)", rows[i].want);
		} else {
			CU_ASSERT_PTR_NULL(got);
		}
	}
}

void held_suite(void)
{
	static const struct cr_test tests[] = {
		{ "uid rotation", test_uid },
		{ "find by key", test_find },
		{ "stale language", test_stale_language },
		{ "slot for (LRU eviction)", test_slot_for },
		{ "retire reason table", test_retire_reason },
		{ "expired table", test_expired },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("held", tests);
}
