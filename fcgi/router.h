/*
 * The route table: a const array of { method, pattern, handler, flags }.
 * Patterns are literal segments plus at most one "{id}" and one "{n}" segment,
 * each capturing one non-empty path segment; a segment of ROUTER_ID_MAX (or
 * ROUTER_N_MAX) bytes or more is captured as "?", which no handler accepts as an id (so it is a 400 of the
 * route, not a 404). An unknown path is ROUTE_NOT_FOUND; a known path with
 * another method is ROUTE_BAD_METHOD with the path's methods listed in allow
 * ("GET, POST"), route NULL and index the path's first route (for metrics).
 */
#ifndef CR_FCGI_ROUTER_H
#define CR_FCGI_ROUTER_H

#include <stddef.h>

#define ROUTER_ID_MAX 64
#define ROUTER_N_MAX 16
#define ROUTER_MAX_ROUTES 32

struct api_call;
typedef void (*route_fn)(struct api_call *call);

enum route_flags {
	R_AUTH = 1 << 0,	/* bearer token required */
	R_BODY = 1 << 1,	/* JSON body: media type, size and parse checks */
	R_CHARGE = 1 << 2,	/* counted against the POST /execute budget (opens a transaction) */
	R_SELF_USER = 1 << 3,	/* the handler checks the user itself (one round trip) */
};

struct route {
	const char *method;	/* NULL ends a table */
	const char *pattern;
	route_fn fn;
	unsigned flags;
	const char *label;	/* for logs and metrics */
};

enum router_result { ROUTE_OK, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD };

struct route_match {
	const struct route *route;
	int index;			/* in the table; -1 when the path is unknown */
	char id[ROUTER_ID_MAX];		/* the {id} segment, "" when none */
	char n[ROUTER_N_MAX];		/* the {n} segment, "" when none */
	char allow[64];			/* for ROUTE_BAD_METHOD */
};

extern const struct route router_table[];

size_t router_count(const struct route *table);
enum router_result router_match(const struct route *table, const char *method,
				const char *path, struct route_match *m);

#endif
