/*
 * A submission's result document: what GET /execute/{id} answers and what a
 * webhook delivers, rendered by one function from the columns CR_RESULT_COLS
 * selects (the API adds its own columns before and after them: base is where
 * they start in a row).
 *
 * Outputs are bytea (the program's bytes) and are made valid UTF-8 here;
 * times are unix seconds, printed as RFC 3339. Fields beyond API.md's appear
 * only for a submission that asked for them: time_limit_ms and
 * memory_limit_mb (its own limits), verdict, tests_passed, tests_total and
 * test_results (test cases), callback (a callback_url).
 */
#ifndef CR_COMMON_RESULT_H
#define CR_COMMON_RESULT_H

#include <libpq-fe.h>
#include <stdbool.h>

struct json_object;

#define CR_EPOCH(x) "floor(extract(epoch FROM " x "))::bigint"

/* A submission s, its result e and its webhook delivery w (CR_RESULT_JOINS). */
#define CR_RESULT_COLS \
	"s.submission_id, s.status, s.language," \
	" " CR_EPOCH("s.submitted_at") ", " CR_EPOCH("s.execution_started_at") "," \
	" " CR_EPOCH("s.execution_completed_at") "," \
	" e.stdout, e.stderr, e.compilation_error, e.runtime_error," \
	" e.execution_time_ms, e.memory_used_kb, e.exit_code, e.exit_signal," \
	" COALESCE(s.time_limit_ms, s.timeout_seconds * 1000), s.max_memory_mb," \
	" s.time_limit_ms IS NOT NULL OR s.memory_limit_mb IS NOT NULL," \
	" s.tests_total, e.tests_passed, e.verdict," \
	" s.callback_url, w.delivery_id, w.status, w.attempts, w.last_status, w.last_error," \
	" " CR_EPOCH("w.delivered_at")
#define CR_RESULT_JOINS \
	" LEFT JOIN execution_results e ON e.submission_id = s.submission_id" \
	" LEFT JOIN webhook_deliveries w ON w.submission_id = s.submission_id"

enum cr_result_col {
	RC_ID, RC_STATUS, RC_LANGUAGE, RC_SUBMITTED, RC_STARTED, RC_COMPLETED, RC_STDOUT,
	RC_STDERR, RC_COMPILE, RC_RUNTIME, RC_TIME_MS, RC_MEMORY_KB, RC_EXIT_CODE,
	RC_EXIT_SIGNAL, RC_TIME_LIMIT_MS, RC_MEMORY_LIMIT_MB, RC_OWN_LIMITS, RC_TESTS_TOTAL,
	RC_TESTS_PASSED, RC_VERDICT, RC_CALLBACK_URL, RC_DELIVERY_ID, RC_DELIVERY_STATE,
	RC_DELIVERY_ATTEMPTS, RC_DELIVERY_STATUS, RC_DELIVERY_ERROR, RC_DELIVERED_AT,
	RC_NCOLS
};

/* The most of each output of a case shown in a result's test_results (all: one case's GET). */
#define CR_TESTS_LISTED_BYTES "8192"

/*
 * The cases of submissions ($1 uuid[]) as listed in their results, outputs
 * cut to CR_TESTS_LISTED_BYTES with their full size beside them; ordered by
 * submission and index. Only for submissions known to be the caller's.
 */
#define CR_TESTS_SQL \
	"SELECT t.submission_id::text, t.case_index, c.name, t.status, t.verdict," \
	" substring(t.stdout FROM 1 FOR " CR_TESTS_LISTED_BYTES "), octet_length(t.stdout)," \
	" substring(t.stderr FROM 1 FOR " CR_TESTS_LISTED_BYTES "), octet_length(t.stderr)," \
	" t.stdout_truncated, t.stderr_truncated, t.runtime_error, t.execution_time_ms," \
	" t.memory_used_kb, t.exit_code, t.exit_signal" \
	" FROM test_results t LEFT JOIN submission_test_cases c" \
	"  ON c.submission_id = t.submission_id AND c.case_index = t.case_index" \
	" WHERE t.submission_id = ANY ($1::uuid[])" \
	" ORDER BY t.submission_id, t.case_index"

/* Columns of CR_TESTS_SQL (and of the API's one-case statement): a test case's result. */
enum cr_test_col {
	TC_ID, TC_INDEX, TC_NAME, TC_STATUS, TC_VERDICT, TC_STDOUT, TC_STDOUT_BYTES, TC_STDERR,
	TC_STDERR_BYTES, TC_STDOUT_TRUNCATED, TC_STDERR_TRUNCATED, TC_RUNTIME, TC_TIME_MS,
	TC_MEMORY_KB, TC_EXIT_CODE, TC_EXIT_SIGNAL,
};

/* Not queued or running. */
bool cr_status_final(const char *status);

/*
 * The document of row (CR_RESULT_COLS from column base), with its test
 * cases' results from tests (CR_TESTS_SQL rows; NULL: none); the caller owns it.
 */
struct json_object *cr_result_json(const PGresult *r, int row, int base, const PGresult *tests);

/* One test case's result document: row of CR_TESTS_SQL's columns. */
struct json_object *cr_test_json(const PGresult *t, int row);

#endif
