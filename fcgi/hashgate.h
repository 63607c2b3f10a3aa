/*
 * A bound on password hashing in one responder process. A hash (scrypt) takes
 * about 128 MiB and a few hundred ms of CPU: without a bound, a burst of logins
 * takes every thread and every core, and the cheap endpoints stop answering.
 * At most max hashes run at once; as many more callers may wait for a place,
 * up to wait_ms; the rest are told to come back (503 with Retry-After).
 */
#ifndef CR_FCGI_HASHGATE_H
#define CR_FCGI_HASHGATE_H

#include <pthread.h>
#include <stdbool.h>

struct hashgate {
	pthread_mutex_t mu;
	pthread_cond_t left;
	int max, running, waiting, wait_ms;
};

void hashgate_init(struct hashgate *g, int max, int wait_ms);
void hashgate_release(struct hashgate *g);

/* true: hash now, then hashgate_leave(); false: too busy, answer 503. */
bool hashgate_enter(struct hashgate *g);
void hashgate_leave(struct hashgate *g);

#endif
