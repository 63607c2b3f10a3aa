// Fork bomb: every process forks forever. PidsLimit (64) stops the growth, the
// wall-clock limit ends it, and nothing of it survives the run.
// language: c
// family: resources
// limits: fast
// status: timeout
// exit-signal: 9
// runtime-error-contains: time limit
#include <unistd.h>

int main(void)
{
	for (;;)
		fork();
}
