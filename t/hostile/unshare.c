// New namespaces (user, mount, network, pid, uts, ipc, cgroup) by unshare() and
// clone(): Docker's seccomp profile and the missing CAP_SYS_ADMIN refuse them.
// language: c
// family: escape
// status: completed
// stdout-contains: BLOCKED unshare user
// stdout-contains: BLOCKED unshare mount
// stdout-contains: BLOCKED clone newuser
// stdout-not-contains: ESCAPED
// stdout-contains: DONE
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int child(void *arg)
{
	(void)arg;
	return 0;
}

int main(void)
{
	static const struct {
		int flag;
		const char *name;
	} ns[] = {
		{ CLONE_NEWUSER, "user" }, { CLONE_NEWNS, "mount" }, { CLONE_NEWNET, "network" },
		{ CLONE_NEWPID, "pid" }, { CLONE_NEWUTS, "uts" }, { CLONE_NEWIPC, "ipc" },
		{ CLONE_NEWCGROUP, "cgroup" },
	};
	static char stack[65536];

	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		pid_t p = fork();

		if (p == 0) {
			if (unshare(ns[i].flag) == 0) {
				printf("ESCAPED unshare %s\n", ns[i].name);
				fflush(stdout);
			}
			_exit(errno);
		}
		int st;

		waitpid(p, &st, 0);
		if (WIFEXITED(st) && WEXITSTATUS(st))
			printf("BLOCKED unshare %s: %s\n", ns[i].name, strerror(WEXITSTATUS(st)));
	}
	fflush(stdout);
	pid_t c = clone(child, stack + sizeof stack, CLONE_NEWUSER | SIGCHLD, NULL);

	if (c > 0) {
		printf("ESCAPED clone newuser\n");
		waitpid(c, NULL, 0);
	} else {
		printf("BLOCKED clone newuser: %s\n", strerror(errno));
	}
	if (system("unshare -r true 2>/dev/null") == 0)
		puts("ESCAPED unshare -r");
	puts("DONE");
	return 0;
}
