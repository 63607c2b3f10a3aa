/*
 * coderank-admin [-c FILE] COMMAND [ARGS]: the operator's tool (admin.h).
 *
 * Finds the group and the command in the tables of admin/<group>.c, parses
 * its arguments, and runs it; the command connects (with its group's
 * statements) once its arguments are good.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "admin/admin.h"
#include "common/log.h"

static const struct admin_group *const groups[] = {
	&admin_users, &admin_tiers, &admin_languages, &admin_queue, &admin_purge, NULL,
};

static void usage(FILE *f)
{
	fprintf(f, "usage: " ADMIN_PROG " [-c FILE] COMMAND [ARGS]\n\n"
		"CodeRank's tool for operators: users, rate-limit tiers, languages, the queue,\n"
		"and purging old submissions. It reads the daemons' configuration (database_url):\n"
		"-c FILE, else $CODERANK_CONFIG, else /etc/coderank/coderank.conf; CODERANK_<KEY>\n"
		"variables override it.\n\nCommands:\n");
	for (int i = 0; groups[i]; i++) {
		for (const struct admin_cmd *c = groups[i]->cmds; c->name; c++) {
			char head[96];

			snprintf(head, sizeof(head), "%s%s%s %s", groups[i]->name,
				 *c->name ? " " : "", c->name, c->synopsis);
			admin_list_line(f, head, c->help);
		}
	}
	fprintf(f, "\nEvery command takes --help. Output goes to stdout, errors and progress to\n"
		"stderr.\n\nExit status:\n"
		"  0  done\n"
		"  1  the configuration or the database failed (may work next time)\n"
		"  2  bad command line: unknown command or option, missing or malformed\n"
		"     argument, number out of range\n"
		"  3  no such user, tier or language\n"
		"  4  it exists already (tiers create)\n");
}

static bool is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

static const struct admin_group *find_group(const char *name)
{
	for (int i = 0; groups[i]; i++)
		if (strcmp(groups[i]->name, name) == 0)
			return groups[i];
	return NULL;
}

static const struct admin_cmd *find_cmd(const struct admin_group *g, const char *name)
{
	for (const struct admin_cmd *c = g->cmds; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* The group and command at argv[*i]; -1 when found, else the exit status. */
static int find_command(struct admin *a, int argc, char **argv, int *i)
{
	if (*i == argc) {
		usage(stderr);
		return ADMIN_USAGE;
	}
	a->group = find_group(argv[*i]);
	if (!a->group)
		return admin_usage_error(a, "unknown command \"%.40s\"", argv[*i]);
	++*i;
	if (!*a->group->cmds[0].name) {
		a->cmd = &a->group->cmds[0];
		return -1;
	}
	if (*i == argc) {
		admin_group_usage(a->group, stderr);
		return ADMIN_USAGE;
	}
	if (is_help(argv[*i])) {
		admin_group_usage(a->group, stdout);
		return ADMIN_OK;
	}
	a->cmd = find_cmd(a->group, argv[*i]);
	if (!a->cmd)
		return admin_usage_error(a, "unknown command \"%s %.40s\"", a->group->name,
					 argv[*i]);
	++*i;
	return -1;
}

int main(int argc, char **argv)
{
	struct admin a;
	struct admin_args args;
	int i, st;

	memset(&a, 0, sizeof(a));
	cr_log_set_program(ADMIN_PROG);
	cr_log_set_plain(true);
	/* before the command: -c FILE and --help */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (is_help(argv[i])) {
			usage(stdout);
			return ADMIN_OK;
		}
		if ((st = admin_parse_opt(&a, argc, argv, &i, NULL)) >= 0)
			return st;
	}
	if ((st = find_command(&a, argc, argv, &i)) >= 0)
		return st;
	if ((st = admin_parse(&a, argc - i, argv + i, &args)) >= 0)
		return st;
	st = a.cmd->run(&a, &args);
	admin_disconnect(&a);
	return st;
}
