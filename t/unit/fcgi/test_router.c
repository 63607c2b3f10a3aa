/* The route table: matches, 404 vs 405 with Allow, {id} extraction. */
#include "config.h"

#include <string.h>

#include "fcgi/handlers.h"
#include "fcgi/router.h"
#include "t/unit/cu.h"

void router_suite(void);

static const struct {
	const char *method, *path;
	enum router_result want;
	route_fn fn;
	const char *id, *allow;
} cases[] = {
	{ "POST", "/api/v1/auth/register", ROUTE_OK, auth_register, "", "" },
	{ "POST", "/api/v1/auth/login", ROUTE_OK, auth_login, "", "" },
	{ "POST", "/api/v1/execute", ROUTE_OK, execute_create, "", "" },
	{ "GET", "/api/v1/execute/123e4567-e89b-12d3-a456-426614174000", ROUTE_OK, execute_get,
	  "123e4567-e89b-12d3-a456-426614174000", "" },
	{ "GET", "/api/v1/execute/not-a-uuid", ROUTE_OK, execute_get, "not-a-uuid", "" },
	{ "GET", "/api/v1/execute/123e4567-e89b-12d3-a456-426614174000/events", ROUTE_OK,
	  execute_events, "123e4567-e89b-12d3-a456-426614174000", "" },
	{ "POST", "/api/v1/execute/abc/events", ROUTE_BAD_METHOD, NULL, "", "GET" },
	{ "GET", "/api/v1/execute/abc/events/", ROUTE_NOT_FOUND, NULL, "", "" },
	{ "GET", "/api/v1/execute//events", ROUTE_NOT_FOUND, NULL, "", "" },
	{ "GET", "/api/v1/languages", ROUTE_OK, languages_list, "", "" },
	{ "GET", "/api/v1/submissions", ROUTE_OK, submissions_list, "", "" },
	{ "GET", "/api/v1/health", ROUTE_OK, ops_health, "", "" },
	{ "GET", "/api/v1/metrics", ROUTE_OK, ops_metrics, "", "" },
	{ "GET", "/api/v1/execute", ROUTE_OK, execute_list, "", "" },
	{ "POST", "/api/v1/execute/batch", ROUTE_OK, execute_batch, "", "" },
	/* the literal path shadows /execute/{id}: a 405, not the submission "batch" */
	{ "GET", "/api/v1/execute/batch", ROUTE_BAD_METHOD, NULL, "", "POST" },
	{ "DELETE", "/api/v1/execute/batch", ROUTE_BAD_METHOD, NULL, "", "POST" },
	{ "GET", "/api/v1/execute/batch/events", ROUTE_OK, execute_events, "batch", "" },
	{ "POST", "/api/v1/execute/batch/", ROUTE_NOT_FOUND, NULL, "", "" },
	{ "POST", "/api/v1/execute/batchx", ROUTE_BAD_METHOD, NULL, "", "GET" },
	{ "DELETE", "/api/v1/execute/abc", ROUTE_BAD_METHOD, NULL, "", "GET" },
	{ "POST", "/api/v1/languages", ROUTE_BAD_METHOD, NULL, "", "GET" },
	{ "GET", "/api/v1/auth/login", ROUTE_BAD_METHOD, NULL, "", "POST" },
	{ "HEAD", "/api/v1/health", ROUTE_BAD_METHOD, NULL, "", "GET" },
	{ "GET", "/api/v1/execute/", ROUTE_NOT_FOUND, NULL, "", "" },
	{ "GET", "/api/v1/execute/a/b", ROUTE_NOT_FOUND, NULL, "", "" },
	{ "GET", "/api/v1/languages/", ROUTE_NOT_FOUND, NULL, "", "" },
	{ "GET", "/api/v1/language", ROUTE_NOT_FOUND, NULL, "", "" },
	{ "GET", "/api/v2/languages", ROUTE_NOT_FOUND, NULL, "", "" },
	{ "GET", "/", ROUTE_NOT_FOUND, NULL, "", "" },
	{ "GET", "", ROUTE_NOT_FOUND, NULL, "", "" },
	{ "POST", "/api/v1/executex", ROUTE_NOT_FOUND, NULL, "", "" },
	{ "GET", "/api/v1/execute/abc/tests/3", ROUTE_OK, execute_test_get, "abc", "" },
	{ "POST", "/api/v1/execute/abc/tests/3", ROUTE_BAD_METHOD, NULL, "", "GET" },
	{ "GET", "/api/v1/execute/abc/tests/", ROUTE_NOT_FOUND, NULL, "", "" },
	{ "GET", "/api/v1/execute/abc/tests", ROUTE_NOT_FOUND, NULL, "", "" },
	{ "GET", "/api/v1/execute/abc/tests/3/x", ROUTE_NOT_FOUND, NULL, "", "" },
};

/* The {n} segment beside {id}; one too long to be an index is the "?" marker. */
static void test_two_captures(void)
{
	struct route_match m;

	CU_ASSERT_EQUAL_FATAL(router_match(router_table, "GET", "/api/v1/execute/abc/tests/12",
					   &m), ROUTE_OK);
	CU_ASSERT_STRING_EQUAL(m.id, "abc");
	CU_ASSERT_STRING_EQUAL(m.n, "12");
	CU_ASSERT_EQUAL_FATAL(router_match(router_table, "GET",
					   "/api/v1/execute/abc/tests/12345678901234567890", &m),
			      ROUTE_OK);
	CU_ASSERT_STRING_EQUAL(m.n, "?");
	CU_ASSERT_EQUAL_FATAL(router_match(router_table, "GET", "/api/v1/execute/abc", &m),
			      ROUTE_OK);
	CU_ASSERT_STRING_EQUAL(m.n, "");
}

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct route_match m;
		enum router_result rr = router_match(router_table, cases[i].method,
						     cases[i].path, &m);
		CU_ASSERT_EQUAL(rr, cases[i].want);
		if (rr != cases[i].want)
			fprintf(stderr, "\n  case %zu: %s %s gave %d\n", i, cases[i].method,
				cases[i].path, (int)rr);
		if (rr == ROUTE_OK) {
			CU_ASSERT_PTR_EQUAL(m.route->fn, cases[i].fn);
			CU_ASSERT_STRING_EQUAL(m.id, cases[i].id);
			CU_ASSERT(m.index >= 0);
		} else if (rr == ROUTE_BAD_METHOD) {
			/* no handler, but the path's route for the metrics */
			CU_ASSERT_PTR_NULL(m.route);
			CU_ASSERT(m.index >= 0 && strcmp(router_table[m.index].method,
							 cases[i].allow) == 0);
		} else {
			CU_ASSERT_PTR_NULL(m.route);
			CU_ASSERT_EQUAL(m.index, -1);
		}
		CU_ASSERT_STRING_EQUAL(m.allow, cases[i].allow);
	}
}

static void nop(struct api_call *c) { (void)c; }

static void test_shared_path_allow(void)
{
	static const struct route t[] = {
		{ "GET", "/x/{id}", nop, 0, "a" },
		{ "PUT", "/x/{id}", nop, 0, "b" },
		{ "DELETE", "/x/{id}", nop, 0, "c" },
		{ NULL, NULL, NULL, 0, NULL },
	};
	struct route_match m;

	CU_ASSERT_EQUAL(router_match(t, "POST", "/x/1", &m), ROUTE_BAD_METHOD);
	CU_ASSERT_STRING_EQUAL(m.allow, "GET, PUT, DELETE");
	CU_ASSERT_EQUAL(router_match(t, "PUT", "/x/abc", &m), ROUTE_OK);
	CU_ASSERT_EQUAL(m.index, 1);
	CU_ASSERT_STRING_EQUAL(m.id, "abc");
	CU_ASSERT_EQUAL(router_count(t), 3);
}

/* A path of two routes lists both methods; a literal path hides the {id} one. */
static void test_execute_methods(void)
{
	struct route_match m;

	CU_ASSERT_EQUAL(router_match(router_table, "PUT", "/api/v1/execute", &m), ROUTE_BAD_METHOD);
	CU_ASSERT_STRING_EQUAL(m.allow, "POST, GET");
	CU_ASSERT_EQUAL(router_match(router_table, "PUT", "/api/v1/execute/batch", &m),
			ROUTE_BAD_METHOD);
	CU_ASSERT_STRING_EQUAL(m.allow, "POST");
	CU_ASSERT_STRING_EQUAL(router_table[m.index].pattern, "/api/v1/execute/batch");
	CU_ASSERT_EQUAL(router_match(router_table, "PUT", "/api/v1/execute/batches", &m),
			ROUTE_BAD_METHOD);
	CU_ASSERT_STRING_EQUAL(m.allow, "GET");
}

/*
 * An id too long to copy is still the route's (API.md: an id that is not a
 * UUID is 400 validation_failed, not 404): it comes out as "?".
 */
static void test_id_too_long(void)
{
	char path[200] = "/api/v1/execute/";
	struct route_match m;

	memset(path + strlen(path), 'a', ROUTER_ID_MAX);	/* one byte over */
	CU_ASSERT_EQUAL(router_match(router_table, "GET", path, &m), ROUTE_OK);
	CU_ASSERT_PTR_EQUAL(m.route->fn, execute_get);
	CU_ASSERT_STRING_EQUAL(m.id, "?");
	CU_ASSERT_EQUAL(router_match(router_table, "PUT", path, &m), ROUTE_BAD_METHOD);
	strcat(path, "/x");
	CU_ASSERT_EQUAL(router_match(router_table, "GET", path, &m), ROUTE_NOT_FOUND);
	path[16 + ROUTER_ID_MAX - 1] = '\0';	/* the longest id that fits */
	CU_ASSERT_EQUAL(router_match(router_table, "GET", path, &m), ROUTE_OK);
	CU_ASSERT_EQUAL(strlen(m.id), ROUTER_ID_MAX - 1);
	CU_ASSERT(router_count(router_table) <= ROUTER_MAX_ROUTES);
}

void router_suite(void)
{
	static const struct cr_test tests[] = {
		{ "route table", test_table },
		{ "Allow lists every method of a path", test_shared_path_allow },
		{ "/execute, /execute/batch and /execute/{id}", test_execute_methods },
		{ "overlong id", test_id_too_long },
		{ "{id} and {n} of a test case", test_two_captures },
		{ NULL, NULL },
	};
	CR_ADD_SUITE("router", tests);
}
