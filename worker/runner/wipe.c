/*
 * Emptying a run's writable places and IPC objects (see wipe.h).
 */
#define _GNU_SOURCE
#include "worker/runner/wipe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Removes one entry of dir, or says it is a directory that is not empty yet
 * (1: descend into it). 0 removed, -1 failed (errno).
 */
static int remove_entry(int dir, const char *name)
{
	if (unlinkat(dir, name, 0) == 0)
		return 0;
	if (errno == EACCES || errno == EPERM) {
		/* the directory itself was made read-only (it is ours: undo that) */
		if (fchmod(dir, 0700) == 0 && unlinkat(dir, name, 0) == 0)
			return 0;
	}
	if (errno != EISDIR)
		return -1;
	if (unlinkat(dir, name, AT_REMOVEDIR) == 0)
		return 0;
	if (errno != ENOTEMPTY && errno != EEXIST)
		return -1;
	/*
	 * Make it enterable and writable: a mode-000 tree is the usual trick.
	 * It is a directory (EISDIR above) and nothing of the run is alive to
	 * swap it for a symbolic link, so following is not an issue here.
	 */
	if (fchmodat(dir, name, 0700, 0) < 0)
		return -1;
	return 1;
}

int wipe_tree(int dirfd, int64_t deadline_ms, char *err, size_t errlen)
{
	/* a fresh open, not dup(): a dup would share the reading position */
	int cur = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long depth = 0;

	if (cur < 0) {
		snprintf(err, errlen, "cannot open the directory: %s", strerror(errno));
		if (cur >= 0)
			close(cur);
		return -1;
	}
	/*
	 * Depth-first without a stack: empty the current directory of files;
	 * at the first non-empty subdirectory, go down into it; once a
	 * directory is empty, go back up through ".." and read the parent again
	 * (the emptied child is then removed like a file). Each directory is
	 * read once per child directory it had.
	 */
	for (;;) {
		int fd = openat(cur, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *e;
		int down = -1;

		if (!d) {
			snprintf(err, errlen, "cannot read a directory: %s", strerror(errno));
			if (fd >= 0)
				close(fd);
			goto fail;
		}
		while ((errno = 0, e = readdir(d)) != NULL) {
			int r;

			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			if (now_ms() > deadline_ms) {
				snprintf(err, errlen, "not empty after the time allowed");
				closedir(d);
				goto fail;
			}
			r = remove_entry(cur, e->d_name);
			if (r < 0) {
				snprintf(err, errlen, "cannot remove an entry: %s", strerror(errno));
				closedir(d);
				goto fail;
			}
			if (r == 1) {
				down = openat(cur, e->d_name,
					      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (down < 0) {
					snprintf(err, errlen, "cannot enter a directory: %s",
						 strerror(errno));
					closedir(d);
					goto fail;
				}
				break;
			}
		}
		if (!e && errno) {
			snprintf(err, errlen, "cannot read a directory: %s", strerror(errno));
			closedir(d);
			goto fail;
		}
		closedir(d);
		if (down >= 0) {
			close(cur);
			cur = down;
			depth++;
			continue;
		}
		if (depth == 0)
			break;
		down = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (down < 0) {
			snprintf(err, errlen, "cannot go back up: %s", strerror(errno));
			goto fail;
		}
		close(cur);
		cur = down;
		depth--;
	}
	close(cur);
	return 0;
fail:
	close(cur);
	return -1;
}

bool wipe_dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool empty = true;

	if (!d)
		return false;
	while ((errno = 0, e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			empty = false;
			break;
		}
	if (!e && errno)
		empty = false;
	closedir(d);
	return empty;
}

/* ---- SysV IPC ------------------------------------------------------------ */

enum ipc_kind { IPC_SHM, IPC_SEM, IPC_MSG };

static const struct {
	const char *file, *id_col;
} ipc_tables[] = {
	[IPC_SHM] = { "shm", "shmid" },
	[IPC_SEM] = { "sem", "semid" },
	[IPC_MSG] = { "msg", "msqid" },
};

/* Column index of name in a /proc/sysvipc header line; -1 if absent. */
static int column(const char *header, const char *name)
{
	char copy[512], *save = NULL;
	int i = 0;

	snprintf(copy, sizeof copy, "%s", header);
	for (char *w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save), i++)
		if (strcmp(w, name) == 0)
			return i;
	return -1;
}

static long field(const char *line, int col)
{
	char copy[512], *save = NULL, *w;
	int i = 0;

	snprintf(copy, sizeof copy, "%s", line);
	for (w = strtok_r(copy, " \t\n", &save); w && i < col; w = strtok_r(NULL, " \t\n", &save))
		i++;
	return w ? strtol(w, NULL, 10) : -1;
}

static int ipc_remove(enum ipc_kind kind, int id)
{
	switch (kind) {
	case IPC_SHM:
		return shmctl(id, IPC_RMID, NULL);
	case IPC_SEM:
		return semctl(id, 0, IPC_RMID);
	case IPC_MSG:
		return msgctl(id, IPC_RMID, NULL);
	}
	return -1;
}

/*
 * For each object of one table: counts it, and when uid >= 0 and it is uid's
 * (owner or creator: an owner may hand a segment to another uid, never its
 * creation), removes it. Returns the count (of those not removed when
 * removing), or -1 if the table cannot be read.
 */
static int ipc_scan(const char *dir, enum ipc_kind kind, long uid)
{
	char path[512], line[512];
	FILE *f;
	int id_col, uid_col, cuid_col, n = 0;

	snprintf(path, sizeof path, "%s/%s", dir, ipc_tables[kind].file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (!fgets(line, sizeof line, f)) {
		fclose(f);
		return -1;
	}
	id_col = column(line, ipc_tables[kind].id_col);
	uid_col = column(line, "uid");
	cuid_col = column(line, "cuid");
	if (id_col < 0 || uid_col < 0 || cuid_col < 0) {
		fclose(f);
		return -1;	/* not the kernel's format: touch nothing */
	}
	while (fgets(line, sizeof line, f)) {
		long id = field(line, id_col);

		if (uid >= 0 && id >= 0 &&
		    (field(line, uid_col) == uid || field(line, cuid_col) == uid) &&
		    ipc_remove(kind, (int)id) == 0)
			continue;
		n++;
	}
	fclose(f);
	return n;
}

int wipe_sysv_ipc(const char *dir, uid_t uid)
{
	int left = 0;

	for (int k = IPC_SHM; k <= IPC_MSG; k++) {
		int n = ipc_scan(dir, (enum ipc_kind)k, (long)uid);

		left += n > 0 ? n : 0;
	}
	return left;
}

int wipe_sysv_count(const char *dir)
{
	int total = 0;

	for (int k = IPC_SHM; k <= IPC_MSG; k++) {
		int n = ipc_scan(dir, (enum ipc_kind)k, -1);

		if (n < 0)
			return -1;
		total += n;
	}
	return total;
}
