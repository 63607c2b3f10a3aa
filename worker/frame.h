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
 *   files          array of { name: utf8 (a plain file name, no '/'), data: binary }
 *   stdin          binary
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
 *
 * Both directions: readers ignore unknown keys, so a field can be added
 * without a version bump; v changes only when a meaning changes.
 *
 * The structs below hold decoded frames. Decoders copy every byte field into
 * malloc'd memory owned by the struct; *_free releases it.
 */
#ifndef CR_FRAME_H
#define CR_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CR_FRAME_VERSION 1
#define CR_FRAME_MAX_FILES 8
#define CR_FRAME_MAX_BYTES (16 * 1024 * 1024)	/* readers refuse larger frames */

struct cr_bytes {
	char *data;	/* NUL-terminated for convenience; may contain NULs */
	size_t len;
};

struct cr_job_file {
	char *name;
	struct cr_bytes data;
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
