// 100 MB to stdout: the runner keeps the first output_limit bytes, kills the
// program once it keeps flooding past the cap, and nothing else of it is stored.
// language: c
// family: resources
// status: output_limit_exceeded
// exit-signal: 9
// stdout-max-bytes: 65536
// stdout-regex: ^(0123456789abcdef){1000}
// max-seconds: 10
#include <stdio.h>
#include <string.h>

int main(void)
{
	static char chunk[65536];

	for (size_t i = 0; i < sizeof chunk; i += 16)
		memcpy(chunk + i, "0123456789abcdef", 16);
	for (int i = 0; i < 1600; i++)
		fwrite(chunk, 1, sizeof chunk, stdout);
	return 0;
}
