// A million small (one-byte) files in /work: each takes a page of the 64 MiB
// tmpfs, which says ENOSPC after some 16k of them; the files are memory of the
// container and go with it. (Empty files would be bounded by the memory limit
// instead: inodes and dentries are kernel memory charged to the container, and
// the run then ends as memory_limit_exceeded or timeout, depending on speed.)
// language: c
// family: resources
// status: completed
// stdout-regex: stopped after 1[56]\d\d\d files: No space left on device
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	char name[64];
	long n;
	int err = 0;

	mkdir("/work/d", 0700);
	for (n = 0; n < 1000000; n++) {
		int fd;

		snprintf(name, sizeof name, "/work/d/%ld", n);
		fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0 || write(fd, "x", 1) != 1) {
			err = errno;
			if (fd >= 0)
				close(fd);
			break;
		}
		close(fd);
	}
	printf("%s after %ld files: %s\n", err ? "stopped" : "ESCAPED: no limit", n,
	       err ? strerror(err) : "");
	return 0;
}
