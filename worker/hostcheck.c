/*
 * What sandbox mode relies on in the host's cgroups (see hostcheck.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>

#include "worker/hostcheck.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* The whole (small) file at dir/name into buf; -1 if unreadable. */
static int slurp(const char *dir, const char *name, char *buf, size_t size)
{
	char path[1024];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

/* Does text have a line that starts with the word key (then a space or the end)? */
static bool has_word_line(const char *text, const char *key)
{
	size_t k = strlen(key);

	for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, k) == 0 && (p[k] == ' ' || p[k] == '\n' || p[k] == '\0'))
			return true;
	return false;
}

/* Is word one of the space-separated words of text? */
static bool has_word(const char *text, const char *word)
{
	size_t k = strlen(word);

	for (const char *p = text; (p = strstr(p, word)) != NULL; p += k)
		if ((p == text || p[-1] == ' ') && (p[k] == ' ' || p[k] == '\n' || p[k] == '\0'))
			return true;
	return false;
}

/* Kernel release at least major.minor? */
static bool kernel_at_least(const char *release, int major, int minor)
{
	char *end;
	long a = strtol(release, &end, 10), b = 0;

	if (*end == '.')
		b = strtol(end + 1, NULL, 10);
	return a > major || (a == major && b >= minor);
}

int hostcheck_cgroup(const char *root, bool unified, const char *kernel, char *out,
		     size_t outlen)
{
	char buf[8192], dir[768];

	if (!kernel_at_least(kernel, 4, 13)) {
		snprintf(out, outlen, "kernel %s has no oom_kill counter in the memory cgroup "
			 "(4.13 and later have): a memory-limit kill could not be told from "
			 "another SIGKILL", kernel);
		return -1;
	}
	if (unified) {
		if (slurp(root, "cgroup.controllers", buf, sizeof(buf)) < 0 ||
		    !has_word(buf, "memory")) {
			snprintf(out, outlen, "cgroup v2 at %s without the memory controller: "
				 "no memory limit, OOM count or usage per container", root);
			return -1;
		}
		snprintf(out, outlen, "cgroup v2 (unified) at %s with the memory controller, "
			 "kernel %s", root, kernel);
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/memory", root);
	if (slurp(dir, "memory.oom_control", buf, sizeof(buf)) < 0) {
		snprintf(out, outlen, "cgroup v1 without a memory hierarchy at %s", dir);
		return -1;
	}
	if (!has_word_line(buf, "oom_kill")) {
		snprintf(out, outlen, "cgroup v1: %s/memory.oom_control has no oom_kill counter",
			 dir);
		return -1;
	}
	if (slurp(dir, "memory.stat", buf, sizeof(buf)) < 0 || !has_word_line(buf, "rss") ||
	    !has_word_line(buf, "shmem")) {
		snprintf(out, outlen, "cgroup v1: %s/memory.stat lacks rss or shmem: memory "
			 "left by a run could not be seen", dir);
		return -1;
	}
	snprintf(out, outlen, "cgroup v1 with a memory hierarchy at %s (oom_kill, rss, shmem), "
		 "kernel %s", dir, kernel);
	return 1;
}

int hostcheck_cgroup_here(char *out, size_t outlen)
{
	struct statfs fs;
	struct utsname u;
	bool unified;

	if (uname(&u) < 0) {
		snprintf(out, outlen, "uname failed");
		return -1;
	}
	if (statfs("/sys/fs/cgroup", &fs) < 0) {
		snprintf(out, outlen, "no /sys/fs/cgroup");
		return -1;
	}
	unified = (unsigned long)fs.f_type == (unsigned long)CGROUP2_SUPER_MAGIC;
	return hostcheck_cgroup("/sys/fs/cgroup", unified, u.release, out, outlen);
}
