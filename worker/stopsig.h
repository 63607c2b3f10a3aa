/*
 * SIGTERM/SIGINT for a worker child process (a slot, a filler, the janitor):
 * a stop flag, and a self-pipe so that a process asleep in poll() wakes at
 * once instead of at its time-out.
 *
 * The handler sets the flag and then writes one byte to the pipe (async-signal
 * safe, errno preserved); the flag is the state, the pipe only a wake-up. The
 * flag is never cleared: once a stop is requested, stopsig_wait() returns at
 * once. SIGPIPE is ignored, so a peer that went away is an EPIPE, not a death.
 *
 * Per process: call stopsig_init() once in the child after fork, before its
 * loop (the pipe is O_CLOEXEC and not shared with the supervisor).
 */
#ifndef CR_WORKER_STOPSIG_H
#define CR_WORKER_STOPSIG_H

#include <stdbool.h>

/* Create the pipe and install the handlers. 0, or -1 logged. */
int stopsig_init(void);

/* Has SIGTERM or SIGINT arrived? */
bool stopsig_requested(void);

/*
 * Sleep until fd is readable (if fd >= 0), a stop request, or timeout_ms
 * (below 0: do not sleep). Returns at once if a stop was already requested.
 * Does not read fd: the caller does.
 */
void stopsig_wait(int fd, int timeout_ms);

#endif
