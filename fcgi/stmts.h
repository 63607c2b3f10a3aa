/*
 * Every SQL statement of the API, prepared once per connection by common/db.
 * Names are the S_* macros; parameters are always bound (never spliced).
 * Times come back as whole unix seconds (floor of the epoch), so that C can
 * print them as RFC 3339 with cr_time_rfc3339().
 */
#ifndef CR_FCGI_STMTS_H
#define CR_FCGI_STMTS_H

#include "common/db.h"
#include "common/result.h"

#define S_AUTH_USER	"auth_user"	/* $1 user, $2 window start -> active, rpm, count */
#define S_EXEC_GET	"exec_get"	/* $1 user, $2 window start, $3 submission -> see h_execute.c */
#define S_EXEC_LIST	"exec_list"	/* $1 user, $2 window start, $3 uuid[] -> a row per id, in order */
#define S_CHARGE_LOCK	"charge_lock"	/* $1 user -> active, rpm, max_concurrent, unfinished */
#define S_CHARGE_COUNT	"charge_count"	/* $1 user, $2 window start, $3 calls -> request_count */
#define S_CHARGE_PRUNE	"charge_prune"	/* $1 user, $2 window start */
#define S_SUBMIT	"submit"	/* $1 user, $2 language, $3 source, $4 input (bytea), $5 time ms, $6 memory mb (NULL: the language's), $7 cases, $8 files (json), $9 compare, $10 epsilon, $11 stop, $12 max cases x time ms, $13 callback_url, $14 its host, $15 max pending deliveries -> id, hold */
#define S_WEBHOOK_STATE	"webhook_state"	/* $1 user -> has a secret, pending deliveries */
#define S_WEBHOOK_SECRET "webhook_secret"	/* $1 user, $2 sealed secret -> user_id (active only) */
#define S_TESTS		"tests"		/* $1 uuid[] -> the cases of those submissions (CR_TESTS_SQL) */
#define S_TEST_GET	"test_get"	/* $1 user, $2 submission, $3 case index -> one case in full */
#define S_LANG_CAPS	"lang_caps"	/* $1 language -> time limit ms, memory limit mb (active only) */
#define S_STATUS	"status"	/* $1 submission -> status */
#define S_LONGEST_LIMIT	"longest_limit"	/* -> the longest compile + time limit, active languages */
#define S_LANGUAGES	"languages"
#define S_SUBMISSIONS	"submissions"	/* $1 user, $2 limit, $3 offset -> total, id, lang, status, t */
#define S_REG_CHECK	"reg_check"	/* $1 username, $2 email -> username taken, email taken */
#define S_REGISTER	"register"	/* $1 username, $2 email, $3 hash -> user_id */
#define S_LOGIN		"login"		/* $1 email -> user_id, hash, active */
#define S_LOGIN_LOCK	"login_lock"	/* $1 email, $2 address, $3 window s -> see below */
#define S_LOGIN_COUNT	"login_count"	/* $1 email, $2 address */
#define S_LOGIN_REFUND	"login_refund"	/* $1 email, $2 address, $3-$5 window_end of each scope */
#define S_LOGIN_PRUNE	"login_prune"	/* expired login windows */
#define S_HEALTH	"health"
#define S_M_STATUS	"m_status"	/* status, count */
#define S_M_WORKERS	"m_workers"	/* live workers, their slots */
#define S_M_WEBHOOKS	"m_webhooks"	/* webhook deliveries: see stmts.c */

/*
 * Columns of S_EXEC_GET, and of S_EXEC_LIST, which adds the id asked
 * (EG_ASKED): the user's, then the result's (common/result.h) from EG_RESULT.
 */
enum exec_col {
	EG_ACTIVE, EG_RPM, EG_COUNT, EG_RESULT,
	EG_ID = EG_RESULT + RC_ID,
	EG_STATUS = EG_RESULT + RC_STATUS,
	EG_TESTS_TOTAL = EG_RESULT + RC_TESTS_TOTAL,
	EG_HOLD_LIMIT = EG_RESULT + RC_NCOLS,
	EG_ASKED,
};

/* Columns of S_LOGIN_LOCK: one row per counter (scope "address", "email", "pair"). */
enum login_col { LL_SCOPE, LL_FAILURES, LL_WINDOW_LEFT, LL_WINDOW_END, LL_SINCE_LAST };

extern const struct cr_db_stmt api_stmts[];

#endif
