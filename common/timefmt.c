/* Time helpers: RFC 3339 UTC formatting (gmtime_r) and the two clocks. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/timefmt.h"

void cr_time_rfc3339(int64_t unix_seconds, char *out)
{
	time_t t = (time_t)unix_seconds;
	struct tm tm;
	char tmp[80];

	/*
	 * Years outside 0000..9999 do not fit the 20-byte form. What we print
	 * comes from PostgreSQL and the clock, so clamp rather than overflow out.
	 */
	if (!gmtime_r(&t, &tm) || tm.tm_year > 9999 - 1900 || tm.tm_year < -1900) {
		snprintf(out, CR_RFC3339_LEN + 1, "%s", unix_seconds < 0 ?
			 "0000-01-01T00:00:00Z" : "9999-12-31T23:59:59Z");
		return;
	}
	/* tmp is sized for any int so that the compiler sees no truncation. */
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
	memcpy(out, tmp, CR_RFC3339_LEN + 1);
}

int64_t cr_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t cr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

void cr_monotonic_after(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

void cr_cond_init_monotonic(pthread_cond_t *cond)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &ca);
	pthread_condattr_destroy(&ca);
}
