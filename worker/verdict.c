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
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/xalloc.h"
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

/* ---- test cases ----------------------------------------------------------------- */

/* The judge's word for a case whose run mapped to v. */
static const char *case_verdict(const struct verdict *v, const struct cr_case_result *c)
{
	if (strcmp(v->status, "completed") == 0)
		return c->has_matched && !c->matched ? "wrong_answer" : "accepted";
	if (strcmp(v->status, "timeout") == 0)
		return "time_limit_exceeded";
	if (strcmp(v->status, "memory_limit_exceeded") == 0 ||
	    strcmp(v->status, "output_limit_exceeded") == 0)
		return v->status;
	return "runtime_error";
}

/* A case's facts as a one-run result, so that one function maps both. */
static void case_as_result(const struct cr_case_result *c, struct cr_result *one)
{
	memset(one, 0, sizeof(*one));
	one->ran = true;
	one->exit_code = c->exit_code;
	one->signal = c->signal;
	one->timeout = c->timeout;
	one->oom = c->oom;
	one->output_killed = c->output_killed;
	one->out = c->out;
	one->err = c->err;
	one->stdout_truncated = c->stdout_truncated;
	one->stderr_truncated = c->stderr_truncated;
	one->time_ms = c->time_ms;
	one->memory_kb = c->memory_kb;
}

static void tests_retry(struct verdict *v, const char *why, int ran, int total)
{
	memset(v, 0, sizeof(*v));
	v->retry = true;
	snprintf(v->error, sizeof(v->error), "runner %s (%d of %d test cases ran)", why, ran,
		 total);
}

void verdict_tests(const struct cr_result *r, const struct verdict_limits *lim, int total,
		   bool stop, struct verdict *v, struct tests_verdict *t)
{
	int first = -1;
	int64_t time_ms = 0, memory_kb = 0;

	memset(t, 0, sizeof(*t));
	t->total = total;
	t->cases = cr_xcalloc((size_t)total, sizeof(*t->cases));
	if (r->compiled && (r->compile_timeout || r->compile_signal > 0 || r->compile_exit != 0)) {
		for (int i = 0; i < total; i++) {
			t->cases[i].v.status = v->status;
			t->cases[i].verdict = "compilation_error";
		}
		t->verdict = "compilation_error";
		return;
	}
	if (r->ncases < 1 || r->ncases > total) {
		tests_retry(v, "reported a wrong number of cases", r->ncases, total);
		return;
	}
	for (int i = 0; i < total; i++) {
		struct case_verdict *cv = &t->cases[i];
		struct cr_result one;

		if (i >= r->ncases) {
			cv->verdict = "skipped";
			continue;
		}
		case_as_result(&r->cases[i], &one);
		verdict_map(&one, lim, &cv->v);
		cv->verdict = case_verdict(&cv->v, &r->cases[i]);
		if (strcmp(cv->verdict, "accepted") == 0)
			t->passed++;
		else if (first < 0)
			first = i;
		if (cv->v.time_ms > time_ms)
			time_ms = cv->v.time_ms;
		if (cv->v.memory_kb > memory_kb)
			memory_kb = cv->v.memory_kb;
	}
	/* fewer cases than sent: only after a failure, and only when asked to stop */
	if (r->ncases < total && (!stop || first != r->ncases - 1)) {
		tests_retry(v, "stopped early", r->ncases, total);
		return;
	}
	t->verdict = first < 0 ? "accepted" : t->cases[first].verdict;
	*v = t->cases[first < 0 ? r->ncases - 1 : first].v;
	v->time_ms = time_ms;
	v->memory_kb = memory_kb;
}

void verdict_tests_free(struct tests_verdict *t)
{
	free(t->cases);
	memset(t, 0, sizeof(*t));
}

void verdict_internal_error(struct verdict *v, const char *message)
{
	memset(v, 0, sizeof(*v));
	v->status = "internal_error";
	v->has_runtime_error = true;
	snprintf(v->runtime_error, sizeof(v->runtime_error), "%s", message);
}
