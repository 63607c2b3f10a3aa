/*
 * One self-healing PostgreSQL connection per process (see db.h).
 *
 * Theory of operation: cr_db_ensure() is called at the start of each unit of
 * work. It connects (with connect_timeout=5 unless the conninfo says
 * otherwise) and PQprepare()s every registered statement once per connection.
 * When a call fails and PQstatus() says the connection is gone (the server
 * restarted, the network dropped), the connection is marked broken; the
 * caller answers 503 or retries, and the next cr_db_ensure() builds a fresh
 * connection and prepares again. While the database is down every request
 * would log "could not connect", so that line is throttled.
 *
 * Nothing here logs parameter values or the conninfo: they can hold
 * passwords and submitted source. Server messages of SQLSTATE class 22 (data
 * exception) quote the offending input, so only their code is logged, and the
 * DETAIL field (which echoes key values) is never logged.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "common/xalloc.h"

#define CONNECT_LOG_INTERVAL_MS 5000

/* Shared by the connections of a process, which threads use (atomics). */
static int64_t last_connect_log_ms = INT64_MIN / 2;

/* libpq messages end with a newline; copy without it for a one-line log. */
static void one_line(const char *msg, char *out, size_t outlen)
{
	size_t n;

	snprintf(out, outlen, "%s", msg ? msg : "");
	n = strlen(out);
	while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
}

void cr_db_init(struct cr_db *db, const char *conninfo, const struct cr_db_stmt *stmts)
{
	db->conn = NULL;
	db->conninfo = cr_xstrdup(conninfo ? conninfo : "");
	db->stmts = stmts;
	db->broken = false;
}

void cr_db_close(struct cr_db *db)
{
	if (!db)
		return;
	if (db->conn)
		PQfinish(db->conn);
	db->conn = NULL;
	free(db->conninfo);
	db->conninfo = NULL;
	db->broken = false;
}

static void drop(struct cr_db *db)
{
	if (db->conn)
		PQfinish(db->conn);
	db->conn = NULL;
	db->broken = true;
}

/*
 * Server notices, and the FATAL a server sends before it closes a connection
 * on shutdown, would go to stderr raw from libpq's default processor; route
 * them through the log so every line keeps its format.
 */
static void notice_to_log(void *arg, const char *message)
{
	char line[512];

	(void)arg;
	one_line(message, line, sizeof(line));
	cr_warn("database notice: %s", line);
}

static int connect_and_prepare(struct cr_db *db)
{
	/*
	 * connect_timeout comes first: with expand_dbname the conninfo is
	 * expanded in place and a later value wins, so a connect_timeout the
	 * operator wrote in database_url overrides our default.
	 */
	const char *const keys[] = { "connect_timeout", "dbname", NULL };
	const char *const vals[] = { "5", db->conninfo, NULL };
	char why[512];
	int64_t now;

	db->conn = PQconnectdbParams(keys, vals, 1);
	if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
		now = cr_monotonic_ms();
		int64_t last = __atomic_load_n(&last_connect_log_ms, __ATOMIC_RELAXED);
		if (now - last >= CONNECT_LOG_INTERVAL_MS &&
		    __atomic_compare_exchange_n(&last_connect_log_ms, &last, now, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
			one_line(db->conn ? PQerrorMessage(db->conn) : "out of memory",
				 why, sizeof(why));
			cr_error("could not connect to the database: %s", why);
		}
		drop(db);
		return -1;
	}
	PQsetNoticeProcessor(db->conn, notice_to_log, NULL);
	if (PQsetClientEncoding(db->conn, "UTF8") != 0) {
		one_line(PQerrorMessage(db->conn), why, sizeof(why));
		cr_error("could not set client encoding to UTF8: %s", why);
		drop(db);
		return -1;
	}
	for (const struct cr_db_stmt *s = db->stmts; s && s->name; s++) {
		PGresult *res = PQprepare(db->conn, s->name, s->sql, s->nparams, NULL);

		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			one_line(res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn),
				 why, sizeof(why));
			cr_error("could not prepare statement \"%s\": %s", s->name, why);
			PQclear(res);
			drop(db);
			return -1;
		}
		PQclear(res);
	}
	db->broken = false;
	if (__atomic_exchange_n(&last_connect_log_ms, INT64_MIN / 2, __ATOMIC_RELAXED) >
	    INT64_MIN / 2)
		cr_info("connected to the database");
	return 0;
}

int cr_db_ensure(struct cr_db *db)
{
	if (db->conn && !db->broken && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	if (db->conn)
		drop(db);
	return connect_and_prepare(db);
}

bool cr_db_is_broken(const struct cr_db *db)
{
	return db->broken || !db->conn || PQstatus(db->conn) != CONNECTION_OK;
}

/* The server is shutting down or the link failed: reconnect before reuse. */
/*
 * Every error the server reports carries a SQLSTATE; one without is libpq's
 * own, and after a server restart that is "server closed the connection
 * unexpectedly" while PQstatus() still says CONNECTION_OK. So no SQLSTATE
 * counts as a lost connection too: the next cr_db_ensure() starts afresh.
 */
static bool connection_lost(struct cr_db *db, const char *sqlstate)
{
	return PQstatus(db->conn) != CONNECTION_OK || sqlstate[0] == '\0' ||
	       strncmp(sqlstate, "08", 2) == 0 || strncmp(sqlstate, "57P", 3) == 0;
}

/* Log a failed statement without anything that may echo parameter values. */
static void log_failure(struct cr_db *db, const char *what, const PGresult *res,
			const char *sqlstate)
{
	char why[512];
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (!primary)
		primary = PQerrorMessage(db->conn);
	if (strncmp(sqlstate, "22", 2) == 0) {
		cr_warn("statement \"%s\" failed: sqlstate=%s (data exception)",
			what, sqlstate);
		return;
	}
	one_line(primary, why, sizeof(why));
	/* Class 23 (unique violation...) is routine: callers map it to 409. */
	if (strncmp(sqlstate, "23", 2) == 0)
		cr_info("statement \"%s\" failed: sqlstate=%s %s", what, sqlstate, why);
	else
		cr_error("statement \"%s\" failed: sqlstate=%s %s", what,
			 *sqlstate ? sqlstate : "none", why);
}

/*
 * Common tail of exec and command: returns res if it succeeded, otherwise
 * logs, clears it, marks the connection broken if it is gone, and returns NULL.
 */
static PGresult *check(struct cr_db *db, const char *what, PGresult *res,
		       char sqlstate[6])
{
	ExecStatusType st = PQresultStatus(res);
	const char *code;
	char state[6] = "";

	if (res && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)) {
		if (sqlstate)
			sqlstate[0] = '\0';
		return res;
	}
	code = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (code)
		snprintf(state, sizeof(state), "%s", code);
	log_failure(db, what, res, state);
	PQclear(res);
	if (connection_lost(db, state)) {
		db->broken = true;
		state[0] = '\0';
	}
	if (sqlstate)
		memcpy(sqlstate, state, sizeof(state));
	return NULL;
}

PGresult *cr_db_exec(struct cr_db *db, const char *stmt, int nparams,
		     const char *const *values, const int *lengths,
		     const int *formats, int result_binary, char sqlstate[6])
{
	if (!db->conn || db->broken) {
		if (sqlstate)
			sqlstate[0] = '\0';
		db->broken = true;
		return NULL;
	}
	return check(db, stmt,
		     PQexecPrepared(db->conn, stmt, nparams, values, lengths,
				    formats, result_binary), sqlstate);
}

int cr_db_command(struct cr_db *db, const char *sql)
{
	PGresult *res;

	if (!db->conn || db->broken) {
		db->broken = true;
		return -1;
	}
	res = check(db, sql, PQexec(db->conn, sql), NULL);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

bool pgv_bool(const PGresult *r, int row, int col)
{
	const char *v = PQgetvalue(r, row, col);
	return v && v[0] == 't';
}

int pgv_int(const PGresult *r, int row, int col)
{
	return (int)strtol(PQgetvalue(r, row, col), NULL, 10);
}

int64_t pgv_int64(const PGresult *r, int row, int col)
{
	return (int64_t)strtoll(PQgetvalue(r, row, col), NULL, 10);
}
