// Unbounded recursion with a stack frame that cannot be optimised away: the
// 8 MiB stack overflows, SIGSEGV, reported as failed with the signal.
// language: c
// family: resources
// status: failed
// exit-signal: 11
// stdout-contains: start
// runtime-error-contains: SIGSEGV
#include <stdio.h>

static int down(volatile char *up, long n)
{
	volatile char frame[512];

	frame[0] = up ? up[0] + 1 : 1;
	frame[511] = (char)n;
	return down(frame, n + 1) + frame[511];
}

int main(void)
{
	puts("start");
	fflush(stdout);
	return down(NULL, 0);
}
