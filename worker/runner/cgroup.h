/*
 * The container's memory cgroup, read from inside: how the runner tells a
 * memory-limit kill from any other SIGKILL. It reads the kernel's own OOM-kill
 * counter before and after the run step instead of guessing from the signal.
 *
 * cgroup v1: <memory>/memory.oom_control ("oom_kill N", kernel >= 4.13),
 *            memory.failcnt, memory.max_usage_in_bytes.
 * cgroup v2: <group>/memory.events ("oom_kill N"), memory.peak.
 * The group is /sys/fs/cgroup[/memory] (Docker mounts the container's own group
 * there), or else the path that /proc/self/cgroup names under it.
 */
#ifndef CR_RUNNER_CGROUP_H
#define CR_RUNNER_CGROUP_H

#include <stdbool.h>
#include <stdint.h>

struct cgroup_mem {
	int version;		/* 1, 2, or 0 when no memory cgroup was found */
	char dir[512];		/* the group's directory */
};

struct cgroup_counters {
	int64_t oom_kill;	/* -1 when the kernel does not export it */
	int64_t failcnt;	/* v1 memory.failcnt, v2 memory.events "max"; -1 if unknown */
	int64_t peak_bytes;	/* v1 max_usage_in_bytes, v2 memory.peak; -1 if unknown */
};

/* Finds the memory cgroup; returns 0, or -1 (version 0) when there is none. */
int cgroup_open(struct cgroup_mem *cg);

/* Reads the counters; fields the kernel lacks are -1. */
void cgroup_read(const struct cgroup_mem *cg, struct cgroup_counters *c);

/*
 * Memory that stays charged to the group when no process of a run is left:
 * anonymous memory plus shmem (tmpfs files, /dev/shm, SysV segments), from
 * memory.stat (v1 "rss" + "shmem", v2 "anon" + "shmem"). Page cache of the
 * image's files is left out on purpose: it is reclaimable and holds nothing
 * a run wrote. -1 when the kernel does not say.
 */
int64_t cgroup_resident_bytes(const struct cgroup_mem *cg);

/*
 * True when the memory cgroup recorded an OOM kill between before and after.
 * Without an oom_kill counter (old kernels) a failcnt rise plus the program's
 * SIGKILL that the runner did not send is taken as the OOM kill.
 */
bool cgroup_oom_between(const struct cgroup_counters *before,
			const struct cgroup_counters *after, bool unexplained_sigkill);

#endif
