/*
 * Retention: the supervisor purges, every hour, the final submissions older
 * than retention_days (with their results, test results, test cases, files and
 * webhook deliveries) and the rate-limit windows and login limits that ended
 * before that, with the statements of `coderank-admin purge` (common/purge.h).
 * retention_days = 0 keeps everything.
 *
 * A run is spread over the supervisor's ticks: each tick runs batches for at
 * most RETENTION_SLICE_MS, so a large backlog never holds up the heartbeat,
 * the lease sweep or the signals for long. At most one run starts per hour;
 * one that failed (the database went away) is tried again after five minutes.
 * A run has its own connection, opened at its start and closed at its end.
 * Several workers may purge at once: their batches skip each other's rows.
 */
#ifndef CR_WORKER_RETENTION_H
#define CR_WORKER_RETENTION_H

#include <stdbool.h>
#include <stdint.h>

#include "common/db.h"
#include "common/purge.h"

#define RETENTION_EVERY_MS (3600 * 1000)
#define RETENTION_RETRY_MS (300 * 1000)
#define RETENTION_SLICE_MS 500

struct retention {
	const char *conninfo;	/* the configuration's database_url; not owned */
	struct cr_db db;	/* open only while running */
	struct cr_purge purge;
	bool running;
	int64_t started_ms;	/* monotonic, of the current or last run */
	int64_t next_ms;	/* monotonic: no run starts before; 0: at the first tick */
};

void retention_init(struct retention *r, const char *conninfo);

/*
 * From the supervisor's periodic work: start a run when one is due (days > 0),
 * or go on with the current one, for at most RETENTION_SLICE_MS.
 */
void retention_tick(struct retention *r, int days);

/* Close the connection of a run still going (at shutdown). */
void retention_close(struct retention *r);

#endif
