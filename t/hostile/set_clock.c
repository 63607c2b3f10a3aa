// Setting the clock (which would be the host's: there is no time namespace):
// clock_settime, settimeofday, adjtimex, clock_adjtime all need CAP_SYS_TIME.
// language: c
// family: escape
// status: completed
// stdout-contains: BLOCKED clock_settime
// stdout-contains: BLOCKED settimeofday
// stdout-contains: BLOCKED adjtimex
// stdout-contains: clock unchanged
// stdout-not-contains: ESCAPED
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>

int main(void)
{
	struct timespec now, later;
	struct timeval tv;
	struct timex tx;

	clock_gettime(CLOCK_REALTIME, &now);
	later = now;
	later.tv_sec += 86400 * 365;
	if (clock_settime(CLOCK_REALTIME, &later) == 0)
		puts("ESCAPED clock_settime");
	else
		printf("BLOCKED clock_settime: %s\n", strerror(errno));
	tv.tv_sec = later.tv_sec;
	tv.tv_usec = 0;
	if (settimeofday(&tv, NULL) == 0)
		puts("ESCAPED settimeofday");
	else
		printf("BLOCKED settimeofday: %s\n", strerror(errno));
	memset(&tx, 0, sizeof tx);
	tx.modes = ADJ_OFFSET | ADJ_FREQUENCY;
	tx.offset = 500000;
	tx.freq = 100 << 16;
	if (adjtimex(&tx) >= 0)
		puts("ESCAPED adjtimex");
	else
		printf("BLOCKED adjtimex: %s\n", strerror(errno));
	memset(&tx, 0, sizeof tx);
	tx.modes = ADJ_SETOFFSET;
	tx.time.tv_sec = 3600;
	if (clock_adjtime(CLOCK_REALTIME, &tx) >= 0)
		puts("ESCAPED clock_adjtime");
	else
		printf("BLOCKED clock_adjtime: %s\n", strerror(errno));
	clock_gettime(CLOCK_REALTIME, &later);
	printf(later.tv_sec - now.tv_sec < 60 ? "clock unchanged\n" : "ESCAPED clock moved\n");
	return 0;
}
