// Wants two numbers, gets one: scanf meets end-of-file instead of blocking.
// language: c
// family: resources
// status: completed
// stdin: '42'
// stdout-contains: got 1 number(s), then EOF
// max-execution-ms: 3000
#include <stdio.h>

int main(void)
{
	int a = 0, b = 0, n = scanf("%d %d", &a, &b);

	printf("got %d number(s), then %s\n", n, feof(stdin) ? "EOF" : "something else");
	return 0;
}
