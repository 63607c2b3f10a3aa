/*
 * A PostgreSQL connection that prepares its statements once and heals itself.
 *
 * A struct cr_db is used by one thread at a time. Statements are registered up front
 * (name, SQL, parameter count); cr_db_ensure() (re)connects when the connection
 * is missing or broken and prepares every registered statement on the new
 * connection. A call that fails because the connection dropped marks it broken,
 * so the next cr_db_ensure() reconnects; callers answer 503 / retry meanwhile.
 * Every parameter is bound: there is no call that splices values into SQL.
 */
#ifndef CR_DB_H
#define CR_DB_H

#include <stdbool.h>
#include <stdint.h>
#include <libpq-fe.h>

struct cr_db_stmt {
	const char *name;
	const char *sql;
	int nparams;
};

struct cr_db {
	PGconn *conn;
	char *conninfo;
	const struct cr_db_stmt *stmts;	/* NULL-terminated by name == NULL */
	bool broken;
};

/* Does not connect yet. stmts must outlive db. */
void cr_db_init(struct cr_db *db, const char *conninfo, const struct cr_db_stmt *stmts);
/* Connect + prepare if needed; 0 when usable, -1 (logged, rate-limited) otherwise. */
int cr_db_ensure(struct cr_db *db);
void cr_db_close(struct cr_db *db);

/*
 * Execute a prepared statement with text parameters (lengths/formats NULL) or
 * with binary ones (formats[i] = 1 and lengths[i] set). Results in text format
 * unless result_binary. Returns the PGresult (caller PQclear()s it) when its
 * status is COMMAND_OK or TUPLES_OK; otherwise logs, PQclear()s, marks the
 * connection broken if it is gone, and returns NULL. *sqlstate (optional) gets
 * the SQLSTATE of a failed statement ("" when the connection failed).
 */
PGresult *cr_db_exec(struct cr_db *db, const char *stmt, int nparams,
		     const char *const *values, const int *lengths,
		     const int *formats, int result_binary, char sqlstate[6]);

/* Values of result columns in text format: "t", and whole numbers. */
bool pgv_bool(const PGresult *r, int row, int col);
int pgv_int(const PGresult *r, int row, int col);
int64_t pgv_int64(const PGresult *r, int row, int col);

/* Run plain SQL without parameters (BEGIN, COMMIT, ROLLBACK, LISTEN x). 0 or -1. */
int cr_db_command(struct cr_db *db, const char *sql);

/* True when the last failure was the connection, not the statement. */
bool cr_db_is_broken(const struct cr_db *db);

#endif
