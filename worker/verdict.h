/*
 * From the runner's result frame to the API's status and result fields.
 *
 * verdict_map() is pure: it reads a decoded struct cr_result (frame.h) and the
 * limits the submission ran with, and fills a struct verdict. Byte fields point
 * into the result (borrowed: the result must outlive the verdict); messages are
 * copied into the verdict's own arrays.
 *
 * A runner error (res->error, or a result that says nothing ran) is the
 * platform's failure, never the program's: v->retry is set and the caller gives
 * the submission back (or ends it internal_error after the last attempt).
 *
 * Precedence, first match wins:
 *   runner error -> retry
 *   compile time-out -> timeout        compile failure -> failed (compilation_error)
 *   oom -> memory_limit_exceeded       (beats the SIGKILL it caused)
 *   stdout/stderr cut -> output_limit_exceeded (beats the time-out of a flood)
 *                      cut by the runner, or here: a stream or compiler output
 *                      longer than output_limit_bytes is cut to it whatever
 *                      the runner says, so the stored output never exceeds it
 *   run time-out -> timeout            signal -> failed (exit_code NULL)
 *   exit code != 0 -> failed           exit code 0 -> completed
 */
#ifndef CR_WORKER_VERDICT_H
#define CR_WORKER_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

struct cr_result;

/* The limits a submission ran with, for the messages. */
struct verdict_limits {
	int time_limit_ms;
	int compile_timeout_seconds;
	int max_memory_mb;
	size_t output_limit_bytes;	/* also the most of each output that is stored */
};

/* A nullable byte field; present == false is SQL NULL. */
struct verdict_bytes {
	bool present;
	const char *data;	/* borrowed from the cr_result */
	size_t len;
};

struct verdict {
	bool retry;			/* platform failure: give back, not a verdict */
	char error[256];		/* why, when retry */

	const char *status;		/* an API.md status, static string */
	struct verdict_bytes out, err;	/* stdout, stderr */
	bool out_truncated, err_truncated;
	struct verdict_bytes compilation_error;
	bool has_runtime_error;
	char runtime_error[256];
	bool has_time;
	int64_t time_ms;
	bool has_memory;
	int64_t memory_kb;
	bool has_exit_code;
	int exit_code;
	bool has_exit_signal;
	int exit_signal;
};

void verdict_map(const struct cr_result *res, const struct verdict_limits *lim,
		 struct verdict *v);

/* A test case's verdict: v.status NULL when it did not run (skipped). */
struct case_verdict {
	struct verdict v;
	const char *verdict;	/* accepted, wrong_answer, ..., skipped (static) */
};

/* The verdicts of a submission with test cases. */
struct tests_verdict {
	int total, passed;
	const char *verdict;		/* the first case's that is not accepted, else accepted */
	struct case_verdict *cases;	/* total of them; verdict_tests_free() */
};

/*
 * For a submission with total test cases (stop: stop_on_first_failure), whose
 * result r mapped to v (verdict_map(), not a retry): each case's verdict into
 * t, and v becomes the submission's: the first case that failed (or the last
 * that ran) gives its status, output and exit, and the time and memory are
 * the largest of every case's. A compile failure is every case's verdict
 * (compilation_error). A runner that ran no case, more cases than sent, or
 * stopped early without cause sets v->retry, as any runner error.
 */
void verdict_tests(const struct cr_result *r, const struct verdict_limits *lim, int total,
		   bool stop, struct verdict *v, struct tests_verdict *t);
void verdict_tests_free(struct tests_verdict *t);

/* A verdict for the platform's own failure after the last attempt. */
void verdict_internal_error(struct verdict *v, const char *message);

/* "SIGSEGV" for 11, or NULL for a number not in the table. */
const char *verdict_signal_name(int sig);

#endif
