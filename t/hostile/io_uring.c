// io_uring: the kernel's most exploited interface of recent years (Google
// turned it off for ChromeOS, Android and its servers; Docker's default
// profile dropped it in 25.0). A careful operator wants it refused.
// language: c
// family: escape
// status: completed
// stdout-contains: BLOCKED io_uring_setup
// stdout-not-contains: ESCAPED
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	unsigned char params[120];	/* struct io_uring_params */
	long fd;

	memset(params, 0, sizeof params);
	fd = syscall(425 /* io_uring_setup */, 8, params);
	if (fd >= 0)
		printf("ESCAPED io_uring_setup gave fd %ld: io_uring is reachable\n", fd);
	else
		printf("BLOCKED io_uring_setup: %s\n", strerror(errno));
	return 0;
}
