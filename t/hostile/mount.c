// mount, umount, remount of / read-write, pivot_root, chroot: all refused.
// language: c
// family: escape
// status: completed
// stdout-contains: BLOCKED mount tmpfs
// stdout-contains: BLOCKED remount / rw
// stdout-contains: BLOCKED umount /work
// stdout-contains: BLOCKED chroot
// stdout-not-contains: ESCAPED
// stdout-contains: DONE
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TRY(what, call) \
	((call) == 0 ? printf("ESCAPED %s\n", what) : printf("BLOCKED %s: %s\n", what, strerror(errno)))

int main(void)
{
	mkdir("/tmp/m", 0700);
	TRY("mount tmpfs", mount("none", "/tmp/m", "tmpfs", 0, NULL));
	TRY("mount proc", mount("proc", "/tmp/m", "proc", 0, NULL));
	TRY("bind mount /", mount("/", "/tmp/m", NULL, MS_BIND, NULL));
	TRY("remount / rw", mount(NULL, "/", NULL, MS_REMOUNT, NULL));
	TRY("umount /work", umount2("/work", MNT_DETACH));
	TRY("pivot_root", (int)syscall(SYS_pivot_root, "/tmp", "/tmp/m"));
	TRY("chroot", chroot("/tmp"));
	fflush(stdout);
	if (system("mount -t tmpfs none /tmp/m 2>/dev/null") == 0)
		puts("ESCAPED mount(8)");
	puts("DONE");
	return 0;
}
