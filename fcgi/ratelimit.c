/* Fixed-window arithmetic; see ratelimit.h. */
#include "config.h"

#include "fcgi/ratelimit.h"

void ratelimit_window(int64_t now, int64_t *start, int *reset)
{
	int64_t r = now % RL_WINDOW_SECONDS;

	if (r < 0)	/* clocks before 1970 do not happen, but stay total */
		r += RL_WINDOW_SECONDS;
	*start = now - r;
	*reset = (int)(RL_WINDOW_SECONDS - r);
}

int ratelimit_remaining(int limit, int count)
{
	return count >= limit ? 0 : limit - count;
}

bool ratelimit_exceeded(int limit, int count)
{
	return count > limit;
}

int ratelimit_retry_after(const struct rl_state *rl)
{
	return rl->reset > 0 ? rl->reset : 1;
}
