/*
 * The held requests of one responder process, and the one thread that wakes
 * them (the dispatcher).
 *
 * A held request (?wait=true, an event stream) has no thread and no database
 * connection of its own: it is a struct waiter in a table keyed by submission
 * id. The dispatcher keeps one connection that LISTENs for the submissions'
 * changes (cr_submission_done, and _running and _queued for event streams) and,
 * in one epoll loop, the parked requests' client connections (a client that
 * hangs up is dropped) and their deadlines and keep-alives. Waking a request
 * hands it to the process's threads through ops->wake; nothing polls.
 *
 * A waiter is registered while its thread still runs it, then that thread
 * looks at the submission (a change that came before it was registered is
 * seen there), then parks it. A change that comes between is not lost: the
 * waiter is marked and waiters_park() answers WOKEN at once. While the
 * LISTEN connection is down nothing is registered (the request is answered
 * as without wait); when it is back, every waiter is woken to look again.
 */
#ifndef CR_FCGI_WAITERS_H
#define CR_FCGI_WAITERS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/uuid.h"
#include "fcgi/api.h"

struct api_shm;

struct waiter {
	/* the owner's, set before waiters_register() */
	char id[CR_UUID_LEN + 1];	/* canonical (lower case), as PostgreSQL prints it */
	bool every_status;		/* woken at every change, not only the final one */
	int64_t deadline_ms;		/* monotonic */
	int ping_ms;			/* keep-alive period while parked; 0: none */
	int fd;				/* the client's connection, watched while parked */
	/* the dispatcher's (under its lock) */
	enum hold_wake wake;		/* why it was woken (after WOKEN or ops->wake) */
	int64_t notified_us;		/* monotonic us of the change that woke it; 0: none */
	bool registered, parked, pending;
	int64_t next_ping_ms;
	struct waiter *next, *prev;		/* same bucket */
	struct waiter *all_next, *all_prev;	/* every registered waiter */
};

struct waiters_ops {
	void (*wake)(struct waiter *w, void *arg);	/* hand it to a thread */
	void (*gone)(struct waiter *w, void *arg);	/* the client hung up: free it */
	void *arg;
};

struct waiters;

/* Start the dispatcher thread; max: held requests at once (api_max_waiters). */
struct waiters *waiters_start(const char *conninfo, int max, struct api_shm *shm, int slot,
			      const struct waiters_ops *ops);

/* NULL when registered, else why not ("full", ...): answer as without wait. */
const char *waiters_register(struct waiters *ws, struct waiter *w);

enum park_result { PARKED, WOKEN };
/* Give the waiter to the dispatcher, or WOKEN (w->wake says why) to run it again now. */
enum park_result waiters_park(struct waiters *ws, struct waiter *w);

/* The owner answered: forget it (a registered waiter that is not parked). */
void waiters_unregister(struct waiters *ws, struct waiter *w);

/* Refuse new waiters and wake every parked one with HOLD_GIVE_UP. */
void waiters_stop(struct waiters *ws);
/* After the owners' threads are gone: end the dispatcher and free. */
void waiters_free(struct waiters *ws);

#endif
