/*
 * One responder process (see server.h).
 *
 * A connection is a struct conn: its FastCGI request, the request and answer,
 * and the API call, which live as long as the connection, across the runs of a
 * held request. A conn is owned by one thread at a time: the acceptor until it
 * is queued, then the request thread that pops it, or the dispatcher while it
 * is parked.
 *
 * The responders share one listen socket, and the kernel wakes the acceptor
 * that waits in epoll first: left alone, one process would take nearly every
 * connection, run them on its few database connections and fill its
 * api_max_waiters while the others idle. So an acceptor waits in epoll only
 * while its process has room (may_accept): fewer than half its threads' worth
 * of requests queued or running; no more than HOLD_SPREAD held requests above
 * the fewest that an accepting responder holds; and a place to hold one, unless
 * no other live responder has a place either (then it takes the request and
 * answers it as without wait). One that has no room is not woken, and the next
 * one is. A paused acceptor sleeps on a futex in the shared mapping, woken when
 * a hold count changes anywhere or its own process gets room (and once a
 * second in any case). The responder holding the fewest always has room
 * unless its threads are all busy, so the pool never stops accepting.
 */
#include "config.h"

#include <errno.h>
#include <fcgiapp.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/timefmt.h"
#include "common/xalloc.h"
#include "fcgi/api.h"
#include "fcgi/handlers.h"
#include "fcgi/http.h"
#include "fcgi/metrics.h"
#include "fcgi/server.h"
#include "fcgi/waiters.h"

#define IO_TIMEOUT_S 10		/* a peer that stops reading or sending mid-request */
#define ROOM_RECHECK_MS 1000	/* a paused acceptor also looks again this often */
#define HOLD_SPREAD 16		/* held requests above the least-holding accepting responder */
#define REFUSED_LOG_MS 1000

struct conn {
	struct waiter w;		/* while held */
	int fd;
	FCGX_Request fr;
	struct http_req req;
	struct http_resp resp;
	struct api_call call;
	bool started;			/* api_start() ran */
	bool held;			/* registered with the dispatcher */
	enum hold_kind held_kind;	/* what it was held as, for the log */
	struct conn *next;		/* in the queue */
};

struct server {
	struct api api;
	int listen_fd;
	struct waiters *ws;
	pthread_mutex_t mu;		/* the queue and the counts below */
	pthread_cond_t ready;		/* a conn was queued */
	struct conn *head, *tail;
	bool closed, stopping;
	int in_flight;			/* queued or running, not parked */
	int accept_limit;		/* in_flight at which the acceptor pauses */
	int stop_fd;			/* eventfd: the acceptor stops */
	pthread_t acceptor;
	pthread_t *threads;
	int nthreads;
};

/* ---- the queue ----------------------------------------------------------------- */

static void push(struct server *s, struct conn *c)
{
	pthread_mutex_lock(&s->mu);
	s->in_flight++;
	c->next = NULL;
	if (s->tail)
		s->tail->next = c;
	else
		s->head = c;
	s->tail = c;
	pthread_cond_signal(&s->ready);
	pthread_mutex_unlock(&s->mu);
}

/* The next conn to run; NULL once the queue is closed and empty. */
static struct conn *pop(struct server *s)
{
	struct conn *c;

	pthread_mutex_lock(&s->mu);
	while (!s->head && !s->closed)
		pthread_cond_wait(&s->ready, &s->mu);
	c = s->head;
	if (c) {
		s->head = c->next;
		if (!s->head)
			s->tail = NULL;
	}
	pthread_mutex_unlock(&s->mu);
	return c;
}

/* ---- a connection ------------------------------------------------------------------ */

static struct conn *conn_new(struct server *s, int fd)
{
	struct conn *c = cr_xcalloc(1, sizeof(*c));

	c->fd = fd;
	c->w.fd = fd;
	if (FCGX_InitRequest(&c->fr, -1, 0) != 0)
		cr_die("could not initialise a FastCGI request");
	http_req_init(&c->req, s->api.cfg->max_body_bytes);
	http_resp_init(&c->resp);
	return c;
}

/*
 * End the FastCGI request as FCGX_Finish_r would (the rest of the input
 * discarded, stderr and stdout closed, which writes FCGI_END_REQUEST), without
 * its close: libfcgi may wait on a closing socket with select(), which cannot
 * take a descriptor past FD_SETSIZE, and a responder holding hundreds of
 * requests has such descriptors. conn_free() closes it.
 */
static void end_request(struct conn *c)
{
	char trash[4096];

	if (!c->fr.in)
		return;
	while (FCGX_GetStr(trash, sizeof(trash), c->fr.in) > 0)
		;
	FCGX_FClose(c->fr.err);
	FCGX_FClose(c->fr.out);
}

static void conn_free(struct conn *c)
{
	/* libfcgi closed it (and set -1) if it met a protocol error in FCGX_Accept_r */
	int fd = c->started ? c->fr.ipcFd : c->fd;

	FCGX_Free(&c->fr, 0);
	if (fd >= 0)
		close(fd);
	http_resp_release(&c->resp);
	http_req_release(&c->req);
	free(c);
}

static const char *hold_name(enum hold_kind k)
{
	return k == HOLD_POST ? "post" : k == HOLD_GET ? "get" : "events";
}

static const char *wake_name(const struct waiter *w)
{
	switch (w->wake) {
	case HOLD_CHECK:
		return w->notified_us ? "notify" : "check";
	case HOLD_TIMEOUT:
		return "timeout";
	case HOLD_PING:
		return "ping";
	case HOLD_GIVE_UP:
		return "give_up";
	}
	return "?";
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The answer is complete: write it, end the request, log it. */
static void finish(struct server *s, struct conn *c)
{
	if (c->held)
		waiters_unregister(s->ws, &c->w);
	if (!c->call.streamed && http_fcgi_write(&c->resp, &c->fr) != 0)
		cr_warn("could not write the answer: the client went away");
	end_request(c);
	/* after the answer went out: wake_ms runs from the notification to here */
	if (c->held)
		cr_info("held answered id=%s kind=%s wake=%s wake_ms=%.2f", c->w.id,
			hold_name(c->held_kind), wake_name(&c->w),
			c->w.notified_us ? (double)(now_us() - c->w.notified_us) / 1000.0 : 0.0);
	api_end(&c->call);
	conn_free(c);
}

/* Hand a held request over to the dispatcher, or run it on until it is answered. */
static void serve(struct server *s, struct conn *c)
{
	bool done;

	if (!c->started) {
		c->started = true;
		c->fr.ipcFd = c->fd;
		c->fr.keepConnection = 1;	/* libfcgi never closes it: conn_free does */
		if (FCGX_Accept_r(&c->fr) != 0) {
			conn_free(c);
			return;
		}
		c->fr.keepConnection = 1;
		http_fcgi_read(&c->req, &c->fr);
		done = api_start(&s->api, &c->call, &c->req, &c->resp, &c->fr);
	} else {
		done = api_resume(&c->call, c->w.wake);
	}
	while (!done) {
		if (!c->held) {
			struct api_hold *h = &c->call.hold;

			snprintf(c->w.id, sizeof(c->w.id), "%s", h->id);
			c->w.every_status = h->every_status;
			c->w.ping_ms = h->ping_ms;
			c->w.deadline_ms = cr_monotonic_ms() + (int64_t)h->seconds * 1000;
			const char *why = waiters_register(s->ws, &c->w);
			if (why) {
				cr_info("not held id=%s: %s", c->w.id, why);
				done = api_resume(&c->call, HOLD_GIVE_UP);
				continue;
			}
			c->held = true;
			c->held_kind = h->kind;
			/* registered first, then look: a change from before is seen now */
			c->w.wake = HOLD_CHECK;
			done = api_resume(&c->call, HOLD_CHECK);
			continue;
		}
		if (waiters_park(s->ws, &c->w) == PARKED)
			return;
		done = api_resume(&c->call, c->w.wake);
	}
	finish(s, c);
}

static void on_wake(struct waiter *w, void *arg)
{
	push(arg, (struct conn *)((char *)w - offsetof(struct conn, w)));
}

/* The client of a parked request went away: nobody to answer. */
static void on_gone(struct waiter *w, void *arg)
{
	struct conn *c = (struct conn *)((char *)w - offsetof(struct conn, w));

	cr_info("held request dropped: the client went away id=%s", w->id);
	c->resp.status = 499;	/* nginx's code for it, in the log and the metrics */
	(void)arg;
	api_end(&c->call);
	conn_free(c);
}

/* A conn left this thread (answered or parked): room for one more. */
static void ran_one(struct server *s)
{
	bool was_full;

	pthread_mutex_lock(&s->mu);
	was_full = s->in_flight-- == s->accept_limit;
	pthread_mutex_unlock(&s->mu);
	if (was_full)
		metrics_room_changed(s->api.shm);
}

static void *request_thread(void *arg)
{
	struct server *s = arg;
	struct conn *c;

	while ((c = pop(s))) {
		serve(s, c);
		ran_one(s);
	}
	return NULL;
}

/* ---- the acceptor ------------------------------------------------------------------ */

/* One warning per refused peer, but at most one a second: a flood stays one line. */
static void log_refused(const struct sockaddr_storage *ss, socklen_t len)
{
	static int64_t last_ms = -REFUSED_LOG_MS;
	static unsigned long quiet;
	char addr[NI_MAXHOST] = "?";
	int64_t now = cr_monotonic_ms();

	if (now - last_ms < REFUSED_LOG_MS) {
		quiet++;
		return;
	}
	getnameinfo((const struct sockaddr *)ss, len, addr, sizeof(addr), NULL, 0, NI_NUMERICHOST);
	cr_warn("refused a FastCGI connection from %s: not in api_allow "
		"(%lu others refused since the previous such line)", addr, quiet);
	last_ms = now;
	quiet = 0;
}

/* accept(2): another responder won the race, or the peer went away meanwhile. */
static bool accept_retry(int err)
{
	switch (err) {
	case EAGAIN: case EINTR: case ECONNABORTED: case EPROTO: case ENOPROTOOPT:
	case ENETDOWN: case ENONET: case EHOSTDOWN: case EHOSTUNREACH: case ENETUNREACH:
	case EOPNOTSUPP:
		return true;
	default:
		return false;
	}
}

/*
 * Accept one connection: its fd, or -1 when there was none or the peer was
 * refused. We accept() ourselves instead of checking getpeername() after
 * FCGX_Accept_r: by then libfcgi has read the peer's FCGI_BEGIN_REQUEST and
 * parameters, so a refused peer could feed the parser, or hold a thread by
 * sending nothing. Here it is closed before a byte of it is read. (libfcgi's
 * own check, FCGI_WEB_SERVER_ADDRS, takes exact IPv4 addresses only.) A unix
 * socket is guarded by its file's mode and directory.
 */
static int accept_peer(int listen_fd, const struct cr_netlist *allow)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = sizeof(ss);
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	int one = 1;
	int fd = accept4(listen_fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);

	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE) {
			cr_warn("could not accept a FastCGI connection: %m");
			return -2;
		}
		if (!accept_retry(errno))
			cr_die("could not accept a FastCGI connection: %m");
		return -1;
	}
	if (ss.ss_family != AF_UNIX) {
		if (!cr_netlist_match_sockaddr(allow, (struct sockaddr *)&ss)) {
			log_refused(&ss, len);
			close(fd);
			return -1;
		}
		/* libfcgi ends an answer with a small record: Nagle must not hold it. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	/* A request thread blocks on this socket: never for long. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Take another connection now? (see the top of this file) */
static bool may_accept(struct server *s)
{
	struct api_shm *shm = s->api.shm;
	int max = s->api.cfg->api_max_waiters;
	int mine = metrics_waiters_of(shm, s->api.slot);
	int in_flight;

	pthread_mutex_lock(&s->mu);
	in_flight = s->in_flight;
	pthread_mutex_unlock(&s->mu);
	if (in_flight >= s->accept_limit)
		return false;
	if (mine >= max)
		return !metrics_hold_room_elsewhere(shm, s->api.slot, max);
	/* INT_MAX: no responder accepts; compared as long long, so it cannot overflow */
	return mine <= (long long)metrics_waiters_min_accepting(shm) + HOLD_SPREAD;
}

/* Until this process has room, or it stops; false when it stops. */
static bool wait_for_room(struct server *s)
{
	struct api_shm *shm = s->api.shm;

	for (;;) {
		uint32_t gen = metrics_room_gen(shm);

		if (__atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE))
			return false;
		if (may_accept(s)) {
			metrics_slot_accepting(shm, s->api.slot, true);
			return true;
		}
		metrics_slot_accepting(shm, s->api.slot, false);
		metrics_room_wait(shm, gen, ROOM_RECHECK_MS);
	}
}

static void *acceptor(void *arg)
{
	struct server *s = arg;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ev.data.fd = s->listen_fd;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, s->listen_fd, &ev) != 0)
		cr_die("could not watch the listen socket: %m");
	ev.events = EPOLLIN;
	ev.data.fd = s->stop_fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, s->stop_fd, &ev) != 0)
		cr_die("could not watch the stop eventfd: %m");
	while (wait_for_room(s)) {
		int fd;

		if (epoll_wait(ep, &ev, 1, -1) < 1)
			continue;
		if (ev.data.fd == s->stop_fd)
			break;
		fd = accept_peer(s->listen_fd, &s->api.cfg->api_allow);
		if (fd >= 0)
			push(s, conn_new(s, fd));
		else if (fd == -2)
			sleep(1);	/* out of descriptors: let some requests end */
	}
	close(ep);
	return NULL;
}

/* ---- the process -------------------------------------------------------------------- */

void server_run(int slot, int listen_fd, const struct cr_config *cfg, struct api_shm *shm)
{
	struct server *s = cr_xcalloc(1, sizeof(*s));
	struct waiters_ops ops = { on_wake, on_gone, s };
	sigset_t stop;
	uint64_t one = 1;
	int sig;

	api_init(&s->api, cfg, shm, slot);
	s->listen_fd = listen_fd;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->ready, NULL);
	s->accept_limit = cfg->api_threads / 2 > 0 ? cfg->api_threads / 2 : 1;
	s->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (s->stop_fd < 0)
		cr_die("could not create an eventfd: %m");
	s->ws = waiters_start(cfg->database_url ? cfg->database_url : "", cfg->api_max_waiters,
			      shm, slot, &ops);
	s->nthreads = cfg->api_threads;
	s->threads = cr_xcalloc((size_t)s->nthreads, sizeof(*s->threads));
	for (int i = 0; i < s->nthreads; i++)
		if (pthread_create(&s->threads[i], NULL, request_thread, s) != 0)
			cr_die("could not start a request thread");
	if (pthread_create(&s->acceptor, NULL, acceptor, s) != 0)
		cr_die("could not start the acceptor thread");
	cr_info("responder ready slot=%d threads=%d db_connections=%d max_held=%d",
		slot, cfg->api_threads, cfg->api_db_connections, cfg->api_max_waiters);

	/* Every thread keeps the signals blocked (inherited); this one takes them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	while (sigwait(&stop, &sig) != 0)
		;

	/* No new connection; held requests answered as they stand; the queue run dry. */
	__atomic_store_n(&s->stopping, true, __ATOMIC_RELEASE);
	metrics_room_changed(s->api.shm);	/* a paused acceptor sees it */
	if (write(s->stop_fd, &one, sizeof(one)) < 0)
		cr_warn("could not stop the acceptor: %m");
	pthread_join(s->acceptor, NULL);
	waiters_stop(s->ws);
	pthread_mutex_lock(&s->mu);
	s->closed = true;
	pthread_cond_broadcast(&s->ready);
	pthread_mutex_unlock(&s->mu);
	for (int i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i], NULL);
	waiters_free(s->ws);
	close(s->stop_fd);
	pthread_cond_destroy(&s->ready);
	pthread_mutex_destroy(&s->mu);
	api_release(&s->api);
	free(s->threads);
	free(s);
	cr_info("responder stopped slot=%d", slot);
}
