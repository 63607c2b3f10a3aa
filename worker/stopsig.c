/*
 * The stop signals of a worker child (see stopsig.h). A flag alone would
 * leave a process asleep in poll() until its time-out (the sweep interval, a
 * minute for the janitor); the handler's byte on a self-pipe wakes it now.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "worker/stopsig.h"

static volatile sig_atomic_t stop_requested;
static int stop_pipe[2] = { -1, -1 };

static void on_term(int sig)
{
	int saved = errno;
	ssize_t w;

	(void)sig;
	stop_requested = 1;
	w = write(stop_pipe[1], "x", 1);
	(void)w;	/* EAGAIN: the pipe is full, a wake-up is pending anyway */
	errno = saved;
}

int stopsig_init(void)
{
	struct sigaction sa;

	if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return cr_error("could not create a pipe: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

bool stopsig_requested(void)
{
	return stop_requested != 0;
}

static void drain(void)
{
	char buf[64];

	while (read(stop_pipe[0], buf, sizeof(buf)) > 0)
		;
}

void stopsig_wait(int fd, int timeout_ms)
{
	struct pollfd p[2] = {
		{ .fd = stop_pipe[0], .events = POLLIN },
		{ .fd = fd, .events = POLLIN },
	};

	if (stop_requested)
		return;
	/* a deadline already past (the filler leader's refresh): poll, do not block */
	if (timeout_ms < 0)
		timeout_ms = 0;
	if (poll(p, fd >= 0 ? 2 : 1, timeout_ms) < 0 && errno != EINTR)
		cr_warn("poll failed: %s", strerror(errno));
	/* the wake-up is consumed: the flag, not a readable pipe, says "stop" */
	drain();
}
