/*
 * Routing: a linear scan over a const table of a dozen entries, which costs
 * less than the hashing a smarter structure would need. The table below is the
 * whole REST surface of API.md. A literal path shadows the {id} patterns that
 * would also match it (OpenAPI's rule): GET /execute/batch is a 405 of
 * /execute/batch, not a GET of the submission "batch".
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fcgi/handlers.h"
#include "fcgi/router.h"

const struct route router_table[] = {
	{ "POST", "/api/v1/auth/register", auth_register, R_BODY, "/auth/register" },
	{ "POST", "/api/v1/auth/login", auth_login, R_BODY, "/auth/login" },
	{ "POST", "/api/v1/execute", execute_create, R_AUTH | R_CHARGE | R_BODY | R_SELF_USER, "/execute" },
	{ "GET", "/api/v1/execute", execute_list, R_AUTH | R_SELF_USER, "/execute" },
	{ "POST", "/api/v1/execute/batch", execute_batch, R_AUTH | R_CHARGE | R_BODY | R_SELF_USER,
	  "/execute/batch" },
	{ "GET", "/api/v1/execute/{id}", execute_get, R_AUTH | R_SELF_USER, "/execute/{id}" },
	{ "GET", "/api/v1/execute/{id}/events", execute_events, R_AUTH | R_SELF_USER,
	  "/execute/{id}/events" },
	{ "GET", "/api/v1/execute/{id}/tests/{n}", execute_test_get, R_AUTH | R_SELF_USER,
	  "/execute/{id}/tests/{n}" },
	{ "POST", "/api/v1/webhooks/secret", webhooks_secret, R_AUTH, "/webhooks/secret" },
	{ "GET", "/api/v1/languages", languages_list, 0, "/languages" },
	{ "GET", "/api/v1/submissions", submissions_list, R_AUTH, "/submissions" },
	{ "GET", "/api/v1/health", ops_health, 0, "/health" },
	{ "GET", "/api/v1/metrics", ops_metrics, 0, "/metrics" },
	{ NULL, NULL, NULL, 0, NULL },
};

size_t router_count(const struct route *table)
{
	size_t n = 0;

	while (table[n].method)
		n++;
	return n;
}

/*
 * Copy the segment at *s (up to '/') into out: false when it is empty; one
 * of outlen bytes or more becomes "?", a marker that never validates.
 */
static bool capture(const char **s, char *out, size_t outlen)
{
	size_t n = strcspn(*s, "/");

	if (n == 0)
		return false;
	if (n >= outlen) {
		snprintf(out, outlen, "%s", "?");
	} else {
		memcpy(out, *s, n);
		out[n] = '\0';
	}
	*s += n;
	return true;
}

/* Match path against pattern; on success the {id} and {n} segments are in id and n. */
static bool path_match(const char *pattern, const char *path, char *id, size_t idlen,
		       char *n, size_t nlen)
{
	const char *p = pattern, *s = path;

	id[0] = '\0';
	n[0] = '\0';
	while (*p) {
		if (strncmp(p, "{id}", 4) == 0) {
			if (!capture(&s, id, idlen))
				return false;
			p += 4;
			continue;
		}
		if (strncmp(p, "{n}", 3) == 0) {
			if (!capture(&s, n, nlen))
				return false;
			p += 3;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	return *s == '\0';
}

/* True when a route's pattern is path itself (no {id} in it). */
static bool literal_known(const struct route *table, const char *path)
{
	for (int i = 0; table[i].method; i++) {
		if (strcmp(table[i].pattern, path) == 0)
			return true;
	}
	return false;
}

enum router_result router_match(const struct route *table, const char *method,
				const char *path, struct route_match *m)
{
	bool path_known = false, literal = literal_known(table, path);
	char id[ROUTER_ID_MAX], n[ROUTER_N_MAX];

	m->route = NULL;
	m->index = -1;
	m->id[0] = '\0';
	m->n[0] = '\0';
	m->allow[0] = '\0';
	for (int i = 0; table[i].method; i++) {
		if (literal && strchr(table[i].pattern, '{'))
			continue;
		if (!path_match(table[i].pattern, path, id, sizeof(id), n, sizeof(n)))
			continue;
		if (strcmp(table[i].method, method) == 0) {
			m->route = &table[i];
			m->index = i;
			memcpy(m->id, id, sizeof(id));
			memcpy(m->n, n, sizeof(n));
			m->allow[0] = '\0';	/* only a 405 has one */
			return ROUTE_OK;
		}
		/* Several routes may share a path: list each method once. */
		if (!strstr(m->allow, table[i].method)) {
			size_t len = strlen(m->allow);
			if (len + strlen(table[i].method) + 3 < sizeof(m->allow)) {
				if (len)
					strcat(m->allow, ", ");
				strcat(m->allow, table[i].method);
			}
		}
		if (!path_known)
			m->index = i;	/* a 405 is counted under its path's first route */
		path_known = true;
	}
	return path_known ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}
