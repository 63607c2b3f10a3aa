/*
 * Reads the container's memory cgroup counters (see cgroup.h). Only reads:
 * /sys/fs/cgroup is read-only inside the container, and the runner never needs
 * to write there.
 */
#define _GNU_SOURCE
#include "worker/runner/cgroup.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads a small file into buf (NUL-terminated); -1 if it cannot be read. */
static int read_small(const char *dir, const char *name, char *buf, size_t size)
{
	char path[640];
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static bool exists(const char *dir, const char *name)
{
	char path[640];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return access(path, R_OK) == 0;
}

/* The value of "key N" lines (memory.oom_control, memory.events); -1 if absent. */
static int64_t keyed(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
			return strtoll(p + klen + 1, NULL, 10);
	}
	return -1;
}

static int64_t single(const char *dir, const char *name)
{
	char buf[64];

	if (read_small(dir, name, buf, sizeof buf) < 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

/* The group path that /proc/self/cgroup gives for v1 "memory" or v2 "". */
static int self_path(int version, char *out, size_t size)
{
	char buf[4096];
	const char *want = version == 1 ? "memory" : "";

	if (read_small("/proc/self", "cgroup", buf, sizeof buf) < 0)
		return -1;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c2 = '\0';
		if (version == 2 ? strcmp(c1 + 1, want) == 0 : strstr(c1 + 1, want) != NULL) {
			snprintf(out, size, "%s", c2 + 1);
			return 0;
		}
	}
	return -1;
}

int cgroup_open(struct cgroup_mem *cg)
{
	static const struct { int version; const char *root, *probe; } roots[] = {
		{ 1, "/sys/fs/cgroup/memory", "memory.oom_control" },
		{ 2, "/sys/fs/cgroup", "memory.events" },
	};
	char rel[400];

	memset(cg, 0, sizeof *cg);
	for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
		/* Docker mounts the container's own group at the root ... */
		if (exists(roots[i].root, roots[i].probe)) {
			cg->version = roots[i].version;
			snprintf(cg->dir, sizeof cg->dir, "%s", roots[i].root);
			return 0;
		}
		/* ... but a host-wide mount needs the path of our group. */
		if (self_path(roots[i].version, rel, sizeof rel) == 0) {
			snprintf(cg->dir, sizeof cg->dir, "%s%s", roots[i].root, rel);
			if (exists(cg->dir, roots[i].probe)) {
				cg->version = roots[i].version;
				return 0;
			}
		}
	}
	cg->dir[0] = '\0';
	return -1;
}

void cgroup_read(const struct cgroup_mem *cg, struct cgroup_counters *c)
{
	char buf[1024];

	c->oom_kill = c->failcnt = c->peak_bytes = -1;
	if (cg->version == 1) {
		if (read_small(cg->dir, "memory.oom_control", buf, sizeof buf) == 0)
			c->oom_kill = keyed(buf, "oom_kill");
		c->failcnt = single(cg->dir, "memory.failcnt");
		c->peak_bytes = single(cg->dir, "memory.max_usage_in_bytes");
	} else if (cg->version == 2) {
		if (read_small(cg->dir, "memory.events", buf, sizeof buf) == 0) {
			c->oom_kill = keyed(buf, "oom_kill");
			c->failcnt = keyed(buf, "max");
		}
		c->peak_bytes = single(cg->dir, "memory.peak");
	}
}

int64_t cgroup_resident_bytes(const struct cgroup_mem *cg)
{
	char buf[8192];
	int64_t anon, shmem;

	if (cg->version == 0 || read_small(cg->dir, "memory.stat", buf, sizeof buf) < 0)
		return -1;
	anon = keyed(buf, cg->version == 1 ? "rss" : "anon");
	shmem = keyed(buf, "shmem");
	if (anon < 0 || shmem < 0)
		return -1;
	return anon + shmem;
}

bool cgroup_oom_between(const struct cgroup_counters *before,
			const struct cgroup_counters *after, bool unexplained_sigkill)
{
	if (before->oom_kill >= 0 && after->oom_kill >= 0)
		return after->oom_kill > before->oom_kill;
	if (before->failcnt >= 0 && after->failcnt >= 0)
		return unexplained_sigkill && after->failcnt > before->failcnt;
	return false;
}
