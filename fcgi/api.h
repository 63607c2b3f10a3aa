/*
 * The API's top level: a call of api_start() answers one request, or leaves it
 * held (?wait=true, an event stream) for api_resume() to go on with later.
 *
 * It runs API.md's checks in order: route (404, 405), authentication (401),
 * rate limit (429), media type (415), size (413), body (400), then the route's
 * handler; every error becomes {"error": ..., "message": ...}; every answer gets
 * X-Request-Id, and authenticated ones the X-RateLimit-* headers; one log line
 * and the metrics are written per request (api_end).
 *
 * struct api is per process and shared by its threads: the configuration, the
 * database connection pool, the bound on password hashing, the shared counters
 * and the responder's slot index. A call borrows a connection only while it
 * runs.
 */
#ifndef CR_FCGI_API_H
#define CR_FCGI_API_H

#include <stdbool.h>
#include <stdint.h>

#include "common/conf.h"
#include "fcgi/dbpool.h"
#include "fcgi/hashgate.h"

struct http_req;
struct http_resp;
struct api_shm;
struct api_call;
struct FCGX_Request;

struct api {
	const struct cr_config *cfg;
	struct api_shm *shm;		/* may be NULL (tests) */
	int slot;			/* index of this responder in the pool */
	struct dbpool pool;
	struct hashgate hashes;
	int64_t login_pruned_at;	/* unix seconds of the last S_LOGIN_PRUNE (atomic) */
};

/* Why a held call runs again. */
enum hold_wake {
	HOLD_CHECK,		/* its submission changed: look at it */
	HOLD_TIMEOUT,		/* its deadline passed */
	HOLD_PING,		/* an event stream's keep-alive is due */
	HOLD_GIVE_UP,		/* not held after all (no place, stopping): answer now */
};

/* Connects nothing: the first request that needs the database does. */
void api_init(struct api *a, const struct cr_config *cfg, struct api_shm *shm, int slot);
void api_release(struct api *a);

/*
 * Start a request; fr (NULL in tests) is where an event stream writes. true
 * when answered; false when the handler holds it (c->hold says how long and
 * on what), and then api_resume() takes it up again, on any thread.
 */
bool api_start(struct api *a, struct api_call *c, const struct http_req *req,
	       struct http_resp *resp, struct FCGX_Request *fr);
bool api_resume(struct api_call *c, enum hold_wake why);
/* Give the call's connection back to the pool (between runs of a held call). */
void api_put_db(struct api_call *c);
/* After the answer is written: metrics and the request's log line. */
void api_end(struct api_call *c);

/* Start, never hold (a hold is given up at once), end: for the unit tests. */
void api_handle(struct api *a, const struct http_req *req, struct http_resp *resp);

/*
 * The body steps of an R_BODY route: media type (415), size (413), JSON (400);
 * 0, or -1 when answered. api_start() runs them before the handler, except for
 * an R_CHARGE route, whose handler runs them after its charge.
 */
int api_body_checks(struct api_call *c);

#endif
