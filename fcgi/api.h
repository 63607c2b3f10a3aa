/*
 * The API's top level: one call of api_handle() answers one request.
 *
 * It runs API.md's checks in order: route (404, 405), authentication (401),
 * rate limit (429), media type (415), size (413), body (400), then the route's
 * handler; every error becomes {"error": ..., "message": ...}; every answer gets
 * X-Request-Id, and authenticated ones the X-RateLimit-* headers; one log line
 * and the metrics are written per request.
 *
 * struct api is per process: the configuration, the database connection, the
 * shared counters and the responder's slot index.
 */
#ifndef CR_FCGI_API_H
#define CR_FCGI_API_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/conf.h"
#include "common/db.h"

struct http_req;
struct http_resp;
struct api_shm;

struct api {
	const struct cr_config *cfg;
	struct cr_db db;
	struct api_shm *shm;		/* may be NULL (tests) */
	int slot;			/* index of this responder in the pool */
	volatile sig_atomic_t *stopping;	/* set by SIGTERM; may be NULL */
	const sigset_t *wait_sigmask;	/* mask while waiting (?wait); NULL: unchanged */
	int64_t login_pruned_at;	/* unix seconds of the last S_LOGIN_PRUNE */
};

/* Does not connect: the first request that needs the database does. */
void api_init(struct api *a, const struct cr_config *cfg, struct api_shm *shm, int slot);
void api_release(struct api *a);

void api_handle(struct api *a, const struct http_req *req, struct http_resp *resp);

/*
 * The body steps of an R_BODY route: media type (415), size (413), JSON (400);
 * 0, or -1 when answered. api_handle() runs them before the handler, except for
 * an R_CHARGE route, whose handler runs them after its charge.
 */
struct api_call;
int api_body_checks(struct api_call *c);

#endif
