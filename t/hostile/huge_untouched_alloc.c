// A huge allocation that is never touched costs nothing: only touched pages are
// charged. 1 TiB is refused by the kernel's overcommit check, 2 GiB (8 times the
// memory limit) is granted and, untouched, does not kill the program.
// language: c
// family: resources
// status: completed
// stdout-contains: DONE
// max-memory-kb: 65536
#include <stdio.h>
#include <stdlib.h>

static char *volatile keep[2];

int main(void)
{
	keep[0] = malloc((size_t)1 << 40);
	printf("1 TiB: %s\n", keep[0] ? "granted" : "refused");
	keep[1] = malloc((size_t)2 << 30);
	printf("2 GiB: %s\n", keep[1] ? "granted" : "refused");
	if (keep[1]) {
		keep[1][0] = 1;			/* two pages only */
		keep[1][((size_t)2 << 30) - 1] = 1;
	}
	puts("DONE");
	return 0;
}
