/*
 * hostcheck.c: sandbox mode is allowed only where the memory cgroup exports
 * what the runner reads (oom_kill, rss/anon and shmem); fixture cgroup trees
 * in a temporary directory stand in for /sys/fs/cgroup.
 */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t/unit/cu.h"
#include "worker/hostcheck.h"

void hostcheck_suite(void);

static const char v1_oom_ok[] = "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n";
/* before 4.13: no counter, only the two lines whose names start like it */
static const char v1_oom_old[] = "oom_kill_disable 0\nunder_oom 0\n";
static const char v1_stat_ok[] =
	"cache 8192\nrss 4096\nrss_huge 0\nshmem 0\nmapped_file 0\ntotal_rss 4096\n";
static const char v1_stat_no_shmem[] = "cache 8192\nrss 4096\nrss_huge 0\nmapped_file 0\n";
/* rss only as a prefix or a suffix of other names: not the rss line */
static const char v1_stat_only_lookalikes[] =
	"cache 8192\nrss_huge 0\nshmem 0\ntotal_rss 4096\ntotal_shmem 0\n";

/* Writes text to root/rel, creating root/<dir of rel> first. */
static int put(const char *root, const char *rel, const char *text)
{
	char path[1024], *slash;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0755) < 0 && access(path, F_OK) < 0)
			return -1;
		*slash = '/';
	}
	if (!text)	/* a directory only */
		return mkdir(path, 0755) < 0 && access(path, F_OK) < 0 ? -1 : 0;
	f = fopen(path, "we");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* The fixture: one cgroup root per case. */
static const struct { const char *rel, *text; } files[] = {
	{ "v1ok/memory/memory.oom_control", v1_oom_ok },
	{ "v1ok/memory/memory.stat", v1_stat_ok },
	{ "v1nooom/memory/memory.oom_control", v1_oom_old },
	{ "v1nooom/memory/memory.stat", v1_stat_ok },
	{ "v1noshmem/memory/memory.oom_control", v1_oom_ok },
	{ "v1noshmem/memory/memory.stat", v1_stat_no_shmem },
	{ "v1lookalike/memory/memory.oom_control", v1_oom_ok },
	{ "v1lookalike/memory/memory.stat", v1_stat_only_lookalikes },
	{ "v1nostat/memory/memory.oom_control", v1_oom_ok },
	{ "v1nomem/cpu", NULL },
	{ "v1nomem/cpuacct", NULL },
	{ "v2ok/cgroup.controllers", "cpuset cpu io memory pids\n" },
	{ "v2last/cgroup.controllers", "cpuset cpu io pids memory" },	/* no newline */
	{ "v2nomem/cgroup.controllers", "cpuset cpu io pids\n" },
	{ "v2memoryx/cgroup.controllers", "cpuset cpu memoryx io pids\n" },
	{ "v2xmemory/cgroup.controllers", "cpuset cpu xmemory io pids\n" },
	{ "v2empty/cgroup.controllers", "" },
	{ "v2none", NULL },
};

static const struct {
	const char *root;	/* under the fixture */
	bool unified;
	const char *kernel;
	int want;
	const char *says;	/* a substring of out */
} cases[] = {
	{ "v1ok", false, "5.10.0-20-amd64", 1, "cgroup v1" },
	{ "v1ok", false, "4.13.0", 1, "kernel 4.13.0" },
	{ "v1ok", false, "6.1.0-13-amd64", 1, "oom_kill, rss, shmem" },
	{ "v1ok", false, "4.9.0-8-amd64", -1, "kernel 4.9.0-8-amd64" },	/* too old */
	{ "v1ok", false, "4.12.14", -1, "4.13" },
	{ "v1ok", false, "3.20.0", -1, "oom_kill counter" },
	{ "v1ok", false, "", -1, "oom_kill counter" },	/* unparsable: refused */
	{ "v1nooom", false, "5.10.0-20-amd64", -1, "no oom_kill counter" },
	{ "v1noshmem", false, "5.10.0-20-amd64", -1, "rss or shmem" },
	{ "v1lookalike", false, "5.10.0-20-amd64", -1, "rss or shmem" },
	{ "v1nostat", false, "5.10.0-20-amd64", -1, "memory.stat" },
	{ "v1nomem", false, "5.10.0-20-amd64", -1, "without a memory hierarchy" },
	{ "v2ok", false, "5.10.0-20-amd64", -1, "without a memory hierarchy" },	/* not v1 */
	{ "v2ok", true, "5.10.0-20-amd64", 2, "cgroup v2" },
	{ "v2ok", true, "4.13.0", 2, "memory controller" },
	{ "v2ok", true, "4.9.0-8-amd64", -1, "kernel 4.9.0-8-amd64" },
	{ "v2last", true, "6.1.0", 2, "cgroup v2" },
	{ "v2nomem", true, "5.10.0-20-amd64", -1, "without the memory controller" },
	{ "v2memoryx", true, "5.10.0-20-amd64", -1, "without the memory controller" },
	{ "v2xmemory", true, "5.10.0-20-amd64", -1, "without the memory controller" },
	{ "v2empty", true, "5.10.0-20-amd64", -1, "without the memory controller" },
	{ "v2none", true, "5.10.0-20-amd64", -1, "without the memory controller" },
	{ "v1ok", true, "5.10.0-20-amd64", -1, "cgroup v2" },	/* v1 tree, told unified */
};

static void test_table(void)
{
	char tmpl[] = "/tmp/cr-hostcheck-XXXXXX", root[1024], out[512];
	const char *top = mkdtemp(tmpl);

	CU_ASSERT_PTR_NOT_NULL_FATAL(top);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		CU_ASSERT_EQUAL(put(top, files[i].rel, files[i].text), 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc;

		snprintf(root, sizeof root, "%s/%s", top, cases[i].root);
		out[0] = '\0';
		rc = hostcheck_cgroup(root, cases[i].unified, cases[i].kernel, out, sizeof out);
		if (rc != cases[i].want || !strstr(out, cases[i].says))
			fprintf(stderr, "\n  case %zu (%s, %s): %d \"%s\", want %d \"%s\"\n", i,
				cases[i].root, cases[i].kernel, rc, out, cases[i].want,
				cases[i].says);
		CU_ASSERT_EQUAL(rc, cases[i].want);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, cases[i].says));
		/* a refusal names the place it looked at, so an operator can check it */
		if (rc < 0 && strstr(out, "kernel") != out)
			CU_ASSERT_PTR_NOT_NULL(strstr(out, top));
	}
	CU_ASSERT_EQUAL(nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	CU_ASSERT_EQUAL(access(top, F_OK), -1);
}

/* A short buffer gets a truncated, terminated reason (ASan checks the bound). */
static void test_short_buffer(void)
{
	char out[12];

	memset(out, 'x', sizeof out);
	CU_ASSERT_EQUAL(hostcheck_cgroup("/nonexistent", true, "6.1.0", out, sizeof out), -1);
	CU_ASSERT_EQUAL(strlen(out), sizeof out - 1);
	memset(out, 'x', sizeof out);
	CU_ASSERT_EQUAL(hostcheck_cgroup("/nonexistent", false, "2.6.32", out, sizeof out), -1);
	CU_ASSERT_EQUAL(strlen(out), sizeof out - 1);
}

/* This host: whatever the answer, it is one of the three and says why. */
static void test_here(void)
{
	char out[512] = "";
	int rc = hostcheck_cgroup_here(out, sizeof out);

	CU_ASSERT(rc == 1 || rc == 2 || rc == -1);
	CU_ASSERT(out[0] != '\0');
	printf("\n  this host: %d (%s)\n", rc, out);
}

void hostcheck_suite(void)
{
	static const struct cr_test tests[] = {
		{ "cgroup fixture table", test_table },
		{ "short out buffer", test_short_buffer },
		{ "this host", test_here },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("hostcheck", tests);
}
