/* Configuration: defaults, the file syntax, errors, environment overrides, checks. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"
#include "t/unit/cu.h"

void conf_suite(void);

extern char **environ;

#define SECRET "s3cr3t-k3y-that-must-never-be-printed-anywhere"

/* The tests own the CODERANK_* environment: clear what the caller had set. */
static void clear_env(void)
{
	char name[128];

	for (;;) {
		char **e;

		for (e = environ; *e; e++)
			if (strncmp(*e, "CODERANK_", 9) == 0)
				break;
		if (!*e)
			return;
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(*e, "="), *e);
		unsetenv(name);
	}
}

static void test_defaults(void)
{
	struct cr_config c;

	cr_config_defaults(&c);
	CU_ASSERT_PTR_NULL(c.database_url);
	CU_ASSERT_PTR_NULL(c.jwt_key);
	CU_ASSERT_STRING_EQUAL(c.log_level, "info");
	CU_ASSERT_EQUAL(c.jwt_ttl_seconds, 3600);
	CU_ASSERT_STRING_EQUAL(c.api_listen, "127.0.0.1:9000");
	CU_ASSERT_EQUAL(c.api_processes, 4);
	CU_ASSERT_EQUAL(c.api_threads, 16);
	CU_ASSERT_EQUAL(c.api_db_connections, 4);
	CU_ASSERT_EQUAL(c.api_max_waiters, 512);
	CU_ASSERT_EQUAL(c.api_wait_margin_seconds, 10);
	CU_ASSERT_EQUAL(c.api_events_max_seconds, 600);
	CU_ASSERT_EQUAL(c.api_hash_concurrency, 0);
	CU_ASSERT_EQUAL(c.max_body_bytes, 2 * 1024 * 1024);
	CU_ASSERT_EQUAL(c.max_source_bytes, 65536);
	CU_ASSERT_EQUAL(c.max_input_bytes, 1024 * 1024);
	CU_ASSERT_EQUAL(c.login_max_failures, 10);
	CU_ASSERT_EQUAL(c.login_window_seconds, 900);
	CU_ASSERT_EQUAL(c.worker_slots, 2);
	CU_ASSERT_PTR_NOT_NULL(c.worker_id);
	CU_ASSERT_PTR_NOT_NULL(strchr(c.worker_id, ':'));
	CU_ASSERT_STRING_EQUAL(c.docker_socket, "/var/run/docker.sock");
	CU_ASSERT_EQUAL(c.output_limit_bytes, 65536);
	CU_ASSERT_EQUAL(c.max_attempts, 3);
	CU_ASSERT_EQUAL(c.lease_seconds, 30);
	CU_ASSERT_EQUAL(c.sweep_interval_seconds, 5);
	CU_ASSERT_EQUAL(c.cpu_limit_millicores, 1000);
	CU_ASSERT_EQUAL(c.retention_days, 90);
	CU_ASSERT_EQUAL(c.pool_size, 1);
	CU_ASSERT_EQUAL(c.pool_max, 4);
	CU_ASSERT_EQUAL(c.pool_idle_seconds, 60);
	CU_ASSERT_EQUAL(c.pool_max_age_seconds, 600);
	cr_config_free(&c);
	cr_config_free(NULL);
}

static void test_parse_syntax(void)
{
	static const char text[] =
		"# CodeRank configuration\n"
		"\n"
		"   # indented comment\n"
		"database_url = postgres://u:pa#ss@localhost/coderank\n"
		"jwt_key = \"" SECRET "\"   # quoted\n"
		"api_listen=/run/coderank/api.sock\n"
		"\tapi_processes\t=\t8\t\n"
		"log_level = debug # trailing comment\n"
		"worker_id = \"with \\\"quotes\\\" and \\\\ and # hash\"\r\n"
		"max_body_bytes = 4096\n"
		"docker_socket = \"\"\n"
		"login_max_failures = 0\n"
		"login_window_seconds = 60\n"
		"jwt_ttl_seconds = 60";		/* no final newline */
	struct cr_config c;
	char err[256] = "";

	cr_config_defaults(&c);
	CU_ASSERT_EQUAL(cr_config_parse(&c, text, "test.conf", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_STRING_EQUAL(c.database_url, "postgres://u:pa#ss@localhost/coderank");
	CU_ASSERT_STRING_EQUAL(c.jwt_key, SECRET);
	CU_ASSERT_STRING_EQUAL(c.api_listen, "/run/coderank/api.sock");
	CU_ASSERT_EQUAL(c.api_processes, 8);
	CU_ASSERT_STRING_EQUAL(c.log_level, "debug");
	CU_ASSERT_STRING_EQUAL(c.worker_id, "with \"quotes\" and \\ and # hash");
	CU_ASSERT_EQUAL(c.max_body_bytes, 4096);
	CU_ASSERT_STRING_EQUAL(c.docker_socket, "");
	CU_ASSERT_EQUAL(c.jwt_ttl_seconds, 60);
	CU_ASSERT_EQUAL(c.login_max_failures, 0);	/* 0 turns the limit off */
	CU_ASSERT_EQUAL(c.login_window_seconds, 60);
	cr_config_free(&c);
}

/* Bad input, with what the message must and must not contain. */
static const struct {
	const char *text;
	const char *want1, *want2;
} bad[] = {
	{ "api_processes = 4\napi_proceses = 4\n", "test.conf:2:", "unknown key \"api_proceses\"" },
	{ "api_processes = four\n", "test.conf:1:", "\"api_processes\"" },
	{ "api_processes = 4x\n", "test.conf:1:", "between 1 and" },
	{ "api_processes = 0\n", "test.conf:1:", "\"api_processes\"" },
	{ "api_processes =\n", "test.conf:1:", "\"api_processes\"" },
	{ "api_processes = 99999999999999999999\n", "test.conf:1:", "integer" },
	{ "max_body_bytes = -1\n", "test.conf:1:", "\"max_body_bytes\"" },
	{ "login_max_failures = -1\n", "test.conf:1:", "between 0 and 1000000" },
	{ "login_window_seconds = 0\n", "test.conf:1:", "between 1 and 86400" },
	{ "login_window_seconds = 86401\n", "test.conf:1:", "\"login_window_seconds\"" },
	{ "\n\nlog_level = loud\n", "test.conf:3:", "\"log_level\"" },
	{ "just some words\n", "test.conf:1:", "key = value" },
	{ "= value\n", "test.conf:1:", "key = value" },
	{ "jwt_key = \"" SECRET "\n", "test.conf:1:", "unterminated" },
	{ "jwt_key = \"" SECRET "\" junk\n", "test.conf:1:", "\"jwt_key\"" },
};

static void test_parse_errors(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cr_config c;
		char err[256] = "";

		cr_config_defaults(&c);
		CU_ASSERT_EQUAL(cr_config_parse(&c, bad[i].text, "test.conf", err,
						sizeof(err)), -1);
		if (!strstr(err, bad[i].want1) || !strstr(err, bad[i].want2))
			fprintf(stderr, "\nconf case %zu: \"%s\"\n", i, err);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].want1));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].want2));
		CU_ASSERT_PTR_NULL(strstr(err, "s3cr3t"));	/* never echo the key */
		cr_config_free(&c);
	}
}

static void test_set(void)
{
	struct cr_config c;
	char err[256] = "";

	cr_config_defaults(&c);
	CU_ASSERT_EQUAL(cr_config_set(&c, "worker_slots", "16", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.worker_slots, 16);
	CU_ASSERT_EQUAL(cr_config_set(&c, "nope", "1", err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown key \"nope\""));
	CU_ASSERT_EQUAL(cr_config_set(&c, "worker_slots", " 3", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(c.worker_slots, 16);	/* a bad value changes nothing */
	cr_config_free(&c);
}

/* Write text to a fresh temporary file; returns its path in path. */
static void write_temp(char path[64], const char *text, size_t len)
{
	int fd;

	snprintf(path, 64, "/tmp/coderank-test-XXXXXX");
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, len) == (ssize_t)len);
	close(fd);
}

static void test_load_env_beats_file(void)
{
	static const char text[] = "database_url = dbname=fromfile\napi_processes = 3\n"
				   "worker_slots = 5\n";
	struct cr_config c;
	char path[64], err[256] = "";

	clear_env();
	write_temp(path, text, strlen(text));
	setenv("CODERANK_API_PROCESSES", "7", 1);
	setenv("CODERANK_JWT_KEY", SECRET, 1);
	setenv("CODERANK_LOGIN_MAX_FAILURES", "25", 1);
	CU_ASSERT_EQUAL(cr_config_load(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(c.api_processes, 7);		/* environment wins */
	CU_ASSERT_EQUAL(c.worker_slots, 5);		/* file beats default */
	CU_ASSERT_EQUAL(c.max_attempts, 3);		/* default */
	CU_ASSERT_EQUAL(c.login_max_failures, 25);	/* environment */
	CU_ASSERT_EQUAL(c.login_window_seconds, 900);	/* default */
	CU_ASSERT_STRING_EQUAL(c.database_url, "dbname=fromfile");
	CU_ASSERT_STRING_EQUAL(c.jwt_key, SECRET);
	cr_config_free(&c);

	/* A bad environment value is named in the error. */
	unsetenv("CODERANK_LOGIN_MAX_FAILURES");
	setenv("CODERANK_API_PROCESSES", "many", 1);
	CU_ASSERT_EQUAL(cr_config_load(&c, path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "CODERANK_API_PROCESSES"));
	cr_config_free(&c);

	/* CODERANK_CONFIG names the file when no path is given. */
	unsetenv("CODERANK_API_PROCESSES");
	setenv("CODERANK_CONFIG", path, 1);
	CU_ASSERT_EQUAL(cr_config_load(&c, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.api_processes, 3);
	cr_config_free(&c);
	unlink(path);
	clear_env();
}

static void test_load_errors(void)
{
	struct cr_config c;
	char path[64], err[256] = "";

	clear_env();
	/* A named file that does not exist is an error. */
	CU_ASSERT_EQUAL(cr_config_load(&c, "/nonexistent/coderank.conf", err,
				       sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/coderank.conf"));
	cr_config_free(&c);

	setenv("CODERANK_CONFIG", "/nonexistent/other.conf", 1);
	CU_ASSERT_EQUAL(cr_config_load(&c, NULL, err, sizeof(err)), -1);
	cr_config_free(&c);
	unsetenv("CODERANK_CONFIG");

	/* An error in the file names the file and line. */
	write_temp(path, "log_level = info\nbogus = 1\n", 27);
	CU_ASSERT_EQUAL(cr_config_load(&c, path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: unknown key \"bogus\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	cr_config_free(&c);
	unlink(path);

	/* A NUL byte would silently end the text: refused. */
	write_temp(path, "log_level = info\n\0bogus = 1\n", 28);
	CU_ASSERT_EQUAL(cr_config_load(&c, path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "NUL"));
	cr_config_free(&c);
	unlink(path);
}

static void test_check_api(void)
{
	struct cr_config c;
	char err[512] = "";

	cr_config_defaults(&c);
	c.database_url = strdup("dbname=x");

	CU_ASSERT_EQUAL(cr_config_check_api(&c, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "jwt_key"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "openssl rand -hex 32"));

	c.jwt_key = strdup("s3cr3t-but-short");	/* 16 bytes */
	CU_ASSERT_EQUAL(cr_config_check_api(&c, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "too short"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "openssl rand -hex 32"));
	CU_ASSERT_PTR_NULL(strstr(err, "s3cr3t"));
	free(c.jwt_key);

	c.jwt_key = strdup("0123456789abcdef0123456789abcde");	/* 31 */
	CU_ASSERT_EQUAL(cr_config_check_api(&c, err, sizeof(err)), -1);
	free(c.jwt_key);
	c.jwt_key = strdup("0123456789abcdef0123456789abcdef");	/* 32 */
	CU_ASSERT_EQUAL(cr_config_check_api(&c, err, sizeof(err)), 0);

	free(c.database_url);
	c.database_url = NULL;
	CU_ASSERT_EQUAL(cr_config_check_api(&c, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "database_url"));
	cr_config_free(&c);
}

static void test_check_worker(void)
{
	struct cr_config c;
	char err[512] = "";

	cr_config_defaults(&c);
	CU_ASSERT_EQUAL(cr_config_check_worker(&c, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "database_url"));
	c.database_url = strdup("dbname=x");
	CU_ASSERT_EQUAL(cr_config_check_worker(&c, err, sizeof(err)), 0);
	/* the pool: 0 turns it off; a maximum below the minimum is refused */
	CU_ASSERT_EQUAL(cr_config_parse(&c, "pool_size = 0\npool_max = 0\n", "t", err,
					sizeof(err)), 0);
	CU_ASSERT_EQUAL(cr_config_check_worker(&c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cr_config_parse(&c, "pool_size = 3\npool_max = 2\n", "t", err,
					sizeof(err)), 0);
	CU_ASSERT_EQUAL(cr_config_check_worker(&c, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "pool_max"));
	CU_ASSERT_EQUAL(cr_config_set(&c, "pool_size", "65", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(cr_config_set(&c, "pool_max_age_seconds", "9", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(cr_config_set(&c, "pool_idle_seconds", "30", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.pool_idle_seconds, 30);
	cr_config_free(&c);
}

/* Limits that cannot all hold, and the two sides each message must name. */
static const struct {
	const char *text;
	const char *want1, *want2;
} refused[] = {
	{ "output_limit_bytes = 8388608\n", "output_limit_bytes", "JOB_MAX_OUTPUT_BYTES" },
	{ "output_limit_bytes = 4194305\n", "output_limit_bytes", "JOB_MAX_OUTPUT_BYTES" },
	{ "max_input_bytes = 16777216\n", "max_input_bytes", "CR_FRAME_MAX_BYTES" },
	{ "max_source_bytes = 16000000\nmax_input_bytes = 1000000\n", "max_source_bytes",
	  "CR_FRAME_MAX_BYTES" },
	{ "max_body_bytes = 16777217\n", "max_body_bytes", "CR_FRAME_MAX_BYTES" },
	{ "max_body_bytes = 1073741824\n", "max_body_bytes", "CR_FRAME_MAX_BYTES" },
};

/* Defaults with what both programs require, then text. */
static void limits_config(struct cr_config *c, const char *text)
{
	char err[256] = "";

	cr_config_defaults(c);
	c->database_url = strdup("dbname=x");
	c->jwt_key = strdup("0123456789abcdef0123456789abcdef");
	CU_ASSERT_EQUAL(cr_config_parse(c, text, "t", err, sizeof(err)), 0);
}

static void test_check_limits_refused(void)
{
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct cr_config c;
		char err[512] = "";

		limits_config(&c, refused[i].text);
		/* both programs read the file: both refuse it */
		CU_ASSERT_EQUAL(cr_config_check_worker(&c, err, sizeof(err)), -1);
		if (!strstr(err, refused[i].want1) || !strstr(err, refused[i].want2))
			fprintf(stderr, "\nlimits case %zu: \"%s\"\n", i, err);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, refused[i].want1));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, refused[i].want2));
		err[0] = '\0';
		CU_ASSERT_EQUAL(cr_config_check_api(&c, err, sizeof(err)), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, refused[i].want1));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, refused[i].want2));
		cr_config_free(&c);
	}
}

static void test_check_limits_accepted(void)
{
	static const char *const ok[] = {
		"",							/* the defaults */
		"output_limit_bytes = 4194304\nmax_test_cases = 1\n",	/* the runner's cap */
		"output_limit_bytes = 126976\n",		/* 129 streams of a 64-case result */
		"max_source_bytes = 1048576\nmax_input_bytes = 15663104\n",	/* room exactly */
		"max_body_bytes = 16777216\n",
		"api_wait_margin_seconds = 600\n",	/* nginx's read timeout is made to fit */
		"api_max_waiters = 0\n",				/* no wait at all */
	};
	char err[512] = "";

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct cr_config c;

		limits_config(&c, ok[i]);
		if (cr_config_check_worker(&c, err, sizeof(err)) != 0)
			fprintf(stderr, "\nlimits ok case %zu: \"%s\"\n", i, err);
		CU_ASSERT_EQUAL(cr_config_check_worker(&c, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(cr_config_check_api(&c, err, sizeof(err)), 0);
		cr_config_free(&c);
	}
}

/* The result frame's own bound, out of reach of the shipped numbers. */
static void test_check_limits_result_frame(void)
{
	static const struct cr_limits small = { 1024 * 1024, 1024 * 1024, 64 * 1024, 60, 5 };
	struct cr_config c;
	char err[512] = "";

	/* 3 x 320 KiB + 64 KiB = 1 MiB; a small job so that the job frame fits too */
	limits_config(&c, "output_limit_bytes = 327680\nmax_input_bytes = 0\n"
		      "max_body_bytes = 65536\nmax_test_cases = 1\n");
	CU_ASSERT_EQUAL(cr_config_check_limits(&c, &small, err, sizeof(err)), 0);
	c.output_limit_bytes++;
	CU_ASSERT_EQUAL(cr_config_check_limits(&c, &small, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "output_limit_bytes"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "CR_FRAME_MAX_BYTES"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "at most 327680"));
	/* two cases: 5 streams of 192 KiB + 64 KiB = 1 MiB */
	c.max_test_cases = 2;
	c.output_limit_bytes = 196608;
	CU_ASSERT_EQUAL(cr_config_check_limits(&c, &small, err, sizeof(err)), 0);
	c.output_limit_bytes++;
	CU_ASSERT_EQUAL(cr_config_check_limits(&c, &small, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "max_test_cases (2)"));
	cr_config_free(&c);
}

static void test_wait_seconds(void)
{
	struct cr_config c;

	cr_config_defaults(&c);
	/* nginx's read timeout: the longest limit + margin + time to answer, at least 60 */
	CU_ASSERT_EQUAL(cr_config_read_timeout(&c, 45), 60);	/* 45 + 10 + 5 */
	CU_ASSERT_EQUAL(cr_config_read_timeout(&c, 10), 60);	/* never below 60 */
	CU_ASSERT_EQUAL(cr_config_read_timeout(&c, 77), 92);
	CU_ASSERT_EQUAL(cr_config_read_timeout(&c, 600), 615);	/* 300 s run + 300 s compile */
	/* a hold: compile + time limit + margin, ending before nginx gives up */
	CU_ASSERT_EQUAL(cr_config_wait_seconds(&c, 10, 60), 20);
	CU_ASSERT_EQUAL(cr_config_wait_seconds(&c, 45, 60), 55);
	CU_ASSERT_EQUAL(cr_config_wait_seconds(&c, 46, 60), 55);	/* a stale nginx: capped */
	CU_ASSERT_EQUAL(cr_config_wait_seconds(&c, 77, 92), 87);
	for (int limit = 1; limit <= 600; limit++)
		CU_ASSERT(cr_config_wait_seconds(&c, limit, cr_config_read_timeout(&c, limit)) +
			  CR_LIMIT_ANSWER_SECONDS <= cr_config_read_timeout(&c, limit));
	c.api_wait_margin_seconds = 0;
	CU_ASSERT_EQUAL(cr_config_wait_seconds(&c, 10, 60), 10);
	cr_config_free(&c);
}

static int usage_calls;
static FILE *usage_to;

static void count_usage(FILE *f)
{
	usage_calls++;
	usage_to = f;
}

static int args(const char **path, int argc, ...)
{
	char *argv[8];
	va_list ap;

	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	optind = 0;	/* glibc: start getopt afresh */
	opterr = 0;
	usage_calls = 0;
	usage_to = NULL;
	return cr_config_args(argc, argv, count_usage, path);
}

static void test_args(void)
{
	const char *path = "unset";

	CU_ASSERT_EQUAL(args(&path, 1, "prog"), -1);
	CU_ASSERT_PTR_NULL(path);
	CU_ASSERT_EQUAL(args(&path, 3, "prog", "-c", "/etc/x.conf"), -1);
	CU_ASSERT_STRING_EQUAL(path, "/etc/x.conf");
	CU_ASSERT_EQUAL(usage_calls, 0);
	CU_ASSERT_EQUAL(args(&path, 2, "prog", "-h"), 0);
	CU_ASSERT_EQUAL(usage_calls, 1);
	CU_ASSERT_PTR_EQUAL(usage_to, stdout);
	CU_ASSERT_EQUAL(args(&path, 2, "prog", "-x"), 2);
	CU_ASSERT_PTR_EQUAL(usage_to, stderr);
	CU_ASSERT_EQUAL(args(&path, 2, "prog", "-c"), 2);
	CU_ASSERT_EQUAL(args(&path, 2, "prog", "extra"), 2);
	CU_ASSERT_EQUAL(usage_calls, 1);
}

void conf_suite(void)
{
	static const struct cr_test tests[] = {
		{ "defaults", test_defaults },
		{ "file syntax", test_parse_syntax },
		{ "parse errors table", test_parse_errors },
		{ "set", test_set },
		{ "environment beats file", test_load_env_beats_file },
		{ "load errors", test_load_errors },
		{ "check_api", test_check_api },
		{ "check_worker", test_check_worker },
		{ "limits refused", test_check_limits_refused },
		{ "limits accepted", test_check_limits_accepted },
		{ "limits: result frame", test_check_limits_result_frame },
		{ "wait seconds", test_wait_seconds },
		{ "command line", test_args },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("conf", tests);
}
