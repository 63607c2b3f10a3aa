/* The bound on password hashing per process (see hashgate.h). */
#include "config.h"

#include <errno.h>
#include <time.h>

#include "common/timefmt.h"
#include "fcgi/hashgate.h"

void hashgate_init(struct hashgate *g, int max, int wait_ms)
{
	pthread_mutex_init(&g->mu, NULL);
	cr_cond_init_monotonic(&g->left);
	g->max = max > 0 ? max : 1;
	g->running = g->waiting = 0;
	g->wait_ms = wait_ms;
}

void hashgate_release(struct hashgate *g)
{
	pthread_cond_destroy(&g->left);
	pthread_mutex_destroy(&g->mu);
}

bool hashgate_enter(struct hashgate *g)
{
	struct timespec until;
	bool in = false;

	pthread_mutex_lock(&g->mu);
	if (g->running < g->max) {
		g->running++;
		pthread_mutex_unlock(&g->mu);
		return true;
	}
	if (g->waiting >= g->max) {
		pthread_mutex_unlock(&g->mu);
		return false;
	}
	cr_monotonic_after(&until, g->wait_ms);
	g->waiting++;
	for (;;) {
		if (g->running < g->max) {
			g->running++;
			in = true;
			break;
		}
		if (pthread_cond_timedwait(&g->left, &g->mu, &until) == ETIMEDOUT) {
			if (g->running < g->max) {
				g->running++;
				in = true;
			}
			break;
		}
	}
	g->waiting--;
	pthread_mutex_unlock(&g->mu);
	return in;
}

void hashgate_leave(struct hashgate *g)
{
	pthread_mutex_lock(&g->mu);
	g->running--;
	pthread_cond_signal(&g->left);
	pthread_mutex_unlock(&g->mu);
}
