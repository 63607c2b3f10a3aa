/*
 * coderank-admin: the operator's tool. It reads the daemons' configuration
 * file, connects to database_url with libpq, and runs one command of a group:
 * users, tiers, languages, queue, purge. Every value reaches SQL as a bound
 * parameter of a statement prepared from the group's table (common/db.h).
 *
 * A command checks its arguments before it loads the configuration or
 * connects, so --help and bad input never need a database. Errors are one
 * line on stderr, "coderank-admin: ...", and an exit status of enum
 * admin_exit; output goes to stdout.
 */
#ifndef CR_ADMIN_H
#define CR_ADMIN_H

#include <stdbool.h>
#include <stdio.h>

#include "common/conf.h"
#include "common/db.h"

#define ADMIN_PROG "coderank-admin"
#define ADMIN_MAX_POS 2		/* positional arguments of a command */
#define ADMIN_MAX_OPTS 6	/* options that take a value, per command */

/* Exit statuses; `coderank-admin --help` lists them. */
enum admin_exit {
	ADMIN_OK = 0,
	ADMIN_FAILED = 1,	/* the configuration or the database: may work next time */
	ADMIN_USAGE = 2,	/* unknown command or option, missing or malformed argument */
	ADMIN_NOT_FOUND = 3,	/* no such user, tier or language */
	ADMIN_EXISTS = 4,	/* it exists already (tiers create) */
};

/* The parsed command line of one command: positionals, then option values. */
struct admin_args {
	const char *pos[ADMIN_MAX_POS];
	int npos;
	const char *opt[ADMIN_MAX_OPTS];	/* of cmd->opts[i]; NULL: not given */
};

struct admin;

struct admin_cmd {
	const char *name;	/* "set-tier"; "" for a group that is one command */
	const char *synopsis;	/* what follows the name in the usage line */
	const char *help;	/* first line: the summary; then options and details */
	int min_pos, max_pos;
	const char *opts[ADMIN_MAX_OPTS + 1];	/* "--limit"...: options with a value */
	int (*run)(struct admin *a, const struct admin_args *args);
};

struct admin_group {
	const char *name;
	const struct cr_db_stmt *stmts;	/* prepared when the command connects */
	const struct admin_cmd *cmds;	/* ends with name == NULL */
};

extern const struct admin_group admin_users, admin_tiers, admin_languages,
	admin_queue, admin_purge;

struct admin {
	const char *config_path;	/* -c FILE; NULL: $CODERANK_CONFIG, then the default */
	struct cr_config cfg;
	bool cfg_loaded;
	struct cr_db db;
	bool db_open;
	const struct admin_group *group;
	const struct admin_cmd *cmd;
};

/* "coderank-admin: <message>" on stderr; returns code. */
int admin_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A bad command line: the message and where help is; returns ADMIN_USAGE. */
int admin_usage_error(const struct admin *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Parse the arguments of a->cmd (after its name) into args; -c FILE is taken
 * anywhere. -1 to go on; otherwise the exit status (0 after --help).
 */
int admin_parse(struct admin *a, int argc, char **argv, struct admin_args *args);

/*
 * One option at argv[*i] (advanced past its value): --name VALUE or
 * --name=VALUE of a->cmd (none while a->cmd is NULL), -c FILE, --config FILE.
 * -1 when taken, else the exit status.
 */
int admin_parse_opt(struct admin *a, int argc, char **argv, int *i, struct admin_args *args);

/* The usage of a command, a group or the whole program. */
void admin_cmd_usage(const struct admin_group *g, const struct admin_cmd *c, FILE *f);
void admin_group_usage(const struct admin_group *g, FILE *f);
/* "  HEAD   summary" (the first line of help), for the lists of commands. */
void admin_list_line(FILE *f, const char *head, const char *help);

/*
 * A whole number from min to max for what (an option or argument name):
 * 0 with *out set, or ADMIN_USAGE with a message.
 */
int admin_number(const struct admin *a, const char *what, const char *text, long min,
		 long max, int *out);

/*
 * Load the configuration and connect with a->group's statements (once):
 * 0 or ADMIN_FAILED.
 */
int admin_connect(struct admin *a);
void admin_disconnect(struct admin *a);

/*
 * A prepared statement of the group with text parameters (NULL: SQL NULL).
 * NULL when it failed: cr_db_exec logged why; *sqlstate (optional) says what.
 */
PGresult *admin_exec(struct admin *a, const char *stmt, int n, const char *const *params,
		     char sqlstate[6]);

/* The usual end of a failed statement: a message naming what; ADMIN_FAILED. */
int admin_db_failed(const char *what);

/*
 * Connect (admin_connect) and run a statement of the group: its result, or
 * NULL with *status set and a message saying what (e.g. "list the tiers")
 * could not be done.
 */
PGresult *admin_run(struct admin *a, const char *stmt, int n, const char *const *params,
		    const char *what, int *status);

/*
 * Columns of text printed aligned under their headings. Cells are copied;
 * the table owns them.
 */
struct admin_table {
	int ncols;
	size_t nrows;		/* the heading row included */
	char **cells;		/* nrows x ncols */
};

void table_init(struct admin_table *t, int ncols, const char *const *head);
void table_row(struct admin_table *t, const char *const *cells);
/* Every row of r, its first t->ncols columns. */
void table_result(struct admin_table *t, const PGresult *r);
void table_print(const struct admin_table *t, FILE *f);
void table_free(struct admin_table *t);

/* "45s", "12m03s", "3h05m", "4d03h"; negative as "-45s". */
void admin_duration(long long seconds, char *out, size_t len);

/*
 * SQL for a timestamptz column as "2026-12-03 10:00:00Z" (UTC); NULL stays
 * NULL. For the statement tables.
 */
#define ADMIN_TIME(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS\"Z\"')"

/*
 * A user named by ID or EMAIL as the two parameters ($1 uuid, $2 email) of
 * ADMIN_USER_MATCH: one of them NULL.
 */
#define ADMIN_USER_MATCH(prefix) \
	"(" prefix "user_id = $1::uuid OR lower(" prefix "email) = lower($2))"
void admin_user_params(const char *id_or_email, const char *params[2]);

#endif
