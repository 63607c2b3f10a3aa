/*
 * The PostgreSQL queue (see queue.h for the state machine and the fencing).
 *
 * Each transition is one statement, so it is one transaction with one round
 * trip: finish, give-back and sweep use data-modifying CTEs that update the
 * submission, write the result row and pg_notify() together. A fenced-out
 * statement returns no row and changes nothing. NOTIFY is delivered at commit,
 * so a listener that is woken always finds the row in its new state.
 *
 * Outputs are bound as binary bytea parameters: a program's bytes (NUL,
 * invalid UTF-8) are stored exactly and made valid JSON only when served.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/base64url.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "worker/queue.h"
#include "worker/verdict.h"

/* The client sees this; the detail (dockerd's message...) stays in last_error. */
#define INTERNAL_ERROR_MESSAGE "'the platform could not run this submission (' || attempts || ' attempts)'"

/*
 * The webhook outbox: a submission s made final whose cond holds and that
 * named a callback_url gets its delivery row in the same statement (so in the
 * same transaction as its result), and WEBHOOK_NOTIFY wakes the delivery
 * process (worker/webhook.c) at commit. s must return submission_id, user_id,
 * callback_url and callback_host.
 */
#define WEBHOOK_OUTBOX(cond) \
	"w AS (INSERT INTO webhook_deliveries (submission_id, user_id, url, host) " \
	"      SELECT submission_id, user_id, callback_url, callback_host FROM s " \
	"      WHERE callback_url IS NOT NULL AND " cond " " \
	"      ON CONFLICT (submission_id) DO NOTHING RETURNING delivery_id) "
#define WEBHOOK_NOTIFY \
	"(SELECT count(*) FROM (SELECT pg_notify('" QUEUE_CHANNEL_WEBHOOK "', delivery_id::text) " \
	"                      FROM w) n)"
#define FINAL_RETURNING "submission_id, status, attempts, user_id, callback_url, callback_host"

#define RESULT_FOR_INTERNAL_ERROR \
	"r AS (INSERT INTO execution_results (submission_id, runtime_error, attempt) " \
	"      SELECT submission_id, " INTERNAL_ERROR_MESSAGE ", attempts FROM s " \
	"      WHERE status = 'internal_error' ON CONFLICT (submission_id) DO NOTHING), " \
	WEBHOOK_OUTBOX("status = 'internal_error'") \
	"SELECT status, pg_notify(CASE WHEN status = 'queued' THEN '" QUEUE_CHANNEL_QUEUED "' " \
	"                         ELSE '" QUEUE_CHANNEL_DONE "' END, submission_id::text), " \
	WEBHOOK_NOTIFY " FROM s"

/*
 * Back to the queue, or internal_error when lost is true. Columns in SET and
 * CASE are the values before this update.
 */
#define REQUEUE_OR_FAIL(lost) \
	"status = CASE WHEN " lost " THEN 'internal_error' ELSE 'queued' END, " \
	"lease_owner = NULL, lease_until = NULL, " \
	"execution_started_at = CASE WHEN " lost " THEN c.execution_started_at END, " \
	"execution_completed_at = CASE WHEN " lost " THEN now() END, "

/* A lease expired: the claim counts against the program ($1 = max_attempts). */
#define LEASE_LOST "c.attempts - c.give_backs >= $1::int"
/* A platform failure given back ($6 = failure, $5 = max_platform_failures). */
#define FAILURES_LOST "($6::boolean AND c.platform_failures + 1 >= $5::int)"

const struct cr_db_stmt queue_stmts[] = {
	{ "queue_claim",
	  "UPDATE code_submissions SET status = 'running', attempts = attempts + 1, "
	  "       lease_owner = $1, lease_until = now() + make_interval(secs => $2::int), "
	  "       execution_started_at = now() "
	  "WHERE submission_id = (SELECT submission_id FROM code_submissions "
	  "                       WHERE status = 'queued' "
	  "                         AND (not_before IS NULL OR not_before <= now()) "
	  "                       ORDER BY submitted_at "
	  "                       LIMIT 1 FOR UPDATE SKIP LOCKED) "
	  "RETURNING submission_id::text, attempts, language, source_code, input_data, "
	  "          docker_image, source_file, compile_command, execute_command, "
	  "          timeout_seconds, compile_timeout_seconds, max_memory_mb, max_processes, "
	  "          (SELECT l.isolation FROM language_configs l "
	  "           WHERE l.language_id = code_submissions.language), "
	  "          pg_notify('" QUEUE_CHANNEL_RUNNING "', submission_id::text), "
	  "          COALESCE(time_limit_ms, timeout_seconds * 1000), "
	  "          (SELECT l.max_memory_mb FROM language_configs l "
	  "           WHERE l.language_id = code_submissions.language), "
	  "          tests_total, compare_mode, compare_epsilon, stop_on_first_failure, "
	  "          files_total",
	  2 },
	/* Binary results: the bytes as they are (queue_load()). */
	{ "queue_cases",
	  "SELECT input_data, expected_output FROM submission_test_cases "
	  "WHERE submission_id = $1::uuid ORDER BY case_index",
	  1 },
	{ "queue_files",
	  "SELECT name, content FROM submission_files "
	  "WHERE submission_id = $1::uuid ORDER BY file_index",
	  1 },
	{ "queue_renew",
	  "UPDATE code_submissions SET lease_until = now() + make_interval(secs => $4::int) "
	  "WHERE submission_id = $1::uuid AND attempts = $2::int AND lease_owner = $3 "
	  "  AND status = 'running'",
	  4 },
	{ "queue_finish",
	  "WITH s AS (UPDATE code_submissions SET status = $4::varchar, "
	  "                  execution_completed_at = now(), lease_until = NULL "
	  "           WHERE submission_id = $1::uuid AND attempts = $2::int "
	  "             AND lease_owner = $3 AND status = 'running' "
	  "           RETURNING " FINAL_RETURNING "), "
	  "r AS (INSERT INTO execution_results (submission_id, stdout, stderr, stdout_truncated, "
	  "        stderr_truncated, compilation_error, runtime_error, execution_time_ms, "
	  "        memory_used_kb, exit_code, exit_signal, attempt, tests_passed, verdict) "
	  "      SELECT submission_id, $5::bytea, $6::bytea, $7::boolean, $8::boolean, $9::bytea, "
	  "             $10::text, $11::int, $12::int, $13::int, $14::int, attempts, $16::int, "
	  "             $17::text FROM s "
	  "      ON CONFLICT (submission_id) DO UPDATE SET stdout = EXCLUDED.stdout, "
	  "        stderr = EXCLUDED.stderr, stdout_truncated = EXCLUDED.stdout_truncated, "
	  "        stderr_truncated = EXCLUDED.stderr_truncated, "
	  "        compilation_error = EXCLUDED.compilation_error, "
	  "        runtime_error = EXCLUDED.runtime_error, "
	  "        execution_time_ms = EXCLUDED.execution_time_ms, "
	  "        memory_used_kb = EXCLUDED.memory_used_kb, exit_code = EXCLUDED.exit_code, "
	  "        exit_signal = EXCLUDED.exit_signal, attempt = EXCLUDED.attempt, "
	  "        tests_passed = EXCLUDED.tests_passed, verdict = EXCLUDED.verdict, "
	  "        created_at = now() "
	  "      RETURNING submission_id), "
	  /* every case has a row (skipped ones too): a retried run replaces them all */
	  "t AS (INSERT INTO test_results (submission_id, case_index, status, verdict, stdout, "
	  "        stderr, stdout_truncated, stderr_truncated, runtime_error, execution_time_ms, "
	  "        memory_used_kb, exit_code, exit_signal, attempt) "
	  "      SELECT s.submission_id, (c.n - 1)::int, c.t->>'s', c.t->>'v', "
	  "             decode(c.t->>'o', 'base64'), decode(c.t->>'e', 'base64'), "
	  "             (c.t->>'ot')::boolean, (c.t->>'et')::boolean, c.t->>'r', "
	  "             (c.t->>'tm')::int, (c.t->>'mk')::int, (c.t->>'xc')::int, "
	  "             (c.t->>'xs')::int, s.attempts "
	  "      FROM s, json_array_elements($15::json) WITH ORDINALITY AS c (t, n) "
	  "      ON CONFLICT (submission_id, case_index) DO UPDATE SET status = EXCLUDED.status, "
	  "        verdict = EXCLUDED.verdict, stdout = EXCLUDED.stdout, stderr = EXCLUDED.stderr, "
	  "        stdout_truncated = EXCLUDED.stdout_truncated, "
	  "        stderr_truncated = EXCLUDED.stderr_truncated, "
	  "        runtime_error = EXCLUDED.runtime_error, "
	  "        execution_time_ms = EXCLUDED.execution_time_ms, "
	  "        memory_used_kb = EXCLUDED.memory_used_kb, exit_code = EXCLUDED.exit_code, "
	  "        exit_signal = EXCLUDED.exit_signal, attempt = EXCLUDED.attempt), "
	  WEBHOOK_OUTBOX("true")
	  "SELECT pg_notify('" QUEUE_CHANNEL_DONE "', submission_id::text), " WEBHOOK_NOTIFY
	  " FROM r",
	  17 },
	/*
	 * A failure backs off 1, 2, 4 ... 60 s before the next claim; a shutdown
	 * is requeued at once and costs the submission nothing.
	 */
	{ "queue_give_back",
	  "WITH s AS (UPDATE code_submissions c SET " REQUEUE_OR_FAIL(FAILURES_LOST)
	  "                  last_error = $4::text, give_backs = c.give_backs + 1, "
	  "                  platform_failures = c.platform_failures + $6::boolean::int, "
	  "                  not_before = CASE WHEN $6::boolean THEN now() + "
	  "                    make_interval(secs => least(60, 2 ^ least(c.platform_failures, 6))) END "
	  "           WHERE submission_id = $1::uuid AND attempts = $2::int "
	  "             AND lease_owner = $3 AND status = 'running' "
	  "           RETURNING " FINAL_RETURNING "), "
	  RESULT_FOR_INTERNAL_ERROR,
	  6 },
	{ "queue_sweep",
	  "WITH x AS (SELECT submission_id FROM code_submissions "
	  "           WHERE status = 'running' AND lease_until < now() "
	  "           FOR UPDATE SKIP LOCKED), "
	  "s AS (UPDATE code_submissions c SET " REQUEUE_OR_FAIL(LEASE_LOST)
	  "             last_error = 'lease of ' || coalesce(c.lease_owner, 'unknown') || ' expired' "
	  "      FROM x WHERE c.submission_id = x.submission_id "
	  "      RETURNING c.submission_id, c.status, c.attempts, c.user_id, c.callback_url, "
	  "                c.callback_host), "
	  RESULT_FOR_INTERNAL_ERROR,
	  1 },
	{ "queue_expire_owner",
	  "UPDATE code_submissions SET lease_until = now() - interval '1 second' "
	  "WHERE lease_owner = $1 AND status = 'running'",
	  1 },
	{ "queue_heartbeat",
	  "INSERT INTO workers (worker_id, hostname, pid, slots) VALUES ($1, $2, $3::int, $4::int) "
	  "ON CONFLICT (worker_id) DO UPDATE SET hostname = EXCLUDED.hostname, "
	  "  pid = EXCLUDED.pid, slots = EXCLUDED.slots, heartbeat_at = now()",
	  4 },
	{ "queue_worker_gone",
	  "DELETE FROM workers WHERE worker_id = $1",
	  1 },
	{ "queue_worker_alive",
	  "SELECT hostname, pid, heartbeat_at > now() - make_interval(secs => $2::int) "
	  "FROM workers WHERE worker_id = $1",
	  2 },
	{ "queue_active_images",
	  "SELECT DISTINCT docker_image FROM language_configs WHERE is_active ORDER BY 1",
	  0 },
	{ NULL, NULL, 0 },
};

void queue_job_free(struct queue_job *job)
{
	if (!job)
		return;
	free(job->language);
	free(job->source.data);
	free(job->input.data);
	free(job->image);
	free(job->source_file);
	free(job->compile_command);
	free(job->execute_command);
	free(job->isolation);
	free(job->compare);
	for (int i = 0; i < job->ncases; i++) {
		free(job->cases[i].stdin_data.data);
		free(job->cases[i].expected.data);
	}
	free(job->cases);
	for (int i = 0; i < job->nfiles; i++) {
		free(job->files[i].name);
		free(job->files[i].data.data);
	}
	free(job->files);
	memset(job, 0, sizeof(*job));
}

static char *field(const PGresult *res, int col)
{
	return PQgetisnull(res, 0, col) ? NULL : cr_xstrdup(PQgetvalue(res, 0, col));
}

/* Column col of row as owned bytes (binary result: exactly the stored bytes). */
static void take_bytes(const PGresult *res, int row, int col, struct cr_bytes *b)
{
	b->len = (size_t)PQgetlength(res, row, col);
	b->data = cr_xmalloc(b->len + 1);
	memcpy(b->data, PQgetvalue(res, row, col), b->len);
	b->data[b->len] = '\0';
}

/* The rows of stmt for the job, which must be exactly want: NULL on a mismatch. */
static PGresult *load(struct cr_db *db, const char *stmt, const struct queue_job *job, int want)
{
	const char *values[1] = { job->id };
	PGresult *res = cr_db_exec(db, stmt, 1, values, NULL, NULL, 1, NULL);

	if (res && PQntuples(res) != want) {
		cr_error("submission %s has %d rows of %s, not %d", job->id, PQntuples(res),
			 stmt, want);
		PQclear(res);
		return NULL;
	}
	return res;
}

static int load_cases(struct cr_db *db, struct queue_job *job)
{
	int n = job->ncases;
	PGresult *res;

	job->ncases = 0;
	if (n == 0)
		return 0;
	if (!(res = load(db, "queue_cases", job, n)))
		return -1;
	job->cases = cr_xcalloc((size_t)n, sizeof(*job->cases));
	for (int i = 0; i < n; i++) {
		take_bytes(res, i, 0, &job->cases[i].stdin_data);
		job->cases[i].has_expected = !PQgetisnull(res, i, 1);
		if (job->cases[i].has_expected)
			take_bytes(res, i, 1, &job->cases[i].expected);
	}
	job->ncases = n;
	PQclear(res);
	return 0;
}

static int load_files(struct cr_db *db, struct queue_job *job)
{
	int n = job->nfiles;
	PGresult *res;

	job->nfiles = 0;
	if (n == 0)
		return 0;
	if (!(res = load(db, "queue_files", job, n)))
		return -1;
	job->files = cr_xcalloc((size_t)n, sizeof(*job->files));
	for (int i = 0; i < n; i++) {
		job->files[i].name = cr_xstrdup(PQgetvalue(res, i, 0));
		take_bytes(res, i, 1, &job->files[i].data);
	}
	job->nfiles = n;
	PQclear(res);
	return 0;
}

int queue_claim(struct cr_db *db, const char *owner, int lease_seconds, struct queue_job *job)
{
	char lease[16];
	const char *values[2] = { owner, lease };
	PGresult *res;
	unsigned char *input;
	size_t input_len = 0;

	memset(job, 0, sizeof(*job));
	snprintf(lease, sizeof(lease), "%d", lease_seconds);
	res = cr_db_exec(db, "queue_claim", 2, values, NULL, NULL, 0, NULL);
	if (!res)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	snprintf(job->id, sizeof(job->id), "%s", PQgetvalue(res, 0, 0));
	job->attempts = atoi(PQgetvalue(res, 0, 1));
	job->language = field(res, 2);
	job->source.len = (size_t)PQgetlength(res, 0, 3);
	job->source.data = cr_xstrndup(PQgetvalue(res, 0, 3), job->source.len);
	input = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 4), &input_len);
	if (!input) {
		PQclear(res);
		cr_die("out of memory decoding the input of submission %s", job->id);
	}
	job->input.data = cr_xmalloc(input_len + 1);
	memcpy(job->input.data, input, input_len);
	job->input.data[input_len] = '\0';
	job->input.len = input_len;
	PQfreemem(input);
	job->image = field(res, 5);
	job->source_file = field(res, 6);
	job->compile_command = field(res, 7);
	job->execute_command = field(res, 8);
	job->timeout_seconds = atoi(PQgetvalue(res, 0, 9));
	job->compile_timeout_seconds = atoi(PQgetvalue(res, 0, 10));
	job->max_memory_mb = atoi(PQgetvalue(res, 0, 11));
	job->max_processes = atoi(PQgetvalue(res, 0, 12));
	job->isolation = field(res, 13);
	job->time_limit_ms = atoi(PQgetvalue(res, 0, 15));
	job->language_memory_mb = PQgetisnull(res, 0, 16) ? job->max_memory_mb
							   : atoi(PQgetvalue(res, 0, 16));
	job->ncases = PQgetisnull(res, 0, 17) ? 0 : atoi(PQgetvalue(res, 0, 17));
	job->compare = field(res, 18);
	job->epsilon = strtod(PQgetvalue(res, 0, 19), NULL);
	job->stop_on_first_failure = PQgetvalue(res, 0, 20)[0] == 't';
	job->nfiles = atoi(PQgetvalue(res, 0, 21));
	PQclear(res);
	if (load_cases(db, job) < 0 || load_files(db, job) < 0) {
		/* claimed but not loaded: the lease expires and it is claimed again */
		queue_job_free(job);
		return -1;
	}
	return 1;
}

int queue_renew(struct cr_db *db, const struct queue_job *job, const char *owner,
		int lease_seconds)
{
	char attempts[16], lease[16];
	const char *values[4] = { job->id, attempts, owner, lease };
	PGresult *res;
	int ret;

	snprintf(attempts, sizeof(attempts), "%d", job->attempts);
	snprintf(lease, sizeof(lease), "%d", lease_seconds);
	res = cr_db_exec(db, "queue_renew", 4, values, NULL, NULL, 0, NULL);
	if (!res)
		return -1;
	ret = strcmp(PQcmdTuples(res), "1") == 0 ? 0 : 1;
	PQclear(res);
	return ret;
}

/* Bytes as standard base64, for PostgreSQL's decode(..., 'base64'). */
static struct json_object *base64_json(const char *data, size_t len)
{
	struct cr_buf b = CR_BUF_INIT;
	struct json_object *o;

	cr_base64_encode(data, len, &b);
	o = json_object_new_string_len(b.len ? b.data : "", (int)b.len);
	cr_buf_release(&b);
	return o;
}

static void add_int(struct json_object *o, const char *key, bool has, int64_t v)
{
	if (has)
		json_object_object_add(o, key, json_object_new_int64(v > INT32_MAX ? INT32_MAX : v));
}

/* queue_finish's $15: every case's row as JSON (bytes in base64); NULL without cases. */
static char *cases_json(const struct tests_verdict *t)
{
	struct json_object *a;
	char *out;

	if (!t)
		return NULL;
	a = json_object_new_array();
	for (int i = 0; i < t->total; i++) {
		const struct verdict *v = &t->cases[i].v;
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "v", json_object_new_string(t->cases[i].verdict));
		if (v->status)
			json_object_object_add(o, "s", json_object_new_string(v->status));
		if (v->out.present)
			json_object_object_add(o, "o", base64_json(v->out.data, v->out.len));
		if (v->err.present)
			json_object_object_add(o, "e", base64_json(v->err.data, v->err.len));
		json_object_object_add(o, "ot", json_object_new_boolean(v->out_truncated));
		json_object_object_add(o, "et", json_object_new_boolean(v->err_truncated));
		if (v->has_runtime_error)
			json_object_object_add(o, "r", json_object_new_string(v->runtime_error));
		add_int(o, "tm", v->has_time, v->time_ms);
		add_int(o, "mk", v->has_memory, v->memory_kb);
		add_int(o, "xc", v->has_exit_code, v->exit_code);
		add_int(o, "xs", v->has_exit_signal, v->exit_signal);
		json_object_array_add(a, o);
	}
	out = cr_xstrdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(a);
	return out;
}

int queue_finish(struct cr_db *db, const struct queue_job *job, const char *owner,
		 const struct verdict *v, const struct tests_verdict *t)
{
	char attempts[16], time_ms[24], mem_kb[24], exit_code[16], exit_signal[16], passed[16];
	const char *values[17];
	int lengths[17] = { 0 };
	int formats[17] = { 0 };
	char *cases = cases_json(t);
	PGresult *res;
	int ret;

	snprintf(attempts, sizeof(attempts), "%d", job->attempts);
	snprintf(time_ms, sizeof(time_ms), "%lld",
		 (long long)(v->time_ms > INT32_MAX ? INT32_MAX : v->time_ms));
	snprintf(mem_kb, sizeof(mem_kb), "%lld",
		 (long long)(v->memory_kb > INT32_MAX ? INT32_MAX : v->memory_kb));
	snprintf(exit_code, sizeof(exit_code), "%d", v->exit_code);
	snprintf(exit_signal, sizeof(exit_signal), "%d", v->exit_signal);

	values[0] = job->id;
	values[1] = attempts;
	values[2] = owner;
	values[3] = v->status;
	/* bytea parameters travel binary: no escaping, NUL bytes intact */
	values[4] = v->out.present ? v->out.data : NULL;
	lengths[4] = (int)v->out.len;
	formats[4] = 1;
	values[5] = v->err.present ? v->err.data : NULL;
	lengths[5] = (int)v->err.len;
	formats[5] = 1;
	values[6] = v->out_truncated ? "t" : "f";
	values[7] = v->err_truncated ? "t" : "f";
	values[8] = v->compilation_error.present ? v->compilation_error.data : NULL;
	lengths[8] = (int)v->compilation_error.len;
	formats[8] = 1;
	values[9] = v->has_runtime_error ? v->runtime_error : NULL;
	values[10] = v->has_time ? time_ms : NULL;
	values[11] = v->has_memory ? mem_kb : NULL;
	values[12] = v->has_exit_code ? exit_code : NULL;
	values[13] = v->has_exit_signal ? exit_signal : NULL;
	snprintf(passed, sizeof(passed), "%d", t ? t->passed : 0);
	values[14] = cases;
	values[15] = t ? passed : NULL;
	values[16] = t ? t->verdict : NULL;

	res = cr_db_exec(db, "queue_finish", 17, values, lengths, formats, 0, NULL);
	free(cases);
	if (!res)
		return -1;
	ret = PQntuples(res) == 1 ? 0 : 1;
	PQclear(res);
	if (ret)
		cr_warn("result discarded: submission %s attempt %d is no longer ours",
			job->id, job->attempts);
	return ret;
}

int queue_give_back(struct cr_db *db, const struct queue_job *job, const char *owner,
		    const char *why, enum queue_return kind, int max_platform_failures)
{
	char attempts[16], max[16];
	const char *failure = kind == QUEUE_FAILURE ? "true" : "false";
	const char *values[6] = { job->id, attempts, owner, why, max, failure };
	PGresult *res;
	int ret;

	snprintf(attempts, sizeof(attempts), "%d", job->attempts);
	snprintf(max, sizeof(max), "%d", max_platform_failures);
	res = cr_db_exec(db, "queue_give_back", 6, values, NULL, NULL, 0, NULL);
	if (!res)
		return -1;
	ret = PQntuples(res) == 1 ? 0 : 1;
	if (ret == 0)
		cr_info("submission given back: status=%s attempt=%d kind=%s why=\"%s\"",
			PQgetvalue(res, 0, 0), job->attempts,
			kind == QUEUE_FAILURE ? "failure" : "shutdown", why);
	else
		cr_warn("give-back discarded: submission %s attempt %d is no longer ours",
			job->id, job->attempts);
	PQclear(res);
	return ret;
}

int queue_sweep(struct cr_db *db, int max_attempts)
{
	char max[16];
	const char *values[1] = { max };
	PGresult *res;
	int n;

	snprintf(max, sizeof(max), "%d", max_attempts);
	res = cr_db_exec(db, "queue_sweep", 1, values, NULL, NULL, 0, NULL);
	if (!res)
		return -1;
	n = PQntuples(res);
	for (int i = 0; i < n; i++)
		cr_warn("lease expired: submission back to status=%s", PQgetvalue(res, i, 0));
	PQclear(res);
	return n;
}

int queue_expire_owner(struct cr_db *db, const char *owner)
{
	const char *values[1] = { owner };
	PGresult *res = cr_db_exec(db, "queue_expire_owner", 1, values, NULL, NULL, 0, NULL);
	int n;

	if (!res)
		return -1;
	n = atoi(PQcmdTuples(res));
	PQclear(res);
	return n;
}

int queue_heartbeat(struct cr_db *db, const char *worker_id, const char *hostname,
		    int pid, int slots)
{
	char p[16], s[16];
	const char *values[4] = { worker_id, hostname, p, s };
	PGresult *res;

	snprintf(p, sizeof(p), "%d", pid);
	snprintf(s, sizeof(s), "%d", slots);
	res = cr_db_exec(db, "queue_heartbeat", 4, values, NULL, NULL, 0, NULL);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

int queue_worker_gone(struct cr_db *db, const char *worker_id)
{
	const char *values[1] = { worker_id };
	PGresult *res = cr_db_exec(db, "queue_worker_gone", 1, values, NULL, NULL, 0, NULL);

	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

int queue_worker_alive(struct cr_db *db, const char *worker_id, int stale_seconds,
		       char *host, size_t hostlen, int *pid)
{
	char stale[16];
	const char *values[2] = { worker_id, stale };
	PGresult *res;
	int ret;

	snprintf(stale, sizeof(stale), "%d", stale_seconds);
	if (host && hostlen)
		host[0] = '\0';
	*pid = 0;
	res = cr_db_exec(db, "queue_worker_alive", 2, values, NULL, NULL, 0, NULL);
	if (!res)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 2;
	}
	if (host && hostlen)
		snprintf(host, hostlen, "%s", PQgetvalue(res, 0, 0));
	*pid = atoi(PQgetvalue(res, 0, 1));
	ret = strcmp(PQgetvalue(res, 0, 2), "t") == 0 ? 1 : 0;
	PQclear(res);
	return ret;
}

int queue_active_images(struct cr_db *db, char ***out, size_t *n)
{
	PGresult *res = cr_db_exec(db, "queue_active_images", 0, NULL, NULL, NULL, 0, NULL);
	char **list;

	*out = NULL;
	*n = 0;
	if (!res)
		return -1;
	list = cr_xcalloc((size_t)PQntuples(res) + 1, sizeof(*list));
	for (int i = 0; i < PQntuples(res); i++)
		list[i] = cr_xstrdup(PQgetvalue(res, i, 0));
	*n = (size_t)PQntuples(res);
	*out = list;
	PQclear(res);
	return 0;
}
