/* Validation tables: bodies, register/login/execute fields, sizes, UTF-8, NUL, pagination. */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "fcgi/validate.h"
#include "t/unit/cu.h"

void validate_suite(void);

/* Parse a body given with its length (it may hold NUL or invalid UTF-8). */
static int parse(const char *s, size_t len, size_t max, struct json_object **o, struct verr *e)
{
	struct cr_buf b;
	int rc;

	cr_buf_init(&b, 0);
	cr_buf_add(&b, s, len);
	rc = validate_body(&b, false, max, o, e);
	cr_buf_release(&b);
	return rc;
}

#define LIT(s) s, sizeof(s) - 1

static void test_body(void)
{
	static const struct { const char *s; size_t len; int status; const char *code; } cases[] = {
		{ LIT("{}"), 0, NULL },
		{ LIT("  {\"a\": 1}\n"), 0, NULL },
		{ LIT("{\"a\":\"\\u0000\"}"), 0, NULL },	/* NUL escapes parse; fields decide */
		{ LIT(""), 400, "invalid_json" },
		{ LIT("   "), 400, "invalid_json" },
		{ LIT("[]"), 400, "invalid_json" },
		{ LIT("[{}]"), 400, "invalid_json" },
		{ LIT("123"), 400, "invalid_json" },
		{ LIT("\"x\""), 400, "invalid_json" },
		{ LIT("null"), 400, "invalid_json" },
		{ LIT("{"), 400, "invalid_json" },
		{ LIT("{\"a\":}"), 400, "invalid_json" },
		{ LIT("{} x"), 400, "invalid_json" },
		{ LIT("{}{}"), 400, "invalid_json" },
		{ LIT("{'a':1}"), 400, "invalid_json" },
		{ LIT("{\"a\":1,}"), 400, "invalid_json" },
		{ LIT("{\"a\":NaN}"), 400, "invalid_json" },
		{ LIT("{\"a\":1.}"), 400, "invalid_json" },
		{ LIT("{\"a\":01}"), 400, "invalid_json" },
		{ LIT("{\"a\":\"tab\tx\"}"), 400, "invalid_json" },
		{ LIT("{\"a\":\"\\x\"}"), 400, "invalid_json" },
		{ LIT("{\"a\":\"\\u12\"}"), 400, "invalid_json" },
		{ LIT("{a:1}"), 400, "invalid_json" },
		{ LIT("{\"a\" 1}"), 400, "invalid_json" },
		{ LIT("{\"a\":[1,2,{\"b\":[true,false,null,-0.5e+3,\"\\u00e9\\n\"]}]}"), 0, NULL },
		{ LIT("\xff{}"), 400, "invalid_json" },
		{ LIT("{\"a\":\"\xc3\x28\"}"), 400, "invalid_json" },		/* bad continuation */
		{ LIT("{\"a\":\"\xed\xa0\x80\"}"), 400, "invalid_json" },	/* encoded surrogate */
		{ LIT("{\"a\":\"\xc0\xaf\"}"), 400, "invalid_json" },		/* overlong */
		{ "{\"a\":\"x\0\"}", 10, 400, "invalid_json" },			/* raw NUL */
		{ LIT("{\"a\":\"0123456789\"}"), 413, "payload_too_large" },	/* max 16 below */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *o = NULL;
		struct verr e = { 0, NULL, "", NULL };
		int rc = parse(cases[i].s, cases[i].len, cases[i].status == 413 ? 16 : 1024, &o, &e);
		if (cases[i].status == 0) {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_PTR_NOT_NULL(o);
		} else {
			CU_ASSERT_EQUAL(rc, -1);
			CU_ASSERT_PTR_NULL(o);
			CU_ASSERT_EQUAL(e.status, cases[i].status);
			CU_ASSERT(e.code && strcmp(e.code, cases[i].code) == 0);
			CU_ASSERT(e.message[0] != '\0');
		}
		if ((rc == 0) != (cases[i].status == 0))
			fprintf(stderr, "\n  body case %zu: rc %d status %d (%s)\n", i, rc, e.status, e.message);
		json_object_put(o);
	}
}

static void test_body_too_large_flag(void)
{
	struct cr_buf b;
	struct json_object *o = NULL;
	struct verr e;

	cr_buf_init(&b, 0);
	cr_buf_addstr(&b, "{}");
	CU_ASSERT_EQUAL(validate_body(&b, true, 1024, &o, &e), -1);
	CU_ASSERT_EQUAL(e.status, 413);
	cr_buf_release(&b);
}

static struct json_object *obj(const char *text)
{
	struct json_object *o = NULL;
	struct verr e;

	if (parse(text, strlen(text), 4u << 20, &o, &e) != 0)
		fprintf(stderr, "\n  could not parse test body: %s\n", e.message);
	return o;
}

static char *repeat(const char *unit, size_t n)
{
	size_t ul = strlen(unit);
	char *s = malloc(ul * n + 1);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * ul, unit, ul);
	s[ul * n] = '\0';
	return s;
}

static void check(int rc, const struct verr *e, int want, const char *what)
{
	if (want == 0) {
		CU_ASSERT_EQUAL(rc, 0);
	} else {
		CU_ASSERT_EQUAL(rc, -1);
		CU_ASSERT_EQUAL(e->status, want);
		if (want == 400)
			CU_ASSERT(e->code && strcmp(e->code, "validation_failed") == 0);
		if (want == 413)
			CU_ASSERT(e->code && strcmp(e->code, "payload_too_large") == 0);
	}
	if ((rc == 0) != (want == 0) || (want && e->status != want))
		fprintf(stderr, "\n  %s: rc %d status %d (%s)\n", what, rc, e->status, e->message);
}

static void test_register(void)
{
	char *u50 = repeat("a", 50), *u51 = repeat("a", 51);
	char *e255, *e256, *p128 = repeat("\xc3\xa9", 128), *p129 = repeat("x", 129);
	char *dom = repeat("d", 251);
	char text[4096];

	e255 = malloc(300);
	e256 = malloc(300);
	snprintf(e255, 300, "a@%.248s.com", dom);	/* 1 + 1 + 248 + 4 = 254 */
	snprintf(e256, 300, "ab@%.248s.coms", dom);	/* 256 */
	const struct { const char *user, *email, *pass; int want; } cases[] = {
		{ "\"john_doe\"", "\"john@example.com\"", "\"SecurePass123!\"", 0 },
		{ "\"j.d-x_9\"", "\"J+tag@Sub.Example.org\"", "\"12345678\"", 0 },
		{ "\"abc\"", "\"a@b.co\"", "\"12345678\"", 0 },
		{ "\"ab\"", "\"a@b.co\"", "\"12345678\"", 400 },
		{ NULL, "\"a@b.co\"", "\"12345678\"", 400 },
		{ "\"abc\"", NULL, "\"12345678\"", 400 },
		{ "\"abc\"", "\"a@b.co\"", NULL, 400 },
		{ "123", "\"a@b.co\"", "\"12345678\"", 400 },
		{ "null", "\"a@b.co\"", "\"12345678\"", 400 },
		{ "\"jo hn\"", "\"a@b.co\"", "\"12345678\"", 400 },
		{ "\"john!\"", "\"a@b.co\"", "\"12345678\"", 400 },
		{ "\"j\xc3\xb6hn\"", "\"a@b.co\"", "\"12345678\"", 400 },
		{ "\"ab\\u0000c\"", "\"a@b.co\"", "\"12345678\"", 400 },
		{ "\"abc\"", "\"ab.co\"", "\"12345678\"", 400 },
		{ "\"abc\"", "\"a@@b.co\"", "\"12345678\"", 400 },
		{ "\"abc\"", "\"a@b@c.co\"", "\"12345678\"", 400 },
		{ "\"abc\"", "\"a@bco\"", "\"12345678\"", 400 },
		{ "\"abc\"", "\"@b.co\"", "\"12345678\"", 400 },
		{ "\"abc\"", "\"a@.co\"", "\"12345678\"", 400 },
		{ "\"abc\"", "\"a@b.\"", "\"12345678\"", 400 },
		{ "\"abc\"", "\"a b@c.co\"", "\"12345678\"", 400 },
		{ "\"abc\"", "\"a@b.co\\u0000\"", "\"12345678\"", 400 },
		{ "\"abc\"", "\"a@b.co\"", "\"1234567\"", 400 },
		{ "\"abc\"", "\"a@b.co\"", "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"", 400 },
		{ "\"abc\"", "\"a@b.co\"", "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"", 0 },
		{ "\"abc\"", "\"a@b.co\"", "12345678", 400 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct register_req r;
		struct verr e = { 0, NULL, "", NULL };
		int n = snprintf(text, sizeof(text), "{");
		if (cases[i].user)
			n += snprintf(text + n, sizeof(text) - (size_t)n, "\"username\":%s,", cases[i].user);
		if (cases[i].email)
			n += snprintf(text + n, sizeof(text) - (size_t)n, "\"email\":%s,", cases[i].email);
		if (cases[i].pass)
			n += snprintf(text + n, sizeof(text) - (size_t)n, "\"password\":%s,", cases[i].pass);
		snprintf(text + n, sizeof(text) - (size_t)n, "\"extra\":true}");
		struct json_object *o = obj(text);
		CU_ASSERT_PTR_NOT_NULL_FATAL(o);
		check(validate_register(o, &r, &e), &e, cases[i].want, text);
		json_object_put(o);
	}
	/* lengths at and past the limits */
	const struct { const char *user, *email, *pass; int want; } edges[] = {
		{ u50, "a@b.co", "12345678", 0 },
		{ u51, "a@b.co", "12345678", 400 },
		{ "abc", e255, "12345678", 0 },
		{ "abc", e256, "12345678", 400 },
		{ "abc", "a@b.co", p128, 0 },		/* 128 characters, 256 bytes */
		{ "abc", "a@b.co", p129, 400 },
	};
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		struct register_req r;
		struct verr e = { 0, NULL, "", NULL };
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "username", json_object_new_string(edges[i].user));
		json_object_object_add(o, "email", json_object_new_string(edges[i].email));
		json_object_object_add(o, "password", json_object_new_string(edges[i].pass));
		check(validate_register(o, &r, &e), &e, edges[i].want, "register edge");
		json_object_put(o);
	}
	free(u50); free(u51); free(e255); free(e256); free(p128); free(p129); free(dom);
}

static void test_login(void)
{
	static const struct { const char *text; int want; } cases[] = {
		{ "{\"email\":\"a@b.co\",\"password\":\"x\"}", 0 },
		{ "{\"email\":\"a@b.co\"}", 400 },
		{ "{\"password\":\"x\"}", 400 },
		{ "{\"email\":1,\"password\":\"x\"}", 400 },
		{ "{\"email\":\"a@b.co\",\"password\":[]}", 400 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct login_req r;
		struct verr e = { 0, NULL, "", NULL };
		struct json_object *o = obj(cases[i].text);
		CU_ASSERT_PTR_NOT_NULL_FATAL(o);
		check(validate_login(o, &r, &e), &e, cases[i].want, cases[i].text);
		json_object_put(o);
	}
}

static void test_execute(void)
{
	const struct vlimits lim = { 2u << 20, 65536, 1u << 20, 64 };
	char *src_max = repeat("a", 65536), *src_over = repeat("a", 65537);
	char *in_max = repeat("b", 1u << 20), *in_over = repeat("b", (1u << 20) + 1);
	static const struct { const char *text; int want; size_t srclen, inlen; } cases[] = {
		{ "{\"language\":\"python\",\"source_code\":\"print(1)\",\"input\":\"x\"}", 0, 8, 1 },
		{ "{\"language\":\"python\",\"source_code\":\"print(1)\"}", 0, 8, 0 },
		{ "{\"language\":\"python\",\"source_code\":\"print(1)\",\"input\":null}", 0, 8, 0 },
		{ "{\"language\":\"python\",\"source_code\":\"p\",\"input\":\"a\\u0000b\"}", 0, 1, 3 },
		{ "{\"language\":\"c++x\",\"source_code\":\"p\"}", 0, 1, 0 },
		{ "{\"source_code\":\"print(1)\"}", 400, 0, 0 },
		{ "{\"language\":5,\"source_code\":\"print(1)\"}", 400, 0, 0 },
		{ "{\"language\":\"\",\"source_code\":\"print(1)\"}", 400, 0, 0 },
		{ "{\"language\":\"py thon\",\"source_code\":\"print(1)\"}", 400, 0, 0 },
		{ "{\"language\":\"python\"}", 400, 0, 0 },
		{ "{\"language\":\"python\",\"source_code\":\"\"}", 400, 0, 0 },
		{ "{\"language\":\"python\",\"source_code\":null}", 400, 0, 0 },
		{ "{\"language\":\"python\",\"source_code\":[\"x\"]}", 400, 0, 0 },
		{ "{\"language\":\"python\",\"source_code\":\"a\\u0000b\"}", 400, 0, 0 },
		{ "{\"language\":\"python\",\"source_code\":\"\\u0000\"}", 400, 0, 0 },
		{ "{\"language\":\"python\",\"source_code\":\"x\",\"input\":5}", 400, 0, 0 },
		/* a lone surrogate escape becomes U+FFFD: still valid UTF-8 */
		{ "{\"language\":\"python\",\"source_code\":\"\\ud800\"}", 0, 3, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct execute_req r;
		struct verr e = { 0, NULL, "", NULL };
		struct json_object *o = obj(cases[i].text);
		CU_ASSERT_PTR_NOT_NULL_FATAL(o);
		int rc = validate_execute(o, &lim, &r, &e);
		check(rc, &e, cases[i].want, cases[i].text);
		if (rc == 0) {
			CU_ASSERT_EQUAL(r.source.len, cases[i].srclen);
			CU_ASSERT_EQUAL(r.input.len, cases[i].inlen);
			CU_ASSERT_PTR_NOT_NULL(r.input.s);
		}
		json_object_put(o);
	}
	const struct { const char *lang, *src, *in; int want; } sizes[] = {
		{ "python", src_max, NULL, 0 },
		{ "python", src_over, NULL, 413 },
		{ "python", "x", in_max, 0 },
		{ "python", "x", in_over, 413 },
		{ NULL, src_over, NULL, 413 },		/* size (413) before the body's fields (400) */
	};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct execute_req r;
		struct verr e = { 0, NULL, "", NULL };
		struct json_object *o = json_object_new_object();
		if (sizes[i].lang)
			json_object_object_add(o, "language", json_object_new_string(sizes[i].lang));
		json_object_object_add(o, "source_code", json_object_new_string(sizes[i].src));
		if (sizes[i].in)
			json_object_object_add(o, "input", json_object_new_string(sizes[i].in));
		check(validate_execute(o, &lim, &r, &e), &e, sizes[i].want, "execute size");
		json_object_put(o);
	}
	/* A multi-byte source is measured in bytes: 21846 x 3 bytes = 65538 > 65536. */
	char *euro = repeat("\xe2\x82\xac", 21846);
	struct json_object *o = json_object_new_object();
	struct execute_req r;
	struct verr e;
	json_object_object_add(o, "language", json_object_new_string("python"));
	json_object_object_add(o, "source_code", json_object_new_string(euro));
	check(validate_execute(o, &lim, &r, &e), &e, 413, "euro source");
	json_object_put(o);
	free(euro); free(src_max); free(src_over); free(in_max); free(in_over);
}

/* The field a failure of validate_execute() names (for a batch's "submissions[i].field"). */
static void test_execute_field(void)
{
	const struct vlimits lim = { 1024, 8, 4, 64 };
	static const struct { const char *text; int status; const char *field; } cases[] = {
		{ "{\"source_code\":\"x\"}", 400, "language" },
		{ "{\"language\":1,\"source_code\":\"x\"}", 400, "language" },
		{ "{\"language\":\"a b\",\"source_code\":\"x\"}", 400, "language" },
		{ "{\"language\":\"python\"}", 400, "source_code" },
		{ "{\"language\":\"python\",\"source_code\":\"\"}", 400, "source_code" },
		{ "{\"language\":\"python\",\"source_code\":\"a\\u0000\"}", 400, "source_code" },
		{ "{\"language\":\"python\",\"source_code\":\"123456789\"}", 413, "source_code" },
		{ "{\"language\":\"python\",\"source_code\":\"x\",\"input\":\"12345\"}", 413, "input" },
		{ "{\"language\":\"python\",\"source_code\":\"x\",\"input\":[]}", 400, "input" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct execute_req r;
		struct verr e = { 0, NULL, "", NULL };
		struct json_object *o = obj(cases[i].text);
		CU_ASSERT_PTR_NOT_NULL_FATAL(o);
		check(validate_execute(o, &lim, &r, &e), &e, cases[i].status, cases[i].text);
		CU_ASSERT(e.field && strcmp(e.field, cases[i].field) == 0);
		json_object_put(o);
	}
}

static void test_batch(void)
{
	static const struct { const char *text; size_t n; const char *msg; } cases[] = {
		{ "{\"submissions\":[{}]}", 1, NULL },
		{ "{\"submissions\":[1,2,3],\"x\":1}", 3, NULL },
		{ "{\"submissions\":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}", 20, NULL },
		{ "{}", 0, "field 'submissions' is required" },
		{ "{\"submissions\":null}", 0, "field 'submissions' is required" },
		{ "{\"submissions\":{}}", 0, "field 'submissions' must be an array" },
		{ "{\"submissions\":\"x\"}", 0, "field 'submissions' must be an array" },
		{ "{\"submissions\":[]}", 0, "submissions must have 1 to 20 items, not 0" },
		{ "{\"submissions\":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}", 0,
		  "submissions must have 1 to 20 items, not 21" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *items = NULL;
		struct verr e = { 0, NULL, "", NULL };
		size_t n = 99;
		struct json_object *o = obj(cases[i].text);
		CU_ASSERT_PTR_NOT_NULL_FATAL(o);
		int rc = validate_batch(o, &items, &n, &e);
		check(rc, &e, cases[i].msg ? 400 : 0, cases[i].text);
		if (cases[i].msg) {
			CU_ASSERT_STRING_EQUAL(e.message, cases[i].msg);
			CU_ASSERT_PTR_NULL(items);
			CU_ASSERT_EQUAL(n, 0);
		} else {
			CU_ASSERT_EQUAL(n, cases[i].n);
			CU_ASSERT(json_object_is_type(items, json_type_array));
		}
		json_object_put(o);
	}
}

/* Each item as POST /execute's body, its message naming the index and the field. */
static void test_batch_item(void)
{
	const struct vlimits lim = { 1024, 8, 4, 64 };
	struct json_object *o = obj("{\"submissions\":["
				    "{\"language\":\"python\",\"source_code\":\"print(1)\"},"
				    "{\"language\":\"py thon\",\"source_code\":\"x\"},"
				    "{\"language\":\"python\",\"source_code\":\"123456789\"},"
				    "[\"language\"],"
				    "{\"language\":\"c\",\"source_code\":\"x\",\"input\":\"a\\u0000b\"},"
				    "{\"source_code\":\"x\"},"
				    "null]}");
	static const struct { int status; const char *msg; } want[] = {
		{ 0, NULL },
		{ 400, "submissions[1].language: field 'language' is not a language id" },
		{ 413, "submissions[2].source_code: source_code is larger than 8 bytes" },
		{ 400, "submissions[3]: must be an object" },
		{ 0, NULL },
		{ 400, "submissions[5].language: field 'language' is required" },
		{ 400, "submissions[6]: must be an object" },
	};
	struct json_object *items;
	struct verr e;
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL_FATAL(validate_batch(o, &items, &n, &e), 0);
	CU_ASSERT_EQUAL_FATAL(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++) {
		struct execute_req r;
		int rc = validate_batch_item(items, i, &lim, &r, &e);
		check(rc, &e, want[i].status, "batch item");
		if (want[i].msg) {
			CU_ASSERT_STRING_EQUAL(e.message, want[i].msg);
		} else {
			CU_ASSERT(r.input.s != NULL);
		}
	}
	json_object_put(o);

	/* a language no active row has: the same words as POST /execute, then named */
	struct v_str lang = { "cobol", 5 };
	CU_ASSERT_EQUAL(validate_unsupported(&lang, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.message, "language 'cobol' is not supported");
	validate_name_item(&e, 19);
	CU_ASSERT_STRING_EQUAL(e.message, "submissions[19].language: language 'cobol' is not supported");
	CU_ASSERT_EQUAL(e.status, 400);

	/* a long message is cut at the end, never overflows */
	e.field = "source_code";
	memset(e.message, 'm', sizeof(e.message) - 1);
	e.message[sizeof(e.message) - 1] = '\0';
	validate_name_item(&e, 3);
	CU_ASSERT_EQUAL(strlen(e.message), sizeof(e.message) - 1);
	CU_ASSERT(strncmp(e.message, "submissions[3].source_code: mmm", 31) == 0);
}

static void test_batch_wait(void)
{
	static const struct { const char *q; int ok; } cases[] = {
		{ "", 1 }, { "wait=false", 1 }, { "wait=0", 1 }, { "x=1", 1 },
		{ "wait=true", 0 }, { "wait=1", 0 }, { "wait=yes", 0 }, { "wait=", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct verr e = { 0, NULL, "", NULL };
		int rc = validate_batch_wait(cases[i].q, &e);
		check(rc, &e, cases[i].ok ? 0 : 400, cases[i].q);
	}
	struct verr e;
	validate_batch_wait("wait=true", &e);
	CU_ASSERT_STRING_EQUAL(e.message, "wait is not supported for batches");
}

#define U1 "123e4567-e89b-12d3-a456-426614174000"
#define U2 "00000000-0000-4000-8000-000000000002"
#define U3 "ABCDEF01-2345-4678-9ABC-DEF012345678"

static void test_ids(void)
{
	static const struct { const char *q; size_t n; const char *msg; } cases[] = {
		{ "ids=" U1, 1, NULL },
		{ "ids=" U1 "," U2, 2, NULL },
		{ "x=1&ids=" U2 "%2C" U1 "%2c" U3, 3, NULL },
		{ "ids=a&ids=" U1, 1, NULL },			/* the last one counts */
		{ "", 0, "ids is required: 1 to 20 comma-separated submission ids" },
		{ "id=" U1, 0, "ids is required: 1 to 20 comma-separated submission ids" },
		{ "ids=", 0, "ids must list 1 to 20 submission ids" },
		{ "ids", 0, "ids must list 1 to 20 submission ids" },
		{ "ids=" U1 ",", 0, "ids[1] is empty" },
		{ "ids=," U1, 0, "ids[0] is empty" },
		{ "ids=" U1 ",," U2, 0, "ids[1] is empty" },
		{ "ids=" U1 ",nope", 0, "ids[1] 'nope' is not a UUID" },
		{ "ids=" U1 "x", 0, "ids[0] '" U1 "x' is not a UUID" },
		{ "ids=123e4567-e89b-12d3-a456-42661417400g", 0,
		  "ids[0] '123e4567-e89b-12d3-a456-42661417400g' is not a UUID" },
		{ "ids=" U1 "%20", 0, "ids[0] '" U1 "%20' is not a UUID" },
		{ "ids=" U1 "," U2 "," U1, 0, "ids[2] repeats ids[0]" },
		{ "ids=" U3 ",abcdef01-2345-4678-9abc-def012345678", 0, "ids[1] repeats ids[0]" },
	};
	char ids[BATCH_MAX][CR_UUID_LEN + 1];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct verr e = { 0, NULL, "", NULL };
		size_t n = 99;
		int rc = validate_ids(cases[i].q, ids, &n, &e);
		check(rc, &e, cases[i].msg ? 400 : 0, cases[i].q);
		if (cases[i].msg) {
			CU_ASSERT_STRING_EQUAL(e.message, cases[i].msg);
		} else {
			CU_ASSERT_EQUAL(n, cases[i].n);
		}
	}
	/* canonical form, in the order given */
	size_t n;
	struct verr e;
	CU_ASSERT_EQUAL_FATAL(validate_ids("ids=" U3 "," U1, ids, &n, &e), 0);
	CU_ASSERT_STRING_EQUAL(ids[0], "abcdef01-2345-4678-9abc-def012345678");
	CU_ASSERT_STRING_EQUAL(ids[1], U1);

	/* 20 ids, 21, and a value too long to copy */
	char q[8192] = "ids=";
	for (int i = 0; i < 21; i++)
		snprintf(q + strlen(q), sizeof(q) - strlen(q), "%s00000000-0000-4000-8000-0000000000%02d",
			 i ? "," : "", i);
	CU_ASSERT_EQUAL(validate_ids(q, ids, &n, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.message, "ids must list at most 20 submission ids");
	*strrchr(q, ',') = '\0';
	CU_ASSERT_EQUAL(validate_ids(q, ids, &n, &e), 0);
	CU_ASSERT_EQUAL(n, 20);
	CU_ASSERT_STRING_EQUAL(ids[19], "00000000-0000-4000-8000-000000000019");
	memset(q + 4, 'a', 5000);
	q[5004] = '\0';
	CU_ASSERT_EQUAL(validate_ids(q, ids, &n, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.message, "ids must list at most 20 submission ids");
}

static void test_page(void)
{
	static const struct { const char *q; int ok, page, limit; } cases[] = {
		{ "", 1, 1, 20 },
		{ "page=2", 1, 2, 20 },
		{ "limit=100", 1, 1, 100 },
		{ "limit=1&page=3", 1, 3, 1 },
		{ "foo=bar&page=2&x", 1, 2, 20 },
		{ "page=01", 1, 1, 20 },
		{ "page=999999999", 1, 999999999, 20 },
		{ "page=1&page=4", 1, 4, 20 },
		{ "limit=101", 0, 0, 0 },
		{ "limit=0", 0, 0, 0 },
		{ "page=0", 0, 0, 0 },
		{ "page=abc", 0, 0, 0 },
		{ "page=1x", 0, 0, 0 },
		{ "page=", 0, 0, 0 },
		{ "page", 0, 0, 0 },
		{ "limit=", 0, 0, 0 },
		{ "page=-1", 0, 0, 0 },
		{ "page=+1", 0, 0, 0 },
		{ "page= 1", 0, 0, 0 },
		{ "page=1.5", 0, 0, 0 },
		{ "page=%31", 0, 0, 0 },
		{ "page=99999999999999999999", 0, 0, 0 },
		{ "page=2147483648", 0, 0, 0 },
		{ "limit=-5", 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int page = -1, limit = -1;
		struct verr e = { 0, NULL, "", NULL };
		int rc = validate_page(cases[i].q, &page, &limit, &e);
		if (cases[i].ok) {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_EQUAL(page, cases[i].page);
			CU_ASSERT_EQUAL(limit, cases[i].limit);
		} else {
			CU_ASSERT_EQUAL(rc, -1);
			CU_ASSERT_EQUAL(e.status, 400);
			CU_ASSERT(e.code && strcmp(e.code, "validation_failed") == 0);
		}
		if ((rc == 0) != cases[i].ok)
			fprintf(stderr, "\n  page case \"%s\": rc %d\n", cases[i].q, rc);
	}
}

static void test_wait(void)
{
	static const struct { const char *q; int ok; bool wait; } cases[] = {
		{ "", 1, false }, { "wait=true", 1, true }, { "wait=1", 1, true },
		{ "wait=false", 1, false }, { "a=b&wait=0", 1, false },
		{ "wait=yes", 0, false }, { "wait=", 0, false }, { "wait=TRUE1", 0, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool w = !cases[i].wait;
		struct verr e;
		int rc = validate_wait(cases[i].q, &w, &e);
		CU_ASSERT_EQUAL(rc == 0, cases[i].ok);
		if (cases[i].ok)
			CU_ASSERT_EQUAL(w, cases[i].wait);
	}
}

static void test_media_type(void)
{
	static const struct { const char *ct; size_t body; int ok; } cases[] = {
		{ NULL, 0, 1 },			/* no body at all: the body check decides */
		{ NULL, 2, 0 },
		{ "", 2, 0 },
		{ "application/json", 2, 1 },
		{ "application/json; charset=utf-8", 2, 1 },
		{ "Application/JSON;charset=UTF-8", 2, 1 },
		{ "application/json; charset=\"utf-8\"", 2, 1 },
		{ "application/json ; foo=bar", 2, 1 },
		{ "application/json; charset=latin1", 2, 0 },
		{ "application/jsonx", 2, 0 },
		{ "text/plain", 2, 0 },
		{ "application/x-www-form-urlencoded", 2, 0 },
		{ "multipart/form-data; boundary=x", 2, 0 },
		{ "text/plain", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct verr e = { 0, NULL, "", NULL };
		int rc = validate_media_type(cases[i].ct, cases[i].body, &e);
		CU_ASSERT_EQUAL(rc == 0, cases[i].ok);
		if (!cases[i].ok) {
			CU_ASSERT_EQUAL(e.status, 415);
			CU_ASSERT(e.code && strcmp(e.code, "unsupported_media_type") == 0);
		}
	}
}

static void test_request_id(void)
{
	char *id64 = repeat("a", 64), *id65 = repeat("a", 65);

	CU_ASSERT_TRUE(validate_request_id("abc"));
	CU_ASSERT_TRUE(validate_request_id("A-Z_a.z-09"));
	CU_ASSERT_TRUE(validate_request_id("x"));
	CU_ASSERT_TRUE(validate_request_id(id64));
	CU_ASSERT_FALSE(validate_request_id(id65));
	CU_ASSERT_FALSE(validate_request_id(""));
	CU_ASSERT_FALSE(validate_request_id(NULL));
	CU_ASSERT_FALSE(validate_request_id("a b"));
	CU_ASSERT_FALSE(validate_request_id("a/b"));
	CU_ASSERT_FALSE(validate_request_id("a\r\nX-Evil: 1"));
	CU_ASSERT_FALSE(validate_request_id("\xc3\xa9"));
	free(id64);
	free(id65);
}

/* test_cases, compare, epsilon, stop_on_first_failure, files: each rule, and its message. */
static void test_execute_judge(void)
{
	const struct vlimits lim = { 2u << 20, 64, 16, 3 };
#define BODY(rest) "{\"language\":\"python\",\"source_code\":\"print(1)\"" rest "}"
	static const struct { const char *text; int want; const char *says; } cases[] = {
		{ BODY(",\"test_cases\":[{}]"), 0, NULL },
		{ BODY(",\"test_cases\":[{\"name\":\"a\",\"input\":\"1\",\"expected_output\":\"2\"},"
		       "{\"input\":\"a\\u0000b\"},{\"expected_output\":null}]"), 0, NULL },
		{ BODY(",\"test_cases\":null"), 0, NULL },
		{ BODY(",\"test_cases\":[]"), 400, "1 to 3 items" },
		{ BODY(",\"test_cases\":[{},{},{},{}]"), 400, "not 4" },
		{ BODY(",\"test_cases\":{}"), 400, "must be an array" },
		{ BODY(",\"test_cases\":[5]"), 400, "test_cases[0] must be an object" },
		{ BODY(",\"test_cases\":[{},{\"input\":5}]"), 400, "test_cases[1].input must be a string" },
		{ BODY(",\"test_cases\":[{\"name\":\"a\\nb\"}]"), 400, "control characters" },
		{ BODY(",\"test_cases\":[{\"input\":\"12345678\",\"expected_output\":\"123456789\"}]"),
		  413, "total 17 bytes" },
		{ BODY(",\"input\":\"x\",\"test_cases\":[{}]"), 400, "cannot both be given" },
		{ BODY(",\"input\":null,\"test_cases\":[{}]"), 0, NULL },
		{ BODY(",\"test_cases\":[{}],\"compare\":\"tokens\",\"stop_on_first_failure\":true"), 0, NULL },
		{ BODY(",\"test_cases\":[{}],\"compare\":\"float\",\"epsilon\":1e-9"), 0, NULL },
		{ BODY(",\"test_cases\":[{}],\"compare\":\"float\",\"epsilon\":0"), 0, NULL },
		{ BODY(",\"test_cases\":[{}],\"compare\":\"fuzzy\""), 400, "one of exact, lines" },
		{ BODY(",\"test_cases\":[{}],\"compare\":\"lines\",\"epsilon\":0.1"), 400, "'float' only" },
		{ BODY(",\"test_cases\":[{}],\"compare\":\"float\",\"epsilon\":-1"), 400, "0 or more" },
		{ BODY(",\"test_cases\":[{}],\"compare\":\"float\",\"epsilon\":\"1\""), 400, "0 or more" },
		{ BODY(",\"test_cases\":[{}],\"stop_on_first_failure\":1"), 400, "true or false" },
		{ BODY(",\"compare\":\"exact\""), 400, "'compare' needs test_cases" },
		{ BODY(",\"stop_on_first_failure\":false"), 400, "needs test_cases" },
		{ BODY(",\"files\":[{\"name\":\"util.py\",\"content\":\"x=1\"}]"), 0, NULL },
		{ BODY(",\"files\":[{\"name\":\"a/b/c/d/e.py\",\"content\":\"\"},"
		       "{\"name\":\"a/b/x.py\",\"content\":\"\"}]"), 0, NULL },
		{ BODY(",\"files\":[]"), 0, NULL },
		{ BODY(",\"files\":[{\"name\":\"../x.py\",\"content\":\"\"}]"), 400, "'../x.py'" },
		{ BODY(",\"files\":[{\"name\":\"/etc/x\",\"content\":\"\"}]"), 400, "relative" },
		{ BODY(",\"files\":[{\"name\":\"-rf\",\"content\":\"\"}]"), 400, "'-rf'" },
		{ BODY(",\"files\":[{\"name\":\"a/b/c/d/e/f.py\",\"content\":\"\"}]"), 400, "levels" },
		{ BODY(",\"files\":[{\"name\":\"a\\u0000b\",\"content\":\"\"}]"), 400, "files[0].name" },
		{ BODY(",\"files\":[{\"name\":\"x.py\"}]"), 400, "needs a name and a content" },
		{ BODY(",\"files\":[{\"name\":\"x.py\",\"content\":\"a\\u0000\"}]"), 400, "NUL" },
		{ BODY(",\"files\":[{\"name\":\"x.py\",\"content\":\"\"},{\"name\":\"x.py\",\"content\":\"\"}]"),
		  400, "files[1].name 'x.py' collides with files[0]" },
		{ BODY(",\"files\":[{\"name\":\"a/b.py\",\"content\":\"\"},{\"name\":\"a\",\"content\":\"\"}]"),
		  400, "collides" },
		{ BODY(",\"files\":[{\"name\":\"ab\",\"content\":\"\"},{\"name\":\"a\",\"content\":\"\"}]"),
		  0, NULL },
		/* print(1) is 8 bytes: 8 + 56 = 64 fits, 8 + 57 does not */
		{ BODY(",\"files\":[{\"name\":\"x\",\"content\":\"" "12345678901234567890123456789012345678901234567890123456" "\"}]"),
		  0, NULL },
		{ BODY(",\"files\":[{\"name\":\"x\",\"content\":\"" "123456789012345678901234567890123456789012345678901234567" "\"}]"),
		  413, "total 65 bytes" },
	};
#undef BODY
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct execute_req r;
		struct verr e = { 0, NULL, "", NULL };
		struct json_object *o = obj(cases[i].text);
		int rc;

		CU_ASSERT_PTR_NOT_NULL_FATAL(o);
		memset(&r, 0, sizeof(r));
		rc = validate_execute(o, &lim, &r, &e);
		check(rc, &e, cases[i].want, cases[i].text);
		if (rc != 0 && cases[i].says && !strstr(e.message, cases[i].says))
			fprintf(stderr, "\n%s: \"%s\" lacks \"%s\"\n", cases[i].text, e.message,
				cases[i].says);
		if (rc != 0 && cases[i].says)
			CU_ASSERT_PTR_NOT_NULL(strstr(e.message, cases[i].says));
		json_object_put(o);
	}
}

/* What validate_execute() leaves in the request: the arrays, the mode, the defaults. */
static void test_execute_judge_values(void)
{
	const struct vlimits lim = { 2u << 20, 65536, 1u << 20, 64 };
	struct json_object *o = obj("{\"language\":\"c\",\"source_code\":\"x\","
				    "\"test_cases\":[{},{}],\"compare\":\"float\",\"epsilon\":0.5,"
				    "\"stop_on_first_failure\":true,"
				    "\"files\":[{\"name\":\"u.h\",\"content\":\"\"}]}");
	struct execute_req r;
	struct verr e;

	CU_ASSERT_EQUAL_FATAL(validate_execute(o, &lim, &r, &e), 0);
	CU_ASSERT_EQUAL(json_object_array_length(r.tests), 2);
	CU_ASSERT_EQUAL(json_object_array_length(r.files), 1);
	CU_ASSERT_EQUAL(r.compare, CR_COMPARE_FLOAT);
	CU_ASSERT_DOUBLE_EQUAL(r.epsilon, 0.5, 1e-12);
	CU_ASSERT_TRUE(r.stop_on_first_failure);
	json_object_put(o);

	o = obj("{\"language\":\"c\",\"source_code\":\"x\",\"test_cases\":[{}]}");
	CU_ASSERT_EQUAL_FATAL(validate_execute(o, &lim, &r, &e), 0);
	CU_ASSERT_EQUAL(r.compare, CR_COMPARE_LINES);
	CU_ASSERT_DOUBLE_EQUAL(r.epsilon, CR_COMPARE_EPSILON_DEFAULT, 1e-15);
	CU_ASSERT_FALSE(r.stop_on_first_failure);
	CU_ASSERT_PTR_NULL(r.files);
	json_object_put(o);

	o = obj("{\"language\":\"c\",\"source_code\":\"x\"}");
	CU_ASSERT_EQUAL_FATAL(validate_execute(o, &lim, &r, &e), 0);
	CU_ASSERT_PTR_NULL(r.tests);
	CU_ASSERT_PTR_NULL(r.files);
	json_object_put(o);
}

void validate_suite(void)
{
	static const struct cr_test tests[] = {
		{ "body: UTF-8, JSON object, size", test_body },
		{ "body: too large flag", test_body_too_large_flag },
		{ "register fields", test_register },
		{ "login fields", test_login },
		{ "execute fields and sizes", test_execute },
		{ "execute: the field at fault", test_execute_field },
		{ "execute: test cases, comparison, files", test_execute_judge },
		{ "execute: what the judge fields leave", test_execute_judge_values },
		{ "batch: the list", test_batch },
		{ "batch: each item, named", test_batch_item },
		{ "batch: no wait", test_batch_wait },
		{ "ids of GET /execute", test_ids },
		{ "pagination", test_page },
		{ "wait parameter", test_wait },
		{ "media type", test_media_type },
		{ "X-Request-Id", test_request_id },
		{ NULL, NULL },
	};
	CR_ADD_SUITE("validate", tests);
}
