/*
 * coderank-worker [-c FILE]: the supervisor of worker_slots slot processes.
 *
 * The supervisor runs no submission itself. It checks dockerd and the language
 * images at start, registers the worker (workers table) and keeps its
 * heartbeat, sweeps expired leases every sweep_interval_seconds, removes
 * containers that dead workers left behind (at start and periodically),
 * purges submissions older than retention_days (hourly, a slice per tick:
 * retention.h), and forks the slots (slot.c). Slots are processes, not
 * threads: each has its own database connection, curl handle and log
 * context, and one crashing cannot take the others down. A slot that dies is
 * restarted; the container it used is removed and its submission given back
 * at once (from the shared struct slot_state), without waiting for its lease.
 *
 * It also forks the pool's helpers (pool.c): the fillers that keep
 * pre-started containers ready, and the janitor that removes used containers
 * off the slots' critical path; and the leaser (slot.h), which renews the
 * lease of every running claim whatever its slot is doing. They are
 * restarted like slots. When webhook_key is set, it forks the delivery
 * process of webhooks too (webhook.h), restarted the same way: its claims
 * are transactions, so one killed mid-send leaves its delivery pending.
 *
 * SIGTERM/SIGINT: the slots stop claiming, finish their running submission
 * (or give it back after a grace), and the supervisor exits 0 after them.
 * Slots die with the supervisor (PR_SET_PDEATHSIG): after a kill -9 the
 * leases bring the submissions back, and the next worker's start-up reaper
 * removes the containers.
 */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/db.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "common/xalloc.h"
#include "worker/docker.h"
#include "worker/held.h"
#include "worker/hostcheck.h"
#include "worker/pool.h"
#include "worker/queue.h"
#include "worker/retention.h"
#include "worker/slot.h"
#include "worker/webhook.h"

#define REAP_EVERY_MS 10000
#define RESPAWN_DELAY_MS 1000
#define UNSTARTED_CONTAINER_SECONDS 15	/* a start takes well under a second */
#define YOUNG_CONTAINER_SECONDS 60	/* of our own: maybe not yet published by its slot */

struct child {
	pid_t pid;
	int64_t started_ms;
	int64_t respawn_at;	/* 0: running or not needed */
};

struct supervisor {
	struct cr_config cfg;
	char hostname[256];
	struct cr_db db;
	struct retention retention;	/* retention_days: its own connection */
	struct docker docker;
	struct slot_board *board;	/* MAP_SHARED with the slots */
	size_t board_size;
	struct child *children;	/* worker_slots slots, the pool's helpers, the leaser... */
	int nchildren;
	int leaser;		/* its index in children */
	int webhooks;		/* the delivery process's index; -1: webhooks are off */
	int sigfd;
	bool stopping;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: coderank-worker [-c FILE]\n"
		   "Runs queued CodeRank submissions in Docker containers.\n"
		   "The configuration is FILE, else $CODERANK_CONFIG, else "
		   "/etc/coderank/coderank.conf.\n");
}

static int stale_seconds(const struct cr_config *cfg)
{
	int s = 3 * cfg->sweep_interval_seconds;

	return s < 15 ? 15 : s;
}

/*
 * In a child: the supervisor's database connections are not ours. Close our
 * copy of the socket first, so that PQfinish() only frees memory and its
 * Terminate message (which would end the session for the supervisor) goes
 * nowhere.
 */
static void forget_db(struct cr_db *db)
{
	if (db->conn) {
		close(PQsocket(db->conn));
		PQfinish(db->conn);
	}
	db->conn = NULL;
}

static pid_t spawn_slot(struct supervisor *sv, int i)
{
	pid_t pid = fork();
	sigset_t none;

	if (pid < 0) {
		cr_error("could not fork slot %d: %s", i, strerror(errno));
		return -1;
	}
	if (pid > 0)
		return pid;
	/* child */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);	/* the supervisor died before prctl */
	close(sv->sigfd);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	forget_db(&sv->db);
	forget_db(&sv->retention.db);	/* a retention run's, when one is going */
	/* exit(), not _exit(): LeakSanitizer checks the slot too */
	if (i == sv->leaser)
		exit(slot_leaser_main(&sv->cfg, sv->board));
	if (i == sv->webhooks) {
		/* its own name in ps and /proc: operators (and the tests) find it */
		prctl(PR_SET_NAME, "cr-webhook", 0, 0, 0);
		exit(webhook_main(&sv->cfg));
	}
	if (i >= sv->cfg.worker_slots)
		exit(pool_helper_main(&sv->cfg, i - sv->cfg.worker_slots));
	exit(slot_main(&sv->cfg, i, sv->board));
}

/* Remove a container, logging why. */
static void remove_container(struct supervisor *sv, const char *id, const char *why)
{
	if (docker_remove(&sv->docker, id) < 0)
		cr_warn("could not remove container %.12s: %s", id, sv->docker.error);
	else
		cr_info("removed container %.12s: %s", id, why);
}

static bool held_by_slot(const struct supervisor *sv, const char *id)
{
	for (int i = 0; i < sv->cfg.worker_slots; i++) {
		const struct slot_state *st = &sv->board->slots[i];

		if (__atomic_load_n(&st->has_container, __ATOMIC_SEQ_CST) &&
		    strcmp(st->container, id) == 0)
			return true;
		for (int j = 0; j < HELD_MAX; j++)
			if (__atomic_load_n(&st->held_used[j], __ATOMIC_SEQ_CST) &&
			    strcmp(st->held[j], id) == 0)
				return true;
	}
	return false;
}

/*
 * Remove containers whose worker is dead: its heartbeat is stale, or it ran on
 * this host and its pid no longer exists. The dead worker's
 * leases are expired at once so that the sweep brings its submissions back now.
 */
static void reap_containers(struct supervisor *sv, bool all_ours)
{
	struct docker_container *list = NULL;
	size_t n = 0;
	int expired = 0;

	if (docker_list_labelled(&sv->docker, "coderank.worker", &list, &n) < 0) {
		cr_warn("could not look for orphaned containers: %s", sv->docker.error);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct docker_container *c = &list[i];
		char host[256];
		int pid = 0, alive;

		if (!c->worker)
			continue;
		if (strcmp(c->worker, sv->cfg.worker_id) == 0) {
			/*
			 * One that has ended and no slot holds is of no use to anyone:
			 * a dockerd restart ends every ready container of the pool,
			 * and the janitor's removal may have failed while dockerd was
			 * down. Age does not matter for those.
			 */
			if (!all_ours && c->ended && !held_by_slot(sv, c->id)) {
				remove_container(sv, c->id, "it has ended and no slot holds it");
				continue;
			}
			/* created but never started: a start that failed (dockerd going down) */
			if (!all_ours && c->never_started && !held_by_slot(sv, c->id) &&
			    c->created < (int64_t)time(NULL) - UNSTARTED_CONTAINER_SECONDS) {
				remove_container(sv, c->id, "it was never started");
				continue;
			}
			/* a ready container of our pool waits in a queue, held by no slot */
			if (!all_ours && c->pool &&
			    c->created >= (int64_t)time(NULL) - sv->cfg.pool_max_age_seconds -
						 YOUNG_CONTAINER_SECONDS)
				continue;
			if (all_ours)
				remove_container(sv, c->id, "no slot of this worker runs");
			else if (!held_by_slot(sv, c->id) &&
				 c->created < (int64_t)time(NULL) - YOUNG_CONTAINER_SECONDS)
				remove_container(sv, c->id, "no slot of this worker holds it");
			continue;
		}
		if (cr_db_ensure(&sv->db) < 0)
			break;
		alive = queue_worker_alive(&sv->db, c->worker, stale_seconds(&sv->cfg),
					   host, sizeof(host), &pid);
		/*
		 * No row: a worker of another deployment sharing this dockerd (each
		 * deployment has its own database). Only workers we know to be dead
		 * are reaped; ours delete their row only after their containers.
		 */
		if (alive < 0 || alive == 2)
			continue;
		if (alive == 1 && !(strcmp(host, sv->hostname) == 0 && pid > 0 &&
				    kill(pid, 0) < 0 && errno == ESRCH))
			continue;
		remove_container(sv, c->id, "its worker is dead");
		if (queue_expire_owner(&sv->db, c->worker) > 0)
			expired++;
	}
	if (expired && queue_sweep(&sv->db, sv->cfg.max_attempts) > 0)
		cr_info("gave back the submissions of dead workers");
	docker_containers_free(list, n);
}

static const char *helper_name(const struct supervisor *sv, int i)
{
	if (i == sv->leaser)
		return "leaser";
	if (i == sv->webhooks)
		return "webhook delivery process";
	return pool_helper_name(&sv->cfg, i - sv->cfg.worker_slots);
}

/*
 * A helper (the pool's, the leaser, the webhooks') exited: it holds nothing
 * another process must clean up; start a new one unless stopping.
 */
static void helper_exited(struct supervisor *sv, int i, int status)
{
	const char *name = helper_name(sv, i);

	sv->children[i].pid = 0;
	if (WIFSIGNALED(status) && !(sv->stopping && WTERMSIG(status) == SIGTERM))
		cr_error("%s died by signal %d", name, WTERMSIG(status));
	else if (!sv->stopping || WEXITSTATUS(status) != 0)
		cr_error("%s exited with status %d", name, WEXITSTATUS(status));
	if (!sv->stopping) {
		int64_t now = cr_monotonic_ms();

		sv->children[i].respawn_at =
			now - sv->children[i].started_ms < RESPAWN_DELAY_MS ? now + RESPAWN_DELAY_MS : now;
	}
}

/* A slot exited: clean up after it and schedule a new one unless stopping. */
static void slot_exited(struct supervisor *sv, int i, int status)
{
	struct slot_state *st = &sv->board->slots[i];
	bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;

	if (i >= sv->cfg.worker_slots) {
		helper_exited(sv, i, status);
		return;
	}
	sv->children[i].pid = 0;
	if (!clean) {
		if (WIFSIGNALED(status))
			cr_error("slot %d died by signal %d", i, WTERMSIG(status));
		else
			cr_error("slot %d exited with status %d", i, WEXITSTATUS(status));
	}
	if (__atomic_load_n(&st->has_container, __ATOMIC_SEQ_CST)) {
		remove_container(sv, st->container, "its slot died");
		st->has_container = 0;
	}
	for (int j = 0; j < HELD_MAX; j++)
		if (__atomic_load_n(&st->held_used[j], __ATOMIC_SEQ_CST)) {
			remove_container(sv, st->held[j], "its slot died");
			st->held_used[j] = 0;
		}
	if (__atomic_load_n(&st->busy, __ATOMIC_SEQ_CST)) {
		struct queue_job job;

		memset(&job, 0, sizeof(job));
		snprintf(job.id, sizeof(job.id), "%s", st->submission);
		job.attempts = st->attempts;
		if (cr_db_ensure(&sv->db) == 0)
			queue_give_back(&sv->db, &job, sv->cfg.worker_id,
					"the worker's slot process died",
					sv->stopping ? QUEUE_SHUTDOWN : QUEUE_FAILURE,
					sv->cfg.max_platform_failures);
		st->busy = 0;
	}
	if (!sv->stopping) {
		int64_t now = cr_monotonic_ms();

		sv->children[i].respawn_at =
			now - sv->children[i].started_ms < RESPAWN_DELAY_MS ? now + RESPAWN_DELAY_MS : now;
	}
}

static void reap_children(struct supervisor *sv)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (int i = 0; i < sv->nchildren; i++)
			if (sv->children[i].pid == pid)
				slot_exited(sv, i, status);
}

static int live_children(const struct supervisor *sv)
{
	int n = 0;

	for (int i = 0; i < sv->nchildren; i++)
		n += sv->children[i].pid > 0;
	return n;
}

static void respawn_due(struct supervisor *sv)
{
	int64_t now = cr_monotonic_ms();

	for (int i = 0; i < sv->nchildren; i++) {
		struct child *c = &sv->children[i];

		if (sv->stopping || c->pid > 0 || !c->respawn_at || now < c->respawn_at)
			continue;
		c->pid = spawn_slot(sv, i);
		c->started_ms = now;
		c->respawn_at = c->pid > 0 ? 0 : now + RESPAWN_DELAY_MS;
	}
}

/*
 * Sandbox mode relies on the memory cgroup (hostcheck.h): where it cannot,
 * every run gets a fresh container, and the log says why.
 */
static void check_sandbox(struct supervisor *sv)
{
	char what[512];

	if (hostcheck_cgroup_here(what, sizeof(what)) < 0) {
		sv->board->sandbox_refused = 1;
		cr_error("self-check: sandbox mode refused: %s; every language runs in container "
			 "mode (a fresh container per run)", what);
		return;
	}
	cr_info("self-check: %s: sandbox mode available (isolation=%s, sandbox_max_runs=%d, "
		"sandbox_idle_seconds=%d)", what, sv->cfg.isolation, sv->cfg.sandbox_max_runs,
		sv->cfg.sandbox_idle_seconds);
}

static void self_check(struct supervisor *sv)
{
	char version[128];
	char **images = NULL;
	size_t n = 0;

	check_sandbox(sv);
	if (docker_ping(&sv->docker, version, sizeof(version)) < 0)
		cr_error("self-check: dockerd is unreachable: %s; slots wait for it",
			 sv->docker.error);
	else if (docker_check_profile(&sv->docker) < 0)
		/* running code unconfined is worse than running none */
		cr_die("self-check failed: %s", sv->docker.error);
	else
		cr_info("self-check: dockerd %s at \"%s\", sandbox profile applicable",
			version, sv->cfg.docker_socket);
	if (cr_db_ensure(&sv->db) < 0 || queue_active_images(&sv->db, &images, &n) < 0) {
		cr_error("self-check: could not read the active languages");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int r = docker_image_present(&sv->docker, images[i]);

		if (r == 0)
			cr_error("self-check: image \"%s\" of an active language is missing: "
				 "its submissions will end internal_error", images[i]);
		else if (r < 0)
			cr_warn("self-check: could not check image \"%s\": %s", images[i],
				sv->docker.error);
		free(images[i]);
	}
	free(images);
}

static void tick(struct supervisor *sv, int64_t *next_reap)
{
	if (cr_db_ensure(&sv->db) < 0)
		return;
	queue_heartbeat(&sv->db, sv->cfg.worker_id, sv->hostname, (int)getpid(),
			sv->cfg.worker_slots);
	queue_sweep(&sv->db, sv->cfg.max_attempts);
	retention_tick(&sv->retention, sv->cfg.retention_days);
	if (cr_monotonic_ms() >= *next_reap) {
		reap_containers(sv, false);
		*next_reap = cr_monotonic_ms() + REAP_EVERY_MS;
	}
}

static void handle_signals(struct supervisor *sv)
{
	struct signalfd_siginfo si;

	while (read(sv->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			reap_children(sv);
		} else if (!sv->stopping) {
			cr_info("signal %u: stopping the slots", si.ssi_signo);
			sv->stopping = true;
			for (int i = 0; i < sv->nchildren; i++)
				if (sv->children[i].pid > 0)
					kill(sv->children[i].pid, SIGTERM);
		}
	}
}

int main(int argc, char **argv)
{
	struct supervisor sv;
	const char *path = NULL;
	char err[512];
	sigset_t mask;
	int64_t next_tick, next_reap;
	int exit_status;

	memset(&sv, 0, sizeof(sv));
	cr_log_set_program("coderank-worker");
	exit_status = cr_config_args(argc, argv, usage, &path);
	if (exit_status >= 0)
		return exit_status;
	if (cr_config_load(&sv.cfg, path, err, sizeof(err)) < 0 ||
	    cr_config_check_worker(&sv.cfg, err, sizeof(err)) < 0)
		cr_die("cannot start: %s", err);
	if (cr_log_set_level(sv.cfg.log_level) < 0)
		cr_die("cannot start: unknown log_level");
	if (gethostname(sv.hostname, sizeof(sv.hostname) - 1) < 0)
		snprintf(sv.hostname, sizeof(sv.hostname), "unknown");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		cr_die("cannot start: curl_global_init failed");

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sv.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sv.sigfd < 0)
		cr_die("cannot start: signalfd: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);

	sv.board_size = sizeof(struct slot_board) +
			sizeof(struct slot_state) * (size_t)sv.cfg.worker_slots;
	sv.board = mmap(NULL, sv.board_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			-1, 0);
	if (sv.board == MAP_FAILED)
		cr_die("cannot start: mmap: %s", strerror(errno));
	if (pool_setup(&sv.cfg) < 0)
		cr_die("cannot start: could not set up the pool");
	/* the slots, the pool's helpers, the leaser, and the webhooks' delivery process */
	sv.leaser = sv.cfg.worker_slots + pool_helpers(&sv.cfg);
	sv.webhooks = sv.cfg.webhook_key && *sv.cfg.webhook_key ? sv.leaser + 1 : -1;
	sv.nchildren = sv.leaser + 1 + (sv.webhooks >= 0);
	sv.children = cr_xcalloc((size_t)sv.nchildren, sizeof(*sv.children));
	cr_db_init(&sv.db, sv.cfg.database_url, queue_stmts);
	retention_init(&sv.retention, sv.cfg.database_url);
	if (docker_init(&sv.docker, sv.cfg.docker_socket) < 0)
		cr_die("cannot start: no curl handle");

	cr_info("starting: worker_id=%s slots=%d lease=%ds sweep=%ds retention=%dd",
		sv.cfg.worker_id, sv.cfg.worker_slots, sv.cfg.lease_seconds,
		sv.cfg.sweep_interval_seconds, sv.cfg.retention_days);
	self_check(&sv);
	if (cr_db_ensure(&sv.db) == 0)
		queue_heartbeat(&sv.db, sv.cfg.worker_id, sv.hostname, (int)getpid(),
				sv.cfg.worker_slots);
	reap_containers(&sv, true);

	for (int i = 0; i < sv.nchildren; i++)
		sv.children[i].respawn_at = 1;
	respawn_due(&sv);

	next_tick = cr_monotonic_ms();
	next_reap = cr_monotonic_ms() + REAP_EVERY_MS;
	for (;;) {
		struct pollfd p = { .fd = sv.sigfd, .events = POLLIN };
		int64_t now = cr_monotonic_ms();
		int64_t wait = next_tick - now;

		for (int i = 0; i < sv.nchildren; i++)
			if (sv.children[i].respawn_at && sv.children[i].respawn_at - now < wait)
				wait = sv.children[i].respawn_at - now;
		if (wait < 0)
			wait = 0;
		if (poll(&p, 1, (int)wait) < 0 && errno != EINTR)
			cr_die("poll: %s", strerror(errno));
		handle_signals(&sv);
		if (sv.stopping && live_children(&sv) == 0)
			break;
		respawn_due(&sv);
		if (cr_monotonic_ms() >= next_tick) {
			next_tick = cr_monotonic_ms() + sv.cfg.sweep_interval_seconds * 1000;
			if (!sv.stopping)
				tick(&sv, &next_reap);
		}
	}
	/* Every slot is gone: whatever container of ours is left (its removal
	 * failed while dockerd was down) is an orphan now. The row goes last. */
	reap_containers(&sv, true);
	if (cr_db_ensure(&sv.db) == 0)
		queue_worker_gone(&sv.db, sv.cfg.worker_id);
	cr_info("stopped");
	docker_close(&sv.docker);
	retention_close(&sv.retention);
	cr_db_close(&sv.db);
	munmap(sv.board, sv.board_size);
	free(sv.children);
	cr_config_free(&sv.cfg);
	curl_global_cleanup();
	return 0;
}
