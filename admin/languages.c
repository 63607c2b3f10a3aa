/*
 * coderank-admin languages: list (with whether dockerd has each image),
 * enable, disable, set. A submission copies its language's limits when it is
 * accepted, so a change applies to submissions made after it; the worker reads
 * is_active and the pool settings at each claim.
 *
 * The bounds of `set` are the CHECK constraints of language_configs
 * (db/migrations/001_schema.sql), checked here first so that a bad value gets
 * a message naming the option and its range.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "worker/docker.h"

enum { OPT_TIMEOUT, OPT_COMPILE, OPT_MEMORY, OPT_PROCESSES, NLIMITS };

/* Indexed as the options of `set`. */
static const struct {
	const char *opt;
	long min, max;
} bounds[NLIMITS] = {
	[OPT_TIMEOUT] = { "--timeout", 1, 300 },		/* timeout_seconds */
	[OPT_COMPILE] = { "--compile-timeout", 1, 600 },	/* compile_timeout_seconds */
	[OPT_MEMORY] = { "--memory", 16, 65536 },		/* max_memory_mb */
	[OPT_PROCESSES] = { "--processes", 1, 4096 },		/* max_processes */
};

#define LIST_COLS 8	/* of languages_list; BUILT is added */

static const struct cr_db_stmt stmts[] = {
	{ "languages_list",
	  "SELECT language_id, display_name, CASE WHEN is_active THEN 'yes' ELSE 'no' END,"
	  "       timeout_seconds,"
	  "       CASE WHEN compile_command IS NULL THEN '-' ELSE compile_timeout_seconds::text END,"
	  "       max_memory_mb, max_processes, docker_image"
	  " FROM language_configs ORDER BY language_id",
	  0 },
	{ "languages_set_active",
	  "WITH o AS (SELECT language_id, is_active AS was FROM language_configs"
	  "           WHERE language_id = $1 FOR UPDATE)"
	  " UPDATE language_configs l SET is_active = $2::boolean FROM o"
	  " WHERE l.language_id = o.language_id RETURNING o.was",
	  2 },
	/* NULL leaves a limit as it is */
	{ "languages_set",
	  "UPDATE language_configs SET timeout_seconds = coalesce($2::int, timeout_seconds),"
	  "  compile_timeout_seconds = coalesce($3::int, compile_timeout_seconds),"
	  "  max_memory_mb = coalesce($4::int, max_memory_mb),"
	  "  max_processes = coalesce($5::int, max_processes)"
	  " WHERE language_id = $1"
	  " RETURNING timeout_seconds, compile_timeout_seconds, max_memory_mb, max_processes",
	  5 },
	{ NULL, NULL, 0 },
};

/* Whether dockerd has each image: "yes", "no", or "?" when it cannot say. */
static void add_rows(struct admin *a, struct admin_table *t, const PGresult *r)
{
	struct docker d;
	char version[128];
	bool docker = docker_init(&d, a->cfg.docker_socket) == 0;

	if (docker && docker_ping(&d, version, sizeof(version)) < 0) {
		fprintf(stderr, "(BUILT is ?: could not ask dockerd at %s: %s)\n",
			a->cfg.docker_socket, d.error);
		docker_close(&d);
		docker = false;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		const char *row[LIST_COLS + 1];
		int has = docker ? docker_image_present(&d, PQgetvalue(r, i, 7)) : -1;

		for (int j = 0; j < LIST_COLS; j++)
			row[j] = PQgetvalue(r, i, j);
		row[LIST_COLS] = has > 0 ? "yes" : has == 0 ? "no" : "?";
		table_row(t, row);
	}
	if (docker)
		docker_close(&d);
}

static int list(struct admin *a, const struct admin_args *args)
{
	static const char *const head[] = { "LANGUAGE", "NAME", "ACTIVE", "TIME_S", "COMPILE_S",
					    "MEMORY_MB", "PROCESSES", "IMAGE", "BUILT" };
	struct admin_table t;
	PGresult *r;
	int st;

	(void)args;
	if (!(r = admin_run(a, "languages_list", 0, NULL, "list the languages", &st)))
		return st;
	table_init(&t, LIST_COLS + 1, head);
	add_rows(a, &t, r);
	table_print(&t, stdout);
	table_free(&t);
	PQclear(r);
	return ADMIN_OK;
}

static int unknown_language(const char *id)
{
	return admin_fail(ADMIN_NOT_FOUND, "unknown language \"%.40s\" (`" ADMIN_PROG
			  " languages list` shows them)", id);
}

/* A longer limit, or one more active language, may need a longer nginx read timeout. */
static void read_timeout_note(void)
{
	fprintf(stderr, "note: nginx's fastcgi_read_timeout follows the longest time + compile "
		"limit of the active\nlanguages: if this language's is now the longest, run "
		"scripts/setup again (or render\nnginx's configuration with scripts/nginx-conf, "
		"reload nginx and restart coderank-api)\n");
}

/* enable and disable: which one is the command's name */
static int set_active(struct admin *a, const struct admin_args *args)
{
	bool active = strcmp(a->cmd->name, "enable") == 0;
	const char *params[] = { args->pos[0], active ? "true" : "false" };
	PGresult *r;
	int st;

	if (!(r = admin_run(a, "languages_set_active", 2, params,
			    active ? "enable the language" : "disable the language", &st)))
		return st;
	if (PQntuples(r) == 0) {
		st = unknown_language(args->pos[0]);
	} else {
		bool was = pgv_bool(r, 0, 0);

		printf("language %s: %s%s\n", args->pos[0], was == active ? "already " : "",
		       active ? "enabled" : "disabled");
		if (active && !was)
			read_timeout_note();
	}
	PQclear(r);
	return st;
}

static int set(struct admin *a, const struct admin_args *args)
{
	char text[NLIMITS][16];
	const char *params[1 + NLIMITS] = { args->pos[0] };
	bool any = false;
	char sqlstate[6];
	PGresult *r;
	int v, st;

	for (int i = 0; i < NLIMITS; i++) {
		if (!args->opt[i])
			continue;
		if ((st = admin_number(a, bounds[i].opt, args->opt[i], bounds[i].min,
				       bounds[i].max, &v)))
			return st;
		snprintf(text[i], sizeof(text[i]), "%d", v);
		params[1 + i] = text[i];
		any = true;
	}
	if (!any)
		return admin_usage_error(a, "nothing to set: give --timeout, --compile-timeout, "
					 "--memory or --processes");
	if ((st = admin_connect(a)))
		return st;
	if (!(r = admin_exec(a, "languages_set", 1 + NLIMITS, params, sqlstate)))
		return strcmp(sqlstate, "23514") == 0 ?
		       admin_fail(ADMIN_USAGE, "a value is outside what language_configs' CHECK "
				  "constraints allow") :
		       admin_db_failed("set the language's limits");
	if (PQntuples(r) == 0) {
		st = unknown_language(args->pos[0]);
	} else {
		printf("language %s: time %s s, compile %s s, memory %s MB, processes %s\n",
		       args->pos[0], PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
		       PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3));
		if (params[1 + OPT_TIMEOUT] || params[1 + OPT_COMPILE])
			read_timeout_note();
	}
	PQclear(r);
	return st;
}

static const struct admin_cmd cmds[] = {
	{ "list", "",
	  "the languages, their limits and images\n\n"
	  "Whether each is active, its time, compile, memory and process limits, its\n"
	  "image, and whether dockerd has that image.\n"
	  "BUILT asks the dockerd of docker_socket (? when it cannot: not running, or\n"
	  "no access to its socket).",
	  0, 0, { NULL }, list },
	{ "enable", "ID", "accept submissions in a language again", 1, 1, { NULL },
	  set_active },
	{ "disable", "ID",
	  "refuse new submissions in a language\n\n"
	  "The API answers 400 for it from now on; its queued submissions still run.",
	  1, 1, { NULL }, set_active },
	{ "set", "ID [--timeout S] [--compile-timeout S] [--memory MB] [--processes N]",
	  "change a language's limits\n\n"
	  "For submissions made from now on: one copies its limits when it is accepted.\n\n"
	  "  --timeout S          run time limit, 1 to 300 seconds\n"
	  "  --compile-timeout S  compile time limit, 1 to 600 seconds\n"
	  "  --memory MB          memory limit, 16 to 65536 MB\n"
	  "  --processes N        processes and threads, 1 to 4096",
	  1, 1, { "--timeout", "--compile-timeout", "--memory", "--processes" }, set },
	{ NULL, NULL, NULL, 0, 0, { NULL }, NULL },
};

const struct admin_group admin_languages = { "languages", stmts, cmds };
