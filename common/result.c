/*
 * The result document of a submission (see result.h): one renderer for the
 * API's answers and the webhooks' bodies.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/result.h"
#include "common/timefmt.h"
#include "common/utf8.h"

bool cr_status_final(const char *st)
{
	return strcmp(st, "queued") != 0 && strcmp(st, "running") != 0;
}

static struct json_object *time_or_null(const PGresult *r, int row, int col)
{
	char ts[CR_RFC3339_LEN + 1];

	if (PQgetisnull(r, row, col))
		return NULL;
	cr_time_rfc3339(pgv_int64(r, row, col), ts);
	return json_object_new_string(ts);
}

static struct json_object *int_or_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : json_object_new_int(pgv_int(r, row, col));
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* A bytea column (text format, hex "\x..."), made valid UTF-8; NULL stays null. */
static struct json_object *bytes_or_null(const PGresult *r, int row, int col,
					 struct cr_buf *raw, struct cr_buf *clean)
{
	const char *v;
	size_t len;

	if (PQgetisnull(r, row, col))
		return NULL;
	v = PQgetvalue(r, row, col);
	len = (size_t)PQgetlength(r, row, col);
	cr_buf_reset(raw);
	cr_buf_reset(clean);
	if (len >= 2 && v[0] == '\\' && v[1] == 'x') {
		cr_buf_grow(raw, (len - 2) / 2);
		for (size_t i = 2; i + 1 < len; i += 2) {
			int hi = hexval(v[i]), lo = hexval(v[i + 1]);
			if (hi < 0 || lo < 0)
				break;
			raw->data[raw->len++] = (char)(hi << 4 | lo);
		}
		raw->data[raw->len] = '\0';
	} else {
		/* escape format (bytea_output = escape): let libpq decode it */
		size_t n = 0;
		unsigned char *d = PQunescapeBytea((const unsigned char *)v, &n);
		if (d) {
			cr_buf_add(raw, d, n);
			PQfreemem(d);
		}
	}
	cr_utf8_sanitize(raw->data, raw->len, clean);
	/* json-c escapes NUL as \u0000 when given the length. */
	return json_object_new_string_len(clean->data, (int)clean->len);
}

/* API.md: in a final status stdout and stderr are strings, "" when nothing was written. */
static struct json_object *output(const PGresult *r, int row, int col, struct cr_buf *raw,
				  struct cr_buf *clean)
{
	struct json_object *v = bytes_or_null(r, row, col, raw, clean);

	return v ? v : json_object_new_string("");
}

static struct json_object *text_or_null(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	return json_object_new_string_len(PQgetvalue(r, row, col), PQgetlength(r, row, col));
}

static struct json_object *bool_or_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : json_object_new_boolean(pgv_bool(r, row, col));
}

/* A test case's result: row of S_TESTS or S_TEST_GET. */
static struct json_object *test_json(const PGresult *t, int row, struct cr_buf *raw,
				     struct cr_buf *clean)
{
	struct json_object *o = json_object_new_object();
	bool ran = !PQgetisnull(t, row, TC_STATUS);

	json_object_object_add(o, "index", int_or_null(t, row, TC_INDEX));
	json_object_object_add(o, "name", text_or_null(t, row, TC_NAME));
	json_object_object_add(o, "status", text_or_null(t, row, TC_STATUS));
	json_object_object_add(o, "verdict", text_or_null(t, row, TC_VERDICT));
	json_object_object_add(o, "stdout", ran ? output(t, row, TC_STDOUT, raw, clean) : NULL);
	json_object_object_add(o, "stderr", ran ? output(t, row, TC_STDERR, raw, clean) : NULL);
	json_object_object_add(o, "stdout_bytes", ran ? json_object_new_int(
		PQgetisnull(t, row, TC_STDOUT_BYTES) ? 0 : pgv_int(t, row, TC_STDOUT_BYTES)) : NULL);
	json_object_object_add(o, "stderr_bytes", ran ? json_object_new_int(
		PQgetisnull(t, row, TC_STDERR_BYTES) ? 0 : pgv_int(t, row, TC_STDERR_BYTES)) : NULL);
	json_object_object_add(o, "stdout_truncated", bool_or_null(t, row, TC_STDOUT_TRUNCATED));
	json_object_object_add(o, "stderr_truncated", bool_or_null(t, row, TC_STDERR_TRUNCATED));
	json_object_object_add(o, "runtime_error", text_or_null(t, row, TC_RUNTIME));
	json_object_object_add(o, "execution_time_ms", int_or_null(t, row, TC_TIME_MS));
	json_object_object_add(o, "memory_used_kb", int_or_null(t, row, TC_MEMORY_KB));
	json_object_object_add(o, "exit_code", int_or_null(t, row, TC_EXIT_CODE));
	json_object_object_add(o, "exit_signal", int_or_null(t, row, TC_EXIT_SIGNAL));
	return o;
}

/* The test_results of submission id: the rows of tests (S_TESTS) that are its. */
static struct json_object *tests_json(const PGresult *tests, const char *id, struct cr_buf *raw,
				      struct cr_buf *clean)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; tests && i < PQntuples(tests); i++)
		if (strcmp(PQgetvalue(tests, i, TC_ID), id) == 0)
			json_object_array_add(a, test_json(tests, i, raw, clean));
	return a;
}

/*
 * The webhook of a submission that named a callback_url: where, and what
 * became of the delivery ("pending" until the worker has made its row).
 */
static struct json_object *callback_json(const PGresult *r, int row, const int *c)
{
	struct json_object *o = json_object_new_object();
	bool made = !PQgetisnull(r, row, c[RC_DELIVERY_ID]);

	json_object_object_add(o, "url", text_or_null(r, row, c[RC_CALLBACK_URL]));
	json_object_object_add(o, "delivery_id", text_or_null(r, row, c[RC_DELIVERY_ID]));
	json_object_object_add(o, "state", made ? text_or_null(r, row, c[RC_DELIVERY_STATE])
					      : json_object_new_string("pending"));
	json_object_object_add(o, "attempts", made ? int_or_null(r, row, c[RC_DELIVERY_ATTEMPTS])
						   : json_object_new_int(0));
	json_object_object_add(o, "last_status", int_or_null(r, row, c[RC_DELIVERY_STATUS]));
	json_object_object_add(o, "last_error", text_or_null(r, row, c[RC_DELIVERY_ERROR]));
	json_object_object_add(o, "delivered_at", time_or_null(r, row, c[RC_DELIVERED_AT]));
	return o;
}

struct json_object *cr_result_json(const PGresult *r, int row, int base, const PGresult *tests)
{
	struct json_object *o = json_object_new_object();
	struct cr_buf raw, clean;
	int c[RC_NCOLS];
	bool done;

	for (int i = 0; i < RC_NCOLS; i++)
		c[i] = base + i;
	done = cr_status_final(PQgetvalue(r, row, c[RC_STATUS]));
	cr_buf_init(&raw, 0);
	cr_buf_init(&clean, 0);
	json_object_object_add(o, "submission_id", text_or_null(r, row, c[RC_ID]));
	json_object_object_add(o, "status", text_or_null(r, row, c[RC_STATUS]));
	json_object_object_add(o, "language", text_or_null(r, row, c[RC_LANGUAGE]));
	json_object_object_add(o, "stdout", done ? output(r, row, c[RC_STDOUT], &raw, &clean) : NULL);
	json_object_object_add(o, "stderr", done ? output(r, row, c[RC_STDERR], &raw, &clean) : NULL);
	json_object_object_add(o, "compilation_error",
			       done ? bytes_or_null(r, row, c[RC_COMPILE], &raw, &clean) : NULL);
	json_object_object_add(o, "runtime_error", done ? text_or_null(r, row, c[RC_RUNTIME]) : NULL);
	json_object_object_add(o, "execution_time_ms",
			       done ? int_or_null(r, row, c[RC_TIME_MS]) : NULL);
	json_object_object_add(o, "memory_used_kb",
			       done ? int_or_null(r, row, c[RC_MEMORY_KB]) : NULL);
	json_object_object_add(o, "exit_code", done ? int_or_null(r, row, c[RC_EXIT_CODE]) : NULL);
	json_object_object_add(o, "exit_signal",
			       done ? int_or_null(r, row, c[RC_EXIT_SIGNAL]) : NULL);
	json_object_object_add(o, "submitted_at", time_or_null(r, row, c[RC_SUBMITTED]));
	json_object_object_add(o, "started_at", time_or_null(r, row, c[RC_STARTED]));
	json_object_object_add(o, "completed_at",
			       done ? time_or_null(r, row, c[RC_COMPLETED]) : NULL);
	/*
	 * The limits it ran under, when the request asked for its own (lower than
	 * the language's), the verdicts of its test cases, when it had some, and
	 * its webhook, when it named one; otherwise the document is API.md's,
	 * field for field.
	 */
	if (pgv_bool(r, row, c[RC_OWN_LIMITS])) {
		json_object_object_add(o, "time_limit_ms", int_or_null(r, row, c[RC_TIME_LIMIT_MS]));
		json_object_object_add(o, "memory_limit_mb",
				       int_or_null(r, row, c[RC_MEMORY_LIMIT_MB]));
	}
	if (!PQgetisnull(r, row, c[RC_TESTS_TOTAL])) {
		json_object_object_add(o, "verdict", done ? text_or_null(r, row, c[RC_VERDICT]) : NULL);
		json_object_object_add(o, "tests_passed",
				       done ? int_or_null(r, row, c[RC_TESTS_PASSED]) : NULL);
		json_object_object_add(o, "tests_total", int_or_null(r, row, c[RC_TESTS_TOTAL]));
		json_object_object_add(o, "test_results", done ? tests_json(tests,
				       PQgetvalue(r, row, c[RC_ID]), &raw, &clean) : NULL);
	}
	if (!PQgetisnull(r, row, c[RC_CALLBACK_URL]))
		json_object_object_add(o, "callback", callback_json(r, row, c));
	cr_buf_release(&raw);
	cr_buf_release(&clean);
	return o;
}

struct json_object *cr_test_json(const PGresult *t, int row)
{
	struct cr_buf raw, clean;
	struct json_object *o;

	cr_buf_init(&raw, 0);
	cr_buf_init(&clean, 0);
	o = test_json(t, row, &raw, &clean);
	cr_buf_release(&raw);
	cr_buf_release(&clean);
	return o;
}
