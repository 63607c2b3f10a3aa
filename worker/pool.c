/*
 * The pool of pre-started one-shot containers, and the janitor.
 *
 * Why: starting a container costs about 76 ms here and removing it 30-50 ms,
 * while a hello world runs in 10 ms. The runner reads its job on stdin and
 * starts no clock before the job arrives, so a container can be created,
 * attached and started ahead of time and wait, idle, for exactly one job. It
 * serves that one submission and is removed; nothing is reused.
 *
 * Architecture (the simplest that keeps Docker off the slots' critical path):
 *
 *   fillers (POOL_FILLERS processes) --create/attach/start--> dockerd
 *        |  sendmsg(id + limits, SCM_RIGHTS attach socket)
 *        v
 *   ready queue: one SOCK_SEQPACKET socketpair per language (the kernel holds
 *        |       the queued messages and their sockets; no process owns them)
 *        v  recvmsg(MSG_DONTWAIT) by whichever slot claimed a submission
 *   slot: write the job, read the result frame, store + NOTIFY, then
 *        |  write(id) to the janitor's pipe
 *        v
 *   janitor (one process) --DELETE ?force=1--> dockerd
 *
 * After the 101 upgrade an attach stream is a plain unix socket to dockerd, so
 * it can be passed to another process like any fd. A slot never waits for a
 * filler: an empty queue means the cold path (create in the slot) and a miss,
 * which grows that language's target (pool_next_target) up to pool_max; an
 * entry unused for pool_idle_seconds shrinks by one per period to its pool_size
 * (the language row's, else the worker's). A language whose pool_size is 0 has
 * no pool: nothing is pre-started and its misses grow nothing. The board, the
 * queues and the fillers exist whatever the worker's pool_size, because only
 * the rows, read by filler 0, say which languages want one.
 * A used one wakes the fillers (an eventfd) to start its replacement once its
 * result is stored (not at the take: the program is about to run then).
 *
 * Staleness: a waiting runner writes nothing, so a readable or hung-up stream
 * means its container died or dockerd restarted; a slot checks that before
 * using one (and discards it), and filler 0 (the leader) checks every queued
 * container each sweep interval, with their age (pool_max_age_seconds) and
 * whether their limits still match language_configs (reloaded then too). So
 * after a dockerd restart the dead ones are dropped and the pool refills.
 *
 * Clean-up: every pool container carries the worker's label and
 * coderank.pool=<language>. On SIGTERM the helpers exit and the supervisor's
 * final reaper removes every container with this worker's label, queued ones
 * included; after a crash the next worker's start-up reaper does. The
 * supervisor's periodic reaper spares our own pool containers younger than
 * pool_max_age_seconds (they are in a queue, held by no slot).
 *
 * Limits: a unix datagram queue holds at most net.unix.max_dgram_qlen
 * messages (10 by default), so the per-language target is capped at
 * POOL_QUEUE_MAX whatever pool_max says.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/db.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "common/xalloc.h"
#include "worker/docker.h"
#include "worker/frame.h"
#include "worker/pool.h"
#include "worker/sandbox.h"
#include "worker/stopsig.h"

#define POOL_QUEUE_MAX 10		/* net.unix.max_dgram_qlen's default */
#define STEP_MS 15000			/* attach budget of one container */
#define RETRY_MIN_MS 1000		/* after a failed start: back off... */
#define RETRY_MAX_MS 8000		/* ...doubling up to this */
#define JANITOR_RECORD (DOCKER_ID_MAX + 1)

struct pool_entry {
	char language[POOL_LANG_MAX];	/* written once, before used is set */
	int used;
	unsigned seq;			/* seqlock over key: odd while rewritten */
	struct pool_key key;
	int active;			/* language active: target >= floor */
	int floor;			/* its pool_size: the row's, else the worker's */
	int ready;			/* messages in the queue (a hint) */
	int starting;			/* being created by a filler */
	int target;
	int misses;			/* slots that found none, since a filler looked */
	int64_t last_take_ms;
	int64_t last_shrink_ms;
	int64_t loaded_ms;		/* the leader last read this row (or found it gone) */
	int64_t retry_at_ms;		/* after start failures: not before */
	int fails;
	int64_t taken, discarded;	/* for the log */
};

struct pool_board {
	int nentries;
	struct pool_entry e[POOL_MAX_KEYS];
};

/* A ready container in the queue; the attach socket travels beside it. */
struct pool_msg {
	char id[DOCKER_ID_MAX + 1];
	struct pool_key key;
	int64_t created_ms;		/* CLOCK_MONOTONIC: system-wide */
};

/* Process-wide: set up before fork, inherited by every child. */
static struct {
	bool on;			/* set up: the board and queues exist */
	int pool_size, pool_max;
	int64_t max_age_ms;
	struct pool_board *board;
	int queue[POOL_MAX_KEYS][2];	/* [0] filler end, [1] taker end */
	int wake;			/* eventfd: slots -> fillers */
	int janitor[2];			/* pipe of JANITOR_RECORD-byte ids */
} P = { .wake = -1, .janitor = { -1, -1 } };

static const struct cr_db_stmt pool_stmts[] = {
	{ "pool_languages",
	  "SELECT language_id, docker_image, max_memory_mb, max_processes, pool_size "
	  "FROM language_configs WHERE is_active ORDER BY language_id",
	  0 },
	{ NULL, NULL, 0 },
};

/* ---- pure decisions -------------------------------------------------------- */

int pool_next_target(int target, int floor, int max, int misses, bool idle)
{
	if (max < floor)
		max = floor;
	if (target < floor)
		target = floor;
	if (misses > 0)
		target = misses > max - target ? max : target + misses;
	else if (idle && target > floor)
		target--;
	return target > max ? max : target;
}

int pool_deficit(int target, int ready, int starting)
{
	int d = target - ready - starting;

	return d > 0 ? d : 0;
}

bool pool_key_matches(const struct pool_key *k, const struct pool_key *want)
{
	return strcmp(k->image, want->image) == 0 && k->memory_mb == want->memory_mb &&
	       k->processes == want->processes && k->cpu_millicores == want->cpu_millicores;
}

bool pool_container_fresh(int64_t created_ms, int64_t now_ms, int64_t max_age_ms,
			  bool key_current, short revents)
{
	if (!key_current || now_ms - created_ms > max_age_ms)
		return false;
	return (revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) == 0;
}

/* ---- shared state ------------------------------------------------------------ */

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)
#define ADD(x, v) __atomic_add_fetch(&(x), (v), __ATOMIC_SEQ_CST)

static int effective_max(void)
{
	int m = P.pool_max < POOL_QUEUE_MAX ? P.pool_max : POOL_QUEUE_MAX;

	return m < P.pool_size ? P.pool_size : m;
}

int pool_setup(const struct cr_config *cfg)
{
	P.pool_size = cfg->pool_size < POOL_QUEUE_MAX ? cfg->pool_size : POOL_QUEUE_MAX;
	P.pool_max = cfg->pool_max;
	P.max_age_ms = (int64_t)cfg->pool_max_age_seconds * 1000;
	if (pipe2(P.janitor, O_CLOEXEC) < 0)
		return cr_error("could not create the janitor's pipe: %s", strerror(errno));
	/* writers never block: a full pipe means "remove it yourself" */
	fcntl(P.janitor[1], F_SETFL, O_NONBLOCK);
	/* even with pool_size 0: a language row may still want a pool */
	P.board = mmap(NULL, sizeof(*P.board), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (P.board == MAP_FAILED) {
		P.board = NULL;
		return cr_error("could not map the pool's board: %s", strerror(errno));
	}
	memset(P.board, 0, sizeof(*P.board));
	for (int i = 0; i < POOL_MAX_KEYS; i++)
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
			       P.queue[i]) < 0)
			return cr_error("could not create a pool queue: %s", strerror(errno));
	/*
	 * A semaphore: each take or miss is one hint that one filler consumes, so
	 * a second filler is not put back to sleep by the first one's read.
	 */
	P.wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
	if (P.wake < 0)
		return cr_error("could not create the pool's eventfd: %s", strerror(errno));
	if (P.pool_max > POOL_QUEUE_MAX)
		cr_info("pool: pool_max %d capped at %d per language (unix queue length)",
			P.pool_max, POOL_QUEUE_MAX);
	cr_info("pool: %d to %d ready containers per language (a row's pool_size "
		"overrides; 0: no pool), %d fillers", P.pool_size, effective_max(), POOL_FILLERS);
	P.on = true;
	return 0;
}

int pool_helpers(const struct cr_config *cfg)
{
	(void)cfg;
	return (P.on ? POOL_FILLERS : 0) + 1;
}

const char *pool_helper_name(const struct cr_config *cfg, int i)
{
	static char name[32];

	if (i == pool_helpers(cfg) - 1)
		return "janitor";
	snprintf(name, sizeof(name), "filler %d", i);
	return name;
}

static void wake_fillers(void)
{
	uint64_t one = 1;
	ssize_t w;

	if (P.wake < 0)
		return;
	w = write(P.wake, &one, sizeof(one));
	(void)w;	/* EAGAIN: the counter is full, they are awake anyway */
}

static struct pool_entry *find_entry(const char *language)
{
	int n = LOAD(P.board->nentries);

	for (int i = 0; i < n; i++)
		if (LOAD(P.board->e[i].used) && strcmp(P.board->e[i].language, language) == 0)
			return &P.board->e[i];
	return NULL;
}

/* A consistent copy of an entry's key (seqlock reader). */
static void read_key(struct pool_entry *e, struct pool_key *k)
{
	unsigned s1, s2;

	do {
		s1 = LOAD(e->seq);
		memcpy(k, &e->key, sizeof(*k));
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		s2 = LOAD(e->seq);
	} while ((s1 & 1) || s1 != s2);
}

/* ---- passing containers through a queue ------------------------------------ */

static int send_container(int sock, const struct pool_msg *msg, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct pool_msg m = *msg;	/* iov_base is not const */
	struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	ssize_t r;

	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	do
		r = sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r == (ssize_t)sizeof(m) ? 0 : -1;
}

/* 1 with *m and *fd (ours), 0 empty, -1 error. */
static int recv_container(int sock, struct pool_msg *m, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	ssize_t r;

	*fd = -1;
	do
		r = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(cm), sizeof(int));
	if (r != (ssize_t)sizeof(*m) || *fd < 0 || (mh.msg_flags & MSG_CTRUNC)) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return -1;
	}
	m->id[DOCKER_ID_MAX] = '\0';
	m->key.image[POOL_IMAGE_MAX - 1] = '\0';
	return 1;
}

static short stream_revents(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 0) < 0)
		return POLLERR;
	return p.revents;
}

void pool_dispose(struct docker *d, const char *id)
{
	char rec[JANITOR_RECORD];

	if (!id || !*id)
		return;
	memset(rec, 0, sizeof(rec));
	snprintf(rec, sizeof(rec), "%s", id);
	/* one write of <= PIPE_BUF bytes is atomic: records never interleave */
	if (P.janitor[1] >= 0 && write(P.janitor[1], rec, sizeof(rec)) == (ssize_t)sizeof(rec))
		return;
	if (d && docker_remove(d, id) < 0)
		cr_warn("could not remove container %.12s: %s (the reaper will)", id, d->error);
}

int pool_take(const char *language, const struct pool_key *want, struct pool_container *c)
{
	struct pool_entry *e;
	struct pool_key cur;

	c->fd = -1;
	c->id[0] = '\0';
	if (!P.on || !language || !(e = find_entry(language)))
		return 0;
	read_key(e, &cur);
	/* An older snapshot (the language changed since it was queued): cold. */
	if (!pool_key_matches(&cur, want))
		return 0;
	for (;;) {
		struct pool_msg m;
		int fd, r = recv_container(P.queue[e - P.board->e][1], &m, &fd);
		int64_t now = cr_monotonic_ms();

		if (r == 0) {
			/* pool_size 0: no pool, so nothing to grow */
			if (LOAD(e->floor) > 0) {
				ADD(e->misses, 1);
				wake_fillers();
			}
			return 0;
		}
		if (r < 0)
			return 0;
		ADD(e->ready, -1);
		STORE(e->last_take_ms, now);
		/*
		 * No wake-up for the replacement here: starting a container costs
		 * about 76 ms of CPU on a 2-core machine, and this submission's
		 * program is about to run. The slot calls pool_replenish() once the
		 * result is stored.
		 */
		if (!pool_container_fresh(m.created_ms, now, P.max_age_ms,
					  pool_key_matches(&m.key, want), stream_revents(fd))) {
			cr_info("pool: discarding stale container %.12s", m.id);
			close(fd);
			ADD(e->discarded, 1);
			pool_dispose(NULL, m.id);
			wake_fillers();
			continue;
		}
		ADD(e->taken, 1);
		snprintf(c->id, sizeof(c->id), "%s", m.id);
		c->fd = fd;
		c->age_ms = now - m.created_ms;
		return 1;
	}
}

bool pool_key_current(const char *language, const struct pool_key *key, int64_t since_ms)
{
	struct pool_entry *e;
	struct pool_key cur;

	if (!P.on || !language || !(e = find_entry(language)) || LOAD(e->loaded_ms) <= since_ms)
		return true;
	if (!LOAD(e->active))
		return false;
	read_key(e, &cur);
	return pool_key_matches(&cur, key);
}

void pool_replenish(void)
{
	if (P.on)
		wake_fillers();
}

/* ---- helper processes --------------------------------------------------------- */

/* The janitor: remove what the slots are done with, one after another. */
static int janitor_main(const struct cr_config *cfg)
{
	struct docker d;
	char rec[JANITOR_RECORD];
	int64_t removed = 0;

	if (docker_init(&d, cfg->docker_socket) < 0)
		return 1;
	fcntl(P.janitor[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t r = read(P.janitor[0], rec, sizeof(rec));

		if (r == (ssize_t)sizeof(rec)) {
			int64_t t0 = cr_monotonic_ms();

			rec[DOCKER_ID_MAX] = '\0';
			if (docker_remove(&d, rec) < 0)
				cr_warn("could not remove container %.12s: %s (the reaper will)", rec,
					d.error);
			else
				cr_debug("removed container %.12s in %lld ms (%lld so far)", rec,
					 (long long)(cr_monotonic_ms() - t0), (long long)++removed);
			continue;
		}
		if (r > 0) {
			cr_error("janitor: short record of %zd bytes", r);	/* cannot happen */
			continue;
		}
		/* Empty. Stopping: what is left is removed by the supervisor's reaper. */
		if (stopsig_requested())
			break;
		stopsig_wait(P.janitor[0], 60000);
	}
	docker_close(&d);
	return 0;
}

struct filler {
	const struct cr_config *cfg;
	int index;
	struct docker docker;
	struct cr_db db;		/* leader only */
	int64_t next_refresh;
	int64_t next_report;
};

/* Create, attach and start one container for entry e and queue it. */
static int start_one(struct filler *f, struct pool_entry *e)
{
	struct pool_msg m;
	struct sandbox_spec spec;
	struct docker_attach a;
	char *json = NULL;
	int fd = -1, ret = -1;
	bool attached = false;
	int64_t t0 = cr_monotonic_ms();

	memset(&m, 0, sizeof(m));
	memset(&a, 0, sizeof(a));
	a.fd = -1;
	read_key(e, &m.key);
	spec = (struct sandbox_spec){
		.image = m.key.image,
		.worker_id = f->cfg->worker_id,
		.pool_language = e->language,
		.max_memory_mb = m.key.memory_mb,
		.max_processes = m.key.processes,
		.cpu_millicores = m.key.cpu_millicores,
	};
	json = sandbox_create_json(&spec);
	if (!json) {
		cr_error("pool: cannot build the create body for %s", e->language);
		goto out;
	}
	if (docker_create(&f->docker, json, m.id) < 0) {
		/* dockerd down or an image missing: say it once, not every back-off */
		if (LOAD(e->fails) == 0)
			cr_warn("pool: could not create a %s container: %s", e->language,
				f->docker.error);
		else
			cr_debug("pool: could not create a %s container: %s", e->language,
				 f->docker.error);
		goto out;
	}
	if (docker_attach_open(&f->docker, m.id, CR_FRAME_MAX_BYTES, cr_monotonic_ms() + STEP_MS,
			       &a) < 0) {
		cr_warn("pool: %s", a.error);
		goto out;
	}
	attached = true;
	if (docker_start(&f->docker, m.id) < 0) {
		cr_warn("pool: %s", f->docker.error);
		goto out;
	}
	/* Nothing may have come yet: the runner is waiting for its job. */
	if (a.out.len || a.err.len || a.dm.hdr_have) {
		cr_warn("pool: a new %s container wrote before its job: %.200s", e->language,
			a.err.data);
		goto out;
	}
	fd = fcntl((int)a.fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		cr_warn("pool: could not dup the attach socket: %s", strerror(errno));
		goto out;
	}
	docker_attach_close(&a);	/* curl's copy; ours stays connected */
	attached = false;
	m.created_ms = cr_monotonic_ms();
	if (send_container(P.queue[e - P.board->e][0], &m, fd) < 0) {
		cr_warn("pool: could not queue a %s container: %s", e->language, strerror(errno));
		goto out;
	}
	ADD(e->ready, 1);
	cr_debug("pool: %s container %.12s ready in %lld ms", e->language, m.id,
		 (long long)(m.created_ms - t0));
	m.id[0] = '\0';	/* queued: no longer ours to remove */
	ret = 0;
out:
	if (attached)
		docker_attach_close(&a);
	if (fd >= 0)
		close(fd);
	if (m.id[0])
		pool_dispose(&f->docker, m.id);
	free(json);
	return ret;
}

/* Claim one unit of some entry's deficit (most missing first); NULL if none. */
static struct pool_entry *claim_deficit(void)
{
	int n = LOAD(P.board->nentries);
	int64_t now = cr_monotonic_ms();

	for (;;) {
		struct pool_entry *best = NULL;
		int best_d = 0;

		for (int i = 0; i < n; i++) {
			struct pool_entry *e = &P.board->e[i];
			int d;

			if (!LOAD(e->used) || LOAD(e->retry_at_ms) > now)
				continue;
			d = pool_deficit(LOAD(e->target), LOAD(e->ready), LOAD(e->starting));
			if (d > best_d) {
				best = e;
				best_d = d;
			}
		}
		if (!best)
			return NULL;
		int s = LOAD(best->starting);

		/* another filler may have taken the same unit: check again */
		if (pool_deficit(LOAD(best->target), LOAD(best->ready), s) > 0 &&
		    __atomic_compare_exchange_n(&best->starting, &s, s + 1, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return best;
	}
}

/* Misses grow targets at once (any filler may do it). */
static void apply_misses(void)
{
	int n = LOAD(P.board->nentries);

	for (int i = 0; i < n; i++) {
		struct pool_entry *e = &P.board->e[i];
		int m = __atomic_exchange_n(&e->misses, 0, __ATOMIC_SEQ_CST);
		int t, nt;

		if (!m || !LOAD(e->active) || !LOAD(e->floor))
			continue;
		do {
			t = LOAD(e->target);
			nt = pool_next_target(t, LOAD(e->floor), effective_max(), m, false);
		} while (!__atomic_compare_exchange_n(&e->target, &t, nt, false, __ATOMIC_SEQ_CST,
						      __ATOMIC_SEQ_CST));
		if (nt != t)
			cr_info("pool: %s grows to %d (%d missed)", e->language, nt, m);
	}
}

/* Leader: language rows -> entries (new ones appended, keys rewritten). */
static void reload_languages(struct filler *f)
{
	PGresult *res;
	bool seen[POOL_MAX_KEYS] = { false };

	if (cr_db_ensure(&f->db) < 0)
		return;
	res = cr_db_exec(&f->db, "pool_languages", 0, NULL, NULL, NULL, 0, NULL);
	if (!res)
		return;
	for (int r = 0; r < PQntuples(res); r++) {
		const char *lang = PQgetvalue(res, r, 0);
		struct pool_key k;
		struct pool_entry *e = find_entry(lang);
		int min_ready = P.pool_size;

		/* the row's own pool_size (NULL: the worker's), within the queue's cap */
		if (!PQgetisnull(res, r, 4)) {
			min_ready = atoi(PQgetvalue(res, r, 4));
			if (min_ready < 0)
				min_ready = 0;
			if (min_ready > POOL_QUEUE_MAX)
				min_ready = POOL_QUEUE_MAX;
		}
		memset(&k, 0, sizeof(k));
		snprintf(k.image, sizeof(k.image), "%s", PQgetvalue(res, r, 1));
		k.memory_mb = atoi(PQgetvalue(res, r, 2));
		k.processes = atoi(PQgetvalue(res, r, 3));
		k.cpu_millicores = f->cfg->cpu_limit_millicores;
		if (strlen(lang) >= POOL_LANG_MAX)
			continue;
		if (!e) {
			int n = LOAD(P.board->nentries);

			if (n >= POOL_MAX_KEYS) {
				cr_warn("pool: no room for language %s: it runs the cold way", lang);
				continue;
			}
			e = &P.board->e[n];
			snprintf(e->language, sizeof(e->language), "%s", lang);
			e->key = k;
			STORE(e->floor, min_ready);
			STORE(e->target, min_ready);
			STORE(e->last_take_ms, cr_monotonic_ms());
			STORE(e->last_shrink_ms, cr_monotonic_ms());
			STORE(e->used, 1);
			STORE(P.board->nentries, n + 1);
		} else {
			struct pool_key cur;

			read_key(e, &cur);
			if (!pool_key_matches(&cur, &k)) {
				cr_info("pool: %s changed (image %s, %d MB, %d processes): "
					"replacing its ready containers", lang, k.image, k.memory_mb,
					k.processes);
				ADD(e->seq, 1);
				e->key = k;
				ADD(e->seq, 1);
				STORE(e->fails, 0);
				STORE(e->retry_at_ms, 0);
			}
		}
		seen[e - P.board->e] = true;
		if (LOAD(e->floor) != min_ready) {
			cr_info("pool: %s keeps at least %d ready", lang, min_ready);
			STORE(e->floor, min_ready);
			/* what grew on misses starts again from the new floor */
			STORE(e->target, min_ready);
		}
		if (!LOAD(e->active) && LOAD(e->target) < min_ready)
			STORE(e->target, min_ready);
		STORE(e->active, 1);
		STORE(e->loaded_ms, cr_monotonic_ms());
	}
	PQclear(res);
	for (int i = 0; i < LOAD(P.board->nentries); i++)
		if (!seen[i] && LOAD(P.board->e[i].active)) {
			cr_info("pool: %s is no longer active", P.board->e[i].language);
			STORE(P.board->e[i].loaded_ms, cr_monotonic_ms());
			STORE(P.board->e[i].active, 0);
			STORE(P.board->e[i].target, 0);
		}
}

/*
 * Leader: every queued container is looked at once (received and sent back,
 * or discarded when stale, dead, or above the target).
 */
static void check_queues(struct filler *f)
{
	int64_t max_age = (int64_t)f->cfg->pool_max_age_seconds * 1000;

	for (int i = 0; i < LOAD(P.board->nentries); i++) {
		struct pool_entry *e = &P.board->e[i];
		struct pool_key cur;
		int n = LOAD(e->ready);
		int64_t now = cr_monotonic_ms();
		bool idle;

		/* shrink when idle: one step per idle period */
		idle = now - LOAD(e->last_take_ms) >= f->cfg->pool_idle_seconds * 1000LL &&
		       now - LOAD(e->last_shrink_ms) >= f->cfg->pool_idle_seconds * 1000LL;
		if (idle && LOAD(e->active)) {
			int t = LOAD(e->target);
			int nt = pool_next_target(t, LOAD(e->floor), effective_max(), 0, true);

			STORE(e->last_shrink_ms, now);
			if (nt != t) {
				__atomic_compare_exchange_n(&e->target, &t, nt, false, __ATOMIC_SEQ_CST,
							    __ATOMIC_SEQ_CST);
				cr_info("pool: %s idle, shrinks to %d", e->language, nt);
			}
		}
		read_key(e, &cur);
		for (int j = 0; j < n; j++) {
			struct pool_msg m;
			int fd, r = recv_container(P.queue[i][1], &m, &fd);

			if (r <= 0)
				break;
			ADD(e->ready, -1);
			if (LOAD(e->ready) + LOAD(e->starting) < LOAD(e->target) &&
			    pool_container_fresh(m.created_ms, cr_monotonic_ms(), max_age,
						 pool_key_matches(&m.key, &cur), stream_revents(fd)) &&
			    send_container(P.queue[i][0], &m, fd) == 0) {
				ADD(e->ready, 1);
				close(fd);
				continue;
			}
			cr_info("pool: removing %s container %.12s (stale, dead or beyond the target)",
				e->language, m.id);
			close(fd);
			ADD(e->discarded, 1);
			pool_dispose(&f->docker, m.id);
		}
	}
}

/* Leader: the pool's state and memory, when it changed or every 10 minutes. */
static void report(struct filler *f, bool force)
{
	static char last[1024];
	char line[1024];
	size_t off = 0;
	int total = 0;

	line[0] = '\0';
	for (int i = 0; i < LOAD(P.board->nentries) && off < sizeof(line) - 64; i++) {
		struct pool_entry *e = &P.board->e[i];

		total += LOAD(e->ready);
		off += (size_t)snprintf(line + off, sizeof(line) - off, " %s=%d/%d", e->language,
					LOAD(e->ready), LOAD(e->target));
	}
	if (!force && strcmp(line, last) == 0)
		return;
	snprintf(last, sizeof(last), "%s", line);
	/*
	 * Measured here (bench/exec): a waiting container costs about 3.4 MB:
	 * its containerd-shim (about 3 MB PSS) plus 0.3 MB in its memory cgroup
	 * (the static runner blocked in read()).
	 */
	cr_info("pool: ready/target%s (%d waiting, about %d.%d MB with their shims)", line, total,
		total * 34 / 10, total * 34 % 10);
	(void)f;
}

static int filler_main(const struct cr_config *cfg, int index)
{
	struct filler f;
	bool leader = index == 0;
	int interval = cfg->sweep_interval_seconds * 1000;

	memset(&f, 0, sizeof(f));
	f.cfg = cfg;
	f.index = index;
	if (docker_init(&f.docker, cfg->docker_socket) < 0)
		return 1;
	if (leader)
		cr_db_init(&f.db, cfg->database_url, pool_stmts);
	while (!stopsig_requested()) {
		struct pool_entry *e;
		int64_t now = cr_monotonic_ms();
		uint64_t cnt;
		ssize_t rd;

		if (leader && now >= f.next_refresh) {
			reload_languages(&f);
			check_queues(&f);
			report(&f, now >= f.next_report);
			if (now >= f.next_report)
				f.next_report = now + 600000;
			f.next_refresh = now + interval;
		}
		rd = read(P.wake, &cnt, sizeof(cnt));
		(void)rd;
		apply_misses();
		e = claim_deficit();
		if (e) {
			if (start_one(&f, e) < 0) {
				int fails = ADD(e->fails, 1);
				int64_t delay = RETRY_MIN_MS << (fails < 6 ? fails - 1 : 5);

				if (delay > RETRY_MAX_MS)
					delay = RETRY_MAX_MS;
				STORE(e->retry_at_ms, cr_monotonic_ms() + delay);
			} else if (LOAD(e->fails)) {
				STORE(e->fails, 0);
				cr_info("pool: %s containers start again", e->language);
			}
			ADD(e->starting, -1);
			continue;
		}
		/*
		 * Nothing to do: sleep until a slot takes one or misses (eventfd), a
		 * back-off ends (within the interval), the leader's refresh, or a stop.
		 */
		stopsig_wait(P.wake, leader ? (int)(f.next_refresh - cr_monotonic_ms()) : interval);
	}
	if (leader)
		cr_db_close(&f.db);
	docker_close(&f.docker);
	return 0;
}

int pool_helper_main(const struct cr_config *cfg, int i)
{
	char ctx[32];

	snprintf(ctx, sizeof(ctx), "%s", i == pool_helpers(cfg) - 1 ? "janitor" : "filler");
	if (i < pool_helpers(cfg) - 1)
		snprintf(ctx, sizeof(ctx), "filler=%d", i);
	cr_log_set_context(ctx);
	if (stopsig_init() < 0)
		return 1;
	if (i == pool_helpers(cfg) - 1)
		return janitor_main(cfg);
	return filler_main(cfg, i);
}
