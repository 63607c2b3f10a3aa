/*
 * Rate-limit arithmetic for the POST /execute budget: fixed one-minute windows
 * aligned on the unix epoch minute. The counters themselves live in PostgreSQL
 * (rate_limit_tracking), so limits hold across processes and hosts; this module
 * only does the numbers, so that they can be unit-tested.
 */
#ifndef CR_FCGI_RATELIMIT_H
#define CR_FCGI_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define RL_WINDOW_SECONDS 60
/* Retry-After when over the concurrency limit: a slot frees when a run ends. */
#define RL_CONCURRENCY_RETRY_AFTER 1

struct rl_state {
	int limit;		/* calls per window (the tier's requests_per_minute) */
	int count;		/* calls counted in the current window */
	int64_t window_start;	/* unix seconds */
	int reset;		/* seconds until the window ends, 1..RL_WINDOW_SECONDS */
	bool known;		/* false until filled: no X-RateLimit-* headers */
};

/* Window containing now: start = now rounded down to the minute, reset in 1..60. */
void ratelimit_window(int64_t now, int64_t *start, int *reset);
/* max(0, limit - count) */
int ratelimit_remaining(int limit, int count);
/* True when count (this call included) is past limit. */
bool ratelimit_exceeded(int limit, int count);
/* Seconds a client over the per-minute limit should wait: until the window ends. */
int ratelimit_retry_after(const struct rl_state *rl);

#endif
