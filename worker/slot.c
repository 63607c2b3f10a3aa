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

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/conf.h"
#include "common/db.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "common/xalloc.h"
#include "worker/docker.h"
#include "worker/frame.h"
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
	out->stdin_data = job->input;
	out->compile = job->compile_command;
	out->run = job->execute_command;
	out->time_ms = (int64_t)job->timeout_seconds * 1000;
	out->compile_ms = (int64_t)job->compile_timeout_seconds * 1000;
	out->output_bytes = (int64_t)output_limit_bytes;
	out->compile_output_bytes = (int64_t)output_limit_bytes;
	out->file_bytes = SANDBOX_FILE_BYTES;
	out->nofile = SANDBOX_NOFILE;
	out->uid = SLOT_RUNNER_UID;
}

int64_t slot_job_budget_ms(const struct queue_job *job)
{
	int64_t ms = (int64_t)job->timeout_seconds * 1000 + SLOT_DEADLINE_MARGIN_MS;

	if (job->compile_command)
		ms += (int64_t)job->compile_timeout_seconds * 1000;
	return ms;
}

static void publish_job(struct slot *s, const struct queue_job *job)
{
	snprintf(s->state->submission, sizeof(s->state->submission), "%s", job->id);
	s->state->attempts = job->attempts;
	__atomic_store_n(&s->state->busy, 1, __ATOMIC_SEQ_CST);
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

static void give_back(struct slot *s, const struct queue_job *job, const char *why)
{
	for (int i = 0; i < FINISH_TRIES; i++) {
		if (ensure_db(s) == 0 &&
		    queue_give_back(&s->db, job, s->cfg->worker_id, why, s->cfg->max_attempts) >= 0)
			return;
		poll(NULL, 0, RETRY_WAIT_MS);
	}
	cr_error("could not give back the submission: its lease will expire");
}

static void finish(struct slot *s, const struct queue_job *job, const struct verdict *v)
{
	for (int i = 0; i < FINISH_TRIES; i++) {
		if (ensure_db(s) == 0 && queue_finish(&s->db, job, s->cfg->worker_id, v) >= 0)
			return;
		/* not stopsig_wait: a stop request must not cut these retries short */
		poll(NULL, 0, RETRY_WAIT_MS);
	}
	cr_error("could not write the result: the lease will expire and it runs again");
}

/*
 * Read the result frame, renewing the lease. Returns 1 with the frame, 0 when
 * the job must be given back (why filled), -1 when the lease is lost.
 */
static int await_result(struct slot *s, const struct queue_job *job, struct docker_attach *a,
			size_t *frame_len, char *why, size_t whylen)
{
	int64_t start = cr_monotonic_ms();
	int64_t deadline = start + slot_job_budget_ms(job);
	int64_t renew_every = s->cfg->lease_seconds * 1000 / 3;
	int64_t next_renew = start + renew_every;

	if (renew_every < 500)
		renew_every = 500;
	for (;;) {
		int64_t now = cr_monotonic_ms();
		int64_t until = deadline < next_renew ? deadline : next_renew;
		int r;

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
			return 0;
		}
		if (now >= next_renew) {
			next_renew = now + renew_every;
			if (ensure_db(s) == 0) {
				int rr = queue_renew(&s->db, job, s->cfg->worker_id, s->cfg->lease_seconds);

				if (rr == 1) {
					cr_warn("lease lost while running: abandoning the run");
					return -1;
				}
			}
		}
	}
}

/*
 * Take a pre-started container of the job's language and write the job to it.
 * 1: written (container and a filled in, attached); 0: none ready, or the one
 * taken was dead (it served nothing: it goes to the janitor) -- the cold path.
 */
static int run_pooled(struct slot *s, const struct queue_job *job, const uint8_t *frame,
		      size_t frame_len, struct docker_attach *a, char *container)
{
	struct pool_key want;
	struct pool_container pc;

	memset(&want, 0, sizeof(want));
	snprintf(want.image, sizeof(want.image), "%s", job->image);
	want.memory_mb = job->max_memory_mb;
	want.processes = job->max_processes;
	want.cpu_millicores = s->cfg->cpu_limit_millicores;
	if (pool_take(job->language, &want, &pc) != 1)
		return 0;
	snprintf(container, DOCKER_ID_MAX + 1, "%s", pc.id);
	publish_container(s, container);
	docker_attach_adopt(a, pc.fd, CR_FRAME_MAX_BYTES);
	if (docker_attach_write(a, frame, frame_len, cr_monotonic_ms() + DOCKER_STEP_MS) == 0) {
		cr_debug("pool: container %.12s (ready for %lld ms) took the job", container,
			 (long long)pc.age_ms);
		return 1;
	}
	cr_warn("pool: container %.12s did not take the job: %s; the cold way instead", container,
		a->error);
	docker_attach_close(a);
	pool_dispose(&s->docker, container);
	pool_replenish();
	container[0] = '\0';
	publish_container(s, NULL);
	return 0;
}

static void run_job(struct slot *s, struct queue_job *job, int64_t claim_ms)
{
	struct sandbox_spec spec = {
		.image = job->image,
		.worker_id = s->cfg->worker_id,
		.submission_id = job->id,
		.max_memory_mb = job->max_memory_mb,
		.max_processes = job->max_processes,
		.cpu_millicores = s->cfg->cpu_limit_millicores,
	};
	struct verdict_limits lim = {
		.timeout_seconds = job->timeout_seconds,
		.compile_timeout_seconds = job->compile_timeout_seconds,
		.max_memory_mb = job->max_memory_mb,
		.output_limit_bytes = s->cfg->output_limit_bytes,
	};
	struct docker_attach a;
	struct cr_job frame_job;
	struct cr_result res;
	struct verdict v;
	char container[DOCKER_ID_MAX + 1] = "";
	char why[600] = "";
	char err[256];
	uint8_t *frame = NULL;
	char *json = NULL;
	size_t frame_len = 0, result_len = 0;
	bool attached = false, have_result = false, pooled = false;
	int64_t t0 = cr_monotonic_ms(), t_created = 0, t_attached = 0, t_started = 0, t_result = 0;
	int64_t t_written = 0, t_finished = 0;
	int r;

	memset(&a, 0, sizeof(a));
	memset(&res, 0, sizeof(res));
	publish_job(s, job);

	slot_build_job(job, s->cfg->output_limit_bytes, &frame_job);
	frame = cr_job_encode(&frame_job, &frame_len);
	json = sandbox_create_json(&spec);
	if (!frame || !json) {
		snprintf(why, sizeof(why), "could not encode the job (limits out of range?)");
		goto give_back;
	}
	/* The fast path: no Docker call at all before the job is written. */
	if (run_pooled(s, job, frame, frame_len, &a, container)) {
		pooled = attached = true;
		t_created = t_attached = t_started = cr_monotonic_ms();
		goto written;
	}
	if (docker_create(&s->docker, json, container) < 0) {
		/* with warnings, container is set: it is removed at out, never started */
		snprintf(why, sizeof(why), "%s", s->docker.error);
		check_docker(s);
		goto give_back;
	}
	publish_container(s, container);
	t_created = cr_monotonic_ms();
	if (docker_attach_open(&s->docker, container, CR_FRAME_MAX_BYTES,
			       cr_monotonic_ms() + DOCKER_STEP_MS, &a) < 0) {
		snprintf(why, sizeof(why), "%s", a.error);
		check_docker(s);
		goto give_back;
	}
	attached = true;
	t_attached = cr_monotonic_ms();
	if (docker_start(&s->docker, container) < 0) {
		snprintf(why, sizeof(why), "%s", s->docker.error);
		check_docker(s);
		goto give_back;
	}
	t_started = cr_monotonic_ms();
	if (docker_attach_write(&a, frame, frame_len, cr_monotonic_ms() + DOCKER_STEP_MS) < 0) {
		snprintf(why, sizeof(why), "%s", a.error);
		check_docker(s);
		goto give_back;
	}
written:
	t_written = cr_monotonic_ms();
	r = await_result(s, job, &a, &result_len, why, sizeof(why));
	if (r < 0)
		goto out;
	if (r == 0) {
		check_docker(s);
		goto give_back;
	}
	t_result = cr_monotonic_ms();
	if (cr_result_decode((const uint8_t *)a.out.data, result_len, &res, err, sizeof(err)) < 0) {
		snprintf(why, sizeof(why), "could not decode the runner's result: %s", err);
		goto give_back;
	}
	have_result = true;
	verdict_map(&res, &lim, &v);
	if (v.retry) {
		snprintf(why, sizeof(why), "%s", v.error);
		goto give_back;
	}
	finish(s, job, &v);
	t_finished = cr_monotonic_ms();
	/*
	 * Where the time goes, for the benchmarks: claim (the UPDATE ... SKIP
	 * LOCKED), the Docker steps (0 on the pool path), writing the job, the
	 * runner (job written -> result frame read), and finish (the result
	 * stored and NOTIFYed in one statement).
	 */
	cr_info("finished: status=%s path=%s container=%.12s time_ms=%lld memory_kb=%lld "
		"claim_ms=%lld create_ms=%lld attach_ms=%lld start_ms=%lld write_ms=%lld "
		"result_ms=%lld finish_ms=%lld total_ms=%lld", v.status, pooled ? "pool" : "cold",
		container,
		(long long)v.time_ms, (long long)v.memory_kb, (long long)claim_ms,
		(long long)(t_created - t0), (long long)(t_attached - t_created),
		(long long)(t_started - t_attached), (long long)(t_written - t_started),
		(long long)(t_result - t_written), (long long)(t_finished - t_result),
		(long long)(t_finished - t0));
	goto out;

give_back:
	if (a.err.len)
		cr_warn("container stderr: %.300s", a.err.data);
	cr_warn("could not run the submission: %s", why);
	give_back(s, job, why);
	/* a platform failure: do not hurry to fail the next submission the same way */
	stopsig_wait(-1, RETRY_WAIT_MS);
out:
	if (attached)
		docker_attach_close(&a);
	/*
	 * Off the result's critical path: the row is final before we clean up,
	 * and the janitor removes the container while this slot claims the next.
	 */
	if (container[0])
		pool_dispose(&s->docker, container);
	if (pooled)
		pool_replenish();
	publish_container(s, NULL);
	__atomic_store_n(&s->state->busy, 0, __ATOMIC_SEQ_CST);
	if (have_result)
		cr_result_free(&res);
	free(frame);
	free(json);
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
	cr_info("slot stopped");
	docker_close(&s.docker);
	cr_db_close(&s.db);
	return 0;
}
