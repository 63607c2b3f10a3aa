/*
 * runner/cgroup.c: the counters the runner reads from the container's memory
 * cgroup, from fixture files standing in for the group's directory.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t/unit/cu.h"
#include "worker/runner/cgroup.h"

void cgroup_suite(void);

static int put(const char *dir, const char *name, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!(f = fopen(path, "we")))
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* A fixture group directory holding one memory.stat (none when stat is NULL). */
static int64_t resident(const char *top, int version, const char *stat)
{
	static int n;
	struct cgroup_mem cg = { .version = version };

	snprintf(cg.dir, sizeof cg.dir, "%s/g%d", top, n++);
	if (mkdir(cg.dir, 0755) < 0 || (stat && put(cg.dir, "memory.stat", stat) < 0))
		return -2;	/* no such value: the fixture failed */
	return cgroup_resident_bytes(&cg);
}

static void test_resident_bytes(void)
{
	static const struct {
		const char *name;
		int version;
		const char *stat;
		int64_t want;
	} rows[] = {
		/* v1: rss + shmem; the lookalike names around them do not count */
		{ "v1", 1, "cache 8192\nrss_huge 2097152\ntotal_rss 99999\nrss 4096\n"
			   "shmem 1024\nmapped_file 0\ntotal_shmem 7\n", 5120 },
		{ "v1 zero", 1, "cache 0\nrss 0\nshmem 0\n", 0 },
		{ "v1 huge values", 1, "rss 9000000000\nshmem 1000000000\n", 10000000000LL },
		{ "v1 no shmem", 1, "cache 8192\nrss 4096\nrss_huge 0\ntotal_shmem 7\n", -1 },
		{ "v1 only lookalikes", 1, "rss_huge 0\ntotal_rss 4096\nshmem 0\n", -1 },
		{ "v1 reads rss, not v2's anon", 1, "anon 4096\nshmem 1024\n", -1 },
		/* v2: anon + shmem; anon_thp is not anon */
		{ "v2", 2, "anon_thp 2097152\nanon 4096\nfile 8192\nshmem 512\nfile_mapped 0\n",
		  4608 },
		{ "v2 no shmem", 2, "anon 4096\nfile 8192\nshmem_thp 0\n", -1 },
		{ "v2 reads anon, not v1's rss", 2, "rss 4096\nshmem 512\n", -1 },
		{ "v2 empty file", 2, "", -1 },
		{ "v1 no memory.stat", 1, NULL, -1 },
		{ "v2 no memory.stat", 2, NULL, -1 },
		{ "version 0: no cgroup", 0, "rss 4096\nanon 4096\nshmem 512\n", -1 },
	};
	char tmpl[] = "/tmp/cr-cgroup-XXXXXX";
	const char *top = mkdtemp(tmpl);

	CU_ASSERT_PTR_NOT_NULL_FATAL(top);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int64_t got = resident(top, rows[i].version, rows[i].stat);

		if (got != rows[i].want)
			fprintf(stderr, "\n  row \"%s\": %lld, want %lld\n", rows[i].name,
				(long long)got, (long long)rows[i].want);
		CU_ASSERT_EQUAL(got, rows[i].want);
	}
	CU_ASSERT_EQUAL(nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void test_read(void)
{
	char tmpl[] = "/tmp/cr-cgroup-XXXXXX";
	const char *top = mkdtemp(tmpl);
	struct cgroup_mem cg = { .version = 1 };
	struct cgroup_counters c;
	char path[1024];

	CU_ASSERT_PTR_NOT_NULL_FATAL(top);
	snprintf(cg.dir, sizeof cg.dir, "%s", top);
	/* v1: oom_kill after its lookalike oom_kill_disable */
	CU_ASSERT_EQUAL(put(top, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n"
			    "oom_kill 3\n"), 0);
	CU_ASSERT_EQUAL(put(top, "memory.failcnt", "17\n"), 0);
	CU_ASSERT_EQUAL(put(top, "memory.max_usage_in_bytes", "1048576\n"), 0);
	cgroup_read(&cg, &c);
	CU_ASSERT_EQUAL(c.oom_kill, 3);
	CU_ASSERT_EQUAL(c.failcnt, 17);
	CU_ASSERT_EQUAL(c.peak_bytes, 1048576);
	/* an old kernel: no oom_kill line */
	CU_ASSERT_EQUAL(put(top, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n"), 0);
	cgroup_read(&cg, &c);
	CU_ASSERT_EQUAL(c.oom_kill, -1);
	/* v2: memory.events ("max" is the failcnt equivalent), memory.peak */
	cg.version = 2;
	CU_ASSERT_EQUAL(put(top, "memory.events", "low 0\nhigh 0\nmax 5\noom 2\noom_kill 1\n"
			    "oom_group_kill 0\n"), 0);
	CU_ASSERT_EQUAL(put(top, "memory.peak", "2097152\n"), 0);
	cgroup_read(&cg, &c);
	CU_ASSERT_EQUAL(c.oom_kill, 1);
	CU_ASSERT_EQUAL(c.failcnt, 5);
	CU_ASSERT_EQUAL(c.peak_bytes, 2097152);
	/* no memory.peak (kernels before 5.19) */
	snprintf(path, sizeof path, "%s/memory.peak", top);
	CU_ASSERT_EQUAL(unlink(path), 0);
	cgroup_read(&cg, &c);
	CU_ASSERT_EQUAL(c.peak_bytes, -1);
	CU_ASSERT_EQUAL(c.oom_kill, 1);
	/* no cgroup at all: every counter unknown */
	cg.version = 0;
	cgroup_read(&cg, &c);
	CU_ASSERT(c.oom_kill == -1 && c.failcnt == -1 && c.peak_bytes == -1);
	CU_ASSERT_EQUAL(nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void test_oom_between(void)
{
	static const struct {
		const char *name;
		struct cgroup_counters before, after;
		bool sigkill;
		bool want;
	} rows[] = {
		{ "counter rose", { 0, 0, 0 }, { 1, 0, 0 }, false, true },
		{ "counter still", { 2, 5, 0 }, { 2, 9, 0 }, true, false },	/* the counter wins */
		{ "no counter: failcnt rose and a SIGKILL", { -1, 3, 0 }, { -1, 4, 0 }, true, true },
		{ "no counter: failcnt rose, no SIGKILL", { -1, 3, 0 }, { -1, 4, 0 }, false, false },
		{ "no counter: SIGKILL, failcnt still", { -1, 3, 0 }, { -1, 3, 0 }, true, false },
		{ "nothing known", { -1, -1, 0 }, { -1, -1, 0 }, true, false },
		{ "counter gone after", { 0, 3, 0 }, { -1, 4, 0 }, true, true },
	};

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		bool got = cgroup_oom_between(&rows[i].before, &rows[i].after, rows[i].sigkill);

		if (got != rows[i].want)
			fprintf(stderr, "\n  row \"%s\": %d\n", rows[i].name, got);
		CU_ASSERT_EQUAL(got, rows[i].want);
	}
}

void cgroup_suite(void)
{
	static const struct cr_test tests[] = {
		{ "resident bytes table", test_resident_bytes },
		{ "read counters", test_read },
		{ "oom between table", test_oom_between },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("cgroup", tests);
}
