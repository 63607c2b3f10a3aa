/*
 * Emptying what a run can write, between two runs of one container (sandbox
 * mode), and checking that nothing is left.
 *
 * wipe_tree() and wipe_sysv_ipc() run in a child of the runner that has become
 * the run's uid: everything the run made is that uid's own, so the child may
 * chmod any directory it must enter or empty (mode 000 trees) and remove the
 * uid's IPC objects, without any capability. Nothing of the run is alive by
 * then (the runner killed and reaped it all first), so nothing races the
 * walk. The walk uses only *at() calls on directory descriptors, never a path
 * string, never follows a symbolic link, and is iterative: a tree deeper than
 * PATH_MAX, or than any stack, is emptied like any other.
 *
 * The checks (wipe_dir_empty, wipe_sysv_count) run in the runner itself,
 * after the child: whatever the child could not remove, for whatever reason,
 * is seen there and the container is retired.
 */
#ifndef CR_RUNNER_WIPE_H
#define CR_RUNNER_WIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Removes everything inside the directory open at dirfd (not the directory
 * itself). deadline_ms is CLOCK_MONOTONIC ms. Returns 0 when every entry was
 * removed, -1 with a reason in err otherwise (deadline passed, a file that
 * cannot be removed). dirfd is not closed.
 */
int wipe_tree(int dirfd, int64_t deadline_ms, char *err, size_t errlen);

/* Is the directory at path empty? false also when it cannot be read. */
bool wipe_dir_empty(const char *path);

/*
 * Removes the SysV shared memory segments, semaphore sets and message queues
 * that uid owns or created, as listed in dir (normally /proc/sysvipc).
 * Returns how many could not be removed.
 */
int wipe_sysv_ipc(const char *dir, uid_t uid);

/* SysV IPC objects of every owner listed in dir; -1 if dir cannot be read. */
int wipe_sysv_count(const char *dir);

#endif
