/*
 * A small pool of database connections shared by the threads of one responder
 * process. A request borrows one for as long as it runs (not while it is
 * held) and gives it back; a thread that finds every connection borrowed
 * waits, up to a bound, then the request is answered 503.
 */
#ifndef CR_FCGI_DBPOOL_H
#define CR_FCGI_DBPOOL_H

#include <pthread.h>
#include <stdbool.h>

#include "common/db.h"

struct dbpool {
	pthread_mutex_t mu;
	pthread_cond_t freed;
	struct cr_db *conns;
	bool *lent;
	int n;
};

/* n connections, none opened yet: each connects when first lent and used. */
void dbpool_init(struct dbpool *p, int n, const char *conninfo, const struct cr_db_stmt *stmts);
void dbpool_release(struct dbpool *p);

/* A connection, or NULL when none came free within wait_ms. */
struct cr_db *dbpool_get(struct dbpool *p, int wait_ms);
void dbpool_put(struct dbpool *p, struct cr_db *db);

#endif
