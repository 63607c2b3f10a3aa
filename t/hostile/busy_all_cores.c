// Busy loop on every core: 8 spinning threads. NanoCpus (1 CPU) caps the
// container, so CPU time over wall time stays near 1 on any machine; then it
// spins until the wall-clock limit.
// language: c
// family: resources
// limits: fast
// status: timeout
// exit-signal: 9
// stdout-contains: CPU_LIMITED
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static void *spin(void *arg)
{
	volatile unsigned long x = 0;

	for (;;)
		x++;
	return arg;
}

static double secs(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	pthread_t t[8];
	double w0 = secs(CLOCK_MONOTONIC), c0 = secs(CLOCK_PROCESS_CPUTIME_ID), ratio;
	struct timespec nap = { 1, 200000000 };

	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, spin, NULL);
	nanosleep(&nap, NULL);
	ratio = (secs(CLOCK_PROCESS_CPUTIME_ID) - c0) / (secs(CLOCK_MONOTONIC) - w0);
	printf("cpu/wall = %.2f\n%s\n", ratio, ratio < 1.4 ? "CPU_LIMITED" : "CPU_UNLIMITED");
	fflush(stdout);
	spin(NULL);
}
