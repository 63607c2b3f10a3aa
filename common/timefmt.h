/* RFC 3339 timestamps in UTC with a Z suffix, second precision: 2025-12-30T10:30:00Z */
#ifndef CR_TIMEFMT_H
#define CR_TIMEFMT_H

#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#define CR_RFC3339_LEN 20

/* Format unix seconds; out must hold CR_RFC3339_LEN + 1 bytes. */
void cr_time_rfc3339(int64_t unix_seconds, char *out);
/* Current time in ms from CLOCK_MONOTONIC, for durations. */
int64_t cr_monotonic_ms(void);
/* A condition variable whose timed waits count on CLOCK_MONOTONIC (see below). */
void cr_cond_init_monotonic(pthread_cond_t *cond);
/* CLOCK_MONOTONIC now + ms, for pthread_cond_timedwait on such a condition. */
void cr_monotonic_after(struct timespec *ts, int64_t ms);
/* Current unix time in seconds (CLOCK_REALTIME). */
int64_t cr_now(void);

#endif
