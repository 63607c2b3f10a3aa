/*
 * The per-process connection pool (see dbpool.h). Connections are opened
 * lazily by their first user (cr_db_ensure), so a pool costs nothing until
 * the database is needed, and a dead connection heals itself in its borrower.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "common/xalloc.h"
#include "common/timefmt.h"
#include "fcgi/dbpool.h"

void dbpool_init(struct dbpool *p, int n, const char *conninfo, const struct cr_db_stmt *stmts)
{
	pthread_mutex_init(&p->mu, NULL);
	cr_cond_init_monotonic(&p->freed);
	p->n = n;
	p->conns = cr_xcalloc((size_t)n, sizeof(*p->conns));
	p->lent = cr_xcalloc((size_t)n, sizeof(*p->lent));
	for (int i = 0; i < n; i++)
		cr_db_init(&p->conns[i], conninfo, stmts);
}

void dbpool_release(struct dbpool *p)
{
	for (int i = 0; i < p->n; i++)
		cr_db_close(&p->conns[i]);
	free(p->conns);
	free(p->lent);
	pthread_cond_destroy(&p->freed);
	pthread_mutex_destroy(&p->mu);
}

static struct cr_db *take(struct dbpool *p)
{
	/* the lowest free index: the busy connections stay few and warm */
	for (int i = 0; i < p->n; i++)
		if (!p->lent[i]) {
			p->lent[i] = true;
			return &p->conns[i];
		}
	return NULL;
}

struct cr_db *dbpool_get(struct dbpool *p, int wait_ms)
{
	struct timespec until;
	struct cr_db *db;

	cr_monotonic_after(&until, wait_ms);
	pthread_mutex_lock(&p->mu);
	while (!(db = take(p)))
		if (pthread_cond_timedwait(&p->freed, &p->mu, &until) == ETIMEDOUT) {
			db = take(p);
			break;
		}
	pthread_mutex_unlock(&p->mu);
	return db;
}

void dbpool_put(struct dbpool *p, struct cr_db *db)
{
	pthread_mutex_lock(&p->mu);
	p->lent[db - p->conns] = false;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->mu);
}
