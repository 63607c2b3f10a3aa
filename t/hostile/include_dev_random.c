// #include "/dev/random": the preprocessor reads an endless device. The compile
// step ends (it is refused, or runs out of memory or of time) and the
// submission fails to compile; the next one is unaffected.
// language: c
// family: compile
// status: failed
// compilation-error-contains: Killed
#include "/dev/random"

int main(void)
{
	return 0;
}
