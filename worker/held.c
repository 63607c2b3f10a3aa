/*
 * Sandbox mode's held containers: bookkeeping and decisions (see held.h).
 */
#include "config.h"

#include <poll.h>
#include <stddef.h>
#include <string.h>

#include "worker/frame.h"
#include "worker/held.h"
#include "worker/verdict.h"

int held_uid(int runs)
{
	return HELD_UID_BASE + (runs < 0 ? 0 : runs % HELD_UID_COUNT);
}

struct held *held_find(struct held_set *set, const struct pool_key *key)
{
	for (int i = 0; i < HELD_MAX; i++)
		if (set->h[i].used && pool_key_matches(&set->h[i].key, key))
			return &set->h[i];
	return NULL;
}

struct held *held_stale_language(struct held_set *set, const char *language,
				 const struct pool_key *current, const struct pool_key *wanted)
{
	for (int i = 0; i < HELD_MAX; i++)
		if (set->h[i].used && strcmp(set->h[i].language, language) == 0 &&
		    !pool_key_matches(&set->h[i].key, current) &&
		    !pool_key_matches(&set->h[i].key, wanted))
			return &set->h[i];
	return NULL;
}

struct held *held_slot_for(struct held_set *set, bool *evict)
{
	struct held *lru = &set->h[0];

	*evict = false;
	for (int i = 0; i < HELD_MAX; i++) {
		if (!set->h[i].used)
			return &set->h[i];
		if (set->h[i].last_used_ms < lru->last_used_ms)
			lru = &set->h[i];
	}
	*evict = true;
	return lru;
}

const char *held_retire_reason(const struct cr_result *res, const struct verdict *v, int runs,
			       int max_runs)
{
	/* The runner's own word first: it exits after an unclean job. */
	if (res->error)
		return "runner error";
	if (!res->clean && res->dirty)
		return res->dirty;
	/* the last allowed run is sent without keep: its runner exits after it */
	if (!res->clean)
		return runs >= max_runs ? "sandbox_max_runs reached" : "the runner did not clean up";
	/* The worker's view agrees or overrides: any verdict but an ordinary end. */
	if (v->retry)
		return "runner error";
	if (strcmp(v->status, "completed") != 0 && strcmp(v->status, "failed") != 0)
		return v->status;
	if (v->has_exit_signal)
		return "killed by a signal";
	if (runs >= max_runs)
		return "sandbox_max_runs reached";
	return NULL;
}

const char *held_expired(const struct held *h, int64_t now_ms, int64_t idle_ms,
			 int64_t max_age_ms, short revents)
{
	if (revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
		return "its runner is gone";
	if (now_ms - h->last_used_ms >= idle_ms)
		return "idle";
	if (now_ms - h->created_ms >= max_age_ms)
		return "pool_max_age_seconds reached";
	return NULL;
}
