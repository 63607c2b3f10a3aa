// Looks at /proc for other processes: the PID namespace shows only the runner
// (PID 1, root, not dumpable) and the program itself; nothing of the host or of
// other containers. The runner's descriptors, memory and environment are closed.
// language: c
// family: escape
// status: completed
// stdout-regex: visible processes: [23]\n
// stdout-contains: BLOCKED /proc/1/fd
// stdout-contains: BLOCKED /proc/1/mem
// stdout-contains: BLOCKED /proc/1/environ
// stdout-contains: BLOCKED /proc/sysrq-trigger
// stdout-contains: BLOCKED /proc/sys/kernel/hostname
// stdout-not-contains: ESCAPED
// stdout-contains: DONE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void try_open(const char *path, int flags)
{
	int fd = open(path, flags);
	char buf[64];

	if (fd < 0) {
		printf("BLOCKED %s: %s\n", path, strerror(errno));
		return;
	}
	if (flags == O_RDONLY && read(fd, buf, sizeof buf) <= 0)
		printf("BLOCKED %s: nothing to read\n", path);
	else if (flags != O_RDONLY && write(fd, "x", 1) != 1)
		printf("BLOCKED %s: write: %s\n", path, strerror(errno));
	else
		printf("ESCAPED %s\n", path);
	close(fd);
}

int main(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d))) {
		char path[300], cmd[200] = "";
		FILE *f;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		n++;
		snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
		if ((f = fopen(path, "r"))) {
			size_t k = fread(cmd, 1, sizeof cmd - 1, f);

			for (size_t i = 0; i < k; i++)
				if (!cmd[i])
					cmd[i] = ' ';
			fclose(f);
		}
		printf("pid %s: %s\n", e->d_name, cmd);
		if (strstr(cmd, "coderank-worker") || strstr(cmd, "postgres") ||
		    strstr(cmd, "dockerd") || strstr(cmd, "nginx") || strstr(cmd, "coderank-api") ||
		    strstr(cmd, "containerd"))
			printf("ESCAPED host process visible: %s\n", cmd);
	}
	closedir(d);
	printf("visible processes: %d\n", n);
	{
		DIR *fds = opendir("/proc/1/fd");

		if (fds) {
			printf("ESCAPED /proc/1/fd listable\n");
			closedir(fds);
		} else {
			printf("BLOCKED /proc/1/fd: %s\n", strerror(errno));
		}
	}
	try_open("/proc/1/fd/1", O_WRONLY);
	try_open("/proc/1/mem", O_RDONLY);
	try_open("/proc/1/environ", O_RDONLY);
	try_open("/proc/sysrq-trigger", O_WRONLY);
	try_open("/proc/sys/kernel/hostname", O_WRONLY);
	try_open("/proc/sys/vm/drop_caches", O_WRONLY);
	puts("DONE");
	return 0;
}
