/*
 * runner/wipe.c: between two runs of one container, every writable place is
 * emptied whatever the run left there, nothing outside is touched through a
 * link, and the run's SysV IPC objects (and only those) are removed.
 *
 * The hostile tree is built with *at() calls only, so its depth is not bound
 * by PATH_MAX. Every fixture lives under one mkdtemp directory: the "outside"
 * targets sit next to the tree, so a wipe that followed a link could only
 * damage the fixture, never the machine.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "t/unit/cu.h"
#include "worker/runner/wipe.h"

void wipe_suite(void);

#define DEEP 3000	/* nested directories: far past PATH_MAX */
#define MANY 5000	/* files in one directory */
#define RUN_UID 10099	/* an unprivileged uid, as the runner's wipe child has */
#define SECRET "keep me"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct fixture {
	char base[64];		/* mkdtemp: holds the two below */
	char tree[96];		/* the directory to wipe */
	char outside[96];	/* link targets: must survive */
	char secret[128];	/* outside/secret, a file */
	char odir[128];		/* outside/dir, holding "inner" */
	int fd;			/* tree, open */
};

static int put(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int setup(struct fixture *fx)
{
	char inner[160];

	snprintf(fx->base, sizeof fx->base, "/tmp/cr-wipe-XXXXXX");
	fx->fd = -1;
	if (!mkdtemp(fx->base))
		return -1;
	snprintf(fx->tree, sizeof fx->tree, "%s/tree", fx->base);
	snprintf(fx->outside, sizeof fx->outside, "%s/outside", fx->base);
	snprintf(fx->secret, sizeof fx->secret, "%s/secret", fx->outside);
	snprintf(fx->odir, sizeof fx->odir, "%s/dir", fx->outside);
	snprintf(inner, sizeof inner, "%s/inner", fx->odir);
	if (mkdir(fx->tree, 0700) < 0 || mkdir(fx->outside, 0755) < 0 ||
	    put(fx->secret, SECRET) < 0 || mkdir(fx->odir, 0755) < 0 || put(inner, SECRET) < 0)
		return -1;
	fx->fd = open(fx->tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fx->fd < 0 ? -1 : 0;
}

/* Removes the whole fixture, with the code under test, else with rm -rf. */
static void teardown(struct fixture *fx)
{
	char err[256];
	int base = open(fx->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = -1, status;
	pid_t pid;

	if (fx->fd >= 0)
		close(fx->fd);
	if (base >= 0) {
		rc = wipe_tree(base, now_ms() + 60000, err, sizeof err);
		close(base);
	}
	if (rc == 0 && rmdir(fx->base) == 0)
		return;
	fprintf(stderr, "\n  teardown: falling back to rm -rf %s\n", fx->base);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		execlp("rm", "rm", "-rf", "--", fx->base, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
		fprintf(stderr, "  could not remove %s\n", fx->base);
}

/*
 * wipe_tree on a fresh descriptor of path, as the runner calls it (a new
 * open each time: the directory's read offset lives in the descriptor).
 */
static int wipe_path(const char *path, int64_t deadline_ms, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -2;
	rc = wipe_tree(fd, deadline_ms, err, errlen);
	close(fd);
	return rc;
}

/* The link targets next to the tree are exactly as setup() made them. */
static void assert_outside_intact(const struct fixture *fx)
{
	char inner[160], buf[64] = "";
	struct stat st;
	FILE *f;

	CU_ASSERT_EQUAL_FATAL(stat(fx->secret, &st), 0);
	CU_ASSERT_TRUE(S_ISREG(st.st_mode));
	CU_ASSERT_EQUAL(st.st_size, (off_t)strlen(SECRET));
	CU_ASSERT_EQUAL(st.st_nlink, 1);	/* the hard link in the tree is gone */
	f = fopen(fx->secret, "re");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NOT_NULL(fgets(buf, sizeof buf, f));
	fclose(f);
	CU_ASSERT_STRING_EQUAL(buf, SECRET);
	snprintf(inner, sizeof inner, "%s/inner", fx->odir);
	CU_ASSERT_EQUAL(stat(inner, &st), 0);
	CU_ASSERT_EQUAL(st.st_size, (off_t)strlen(SECRET));
	CU_ASSERT_FALSE(wipe_dir_empty(fx->outside));
}

/* ---- the hostile tree ------------------------------------------------------ */

static const char *failed;	/* what build() could not make */

#define TRY(call, what) do { if ((call) < 0) { failed = (what); return -1; } } while (0)

static int file_at(int dir, const char *name, mode_t mode)
{
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	if (write(fd, "x", 1) != 1) {
		close(fd);
		return -1;
	}
	close(fd);
	return fchmodat(dir, name, mode, 0);	/* not the umask's choice */
}

/* mkdirat + open: the new directory's fd, or -1. */
static int dir_at(int dir, const char *name)
{
	if (mkdirat(dir, name, 0700) < 0)
		return -1;
	return openat(dir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static const char *const odd_names[] = {
	"new\nline", "\n", "\n\n", "trailing\n", "\x80\x81\xfe\xff", "\xff", "caf\xe9",
	"\xc3(", " ", " lead", "-rf", "...", ".hidden", "*", "?", "back\\slash", "\t\r\x1b[2J",
};

/*
 * Everything a run could leave behind. hardlink: also a hard link to the
 * outside file (root only: protected_hardlinks refuses it to the run's uid).
 */
static int build(int top, const struct fixture *fx, bool hardlink)
{
	char name[256];
	int d, sub, mid = -1;

	/* odd names, and the longest one allowed */
	for (size_t i = 0; i < sizeof odd_names / sizeof odd_names[0]; i++)
		TRY(file_at(top, odd_names[i], 0644), "an odd name");
	memset(name, 'a', 255);
	name[255] = '\0';
	TRY(file_at(top, name, 0644), "a 255-byte name");

	/* a mode-000 directory holding files and a mode-000 subdirectory */
	TRY(d = dir_at(top, "locked"), "locked");
	TRY(file_at(d, "a", 0644), "locked/a");
	TRY(file_at(d, "\x80\n", 0644), "locked/odd");
	TRY(sub = dir_at(d, "sub"), "locked/sub");
	TRY(file_at(sub, "c", 0), "locked/sub/c");
	close(sub);
	TRY(fchmodat(d, "sub", 0, 0), "chmod locked/sub");
	close(d);
	TRY(fchmodat(top, "locked", 0, 0), "chmod locked");

	/* a read-only (0500) directory holding a file; an empty 000 one */
	TRY(d = dir_at(top, "readonly"), "readonly");
	TRY(file_at(d, "f", 0444), "readonly/f");
	close(d);
	TRY(fchmodat(top, "readonly", 0500, 0), "chmod readonly");
	TRY(mkdirat(top, "empty000", 0), "empty000");

	/* a file of mode 000; a FIFO (opening it would block the wipe) */
	TRY(file_at(top, "nomode", 0), "nomode");
	TRY(mkfifoat(top, "fifo", 0600), "fifo");

	/* links out of the tree: absolute and relative, to a file and to a directory */
	TRY(symlinkat(fx->secret, top, "to_secret"), "to_secret");
	TRY(symlinkat("../outside/secret", top, "to_secret_rel"), "to_secret_rel");
	TRY(symlinkat(fx->odir, top, "to_dir"), "to_dir");
	TRY(symlinkat("../outside", top, "to_outside_rel"), "to_outside_rel");
	TRY(symlinkat("nowhere/at/all", top, "dangling"), "dangling");
	TRY(symlinkat("loop", top, "loop"), "loop");
	if (hardlink)
		TRY(linkat(AT_FDCWD, fx->secret, top, "hardlink", 0), "hardlink");

	/* nested non-empty directories, a link to outside deep inside */
	TRY(d = dir_at(top, "n"), "n");
	TRY(file_at(d, "f1", 0644), "n/f1");
	TRY(sub = dir_at(d, "a"), "n/a");
	close(d);
	d = sub;
	TRY(file_at(d, "f2", 0644), "n/a/f2");
	TRY(symlinkat(fx->odir, d, "link"), "n/a/link");
	TRY(sub = dir_at(d, "b"), "n/a/b");
	TRY(file_at(sub, "f3", 0644), "n/a/b/f3");
	TRY(mkdirat(sub, "c", 0700), "n/a/b/c");
	TRY(file_at(sub, "c/f4", 0644), "n/a/b/c/f4");
	close(sub);
	close(d);

	/* a chain DEEP levels deep, a 0500 level half-way, a 000 bottom with a file */
	TRY(d = dup(top), "dup");
	for (int i = 0; i < DEEP; i++) {
		TRY(sub = dir_at(d, "d"), "a deep level");
		if (i == DEEP / 3)
			TRY(file_at(sub, "third", 0644), "a file a third down");
		if (i == DEEP / 2)
			TRY(mid = dup(sub), "dup");
		close(d);
		d = sub;
	}
	TRY(file_at(d, "bottom", 0644), "bottom");
	TRY(symlinkat(fx->secret, d, "deep_link"), "deep_link");
	TRY(fchmod(d, 0), "chmod bottom");
	close(d);
	TRY(fchmod(mid, 0500), "chmod middle");
	close(mid);

	/* many files in one directory */
	TRY(d = dir_at(top, "many"), "many");
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof name, "f%05d", i);
		TRY(file_at(d, name, 0644), "many/f");
	}
	close(d);
	return 0;
}

static void test_hostile_tree(void)
{
	struct fixture fx;
	char err[256] = "";
	int rc;

	CU_ASSERT_EQUAL_FATAL(setup(&fx), 0);
	rc = build(fx.fd, &fx, true);
	if (rc < 0)
		fprintf(stderr, "\n  build: %s: %s\n", failed, strerror(errno));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_FALSE(wipe_dir_empty(fx.tree));
	rc = wipe_tree(fx.fd, now_ms() + 120000, err, sizeof err);
	if (rc < 0)
		fprintf(stderr, "\n  wipe_tree: %s\n", err);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_TRUE(wipe_dir_empty(fx.tree));
	/* the directory itself stays (it is a mount point in the container) */
	CU_ASSERT_EQUAL(faccessat(fx.fd, ".", F_OK, 0), 0);
	assert_outside_intact(&fx);
	/* and a second wipe of the empty directory is a no-op */
	CU_ASSERT_EQUAL(wipe_path(fx.tree, now_ms() + 1000, err, sizeof err), 0);
	teardown(&fx);
}

/*
 * The runner wipes as the run's uid, for which mode 000 and 0500 really
 * deny: the wipe must chmod its way in. The child becomes RUN_UID, builds the
 * tree as a run would, checks that the permissions bite, and wipes.
 */
static void test_unprivileged(void)
{
	struct fixture fx;
	int status = -1;
	pid_t pid;

	if (geteuid() != 0) {
		printf("\n  NOTE: not root: the wipe as an unprivileged uid (chmod paths) "
		       "is not tested\n");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(setup(&fx), 0);
	CU_ASSERT_EQUAL_FATAL(chown(fx.tree, RUN_UID, RUN_UID), 0);
	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		char err[256] = "";

		if (setgroups(0, NULL) < 0 || setresgid(RUN_UID, RUN_UID, RUN_UID) < 0 ||
		    setresuid(RUN_UID, RUN_UID, RUN_UID) < 0)
			_exit(10);
		if (build(fx.fd, &fx, false) < 0) {
			fprintf(stderr, "\n  build as %d: %s: %s\n", RUN_UID, failed,
				strerror(errno));
			_exit(11);
		}
		/* the top made read-only too, as a run may */
		if (fchmod(fx.fd, 0500) < 0)
			_exit(12);
		/* the permissions must really deny, or this proves nothing */
		if (openat(fx.fd, "locked", O_RDONLY | O_DIRECTORY) >= 0 || errno != EACCES)
			_exit(13);
		if (unlinkat(fx.fd, "nomode", 0) == 0 || errno != EACCES)
			_exit(14);
		if (wipe_tree(fx.fd, now_ms() + 120000, err, sizeof err) < 0) {
			fprintf(stderr, "\n  wipe_tree as %d: %s\n", RUN_UID, err);
			_exit(15);
		}
		_exit(0);
	}
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "\n  child: status 0x%x (10 setuid, 11 build, 12 chmod, "
			"13/14 permissions did not deny, 15 wipe)\n", status);
	CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CU_ASSERT_TRUE(wipe_dir_empty(fx.tree));
	assert_outside_intact(&fx);
	teardown(&fx);
}

static void test_deadline(void)
{
	struct fixture fx;
	char err[256] = "";
	int d;

	CU_ASSERT_EQUAL_FATAL(setup(&fx), 0);
	CU_ASSERT_EQUAL(file_at(fx.fd, "a", 0644), 0);
	CU_ASSERT((d = dir_at(fx.fd, "c")) >= 0);
	CU_ASSERT_EQUAL(file_at(d, "b", 0644), 0);
	close(d);
	/* a deadline already past: refused with a reason, nothing half-done */
	CU_ASSERT_EQUAL(wipe_path(fx.tree, now_ms() - 1, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "time"));
	err[0] = '\0';
	CU_ASSERT_EQUAL(wipe_path(fx.tree, 0, err, sizeof err), -1);
	CU_ASSERT(err[0] != '\0');
	CU_ASSERT_FALSE(wipe_dir_empty(fx.tree));
	CU_ASSERT_EQUAL(faccessat(fx.fd, "a", F_OK, AT_SYMLINK_NOFOLLOW), 0);
	CU_ASSERT_EQUAL(faccessat(fx.fd, "c/b", F_OK, AT_SYMLINK_NOFOLLOW), 0);
	/* in time: done */
	CU_ASSERT_EQUAL(wipe_path(fx.tree, now_ms() + 10000, err, sizeof err), 0);
	CU_ASSERT_TRUE(wipe_dir_empty(fx.tree));
	/* an empty directory needs no time: not a time-out */
	CU_ASSERT_EQUAL(wipe_path(fx.tree, 0, err, sizeof err), 0);
	teardown(&fx);
}

static void test_bad_fd(void)
{
	char err[256] = "";
	int fd;

	CU_ASSERT_EQUAL(wipe_tree(-1, now_ms() + 1000, err, sizeof err), -1);
	CU_ASSERT(err[0] != '\0');
	/* a file, not a directory */
	err[0] = '\0';
	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(wipe_tree(fd, now_ms() + 1000, err, sizeof err), -1);
	CU_ASSERT(err[0] != '\0');
	close(fd);
}

static void test_dir_empty(void)
{
	struct fixture fx;
	char path[160];

	CU_ASSERT_FALSE(wipe_dir_empty("/nonexistent/cr-wipe"));
	CU_ASSERT_FALSE(wipe_dir_empty("/proc/self/status"));	/* not a directory */
	CU_ASSERT_EQUAL_FATAL(setup(&fx), 0);
	CU_ASSERT_TRUE(wipe_dir_empty(fx.tree));
	CU_ASSERT_EQUAL(file_at(fx.fd, ".hidden", 0), 0);	/* dot files count */
	CU_ASSERT_FALSE(wipe_dir_empty(fx.tree));
	CU_ASSERT_EQUAL(unlinkat(fx.fd, ".hidden", 0), 0);
	CU_ASSERT_EQUAL(symlinkat("nowhere", fx.fd, "l"), 0);	/* and dangling links */
	CU_ASSERT_FALSE(wipe_dir_empty(fx.tree));
	snprintf(path, sizeof path, "%s/l", fx.tree);
	CU_ASSERT_FALSE(wipe_dir_empty(path));
	teardown(&fx);
}

/* ---- SysV IPC: /proc/sysvipc-format fixtures ----------------------------- */

static const char shm_head[] = "       key      shmid perms                  size  cpid  lpid "
	"nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss"
	"                  swap\n";
static const char sem_head[] = "       key      semid perms      nsems   uid   gid  cuid  cgid"
	"      otime      ctime\n";
static const char msg_head[] = "       key      msqid perms      cbytes       qnum lspid lrpid"
	"   uid   gid  cuid  cgid      stime      rtime      ctime\n";

/* One line each, as the kernel prints them (key 0 is IPC_PRIVATE). */
static void shm_line(FILE *f, int id, long uid, long cuid)
{
	fprintf(f, "%10d %10d %5o %21d %5d %5d %5d %5ld %5d %5ld %5d %10d %10d %10d %21d %21d\n",
		0, id, 0600, 4096, 1, 0, 0, uid, 0, cuid, 0, 0, 0, 1700000000, 0, 0);
}

static void sem_line(FILE *f, int id, long uid, long cuid)
{
	fprintf(f, "%10d %10d %5o %10d %5ld %5d %5ld %5d %10d %10d\n",
		0, id, 0600, 1, uid, 0, cuid, 0, 0, 1700000000);
}

static void msg_line(FILE *f, int id, long uid, long cuid)
{
	fprintf(f, "%10d %10d %5o %10d %10d %5d %5d %5ld %5d %5ld %5d %10d %10d %10d\n",
		0, id, 0600, 0, 0, 0, 0, uid, 0, cuid, 0, 0, 0, 1700000000);
}

struct ipc_line { int id; long uid, cuid; };

/* dir/name: the header, then one line per entry (n < 0: no file at all). */
static int table(const char *dir, const char *name, const char *head,
		 void (*line)(FILE *, int, long, long), const struct ipc_line *l, int n)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (n < 0)
		return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
	if (!(f = fopen(path, "we")))
		return -1;
	fputs(head, f);
	for (int i = 0; i < n; i++)
		line(f, l[i].id, l[i].uid, l[i].cuid);
	return fclose(f);
}

static void test_sysv_count(void)
{
	static const struct ipc_line two[] = { { 5, 1000, 1000 }, { 32773, 0, 0 } };
	static const struct ipc_line one[] = { { 7, 10001, 10001 } };
	struct fixture fx;
	char dir[128], path[192];

	CU_ASSERT_EQUAL_FATAL(setup(&fx), 0);
	snprintf(dir, sizeof dir, "%s/ipc", fx.base);
	CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
	/* N object lines of every owner after the header */
	CU_ASSERT_EQUAL(table(dir, "shm", shm_head, shm_line, two, 2), 0);
	CU_ASSERT_EQUAL(table(dir, "sem", sem_head, sem_line, one, 1), 0);
	CU_ASSERT_EQUAL(table(dir, "msg", msg_head, msg_line, one, 1), 0);
	CU_ASSERT_EQUAL(wipe_sysv_count(dir), 4);
	CU_ASSERT_EQUAL(table(dir, "msg", msg_head, msg_line, NULL, 0), 0);
	CU_ASSERT_EQUAL(wipe_sysv_count(dir), 3);
	/* headers only: nothing */
	CU_ASSERT_EQUAL(table(dir, "shm", shm_head, shm_line, NULL, 0), 0);
	CU_ASSERT_EQUAL(table(dir, "sem", sem_head, sem_line, NULL, 0), 0);
	CU_ASSERT_EQUAL(wipe_sysv_count(dir), 0);
	/* a missing table: unknown, not zero */
	CU_ASSERT_EQUAL(table(dir, "sem", NULL, NULL, NULL, -1), 0);
	CU_ASSERT_EQUAL(wipe_sysv_count(dir), -1);
	CU_ASSERT_EQUAL(table(dir, "sem", sem_head, sem_line, NULL, 0), 0);
	/* an empty file (no header) or a header without the id column: unknown */
	snprintf(path, sizeof path, "%s/shm", dir);
	CU_ASSERT_EQUAL(put(path, ""), 0);
	CU_ASSERT_EQUAL(wipe_sysv_count(dir), -1);
	CU_ASSERT_EQUAL(put(path, "key perms uid cuid\n0 600 0 0\n"), 0);
	CU_ASSERT_EQUAL(wipe_sysv_count(dir), -1);
	CU_ASSERT_EQUAL(wipe_sysv_count("/nonexistent/sysvipc"), -1);
	/* the real tables read fine */
	if (access("/proc/sysvipc/shm", R_OK) == 0)
		CU_ASSERT(wipe_sysv_count("/proc/sysvipc") >= 0);
	teardown(&fx);
}

static bool shm_gone(int id)
{
	struct shmid_ds ds;

	return shmctl(id, IPC_STAT, &ds) < 0 && (errno == EINVAL || errno == EIDRM);
}

static bool sem_gone(int id)
{
	return semctl(id, 0, GETVAL) < 0 && (errno == EINVAL || errno == EIDRM);
}

static bool msg_gone(int id)
{
	struct msqid_ds ds;

	return msgctl(id, IPC_STAT, &ds) < 0 && (errno == EINVAL || errno == EIDRM);
}

/*
 * Real objects, but a fixture listing: the real /proc/sysvipc would make the
 * wipe remove every object of our uid on this machine (root's, on CI). The
 * listing names exactly the objects made here: ours (by owner, and by creator
 * only), and bystanders listed under a foreign uid, which must survive.
 */
static void test_sysv_ipc(void)
{
	const long me = (long)getuid(), other = 54321;
	struct fixture fx;
	char dir[128];
	int shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	int shm_created = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	int shm_by = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	int sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	int sem_by = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	int msg = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	int msg_by = msgget(IPC_PRIVATE, IPC_CREAT | 0600);

	CU_ASSERT_FATAL(shm >= 0 && shm_created >= 0 && shm_by >= 0);
	CU_ASSERT_FATAL(sem >= 0 && sem_by >= 0 && msg >= 0 && msg_by >= 0);
	CU_ASSERT_FATAL(me != other);
	CU_ASSERT_EQUAL_FATAL(setup(&fx), 0);
	snprintf(dir, sizeof dir, "%s/ipc", fx.base);
	CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
	{
		const struct ipc_line shms[] = {
			{ shm_by, other, other },
			{ shm, me, me },
			{ shm_created, other, me },	/* handed to another owner */
		};
		const struct ipc_line sems[] = { { sem, me, other }, { sem_by, other, other } };
		const struct ipc_line msgs[] = { { msg_by, other, other }, { msg, me, me } };

		CU_ASSERT_EQUAL(table(dir, "shm", shm_head, shm_line, shms, 3), 0);
		CU_ASSERT_EQUAL(table(dir, "sem", sem_head, sem_line, sems, 2), 0);
		CU_ASSERT_EQUAL(table(dir, "msg", msg_head, msg_line, msgs, 2), 0);
	}
	/* the three bystanders are left, and counted */
	CU_ASSERT_EQUAL(wipe_sysv_ipc(dir, (uid_t)me), 3);
	CU_ASSERT_TRUE(shm_gone(shm));
	CU_ASSERT_TRUE(shm_gone(shm_created));
	CU_ASSERT_TRUE(sem_gone(sem));
	CU_ASSERT_TRUE(msg_gone(msg));
	CU_ASSERT_FALSE(shm_gone(shm_by));
	CU_ASSERT_FALSE(sem_gone(sem_by));
	CU_ASSERT_FALSE(msg_gone(msg_by));
	/* listed as ours but already gone: cannot be removed, so counted too */
	CU_ASSERT_EQUAL(wipe_sysv_ipc(dir, (uid_t)me), 7);
	/* another uid's wipe removes nothing here */
	CU_ASSERT_EQUAL(wipe_sysv_ipc(dir, (uid_t)(other + 1)), 7);
	CU_ASSERT_FALSE(shm_gone(shm_by));
	/* the bystanders are ours to remove; anything the wipe missed too */
	shmctl(shm_by, IPC_RMID, NULL);
	semctl(sem_by, 0, IPC_RMID);
	msgctl(msg_by, IPC_RMID, NULL);
	if (!shm_gone(shm))
		shmctl(shm, IPC_RMID, NULL);
	if (!shm_gone(shm_created))
		shmctl(shm_created, IPC_RMID, NULL);
	if (!sem_gone(sem))
		semctl(sem, 0, IPC_RMID);
	if (!msg_gone(msg))
		msgctl(msg, IPC_RMID, NULL);
	teardown(&fx);
}

void wipe_suite(void)
{
	static const struct cr_test tests[] = {
		{ "hostile tree", test_hostile_tree },
		{ "hostile tree as the run's uid", test_unprivileged },
		{ "deadline", test_deadline },
		{ "bad descriptor", test_bad_fd },
		{ "dir empty", test_dir_empty },
		{ "sysv count fixtures", test_sysv_count },
		{ "sysv ipc: only the uid's own objects", test_sysv_ipc },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("wipe", tests);
}
