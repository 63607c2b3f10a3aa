/*
 * coderank-api [-c FILE]: a pre-forked pool of FastCGI responders.
 *
 * The supervisor loads the configuration (and refuses to start without a
 * usable JWT key), opens the listen socket once, maps the shared counters and
 * forks api_processes children. It restarts a child that dies, with a back-off
 * that grows while children keep dying young, and on SIGTERM/SIGINT tells the
 * children to stop, waits for them and exits 0.
 *
 * A child keeps SIGTERM/SIGINT blocked except while it sleeps (epoll_pwait on
 * the listen socket, ppoll in a ?wait): a signal never interrupts libfcgi's or
 * libpq's I/O in the middle of a request, and a stopping child finishes the
 * request at hand first. The listen socket is non-blocking and watched with
 * EPOLLEXCLUSIVE, so one idle child wakes per connection and a child that loses
 * the race to accept() goes back to sleep instead of blocking in accept().
 *
 * A child serves one request per connection, as nginx uses it (no
 * fastcgi_keep_conn). On TCP it serves only peers in api_allow (accept_peer).
 */
#include "config.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "fcgi/api.h"
#include "fcgi/http.h"
#include "fcgi/metrics.h"

#define LISTEN_BACKLOG 1024
#define STOP_GRACE_MS 30000
#define MAX_BACKOFF_MS 10000
#define YOUNG_MS 10000

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: coderank-api [-c FILE]\n"
		   "  -c FILE  configuration file (default $CODERANK_CONFIG, then\n"
		   "           /etc/coderank/coderank.conf); CODERANK_<KEY> variables override it\n");
}

static bool is_unix_path(const char *listen)
{
	return strchr(listen, ':') == NULL;
}

static int open_listen(const char *spec)
{
	int fd, flags;

	if (FCGX_Init() != 0)
		cr_die("could not initialise libfcgi");
	fd = FCGX_OpenSocket(spec, LISTEN_BACKLOG);
	if (fd < 0)
		cr_die("could not listen on \"%s\": %m", spec);
	/*
	 * nginx runs as another user: let it connect. The socket's directory is
	 * what guards it (make it reachable by nginx's user only).
	 */
	if (is_unix_path(spec) && chmod(spec, 0666) != 0)
		cr_die("could not chmod \"%s\": %m", spec);
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		cr_die("could not make the listen socket non-blocking: %m");
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		cr_die("could not set close-on-exec on the listen socket: %m");
	return fd;
}

/* ---- a responder -------------------------------------------------------------- */

#define REFUSED_LOG_MS 1000

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
 * parameters with blocking I/O, so a refused peer could feed the parser, or hold
 * a responder by sending nothing. Here it is closed before a byte of it is read.
 * (libfcgi's own check, FCGI_WEB_SERVER_ADDRS, takes exact IPv4 addresses only.)
 * A unix socket is guarded by its file's mode and directory.
 */
static int accept_peer(int listen_fd, const struct cr_netlist *allow)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = sizeof(ss);
	int one = 1;
	int fd = accept4(listen_fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);

	if (fd < 0) {
		if (!accept_retry(errno))
			cr_die("could not accept a FastCGI connection: %m");
		return -1;
	}
	if (ss.ss_family == AF_UNIX)
		return fd;
	if (!cr_netlist_match_sockaddr(allow, (struct sockaddr *)&ss)) {
		log_refused(&ss, len);
		close(fd);
		return -1;
	}
	/* libfcgi ends an answer with a small record: Nagle must not hold it. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/*
 * Serve the one request of connection fd. Given an ipcFd, FCGX_Accept_r reads
 * from it instead of accepting; keepConnection only stops its opening
 * FCGX_Finish_r from closing fd (the peer's FCGI_BEGIN_REQUEST sets it anew).
 * fr's listen socket is -1, so if libfcgi drops fd (a protocol error) it fails
 * with EBADF instead of accepting a connection that accept_peer never saw.
 */
static void serve_conn(struct api *a, FCGX_Request *fr, int fd)
{
	struct http_req req;
	struct http_resp resp;

	fr->ipcFd = fd;
	fr->keepConnection = 1;
	if (FCGX_Accept_r(fr) == 0) {
		http_req_init(&req, a->cfg->max_body_bytes);
		http_resp_init(&resp);
		http_fcgi_read(&req, fr);
		api_handle(a, &req, &resp);
		if (http_fcgi_write(&resp, fr) != 0)
			cr_warn("could not write the answer: the client went away");
		FCGX_Finish_r(fr);
		http_resp_release(&resp);
		http_req_release(&req);
	}
	/* One request per connection, even when the peer asked to keep it. */
	if (fr->ipcFd >= 0)
		close(fr->ipcFd);
	fr->ipcFd = -1;
}

static void child_main(int slot, int listen_fd, const struct cr_config *cfg,
		       struct api_shm *shm, pid_t parent)
{
	struct sigaction sa;
	sigset_t wait_mask;
	struct api a;
	FCGX_Request fr;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE };
	int ep;

	/* Die with the supervisor, however it dies. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	/* Blocked since the fork; unblocked only while sleeping (wait_mask). */
	sigprocmask(SIG_SETMASK, NULL, &wait_mask);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGCHLD);

	api_init(&a, cfg, shm, slot);
	a.stopping = &stopping;
	a.wait_sigmask = &wait_mask;
	cr_db_ensure(&a.db);	/* early, so the first request is fast; failure is retried */

	if (FCGX_InitRequest(&fr, -1, 0) != 0)
		cr_die("could not initialise a FastCGI request");
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev) != 0)
		cr_die("could not watch the listen socket: %m");
	cr_info("responder ready slot=%d", slot);

	while (!stopping) {
		int fd;

		if (epoll_pwait(ep, &ev, 1, -1, &wait_mask) < 1)
			continue;	/* a signal */
		fd = accept_peer(listen_fd, &cfg->api_allow);
		if (fd >= 0)
			serve_conn(&a, &fr, fd);
	}
	api_release(&a);
	close(ep);
	cr_info("responder stopped slot=%d", slot);
	exit(0);
}

/* ---- the supervisor --------------------------------------------------------------- */

struct child {
	pid_t pid;
	int64_t started_ms;
	int64_t restart_at_ms;
	int fails;
};

static pid_t spawn(int slot, int listen_fd, const struct cr_config *cfg,
		   struct api_shm *shm)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0) {
		cr_error("could not fork a responder: %m");
		return -1;
	}
	if (pid == 0)
		child_main(slot, listen_fd, cfg, shm, parent);
	return pid;
}

static int supervise(int listen_fd, const struct cr_config *cfg, struct api_shm *shm)
{
	int n = cfg->api_processes;
	struct child *kids = calloc((size_t)n, sizeof(*kids));
	sigset_t set;
	int64_t stop_deadline = 0;
	bool term_sent = false;

	if (!kids)
		cr_die("out of memory");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);

	for (;;) {
		int64_t now = cr_monotonic_ms(), next = now + 1000;
		int status, alive = 0;
		pid_t pid;

		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (int i = 0; i < n; i++) {
				if (kids[i].pid != pid)
					continue;
				kids[i].pid = 0;
				metrics_waiter_reap(shm, i);
				if (stopping)
					break;
				if (WIFSIGNALED(status))
					cr_warn("responder died slot=%d pid=%d signal=%d",
						i, (int)pid, WTERMSIG(status));
				else
					cr_warn("responder exited slot=%d pid=%d status=%d",
						i, (int)pid, WEXITSTATUS(status));
				kids[i].fails = now - kids[i].started_ms < YOUNG_MS
					? kids[i].fails + 1 : 0;
				int64_t delay = kids[i].fails ? 100LL << (kids[i].fails < 7 ? kids[i].fails : 7) : 0;
				kids[i].restart_at_ms = now + (delay > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : delay);
			}
		}
		for (int i = 0; i < n; i++) {
			if (kids[i].pid > 0) {
				alive++;
				continue;
			}
			if (stopping)
				continue;
			if (kids[i].restart_at_ms <= now) {
				kids[i].pid = spawn(i, listen_fd, cfg, shm);
				kids[i].started_ms = now;
				if (kids[i].pid < 0) {
					kids[i].pid = 0;
					kids[i].restart_at_ms = now + 1000;
				} else {
					alive++;
				}
			}
			if (kids[i].pid == 0 && kids[i].restart_at_ms < next)
				next = kids[i].restart_at_ms;
		}
		if (stopping) {
			if (alive == 0)
				break;
			if (!term_sent) {
				cr_info("stopping %d responders", alive);
				for (int i = 0; i < n; i++)
					if (kids[i].pid > 0)
						kill(kids[i].pid, SIGTERM);
				term_sent = true;
				stop_deadline = now + STOP_GRACE_MS;
			} else if (stop_deadline && now >= stop_deadline) {
				stop_deadline = 0;	/* once */
				for (int i = 0; i < n; i++)
					if (kids[i].pid > 0) {
						cr_warn("responder did not stop, killing pid=%d",
							(int)kids[i].pid);
						kill(kids[i].pid, SIGKILL);
					}
			}
		}
		int64_t wait_ms = next - now;
		if (wait_ms < 1)
			wait_ms = 1;
		struct timespec ts = { .tv_sec = wait_ms / 1000, .tv_nsec = (wait_ms % 1000) * 1000000 };
		int sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			stopping = 1;
	}
	free(kids);
	return 0;
}

int main(int argc, char **argv)
{
	const char *conf_path = NULL;
	struct cr_config cfg;
	char err[512];
	sigset_t block;
	int exit_status, fd;

	exit_status = cr_config_args(argc, argv, usage, &conf_path);
	if (exit_status >= 0)
		return exit_status;
	cr_log_set_program("coderank-api");
	if (cr_config_load(&cfg, conf_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "coderank-api: %s\n", err);
		return 1;
	}
	if (cr_config_check_api(&cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "coderank-api: cannot start: %s\n", err);
		return 1;
	}
	if (cfg.log_level && cr_log_set_level(cfg.log_level) != 0) {
		fprintf(stderr, "coderank-api: unknown log_level \"%s\"\n", cfg.log_level);
		return 1;
	}
	if (cfg.api_processes < 1 || cfg.api_processes > METRICS_MAX_SLOTS) {
		fprintf(stderr, "coderank-api: api_processes must be 1-%d\n", METRICS_MAX_SLOTS);
		return 1;
	}

	/* Blocked from here on: the supervisor takes them with sigtimedwait. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, NULL);
	signal(SIGPIPE, SIG_IGN);

	fd = open_listen(cfg.api_listen);
	struct api_shm *shm = metrics_shm_create();
	if (!shm)
		return 1;
	cr_info("listening on %s with %d responders", cfg.api_listen, cfg.api_processes);
	if (!is_unix_path(cfg.api_listen) && cfg.api_allow.n == 0)
		cr_warn("api_allow is empty: every TCP peer will be refused");
	supervise(fd, &cfg, shm);
	close(fd);
	if (is_unix_path(cfg.api_listen))
		unlink(cfg.api_listen);
	metrics_shm_destroy(shm);
	cr_info("stopped");
	cr_config_free(&cfg);
	return 0;
}
