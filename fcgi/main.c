/*
 * coderank-api [-c FILE] [--read-timeout]: a pre-forked pool of FastCGI
 * responders, each serving many requests at once (fcgi/server.c).
 *
 * The supervisor loads the configuration (and refuses to start without a
 * usable JWT key), opens the listen socket once, maps the shared counters and
 * forks api_processes children. It restarts a child that dies, with a back-off
 * that grows while children keep dying young, and zeroes the dead child's count
 * of held requests; on SIGTERM/SIGINT it tells the children to stop, waits for
 * them and exits 0. It also reads, from the database, how long nginx waits for
 * an answer (cr_config_read_timeout: the longest language limits), so that no
 * responder holds a request longer than that; --read-timeout prints that
 * number for scripts/nginx-conf and exits.
 *
 * Signals stay blocked in every process and thread: the supervisor takes them
 * with sigtimedwait, a responder's main thread with sigwait.
 */
#include "config.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/db.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "fcgi/metrics.h"
#include "fcgi/server.h"
#include "fcgi/stmts.h"

#define LISTEN_BACKLOG 4096	/* a burst of held requests connects at once */
#define STOP_GRACE_MS 30000
#define MAX_BACKOFF_MS 10000
#define YOUNG_MS 10000

static volatile sig_atomic_t stopping;

static void usage(FILE *f)
{
	fprintf(f, "usage: coderank-api [-c FILE] [--read-timeout]\n"
		   "  -c FILE         configuration file (default $CODERANK_CONFIG, then\n"
		   "                  /etc/coderank/coderank.conf); CODERANK_<KEY> variables override it\n"
		   "  --read-timeout  print nginx's fastcgi_read_timeout for this configuration\n"
		   "                  (seconds, from the languages' limits in the database) and exit\n");
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

static void child_main(int slot, int listen_fd, const struct cr_config *cfg,
		       struct api_shm *shm, pid_t parent)
{
	/* Die with the supervisor, however it dies. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(0);
	signal(SIGCHLD, SIG_DFL);
	server_run(slot, listen_fd, cfg, shm);
	exit(0);
}

/* ---- nginx's read timeout ------------------------------------------------------ */

/* The longest compile + time limit of the active languages; -1 when unknown. */
static int longest_limit(struct cr_db *db)
{
	PGresult *r = cr_db_exec(db, S_LONGEST_LIMIT, 0, NULL, NULL, NULL, 0, NULL);
	int n = -1;

	if (r && PQntuples(r) == 1)
		n = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return n;
}

/* Read it once the database answers; until then the responders use the least one. */
static void learn_read_timeout(struct cr_db *db, const struct cr_config *cfg,
			       struct api_shm *shm)
{
	int n;

	if (metrics_read_timeout(shm) || cr_db_ensure(db) != 0 || (n = longest_limit(db)) < 0)
		return;
	metrics_read_timeout_set(shm, cr_config_read_timeout(cfg, n));
	cr_info("nginx's fastcgi_read_timeout for this configuration: %d s "
		"(longest language limit %d s + api_wait_margin_seconds %d + %d)",
		metrics_read_timeout(shm), n, cfg->api_wait_margin_seconds,
		cr_limits.answer_seconds);
	cr_db_close(db);
}

static int print_read_timeout(const struct cr_config *cfg)
{
	struct cr_db db;
	int n;

	cr_db_init(&db, cfg->database_url ? cfg->database_url : "", api_stmts);
	if (cr_db_ensure(&db) != 0 || (n = longest_limit(&db)) < 0) {
		fprintf(stderr, "coderank-api: could not read the language limits from the database\n");
		cr_db_close(&db);
		return 1;
	}
	printf("%d\n", cr_config_read_timeout(cfg, n));
	cr_db_close(&db);
	return 0;
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
	struct cr_db db;
	struct child *kids = calloc((size_t)n, sizeof(*kids));
	sigset_t set;
	int64_t stop_deadline = 0;
	bool term_sent = false;

	if (!kids)
		cr_die("out of memory");
	cr_db_init(&db, cfg->database_url ? cfg->database_url : "", api_stmts);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);

	for (;;) {
		int64_t now = cr_monotonic_ms(), next = now + 1000;
		int status, alive = 0;
		pid_t pid;

		learn_read_timeout(&db, cfg, shm);

		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (int i = 0; i < n; i++) {
				if (kids[i].pid != pid)
					continue;
				kids[i].pid = 0;
				metrics_slot_alive(shm, i, false);
				metrics_waiters_set(shm, i, 0);	/* its held requests are gone */
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
					metrics_slot_alive(shm, i, true);
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
	cr_db_close(&db);
	return 0;
}

int main(int argc, char **argv)
{
	const char *conf_path = NULL;
	struct cr_config cfg;
	char err[512];
	sigset_t block;
	struct rlimit nofile;
	bool read_timeout_only = false;
	int exit_status, fd;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--read-timeout") == 0) {
			read_timeout_only = true;
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof(*argv));
			argc--;
			break;
		}
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
	if (read_timeout_only) {
		exit_status = print_read_timeout(&cfg);
		cr_config_free(&cfg);
		return exit_status;
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
	/* Each held request is a connection: take every descriptor we may. */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}

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
