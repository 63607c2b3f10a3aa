/*
 * coderank-runner: runs one job inside its container and reports one result.
 * See runner.h for the theory of operation and frame.h for the messages.
 */
#define _GNU_SOURCE
#include "worker/runner/runner.h"
#include "worker/runner/cgroup.h"
#include "worker/runner/seccomp.h"
#include "worker/runner/wipe.h"
#include "worker/frame.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <dirent.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A capped output stream of a step. */
struct outbuf {
	int fd;			/* read end, -1 once closed */
	char *data;
	size_t len, alloc;
	size_t limit;
	bool truncated;
	size_t dropped;		/* bytes read past the cap */
};

struct step {
	char *cmd;
	int64_t limit_ms;
	const struct cr_bytes *input;	/* NULL: stdin is at EOF at once */
	bool merged;			/* stderr goes into out */
	/* results */
	struct outbuf out, err;
	pid_t pid;
	int status;
	bool reaped;
	bool timeout;
	bool output_killed;
	bool left_behind;		/* other processes outlived the main one */
	int64_t time_ms;
	int64_t maxrss_kb;
};

static const struct cr_job *job;
static const char *workdir = RUNNER_WORKDIR;
static int sigfd = -1;
static bool is_init;
static struct cgroup_mem cg;
static int64_t resident_baseline = -1;	/* cgroup_resident_bytes() before any job */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Diagnostics go to the runner's stderr (the container log, if any). */
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("coderank-runner: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* ---- the job and the result ---------------------------------------------- */

/* 0 with a frame, 1 at end of input before any byte, -1 on error. */
static int read_job(uint8_t **doc, size_t *len, char *err, size_t errlen)
{
	uint8_t head[4];
	ssize_t n = read_full(0, head, sizeof head);
	int64_t size;

	*doc = NULL;
	if (n == 0)
		return 1;
	if (n != (ssize_t)sizeof head) {
		snprintf(err, errlen, "no job frame on stdin");
		return -1;
	}
	size = cr_frame_size(head, sizeof head);
	if (size < 0) {
		snprintf(err, errlen, "job frame has a bad length prefix");
		return -1;
	}
	*doc = malloc((size_t)size);
	if (!*doc) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(*doc, head, sizeof head);
	n = read_full(0, *doc + sizeof head, (size_t)size - sizeof head);
	if (n != size - (ssize_t)sizeof head) {
		snprintf(err, errlen, "job frame is truncated");
		return -1;
	}
	*len = (size_t)size;
	return 0;
}

/* Writes the one result frame to fd 1; the runner's last act. */
static int send_result(struct cr_result *res)
{
	size_t len = 0;
	uint8_t *doc = cr_result_encode(res, &len);

	if (!doc) {
		struct cr_result bad = { .error = (char *)"could not encode the result",
					 .exit_code = -1, .compile_exit = -1 };

		say("could not encode the result");
		doc = cr_result_encode(&bad, &len);
		if (!doc)
			return -1;
	}
	if (write_all(1, doc, len) < 0) {
		say("could not write the result: %s", strerror(errno));
		free(doc);
		return -1;
	}
	free(doc);
	return 0;
}

static int write_files(char *err, size_t errlen)
{
	int dir = open(workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (dir < 0) {
		snprintf(err, errlen, "could not open \"%s\": %s", workdir, strerror(errno));
		return -1;
	}
	/*
	 * Create the files as the sandbox user, so the program owns its sources
	 * (there is no CAP_CHOWN): setfsuid needs only CAP_SETUID and changes
	 * nothing else of the runner.
	 */
	setfsgid((gid_t)job->uid);
	setfsuid((uid_t)job->uid);
	for (int i = 0; i < job->nfiles; i++) {
		const struct cr_job_file *f = &job->files[i];
		/* O_EXCL|O_NOFOLLOW: nothing of the sandbox has run yet, but never follow. */
		int fd = openat(dir, f->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

		if (fd < 0 || write_all(fd, f->data.data, f->data.len) < 0) {
			snprintf(err, errlen, "could not write \"%s\": %s", f->name, strerror(errno));
			if (fd >= 0)
				close(fd);
			rc = -1;
			break;
		}
		close(fd);
	}
	setfsuid(0);
	setfsgid(0);
	close(dir);
	return rc;
}

/* ---- killing and reaping --------------------------------------------------- */

/*
 * Kills every process of the sandbox. As PID 1 with CAP_KILL, kill(-1) reaches
 * every process of the container but the runner, atomically with respect to
 * fork, so neither new sessions nor a fork bomb escape it. Elsewhere a helper
 * that became the sandbox uid does the same for that uid only.
 */
static void kill_sandbox(void)
{
	pid_t h;

	if (is_init) {
		kill(-1, SIGKILL);
		return;
	}
	h = fork();
	if (h == 0) {
		gid_t g = (gid_t)job->uid;
		uid_t u = (uid_t)job->uid;

		if (setgroups(0, NULL) == 0 && setresgid(g, g, g) == 0 && setresuid(u, u, u) == 0)
			kill(-1, SIGKILL);
		_exit(0);
	}
	if (h > 0)
		waitpid(h, NULL, 0);
}

static void drain_sigfd(void)
{
	struct signalfd_siginfo si[8];

	while (read(sigfd, si, sizeof si) > 0)
		;
}

/* Reaps what has ended; returns the number reaped, or -1 once no child is left. */
static int reap(struct step *st)
{
	int n = 0;

	for (;;) {
		struct rusage ru;
		int status;
		pid_t p = wait4(-1, &status, WNOHANG | __WALL, &ru);

		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			return n ? n : -1;
		if (p == 0)
			return n;
		n++;
		if (!st)
			continue;
		if (ru.ru_maxrss > st->maxrss_kb)
			st->maxrss_kb = ru.ru_maxrss;
		if (p == st->pid && !st->reaped) {
			st->reaped = true;
			st->status = status;
		}
	}
}

/* Kills and reaps until no process but the runner is left (bounded). */
static void reap_all(struct step *st)
{
	int64_t end = now_ms() + RUNNER_REAP_MS;

	while (now_ms() < end) {
		struct pollfd pfd = { .fd = sigfd, .events = POLLIN };

		kill_sandbox();
		if (reap(st) < 0)
			return;
		if (poll(&pfd, 1, 20) > 0)
			drain_sigfd();
	}
	say("processes were left after %d ms", RUNNER_REAP_MS);
}

/* ---- one step ---------------------------------------------------------------- */

static void child_fail(const char *what) __attribute__((noreturn));

static void child_fail(const char *what)
{
	char msg[256];
	int n = snprintf(msg, sizeof msg, "coderank-runner: %s: %s\n", what, strerror(errno));

	if (n > 0)
		(void)!write(2, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
	_exit(127);
}

static void set_limit(int res, rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(res, &rl) < 0)
		child_fail("getrlimit");
	if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max)
		want = rl.rlim_max;
	rl.rlim_cur = rl.rlim_max = want;
	if (setrlimit(res, &rl) < 0)
		child_fail("setrlimit");
}

/*
 * True for a plain "prog arg..." command with no shell syntax: those are
 * exec'd directly (exec_direct), so the step's process is the program itself
 * and a signal death is seen as such (dash would otherwise wait and report
 * 128+n). The first word must not be one of dash's builtins that has no
 * program of the same name.
 */
static bool simple_command(const char *s)
{
	static const char *const builtins[] = {
		"cd", "exit", "export", "set", "unset", ".", "eval", "exec", "if", "for",
		"while", "until", "case", "!", "{", "return", "shift", "trap", "wait",
		"alias", "unalias", "command", "read", "type", "ulimit", "umask", "getopts",
		"hash", "local", "readonly", "times", "jobs", "fg", "bg", NULL
	};
	size_t first = strcspn(s, " ");

	for (const char *p = s; *p; p++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 _./:,+=@%-", *p))
			return false;
	if (first == 0 || memchr(s, '=', first))
		return false;
	for (int i = 0; builtins[i]; i++)
		if (strlen(builtins[i]) == first && strncmp(s, builtins[i], first) == 0)
			return false;
	return true;
}

/*
 * Exec a simple command (simple_command()) with dash's PATH search but
 * without dash: an execve of a dynamically linked program costs about 4.5 ms
 * on the 2-core development machine, and a step saves the shell's. Returns
 * only if there are too many words (the caller runs the shell then);
 * otherwise execs or ends the child as a shell would: 127 not found, 126 not
 * executable (a file without #! is not run as a script: the rows name
 * programs).
 */
static void exec_direct(const char *cmd, char *const envp[])
{
	char *argv[RUNNER_MAX_ARGS + 1], *copy, *save = NULL, *dirs, *dir;
	char path[PATH_MAX], msg[PATH_MAX + 64];
	int argc = 0, err = ENOENT, n;

	copy = strdup(cmd);
	if (!copy)
		return;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (argc == RUNNER_MAX_ARGS) {
			free(copy);
			return;
		}
		argv[argc++] = w;
	}
	argv[argc] = NULL;
	if (argc == 0)
		return;
	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, envp);
		err = errno;
	} else {
		dirs = strdup(RUNNER_PATH);
		for (dir = dirs ? strtok_r(dirs, ":", &save) : NULL; dir;
		     dir = strtok_r(NULL, ":", &save)) {
			if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, argv[0]) >= sizeof path)
				continue;
			execve(path, argv, envp);
			/* like execvp: a later directory may still hold it; keep EACCES */
			if (errno != ENOENT && errno != ENOTDIR)
				err = errno;
		}
	}
	n = snprintf(msg, sizeof msg, "%s: %s\n", argv[0],
		     err == ENOENT ? "not found" : strerror(err));
	if (n > 0)
		(void)!write(2, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
	_exit(err == ENOENT ? 127 : 126);
}

/* In the child: become the sandbox user with the step's descriptors, then exec. */
static void child_exec(const struct step *st, int in, int out, int err) __attribute__((noreturn));

static void child_exec(const struct step *st, int in, int out, int err)
{
	static char *const envp[] = {
		(char *)"PATH=" RUNNER_PATH, (char *)"HOME=" RUNNER_WORKDIR,
		(char *)"LANG=C.UTF-8", (char *)"TMPDIR=/tmp", NULL
	};
	char *argv[] = { (char *)"sh", (char *)"-c", st->cmd, NULL };
	uid_t u = (uid_t)job->uid;
	gid_t g = (gid_t)job->uid;
	sigset_t none;
	int fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setsid();
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		child_fail("dup2");
	/* Everything else is close-on-exec already; close it anyway. */
	if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0)
		for (int i = 3; i < 4096; i++)
			close(i);
	if (chdir(workdir) < 0)
		child_fail("chdir");
	umask(022);
	/*
	 * Below the runner: a program of 64 busy processes shares the container's
	 * CPU with the runner, which must still see the main process end at once.
	 * Niceness is weighed within the container's own cgroup only.
	 */
	setpriority(PRIO_PROCESS, 0, 19);
	/* Let the OOM killer prefer the program to the runner. */
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)!write(fd, "1000", 4);
		close(fd);
	}
	set_limit(RLIMIT_FSIZE, (rlim_t)job->file_bytes);
	set_limit(RLIMIT_NOFILE, (rlim_t)job->nofile);
	set_limit(RLIMIT_CORE, 0);
	if (setgroups(0, NULL) < 0 || setresgid(g, g, g) < 0 || setresuid(u, u, u) < 0)
		child_fail("could not drop privileges");
	/* Paranoia: root must be out of reach for good. */
	if (setresuid(0, 0, 0) == 0 || setresgid(0, 0, 0) == 0 || getuid() == 0 ||
	    geteuid() == 0 || getgid() == 0 || getegid() == 0) {
		errno = EPERM;
		child_fail("privileges could be regained");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || runner_seccomp_apply() < 0)
		child_fail("could not apply the seccomp filter");
	if (!is_init)
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (simple_command(st->cmd))
		exec_direct(st->cmd, envp);
	execve(RUNNER_SHELL, argv, envp);
	child_fail("could not run " RUNNER_SHELL);
}

static bool set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * Reads what is there from one stream. Past the cap, bytes are counted and
 * dropped; past the flood grace the whole sandbox is killed so that a 100 MB
 * writer ends at once. Returns true when the caller should kill.
 */
static bool pump_out(struct outbuf *o)
{
	char tmp[65536];

	for (;;) {
		ssize_t n = read(o->fd, tmp, sizeof tmp);
		size_t take;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EAGAIN)
				close_fd(&o->fd);
			return false;
		}
		if (n == 0) {
			close_fd(&o->fd);
			return false;
		}
		take = o->len < o->limit ? o->limit - o->len : 0;
		if (take > (size_t)n)
			take = (size_t)n;
		if (take) {
			if (o->len + take + 1 > o->alloc) {
				size_t na = o->alloc ? o->alloc : 4096;
				char *p;

				while (na < o->len + take + 1)
					na *= 2;
				if (na > o->limit + 1)
					na = o->limit + 1;
				p = realloc(o->data, na);
				if (!p)
					return true;
				o->data = p;
				o->alloc = na;
			}
			memcpy(o->data + o->len, tmp, take);
			o->len += take;
			o->data[o->len] = '\0';
		}
		if ((size_t)n > take) {
			o->truncated = true;
			o->dropped += (size_t)n - take;
			if (o->dropped > RUNNER_FLOOD_GRACE)
				return true;
		}
	}
}

static int make_pipe(int p[2], char *err, size_t errlen)
{
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "could not create a pipe: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Runs one step to its end; -1 only when the runner itself failed. */
static int run_step(struct step *st, char *err, size_t errlen)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, er[2] = { -1, -1 };
	size_t in_off = 0;
	int64_t start, deadline, drain_until = 0;
	bool killed = false;
	int rc = -1;

	st->out.fd = st->err.fd = -1;
	if (make_pipe(in, err, errlen) < 0 || make_pipe(out, err, errlen) < 0 ||
	    (!st->merged && make_pipe(er, err, errlen) < 0))
		goto out;
	start = now_ms();
	deadline = start + st->limit_ms;
	st->pid = fork();
	if (st->pid < 0) {
		snprintf(err, errlen, "could not fork: %s", strerror(errno));
		goto out;
	}
	if (st->pid == 0)
		child_exec(st, in[0], out[1], st->merged ? out[1] : er[1]);
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&er[1]);
	st->out.fd = out[0];
	out[0] = -1;
	if (!st->merged) {
		st->err.fd = er[0];
		er[0] = -1;
	}
	set_nonblock(in[1]);
	set_nonblock(st->out.fd);
	if (st->err.fd >= 0)
		set_nonblock(st->err.fd);
	if (!st->input || st->input->len == 0)
		close_fd(&in[1]);

	for (;;) {
		struct pollfd pfd[4];
		int np = 0, ip = -1, op = -1, ep = -1, timeout;
		int64_t now = now_ms();

		if (!st->reaped && !killed && now >= deadline) {
			st->timeout = true;
			killed = true;
			kill_sandbox();
		}
		if (st->reaped && st->out.fd < 0 && st->err.fd < 0)
			break;
		if (st->reaped && now >= drain_until) {
			say("output pipes still open %d ms after the step ended", RUNNER_DRAIN_MS);
			break;
		}
		pfd[np++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		if (in[1] >= 0) {
			ip = np;
			pfd[np++] = (struct pollfd){ .fd = in[1], .events = POLLOUT };
		}
		if (st->out.fd >= 0) {
			op = np;
			pfd[np++] = (struct pollfd){ .fd = st->out.fd, .events = POLLIN };
		}
		if (st->err.fd >= 0) {
			ep = np;
			pfd[np++] = (struct pollfd){ .fd = st->err.fd, .events = POLLIN };
		}
		if (st->reaped)
			timeout = (int)(drain_until - now);
		else if (killed)
			timeout = 50;	/* waiting for the kill to land */
		else
			timeout = (int)(deadline - now) + 1;
		if (poll(pfd, (nfds_t)np, timeout) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "poll failed: %s", strerror(errno));
			goto out;
		}
		if (pfd[0].revents) {
			drain_sigfd();
			reap(st);
			if (st->reaped && drain_until == 0) {
				st->time_ms = now_ms() - start;
				/*
				 * The step is over: nothing of it may outlive it. Was
				 * anything still there (orphans not yet reaped count)?
				 */
				if (is_init && !killed && kill(-1, 0) == 0)
					st->left_behind = true;
				kill_sandbox();
				killed = true;
				drain_until = now_ms() + RUNNER_DRAIN_MS;
				close_fd(&in[1]);
			}
		}
		if (ip >= 0 && in[1] >= 0 && pfd[ip].revents) {
			size_t left = st->input->len - in_off;
			ssize_t n = write(in[1], st->input->data + in_off, left > 65536 ? 65536 : left);

			if (n > 0)
				in_off += (size_t)n;
			/* EPIPE: the program never read its input; SIGPIPE is ignored here. */
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || in_off == st->input->len)
				close_fd(&in[1]);
		}
		if ((op >= 0 && pfd[op].revents && pump_out(&st->out)) ||
		    (ep >= 0 && pfd[ep].revents && st->err.fd >= 0 && pump_out(&st->err))) {
			if (!killed && !st->reaped) {
				st->output_killed = true;
				killed = true;
				kill_sandbox();
			}
			/* Past the grace nothing more is kept: stop reading that flood. */
			if (st->out.dropped > RUNNER_FLOOD_GRACE)
				close_fd(&st->out.fd);
			if (st->err.dropped > RUNNER_FLOOD_GRACE)
				close_fd(&st->err.fd);
		}
	}
	rc = 0;
out:
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&er[0]);
	close_fd(&er[1]);
	close_fd(&st->out.fd);
	close_fd(&st->err.fd);
	reap_all(st);
	if (rc == 0 && !st->reaped) {
		snprintf(err, errlen, "the step's process was never reaped");
		rc = -1;
	}
	if (st->time_ms == 0 && rc == 0)
		st->time_ms = now_ms() - start;
	return rc;
}

static void take(struct cr_bytes *dst, struct outbuf *o)
{
	dst->data = o->data ? o->data : calloc(1, 1);
	dst->len = o->len;
	o->data = NULL;
	o->len = o->alloc = 0;
}

static void exit_of(int status, int32_t *code, int32_t *sig)
{
	if (WIFEXITED(status)) {
		*code = WEXITSTATUS(status);
		*sig = 0;
	} else {
		*code = -1;
		*sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	}
}

/* ---- main -------------------------------------------------------------------- */

static int setup(char *err, size_t errlen)
{
	sigset_t chld;
	const char *w = getenv("CODERANK_WORKDIR");

	if (w && *w)
		workdir = w;
	is_init = getpid() == 1;
	/*
	 * A fixed mmap threshold: large job and output buffers go back to the
	 * kernel when freed, so that the runner's own memory does not grow
	 * from job to job and the check after each job (sweep) stays exact.
	 */
	mallopt(M_MMAP_THRESHOLD, 64 * 1024);
	mallopt(M_TRIM_THRESHOLD, 128 * 1024);
	/* Nobody may ptrace us or read /proc/1/fd; already so after exec as root. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (!is_init && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "could not become a subreaper: %s", strerror(errno));
		return -1;
	}
	/* Our stdin/stdout/stderr are never inherited; children get their pipes. */
	for (int fd = 0; fd <= 2; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	sigfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sigfd < 0) {
		snprintf(err, errlen, "could not create a signalfd: %s", strerror(errno));
		return -1;
	}
	if (cgroup_open(&cg) == 0)
		resident_baseline = cgroup_resident_bytes(&cg);
	return 0;
}

static int compile_step(struct cr_result *res, bool *left_behind, char *err, size_t errlen)
{
	struct step st = {
		.cmd = job->compile,
		.limit_ms = job->compile_ms,
		.merged = true,
		.out.limit = (size_t)job->compile_output_bytes,
	};
	int rc = run_step(&st, err, errlen);

	take(&res->compile_output, &st.out);
	*left_behind |= st.left_behind;
	if (rc < 0)
		return -1;
	res->compiled = true;
	exit_of(st.status, &res->compile_exit, &res->compile_signal);
	res->compile_timeout = st.timeout;
	res->compile_time_ms = st.time_ms;
	return 0;
}

static int execute_step(struct cr_result *res, bool *left_behind, char *err, size_t errlen)
{
	struct step st = {
		.cmd = job->run,
		.limit_ms = job->time_ms,
		.input = &job->stdin_data,
		.out.limit = (size_t)job->output_bytes,
		.err.limit = (size_t)job->output_bytes,
	};
	struct cgroup_counters before, after;
	int rc;

	cgroup_read(&cg, &before);
	rc = run_step(&st, err, errlen);
	cgroup_read(&cg, &after);
	take(&res->out, &st.out);
	take(&res->err, &st.err);
	*left_behind |= st.left_behind;
	if (rc < 0)
		return -1;
	res->ran = true;
	exit_of(st.status, &res->exit_code, &res->signal);
	res->timeout = st.timeout;
	res->output_killed = st.output_killed;
	res->stdout_truncated = st.out.truncated;
	res->stderr_truncated = st.err.truncated;
	res->time_ms = st.time_ms;
	res->memory_kb = st.maxrss_kb;
	res->oom = cgroup_oom_between(&before, &after,
				      res->signal == SIGKILL && !st.timeout && !st.output_killed);
	return 0;
}

/* ---- between two jobs (sandbox mode) ------------------------------------------ */

/* Everything a run can write: tmpfs mounts of the container, all mode 1777. */
static const char *const wipe_places[] = { NULL /* workdir */, "/tmp", "/dev/shm", "/dev/mqueue" };
#define NPLACES (sizeof wipe_places / sizeof wipe_places[0])

static const char *place(size_t i)
{
	return i == 0 ? workdir : wipe_places[i];
}

/*
 * The wipe child: becomes the run's uid and removes everything that uid made
 * (wipe.h). Writes why it failed to fd and exits 1, or exits 0.
 */
static void wipe_child(int fd) __attribute__((noreturn));

static void wipe_child(int fd)
{
	uid_t u = (uid_t)job->uid;
	gid_t g = (gid_t)job->uid;
	char why[256] = "";
	int64_t deadline = now_ms() + RUNNER_WIPE_MS;
	int n;

	if (setgroups(0, NULL) < 0 || setresgid(g, g, g) < 0 || setresuid(u, u, u) < 0) {
		snprintf(why, sizeof why, "the wipe could not become uid %d", job->uid);
		goto out;
	}
	for (size_t i = 0; i < NPLACES && !why[0]; i++) {
		int dir = open(place(i), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		char e[200];

		if (dir < 0 || wipe_tree(dir, deadline, e, sizeof e) < 0)
			snprintf(why, sizeof why, "%s: %s", place(i),
				 dir < 0 ? strerror(errno) : e);
		if (dir >= 0)
			close(dir);
	}
	if (!why[0] && (n = wipe_sysv_ipc("/proc/sysvipc", u)) > 0)
		snprintf(why, sizeof why, "%d SysV IPC objects could not be removed", n);
out:
	if (why[0])
		(void)!write(fd, why, strlen(why));
	_exit(why[0] ? 1 : 0);
}

/* Runs the wipe child to its end (bounded); NULL if it emptied everything. */
static const char *wipe(char *why, size_t whylen)
{
	int p[2];
	pid_t pid;
	ssize_t n;
	struct step st = { 0 };
	int64_t end = now_ms() + RUNNER_WIPE_MS + 1000;

	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "no pipe for the wipe: %s", strerror(errno));
		return why;
	}
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		wipe_child(p[1]);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		snprintf(why, whylen, "could not fork the wipe: %s", strerror(errno));
		return why;
	}
	st.pid = pid;
	while (!st.reaped && now_ms() < end) {
		struct pollfd pfd = { .fd = sigfd, .events = POLLIN };

		if (poll(&pfd, 1, 50) > 0)
			drain_sigfd();
		reap(&st);
	}
	if (!st.reaped) {
		kill(pid, SIGKILL);
		reap_all(&st);
		close(p[0]);
		snprintf(why, whylen, "the wipe did not end in time");
		return why;
	}
	n = read(p[0], why, whylen - 1);
	close(p[0]);
	why[n > 0 ? n : 0] = '\0';
	if (WIFEXITED(st.status) && WEXITSTATUS(st.status) == 0)
		return NULL;
	if (!why[0])
		snprintf(why, whylen, "the wipe failed (status %d)", st.status);
	return why;
}

/*
 * The common case without a fork: the runner owns the places (root's, mode
 * 1777), so it may unlink any file at their top whoever made it. True when
 * that emptied them all and no SysV object exists: the wipe child is then
 * not needed. A directory (its content may be unreadable to root without
 * CAP_DAC_OVERRIDE) or an IPC object leaves it to the child. Never follows
 * a link: unlinkat removes the link itself.
 */
static bool quick_wipe(void)
{
	bool empty = true;

	for (size_t i = 0; i < NPLACES; i++) {
		int dir = open(place(i), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d = dir >= 0 ? fdopendir(dir) : NULL;
		struct dirent *e;

		if (!d) {
			if (dir >= 0)
				close(dir);
			return false;
		}
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
			    unlinkat(dirfd(d), e->d_name, 0) < 0)
				empty = false;
		closedir(d);
	}
	return empty && wipe_sysv_count("/proc/sysvipc") == 0;
}

/*
 * After a job whose container serves the next one: nothing of the run may
 * be left. Kill until no process but PID 1 is left, empty every writable
 * place and the IPC namespace as the run's uid, then check all of it here
 * and that the memory cgroup is back near its baseline. NULL when clean,
 * else why not (the container is then retired).
 */
static const char *sweep(char *why, size_t whylen)
{
	int64_t resident;
	int left;

	if (!is_init) {
		snprintf(why, whylen, "sandbox mode needs the runner as PID 1");
		return why;
	}
	reap_all(NULL);
	if (kill(-1, 0) == 0 || errno != ESRCH) {
		snprintf(why, whylen, "processes are left");
		return why;
	}
	if (!quick_wipe() && wipe(why, whylen))
		return why;
	for (size_t i = 0; i < NPLACES; i++)
		if (!wipe_dir_empty(place(i))) {
			snprintf(why, whylen, "%s is not empty", place(i));
			return why;
		}
	left = wipe_sysv_count("/proc/sysvipc");
	if (left != 0) {
		snprintf(why, whylen, left < 0 ? "SysV IPC cannot be checked"
					       : "SysV IPC objects are left");
		return why;
	}
	malloc_trim(0);
	resident = cgroup_resident_bytes(&cg);
	if (resident < 0 || resident_baseline < 0) {
		snprintf(why, whylen, "the memory cgroup cannot be read");
		return why;
	}
	if (resident > resident_baseline + RUNNER_MEMORY_SLACK) {
		snprintf(why, whylen, "memory %lld KiB above its baseline",
			 (long long)((resident - resident_baseline) / 1024));
		return why;
	}
	return NULL;
}

/* Why a job that ended this way retires its container, or NULL. */
static const char *unclean_end(const struct cr_result *res, bool runner_failed, bool left_behind)
{
	if (runner_failed)
		return "runner error";
	if (res->compile_timeout || res->timeout)
		return "timeout";
	if (res->oom)
		return "memory limit";
	if (res->output_killed)
		return "output limit";
	if (res->compile_signal || res->signal)
		return "killed by a signal";
	if (left_behind)
		return "processes outlived the program";
	return NULL;
}

/* Runs one decoded job into res; false when the runner itself failed (err). */
static bool run_job(struct cr_result *res, bool *left_behind, char *err, size_t errlen)
{
	if (write_files(err, errlen) < 0)
		return false;
	if (job->compile) {
		if (compile_step(res, left_behind, err, errlen) < 0)
			return false;
		if (res->compile_exit != 0 || res->compile_signal != 0 || res->compile_timeout)
			return true;
	}
	return execute_step(res, left_behind, err, errlen) == 0;
}

/*
 * One job frame in, one result frame out. Returns 1 when the runner is clean
 * and waits for another job, 0 when it must exit, -1 when even the result
 * could not be written.
 */
static int serve_one(bool first)
{
	struct cr_job j;
	struct cr_result res = { .exit_code = -1, .compile_exit = -1 };
	char err[512] = "", why[300];
	const char *dirty = NULL;
	uint8_t *doc = NULL;
	size_t len = 0;
	bool ok = false, left_behind = false;
	int64_t t0;
	int r;

	memset(&j, 0, sizeof j);
	r = read_job(&doc, &len, err, sizeof err);
	if (r == 1 && !first)
		return 0;	/* the worker closed the stream: done */
	if (r == 1)
		snprintf(err, sizeof err, "no job frame on stdin");
	if (r != 0 || cr_job_decode(doc, len, &j, err, sizeof err) < 0)
		goto done;
	job = &j;
	ok = run_job(&res, &left_behind, err, sizeof err);
	if (j.keep) {
		t0 = now_ms();
		dirty = unclean_end(&res, !ok, left_behind);
		if (!dirty)
			dirty = sweep(why, sizeof why);
		res.clean = dirty == NULL;
		if (dirty && dirty != why)
			snprintf(why, sizeof why, "%s", dirty);
		res.dirty = dirty ? why : NULL;
		res.cleanup_ms = now_ms() - t0;
	}
done:
	if (!ok && err[0] == '\0' && !res.compiled)
		snprintf(err, sizeof err, "unknown failure");
	if (!ok && err[0]) {
		say("%s", err);
		res.error = err;
	}
	free(doc);
	r = send_result(&res) == 0 ? (res.clean ? 1 : 0) : -1;
	res.error = NULL;
	res.dirty = NULL;
	cr_result_free(&res);
	cr_job_free(&j);
	job = NULL;
	return r;
}

int main(void)
{
	char err[512] = "";
	int r;

	if (setup(err, sizeof err) < 0) {
		struct cr_result res = { .exit_code = -1, .compile_exit = -1, .error = err };

		say("%s", err);
		return send_result(&res) == 0 ? 0 : 1;
	}
	for (bool first = true;; first = false) {
		r = serve_one(first);
		if (r <= 0)
			break;
	}
	return r < 0 ? 1 : 0;
}
