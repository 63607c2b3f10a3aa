/*
 * coderank-admin tiers: list, create, set. A tier is POST /execute calls per
 * minute and unfinished submissions at once (rate_limit_tiers); the API reads
 * it at every call, so a change holds from the next request on.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "admin/admin.h"

#define NAME_MAX_LEN 20		/* rate_limit_tiers.tier varchar(20) */
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

enum { OPT_RPM, OPT_CONCURRENT };

#define LIMITS_HELP \
	"  --rpm N         POST /execute calls a user may make per minute (1 or more)\n" \
	"  --concurrent N  a user's unfinished submissions at once (1 or more)"

static const struct cr_db_stmt stmts[] = {
	{ "tiers_list",
	  "SELECT t.tier, t.requests_per_minute, t.max_concurrent, count(u.user_id)"
	  " FROM rate_limit_tiers t LEFT JOIN users u ON u.rate_limit_tier = t.tier"
	  " GROUP BY t.tier ORDER BY t.tier",
	  0 },
	{ "tiers_create",
	  "INSERT INTO rate_limit_tiers (tier, requests_per_minute, max_concurrent)"
	  " VALUES ($1, $2::int, $3::int) ON CONFLICT (tier) DO NOTHING RETURNING tier",
	  3 },
	/* NULL leaves a limit as it is */
	{ "tiers_set",
	  "UPDATE rate_limit_tiers SET"
	  "  requests_per_minute = coalesce($2::int, requests_per_minute),"
	  "  max_concurrent = coalesce($3::int, max_concurrent)"
	  " WHERE tier = $1 RETURNING requests_per_minute, max_concurrent",
	  3 },
	{ NULL, NULL, 0 },
};

static int list(struct admin *a, const struct admin_args *args)
{
	static const char *const head[] = { "TIER", "REQUESTS/MIN", "AT_ONCE", "USERS" };
	struct admin_table t;
	PGresult *r;
	int st;

	(void)args;
	if (!(r = admin_run(a, "tiers_list", 0, NULL, "list the tiers", &st)))
		return st;
	table_init(&t, 4, head);
	table_result(&t, r);
	table_print(&t, stdout);
	table_free(&t);
	PQclear(r);
	return ADMIN_OK;
}

/* --rpm and --concurrent, as given, into text (NULL when absent); 0 or ADMIN_USAGE. */
static int limits(const struct admin *a, const struct admin_args *args, char rpm[16],
		  char concurrent[16], const char *out[2])
{
	int v, st;

	out[0] = out[1] = NULL;
	if (args->opt[OPT_RPM]) {
		if ((st = admin_number(a, "--rpm", args->opt[OPT_RPM], 1, INT_MAX, &v)))
			return st;
		snprintf(rpm, 16, "%d", v);
		out[0] = rpm;
	}
	if (args->opt[OPT_CONCURRENT]) {
		if ((st = admin_number(a, "--concurrent", args->opt[OPT_CONCURRENT], 1, INT_MAX,
				       &v)))
			return st;
		snprintf(concurrent, 16, "%d", v);
		out[1] = concurrent;
	}
	return 0;
}

static int create(struct admin *a, const struct admin_args *args)
{
	const char *name = args->pos[0], *params[3];
	char rpm[16], concurrent[16];
	PGresult *r;
	int st;

	if (!*name || strlen(name) > NAME_MAX_LEN || strspn(name, NAME_CHARS) != strlen(name))
		return admin_usage_error(a, "invalid tier name \"%.40s\": 1 to %d letters, "
					 "digits, '_', '.' or '-'", name, NAME_MAX_LEN);
	if ((st = limits(a, args, rpm, concurrent, params + 1)))
		return st;
	if (!params[1] || !params[2])
		return admin_usage_error(a, "a new tier needs both --rpm N and --concurrent N");
	params[0] = name;
	if (!(r = admin_run(a, "tiers_create", 3, params, "create the tier", &st)))
		return st;
	if (PQntuples(r) == 0)
		st = admin_fail(ADMIN_EXISTS, "tier \"%s\" exists already (`" ADMIN_PROG
				" tiers set` changes its limits)", name);
	else
		printf("tier %s: %s requests a minute, %s at once\n", name, params[1], params[2]);
	PQclear(r);
	return st;
}

static int set(struct admin *a, const struct admin_args *args)
{
	const char *params[3];
	char rpm[16], concurrent[16];
	PGresult *r;
	int st;

	if ((st = limits(a, args, rpm, concurrent, params + 1)))
		return st;
	if (!params[1] && !params[2])
		return admin_usage_error(a, "nothing to set: give --rpm N, --concurrent N or both");
	params[0] = args->pos[0];
	if (!(r = admin_run(a, "tiers_set", 3, params, "set the tier's limits", &st)))
		return st;
	if (PQntuples(r) == 0)
		st = admin_fail(ADMIN_NOT_FOUND, "unknown tier \"%.40s\" (`" ADMIN_PROG " tiers "
				"create` makes one)", args->pos[0]);
	else
		printf("tier %s: %s requests a minute, %s at once\n", args->pos[0],
		       PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
	PQclear(r);
	return st;
}

static const struct admin_cmd cmds[] = {
	{ "list", "", "the tiers, their limits and users", 0, 0, { NULL },
	  list },
	{ "create", "NAME --rpm N --concurrent N",
	  "a new tier\n\n"
	  "  NAME            1 to 20 letters, digits, '_', '.' or '-'\n" LIMITS_HELP,
	  1, 1, { "--rpm", "--concurrent" }, create },
	{ "set", "NAME [--rpm N] [--concurrent N]",
	  "change a tier's limits\n\n"
	  "They hold from each user's next request on.\n\n" LIMITS_HELP,
	  1, 1, { "--rpm", "--concurrent" }, set },
	{ NULL, NULL, NULL, 0, 0, { NULL }, NULL },
};

const struct admin_group admin_tiers = { "tiers", stmts, cmds };
