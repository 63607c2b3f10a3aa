/*
 * Result mapping: one function from the runner's facts (exit code, signal,
 * limits hit) to the status a client sees. The runner reports what happened;
 * this file decides what it means, so the rules live in one place and one
 * table-driven test (t/unit/worker/test_verdict.c).
 *
 * Kills by the platform for a limit report exit_signal 9 and exit_code NULL,
 * whatever the runner saw, because that is what API.md promises a client.
 *
 * The runner's sizes are not trusted: what is stored is cut to the worker's
 * own output_limit_bytes, and a stream cut here counts as cut by the runner.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "common/conf.h"
#include "worker/frame.h"
#include "worker/verdict.h"

/* The start-up checks (common/conf.c) must see the frame the worker reads. */
_Static_assert(CR_LIMIT_FRAME_BYTES == CR_FRAME_MAX_BYTES,
	       "CR_LIMIT_FRAME_BYTES (common/conf.h) must equal CR_FRAME_MAX_BYTES");

static const struct {
	int sig;
	const char *name;
} signal_names[] = {
	{ SIGHUP, "SIGHUP" },   { SIGINT, "SIGINT" },     { SIGQUIT, "SIGQUIT" },
	{ SIGILL, "SIGILL" },   { SIGTRAP, "SIGTRAP" },   { SIGABRT, "SIGABRT" },
	{ SIGBUS, "SIGBUS" },   { SIGFPE, "SIGFPE" },     { SIGKILL, "SIGKILL" },
	{ SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" },   { SIGUSR2, "SIGUSR2" },
	{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" },   { SIGTERM, "SIGTERM" },
	{ SIGCHLD, "SIGCHLD" }, { SIGXCPU, "SIGXCPU" },   { SIGXFSZ, "SIGXFSZ" },
	{ SIGSYS, "SIGSYS" },   { SIGVTALRM, "SIGVTALRM" }, { SIGPROF, "SIGPROF" },
};

const char *verdict_signal_name(int sig)
{
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
		if (signal_names[i].sig == sig)
			return signal_names[i].name;
	return NULL;
}

static void set_bytes(struct verdict_bytes *b, const struct cr_bytes *src)
{
	b->present = true;
	b->data = src->data ? src->data : "";
	b->len = src->data ? src->len : 0;
}

/* Cut b to cap bytes; true when it was longer. */
static bool cap_bytes(struct verdict_bytes *b, size_t cap)
{
	if (b->len <= cap)
		return false;
	b->len = cap;
	return true;
}

static void describe_signal(char *out, size_t outlen, const char *what, int sig)
{
	const char *name = verdict_signal_name(sig);

	if (name)
		snprintf(out, outlen, "%s by signal %d (%s)", what, sig, name);
	else
		snprintf(out, outlen, "%s by signal %d", what, sig);
}

/* Exit facts of the run step as they happened (used when no limit forces 9). */
static void set_exit(struct verdict *v, const struct cr_result *r)
{
	if (r->signal > 0) {
		v->has_exit_signal = true;
		v->exit_signal = r->signal;
	} else {
		v->has_exit_code = true;
		v->exit_code = r->exit_code;
	}
}

static void set_killed(struct verdict *v)
{
	v->has_exit_code = false;
	v->has_exit_signal = true;
	v->exit_signal = SIGKILL;
}

static void map_compile(const struct cr_result *r, const struct verdict_limits *lim,
			struct verdict *v)
{
	v->status = "failed";
	set_bytes(&v->compilation_error, &r->compile_output);
	cap_bytes(&v->compilation_error, lim->output_limit_bytes);
	if (r->compile_timeout) {
		v->status = "timeout";
		v->has_runtime_error = true;
		snprintf(v->runtime_error, sizeof(v->runtime_error),
			 "compilation time limit exceeded (%d s)", lim->compile_timeout_seconds);
		set_killed(v);
	} else if (r->compile_signal > 0) {
		v->has_runtime_error = true;
		describe_signal(v->runtime_error, sizeof(v->runtime_error),
				"compiler killed", r->compile_signal);
		v->has_exit_signal = true;
		v->exit_signal = r->compile_signal;
	} else {
		v->has_exit_code = true;
		v->exit_code = r->compile_exit;
	}
}

void verdict_map(const struct cr_result *r, const struct verdict_limits *lim,
		 struct verdict *v)
{
	memset(v, 0, sizeof(*v));

	if (r->error) {
		v->retry = true;
		snprintf(v->error, sizeof(v->error), "runner failed: %s", r->error);
		return;
	}
	if (r->compiled && (r->compile_timeout || r->compile_signal > 0 ||
			    r->compile_exit != 0 || !r->ran)) {
		map_compile(r, lim, v);
		if (!r->compile_timeout && r->compile_signal <= 0 && r->compile_exit == 0) {
			/* Compiled fine yet did not run: the runner's fault. */
			memset(v, 0, sizeof(*v));
			v->retry = true;
			snprintf(v->error, sizeof(v->error),
				 "runner compiled but did not run the program");
		}
		return;
	}
	if (!r->ran) {
		v->retry = true;
		snprintf(v->error, sizeof(v->error), "runner did not run the program");
		return;
	}

	set_bytes(&v->out, &r->out);
	set_bytes(&v->err, &r->err);
	v->out_truncated = cap_bytes(&v->out, lim->output_limit_bytes) || r->stdout_truncated;
	v->err_truncated = cap_bytes(&v->err, lim->output_limit_bytes) || r->stderr_truncated;
	v->has_time = true;
	v->time_ms = r->time_ms < 0 ? 0 : r->time_ms;
	v->has_memory = true;
	v->memory_kb = r->memory_kb < 0 ? 0 : r->memory_kb;

	if (r->oom) {
		v->status = "memory_limit_exceeded";
		v->has_runtime_error = true;
		snprintf(v->runtime_error, sizeof(v->runtime_error),
			 "memory limit exceeded (%d MB)", lim->max_memory_mb);
		set_killed(v);
	} else if (v->out_truncated || v->err_truncated) {
		v->status = "output_limit_exceeded";
		v->has_runtime_error = true;
		snprintf(v->runtime_error, sizeof(v->runtime_error),
			 "output limit exceeded (%zu bytes on %s)", lim->output_limit_bytes,
			 v->out_truncated && v->err_truncated ? "stdout and stderr" :
			 v->out_truncated ? "stdout" : "stderr");
		if (r->output_killed)
			set_killed(v);
		else
			set_exit(v, r);
	} else if (r->timeout) {
		v->status = "timeout";
		v->has_runtime_error = true;
		if (lim->time_limit_ms % 1000 == 0)
			snprintf(v->runtime_error, sizeof(v->runtime_error),
				 "time limit exceeded (%d s)", lim->time_limit_ms / 1000);
		else
			snprintf(v->runtime_error, sizeof(v->runtime_error),
				 "time limit exceeded (%d ms)", lim->time_limit_ms);
		set_killed(v);
	} else if (r->signal > 0) {
		v->status = "failed";
		v->has_runtime_error = true;
		describe_signal(v->runtime_error, sizeof(v->runtime_error), "killed", r->signal);
		set_exit(v, r);
	} else if (r->exit_code != 0) {
		v->status = "failed";
		v->has_runtime_error = true;
		snprintf(v->runtime_error, sizeof(v->runtime_error),
			 "exited with code %d", r->exit_code);
		set_exit(v, r);
	} else {
		v->status = "completed";
		set_exit(v, r);
	}
}

void verdict_internal_error(struct verdict *v, const char *message)
{
	memset(v, 0, sizeof(*v));
	v->status = "internal_error";
	v->has_runtime_error = true;
	snprintf(v->runtime_error, sizeof(v->runtime_error), "%s", message);
}
