// ptrace and process_vm_readv of the runner (PID 1, root, not dumpable): refused.
// language: c
// family: escape
// status: completed
// stdout-contains: BLOCKED ptrace attach 1
// stdout-contains: BLOCKED ptrace seize 1
// stdout-contains: BLOCKED process_vm_readv 1
// stdout-contains: BLOCKED kcmp
// stdout-not-contains: ESCAPED
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void)
{
	char buf[64];
	struct iovec local = { buf, sizeof buf }, remote = { (void *)0x400000, sizeof buf };

	if (ptrace(PTRACE_ATTACH, 1, 0, 0) == 0)
		puts("ESCAPED ptrace attach 1");
	else
		printf("BLOCKED ptrace attach 1: %s\n", strerror(errno));
	if (ptrace(PTRACE_SEIZE, 1, 0, 0) == 0)
		puts("ESCAPED ptrace seize 1");
	else
		printf("BLOCKED ptrace seize 1: %s\n", strerror(errno));
	if (process_vm_readv(1, &local, 1, &remote, 1, 0) >= 0)
		puts("ESCAPED process_vm_readv 1");
	else
		printf("BLOCKED process_vm_readv 1: %s\n", strerror(errno));
	if (syscall(SYS_kcmp, getpid(), 1, 0, 0, 0) >= 0)
		puts("ESCAPED kcmp with 1");
	else
		printf("BLOCKED kcmp: %s\n", strerror(errno));
	return 0;
}
