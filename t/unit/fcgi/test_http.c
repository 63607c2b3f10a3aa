/*
 * The request/response layer and the API's top level driven from memory, for
 * everything that needs no database: the check order (route before auth, auth
 * before media type, media type before size before body), error bodies,
 * X-Request-Id echo/replace, query parameters.
 */
#include "config.h"

#include <json-c/json.h>
#include <string.h>

#include "common/buf.h"
#include "common/conf.h"
#include "common/jwt.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "common/utf8.h"
#include "fcgi/api.h"
#include "fcgi/handlers.h"
#include "fcgi/http.h"
#include "t/unit/cu.h"

void http_suite(void);

#define KEY "0123456789abcdef0123456789abcdef-test-key"
#define USER "550e8400-e29b-41d4-a716-446655440000"

static struct cr_config cfg;
static struct api api;

static int setup(void)
{
	cr_log_set_level("error");
	cr_config_defaults(&cfg);
	cfg.jwt_key = strdup(KEY);
	/* Never reached by these tests: every case is answered before the database. */
	cfg.database_url = strdup("host=/nonexistent-coderank-test port=1 connect_timeout=1");
	api_init(&api, &cfg, NULL, 0);
	return 0;
}

static int teardown(void)
{
	api_release(&api);
	cr_config_free(&cfg);
	return 0;
}

struct result {
	int status;
	char error[64];
	char message[256];
	char request_id[80];
	char allow[64];
	bool www_auth;
};

static struct result run(const char *method, const char *path, const char *query,
			 const char *auth, const char *ctype, const char *body, size_t body_cap,
			 const char *req_id)
{
	struct http_req req;
	struct http_resp resp;
	struct result out;

	memset(&out, 0, sizeof(out));
	http_req_init(&req, body_cap);
	http_resp_init(&resp);
	req.method = method;
	req.path = path;
	req.query = query ? query : "";
	req.authorization = auth;
	req.content_type = ctype;
	req.request_id = req_id;
	if (body) {
		req.content_length = (long long)strlen(body);
		if (body_cap && strlen(body) > body_cap)
			req.too_large = true;
		else
			cr_buf_addstr(&req.body, body);
	}
	api_handle(&api, &req, &resp);
	out.status = resp.status;
	http_resp_header_get(&resp, "X-Request-Id", out.request_id, sizeof(out.request_id));
	http_resp_header_get(&resp, "Allow", out.allow, sizeof(out.allow));
	out.www_auth = http_resp_header_get(&resp, "WWW-Authenticate", NULL, 0);
	if (resp.status >= 400) {
		struct json_object *o = json_tokener_parse(resp.body.data), *f;
		CU_ASSERT_PTR_NOT_NULL(o);
		CU_ASSERT_STRING_EQUAL(resp.content_type ? resp.content_type : "", "application/json");
		if (o && json_object_object_get_ex(o, "error", &f))
			snprintf(out.error, sizeof(out.error), "%s", json_object_get_string(f));
		if (o && json_object_object_get_ex(o, "message", &f))
			snprintf(out.message, sizeof(out.message), "%s", json_object_get_string(f));
		CU_ASSERT(o && json_object_object_length(o) == 2);
		json_object_put(o);
	}
	http_resp_release(&resp);
	http_req_release(&req);
	return out;
}

static char *token(const char *key, int64_t iat, int ttl)
{
	struct cr_buf b = CR_BUF_INIT;
	static char tok[1024];

	CU_ASSERT_EQUAL(cr_jwt_sign((const unsigned char *)key, strlen(key), USER, iat, ttl, &b), 0);
	snprintf(tok, sizeof(tok), "Bearer %s", b.data);
	cr_buf_release(&b);
	return tok;
}

static void test_check_order(void)
{
	char expired[1100], forged[1100];
	int64_t now = cr_now();

	snprintf(expired, sizeof(expired), "%s", token(KEY, now - 7200, 3600));
	snprintf(forged, sizeof(forged), "%s", token("another-key-another-key-another-key!", now, 3600));

	static const char big[] = "{\"username\":\"abcdefghijklmnopqrstuvwxyz\"}";
	const struct {
		const char *method, *path, *query, *auth, *ctype, *body;
		size_t cap;
		int status;
		const char *error;
	} cases[] = {
		/* route first: an unknown path is 404 even without a token */
		{ "GET", "/api/v1/nope", NULL, NULL, NULL, NULL, 0, 404, "not_found" },
		{ "GET", "/api/v1/execute/x/y", NULL, "Bearer bad", NULL, NULL, 0, 404, "not_found" },
		{ "DELETE", "/api/v1/execute/abc", NULL, NULL, NULL, NULL, 0, 405, "method_not_allowed" },
		{ "PUT", "/api/v1/auth/login", NULL, NULL, NULL, NULL, 0, 405, "method_not_allowed" },
		/* then authentication */
		{ "GET", "/api/v1/submissions", NULL, NULL, NULL, NULL, 0, 401, "unauthorized" },
		{ "GET", "/api/v1/execute/abc", NULL, "", NULL, NULL, 0, 401, "unauthorized" },
		{ "GET", "/api/v1/submissions", NULL, "Basic dXNlcjpwYXNz", NULL, NULL, 0, 401, "unauthorized" },
		{ "GET", "/api/v1/submissions", NULL, "Bearer ", NULL, NULL, 0, 401, "unauthorized" },
		{ "GET", "/api/v1/submissions", NULL, "Bearer a.b.c", NULL, NULL, 0, 401, "unauthorized" },
		{ "GET", "/api/v1/submissions", "page=abc", expired, NULL, NULL, 0, 401, "unauthorized" },
		{ "GET", "/api/v1/execute/not-a-uuid", NULL, forged, NULL, NULL, 0, 401, "unauthorized" },
		/* auth comes before media type, size and body */
		{ "POST", "/api/v1/execute", NULL, NULL, "text/plain", "x", 0, 401, "unauthorized" },
		{ "POST", "/api/v1/execute", NULL, forged, "text/plain", big, 8, 401, "unauthorized" },
		/* no auth on register/login: media type, then size, then body */
		{ "POST", "/api/v1/auth/register", NULL, NULL, "text/plain", big, 8, 415, "unsupported_media_type" },
		{ "POST", "/api/v1/auth/register", NULL, NULL, NULL, "{}", 0, 415, "unsupported_media_type" },
		{ "POST", "/api/v1/auth/register", NULL, NULL, "application/json", big, 8, 413, "payload_too_large" },
		{ "POST", "/api/v1/auth/register", NULL, NULL, "application/json", "", 0, 400, "invalid_json" },
		{ "POST", "/api/v1/auth/register", NULL, NULL, NULL, NULL, 0, 400, "invalid_json" },
		{ "POST", "/api/v1/auth/register", NULL, NULL, "application/json", "[1]", 0, 400, "invalid_json" },
		{ "POST", "/api/v1/auth/register", NULL, NULL, "application/json", "{\"username\":", 0, 400, "invalid_json" },
		{ "POST", "/api/v1/auth/register", NULL, NULL, "application/json",
		  "{\"username\":\"x\",\"email\":\"a@b.co\",\"password\":\"12345678\"}", 0, 400, "validation_failed" },
		{ "POST", "/api/v1/auth/login", NULL, NULL, "application/json; charset=utf-8",
		  "{\"email\":\"a@b.co\"}", 0, 400, "validation_failed" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct result r = run(cases[i].method, cases[i].path, cases[i].query, cases[i].auth,
				      cases[i].ctype, cases[i].body, cases[i].cap, NULL);
		CU_ASSERT_EQUAL(r.status, cases[i].status);
		CU_ASSERT_STRING_EQUAL(r.error, cases[i].error);
		CU_ASSERT(r.message[0] != '\0');
		CU_ASSERT_EQUAL(strlen(r.request_id), 36);	/* generated: a UUID */
		if (r.status == 405)
			CU_ASSERT(r.allow[0] != '\0');
		if (r.status == 401)
			CU_ASSERT_TRUE(r.www_auth);
		if (r.status != cases[i].status || strcmp(r.error, cases[i].error) != 0)
			fprintf(stderr, "\n  case %zu %s %s: %d %s (%s)\n", i, cases[i].method,
				cases[i].path, r.status, r.error, r.message);
	}
}

static void test_allow(void)
{
	struct result r = run("PUT", "/api/v1/execute", NULL, NULL, NULL, NULL, 0, NULL);
	CU_ASSERT_EQUAL(r.status, 405);
	CU_ASSERT_STRING_EQUAL(r.allow, "POST, GET");
	r = run("GET", "/api/v1/execute/batch", NULL, NULL, NULL, NULL, 0, NULL);
	CU_ASSERT_EQUAL(r.status, 405);
	CU_ASSERT_STRING_EQUAL(r.allow, "POST");
	r = run("POST", "/api/v1/health", NULL, NULL, NULL, NULL, 0, NULL);
	CU_ASSERT_STRING_EQUAL(r.allow, "GET");
}

static void test_request_id(void)
{
	static const struct { const char *in; bool echoed; } cases[] = {
		{ "abc-123", true },
		{ "A.b_C-9", true },
		{ "0123456789012345678901234567890123456789012345678901234567890123", true },
		{ "01234567890123456789012345678901234567890123456789012345678901234", false },
		{ "", false },
		{ "has space", false },
		{ "semi;colon", false },
		{ "x\r\nSet-Cookie: a=b", false },
		{ NULL, false },
	};
	char first[80] = "";

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct result r = run("GET", "/nope", NULL, NULL, NULL, NULL, 0, cases[i].in);
		if (cases[i].echoed) {
			CU_ASSERT_STRING_EQUAL(r.request_id, cases[i].in);
		} else {
			CU_ASSERT_EQUAL(strlen(r.request_id), 36);
			CU_ASSERT(strcmp(r.request_id, first) != 0);	/* a fresh one each time */
			snprintf(first, sizeof(first), "%s", r.request_id);
		}
	}
}

static void test_query_param(void)
{
	char v[16];

	CU_ASSERT_TRUE(http_query_param("a=1&b=2", "b", v, sizeof(v)));
	CU_ASSERT_STRING_EQUAL(v, "2");
	CU_ASSERT_TRUE(http_query_param("a=1&b=2&b=3", "b", v, sizeof(v)));
	CU_ASSERT_STRING_EQUAL(v, "3");
	CU_ASSERT_TRUE(http_query_param("b", "b", v, sizeof(v)));
	CU_ASSERT_STRING_EQUAL(v, "");
	CU_ASSERT_FALSE(http_query_param("bb=1&ab=2", "b", v, sizeof(v)));
	CU_ASSERT_FALSE(http_query_param("", "b", v, sizeof(v)));
	CU_ASSERT_FALSE(http_query_param(NULL, "b", v, sizeof(v)));
	CU_ASSERT_TRUE(http_query_param("b=0123456789012345678", "b", v, sizeof(v)));
	CU_ASSERT_STRING_EQUAL(v, "?");		/* too long: never a valid value */
}

static void test_resp_headers(void)
{
	struct http_resp resp;
	char v[32];

	http_resp_init(&resp);
	http_resp_header(&resp, "X-A", "%d", 5);
	http_resp_header(&resp, "Retry-After", "%s", "7");
	http_resp_header(&resp, "X-Bad", "%s", "a\r\nX-Injected: 1");
	CU_ASSERT_TRUE(http_resp_header_get(&resp, "retry-after", v, sizeof(v)));
	CU_ASSERT_STRING_EQUAL(v, "7");
	CU_ASSERT_TRUE(http_resp_header_get(&resp, "X-A", v, sizeof(v)));
	CU_ASSERT_STRING_EQUAL(v, "5");
	CU_ASSERT_FALSE(http_resp_header_get(&resp, "X-Bad", v, sizeof(v)));
	CU_ASSERT_FALSE(http_resp_header_get(&resp, "X-Injected", v, sizeof(v)));
	CU_ASSERT_STRING_EQUAL(http_reason(429), "Too Many Requests");
	http_resp_release(&resp);
}

/*
 * The database is unreachable here: whatever needs it answers 503 unavailable
 * with Retry-After, and like every answer with an X-Request-Id. Login counts
 * its attempt in PostgreSQL first, so it is 503 too (never a 401 that would
 * skip the per-account limit).
 */
static void test_unavailable(void)
{
	const char *good = token(KEY, cr_now(), 3600);
	char auth[1100];
	static const char login[] = "{\"email\":\"a@b.co\",\"password\":\"SecurePass123!\"}";

	snprintf(auth, sizeof(auth), "%s", good);
	const struct {
		const char *method, *path, *auth, *body;
	} cases[] = {
		{ "GET", "/api/v1/submissions", auth, NULL },
		{ "GET", "/api/v1/execute/123e4567-e89b-12d3-a456-426614174000", auth, NULL },
		{ "GET", "/api/v1/languages", NULL, NULL },
		{ "GET", "/api/v1/health", NULL, NULL },
		{ "POST", "/api/v1/auth/login", NULL, login },
		{ "POST", "/api/v1/execute", auth, "{}" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_req req;
		struct http_resp resp;
		char v[80] = "";

		http_req_init(&req, 0);
		http_resp_init(&resp);
		req.method = cases[i].method;
		req.path = cases[i].path;
		req.authorization = cases[i].auth;
		req.request_id = "unavailable-case";
		if (cases[i].body) {
			req.content_type = "application/json";
			cr_buf_addstr(&req.body, cases[i].body);
		}
		api_handle(&api, &req, &resp);
		CU_ASSERT_EQUAL(resp.status, 503);
		CU_ASSERT_PTR_NOT_NULL(strstr(resp.body.data, "\"error\":\"unavailable\""));
		CU_ASSERT_TRUE(http_resp_header_get(&resp, "Retry-After", v, sizeof(v)));
		CU_ASSERT_TRUE(http_resp_header_get(&resp, "X-Request-Id", v, sizeof(v)));
		CU_ASSERT_STRING_EQUAL(v, "unavailable-case");
		if (resp.status != 503)
			fprintf(stderr, "\n  case %zu %s %s: %d\n", i, cases[i].method,
				cases[i].path, resp.status);
		http_resp_release(&resp);
		http_req_release(&req);
	}
}

/* An id too long for the router is still the route's: 401 first, never 404. */
static void test_long_id(void)
{
	char path[300] = "/api/v1/execute/";

	memset(path + strlen(path), 'a', 200);
	struct result r = run("GET", path, NULL, NULL, NULL, NULL, 0, NULL);
	CU_ASSERT_EQUAL(r.status, 401);
	r = run("DELETE", path, NULL, NULL, NULL, NULL, 0, NULL);
	CU_ASSERT_EQUAL(r.status, 405);
}

/*
 * A message that quotes client text is cut at 511 bytes; cut inside a UTF-8
 * sequence it must still give a valid UTF-8 body (API.md: bodies are UTF-8).
 */
static void test_error_message_utf8(void)
{
	struct http_resp resp;
	struct api_call c;
	struct cr_buf email = CR_BUF_INIT;

	for (int i = 0; i < 250; i++)
		cr_buf_addstr(&email, "\xf0\x9f\x98\x80");	/* U+1F600, 4 bytes */
	cr_buf_addstr(&email, "@b.co");
	for (int shift = 0; shift < 4; shift++) {
		memset(&c, 0, sizeof(c));
		http_resp_init(&resp);
		c.resp = &resp;
		snprintf(c.request_id, sizeof(c.request_id), "r1");
		api_error(&c, 409, "conflict", "%.*semail '%s' is already registered", shift,
			  "xxx", email.data);
		CU_ASSERT_EQUAL(resp.status, 409);
		CU_ASSERT_TRUE(cr_utf8_valid(resp.body.data, resp.body.len));
		struct json_object *o = json_tokener_parse(resp.body.data);
		CU_ASSERT_PTR_NOT_NULL(o);
		json_object_put(o);
		http_resp_release(&resp);
	}
	cr_buf_release(&email);
}

void http_suite(void)
{
	static const struct cr_test tests[] = {
		{ "check order and error bodies", test_check_order },
		{ "405 Allow", test_allow },
		{ "X-Request-Id echo or replace", test_request_id },
		{ "query parameters", test_query_param },
		{ "response headers", test_resp_headers },
		{ "503 with Retry-After and X-Request-Id", test_unavailable },
		{ "overlong id is the route's", test_long_id },
		{ "error messages stay UTF-8", test_error_message_utf8 },
		{ NULL, NULL },
	};
	CU_pSuite s = CU_add_suite("http", setup, teardown);
	if (!s)
		exit(2);
	for (size_t i = 0; tests[i].name; i++)
		if (!CU_add_test(s, tests[i].name, tests[i].fn))
			exit(2);
}
