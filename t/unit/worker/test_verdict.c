/* verdict.c: the result mapping, one table row per case (API.md "Status"). */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "common/conf.h"
#include "t/unit/cu.h"
#include "worker/frame.h"
#include "worker/verdict.h"

void verdict_suite(void);

#define NONE (-1000)	/* expected SQL NULL for exit_code / exit_signal */

struct row {
	const char *name;
	/* runner facts */
	const char *error;
	bool compiled, compile_timeout, ran, timeout, oom, out_trunc, err_trunc, out_killed;
	int compile_exit, compile_signal, exit_code, signal;
	/* expected */
	bool retry;
	const char *status;
	int exit_code_want;	/* NONE: NULL */
	int exit_signal_want;	/* NONE: NULL */
	const char *runtime_error;	/* substring; NULL: no runtime_error */
	bool compilation_error;	/* compilation_error present */
};

static const struct row rows[] = {
	{ "runner error is a retry", .error = "bad job", .retry = true },
	{ "nothing ran, no error: retry", .ran = false, .retry = true },
	{ "compiled fine but not run: retry", .compiled = true, .ran = false, .retry = true },
	{ "exit 0 completed", .ran = true, .status = "completed", .exit_code_want = 0,
	  .exit_signal_want = NONE },
	{ "compiled then exit 0", .compiled = true, .ran = true, .status = "completed",
	  .exit_code_want = 0, .exit_signal_want = NONE },
	{ "non-zero exit failed", .ran = true, .exit_code = 3, .status = "failed",
	  .exit_code_want = 3, .exit_signal_want = NONE, .runtime_error = "exited with code 3" },
	{ "segfault", .ran = true, .exit_code = -1, .signal = 11, .status = "failed",
	  .exit_code_want = NONE, .exit_signal_want = 11,
	  .runtime_error = "killed by signal 11 (SIGSEGV)" },
	{ "abort", .ran = true, .exit_code = -1, .signal = 6, .status = "failed",
	  .exit_code_want = NONE, .exit_signal_want = 6, .runtime_error = "(SIGABRT)" },
	{ "unknown signal number", .ran = true, .exit_code = -1, .signal = 40, .status = "failed",
	  .exit_code_want = NONE, .exit_signal_want = 40, .runtime_error = "killed by signal 40" },
	{ "compile error", .compiled = true, .compile_exit = 1, .status = "failed",
	  .exit_code_want = 1, .exit_signal_want = NONE, .compilation_error = true },
	{ "compile timeout", .compiled = true, .compile_timeout = true, .compile_exit = -1,
	  .compile_signal = 9, .status = "timeout", .exit_code_want = NONE,
	  .exit_signal_want = 9, .runtime_error = "compilation time limit exceeded (30 s)",
	  .compilation_error = true },
	{ "compiler killed", .compiled = true, .compile_exit = -1, .compile_signal = 9,
	  .status = "failed", .exit_code_want = NONE, .exit_signal_want = 9,
	  .runtime_error = "compiler killed by signal 9 (SIGKILL)", .compilation_error = true },
	{ "run timeout", .ran = true, .timeout = true, .exit_code = -1, .signal = 9,
	  .status = "timeout", .exit_code_want = NONE, .exit_signal_want = 9,
	  .runtime_error = "time limit exceeded (10 s)" },
	{ "oom beats its SIGKILL", .ran = true, .oom = true, .exit_code = -1, .signal = 9,
	  .status = "memory_limit_exceeded", .exit_code_want = NONE, .exit_signal_want = 9,
	  .runtime_error = "memory limit exceeded (256 MB)" },
	{ "oom beats a time-out", .ran = true, .oom = true, .timeout = true, .signal = 9,
	  .exit_code = -1, .status = "memory_limit_exceeded", .exit_code_want = NONE,
	  .exit_signal_want = 9, .runtime_error = "memory limit" },
	{ "oom with a normal exit still reports 9", .ran = true, .oom = true, .exit_code = 1,
	  .status = "memory_limit_exceeded", .exit_code_want = NONE, .exit_signal_want = 9,
	  .runtime_error = "memory limit" },
	{ "stdout cut, exit 0", .ran = true, .out_trunc = true,
	  .status = "output_limit_exceeded", .exit_code_want = 0, .exit_signal_want = NONE,
	  .runtime_error = "65536 bytes on stdout" },
	{ "stderr cut, killed", .ran = true, .err_trunc = true, .exit_code = -1, .signal = 9,
	  .status = "output_limit_exceeded", .exit_code_want = NONE, .exit_signal_want = 9,
	  .runtime_error = "on stderr" },
	{ "killed for flooding reports 9", .ran = true, .out_trunc = true, .out_killed = true,
	  .exit_code = -1, .signal = 13, .status = "output_limit_exceeded",
	  .exit_code_want = NONE, .exit_signal_want = 9, .runtime_error = "on stdout" },
	{ "both cut", .ran = true, .out_trunc = true, .err_trunc = true,
	  .status = "output_limit_exceeded", .exit_code_want = 0, .exit_signal_want = NONE,
	  .runtime_error = "stdout and stderr" },
	{ "flood until the time limit is an output verdict", .ran = true, .out_trunc = true,
	  .timeout = true, .exit_code = -1, .signal = 9, .status = "output_limit_exceeded",
	  .exit_code_want = NONE, .exit_signal_want = 9, .runtime_error = "output limit" },
	{ "timeout beats the signal it sent", .ran = true, .timeout = true, .exit_code = -1,
	  .signal = 15, .status = "timeout", .exit_code_want = NONE, .exit_signal_want = 9,
	  .runtime_error = "time limit" },
	{ NULL },
};

/* A per-request limit that is not whole seconds is said in ms. */
static void test_timeout_in_ms(void)
{
	struct cr_result r;
	struct verdict v;
	struct verdict_limits lim = { 1500, 30, 64, 65536 };

	memset(&r, 0, sizeof(r));
	r.ran = true;
	r.timeout = true;
	r.signal = 9;
	r.exit_code = -1;
	verdict_map(&r, &lim, &v);
	CU_ASSERT_STRING_EQUAL(v.status, "timeout");
	CU_ASSERT_STRING_EQUAL(v.runtime_error, "time limit exceeded (1500 ms)");
	lim.time_limit_ms = 2000;
	verdict_map(&r, &lim, &v);
	CU_ASSERT_STRING_EQUAL(v.runtime_error, "time limit exceeded (2 s)");
}

static void check_row(const struct row *t)
{
	struct cr_result r;
	struct verdict v;
	struct verdict_limits lim = { 10000, 30, 256, 65536 };
	char compile_out[] = "main.c:1: error";
	char out[] = "partial\0out";

	memset(&r, 0, sizeof(r));
	r.error = (char *)(uintptr_t)t->error;
	r.compiled = t->compiled;
	r.compile_exit = t->compile_exit;
	r.compile_signal = t->compile_signal;
	r.compile_timeout = t->compile_timeout;
	r.compile_output.data = compile_out;
	r.compile_output.len = strlen(compile_out);
	r.ran = t->ran;
	r.exit_code = t->exit_code;
	r.signal = t->signal;
	r.timeout = t->timeout;
	r.oom = t->oom;
	r.stdout_truncated = t->out_trunc;
	r.stderr_truncated = t->err_trunc;
	r.output_killed = t->out_killed;
	r.out.data = out;
	r.out.len = sizeof(out) - 1;
	r.time_ms = 42;
	r.memory_kb = 1234;

	verdict_map(&r, &lim, &v);
	if (v.retry != t->retry)
		fprintf(stderr, "\n  row \"%s\": retry %d\n", t->name, v.retry);
	CU_ASSERT_EQUAL(v.retry, t->retry);
	if (t->retry) {
		CU_ASSERT(v.error[0] != '\0');
		return;
	}
	if (!v.status || strcmp(v.status, t->status) != 0)
		fprintf(stderr, "\n  row \"%s\": status %s, want %s\n", t->name,
			v.status ? v.status : "(null)", t->status);
	CU_ASSERT_STRING_EQUAL(v.status ? v.status : "", t->status);
	CU_ASSERT_EQUAL(v.has_exit_code, t->exit_code_want != NONE);
	if (v.has_exit_code && t->exit_code_want != NONE)
		CU_ASSERT_EQUAL(v.exit_code, t->exit_code_want);
	CU_ASSERT_EQUAL(v.has_exit_signal, t->exit_signal_want != NONE);
	if (v.has_exit_signal && t->exit_signal_want != NONE)
		CU_ASSERT_EQUAL(v.exit_signal, t->exit_signal_want);
	CU_ASSERT_EQUAL(v.has_runtime_error, t->runtime_error != NULL);
	if (t->runtime_error && !strstr(v.runtime_error, t->runtime_error))
		fprintf(stderr, "\n  row \"%s\": runtime_error \"%s\", want \"%s\"\n", t->name,
			v.runtime_error, t->runtime_error);
	if (t->runtime_error)
		CU_ASSERT_PTR_NOT_NULL(strstr(v.runtime_error, t->runtime_error));
	CU_ASSERT_EQUAL(v.compilation_error.present, t->compilation_error);
	if (t->compilation_error) {
		CU_ASSERT_EQUAL(v.compilation_error.len, strlen(compile_out));
		CU_ASSERT_PTR_EQUAL(v.compilation_error.data, compile_out);
	}
	if (t->ran && !t->compilation_error) {
		/* output before a kill is kept, byte for byte (NUL included) */
		CU_ASSERT(v.out.present);
		CU_ASSERT_EQUAL(v.out.len, sizeof(out) - 1);
		CU_ASSERT_EQUAL(memcmp(v.out.data, out, sizeof(out) - 1), 0);
		CU_ASSERT_EQUAL(v.out_truncated, t->out_trunc);
		CU_ASSERT_EQUAL(v.err_truncated, t->err_trunc);
		CU_ASSERT(v.has_time && v.time_ms == 42);
		CU_ASSERT(v.has_memory && v.memory_kb == 1234);
	} else {
		CU_ASSERT(!v.out.present);
		CU_ASSERT(!v.has_time);
	}
}

static void test_table(void)
{
	for (const struct row *t = rows; t->name; t++)
		check_row(t);
}

/* A runner that ignores the cap: the worker cuts what it stores, and says so. */
static void test_recap(void)
{
	static char big[100], small[] = "ok\n";
	struct verdict_limits lim = { 10000, 30, 256, 10 };
	struct cr_result r;
	struct verdict v;

	memset(big, 'x', sizeof(big));
	memset(&r, 0, sizeof(r));
	r.ran = true;
	r.out.data = big;
	r.out.len = sizeof(big);	/* not flagged truncated by the runner */
	r.err.data = small;
	r.err.len = strlen(small);
	verdict_map(&r, &lim, &v);
	CU_ASSERT(!v.retry);
	CU_ASSERT_STRING_EQUAL(v.status, "output_limit_exceeded");
	CU_ASSERT_EQUAL(v.out.len, 10);
	CU_ASSERT(v.out_truncated);
	CU_ASSERT_EQUAL(v.err.len, strlen(small));
	CU_ASSERT(!v.err_truncated);
	CU_ASSERT_PTR_NOT_NULL(strstr(v.runtime_error, "10 bytes on stdout"));
	CU_ASSERT(v.has_exit_code && v.exit_code == 0);	/* it ended by itself */

	/* exactly at the cap is not cut */
	r.out.len = 10;
	verdict_map(&r, &lim, &v);
	CU_ASSERT_STRING_EQUAL(v.status, "completed");
	CU_ASSERT(!v.out_truncated);

	/* stderr too, and the compiler's output */
	r.err.data = big;
	r.err.len = 11;
	verdict_map(&r, &lim, &v);
	CU_ASSERT_STRING_EQUAL(v.status, "output_limit_exceeded");
	CU_ASSERT(v.err_truncated && v.err.len == 10);
	memset(&r, 0, sizeof(r));
	r.compiled = true;
	r.compile_exit = 1;
	r.compile_output.data = big;
	r.compile_output.len = sizeof(big);
	verdict_map(&r, &lim, &v);
	CU_ASSERT_STRING_EQUAL(v.status, "failed");
	CU_ASSERT(v.compilation_error.present && v.compilation_error.len == 10);
}

/* common/conf.h's copy of the runner's cap is the one frame.c enforces. */
static void test_runner_cap_agrees(void)
{
	struct cr_job job = { .nfiles = 0, .run = (char *)"true", .time_ms = 1000,
			      .compile_ms = 1000, .file_bytes = 1024, .nofile = 64, .uid = 10000 };
	struct cr_job back;
	uint8_t *doc;
	size_t len;
	char err[256];

	job.output_bytes = job.compile_output_bytes = CR_LIMIT_RUNNER_OUTPUT_BYTES;
	doc = cr_job_encode(&job, &len);
	CU_ASSERT_FATAL(doc != NULL);
	CU_ASSERT_EQUAL(cr_job_decode(doc, len, &back, err, sizeof(err)), 0);
	cr_job_free(&back);
	free(doc);
	job.output_bytes = CR_LIMIT_RUNNER_OUTPUT_BYTES + 1;
	doc = cr_job_encode(&job, &len);
	CU_ASSERT_FATAL(doc != NULL);
	CU_ASSERT_EQUAL(cr_job_decode(doc, len, &back, err, sizeof(err)), -1);
	cr_job_free(&back);
	free(doc);
}

static void test_signal_names(void)
{
	CU_ASSERT_STRING_EQUAL(verdict_signal_name(9), "SIGKILL");
	CU_ASSERT_STRING_EQUAL(verdict_signal_name(11), "SIGSEGV");
	CU_ASSERT_STRING_EQUAL(verdict_signal_name(25), "SIGXFSZ");
	CU_ASSERT_PTR_NULL(verdict_signal_name(0));
	CU_ASSERT_PTR_NULL(verdict_signal_name(64));
}

static void test_internal_error(void)
{
	struct verdict v;

	verdict_internal_error(&v, "dockerd down");
	CU_ASSERT_STRING_EQUAL(v.status, "internal_error");
	CU_ASSERT(v.has_runtime_error);
	CU_ASSERT_STRING_EQUAL(v.runtime_error, "dockerd down");
	CU_ASSERT(!v.has_exit_code && !v.has_exit_signal && !v.out.present);
}

/* ---- verdict_tests ----------------------------------------------------------- */

static const struct verdict_limits case_lim = { 1000, 10, 64, 65536 };

/* A result of n cases that all exited 0 with "ok", matched as given. */
static void cases_result(struct cr_result *r, struct cr_case_result *c, int n)
{
	memset(r, 0, sizeof(*r));
	memset(c, 0, sizeof(*c) * (size_t)n);
	r->ran = true;
	r->compiled = true;
	r->compile_exit = 0;
	r->cases = c;
	r->ncases = n;
	for (int i = 0; i < n; i++) {
		c[i].out.data = (char *)(uintptr_t)"ok";
		c[i].out.len = 2;
		c[i].time_ms = 10 + i;
		c[i].memory_kb = 100 * (i + 1);
		c[i].has_matched = true;
		c[i].matched = true;
	}
}

static void judge(const struct cr_result *r, int total, bool stop, struct verdict *v,
		  struct tests_verdict *t)
{
	verdict_map(r, &case_lim, v);
	CU_ASSERT_FALSE_FATAL(v->retry);
	verdict_tests(r, &case_lim, total, stop, v, t);
}

/* Each verdict from the run that earns it, and the summary of the submission. */
static void test_cases_each_verdict(void)
{
	struct cr_case_result c[7];
	struct cr_result r;
	struct verdict v;
	struct tests_verdict t;
	static const char *const want[] = { "accepted", "wrong_answer", "time_limit_exceeded",
					    "memory_limit_exceeded", "output_limit_exceeded",
					    "runtime_error", "accepted" };

	cases_result(&r, c, 7);
	c[1].matched = false;
	c[2].timeout = true;
	c[2].exit_code = -1;
	c[2].signal = 9;
	c[3].oom = true;
	c[3].exit_code = -1;
	c[3].signal = 9;
	c[4].stdout_truncated = true;
	c[5].exit_code = 3;
	c[6].has_matched = false;	/* no expected output: its status decides */
	c[6].time_ms = 500;
	judge(&r, 7, false, &v, &t);
	for (int i = 0; i < 7; i++)
		CU_ASSERT_STRING_EQUAL(t.cases[i].verdict, want[i]);
	CU_ASSERT_STRING_EQUAL(t.cases[2].v.status, "timeout");
	CU_ASSERT_STRING_EQUAL(t.cases[5].v.status, "failed");
	CU_ASSERT_EQUAL(t.passed, 2);
	CU_ASSERT_EQUAL(t.total, 7);
	/* the first failure speaks for the submission: a wrong answer completed */
	CU_ASSERT_STRING_EQUAL(t.verdict, "wrong_answer");
	CU_ASSERT_STRING_EQUAL(v.status, "completed");
	CU_ASSERT_EQUAL(v.time_ms, 500);	/* the largest of the cases */
	CU_ASSERT_EQUAL(v.memory_kb, 700);
	verdict_tests_free(&t);
}

static void test_cases_all_pass(void)
{
	struct cr_case_result c[3];
	struct cr_result r;
	struct verdict v;
	struct tests_verdict t;

	cases_result(&r, c, 3);
	c[2].out.data = (char *)(uintptr_t)"last";
	c[2].out.len = 4;
	judge(&r, 3, false, &v, &t);
	CU_ASSERT_STRING_EQUAL(t.verdict, "accepted");
	CU_ASSERT_EQUAL(t.passed, 3);
	CU_ASSERT_STRING_EQUAL(v.status, "completed");
	CU_ASSERT_EQUAL(v.out.len, 4);	/* the last case's output */
	verdict_tests_free(&t);
}

/* stop_on_first_failure: the rest are skipped; stopping without cause is the runner's fault. */
static void test_cases_stop(void)
{
	struct cr_case_result c[4];
	struct cr_result r;
	struct verdict v;
	struct tests_verdict t;

	cases_result(&r, c, 4);
	c[1].exit_code = 1;
	r.ncases = 2;
	judge(&r, 4, true, &v, &t);
	CU_ASSERT_STRING_EQUAL(t.cases[1].verdict, "runtime_error");
	CU_ASSERT_STRING_EQUAL(t.cases[2].verdict, "skipped");
	CU_ASSERT_PTR_NULL(t.cases[3].v.status);
	CU_ASSERT_STRING_EQUAL(t.verdict, "runtime_error");
	CU_ASSERT_STRING_EQUAL(v.status, "failed");
	CU_ASSERT_EQUAL(t.passed, 1);
	verdict_tests_free(&t);

	judge(&r, 4, false, &v, &t);		/* not asked to stop */
	CU_ASSERT_TRUE(v.retry);
	verdict_tests_free(&t);
	c[1].exit_code = 0;
	judge(&r, 4, true, &v, &t);		/* stopped after a pass */
	CU_ASSERT_TRUE(v.retry);
	verdict_tests_free(&t);
	r.ncases = 5;
	judge(&r, 4, false, &v, &t);		/* more than sent */
	CU_ASSERT_TRUE(v.retry);
	verdict_tests_free(&t);
}

static void test_cases_compile_error(void)
{
	struct cr_result r;
	struct verdict v;
	struct tests_verdict t;

	memset(&r, 0, sizeof(r));
	r.compiled = true;
	r.compile_exit = 1;
	r.compile_output.data = (char *)(uintptr_t)"error: x";
	r.compile_output.len = 8;
	judge(&r, 3, false, &v, &t);
	CU_ASSERT_STRING_EQUAL(v.status, "failed");
	CU_ASSERT_TRUE(v.compilation_error.present);
	CU_ASSERT_STRING_EQUAL(t.verdict, "compilation_error");
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_STRING_EQUAL(t.cases[i].verdict, "compilation_error");
		CU_ASSERT_STRING_EQUAL(t.cases[i].v.status, "failed");
	}
	CU_ASSERT_EQUAL(t.passed, 0);
	verdict_tests_free(&t);
}

void verdict_suite(void)
{
	static const struct cr_test tests[] = {
		{ "verdict table", test_table },
		{ "output re-capped", test_recap },
		{ "runner's output cap", test_runner_cap_agrees },
		{ "signal names", test_signal_names },
		{ "internal error", test_internal_error },
		{ "a time limit in ms", test_timeout_in_ms },
		{ "test cases: each verdict, the summary", test_cases_each_verdict },
		{ "test cases: all accepted", test_cases_all_pass },
		{ "test cases: stop on the first failure", test_cases_stop },
		{ "test cases: a compile error", test_cases_compile_error },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("verdict", tests);
}
