/*
 * One slot process: claim, run in a fresh container, finish (see slot.h).
 *
 * Waiting is event-driven: an idle slot sleeps in poll() on its database
 * socket (LISTEN cr_submission_queued) and a self-pipe that the SIGTERM
 * handler writes to (stopsig.h); the time-out is the sweep interval, which
 * catches a missed notification. LISTEN is issued before every claim
 * attempt's wait on the same connection, so a NOTIFY sent between a failed
 * claim and poll() is already buffered on the socket and poll() returns at
 * once.
 *
 * Failures split two ways. dockerd down, a runner that says nothing, a
 * database hiccup: the platform's fault, the submission goes back to the
 * queue (or internal_error after max_attempts) and, when dockerd is down, the
 * slot stops claiming until a ping succeeds, so queued work waits for dockerd
 * instead of burning its attempts. Anything the program did is a verdict.
 */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/conf.h"
#include "common/db.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "common/xalloc.h"
#include "worker/docker.h"
#include "worker/frame.h"
#include "worker/held.h"
#include "worker/pool.h"
#include "worker/queue.h"
#include "worker/sandbox.h"
#include "worker/slot.h"
#include "worker/stopsig.h"
#include "worker/verdict.h"

#define DOCKER_STEP_MS 15000		/* attach / write budget */
#define RETRY_WAIT_MS 1000		/* database or dockerd down: wait before retrying */
#define FINISH_TRIES 5

struct slot {
	const struct cr_config *cfg;
	int index;
	struct slot_state *state;
	struct slot_board *board;
	struct cr_db db;
	PGconn *listening;	/* the connection LISTEN was issued on */
	struct docker docker;
	bool docker_ok;
	int64_t stop_at;	/* monotonic ms of the stop request, 0 if none */
	struct held_set held;	/* sandbox mode: containers kept between runs */
	unsigned claim;		/* claim_seq of the claim being run */
};

static bool stopping(struct slot *s)
{
	if (stopsig_requested() && !s->stop_at) {
		s->stop_at = cr_monotonic_ms();
		cr_info("stop requested: no more claims");
	}
	return stopsig_requested();
}

static void drain_notifications(struct slot *s)
{
	PGnotify *n;

	if (!s->db.conn)
		return;
	if (!PQconsumeInput(s->db.conn)) {
		s->db.broken = true;
		return;
	}
	while ((n = PQnotifies(s->db.conn)) != NULL)
		PQfreemem(n);	/* the wake-up is the message; claim decides */
}

static int ensure_db(struct slot *s)
{
	if (cr_db_ensure(&s->db) < 0)
		return -1;
	if (s->listening != s->db.conn) {
		if (cr_db_command(&s->db, "LISTEN " QUEUE_CHANNEL_QUEUED) < 0)
			return -1;
		s->listening = s->db.conn;
	}
	return 0;
}

static bool ensure_docker(struct slot *s)
{
	if (s->docker_ok && !__atomic_load_n(&s->board->docker_down, __ATOMIC_SEQ_CST))
		return true;
	if (docker_ping(&s->docker, NULL, 0) < 0) {
		s->docker_ok = false;
		return false;
	}
	if (__atomic_exchange_n(&s->board->docker_down, 0, __ATOMIC_SEQ_CST) || !s->docker_ok)
		cr_info("dockerd is reachable again");
	s->docker_ok = true;
	return true;
}

/* A Docker call failed: is dockerd itself gone (then stop claiming)? */
static void check_docker(struct slot *s)
{
	if (docker_ping(&s->docker, NULL, 0) < 0) {
		if (!__atomic_exchange_n(&s->board->docker_down, 1, __ATOMIC_SEQ_CST))
			cr_error("dockerd is unreachable: %s; not claiming until it is back",
				 s->docker.error);
		s->docker_ok = false;
	}
}

void slot_build_job(const struct queue_job *job, size_t output_limit_bytes, struct cr_job *out)
{
	memset(out, 0, sizeof(*out));
	out->nfiles = 1;
	out->files[0].name = job->source_file;
	out->files[0].data = job->source;
	/* the API checked their names and number; the runner checks them again */
	for (int i = 0; i < job->nfiles && out->nfiles < CR_FRAME_MAX_FILES; i++)
		out->files[out->nfiles++] = job->files[i];
	out->stdin_data = job->input;
	out->cases = job->cases;
	out->ncases = job->ncases;
	if (job->ncases) {
		if (!job->compare || cr_compare_parse(job->compare, strlen(job->compare),
						      &out->compare) < 0)
			out->compare = CR_COMPARE_DEFAULT;
		out->epsilon = job->epsilon;
		out->stop_on_failure = job->stop_on_first_failure;
	}
	out->compile = job->compile_command;
	out->run = job->execute_command;
	out->time_ms = job->time_limit_ms;
	out->compile_ms = (int64_t)job->compile_timeout_seconds * 1000;
	out->output_bytes = (int64_t)output_limit_bytes;
	out->compile_output_bytes = (int64_t)output_limit_bytes;
	out->file_bytes = SANDBOX_FILE_BYTES;
	out->nofile = SANDBOX_NOFILE;
	out->uid = SLOT_RUNNER_UID;
}

int64_t slot_job_budget_ms(const struct queue_job *job)
{
	int64_t runs = job->ncases ? job->ncases : 1;
	int64_t ms = runs * job->time_limit_ms + SLOT_DEADLINE_MARGIN_MS;

	if (job->compile_command)
		ms += (int64_t)job->compile_timeout_seconds * 1000;
	if (job->ncases)
		ms += job->ncases * SLOT_CASE_MARGIN_MS;
	return ms;
}

static void publish_job(struct slot *s, const struct queue_job *job)
{
	snprintf(s->state->submission, sizeof(s->state->submission), "%s", job->id);
	s->state->attempts = job->attempts;
	s->claim = __atomic_add_fetch(&s->state->claim_seq, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&s->state->busy, 1, __ATOMIC_SEQ_CST);
}

/* Did the leaser find this claim's lease taken away (the sweep requeued it)? */
static bool lease_lost(const struct slot *s)
{
	return __atomic_load_n(&s->state->lost_seq, __ATOMIC_SEQ_CST) == s->claim;
}

static void publish_container(struct slot *s, const char *id)
{
	if (id) {
		snprintf(s->state->container, sizeof(s->state->container), "%s", id);
		__atomic_store_n(&s->state->has_container, 1, __ATOMIC_SEQ_CST);
	} else {
		__atomic_store_n(&s->state->has_container, 0, __ATOMIC_SEQ_CST);
	}
}

static void give_back(struct slot *s, const struct queue_job *job, const char *why,
		      enum queue_return kind)
{
	for (int i = 0; i < FINISH_TRIES; i++) {
		if (ensure_db(s) == 0 &&
		    queue_give_back(&s->db, job, s->cfg->worker_id, why, kind,
				    s->cfg->max_platform_failures) >= 0)
			return;
		poll(NULL, 0, RETRY_WAIT_MS);
	}
	cr_error("could not give back the submission: its lease will expire");
}

static void finish(struct slot *s, const struct queue_job *job, const struct verdict *v,
		   const struct tests_verdict *t)
{
	for (int i = 0; i < FINISH_TRIES; i++) {
		if (ensure_db(s) == 0 && queue_finish(&s->db, job, s->cfg->worker_id, v, t) >= 0)
			return;
		/* not stopsig_wait: a stop request must not cut these retries short */
		poll(NULL, 0, RETRY_WAIT_MS);
	}
	cr_error("could not write the result: the lease will expire and it runs again");
}

/*
 * Read the result frame; the leaser renews the lease meanwhile (slot.h).
 * Returns 1 with the frame, 0 when the job must be given back (why filled;
 * *kind says whose fault), -1 when the lease is lost.
 */
static int await_result(struct slot *s, const struct queue_job *job, struct docker_attach *a,
			size_t *frame_len, char *why, size_t whylen, enum queue_return *kind)
{
	int64_t start = cr_monotonic_ms();
	int64_t deadline = start + slot_job_budget_ms(job);

	*kind = QUEUE_FAILURE;
	for (;;) {
		int64_t now, until = cr_monotonic_ms() + 1000;	/* look at the lease each second */
		int r;

		if (deadline < until)
			until = deadline;
		if (stopping(s) && s->stop_at + SLOT_STOP_GRACE_MS < until)
			until = s->stop_at + SLOT_STOP_GRACE_MS;
		r = docker_attach_read_frame(a, until, frame_len);
		if (r == 1)
			return 1;
		if (r < 0) {
			snprintf(why, whylen, "%s", a->error);
			return 0;
		}
		now = cr_monotonic_ms();
		if (now >= deadline) {
			snprintf(why, whylen, "the runner gave no result within %lld ms",
				 (long long)(deadline - start));
			return 0;
		}
		if (s->stop_at && now >= s->stop_at + SLOT_STOP_GRACE_MS) {
			snprintf(why, whylen, "the worker is shutting down");
			*kind = QUEUE_SHUTDOWN;
			return 0;
		}
		if (lease_lost(s)) {
			cr_warn("lease lost while running: abandoning the run");
			return -1;
		}
	}
}

/* The container of one run: where it came from, and its attach stream. */
struct box {
	char id[DOCKER_ID_MAX + 1];
	const char *path;		/* "held", "pool" or "cold", for the log */
	struct docker_attach a;
	bool attached;
	int runs;			/* runs it served before this one */
	int64_t created_ms;
	int64_t docker_ms;		/* spent creating, attaching, starting (cold) */
};

static void publish_held(struct slot *s, int i, const char *id)
{
	if (id) {
		snprintf(s->state->held[i], sizeof(s->state->held[i]), "%s", id);
		__atomic_store_n(&s->state->held_used[i], 1, __ATOMIC_SEQ_CST);
	} else {
		__atomic_store_n(&s->state->held_used[i], 0, __ATOMIC_SEQ_CST);
	}
}

/* Off the critical path: the janitor removes it, the pool starts another. */
static void retire_box(struct slot *s, struct box *b, const char *why)
{
	if (b->attached)
		docker_attach_close(&b->a);
	b->attached = false;
	if (b->id[0]) {
		if (why)
			cr_info("retiring container %.12s after %d runs: %s", b->id, b->runs, why);
		pool_dispose(&s->docker, b->id);
		if (strcmp(b->path, "cold") != 0)
			pool_replenish();
	}
	b->id[0] = '\0';
	publish_container(s, NULL);
}

static void retire_held(struct slot *s, struct held *h, const char *why)
{
	int i = (int)(h - s->held.h);

	cr_info("retiring container %.12s after %d runs: %s", h->id, h->runs, why);
	close(h->fd);
	pool_dispose(&s->docker, h->id);
	pool_replenish();
	h->used = false;
	publish_held(s, i, NULL);
}

/* Sandbox mode: keep a container that served a clean run for the next one. */
static void keep_box(struct slot *s, struct box *b, const struct queue_job *job,
		     const struct pool_key *key)
{
	bool evict;
	struct held *h = held_slot_for(&s->held, &evict);
	int fd = fcntl((int)b->a.fd, F_DUPFD_CLOEXEC, 3);

	if (fd < 0) {
		retire_box(s, b, "could not keep its stream");
		return;
	}
	if (evict)
		retire_held(s, h, "its slot needs the room for another language");
	memset(h, 0, sizeof(*h));
	h->used = true;
	snprintf(h->id, sizeof(h->id), "%s", b->id);
	snprintf(h->language, sizeof(h->language), "%s", job->language ? job->language : "");
	h->key = *key;
	h->fd = fd;
	h->runs = b->runs + 1;
	h->created_ms = b->created_ms;
	h->last_used_ms = cr_monotonic_ms();
	publish_held(s, (int)(h - s->held.h), h->id);
	docker_attach_close(&b->a);	/* the curl handle or our first copy */
	b->attached = false;
	b->id[0] = '\0';
	publish_container(s, NULL);
	/* the pool keeps one ready for this slot's next new language or retirement */
	if (strcmp(b->path, "pool") == 0)
		pool_replenish();
}

/* Sandbox mode, between claims: retire what is idle, too old or dead. */
static void sweep_held(struct slot *s, bool all)
{
	int64_t now = cr_monotonic_ms();

	for (int i = 0; i < HELD_MAX; i++) {
		struct held *h = &s->held.h[i];
		struct pollfd p = { .fd = h->fd, .events = POLLIN };
		const char *why;

		if (!h->used)
			continue;
		if (poll(&p, 1, 0) < 0)
			p.revents = POLLERR;
		why = all ? "the slot is stopping"
			  : held_expired(h, now, s->cfg->sandbox_idle_seconds * 1000LL,
					 s->cfg->pool_max_age_seconds * 1000LL, p.revents);
		if (!why && !pool_key_current(h->language, &h->key, h->last_used_ms))
			why = "its language's row changed";
		if (why)
			retire_held(s, h, why);
	}
}

static bool sandbox_mode(const struct slot *s, const struct queue_job *job)
{
	const char *iso = job->isolation ? job->isolation : s->cfg->isolation;

	return strcmp(iso, "sandbox") == 0 &&
	       !__atomic_load_n(&s->board->sandbox_refused, __ATOMIC_SEQ_CST);
}

/*
 * Find the run's container: one this slot holds (sandbox mode), else a
 * pre-started one from the pool, else a new one. 0 with b attached, -1 when
 * not even a new one could be made (why filled).
 */
static int acquire(struct slot *s, const struct queue_job *job, const struct pool_key *key,
		   bool sandbox, struct box *b, char *why, size_t whylen)
{
	/*
	 * A sandbox container serves many submissions: it is labelled with its
	 * language, like a pool container, not with its first submission.
	 */
	struct sandbox_spec spec = {
		.image = job->image,
		.worker_id = s->cfg->worker_id,
		.submission_id = sandbox ? NULL : job->id,
		.pool_language = sandbox ? job->language : NULL,
		.max_memory_mb = job->max_memory_mb,
		.max_processes = job->max_processes,
		.cpu_millicores = s->cfg->cpu_limit_millicores,
	};
	struct held *h = sandbox ? held_find(&s->held, key) : NULL;
	struct pool_container pc;
	char *json;
	int64_t t0;

	memset(b, 0, sizeof(*b));
	b->a.fd = -1;
	if (h) {
		snprintf(b->id, sizeof(b->id), "%s", h->id);
		publish_container(s, b->id);
		publish_held(s, (int)(h - s->held.h), NULL);
		docker_attach_adopt(&b->a, h->fd, CR_FRAME_MAX_BYTES);
		b->attached = true;
		b->path = "held";
		b->runs = h->runs;
		b->created_ms = h->created_ms;
		h->used = false;
		return 0;
	}
	if (pool_take(job->language, key, &pc) == 1) {
		snprintf(b->id, sizeof(b->id), "%s", pc.id);
		publish_container(s, b->id);
		docker_attach_adopt(&b->a, pc.fd, CR_FRAME_MAX_BYTES);
		b->attached = true;
		b->path = "pool";
		b->created_ms = cr_monotonic_ms() - pc.age_ms;
		return 0;
	}
	b->path = "cold";
	t0 = b->created_ms = cr_monotonic_ms();
	json = sandbox_create_json(&spec);
	if (!json) {
		snprintf(why, whylen, "could not encode the container (limits out of range?)");
		return -1;
	}
	if (docker_create(&s->docker, json, b->id) < 0) {
		/* with warnings, b->id is set: it is removed by the caller, never started */
		snprintf(why, whylen, "%s", s->docker.error);
		goto fail;
	}
	publish_container(s, b->id);
	if (docker_attach_open(&s->docker, b->id, CR_FRAME_MAX_BYTES,
			       cr_monotonic_ms() + DOCKER_STEP_MS, &b->a) < 0) {
		snprintf(why, whylen, "%s", b->a.error);
		goto fail;
	}
	b->attached = true;
	if (docker_start(&s->docker, b->id) < 0) {
		snprintf(why, whylen, "%s", s->docker.error);
		goto fail;
	}
	free(json);
	b->docker_ms = cr_monotonic_ms() - t0;
	return 0;
fail:
	free(json);
	check_docker(s);
	return -1;
}

/*
 * A container to run the job in, with the job frame written to it: 0, or -1
 * (why filled) when no container could take it. A held or pooled container
 * that does not take the job (it died) is retired and the next one tried.
 */
static int start_run(struct slot *s, const struct queue_job *job, const struct pool_key *key,
		     bool sandbox, struct box *b, char *why, size_t whylen)
{
	for (;;) {
		struct cr_job fj;
		uint8_t *frame;
		size_t frame_len = 0;
		int r;

		if (acquire(s, job, key, sandbox, b, why, whylen) < 0)
			return -1;
		slot_build_job(job, s->cfg->output_limit_bytes, &fj);
		/* the last allowed run: the runner exits after it, no clean-up */
		fj.keep = sandbox && b->runs + 1 < s->cfg->sandbox_max_runs;
		fj.uid = sandbox ? held_uid(b->runs) : SLOT_RUNNER_UID;
		frame = cr_job_encode(&fj, &frame_len);
		if (!frame) {
			snprintf(why, whylen, "could not encode the job (limits out of range?)");
			return -1;
		}
		r = docker_attach_write(&b->a, frame, frame_len, cr_monotonic_ms() + DOCKER_STEP_MS);
		free(frame);
		if (r == 0)
			return 0;
		if (strcmp(b->path, "cold") == 0) {
			snprintf(why, whylen, "%s", b->a.error);
			check_docker(s);
			return -1;
		}
		cr_warn("%s container %.12s did not take the job: %s; trying another", b->path,
			b->id, b->a.error);
		retire_box(s, b, NULL);
	}
}

/*
 * Is the stream exactly at the end of the result frame? A runner that is
 * to serve again has written nothing else; anything more is a confusion
 * that a fresh container settles.
 */
static bool stream_at_rest(const struct docker_attach *a, size_t frame_len)
{
	return a->out.len == frame_len && a->dm.hdr_have == 0 && a->dm.remaining == 0 &&
	       !a->eof;
}

static void run_job(struct slot *s, struct queue_job *job, int64_t claim_ms)
{
	struct verdict_limits lim = {
		.time_limit_ms = job->time_limit_ms,
		.compile_timeout_seconds = job->compile_timeout_seconds,
		.max_memory_mb = job->max_memory_mb,
		.output_limit_bytes = s->cfg->output_limit_bytes,
	};
	struct pool_key key, lang_key;
	struct box b;
	struct cr_result res;
	struct verdict v;
	struct tests_verdict tests = { 0 };
	struct held *stale;
	const char *retire = NULL;
	char why[600] = "", cid[DOCKER_ID_MAX + 1] = "-";
	char err[256];
	size_t result_len = 0;
	bool have_result = false, sandbox = sandbox_mode(s, job);
	enum queue_return kind = QUEUE_FAILURE;
	int64_t t0 = cr_monotonic_ms(), t_written, t_result = 0, t_finished = 0;
	int r;

	memset(&b, 0, sizeof(b));
	b.path = "cold";
	memset(&res, 0, sizeof(res));
	memset(&key, 0, sizeof(key));
	snprintf(key.image, sizeof(key.image), "%s", job->image);
	key.memory_mb = job->max_memory_mb;
	key.processes = job->max_processes;
	key.cpu_millicores = s->cfg->cpu_limit_millicores;
	publish_job(s, job);

	/* The language row changed since that container was made: it retires. */
	lang_key = key;
	lang_key.memory_mb = job->language_memory_mb;
	while (job->language &&
	       (stale = held_stale_language(&s->held, job->language, &lang_key, &key)))
		retire_held(s, stale, "its language's row changed");
	if (!sandbox)
		for (int i = 0; job->language && i < HELD_MAX; i++)
			if (s->held.h[i].used && strcmp(s->held.h[i].language, job->language) == 0)
				retire_held(s, &s->held.h[i], "its language runs in container mode now");

	if (start_run(s, job, &key, sandbox, &b, why, sizeof(why)) < 0)
		goto give_back;
	t_written = cr_monotonic_ms();
	r = await_result(s, job, &b.a, &result_len, why, sizeof(why), &kind);
	if (r < 0)
		goto out;
	if (r == 0) {
		check_docker(s);
		goto give_back;
	}
	t_result = cr_monotonic_ms();
	if (cr_result_decode((const uint8_t *)b.a.out.data, result_len, &res, err, sizeof(err)) < 0) {
		snprintf(why, sizeof(why), "could not decode the runner's result: %s", err);
		goto give_back;
	}
	have_result = true;
	verdict_map(&res, &lim, &v);
	if (!v.retry && job->ncases)
		verdict_tests(&res, &lim, job->ncases, job->stop_on_first_failure, &v, &tests);
	if (v.retry) {
		snprintf(why, sizeof(why), "%s", v.error);
		goto give_back;
	}
	finish(s, job, &v, job->ncases ? &tests : NULL);
	t_finished = cr_monotonic_ms();
	/* After the result is stored: keeping or retiring is off the critical path. */
	snprintf(cid, sizeof(cid), "%s", b.id);
	if (sandbox) {
		retire = held_retire_reason(&res, &v, b.runs + 1, s->cfg->sandbox_max_runs);
		if (!retire && !stream_at_rest(&b.a, result_len))
			retire = "the runner wrote more than its result";
		if (retire)
			retire_box(s, &b, retire);
		else
			keep_box(s, &b, job, &key);
	}
	/*
	 * Where the time goes, for the benchmarks: claim (the UPDATE ... SKIP
	 * LOCKED), the Docker steps (0 unless cold), writing the job, the runner
	 * (job written -> result frame read, its clean-up included), and finish
	 * (the result stored and NOTIFYed in one statement).
	 */
	cr_info("finished: status=%s path=%s isolation=%s container=%.12s run=%d retire=\"%s\" "
		"cases=%d compile_ms=%lld time_ms=%lld memory_kb=%lld cleanup_ms=%lld "
		"claim_ms=%lld docker_ms=%lld "
		"write_ms=%lld result_ms=%lld finish_ms=%lld total_ms=%lld",
		v.status, b.path, sandbox ? "sandbox" : "container", cid,
		b.runs + 1, sandbox ? (retire ? retire : "-") : "container mode",
		job->ncases, (long long)res.compile_time_ms, (long long)v.time_ms,
		(long long)v.memory_kb, (long long)res.cleanup_ms, (long long)claim_ms,
		(long long)b.docker_ms,
		(long long)(t_written - t0 - b.docker_ms), (long long)(t_result - t_written),
		(long long)(t_finished - t_result), (long long)(t_finished - t0));
	goto out;

give_back:
	if (b.a.err.len)
		cr_warn("container stderr: %.300s", b.a.err.data);
	cr_warn("could not run the submission: %s", why);
	give_back(s, job, why, kind);
	/* a platform failure: do not hurry to fail the next submission the same way */
	if (kind == QUEUE_FAILURE)
		stopsig_wait(-1, RETRY_WAIT_MS);
out:
	/*
	 * Off the result's critical path: the row is final before we clean up,
	 * and the janitor removes the container while this slot claims the next.
	 */
	if (b.id[0] || b.attached)
		retire_box(s, &b, NULL);
	__atomic_store_n(&s->state->busy, 0, __ATOMIC_SEQ_CST);
	if (have_result)
		cr_result_free(&res);
	verdict_tests_free(&tests);
}

/* The leaser: renew one busy slot's lease; mark it lost when it is not ours. */
static void renew_slot(struct cr_db *db, const struct cr_config *cfg, struct slot_state *st)
{
	struct queue_job job;
	unsigned seq;

	if (!__atomic_load_n(&st->busy, __ATOMIC_SEQ_CST))
		return;
	memset(&job, 0, sizeof(job));
	seq = __atomic_load_n(&st->claim_seq, __ATOMIC_SEQ_CST);
	memcpy(job.id, st->submission, sizeof(job.id) - 1);
	job.attempts = st->attempts;
	/* the slot moved on while we copied: the next round renews the new claim */
	if (__atomic_load_n(&st->claim_seq, __ATOMIC_SEQ_CST) != seq ||
	    !__atomic_load_n(&st->busy, __ATOMIC_SEQ_CST) || cr_db_ensure(db) < 0)
		return;
	if (queue_renew(db, &job, cfg->worker_id, cfg->lease_seconds) == 1 &&
	    __atomic_load_n(&st->claim_seq, __ATOMIC_SEQ_CST) == seq &&
	    __atomic_load_n(&st->busy, __ATOMIC_SEQ_CST)) {
		cr_warn("lease of submission %s attempt %d lost", job.id, job.attempts);
		__atomic_store_n(&st->lost_seq, seq, __ATOMIC_SEQ_CST);
	}
}

static bool any_busy(const struct cr_config *cfg, struct slot_board *board)
{
	for (int i = 0; i < cfg->worker_slots; i++)
		if (__atomic_load_n(&board->slots[i].busy, __ATOMIC_SEQ_CST))
			return true;
	return false;
}

/*
 * A process of its own, so that nothing a slot waits for (dockerd stalled in
 * a create, a runner that never answers) can delay a renewal: the lease
 * covers the whole claim, from the claim to the stored result.
 */
int slot_leaser_main(const struct cr_config *cfg, struct slot_board *board)
{
	struct cr_db db;
	int every = cfg->lease_seconds * 1000 / 3;
	int64_t stop_at = 0;

	cr_log_set_context("leaser");
	if (stopsig_init() < 0)
		return 1;
	cr_db_init(&db, cfg->database_url, queue_stmts);
	if (every < 500)
		every = 500;
	/* on a stop, the slots may still finish for SLOT_STOP_GRACE_MS: keep renewing */
	for (;;) {
		if (stopsig_requested() && !stop_at)
			stop_at = cr_monotonic_ms();
		if (stop_at && (!any_busy(cfg, board) ||
				cr_monotonic_ms() > stop_at + SLOT_STOP_GRACE_MS + 5000))
			break;
		for (int i = 0; i < cfg->worker_slots; i++)
			renew_slot(&db, cfg, &board->slots[i]);
		stopsig_wait(-1, stop_at ? 500 : every);
	}
	cr_db_close(&db);
	return 0;
}

int slot_main(const struct cr_config *cfg, int index, struct slot_board *board)
{
	struct slot s;
	char ctx[160];
	int wait_ms = cfg->sweep_interval_seconds * 1000;

	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	s.index = index;
	s.board = board;
	s.state = &board->slots[index];
	snprintf(ctx, sizeof(ctx), "slot=%d", index);
	cr_log_set_context(ctx);
	if (stopsig_init() < 0)
		return 1;
	cr_db_init(&s.db, cfg->database_url, queue_stmts);
	if (docker_init(&s.docker, cfg->docker_socket) < 0)
		return 1;
	s.docker_ok = docker_ping(&s.docker, NULL, 0) == 0;

	while (!stopping(&s)) {
		struct queue_job job;
		int64_t t_claim;
		int r;

		if (ensure_db(&s) < 0) {
			stopsig_wait(-1, RETRY_WAIT_MS);
			continue;
		}
		if (!ensure_docker(&s)) {
			stopsig_wait(-1, RETRY_WAIT_MS);
			continue;
		}
		drain_notifications(&s);
		sweep_held(&s, false);
		t_claim = cr_monotonic_ms();
		r = queue_claim(&s.db, cfg->worker_id, cfg->lease_seconds, &job);
		if (r < 0) {
			stopsig_wait(-1, RETRY_WAIT_MS);
			continue;
		}
		if (r == 0) {
			stopsig_wait(PQsocket(s.db.conn), wait_ms);
			continue;
		}
		snprintf(ctx, sizeof(ctx), "slot=%d sub=%s lang=%s attempt=%d", index, job.id,
			 job.language ? job.language : "?", job.attempts);
		cr_log_set_context(ctx);
		run_job(&s, &job, cr_monotonic_ms() - t_claim);
		queue_job_free(&job);
		snprintf(ctx, sizeof(ctx), "slot=%d", index);
		cr_log_set_context(ctx);
	}
	sweep_held(&s, true);
	cr_info("slot stopped");
	docker_close(&s.docker);
	cr_db_close(&s.db);
	return 0;
}
