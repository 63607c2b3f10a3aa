/*
 * coderank-admin users: list, show, set-tier, disable, enable.
 *
 * A user is named by its id (a UUID) or its email (any case, as logins
 * match it). Disabling takes effect at the user's next request: the API checks
 * that the user is active on every authenticated call. users.rate_limit_tier
 * has no foreign key, so set-tier checks the tier in the statement that sets
 * it.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "admin/admin.h"

#define LIST_DEFAULT 100
#define LIST_MAX 1000000

static const struct cr_db_stmt stmts[] = {
	/* one row more than asked: whether there are more */
	{ "users_list",
	  "SELECT user_id::text, email, username, rate_limit_tier,"
	  "       CASE WHEN is_active THEN 'yes' ELSE 'no' END, " ADMIN_TIME("created_at")
	  " FROM users ORDER BY created_at DESC, user_id LIMIT $1::int + 1",
	  1 },
	{ "users_show",
	  "SELECT u.user_id::text, u.username, u.email, u.rate_limit_tier,"
	  "       t.requests_per_minute, t.max_concurrent,"
	  "       CASE WHEN u.is_active THEN 'yes' ELSE 'no (disabled)' END,"
	  "       " ADMIN_TIME("u.created_at") ", " ADMIN_TIME("u.updated_at") ","
	  "       CASE WHEN u.webhook_secret IS NULL THEN 'none' ELSE 'set' END,"
	  "       (SELECT count(*) FROM code_submissions s WHERE s.user_id = u.user_id),"
	  "       (SELECT count(*) FROM code_submissions s WHERE s.user_id = u.user_id"
	  "          AND s.status IN ('queued', 'running')),"
	  "       (SELECT " ADMIN_TIME("max(s.submitted_at)") " FROM code_submissions s"
	  "          WHERE s.user_id = u.user_id)"
	  " FROM users u LEFT JOIN rate_limit_tiers t ON t.tier = u.rate_limit_tier"
	  " WHERE " ADMIN_USER_MATCH("u."),
	  2 },
	/* columns: the user is known, the tier is known, then the user's id, email, old tier */
	{ "users_set_tier",
	  "WITH t AS (SELECT tier FROM rate_limit_tiers WHERE tier = $3),"
	  " o AS (SELECT user_id, rate_limit_tier AS was FROM users"
	  "       WHERE " ADMIN_USER_MATCH("") " FOR UPDATE),"
	  " u AS (UPDATE users x SET rate_limit_tier = t.tier, updated_at = now() FROM o, t"
	  "       WHERE x.user_id = o.user_id RETURNING x.user_id::text, x.email, o.was)"
	  " SELECT EXISTS (SELECT 1 FROM o), EXISTS (SELECT 1 FROM t), u.* FROM (SELECT 1) one"
	  " LEFT JOIN u ON true",
	  3 },
	{ "users_set_active",
	  "WITH o AS (SELECT user_id, is_active AS was FROM users"
	  "           WHERE " ADMIN_USER_MATCH("") " FOR UPDATE)"
	  " UPDATE users x SET is_active = $3::boolean,"
	  "        updated_at = CASE WHEN o.was = $3::boolean THEN x.updated_at ELSE now() END"
	  " FROM o WHERE x.user_id = o.user_id RETURNING x.user_id::text, x.email, o.was",
	  3 },
	{ NULL, NULL, 0 },
};

static int list(struct admin *a, const struct admin_args *args)
{
	static const char *const head[] = { "USER_ID", "EMAIL", "USERNAME", "TIER", "ACTIVE",
					    "CREATED" };
	struct admin_table t;
	char limit[16];
	const char *params[] = { limit };
	PGresult *r;
	int n = LIST_DEFAULT, st;

	if (args->opt[0] && (st = admin_number(a, "--limit", args->opt[0], 1, LIST_MAX, &n)))
		return st;
	snprintf(limit, sizeof(limit), "%d", n);
	if (!(r = admin_run(a, "users_list", 1, params, "list the users", &st)))
		return st;
	table_init(&t, 6, head);
	for (int i = 0; i < PQntuples(r) && i < n; i++) {
		const char *row[6];

		for (int j = 0; j < 6; j++)
			row[j] = PQgetvalue(r, i, j);
		table_row(&t, row);
	}
	table_print(&t, stdout);
	table_free(&t);
	if (PQntuples(r) > n)
		fprintf(stderr, "(the newest %d users; --limit N shows more)\n", n);
	PQclear(r);
	return ADMIN_OK;
}

static int unknown_user(const char *who)
{
	return admin_fail(ADMIN_NOT_FOUND, "unknown user \"%.100s\" (no user has this id or "
			  "email)", who);
}

/*
 * A statement on the user named by the first argument ($1, $2), with one more
 * parameter ($3) unless extra is NULL.
 */
static PGresult *user_run(struct admin *a, const struct admin_args *args, const char *stmt,
			  const char *extra, const char *what, int *st)
{
	const char *params[3];

	admin_user_params(args->pos[0], params);
	params[2] = extra;
	return admin_run(a, stmt, extra ? 3 : 2, params, what, st);
}

static int show(struct admin *a, const struct admin_args *args)
{
	PGresult *r;
	int st;

	if (!(r = user_run(a, args, "users_show", NULL, "read the user", &st)))
		return st;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return unknown_user(args->pos[0]);
	}
	printf("user_id      %s\nusername     %s\nemail        %s\n", PQgetvalue(r, 0, 0),
	       PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2));
	if (PQgetisnull(r, 0, 4))
		printf("tier         %s (not in rate_limit_tiers: `tiers create` it or set "
		       "another)\n", PQgetvalue(r, 0, 3));
	else
		printf("tier         %s (%s requests a minute, %s at once)\n", PQgetvalue(r, 0, 3),
		       PQgetvalue(r, 0, 4), PQgetvalue(r, 0, 5));
	printf("active       %s\ncreated      %s\nupdated      %s\nwebhook      secret %s\n"
	       "submissions  %s (%s queued or running), last %s\n", PQgetvalue(r, 0, 6),
	       PQgetvalue(r, 0, 7), PQgetvalue(r, 0, 8), PQgetvalue(r, 0, 9),
	       PQgetvalue(r, 0, 10), PQgetvalue(r, 0, 11),
	       PQgetisnull(r, 0, 12) ? "never" : PQgetvalue(r, 0, 12));
	PQclear(r);
	return ADMIN_OK;
}

static int set_tier(struct admin *a, const struct admin_args *args)
{
	PGresult *r;
	int st;

	if (!(r = user_run(a, args, "users_set_tier", args->pos[1], "set the tier", &st)))
		return st;
	if (!pgv_bool(r, 0, 0))
		st = unknown_user(args->pos[0]);
	else if (!pgv_bool(r, 0, 1))
		st = admin_fail(ADMIN_NOT_FOUND, "unknown tier \"%.40s\" (`" ADMIN_PROG " tiers "
				"list` shows them)", args->pos[1]);
	else
		printf("user %s (%s): tier %s -> %s\n", PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3),
		       PQgetvalue(r, 0, 4), args->pos[1]);
	PQclear(r);
	return st;
}

/* enable and disable: which one is the command's name */
static int set_active(struct admin *a, const struct admin_args *args)
{
	bool active = strcmp(a->cmd->name, "enable") == 0;
	PGresult *r;
	int st;

	if (!(r = user_run(a, args, "users_set_active", active ? "true" : "false",
			   active ? "enable the user" : "disable the user", &st)))
		return st;
	if (PQntuples(r) == 0)
		st = unknown_user(args->pos[0]);
	else
		printf("user %s (%s): %s%s\n", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
		       pgv_bool(r, 0, 2) == active ? "already " : "",
		       active ? "enabled" : "disabled");
	PQclear(r);
	return st;
}

static const struct admin_cmd cmds[] = {
	{ "list", "[--limit N]",
	  "the users, newest first\n\n"
	  "  --limit N   at most N users (1 to 1000000; default 100)",
	  0, 0, { "--limit" }, list },
	{ "show", "ID|EMAIL",
	  "one user: tier, limits, state, submissions\n\n"
	  "Its id, username, email, tier and the tier's limits, whether it is active,\n"
	  "when it was created and changed, whether it has a webhook secret, and its\n"
	  "submissions (all, unfinished, the last one).",
	  1, 1, { NULL }, show },
	{ "set-tier", "ID|EMAIL TIER",
	  "put a user on a rate-limit tier\n\n"
	  "The tier must exist (`" ADMIN_PROG " tiers list`); the API applies it from the\n"
	  "user's next request.",
	  2, 2, { NULL }, set_tier },
	{ "disable", "ID|EMAIL",
	  "refuse a user's requests from the next one on\n\n"
	  "Its tokens stop working and it cannot log in; its queued submissions still\n"
	  "run.",
	  1, 1, { NULL }, set_active },
	{ "enable", "ID|EMAIL", "let a disabled user in again", 1, 1, { NULL }, set_active },
	{ NULL, NULL, NULL, 0, 0, { NULL }, NULL },
};

const struct admin_group admin_users = { "users", stmts, cmds };
