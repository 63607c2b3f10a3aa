// A file as large as the disk, three ways: in /work (RLIMIT_FSIZE 32 MiB stops
// it with EFBIG; SIGXFSZ is ignored so the program can tell), in /tmp (the
// 16 MiB tmpfs fills: ENOSPC), at / (read-only: EROFS), and a 1 TiB sparse file.
// language: c
// family: resources
// status: completed
// stdout-contains: /work/big: stopped at 32 MiB: File too large
// stdout-regex: /tmp/big: stopped at 1[56] MiB: No space left on device
// stdout-contains: /big: stopped at 0 MiB: Read-only file system
// stdout-contains: sparse 1 TiB: File too large
// stdout-contains: DONE
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char mib[1 << 20];

static void fill(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), n = 0;
	int err = errno;

	if (fd >= 0) {
		for (;; n++) {
			ssize_t w = write(fd, mib, sizeof mib);

			if (w != (ssize_t)sizeof mib) {
				err = w < 0 ? errno : ENOSPC;
				break;
			}
		}
		close(fd);
		unlink(path);
	}
	printf("%s: stopped at %d MiB: %s\n", path, n, strerror(err));
}

int main(void)
{
	int fd;

	signal(SIGXFSZ, SIG_IGN);
	memset(mib, 'd', sizeof mib);
	fill("/work/big");
	fill("/tmp/big");
	fill("/big");
	fd = open("/work/sparse", O_WRONLY | O_CREAT, 0600);
	printf("sparse 1 TiB: %s\n", ftruncate(fd, (off_t)1 << 40) == 0 ? "ESCAPED" : strerror(errno));
	puts("DONE");
	return 0;
}
