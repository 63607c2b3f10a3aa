/*
 * The API's SQL. Each statement is prepared once per connection (common/db.c
 * re-prepares them after a reconnect). Hot paths are single statements:
 * GET /execute/{id} answers the user check, the X-RateLimit numbers and the
 * result in one round trip (S_EXEC_GET).
 */
#include "config.h"

#include "common/result.h"
#include "fcgi/stmts.h"

#define WINDOW "to_timestamp($2::bigint)"
/* The login limits' keys: $1 the email, $2 the client address. */
#define EMAIL_KEY "sha256(convert_to(lower($1::text), 'UTF8'))"
#define ADDR_KEY "sha256(convert_to($2::text, 'UTF8'))"
#define PAIR_KEY "sha256(" ADDR_KEY " || " EMAIL_KEY ")"
#define LOGIN_KEYS "('address', " ADDR_KEY "), ('email', " EMAIL_KEY "), ('pair', " PAIR_KEY ")"
#define LOGIN_WINDOW "now() + make_interval(secs => $3::int)"
#define EPOCH(x) CR_EPOCH(x)
/*
 * A submission's or a language's compile (when it compiles) + time limit (of
 * each of its cases): what ?wait holds for.
 */
#define HOLD_LIMIT(t, cases) "(" t "timeout_seconds * " cases \
	" + CASE WHEN NULLIF(" t "compile_command, '') IS NULL THEN 0 ELSE " t "compile_timeout_seconds END)"
#define SUBMISSION_HOLD_LIMIT(t) HOLD_LIMIT(t, "COALESCE(" t "tests_total, 1)")

/* The columns of S_EXEC_GET and S_EXEC_LIST (enum exec_col): the user, the
 * X-RateLimit numbers ($2 the window start), the submission's result document
 * (common/result.h) and how long ?wait holds it. */
#define EXEC_COLS \
	"SELECT u.is_active, t.requests_per_minute, COALESCE(r.request_count, 0), " \
	CR_RESULT_COLS ", " SUBMISSION_HOLD_LIMIT("s.")
/* A user ($1) may name a callback: a webhook secret, fewer than max ($2) pending deliveries. */
#define WEBHOOK_READY(user, max) \
	"SELECT u.webhook_secret IS NOT NULL AND (SELECT count(*) FROM webhook_deliveries w" \
	" WHERE w.user_id = u.user_id AND w.status = 'pending') < " max "::int" \
	" FROM users u WHERE u.user_id = " user "::uuid"
#define EXEC_USER_JOINS \
	" LEFT JOIN rate_limit_tiers t ON t.tier = u.rate_limit_tier" \
	" LEFT JOIN rate_limit_tracking r ON r.user_id = u.user_id AND r.window_start = " WINDOW

const struct cr_db_stmt api_stmts[] = {
	{ S_AUTH_USER,
	  "SELECT u.is_active, t.requests_per_minute,"
	  " COALESCE((SELECT r.request_count FROM rate_limit_tracking r"
	  "           WHERE r.user_id = u.user_id AND r.window_start = " WINDOW "), 0)"
	  " FROM users u LEFT JOIN rate_limit_tiers t ON t.tier = u.rate_limit_tier"
	  " WHERE u.user_id = $1::uuid", 2 },

	{ S_EXEC_GET,
	  EXEC_COLS " FROM users u" EXEC_USER_JOINS
	  " LEFT JOIN code_submissions s ON s.submission_id = $3::uuid AND s.user_id = u.user_id"
	  CR_RESULT_JOINS
	  " WHERE u.user_id = $1::uuid", 3 },

	/* S_EXEC_GET for each id asked, in the order asked: one row per id, with
	 * null submission columns for an id that is not the user's. */
	{ S_EXEC_LIST,
	  EXEC_COLS ", a.id::text FROM users u" EXEC_USER_JOINS
	  " CROSS JOIN unnest($3::uuid[]) WITH ORDINALITY AS a (id, n)"
	  " LEFT JOIN code_submissions s ON s.submission_id = a.id AND s.user_id = u.user_id"
	  CR_RESULT_JOINS
	  " WHERE u.user_id = $1::uuid ORDER BY a.n", 3 },

	/* The user's row lock serialises every POST /execute of one user across
	 * processes and hosts, so the window count and the unfinished count below
	 * cannot both be read by two requests before either inserts. */
	{ S_CHARGE_LOCK,
	  "SELECT u.is_active, t.requests_per_minute, t.max_concurrent,"
	  " (SELECT count(*) FROM code_submissions c"
	  "  WHERE c.user_id = u.user_id AND c.status IN ('queued', 'running'))"
	  " FROM users u LEFT JOIN rate_limit_tiers t ON t.tier = u.rate_limit_tier"
	  " WHERE u.user_id = $1::uuid FOR UPDATE OF u", 1 },

	{ S_CHARGE_COUNT,
	  "INSERT INTO rate_limit_tracking (user_id, request_count, window_start, window_end)"
	  " VALUES ($1::uuid, $3::int, " WINDOW ", " WINDOW " + interval '60 seconds')"
	  " ON CONFLICT (user_id, window_start)"
	  " DO UPDATE SET request_count = rate_limit_tracking.request_count + EXCLUDED.request_count"
	  " RETURNING request_count", 3 },

	{ S_CHARGE_PRUNE,
	  "DELETE FROM rate_limit_tracking WHERE user_id = $1::uuid AND window_start < " WINDOW, 2 },

	/*
	 * The limits snapshot is copied from the language row in the same
	 * statement, the test cases ($7) and files ($8) go to their tables, and
	 * the worker is woken, all in the same transaction. Cases and files come
	 * as JSON arrays of {"n": name, "i": input, "x": expected} (input and
	 * expected in base64: they are bytes, and may hold NULs) and {"n": name,
	 * "c": content}. Nothing is inserted when the language is not active or
	 * the request is over one of its caps: a limit, the cases' total run time
	 * ($12 ms), a file in the entry file's place.
	 */
	{ S_SUBMIT,
	  "WITH ins AS ("
	  " INSERT INTO code_submissions (user_id, language, source_code, input_data,"
	  "  docker_image, source_file, compile_command, execute_command, timeout_seconds,"
	  "  compile_timeout_seconds, max_memory_mb, max_processes, time_limit_ms,"
	  "  memory_limit_mb, tests_total, compare_mode, compare_epsilon, stop_on_first_failure,"
	  "  files_total, callback_url, callback_host)"
	  " SELECT $1::uuid, l.language_id, $3::text, $4::bytea, l.docker_image, l.source_file,"
	  "  l.compile_command, l.execute_command, l.timeout_seconds,"
	  "  l.compile_timeout_seconds, COALESCE($6::int, l.max_memory_mb), l.max_processes,"
	  "  $5::int, $6::int, json_array_length($7::json), $9::text, $10::float8, $11::boolean,"
	  "  COALESCE(json_array_length($8::json), 0), $13::text, $14::text"
	  " FROM language_configs l WHERE l.language_id = $2::text AND l.is_active"
	  "  AND ($5::int IS NULL OR $5::int <= l.timeout_seconds * 1000)"
	  "  AND ($6::int IS NULL OR $6::int <= l.max_memory_mb)"
	  "  AND ($7::json IS NULL OR json_array_length($7::json)::bigint"
	  "       * COALESCE($5::int, l.timeout_seconds * 1000) <= $12::bigint)"
	  "  AND NOT EXISTS (SELECT 1 FROM json_array_elements($8::json) f"
	  "                  WHERE f->>'n' = l.source_file OR starts_with(f->>'n', l.source_file || '/'))"
	  "  AND ($13::text IS NULL OR (" WEBHOOK_READY("$1", "$15") "))"
	  " RETURNING submission_id, " SUBMISSION_HOLD_LIMIT("") " AS hold_limit),"
	  " cases AS ("
	  " INSERT INTO submission_test_cases (submission_id, case_index, name, input_data,"
	  "  expected_output)"
	  " SELECT ins.submission_id, c.n - 1, c.t->>'n', decode(c.t->>'i', 'base64'),"
	  "  decode(c.t->>'x', 'base64')"
	  " FROM ins, json_array_elements($7::json) WITH ORDINALITY AS c (t, n)),"
	  " files AS ("
	  " INSERT INTO submission_files (submission_id, file_index, name, content)"
	  " SELECT ins.submission_id, f.n - 1, f.t->>'n', f.t->>'c'"
	  " FROM ins, json_array_elements($8::json) WITH ORDINALITY AS f (t, n))"
	  " SELECT submission_id, hold_limit,"
	  "  pg_notify('cr_submission_queued', submission_id::text) FROM ins", 15 },

	/* Why S_SUBMIT refused a callback_url: $1 user -> has a secret, pending deliveries. */
	{ S_WEBHOOK_STATE,
	  "SELECT webhook_secret IS NOT NULL, (SELECT count(*) FROM webhook_deliveries"
	  "  WHERE user_id = $1::uuid AND status = 'pending') FROM users WHERE user_id = $1::uuid", 1 },

	/* POST /webhooks/secret: $1 user, $2 the sealed secret -> the user's id, if active. */
	{ S_WEBHOOK_SECRET,
	  "UPDATE users SET webhook_secret = $2::bytea, updated_at = now()"
	  " WHERE user_id = $1::uuid AND is_active RETURNING user_id", 2 },

	/* Why S_SUBMIT inserted nothing: no active row, or a request over its caps. */
	{ S_LANG_CAPS,
	  "SELECT timeout_seconds * 1000, max_memory_mb, source_file FROM language_configs"
	  " WHERE language_id = $1::text AND is_active", 1 },

	{ S_TESTS, CR_TESTS_SQL, 1 },

	/* One case in full ($1 user, $2 submission, $3 index): the same columns. */
	{ S_TEST_GET,
	  "SELECT t.submission_id::text, t.case_index, c.name, t.status, t.verdict,"
	  " t.stdout, octet_length(t.stdout), t.stderr, octet_length(t.stderr),"
	  " t.stdout_truncated, t.stderr_truncated, t.runtime_error, t.execution_time_ms,"
	  " t.memory_used_kb, t.exit_code, t.exit_signal"
	  " FROM code_submissions s JOIN test_results t ON t.submission_id = s.submission_id"
	  " LEFT JOIN submission_test_cases c"
	  "  ON c.submission_id = t.submission_id AND c.case_index = t.case_index"
	  " WHERE s.submission_id = $2::uuid AND s.user_id = $1::uuid AND t.case_index = $3::int",
	  3 },

	{ S_STATUS, "SELECT status FROM code_submissions WHERE submission_id = $1::uuid", 1 },

	{ S_LONGEST_LIMIT,
	  "SELECT coalesce(max(" HOLD_LIMIT("", "1") "), 0) FROM language_configs WHERE is_active", 0 },

	{ S_LANGUAGES,
	  "SELECT language_id, display_name, timeout_seconds, max_memory_mb"
	  " FROM language_configs WHERE is_active ORDER BY language_id", 0 },

	/* One row at least, so a page past the end still carries the true total. */
	{ S_SUBMISSIONS,
	  "SELECT (SELECT count(*) FROM code_submissions WHERE user_id = $1::uuid),"
	  " p.submission_id, p.language, p.status, " EPOCH("p.submitted_at")
	  " FROM (SELECT 1) one LEFT JOIN ("
	  "  SELECT submission_id, language, status, submitted_at FROM code_submissions"
	  "  WHERE user_id = $1::uuid ORDER BY submitted_at DESC, submission_id DESC"
	  "  LIMIT $2::int OFFSET $3::bigint) p ON true"
	  " ORDER BY p.submitted_at DESC, p.submission_id DESC", 3 },

	{ S_REG_CHECK,
	  "SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1::text)),"
	  " EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($2::text))", 2 },

	{ S_REGISTER,
	  "INSERT INTO users (username, email, password_hash) VALUES ($1, $2, $3)"
	  " RETURNING user_id", 3 },

	{ S_LOGIN,
	  "SELECT user_id, password_hash, is_active FROM users WHERE lower(email) = lower($1::text)", 1 },

	/*
	 * The login limits (db/migrations/010_login_limits.sql, fcgi/h_auth.c):
	 * make or lock the three counters of this attempt, a counter whose window
	 * ended starting a new one. Always in the order address, email, pair (the
	 * order of refunds too), so that two logins never wait for each other's
	 * rows in a circle.
	 */
	{ S_LOGIN_LOCK,
	  "INSERT INTO login_limits AS l (scope, key, failures, window_end, last_at) VALUES"
	  " ('address', " ADDR_KEY ", 0, " LOGIN_WINDOW ", now()),"
	  " ('email', " EMAIL_KEY ", 0, " LOGIN_WINDOW ", now()),"
	  " ('pair', " PAIR_KEY ", 0, " LOGIN_WINDOW ", now())"
	  " ON CONFLICT (scope, key) DO UPDATE SET"
	  "  failures = CASE WHEN l.window_end <= now() THEN 0 ELSE l.failures END,"
	  "  window_end = CASE WHEN l.window_end <= now() THEN EXCLUDED.window_end"
	  "               ELSE l.window_end END"
	  " RETURNING l.scope, l.failures,"
	  "  GREATEST(1, ceil(extract(epoch FROM l.window_end - now())))::int, l.window_end,"
	  "  extract(epoch FROM now() - l.last_at)::float8", 3 },

	/* Count the attempt that is about to be checked (its counters are locked). */
	{ S_LOGIN_COUNT,
	  "UPDATE login_limits SET failures = failures + 1, last_at = now()"
	  " WHERE (scope, key) IN (VALUES " LOGIN_KEYS ")", 2 },

	/* A success gives its own attempt back, in the windows it was counted in only. */
	{ S_LOGIN_REFUND,
	  "WITH v (scope, key, window_end) AS (VALUES"
	  "  ('address', " ADDR_KEY ", $3::timestamptz), ('email', " EMAIL_KEY ", $4::timestamptz),"
	  "  ('pair', " PAIR_KEY ", $5::timestamptz)),"
	  " mine AS (SELECT l.scope, l.key FROM login_limits l JOIN v USING (scope, key)"
	  "  WHERE l.window_end = v.window_end AND l.failures > 0"
	  "  ORDER BY l.scope FOR UPDATE OF l)"
	  " UPDATE login_limits l SET failures = l.failures - 1"
	  " FROM mine WHERE l.scope = mine.scope AND l.key = mine.key", 5 },

	/* SKIP LOCKED: pruning never waits for a login, so it cannot deadlock with one. */
	{ S_LOGIN_PRUNE,
	  "DELETE FROM login_limits WHERE (scope, key) IN"
	  " (SELECT scope, key FROM login_limits WHERE window_end < now() FOR UPDATE SKIP LOCKED)", 0 },

	{ S_HEALTH, "SELECT 1", 0 },

	{ S_M_STATUS, "SELECT status, count(*) FROM code_submissions GROUP BY status", 0 },

	/* pending, delivered, failed, retries, latency p50 and p99 (s) and count, last hour */
	{ S_M_WEBHOOKS,
	  "SELECT count(*) FILTER (WHERE status = 'pending'),"
	  " count(*) FILTER (WHERE status = 'delivered'), count(*) FILTER (WHERE status = 'failed'),"
	  " COALESCE(sum(GREATEST(attempts - 1, 0)), 0),"
	  " percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - created_at))"
	  "  FILTER (WHERE delivered_at > now() - interval '1 hour'),"
	  " percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - created_at))"
	  "  FILTER (WHERE delivered_at > now() - interval '1 hour'),"
	  " count(*) FILTER (WHERE delivered_at > now() - interval '1 hour')"
	  " FROM webhook_deliveries", 0 },

	{ S_M_WORKERS,
	  "SELECT count(*), COALESCE(sum(slots), 0) FROM workers"
	  " WHERE heartbeat_at > now() - interval '60 seconds'", 0 },

	{ NULL, NULL, 0 },
};
