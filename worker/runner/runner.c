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
#include "common/compare.h"

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

/*
 * Acts on files as the sandbox user, so that the program owns what the runner
 * makes for it (there is no CAP_CHOWN) and the sandbox's permissions apply to
 * what the runner reads of it (there is no CAP_DAC_OVERRIDE either): setfsuid
 * needs only CAP_SETUID and changes nothing else of the runner.
 */
static void as_sandbox_user(bool on)
{
	setfsgid(on ? (gid_t)job->uid : 0);
	setfsuid(on ? (uid_t)job->uid : 0);
}

/*
 * The directory that holds name's last component, walked from root one
 * component at a time with O_DIRECTORY|O_NOFOLLOW (never a path lookup that
 * could cross a link), each missing directory made first (mode 0755). The
 * names passed cr_file_name_check() (frame.c). Returns a descriptor, root
 * itself for a plain name, and the last component in *base; -1 and errno.
 */
static int open_parent(int root, const char *name, const char **base)
{
	int dir = root, e;
	const char *p = name, *slash;

	while ((slash = strchr(p, '/')) != NULL) {
		char comp[NAME_MAX + 1];
		size_t n = (size_t)(slash - p);
		int next;

		if (n == 0 || n > NAME_MAX) {
			errno = EINVAL;
			goto fail;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (mkdirat(dir, comp, 0755) < 0 && errno != EEXIST)
			goto fail;
		next = openat(dir, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			goto fail;
		if (dir != root)
			close(dir);
		dir = next;
		p = slash + 1;
	}
	*base = p;
	return dir;
fail:
	e = errno;
	if (dir != root)
		close(dir);
	errno = e;
	return -1;
}

static int write_files(char *err, size_t errlen)
{
	int dir = open(workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (dir < 0) {
		snprintf(err, errlen, "could not open \"%s\": %s", workdir, strerror(errno));
		return -1;
	}
	as_sandbox_user(true);
	for (int i = 0; i < job->nfiles; i++) {
		const struct cr_job_file *f = &job->files[i];
		const char *base = f->name;
		int pdir = open_parent(dir, f->name, &base);
		/* O_EXCL|O_NOFOLLOW: nothing of the sandbox has run yet, but never follow. */
		int fd = pdir < 0 ? -1 : openat(pdir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
						O_CLOEXEC, 0644);

		if (fd < 0 || write_all(fd, f->data.data, f->data.len) < 0) {
			snprintf(err, errlen, "could not write \"%s\": %s", f->name, strerror(errno));
			rc = -1;
		}
		if (fd >= 0)
			close(fd);
		if (pdir >= 0 && pdir != dir)
			close(pdir);
		if (rc < 0)
			break;
	}
	as_sandbox_user(false);
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

/*
 * The run step with input, each stream capped at limit bytes, into r (its
 * outputs even when the runner failed); -1 only when the runner itself failed.
 */
static int run_program(const struct cr_bytes *input, size_t limit, struct cr_case_result *r,
		       bool *left_behind, char *err, size_t errlen)
{
	struct step st = {
		.cmd = job->run,
		.limit_ms = job->time_ms,
		.input = input,
		.out.limit = limit,
		.err.limit = limit,
	};
	struct cgroup_counters before, after;
	int rc;

	cgroup_read(&cg, &before);
	rc = run_step(&st, err, errlen);
	cgroup_read(&cg, &after);
	take(&r->out, &st.out);
	take(&r->err, &st.err);
	*left_behind |= st.left_behind;
	if (rc < 0)
		return -1;
	exit_of(st.status, &r->exit_code, &r->signal);
	r->timeout = st.timeout;
	r->output_killed = st.output_killed;
	r->stdout_truncated = st.out.truncated;
	r->stderr_truncated = st.err.truncated;
	r->time_ms = st.time_ms;
	r->memory_kb = st.maxrss_kb;
	r->oom = cgroup_oom_between(&before, &after,
				    r->signal == SIGKILL && !st.timeout && !st.output_killed);
	return 0;
}

/* The one run of a job without test cases, into the result's run fields. */
static int execute_step(struct cr_result *res, bool *left_behind, char *err, size_t errlen)
{
	struct cr_case_result r = { 0 };
	int rc = run_program(&job->stdin_data, (size_t)job->output_bytes, &r, left_behind,
			     err, errlen);

	res->out = r.out;
	res->err = r.err;
	if (rc < 0)
		return -1;
	res->ran = true;
	res->exit_code = r.exit_code;
	res->signal = r.signal;
	res->timeout = r.timeout;
	res->output_killed = r.output_killed;
	res->stdout_truncated = r.stdout_truncated;
	res->stderr_truncated = r.stderr_truncated;
	res->time_ms = r.time_ms;
	res->memory_kb = r.memory_kb;
	res->oom = r.oom;
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
 * After a job whose container serves the next one, and before each test case:
 * nothing of the run may be left. Kill until no process but PID 1 is left,
 * empty every writable place and the IPC namespace as the run's uid, then
 * check all of it here and that the memory cgroup's resident memory is at most
 * baseline + held (bytes the runner holds on purpose) + RUNNER_MEMORY_SLACK;
 * *resident gets what was measured (NULL: not wanted). NULL when clean, else
 * why not (the container is then retired).
 */
static const char *sweep(int64_t baseline, int64_t held, int64_t *resident_out, char *why,
			 size_t whylen)
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
	if (resident_out)
		*resident_out = resident;
	if (resident < 0 || baseline < 0) {
		snprintf(why, whylen, "the memory cgroup cannot be read");
		return why;
	}
	if (resident > baseline + held + RUNNER_MEMORY_SLACK) {
		snprintf(why, whylen, "memory %lld KiB above its baseline",
			 (long long)((resident - baseline - held) / 1024));
		return why;
	}
	return NULL;
}

/* ---- test cases: the snapshot of /work ---------------------------------------- */

/* One entry of /work as the compile step left it, in pre-order (parents first). */
struct snap_entry {
	int parent;		/* index of its directory, -1 for /work itself */
	char *name;		/* one component */
	mode_t type;		/* S_IFREG, S_IFDIR or S_IFLNK */
	mode_t mode;		/* permission bits only */
	struct timespec mtime;
	char *data;		/* a file's content or a link's target (NUL-terminated) */
	size_t len;
};

struct snapshot {
	struct snap_entry *e;
	int n, alloc;
	int64_t bytes;		/* contents and targets, bounded by RUNNER_SNAPSHOT_BYTES */
	int64_t held;		/* what it costs in memory, counted by the first clean */
};

static struct snapshot snap;		/* of the job being served; freed after its result */
static int64_t case_baseline = -1;	/* resident memory right after the first clean */

/* Memory a buffer of len bytes costs, generously: the memory check's allowance. */
static int64_t held_bytes(size_t len)
{
	return (int64_t)len + 8192;
}

static void snapshot_free(void)
{
	for (int i = 0; i < snap.n; i++) {
		free(snap.e[i].name);
		free(snap.e[i].data);
	}
	free(snap.e);
	memset(&snap, 0, sizeof snap);
}

/* Paths in messages are cut to this many bytes. */
#define RUNNER_PATH_SHOWN 200

/* workdir/.../name, name being in the directory of entry parent: for messages. */
static void snap_path(int parent, const char *name, char *buf, size_t buflen)
{
	int chain[RUNNER_SNAPSHOT_DEPTH + 1], n = 0;
	size_t len;

	for (int i = parent; i >= 0 && n < (int)(sizeof chain / sizeof chain[0]); i = snap.e[i].parent)
		chain[n++] = i;
	len = (size_t)snprintf(buf, buflen, "%s", workdir);
	while (n > 0 && len < buflen)
		len += (size_t)snprintf(buf + len, buflen - len, "/%s", snap.e[chain[--n]].name);
	if (len < buflen)
		snprintf(buf + len, buflen - len, "/%s", name);
}

static int snap_fail(int parent, const char *name, const char *what, char *why, size_t whylen)
{
	char path[RUNNER_PATH_SHOWN];

	snap_path(parent, name, path, sizeof path);
	snprintf(why, whylen, "\"%s\" %s", path, what);
	return -1;
}

static struct snap_entry *snap_add(int parent, const char *name, const struct stat *st)
{
	struct snap_entry *e;

	if (snap.n == snap.alloc) {
		int na = snap.alloc ? snap.alloc * 2 : 64;
		struct snap_entry *p = realloc(snap.e, (size_t)na * sizeof *p);

		if (!p)
			return NULL;
		snap.held += (int64_t)(na - snap.alloc) * (int64_t)sizeof *p;
		snap.e = p;
		snap.alloc = na;
	}
	e = &snap.e[snap.n];
	memset(e, 0, sizeof *e);
	e->name = strdup(name);
	if (!e->name)
		return NULL;
	e->parent = parent;
	e->type = st->st_mode & S_IFMT;
	e->mode = st->st_mode & 0777;
	e->mtime = st->st_mtim;
	snap.n++;
	snap.held += held_bytes(strlen(name));
	return e;
}

/* A regular file's content into e; its open descriptor is fd. */
static int snap_read(struct snap_entry *e, int fd, const struct stat *st)
{
	struct stat now;
	ssize_t n;

	if (fstat(fd, &now) < 0 || !S_ISREG(now.st_mode) || now.st_ino != st->st_ino ||
	    now.st_size != st->st_size) {
		errno = EAGAIN;
		return -1;
	}
	e->data = malloc((size_t)st->st_size + 1);
	if (!e->data)
		return -1;
	n = read_full(fd, e->data, (size_t)st->st_size);
	if (n != (ssize_t)st->st_size) {
		if (n >= 0)
			errno = EIO;
		return -1;
	}
	e->data[n] = '\0';
	e->len = (size_t)n;
	return 0;
}

static int snap_dir(int fd, int parent, int depth, char *why, size_t whylen);

/* One entry of the directory at dfd (entry index parent). */
static int snap_one(int dfd, int parent, const char *name, int depth, char *why, size_t whylen)
{
	struct stat st;
	struct snap_entry *e;
	int fd, rc;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return snap_fail(parent, name, strerror(errno), why, whylen);
	if (snap.n >= RUNNER_SNAPSHOT_ENTRIES) {
		snprintf(why, whylen, "more than %d files and directories in %s", RUNNER_SNAPSHOT_ENTRIES,
			 workdir);
		return -1;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))
		return snap_fail(parent, name, "is neither a file, a directory nor a symbolic link",
				 why, whylen);
	if (S_ISDIR(st.st_mode) && depth >= RUNNER_SNAPSHOT_DEPTH)
		return snap_fail(parent, name, "is nested too deep", why, whylen);
	if (!S_ISDIR(st.st_mode) && snap.bytes + st.st_size > RUNNER_SNAPSHOT_BYTES) {
		snprintf(why, whylen, "more than %lld bytes in %s", (long long)RUNNER_SNAPSHOT_BYTES,
			 workdir);
		return -1;
	}
	e = snap_add(parent, name, &st);
	if (!e)
		return snap_fail(parent, name, "could not be kept: out of memory", why, whylen);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(dfd, name, target, sizeof target - 1);

		if (n < 0 || !(e->data = strndup(target, (size_t)n)))
			return snap_fail(parent, name, strerror(errno), why, whylen);
		e->len = (size_t)n;
	} else if (S_ISREG(st.st_mode)) {
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		rc = fd < 0 ? -1 : snap_read(e, fd, &st);
		if (fd >= 0)
			close(fd);
		if (rc < 0)
			return snap_fail(parent, name, strerror(errno), why, whylen);
	} else {
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return snap_fail(parent, name, strerror(errno), why, whylen);
		return snap_dir(fd, snap.n - 1, depth + 1, why, whylen);
	}
	snap.bytes += (int64_t)e->len;
	snap.held += held_bytes(e->len) + (e->len >= 64 * 1024 ? 4096 : 0);
	return 0;
}

/* Every entry of the directory open at fd (closed here), after entry parent. */
static int snap_dir(int fd, int parent, int depth, char *why, size_t whylen)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		close(fd);
		return snap_fail(parent, ".", strerror(errno), why, whylen);
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				rc = snap_fail(parent, ".", strerror(errno), why, whylen);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		rc = snap_one(dirfd(d), parent, de->d_name, depth, why, whylen);
		if (rc < 0)
			break;
	}
	closedir(d);
	return rc;
}

/*
 * /work as the compile step left it, into snap, read as the sandbox user and
 * never through a link. -1 with why when it cannot be kept whole: the job
 * then ends as a failed compilation.
 */
static int snapshot_take(char *why, size_t whylen)
{
	int fd, rc;

	as_sandbox_user(true);
	fd = open(workdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "\"%s\" cannot be read: %s", workdir, strerror(errno));
		rc = -1;
	} else {
		rc = snap_dir(fd, -1, 0, why, whylen);
	}
	as_sandbox_user(false);
	return rc;
}

/* Gives a restored entry (open at fd) its mode and time, as it was. */
static int snap_finish(int fd, const struct snap_entry *e)
{
	struct timespec t[2] = { e->mtime, e->mtime };

	return fchmod(fd, e->mode) < 0 || futimens(fd, t) < 0 ? -1 : 0;
}

/* Entry e into the directory at dfd; a directory's descriptor goes to *dirfd. */
static int restore_one(int dfd, const struct snap_entry *e, int *dirfd_out)
{
	int fd;

	*dirfd_out = -1;
	if (e->type == S_IFLNK)
		return symlinkat(e->data, dfd, e->name);
	if (e->type == S_IFDIR) {
		/* writable until its content is in; snap_finish gives it its mode */
		if (mkdirat(dfd, e->name, 0700) < 0)
			return -1;
		*dirfd_out = openat(dfd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		return *dirfd_out < 0 ? -1 : 0;
	}
	fd = openat(dfd, e->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write_all(fd, e->data, e->len) < 0 || snap_finish(fd, e) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return close(fd);
}

/*
 * Puts the snapshot back into the emptied /work, as the sandbox user, with
 * *at() calls relative to directory descriptors only (O_EXCL, O_NOFOLLOW).
 * The entries are in pre-order, so a stack of the open directories from
 * /work down to the current one is all it needs; a directory gets its mode
 * and time once it is left, when its content is complete.
 */
static int snapshot_restore(char *why, size_t whylen)
{
	struct { int idx, fd; } stack[RUNNER_SNAPSHOT_DEPTH + 2];
	int top = 0, bad = -1, e = 0;
	char path[RUNNER_PATH_SHOWN];

	as_sandbox_user(true);
	stack[0].idx = -1;
	stack[0].fd = open(workdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (stack[0].fd < 0) {
		snprintf(why, whylen, "\"%s\": %s", workdir, strerror(errno));
		as_sandbox_user(false);
		return -1;
	}
	/* one step past the last entry, whose parent -1 closes every directory */
	for (int i = 0; bad < 0 && i <= snap.n; i++) {
		int parent = i < snap.n ? snap.e[i].parent : -1, fd;

		while (bad < 0 && top > 0 && stack[top].idx != parent) {
			if (snap_finish(stack[top].fd, &snap.e[stack[top].idx]) < 0) {
				e = errno;
				bad = stack[top].idx;
			}
			close(stack[top--].fd);
		}
		if (bad >= 0 || i == snap.n)
			break;
		if (stack[top].idx != parent || top + 1 >= (int)(sizeof stack / sizeof stack[0])) {
			e = EINVAL;	/* not in pre-order: cannot happen */
			bad = i;
		} else if (restore_one(stack[top].fd, &snap.e[i], &fd) < 0) {
			e = errno;
			bad = i;
		} else if (fd >= 0) {
			stack[++top].idx = i;
			stack[top].fd = fd;
		}
	}
	for (; top >= 0; top--)
		close(stack[top].fd);
	as_sandbox_user(false);
	if (bad < 0)
		return 0;
	snap_path(snap.e[bad].parent, snap.e[bad].name, path, sizeof path);
	snprintf(why, whylen, "\"%s\": %s", path, strerror(e));
	return -1;
}

/* ---- test cases: the runs ------------------------------------------------------- */

/*
 * Ends the job as a failed compilation, the program's doing: "coderank: why"
 * closes the compiler's output; the compiler's own output is cut to make room
 * for it within the cap.
 */
static void compile_refused(struct cr_result *res, const char *why)
{
	struct cr_bytes *o = &res->compile_output;
	size_t cap = (size_t)job->compile_output_bytes, n, keep;
	char msg[400];
	char *p;
	int w = snprintf(msg, sizeof msg, "%scoderank: %s\n",
			 o->len && o->data[o->len - 1] != '\n' ? "\n" : "", why);

	n = w < 0 ? 0 : (size_t)w < sizeof msg ? (size_t)w : sizeof msg - 1;
	if (n > cap)
		n = cap;
	keep = o->len < cap - n ? o->len : cap - n;
	p = realloc(o->data, keep + n + 1);
	if (p) {
		memcpy(p + keep, msg, n);
		p[keep + n] = '\0';
		o->data = p;
		o->len = keep + n;
	}
	res->compiled = true;
	res->compile_exit = 1;
	res->compile_signal = 0;
}

/* What the decoded job costs in memory: the first clean's allowance. */
static int64_t job_held(void)
{
	int64_t n = held_bytes(job->stdin_data.len) +
		    (int64_t)job->ncases * (int64_t)sizeof *job->cases;

	for (int i = 0; i < job->nfiles; i++)
		n += held_bytes(job->files[i].data.len) + held_bytes(strlen(job->files[i].name));
	for (int i = 0; i < job->ncases; i++)
		n += held_bytes(job->cases[i].stdin_data.len) + held_bytes(job->cases[i].expected.len);
	return n;
}

/* What the case results gathered so far cost in memory. */
static int64_t results_held(const struct cr_result *res)
{
	int64_t n = (int64_t)job->ncases * (int64_t)sizeof *res->cases;

	for (int i = 0; i < res->ncases; i++)
		n += held_bytes(res->cases[i].out.len) + held_bytes(res->cases[i].err.len);
	return n;
}

/*
 * The clean before a case (sweep()). The first one is measured against the
 * container's baseline plus what this job holds (the decoded job, the
 * compiler's output, the snapshot) and sets the baseline of the next ones,
 * which allow only the case results gathered since.
 */
static const char *clean_for_case(const struct cr_result *res, char *why, size_t whylen)
{
	int64_t resident = -1;
	const char *dirty;

	if (case_baseline >= 0)
		return sweep(case_baseline, results_held(res), NULL, why, whylen);
	dirty = sweep(resident_baseline,
		      job_held() + snap.held + held_bytes(res->compile_output.len) +
		      results_held(res), &resident, why, whylen);
	if (!dirty)
		case_baseline = resident;
	return dirty;
}

/*
 * Each stream of a case may keep job->output_bytes, as long as the result
 * frame stays under CR_FRAME_MAX_BYTES: past that, the later cases get what
 * is left (their streams show as truncated).
 */
static size_t case_output_limit(const struct cr_result *res)
{
	int64_t used = RUNNER_RESULT_RESERVE + (int64_t)res->compile_output.len, room;

	for (int i = 0; i < res->ncases; i++)
		used += (int64_t)(res->cases[i].out.len + res->cases[i].err.len);
	room = used < CR_FRAME_MAX_BYTES ? (CR_FRAME_MAX_BYTES - used) / 2 : 0;
	return (size_t)(room < job->output_bytes ? room : job->output_bytes);
}

/* A case stop_on_failure stops after. */
static bool case_failed(const struct cr_case_result *r)
{
	return r->exit_code != 0 || r->signal != 0 || r->timeout || r->oom || r->output_killed ||
	       r->stdout_truncated || r->stderr_truncated || (r->has_matched && !r->matched);
}

/* One case: clean, restore /work, run, compare. false when the runner failed (err). */
static bool run_case(struct cr_result *res, int i, bool *left_behind, char *err, size_t errlen)
{
	const struct cr_job_case *jc = &job->cases[i];
	struct cr_case_result *r = &res->cases[res->ncases];
	char why[300];

	if (clean_for_case(res, why, sizeof why)) {
		snprintf(err, errlen, "could not clean between test cases: %s", why);
		return false;
	}
	if (snapshot_restore(why, sizeof why) < 0) {
		snprintf(err, errlen, "could not restore %s for test case %d: %s", workdir, i + 1, why);
		return false;
	}
	if (run_program(&jc->stdin_data, case_output_limit(res), r, left_behind, err, errlen) < 0) {
		free(r->out.data);
		free(r->err.data);
		memset(r, 0, sizeof *r);
		return false;
	}
	res->ncases++;
	res->ran = true;
	if (jc->has_expected) {
		/* a cut stream is not the program's whole output: never a match */
		r->has_matched = true;
		r->matched = !r->stdout_truncated && !r->output_killed &&
			     cr_output_matches(job->compare, job->epsilon, r->out.data, r->out.len,
					       jc->expected.data, jc->expected.len);
	}
	return true;
}

/* Compiled (or nothing to compile): snapshot /work, then every case in turn. */
static bool run_cases(struct cr_result *res, bool *left_behind, char *err, size_t errlen)
{
	char why[300];

	if (snapshot_take(why, sizeof why) < 0) {
		snapshot_free();
		compile_refused(res, why);
		return true;
	}
	res->cases = calloc((size_t)job->ncases, sizeof *res->cases);
	if (!res->cases) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	for (int i = 0; i < job->ncases; i++) {
		if (!run_case(res, i, left_behind, err, errlen))
			return false;
		if (job->stop_on_failure && case_failed(&res->cases[res->ncases - 1]))
			break;
	}
	return true;
}

/* Why a job that ended this way retires its container, or NULL. */
static const char *unclean_end(const struct cr_result *res, bool runner_failed, bool left_behind)
{
	/* the one run, or every case: any of them that ended so retires it */
	struct cr_case_result all = { .timeout = res->timeout, .oom = res->oom,
				      .output_killed = res->output_killed, .signal = res->signal };

	for (int i = 0; i < res->ncases; i++) {
		all.timeout |= res->cases[i].timeout;
		all.oom |= res->cases[i].oom;
		all.output_killed |= res->cases[i].output_killed;
		if (!all.signal)
			all.signal = res->cases[i].signal;
	}
	if (runner_failed)
		return "runner error";
	if (res->compile_timeout || all.timeout)
		return "timeout";
	if (all.oom)
		return "memory limit";
	if (all.output_killed)
		return "output limit";
	if (res->compile_signal || all.signal)
		return "killed by a signal";
	if (left_behind)
		return "processes outlived the program";
	return NULL;
}

/*
 * The sweep after the job. With cases it allows what the runner still holds
 * on purpose until the result is sent: the snapshot (in the baseline of the
 * cases), the case results, or, when no case ran, the decoded job.
 */
static const char *final_sweep(const struct cr_result *res, char *why, size_t whylen)
{
	if (job->ncases == 0)
		return sweep(resident_baseline, 0, NULL, why, whylen);
	if (case_baseline >= 0)
		return sweep(case_baseline, results_held(res), NULL, why, whylen);
	return sweep(resident_baseline, job_held() + held_bytes(res->compile_output.len), NULL, why,
		     whylen);
}

/* Runs one decoded job into res; false when the runner itself failed (err). */
static bool run_job(struct cr_result *res, bool *left_behind, char *err, size_t errlen)
{
	if (job->ncases > 0 && !is_init) {
		snprintf(err, errlen, "test cases need the runner as PID 1");
		return false;
	}
	if (write_files(err, errlen) < 0)
		return false;
	if (job->compile) {
		if (compile_step(res, left_behind, err, errlen) < 0)
			return false;
		if (res->compile_exit != 0 || res->compile_signal != 0 || res->compile_timeout)
			return true;
	}
	if (job->ncases > 0)
		return run_cases(res, left_behind, err, errlen);
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
	/* the decoded job is all that is needed: the sweeps need not count the frame */
	free(doc);
	doc = NULL;
	job = &j;
	ok = run_job(&res, &left_behind, err, sizeof err);
	if (j.keep) {
		t0 = now_ms();
		dirty = unclean_end(&res, !ok, left_behind);
		if (!dirty)
			dirty = final_sweep(&res, why, sizeof why);
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
	snapshot_free();
	case_baseline = -1;
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
