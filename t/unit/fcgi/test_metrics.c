/*
 * The Prometheus text of fcgi/metrics.c: counters by route and code, the
 * latency histogram (cumulative buckets, +Inf equal to _count, _sum), the
 * waiters gauge, and a 405 counted under its route through api_handle().
 * The rendered text is parsed back line by line and checked against tables.
 */
#include "config.h"

#include <limits.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/conf.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "fcgi/api.h"
#include "fcgi/http.h"
#include "fcgi/metrics.h"
#include "fcgi/router.h"
#include "t/unit/cu.h"

void metrics_suite(void);

/* A table of routes of our own, so the test does not depend on the real one. */
static void nop(struct api_call *c) { (void)c; }
static const struct route table[] = {
	{ "GET", "/a", nop, 0, "/a" },
	{ "POST", "/b", nop, 0, "/b" },
	{ NULL, NULL, NULL, 0, NULL },
};

/* Value of the sample whose name+labels is exactly series; NAN when absent. */
static double sample(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *p = text; *p; ) {
		const char *eol = strchr(p, '\n');
		if (!eol)
			break;
		if ((size_t)(eol - p) > n && strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p = eol + 1;
	}
	return NAN;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; *p; ) {
		const char *eol = strchr(p, '\n');
		if (!eol)
			break;
		if ((size_t)(eol - p) == n && strncmp(p, line, n) == 0)
			return true;
		p = eol + 1;
	}
	return false;
}

/* Every line is a comment or `name{labels} value` / `name value`, and ends in \n. */
static void well_formed(const char *text)
{
	CU_ASSERT(*text && text[strlen(text) - 1] == '\n');
	for (const char *p = text; *p; ) {
		const char *eol = strchr(p, '\n');
		char line[512], *sp, *end;
		if (!eol)
			break;
		snprintf(line, sizeof(line), "%.*s", (int)(eol - p), p);
		p = eol + 1;
		if (line[0] == '#') {
			CU_ASSERT(strncmp(line, "# HELP coderank_", 16) == 0 ||
				  strncmp(line, "# TYPE coderank_", 16) == 0);
			continue;
		}
		CU_ASSERT(strncmp(line, "coderank_", 9) == 0);
		sp = strrchr(line, ' ');
		CU_ASSERT_FATAL(sp != NULL);
		strtod(sp + 1, &end);
		CU_ASSERT(*end == '\0' && end != sp + 1);
		if (strchr(line, '{'))
			CU_ASSERT(sp[-1] == '}');
	}
}

static const struct {
	int route;		/* index in table; -1 and out of range: unmatched */
	int status;
	int64_t micros;
} observations[] = {
	{ 0, 200, 100 },
	{ 0, 200, 500 },	/* on the first bound: le="0.0005" */
	{ 0, 200, 501 },	/* just past it */
	{ 0, 404, 2000000 },
	{ 0, 418, 7 },		/* a code outside the list: "other" */
	{ 0, 405, 40 },
	{ 1, 202, 30000000 },	/* on the last bound */
	{ 1, 202, 30000001 },	/* past every bound: +Inf only */
	{ 1, 500, -5 },		/* a clock step backwards counts as 0 */
	{ -1, 404, 1000 },
	{ 99, 404, 1000 },
};

static const struct {
	const char *series;
	double value;
} want[] = {
	{ "coderank_http_requests_total{route=\"/a\",method=\"GET\",code=\"200\"}", 3 },
	{ "coderank_http_requests_total{route=\"/a\",method=\"GET\",code=\"404\"}", 1 },
	{ "coderank_http_requests_total{route=\"/a\",method=\"GET\",code=\"405\"}", 1 },
	{ "coderank_http_requests_total{route=\"/a\",method=\"GET\",code=\"other\"}", 1 },
	{ "coderank_http_requests_total{route=\"/b\",method=\"POST\",code=\"202\"}", 2 },
	{ "coderank_http_requests_total{route=\"/b\",method=\"POST\",code=\"500\"}", 1 },
	{ "coderank_http_requests_total{route=\"unmatched\",method=\"\",code=\"404\"}", 2 },
	{ "coderank_http_request_duration_seconds_bucket{route=\"/a\",method=\"GET\",le=\"0.0005\"}", 4 },
	{ "coderank_http_request_duration_seconds_bucket{route=\"/a\",method=\"GET\",le=\"0.001\"}", 5 },
	{ "coderank_http_request_duration_seconds_bucket{route=\"/a\",method=\"GET\",le=\"1\"}", 5 },
	{ "coderank_http_request_duration_seconds_bucket{route=\"/a\",method=\"GET\",le=\"2.5\"}", 6 },
	{ "coderank_http_request_duration_seconds_bucket{route=\"/a\",method=\"GET\",le=\"+Inf\"}", 6 },
	{ "coderank_http_request_duration_seconds_count{route=\"/a\",method=\"GET\"}", 6 },
	{ "coderank_http_request_duration_seconds_sum{route=\"/a\",method=\"GET\"}", 2.001148 },
	{ "coderank_http_request_duration_seconds_bucket{route=\"/b\",method=\"POST\",le=\"0.0005\"}", 1 },
	{ "coderank_http_request_duration_seconds_bucket{route=\"/b\",method=\"POST\",le=\"10\"}", 1 },
	{ "coderank_http_request_duration_seconds_bucket{route=\"/b\",method=\"POST\",le=\"30\"}", 2 },
	{ "coderank_http_request_duration_seconds_bucket{route=\"/b\",method=\"POST\",le=\"+Inf\"}", 3 },
	{ "coderank_http_request_duration_seconds_count{route=\"/b\",method=\"POST\"}", 3 },
	{ "coderank_http_request_duration_seconds_sum{route=\"/b\",method=\"POST\"}", 60.000001 },
	{ "coderank_http_request_duration_seconds_count{route=\"unmatched\",method=\"\"}", 2 },
	{ "coderank_waiting_requests", 1 },
};

static const char *const families[] = {
	"# TYPE coderank_http_requests_total counter",
	"# TYPE coderank_http_request_duration_seconds histogram",
	"# TYPE coderank_waiting_requests gauge",
	"# HELP coderank_http_requests_total HTTP requests answered, by route and status code.",
};

/* For each route label: buckets never go down and +Inf equals _count. */
static void histogram_consistent(const char *text, const char *labels)
{
	static const char *const les[] = { "0.0005", "0.001", "0.0025", "0.005", "0.01",
		"0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "+Inf" };
	char series[256];
	double prev = 0, v = 0;

	for (size_t i = 0; i < sizeof(les) / sizeof(les[0]); i++) {
		snprintf(series, sizeof(series),
			 "coderank_http_request_duration_seconds_bucket{%s,le=\"%s\"}", labels, les[i]);
		v = sample(text, series);
		CU_ASSERT(!isnan(v));
		CU_ASSERT(v >= prev);
		prev = v;
	}
	snprintf(series, sizeof(series), "coderank_http_request_duration_seconds_count{%s}", labels);
	CU_ASSERT_DOUBLE_EQUAL(v, sample(text, series), 0);
}

static void test_render(void)
{
	struct api_shm *shm = metrics_shm_create();
	struct cr_buf out = CR_BUF_INIT;

	CU_ASSERT_FATAL(shm != NULL);
	for (size_t i = 0; i < sizeof(observations) / sizeof(observations[0]); i++)
		metrics_observe(shm, observations[i].route, observations[i].status,
				observations[i].micros);
	metrics_waiters_set(shm, 3, 1);
	metrics_render(shm, table, &out);
	well_formed(out.data);
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		CU_ASSERT_TRUE(has_line(out.data, families[i]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		double v = sample(out.data, want[i].series);
		CU_ASSERT_DOUBLE_EQUAL(v, want[i].value, 1e-9);
		if (!(fabs(v - want[i].value) <= 1e-9))
			fprintf(stderr, "\n  %s = %g, want %g\n", want[i].series, v, want[i].value);
	}
	/* counters that were never touched are not printed */
	CU_ASSERT(isnan(sample(out.data,
		"coderank_http_requests_total{route=\"/b\",method=\"POST\",code=\"200\"}")));
	histogram_consistent(out.data, "route=\"/a\",method=\"GET\"");
	histogram_consistent(out.data, "route=\"/b\",method=\"POST\"");
	histogram_consistent(out.data, "route=\"unmatched\",method=\"\"");
	/* the histogram's family comes after the counters', each once */
	const char *c = strstr(out.data, "# TYPE coderank_http_requests_total");
	const char *h = strstr(out.data, "# TYPE coderank_http_request_duration_seconds");
	CU_ASSERT(c && h && c < h && !strstr(h + 1, "# TYPE coderank_http_request_duration_seconds "));
	cr_buf_release(&out);
	metrics_shm_destroy(shm);
	metrics_render(NULL, table, &out);	/* no shm: nothing, no crash */
	CU_ASSERT_EQUAL(out.len, 0);
}

static void test_waiters(void)
{
	struct api_shm *shm = metrics_shm_create();

	CU_ASSERT_FATAL(shm != NULL);
	metrics_waiters_set(shm, 0, 200);
	metrics_waiters_set(shm, 1, 56);
	metrics_waiters_set(shm, METRICS_MAX_SLOTS - 1, 3);
	CU_ASSERT_EQUAL(metrics_waiters(shm), 259);	/* the sum over the pool */
	metrics_waiters_set(shm, 1, 55);
	CU_ASSERT_EQUAL(metrics_waiters(shm), 258);
	metrics_waiters_set(shm, 0, 0);			/* the supervisor reaps a dead child */
	CU_ASSERT_EQUAL(metrics_waiters(shm), 58);
	metrics_waiters_set(shm, METRICS_MAX_SLOTS, 7);	/* no such slot: ignored */
	metrics_waiters_set(shm, -1, 7);
	metrics_waiters_set(NULL, 0, 7);
	CU_ASSERT_EQUAL(metrics_waiters(shm), 58);
	CU_ASSERT_EQUAL(metrics_waiters(NULL), 0);
	/* the acceptors: the fewest held among live, accepting responders */
	CU_ASSERT_EQUAL(metrics_waiters_min_accepting(shm), INT_MAX);	/* none accepting */
	metrics_slot_alive(shm, 0, true);
	metrics_slot_alive(shm, 1, true);
	metrics_slot_accepting(shm, 0, true);
	metrics_slot_accepting(shm, 1, true);
	metrics_slot_accepting(shm, 2, true);		/* not alive: not counted */
	CU_ASSERT_EQUAL(metrics_waiters_min_accepting(shm), 0);	/* slot 0 holds 0 now */
	metrics_waiters_set(shm, 0, 40);
	CU_ASSERT_EQUAL(metrics_waiters_min_accepting(shm), 40);
	metrics_slot_accepting(shm, 0, false);
	CU_ASSERT_EQUAL(metrics_waiters_min_accepting(shm), 55);	/* slot 1 */
	/* a change bumps the generation; a wait on an old one returns at once */
	uint32_t g = metrics_room_gen(shm);
	metrics_waiters_set(shm, 1, 54);
	CU_ASSERT(metrics_room_gen(shm) != g);
	int64_t t0 = cr_monotonic_ms();
	metrics_room_wait(shm, g, 2000);
	CU_ASSERT(cr_monotonic_ms() - t0 < 500);
	t0 = cr_monotonic_ms();
	metrics_room_wait(shm, metrics_room_gen(shm), 100);	/* nothing changes: the timeout */
	CU_ASSERT(cr_monotonic_ms() - t0 >= 90);
	CU_ASSERT_EQUAL(metrics_read_timeout(shm), 0);	/* not known yet */
	metrics_read_timeout_set(shm, 92);
	CU_ASSERT_EQUAL(metrics_read_timeout(shm), 92);
	metrics_shm_destroy(shm);
}

/* Through the API's top level: a 405 is its route's, a 404 is "unmatched". */
static void test_405_under_its_route(void)
{
	struct cr_config cfg;
	struct api a;
	struct api_shm *shm = metrics_shm_create();
	struct cr_buf out = CR_BUF_INIT;
	static const struct { const char *method, *path; } reqs[] = {
		{ "PUT", "/api/v1/execute" },
		{ "DELETE", "/api/v1/execute" },
		{ "POST", "/api/v1/languages" },
		{ "GET", "/api/v1/nope" },
	};

	CU_ASSERT_FATAL(shm != NULL);
	cr_log_set_level("error");
	cr_config_defaults(&cfg);
	cfg.jwt_key = strdup("0123456789abcdef0123456789abcdef-test-key");
	cfg.database_url = strdup("host=/nonexistent-coderank-test port=1 connect_timeout=1");
	api_init(&a, &cfg, shm, 0);
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		struct http_req req;
		struct http_resp resp;
		http_req_init(&req, 0);
		http_resp_init(&resp);
		req.method = reqs[i].method;
		req.path = reqs[i].path;
		api_handle(&a, &req, &resp);
		http_resp_release(&resp);
		http_req_release(&req);
	}
	metrics_render(shm, router_table, &out);
	CU_ASSERT_DOUBLE_EQUAL(sample(out.data,
		"coderank_http_requests_total{route=\"/execute\",method=\"POST\",code=\"405\"}"), 2, 0);
	CU_ASSERT_DOUBLE_EQUAL(sample(out.data,
		"coderank_http_requests_total{route=\"/languages\",method=\"GET\",code=\"405\"}"), 1, 0);
	CU_ASSERT_DOUBLE_EQUAL(sample(out.data,
		"coderank_http_requests_total{route=\"unmatched\",method=\"\",code=\"404\"}"), 1, 0);
	CU_ASSERT(isnan(sample(out.data,
		"coderank_http_requests_total{route=\"unmatched\",method=\"\",code=\"405\"}")));
	cr_buf_release(&out);
	api_release(&a);
	cr_config_free(&cfg);
	metrics_shm_destroy(shm);
}

void metrics_suite(void)
{
	static const struct cr_test tests[] = {
		{ "Prometheus text: families, labels, histogram", test_render },
		{ "held counts per responder", test_waiters },
		{ "405 counted under its route", test_405_under_its_route },
		{ NULL, NULL },
	};
	CR_ADD_SUITE("metrics", tests);
}
