/*
 * What every command of coderank-admin shares: its command line (options with
 * a value, positionals, --help, -c FILE anywhere), its messages and exit
 * statuses, numbers, the connection and the statements.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "common/log.h"
#include "common/uuid.h"

int admin_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, ADMIN_PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int admin_usage_error(const struct admin *a, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, ADMIN_PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see `" ADMIN_PROG "%s%s%s%s --help`)\n",
		a->group ? " " : "", a->group ? a->group->name : "",
		a->cmd && *a->cmd->name ? " " : "", a->cmd ? a->cmd->name : "");
	return ADMIN_USAGE;
}

#define LIST_COLUMN 40	/* where the summaries start in the lists of commands */

void admin_list_line(FILE *f, const char *head, const char *help)
{
	int n = (int)strcspn(help, "\n");	/* the summary: the first line */

	/* a long synopsis: the summary on a line of its own */
	if (strlen(head) > LIST_COLUMN)
		fprintf(f, "  %s\n  %-*s %.*s\n", head, LIST_COLUMN, "", n, help);
	else
		fprintf(f, "  %-*s %.*s\n", LIST_COLUMN, head, n, help);
}

void admin_cmd_usage(const struct admin_group *g, const struct admin_cmd *c, FILE *f)
{
	fprintf(f, "usage: " ADMIN_PROG " [-c FILE] %s%s%s%s%s\n\n%s\n", g->name,
		*c->name ? " " : "", c->name, *c->synopsis ? " " : "", c->synopsis, c->help);
}

void admin_group_usage(const struct admin_group *g, FILE *f)
{
	if (!*g->cmds[0].name) {
		admin_cmd_usage(g, &g->cmds[0], f);
		return;
	}
	fprintf(f, "usage: " ADMIN_PROG " [-c FILE] %s COMMAND [ARGS]\n\n", g->name);
	for (const struct admin_cmd *c = g->cmds; c->name; c++) {
		char head[96];

		snprintf(head, sizeof(head), "%s %s", c->name, c->synopsis);
		admin_list_line(f, head, c->help);
	}
	fprintf(f, "\n`" ADMIN_PROG " %s COMMAND --help` says more.\n", g->name);
}

/* Where option name is in c->opts; -1 when it is not one of them (or no c). */
static int find_opt(const struct admin_cmd *c, const char *name, size_t len)
{
	for (int i = 0; c && c->opts[i]; i++)
		if (strlen(c->opts[i]) == len && strncmp(c->opts[i], name, len) == 0)
			return i;
	return -1;
}

int admin_parse_opt(struct admin *a, int argc, char **argv, int *i, struct admin_args *args)
{
	const char *arg = argv[*i], *eq = strchr(arg, '='), *value;
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	bool config = (len == 2 && strncmp(arg, "-c", 2) == 0) ||
		      (len == 8 && strncmp(arg, "--config", 8) == 0);
	int k = config ? -1 : find_opt(a->cmd, arg, len);

	if (!config && (k < 0 || arg[1] != '-'))
		return admin_usage_error(a, "unknown option \"%.*s\"", (int)len, arg);
	if (eq) {
		value = eq + 1;
	} else {
		if (*i + 1 >= argc)
			return admin_usage_error(a, "option %s needs a value", arg);
		value = argv[++*i];
	}
	if (config)
		a->config_path = value;
	else
		args->opt[k] = value;
	return -1;
}

int admin_parse(struct admin *a, int argc, char **argv, struct admin_args *args)
{
	const struct admin_cmd *c = a->cmd;
	bool only_pos = false;

	memset(args, 0, sizeof(*args));
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		int st;

		if (!only_pos && (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)) {
			admin_cmd_usage(a->group, c, stdout);
			return ADMIN_OK;
		}
		if (!only_pos && strcmp(arg, "--") == 0) {
			only_pos = true;
		} else if (!only_pos && arg[0] == '-' && arg[1]) {
			if ((st = admin_parse_opt(a, argc, argv, &i, args)) >= 0)
				return st;
		} else if (args->npos == c->max_pos) {
			return admin_usage_error(a, "unexpected argument \"%.60s\"", arg);
		} else {
			args->pos[args->npos++] = arg;
		}
	}
	if (args->npos < c->min_pos)
		return admin_usage_error(a, "missing argument: %s%s%s %s", a->group->name,
					 *c->name ? " " : "", c->name, c->synopsis);
	return -1;
}

int admin_number(const struct admin *a, const char *what, const char *text, long min,
		 long max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	/* strtol takes blanks and a sign: a number here is digits only */
	if (!*text || strspn(text, "0123456789") != strlen(text) || errno || *end ||
	    v < min || v > max)
		return admin_usage_error(a, "invalid %s \"%.40s\": a whole number from %ld to %ld",
					 what, text, min, max);
	*out = (int)v;
	return 0;
}

int admin_connect(struct admin *a)
{
	char err[512];

	if (a->db_open)
		return ADMIN_OK;
	if (!a->cfg_loaded) {
		if (cr_config_load(&a->cfg, a->config_path, err, sizeof(err)) < 0) {
			cr_config_free(&a->cfg);
			return admin_fail(ADMIN_FAILED, "%s", err);
		}
		a->cfg_loaded = true;
		cr_log_set_level(a->cfg.log_level);
	}
	if (!a->cfg.database_url || !*a->cfg.database_url)
		return admin_fail(ADMIN_FAILED, "database_url is not set: set it in the "
				  "configuration file (-c FILE, $CODERANK_CONFIG, or "
				  "/etc/coderank/coderank.conf) or CODERANK_DATABASE_URL");
	cr_db_init(&a->db, a->cfg.database_url, a->group->stmts);
	if (cr_db_ensure(&a->db) < 0) {
		cr_db_close(&a->db);
		return admin_fail(ADMIN_FAILED, "no database: check database_url in the "
				  "configuration (%s)", a->config_path ? a->config_path :
				  getenv("CODERANK_CONFIG") ? getenv("CODERANK_CONFIG") :
				  "/etc/coderank/coderank.conf");
	}
	a->db_open = true;
	return ADMIN_OK;
}

void admin_disconnect(struct admin *a)
{
	if (a->db_open)
		cr_db_close(&a->db);
	a->db_open = false;
	if (a->cfg_loaded)
		cr_config_free(&a->cfg);
	a->cfg_loaded = false;
}

PGresult *admin_exec(struct admin *a, const char *stmt, int n, const char *const *params,
		     char sqlstate[6])
{
	return cr_db_exec(&a->db, stmt, n, params, NULL, NULL, 0, sqlstate);
}

int admin_db_failed(const char *what)
{
	return admin_fail(ADMIN_FAILED, "could not %s (the line above says why)", what);
}

PGresult *admin_run(struct admin *a, const char *stmt, int n, const char *const *params,
		    const char *what, int *status)
{
	PGresult *r;

	if ((*status = admin_connect(a)))
		return NULL;
	if (!(r = admin_exec(a, stmt, n, params, NULL)))
		*status = admin_db_failed(what);
	return r;
}

void admin_user_params(const char *id_or_email, const char *params[2])
{
	bool id = cr_uuid_valid(id_or_email);

	params[0] = id ? id_or_email : NULL;
	params[1] = id ? NULL : id_or_email;
}

void admin_duration(long long s, char *out, size_t len)
{
	const char *sign = s < 0 ? "-" : "";

	if (s < 0)
		s = -s;
	if (s < 60)
		snprintf(out, len, "%s%llds", sign, s);
	else if (s < 3600)
		snprintf(out, len, "%s%lldm%02llds", sign, s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, len, "%s%lldh%02lldm", sign, s / 3600, s % 3600 / 60);
	else
		snprintf(out, len, "%s%lldd%02lldh", sign, s / 86400, s % 86400 / 3600);
}
