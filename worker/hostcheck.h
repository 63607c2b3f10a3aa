/*
 * The worker's start-up check of what sandbox mode relies on in the host's
 * cgroups (docs/SECURITY.md, "Sandbox mode").
 *
 * Sandbox mode keeps one container for many runs, so it must be able to
 * tell, from inside, whether a run hit the memory limit (the memory cgroup's
 * oom_kill counter, kernel 4.13+) and whether memory went back to its
 * baseline after a run (memory.stat: anon/rss and shmem). Both come from the
 * memory controller, on cgroup v1 (a hierarchy at <root>/memory) or v2 (the
 * unified hierarchy at <root>). Where a guarantee cannot hold, the worker
 * runs every language in container mode and says why.
 */
#ifndef CR_WORKER_HOSTCHECK_H
#define CR_WORKER_HOSTCHECK_H

#include <stdbool.h>
#include <stddef.h>

/*
 * unified: <root> is a cgroup2 file system (statfs). kernel: uname's release
 * ("6.1.0-13-amd64"). Returns the cgroup version (1 or 2) with a description
 * in out, or -1 with the reason sandbox mode is refused in out.
 */
int hostcheck_cgroup(const char *root, bool unified, const char *kernel, char *out,
		     size_t outlen);

/* The same for this host: /sys/fs/cgroup and uname(2). */
int hostcheck_cgroup_here(char *out, size_t outlen);

#endif
