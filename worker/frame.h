/*
 * The two messages between the worker and coderank-runner, as BSON documents.
 *
 * A BSON document is length-prefixed by definition (int32 little-endian total
 * size first), so a reader knows where a frame ends, and binary fields carry
 * source, input and output exactly: NUL bytes and invalid UTF-8 travel as they
 * are. The worker writes one job frame to the container's stdin; the runner
 * writes one result frame to its stdout and nothing else ever reaches that
 * stdout (the program's own output goes through pipes the runner reads).
 *
 * Job document (v = 1):
 *   v              int32   1
 *   files          array of at most CR_FRAME_MAX_FILES { name: utf8, data: binary };
 *                          a name is a relative path that cr_file_name_check()
 *                          (common/filename.h) accepts, e.g. "pkg/util.py"; no
 *                          two alike, and no name under another file ("a", "a/b")
 *   stdin          binary  the run step's input (unused when cases is non-empty)
 *   compile        utf8    command run in /work, absent if none: a plain
 *                          "prog arg..." is exec'd by the runner itself, one
 *                          with shell syntax runs under /bin/sh -c
 *   run            utf8    command run in /work, the same way
 *   time_ms        int64   wall-clock limit of the run step
 *   compile_ms     int64   wall-clock limit of the compile step
 *   output_bytes   int64   cap per stream (stdout, stderr) of the run step
 *   compile_output_bytes int64 cap of the compiler's merged output
 *   file_bytes     int64   RLIMIT_FSIZE for both steps
 *   nofile         int32   RLIMIT_NOFILE for both steps
 *   uid            int32   the unprivileged uid (and gid) the steps run as
 *   keep           bool    sandbox mode: the container serves more jobs, so after
 *                          this one the runner kills what is left, wipes every
 *                          writable place, checks, and reads the next job frame
 *                          (absent: false, the runner exits after its result)
 *   cases          array of at most CR_FRAME_MAX_CASES test cases
 *                          { stdin: binary, expected: binary (absent: no
 *                          comparison) }: compile once, run once per case, each
 *                          in a clean sandbox (runner.h); absent or empty: one run
 *                          of stdin, as without this field
 *   compare        utf8    how stdout is compared with expected: a name of
 *                          cr_compare_parse() (common/compare.h); absent:
 *                          CR_COMPARE_DEFAULT
 *   epsilon        double  for compare "float": finite, >= 0; absent:
 *                          CR_COMPARE_EPSILON_DEFAULT
 *   stop_on_failure bool   no case runs after one that failed (absent: false)
 *   The encoder writes cases, compare, epsilon and stop_on_failure only when
 *   there is at least one case, so a job without cases is the same bytes as
 *   before they existed.
 *
 * Result document (v = 1):
 *   v              int32   1
 *   error          utf8    present only when the runner itself failed (bad job,
 *                          fork failed...): the platform's fault, never the program's
 *   compiled       bool    a compile step ran
 *   compile_exit   int32   compiler exit code (-1 if signalled)
 *   compile_signal int32   0 if none
 *   compile_timeout bool
 *   compile_output binary  merged stdout+stderr of the compiler, capped
 *   ran            bool    the run step started (false after a failed compile)
 *   exit_code      int32   -1 if killed by a signal
 *   signal         int32   0 if none
 *   timeout        bool    killed at time_ms
 *   oom            bool    the memory cgroup recorded an OOM kill during the run
 *   stdout         binary  capped at output_bytes
 *   stderr         binary  capped at output_bytes
 *   stdout_truncated bool
 *   stderr_truncated bool
 *   time_ms        int64   wall time of the run step
 *   memory_kb      int64   peak memory of the run step
 *   compile_time_ms int64  wall time of the compile step (0 if none)
 *   output_killed  bool    the run step was killed for flooding past its cap
 *   clean          bool    keep was set, the job ended cleanly and every check
 *                          after it passed: the runner waits for the next job.
 *                          false: it exits after this frame (the worker retires it)
 *   dirty          utf8    why not clean (absent when clean or keep was not set)
 *   cleanup_ms     int64   time spent killing, wiping and checking after the job
 *   cases          array, present only when the job had cases: one document per
 *                          case that ran, in order (fewer than the job's when
 *                          stop_on_failure stopped early, none after a failed
 *                          compile):
 *                            exit_code int32, signal int32, timeout bool, oom bool,
 *                            output_killed bool, stdout binary, stderr binary,
 *                            stdout_truncated bool, stderr_truncated bool,
 *                            time_ms int64, memory_kb int64 (each as the run
 *                            step's field above, for that case), matched bool
 *                            (present only when the case had expected: stdout
 *                            matched it; never when stdout was truncated or the
 *                            case was killed for flooding)
 *                          With cases, the run fields above (exit_code ...
 *                          output_killed) keep the values of a job whose run
 *                          step did not start (exit_code -1, the rest zero or
 *                          empty), except ran: true when at least one case ran.
 *
 * Both directions: readers ignore unknown keys, so a field can be added
 * without a version bump; v changes only when a meaning changes.
 *
 * The structs below hold decoded frames. Decoders copy every byte field into
 * malloc'd memory owned by the struct, cases arrays included; *_free releases
 * it. Encoders only read the structs: a caller may point them at its own
 * memory.
 */
#ifndef CR_FRAME_H
#define CR_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/compare.h"

#define CR_FRAME_VERSION 1
#define CR_FRAME_MAX_FILES 40	/* the entry file, up to 32 more, and room */
#define CR_FRAME_MAX_CASES 64
#define CR_FRAME_MAX_BYTES (16 * 1024 * 1024)	/* readers refuse larger frames */

struct cr_bytes {
	char *data;	/* NUL-terminated for convenience; may contain NULs */
	size_t len;
};

struct cr_job_file {
	char *name;
	struct cr_bytes data;
};

struct cr_job_case {
	struct cr_bytes stdin_data;
	struct cr_bytes expected;	/* meaningful only when has_expected */
	bool has_expected;
};

struct cr_job {
	struct cr_job_file files[CR_FRAME_MAX_FILES];
	int nfiles;
	struct cr_bytes stdin_data;
	char *compile;		/* NULL: no compile step */
	char *run;
	int64_t time_ms;
	int64_t compile_ms;
	int64_t output_bytes;
	int64_t compile_output_bytes;
	int64_t file_bytes;
	int32_t nofile;
	int32_t uid;
	bool keep;		/* sandbox mode: clean up and serve the next job */
	struct cr_job_case *cases;	/* ncases of them, malloc'd; NULL when none */
	int ncases;
	enum cr_compare compare;
	double epsilon;
	bool stop_on_failure;
};

/* One test case's run, as the result's run fields for a job without cases. */
struct cr_case_result {
	int32_t exit_code;	/* -1 if killed by a signal */
	int32_t signal;
	bool timeout;
	bool oom;
	bool output_killed;
	struct cr_bytes out;	/* "stdout" */
	struct cr_bytes err;	/* "stderr" */
	bool stdout_truncated;
	bool stderr_truncated;
	int64_t time_ms;
	int64_t memory_kb;
	bool has_matched;	/* the case had an expected output */
	bool matched;
};

struct cr_result {
	char *error;		/* NULL unless the runner failed */
	bool compiled;
	int32_t compile_exit;
	int32_t compile_signal;
	bool compile_timeout;
	struct cr_bytes compile_output;
	bool ran;
	int32_t exit_code;
	int32_t signal;
	bool timeout;
	bool oom;
	struct cr_bytes out;	/* "stdout" */
	struct cr_bytes err;	/* "stderr" */
	bool stdout_truncated;
	bool stderr_truncated;
	int64_t time_ms;
	int64_t memory_kb;
	int64_t compile_time_ms;
	bool output_killed;
	bool clean;		/* the runner is ready for another job */
	char *dirty;		/* NULL, or why the container must be retired */
	int64_t cleanup_ms;
	struct cr_case_result *cases;	/* ncases of them, malloc'd; NULL when none */
	int ncases;
};

/*
 * Encoders return a malloc'd BSON document of *len bytes (free() it), or NULL.
 * Decoders take one whole document (len must equal its int32 prefix) and return
 * 0, or -1 with a reason in err for a malformed or oversized frame.
 */
uint8_t *cr_job_encode(const struct cr_job *job, size_t *len);
int cr_job_decode(const uint8_t *doc, size_t len, struct cr_job *job, char *err, size_t errlen);
void cr_job_free(struct cr_job *job);

uint8_t *cr_result_encode(const struct cr_result *res, size_t *len);
int cr_result_decode(const uint8_t *doc, size_t len, struct cr_result *res, char *err, size_t errlen);
void cr_result_free(struct cr_result *res);

/*
 * Size of the frame that starts at p, from its int32 prefix, once 4 bytes are
 * there; -1 if fewer than 4 bytes, or a prefix below 5 or above CR_FRAME_MAX_BYTES.
 */
int64_t cr_frame_size(const uint8_t *p, size_t avail);

#endif
