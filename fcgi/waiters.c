/*
 * The dispatcher of a responder's held requests (see waiters.h).
 *
 * One lock guards the table; the dispatcher takes it for each batch of epoll
 * events, a request's thread for register, park and unregister. A waiter is
 * owned by its thread while it runs and by the dispatcher while it is parked;
 * waking moves it back (ops->wake, called under the lock, only queues it).
 */
#include "config.h"

#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/db.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "common/xalloc.h"
#include "fcgi/metrics.h"
#include "fcgi/waiters.h"

#define BUCKETS 1024
#define RECONNECT_MS 1000
#define BATCH 64

/* What the worker and the API NOTIFY (worker/queue.c, fcgi/stmts.c); payload: the id. */
#define CHANNEL_DONE "cr_submission_done"
#define CHANNEL_RUNNING "cr_submission_running"
#define CHANNEL_QUEUED "cr_submission_queued"

static const struct cr_db_stmt no_stmts[] = { { NULL, NULL, 0 } };

struct waiters {
	pthread_mutex_t mu;
	pthread_t thread;
	int ep, kick;			/* epoll; eventfd that wakes the dispatcher */
	struct cr_db db;		/* the LISTEN connection, the dispatcher's alone */
	int pg_fd;			/* its socket in ep; -1 when none */
	bool listening, stopping;
	int count, max;
	struct api_shm *shm;
	int slot;
	struct waiters_ops ops;
	struct waiter *buckets[BUCKETS];
	struct waiter *all;
	struct waiter **by_fd;		/* parked waiters by client fd */
	int nfd;
	int64_t next_tick_ms;		/* when the dispatcher looks at the clock next */
};

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static unsigned bucket_of(const char *id)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h % BUCKETS;
}

static void kick(struct waiters *ws)
{
	uint64_t one = 1;
	ssize_t n = write(ws->kick, &one, sizeof(one));

	(void)n;	/* a full counter is already a wake-up */
}

/* ---- the table (under the lock) ------------------------------------------------ */

static void link_waiter(struct waiters *ws, struct waiter *w)
{
	struct waiter **b = &ws->buckets[bucket_of(w->id)];

	w->prev = NULL;
	w->next = *b;
	if (*b)
		(*b)->prev = w;
	*b = w;
	w->all_prev = NULL;
	w->all_next = ws->all;
	if (ws->all)
		ws->all->all_prev = w;
	ws->all = w;
	w->registered = true;
	ws->count++;
	metrics_waiters_set(ws->shm, ws->slot, ws->count);
}

static void unlink_waiter(struct waiters *ws, struct waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		ws->buckets[bucket_of(w->id)] = w->next;
	if (w->next)
		w->next->prev = w->prev;
	if (w->all_prev)
		w->all_prev->all_next = w->all_next;
	else
		ws->all = w->all_next;
	if (w->all_next)
		w->all_next->all_prev = w->all_prev;
	w->registered = false;
	ws->count--;
	metrics_waiters_set(ws->shm, ws->slot, ws->count);
}

/* Stop watching a parked waiter's client. */
static void unpark(struct waiters *ws, struct waiter *w)
{
	w->parked = false;
	if (w->fd >= 0 && w->fd < ws->nfd && ws->by_fd[w->fd] == w) {
		ws->by_fd[w->fd] = NULL;
		epoll_ctl(ws->ep, EPOLL_CTL_DEL, w->fd, NULL);
	}
}

static void wake_parked(struct waiters *ws, struct waiter *w, enum hold_wake why)
{
	unpark(ws, w);
	w->wake = why;
	ws->ops.wake(w, ws->ops.arg);
}

/* A change of submission id: wake its waiters (only those of every status if not final). */
static void changed(struct waiters *ws, const char *id, bool final)
{
	int64_t t = now_us();

	for (struct waiter *w = ws->buckets[bucket_of(id)], *next; w; w = next) {
		next = w->next;
		if (strcmp(w->id, id) != 0 || (!final && !w->every_status))
			continue;
		w->notified_us = t;
		if (w->parked)
			wake_parked(ws, w, HOLD_CHECK);
		else
			w->pending = true;
	}
}

/* Every waiter looks again (notifications may have been lost), or gives up. */
static void wake_all(struct waiters *ws, enum hold_wake why)
{
	for (struct waiter *w = ws->all, *next; w; w = next) {
		next = w->all_next;
		if (w->parked)
			wake_parked(ws, w, why);
		else
			w->pending = true;
	}
}

/* ---- the owners' side -------------------------------------------------------------- */

const char *waiters_register(struct waiters *ws, struct waiter *w)
{
	const char *why = NULL;

	pthread_mutex_lock(&ws->mu);
	if (ws->stopping)
		why = "stopping";
	else if (!ws->listening)
		why = "no LISTEN connection";
	else if (ws->count >= ws->max)
		why = "api_max_waiters held in this process";
	if (!why) {
		w->parked = w->pending = false;
		w->notified_us = 0;
		w->next_ping_ms = 0;
		link_waiter(ws, w);
	}
	pthread_mutex_unlock(&ws->mu);
	return why;
}

enum park_result waiters_park(struct waiters *ws, struct waiter *w)
{
	int64_t now = cr_monotonic_ms(), when;
	enum park_result res = WOKEN;

	pthread_mutex_lock(&ws->mu);
	if (ws->stopping) {
		w->wake = HOLD_GIVE_UP;
	} else if (w->pending) {
		w->pending = false;
		w->wake = HOLD_CHECK;
	} else if (now >= w->deadline_ms) {
		w->wake = HOLD_TIMEOUT;
	} else {
		if (w->ping_ms > 0 && w->next_ping_ms == 0)
			w->next_ping_ms = now + w->ping_ms;
		w->parked = true;
		if (w->fd >= 0 && w->fd < ws->nfd) {
			struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.fd = w->fd };

			if (epoll_ctl(ws->ep, EPOLL_CTL_ADD, w->fd, &ev) == 0)
				ws->by_fd[w->fd] = w;
		}
		when = w->next_ping_ms && w->next_ping_ms < w->deadline_ms ?
		       w->next_ping_ms : w->deadline_ms;
		if (when < ws->next_tick_ms)
			kick(ws);
		res = PARKED;
	}
	pthread_mutex_unlock(&ws->mu);
	return res;
}

void waiters_unregister(struct waiters *ws, struct waiter *w)
{
	pthread_mutex_lock(&ws->mu);
	if (w->registered)
		unlink_waiter(ws, w);
	pthread_mutex_unlock(&ws->mu);
}

void waiters_stop(struct waiters *ws)
{
	pthread_mutex_lock(&ws->mu);
	ws->stopping = true;
	wake_all(ws, HOLD_GIVE_UP);
	pthread_mutex_unlock(&ws->mu);
	kick(ws);
}

/* ---- the dispatcher ----------------------------------------------------------------- */

/* (Re)connect and LISTEN; the lock is not held (the connection is ours alone). */
static bool listen_again(struct waiters *ws)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (cr_db_ensure(&ws->db) != 0 ||
	    cr_db_command(&ws->db, "LISTEN " CHANNEL_DONE) != 0 ||
	    cr_db_command(&ws->db, "LISTEN " CHANNEL_RUNNING) != 0 ||
	    cr_db_command(&ws->db, "LISTEN " CHANNEL_QUEUED) != 0)
		return false;
	ws->pg_fd = PQsocket(ws->db.conn);
	ev.data.fd = ws->pg_fd;
	if (epoll_ctl(ws->ep, EPOLL_CTL_ADD, ws->pg_fd, &ev) != 0) {
		cr_error("could not watch the LISTEN connection: %m");
		cr_db_close(&ws->db);
		ws->pg_fd = -1;
		return false;
	}
	return true;
}

static void lost_listen(struct waiters *ws)
{
	cr_warn("the LISTEN connection was lost: no new request is held until it is back, "
		"and then every held one looks at its submission again");
	epoll_ctl(ws->ep, EPOLL_CTL_DEL, ws->pg_fd, NULL);
	ws->pg_fd = -1;
	ws->db.broken = true;
	ws->listening = false;
}

static void read_notifications(struct waiters *ws)
{
	PGconn *conn = ws->db.conn;
	PGnotify *n;

	if (!conn || PQconsumeInput(conn) == 0) {
		lost_listen(ws);
		return;
	}
	while ((n = PQnotifies(conn))) {
		if (n->extra)
			changed(ws, n->extra, strcmp(n->relname, CHANNEL_DONE) == 0);
		PQfreemem(n);
	}
}

/* A parked client's connection became readable: nginx closed it (or aborted). */
static bool client_gone(int fd)
{
	char b;
	ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

	return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* Wake the parked waiters whose deadline or keep-alive is due; the next such time. */
static int64_t timers(struct waiters *ws, int64_t now)
{
	int64_t next = INT64_MAX;

	for (struct waiter *w = ws->all, *nx; w; w = nx) {
		nx = w->all_next;
		if (!w->parked)
			continue;
		if (now >= w->deadline_ms) {
			wake_parked(ws, w, HOLD_TIMEOUT);
			continue;
		}
		if (w->next_ping_ms && now >= w->next_ping_ms) {
			w->next_ping_ms = 0;
			wake_parked(ws, w, HOLD_PING);
			continue;
		}
		if (w->deadline_ms < next)
			next = w->deadline_ms;
		if (w->next_ping_ms && w->next_ping_ms < next)
			next = w->next_ping_ms;
	}
	return next;
}

static void *dispatcher(void *arg)
{
	struct waiters *ws = arg;
	struct epoll_event evs[BATCH];
	struct waiter *gone[BATCH];

	pthread_mutex_lock(&ws->mu);
	while (!ws->stopping) {
		int64_t now, next;
		int n, ngone = 0;

		if (!ws->listening) {
			pthread_mutex_unlock(&ws->mu);
			bool ok = listen_again(ws);
			pthread_mutex_lock(&ws->mu);
			if (ok) {
				ws->listening = true;
				wake_all(ws, HOLD_CHECK);
			}
		}
		now = cr_monotonic_ms();
		next = timers(ws, now);
		if (!ws->listening && now + RECONNECT_MS < next)
			next = now + RECONNECT_MS;
		ws->next_tick_ms = next;
		pthread_mutex_unlock(&ws->mu);

		n = epoll_wait(ws->ep, evs, BATCH,
			       next == INT64_MAX ? -1 : (int)(next > now ? next - now : 0));

		pthread_mutex_lock(&ws->mu);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			uint64_t v;

			if (fd == ws->kick) {
				if (read(ws->kick, &v, sizeof(v)) < 0 && errno != EAGAIN)
					cr_warn("could not read the dispatcher's eventfd: %m");
			} else if (fd == ws->pg_fd) {
				read_notifications(ws);
			} else if (fd >= 0 && fd < ws->nfd && ws->by_fd[fd] &&
				   ws->by_fd[fd]->parked && client_gone(fd)) {
				struct waiter *w = ws->by_fd[fd];

				unpark(ws, w);
				unlink_waiter(ws, w);
				gone[ngone++] = w;
			}
		}
		if (ngone) {
			pthread_mutex_unlock(&ws->mu);
			for (int i = 0; i < ngone; i++)
				ws->ops.gone(gone[i], ws->ops.arg);
			pthread_mutex_lock(&ws->mu);
		}
	}
	pthread_mutex_unlock(&ws->mu);
	return NULL;
}

struct waiters *waiters_start(const char *conninfo, int max, struct api_shm *shm, int slot,
			      const struct waiters_ops *ops)
{
	struct waiters *ws = cr_xcalloc(1, sizeof(*ws));
	struct epoll_event ev = { .events = EPOLLIN };
	struct rlimit rl;

	pthread_mutex_init(&ws->mu, NULL);
	cr_db_init(&ws->db, conninfo, no_stmts);
	ws->pg_fd = -1;
	ws->max = max;
	ws->shm = shm;
	ws->slot = slot;
	ws->ops = *ops;
	ws->next_tick_ms = INT64_MAX;
	ws->nfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		  rl.rlim_cur < (1 << 20) ? (int)rl.rlim_cur : (1 << 20);
	ws->by_fd = cr_xcalloc((size_t)ws->nfd, sizeof(*ws->by_fd));
	ws->ep = epoll_create1(EPOLL_CLOEXEC);
	ws->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ev.data.fd = ws->kick;
	if (ws->ep < 0 || ws->kick < 0 || epoll_ctl(ws->ep, EPOLL_CTL_ADD, ws->kick, &ev) != 0)
		cr_die("could not set up the dispatcher: %m");
	if (pthread_create(&ws->thread, NULL, dispatcher, ws) != 0)
		cr_die("could not start the dispatcher thread");
	return ws;
}

void waiters_free(struct waiters *ws)
{
	if (!ws)
		return;
	pthread_join(ws->thread, NULL);
	cr_db_close(&ws->db);
	close(ws->ep);
	close(ws->kick);
	free(ws->by_fd);
	pthread_mutex_destroy(&ws->mu);
	free(ws);
}
