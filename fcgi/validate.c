/*
 * Validation of everything a client sends, in the words of API.md.
 *
 * The body is checked for size, then for UTF-8 with our own validator, and only
 * then parsed: json-c accepts invalid UTF-8 inside strings, and a "\u0000"
 * escape yields a string whose strlen() is shorter than its length, so every
 * field below is handled with the length json-c reports.
 */
#include "config.h"

#include <ctype.h>
#include <json-c/json.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/filename.h"
#include "common/utf8.h"
#include "common/uuid.h"
#include "fcgi/http.h"
#include "fcgi/validate.h"

__attribute__((format(printf, 4, 5)))
static int fail(struct verr *e, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	e->code = code;
	e->field = NULL;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* rc (-1) of a failure about field: e names it. */
static int named(struct verr *e, const char *field, int rc)
{
	e->field = field;
	return rc;
}

int validate_media_type(const char *ct, size_t body_len, struct verr *e)
{
	static const char want[] = "application/json";

	/* No body and no type: let the body check call it invalid_json. */
	if (!ct || !*ct) {
		if (body_len == 0)
			return 0;
		return fail(e, 415, "unsupported_media_type",
			    "content type must be application/json");
	}
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, sizeof(want) - 1) != 0)
		goto bad;
	ct += sizeof(want) - 1;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (*ct == '\0')
		return 0;
	if (*ct != ';')
		goto bad;
	/* Parameters: only a charset of utf-8 is acceptable, anything else is ignored. */
	while (*ct == ';') {
		ct++;
		while (*ct == ' ' || *ct == '\t')
			ct++;
		size_t n = strcspn(ct, ";");
		if (n >= 8 && strncasecmp(ct, "charset=", 8) == 0) {
			const char *v = ct + 8;
			size_t vl = n - 8;
			while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
				v++;
				vl -= 2;
			}
			if (!((vl == 5 && strncasecmp(v, "utf-8", 5) == 0) ||
			      (vl == 4 && strncasecmp(v, "utf8", 4) == 0)))
				return fail(e, 415, "unsupported_media_type",
					    "content type must be application/json in UTF-8");
		}
		ct += n;
	}
	return 0;
bad:
	return fail(e, 415, "unsupported_media_type", "content type must be application/json");
}

/*
 * A strict RFC 8259 syntax check. json-c's strict mode still takes single-quoted
 * names, NaN, "1." and raw control characters in strings; clients must get
 * invalid_json for all of them, so the grammar is checked here first.
 */
struct jscan { const char *p, *end; int depth; };

static void js_ws(struct jscan *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool js_lit(struct jscan *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
		return false;
	j->p += n;
	return true;
}

static bool js_digits(struct jscan *j)
{
	const char *start = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > start;
}

static bool js_number(struct jscan *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!js_digits(j))
		return false;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!js_digits(j))
			return false;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!js_digits(j))
			return false;
	}
	return true;
}

static bool js_string(struct jscan *j)
{
	if (j->p >= j->end || *j->p != '"')
		return false;
	for (j->p++; j->p < j->end; j->p++) {
		unsigned char c = (unsigned char)*j->p;
		if (c == '"') {
			j->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c != '\\')
			continue;
		if (++j->p >= j->end)
			return false;
		c = (unsigned char)*j->p;
		if (c == 'u') {
			for (int k = 0; k < 4; k++) {
				if (++j->p >= j->end || !strchr("0123456789abcdefABCDEF", *j->p) || !*j->p)
					return false;
			}
		} else if (!strchr("\"\\/bfnrt", c) || !c) {
			return false;
		}
	}
	return false;
}

static bool js_value(struct jscan *j);

static bool js_container(struct jscan *j, char open, char close, bool object)
{
	if (++j->depth > 64)
		return false;
	j->p++;		/* open */
	(void)open;
	js_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return true;
	}
	for (;;) {
		if (object) {
			js_ws(j);
			if (!js_string(j))
				return false;
			js_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return false;
			j->p++;
		}
		if (!js_value(j))
			return false;
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			j->depth--;
			return true;
		}
		return false;
	}
}

static bool js_value(struct jscan *j)
{
	bool ok;

	js_ws(j);
	if (j->p >= j->end)
		return false;
	switch (*j->p) {
	case '{': ok = js_container(j, '{', '}', true); break;
	case '[': ok = js_container(j, '[', ']', false); break;
	case '"': ok = js_string(j); break;
	case 't': ok = js_lit(j, "true"); break;
	case 'f': ok = js_lit(j, "false"); break;
	case 'n': ok = js_lit(j, "null"); break;
	default: ok = js_number(j); break;
	}
	js_ws(j);
	return ok;
}

static bool json_syntax_ok(const char *s, size_t len)
{
	struct jscan j = { s, s + len, 0 };

	return js_value(&j) && j.p == j.end;
}

int validate_body(const struct cr_buf *body, bool too_large, size_t max_body,
		  struct json_object **out, struct verr *e)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error jerr;
	size_t end;

	*out = NULL;
	if (too_large || body->overflowed || (max_body && body->len > max_body))
		return fail(e, 413, "payload_too_large",
			    "request body is larger than %zu bytes", max_body);
	if (body->len == 0)
		return fail(e, 400, "invalid_json", "request body is empty");
	if (!cr_utf8_valid(body->data, body->len))
		return fail(e, 400, "invalid_json", "request body is not valid UTF-8");
	if (memchr(body->data, '\0', body->len))
		return fail(e, 400, "invalid_json", "request body contains a NUL byte");
	if (body->len > (size_t)INT32_MAX)
		return fail(e, 413, "payload_too_large", "request body is too large");

	if (!json_syntax_ok(body->data, body->len))
		return fail(e, 400, "invalid_json", "request body is not valid JSON");

	tok = json_tokener_new();
	if (!tok)
		return fail(e, 400, "invalid_json", "request body could not be parsed");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, body->data, (int)body->len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o || jerr != json_tokener_success) {
		json_object_put(o);
		return fail(e, 400, "invalid_json", "request body is not valid JSON");
	}
	for (; end < body->len; end++) {
		char c = body->data[end];
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
			json_object_put(o);
			return fail(e, 400, "invalid_json",
				    "request body has data after the JSON value");
		}
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return fail(e, 400, "invalid_json", "request body must be a JSON object");
	}
	*out = o;
	return 0;
}

/* 1: absent (or null when null_ok), 0: string in *v, -1: error filled. */
static int get_str(struct json_object *o, const char *key, struct v_str *v,
		   bool null_ok, struct verr *e)
{
	struct json_object *f;

	v->s = NULL;
	v->len = 0;
	if (!json_object_object_get_ex(o, key, &f) || (null_ok && f == NULL))
		return 1;
	if (!json_object_is_type(f, json_type_string))
		return named(e, key, fail(e, 400, "validation_failed",
					  "field '%s' must be a string", key));
	v->s = json_object_get_string(f);
	v->len = (size_t)json_object_get_string_len(f);
	/* json-c turns lone surrogate escapes into bytes that are not UTF-8. */
	if (!cr_utf8_valid(v->s, v->len))
		return named(e, key, fail(e, 400, "validation_failed",
					  "field '%s' is not valid UTF-8", key));
	return 0;
}

/* An optional whole number in min..max: 1 absent (or null), 0 in *out, -1 error filled. */
static int get_int(struct json_object *o, const char *key, int min, int max, int *out,
		   struct verr *e)
{
	struct json_object *f;
	int64_t v;

	*out = 0;
	if (!json_object_object_get_ex(o, key, &f) || f == NULL)
		return 1;
	if (!json_object_is_type(f, json_type_int))
		return named(e, key, fail(e, 400, "validation_failed",
					  "field '%s' must be a whole number", key));
	v = json_object_get_int64(f);
	if (v < min || v > max)
		return named(e, key, fail(e, 400, "validation_failed",
					  "field '%s' must be between %d and %d", key, min, max));
	*out = (int)v;
	return 0;
}

static int require_str(struct json_object *o, const char *key, struct v_str *v,
		       struct verr *e)
{
	int rc = get_str(o, key, v, false, e);

	if (rc == 1)
		return named(e, key, fail(e, 400, "validation_failed", "field '%s' is required", key));
	return rc;
}

bool validate_username(const char *s, size_t len)
{
	if (len < 3 || len > 50)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

bool validate_email(const char *s, size_t len)
{
	const char *at = NULL;

	if (len < 3 || cr_utf8_count(s, len) > 255)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		/* No NUL, controls or spaces: they cannot be part of an address. */
		if (c <= 0x20 || c == 0x7f)
			return false;
		if (c == '@') {
			if (at)
				return false;
			at = s + i;
		}
	}
	if (!at || at == s)
		return false;
	const char *dom = at + 1, *end = s + len;
	size_t dlen = (size_t)(end - dom);
	if (dlen < 3 || dom[0] == '.' || dom[dlen - 1] == '.')
		return false;
	return memchr(dom, '.', dlen) != NULL;
}

int validate_register(struct json_object *o, struct register_req *r, struct verr *e)
{
	if (require_str(o, "username", &r->username, e) ||
	    require_str(o, "email", &r->email, e) ||
	    require_str(o, "password", &r->password, e))
		return -1;
	if (!validate_username(r->username.s, r->username.len))
		return fail(e, 400, "validation_failed",
			    "username must be 3-50 characters of A-Z a-z 0-9 _ . -");
	if (!validate_email(r->email.s, r->email.len))
		return fail(e, 400, "validation_failed",
			    "email must have one '@' and a dot in the domain, at most 255 characters");
	size_t n = cr_utf8_count(r->password.s, r->password.len);
	if (n < 8 || n > 128)
		return fail(e, 400, "validation_failed", "password must be 8-128 characters");
	return 0;
}

int validate_login(struct json_object *o, struct login_req *r, struct verr *e)
{
	if (require_str(o, "email", &r->email, e) ||
	    require_str(o, "password", &r->password, e))
		return -1;
	return 0;
}

static bool language_id_ok(const struct v_str *v)
{
	if (v->len == 0 || v->len > 20)
		return false;
	for (size_t i = 0; i < v->len; i++) {
		char c = v->s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == '+'))
			return false;
	}
	return true;
}

/* ---- test cases, comparison and files (issue 12) ------------------------------ */

/*
 * The array at key: 1 when absent or null, 0 with *a when it is an array of
 * min to max objects, else -1.
 */
static int get_objects(struct json_object *o, const char *key, size_t min, size_t max,
		       struct json_object **a, struct verr *e)
{
	size_t n;

	*a = NULL;
	if (!json_object_object_get_ex(o, key, a) || *a == NULL)
		return 1;
	if (!json_object_is_type(*a, json_type_array))
		return named(e, key, fail(e, 400, "validation_failed",
					  "field '%s' must be an array", key));
	n = json_object_array_length(*a);
	if (n < min || n > max)
		return named(e, key, fail(e, 400, "validation_failed",
					  "%s must have %zu to %zu items, not %zu", key, min, max, n));
	for (size_t i = 0; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(*a, i), json_type_object))
			return named(e, key, fail(e, 400, "validation_failed",
						  "%s[%zu] must be an object", key, i));
	return 0;
}

/* Member key of item i of the array named array, as get_str() (null is absent). */
static int item_str(struct json_object *item, const char *array, size_t i, const char *key,
		    struct v_str *v, struct verr *e)
{
	struct json_object *f;

	v->s = NULL;
	v->len = 0;
	if (!json_object_object_get_ex(item, key, &f) || f == NULL)
		return 1;
	if (!json_object_is_type(f, json_type_string))
		return named(e, array, fail(e, 400, "validation_failed",
					    "%s[%zu].%s must be a string", array, i, key));
	v->s = json_object_get_string(f);
	v->len = (size_t)json_object_get_string_len(f);
	if (!cr_utf8_valid(v->s, v->len))
		return named(e, array, fail(e, 400, "validation_failed",
					    "%s[%zu].%s is not valid UTF-8", array, i, key));
	return 0;
}

static bool has_control(const struct v_str *v)
{
	for (size_t i = 0; i < v->len; i++)
		if ((unsigned char)v->s[i] < 0x20 || v->s[i] == 0x7f)
			return true;
	return false;
}

static int validate_tests(struct json_object *o, const struct vlimits *lim, bool has_input,
			  struct execute_req *r, struct verr *e)
{
	size_t max = lim->max_tests > 0 && lim->max_tests < VALIDATE_TESTS_MAX
			     ? (size_t)lim->max_tests : VALIDATE_TESTS_MAX;
	size_t total = 0;
	int rc = get_objects(o, "test_cases", 1, max, &r->tests, e);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (has_input)
		return named(e, "input", fail(e, 400, "validation_failed",
			    "input and test_cases cannot both be given: each test case "
			    "carries its own input"));
	for (size_t i = 0; i < json_object_array_length(r->tests); i++) {
		struct json_object *t = json_object_array_get_idx(r->tests, i);
		struct v_str name, in, want;

		if (item_str(t, "test_cases", i, "name", &name, e) < 0 ||
		    item_str(t, "test_cases", i, "input", &in, e) < 0 ||
		    item_str(t, "test_cases", i, "expected_output", &want, e) < 0)
			return -1;
		if (name.s && (name.len > VALIDATE_TEST_NAME_MAX || has_control(&name)))
			return named(e, "test_cases", fail(e, 400, "validation_failed",
				    "test_cases[%zu].name must be at most %d bytes without "
				    "control characters", i, VALIDATE_TEST_NAME_MAX));
		total += in.len + want.len;
	}
	if (total > lim->max_input)
		return named(e, "test_cases", fail(e, 413, "payload_too_large",
			    "test_cases: their inputs and expected outputs total %zu bytes, "
			    "more than %zu", total, lim->max_input));
	return 0;
}

/* compare, epsilon, stop_on_first_failure: about test cases only. */
static int validate_judging(struct json_object *o, struct execute_req *r, struct verr *e)
{
	static const char *const keys[] = { "compare", "epsilon", "stop_on_first_failure" };
	struct json_object *f;
	struct v_str mode;
	int rc = get_str(o, "compare", &mode, true, e);

	r->compare = CR_COMPARE_DEFAULT;
	r->epsilon = CR_COMPARE_EPSILON_DEFAULT;
	r->stop_on_first_failure = false;
	if (rc < 0)
		return -1;
	if (!r->tests)
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (json_object_object_get_ex(o, keys[i], &f) && f)
				return named(e, keys[i], fail(e, 400, "validation_failed",
					    "field '%s' needs test_cases", keys[i]));
	if (rc == 0 && cr_compare_parse(mode.s, mode.len, &r->compare) < 0)
		return named(e, "compare", fail(e, 400, "validation_failed",
			    "compare must be one of exact, lines, tokens, float"));
	if (json_object_object_get_ex(o, "epsilon", &f) && f) {
		if (r->compare != CR_COMPARE_FLOAT)
			return named(e, "epsilon", fail(e, 400, "validation_failed",
				    "epsilon applies to compare 'float' only"));
		r->epsilon = json_object_get_double(f);
		if ((!json_object_is_type(f, json_type_double) &&
		     !json_object_is_type(f, json_type_int)) ||
		    !isfinite(r->epsilon) || r->epsilon < 0)
			return named(e, "epsilon", fail(e, 400, "validation_failed",
				    "epsilon must be a number, 0 or more"));
	}
	if (json_object_object_get_ex(o, "stop_on_first_failure", &f) && f) {
		if (!json_object_is_type(f, json_type_boolean))
			return named(e, "stop_on_first_failure",
				     fail(e, 400, "validation_failed",
					  "stop_on_first_failure must be true or false"));
		r->stop_on_first_failure = json_object_get_boolean(f);
	}
	return 0;
}

/* Would files a and b be the same path, or one a directory of the other? */
static bool names_clash(const struct v_str *a, const struct v_str *b)
{
	const struct v_str *s = a->len <= b->len ? a : b, *l = s == a ? b : a;

	return memcmp(s->s, l->s, s->len) == 0 && (l->len == s->len || l->s[s->len] == '/');
}

static int validate_files(struct json_object *o, const struct vlimits *lim,
			  struct execute_req *r, struct verr *e)
{
	struct v_str names[VALIDATE_FILES_MAX];
	size_t total = r->source.len, n;
	int rc = get_objects(o, "files", 0, VALIDATE_FILES_MAX, &r->files, e);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	n = json_object_array_length(r->files);
	for (size_t i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(r->files, i);
		struct v_str content;
		char why[96];

		if (item_str(f, "files", i, "name", &names[i], e) < 0 ||
		    item_str(f, "files", i, "content", &content, e) < 0)
			return -1;
		if (!names[i].s || !content.s)
			return named(e, "files", fail(e, 400, "validation_failed",
				    "files[%zu] needs a name and a content", i));
		if (!cr_file_name_check(names[i].s, names[i].len, why, sizeof(why)))
			return named(e, "files", fail(e, 400, "validation_failed",
				    "files[%zu].name '%.*s' %s", i, (int)(names[i].len > 60 ? 60 :
				    names[i].len), names[i].s, why));
		if (memchr(content.s, '\0', content.len))
			return named(e, "files", fail(e, 400, "validation_failed",
				    "files[%zu].content must not contain NUL bytes", i));
		for (size_t j = 0; j < i; j++)
			if (names_clash(&names[j], &names[i]))
				return named(e, "files", fail(e, 400, "validation_failed",
					    "files[%zu].name '%.*s' collides with files[%zu]", i,
					    (int)names[i].len, names[i].s, j));
		total += content.len;
	}
	if (total > lim->max_source)
		return named(e, "files", fail(e, 413, "payload_too_large",
			    "source_code and files total %zu bytes, more than %zu", total,
			    lim->max_source));
	if (n == 0)
		r->files = NULL;
	return 0;
}

int validate_execute(struct json_object *o, const struct vlimits *lim,
		     struct execute_req *r, struct verr *e)
{
	struct verr src_err, in_err;
	int src_rc, in_rc;

	/* API.md's order puts size (413) before the other field checks (400). */
	src_rc = get_str(o, "source_code", &r->source, false, &src_err);
	in_rc = get_str(o, "input", &r->input, true, &in_err);
	if (src_rc == 0 && r->source.len > lim->max_source)
		return named(e, "source_code", fail(e, 413, "payload_too_large",
			    "source_code is larger than %zu bytes", lim->max_source));
	if (in_rc == 0 && r->input.len > lim->max_input)
		return named(e, "input", fail(e, 413, "payload_too_large",
			    "input is larger than %zu bytes", lim->max_input));

	if (require_str(o, "language", &r->language, e))
		return -1;
	if (src_rc == 1)
		return named(e, "source_code", fail(e, 400, "validation_failed",
						    "field 'source_code' is required"));
	if (src_rc < 0) {
		*e = src_err;
		return -1;
	}
	if (in_rc < 0) {
		*e = in_err;
		return -1;
	}
	if (!language_id_ok(&r->language))
		return named(e, "language", fail(e, 400, "validation_failed",
						 "field 'language' is not a language id"));
	if (r->source.len == 0)
		return named(e, "source_code", fail(e, 400, "validation_failed",
						    "source_code must not be empty"));
	if (memchr(r->source.s, '\0', r->source.len))
		return named(e, "source_code", fail(e, 400, "validation_failed",
						    "source_code must not contain NUL bytes"));
	if (in_rc == 1) {
		r->input.s = "";
		r->input.len = 0;
	}
	/* the upper bounds here are language_configs' own; the language's caps are the insert's */
	if (get_int(o, "time_limit_ms", VALIDATE_TIME_LIMIT_MS_MIN, 300 * 1000,
		    &r->time_limit_ms, e) < 0 ||
	    get_int(o, "memory_limit_mb", VALIDATE_MEMORY_LIMIT_MB_MIN, 65536,
		    &r->memory_limit_mb, e) < 0)
		return -1;
	if (validate_tests(o, lim, in_rc == 0, r, e) < 0 || validate_judging(o, r, e) < 0 ||
	    validate_files(o, lim, r, e) < 0 || get_str(o, "callback_url", &r->callback_url, true, e) < 0)
		return -1;
	return 0;
}

int validate_unsupported(const struct v_str *language, struct verr *e)
{
	return named(e, "language", fail(e, 400, "validation_failed",
					 "language '%.*s' is not supported",
					 (int)language->len, language->s));
}

int validate_above_cap(struct verr *e, const char *field, int asked,
		       const struct v_str *language, int cap)
{
	return named(e, field, fail(e, 400, "validation_failed",
				    "%s (%d) is above language '%.*s''s cap of %d", field, asked,
				    (int)language->len, language->s, cap));
}

int validate_too_much_work(struct verr *e, int cases, long long case_ms, int max_seconds)
{
	return named(e, "test_cases", fail(e, 400, "validation_failed",
		    "test_cases: %d cases x %lld ms is more run time than max_test_work_seconds "
		    "(%d s) allows; send fewer cases or a lower time_limit_ms", cases, case_ms,
		    max_seconds));
}

int validate_entry_clash(struct verr *e, const char *entry)
{
	return named(e, "files", fail(e, 400, "validation_failed",
		    "files: a file is named like the entry file '%s' (or under it); "
		    "source_code is that file", entry));
}

int validate_batch(struct json_object *o, struct json_object **items, size_t *n,
		   struct verr *e)
{
	struct json_object *a;

	*items = NULL;
	*n = 0;
	if (!json_object_object_get_ex(o, "submissions", &a) || a == NULL)
		return named(e, "submissions", fail(e, 400, "validation_failed",
						    "field 'submissions' is required"));
	if (!json_object_is_type(a, json_type_array))
		return named(e, "submissions", fail(e, 400, "validation_failed",
						    "field 'submissions' must be an array"));
	if (json_object_array_length(a) < 1 || json_object_array_length(a) > BATCH_MAX)
		return named(e, "submissions", fail(e, 400, "validation_failed",
			    "submissions must have 1 to %d items, not %zu", BATCH_MAX,
			    json_object_array_length(a)));
	*items = a;
	*n = json_object_array_length(a);
	return 0;
}

void validate_name_item(struct verr *e, size_t i)
{
	char prefix[64];
	size_t plen, mlen = strlen(e->message);

	if (e->field)
		snprintf(prefix, sizeof(prefix), "submissions[%zu].%s: ", i, e->field);
	else
		snprintf(prefix, sizeof(prefix), "submissions[%zu]: ", i);
	plen = strlen(prefix);
	if (mlen > sizeof(e->message) - 1 - plen)
		mlen = sizeof(e->message) - 1 - plen;	/* cut at the end, like vsnprintf */
	memmove(e->message + plen, e->message, mlen);
	memcpy(e->message, prefix, plen);
	e->message[plen + mlen] = '\0';
}

int validate_batch_item(struct json_object *items, size_t i, const struct vlimits *lim,
			struct execute_req *r, struct verr *e)
{
	struct json_object *o = json_object_array_get_idx(items, i);

	if (!json_object_is_type(o, json_type_object))
		fail(e, 400, "validation_failed", "must be an object");
	else if (validate_execute(o, lim, r, e) == 0)
		return 0;
	validate_name_item(e, i);
	return -1;
}

int validate_batch_wait(const char *query, struct verr *e)
{
	bool wait;

	if (validate_wait(query, &wait, e))
		return -1;
	if (wait)
		return fail(e, 400, "validation_failed", "wait is not supported for batches");
	return 0;
}

/* The length of the id at p: up to ',', "%2C" or the end; *next is after the separator, or NULL. */
static size_t next_id(const char *p, const char **next)
{
	size_t len = 0;

	for (;; len++) {
		if (p[len] == '\0') {
			*next = NULL;
			return len;
		}
		if (p[len] == ',') {
			*next = p + len + 1;
			return len;
		}
		if (p[len] == '%' && p[len + 1] == '2' && (p[len + 2] == 'C' || p[len + 2] == 'c')) {
			*next = p + len + 3;
			return len;
		}
	}
}

int validate_ids(const char *query, char ids[][CR_UUID_LEN + 1], size_t *n, struct verr *e)
{
	char v[4096];
	const char *p, *next;

	*n = 0;
	if (!http_query_param(query, "ids", v, sizeof(v)))
		return fail(e, 400, "validation_failed",
			    "ids is required: 1 to %d comma-separated submission ids", BATCH_MAX);
	if (v[0] == '\0')
		return fail(e, 400, "validation_failed", "ids must list 1 to %d submission ids",
			    BATCH_MAX);
	/* http_query_param's marker of a value too long to copy: far over the limit */
	if (strcmp(v, "?") == 0)
		return fail(e, 400, "validation_failed", "ids must list at most %d submission ids",
			    BATCH_MAX);
	for (p = v; p; p = next) {
		size_t len = next_id(p, &next);
		char *id;

		if (*n == BATCH_MAX)
			return fail(e, 400, "validation_failed",
				    "ids must list at most %d submission ids", BATCH_MAX);
		id = ids[*n];
		if (len == 0)
			return fail(e, 400, "validation_failed", "ids[%zu] is empty", *n);
		if (len == CR_UUID_LEN) {
			memcpy(id, p, len);
			id[len] = '\0';
		}
		if (len != CR_UUID_LEN || !cr_uuid_valid(id))
			return fail(e, 400, "validation_failed", "ids[%zu] '%.*s' is not a UUID",
				    *n, len > 40 ? 40 : (int)len, p);
		for (size_t k = 0; k < len; k++)
			id[k] = (char)tolower((unsigned char)id[k]);
		for (size_t j = 0; j < *n; j++) {
			if (strcmp(ids[j], id) == 0)
				return fail(e, 400, "validation_failed", "ids[%zu] repeats ids[%zu]",
					    *n, j);
		}
		(*n)++;
	}
	return 0;
}

/* A positive decimal integer of at most 9 digits; false for anything else. */
static bool parse_count(const char *s, int *out)
{
	long v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 9)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = (int)v;
	return true;
}

int validate_page(const char *query, int *page, int *limit, struct verr *e)
{
	char v[16];

	*page = 1;
	*limit = 20;
	if (http_query_param(query, "page", v, sizeof(v)) &&
	    (!parse_count(v, page) || *page < 1))
		return fail(e, 400, "validation_failed", "page must be an integer of at least 1");
	if (http_query_param(query, "limit", v, sizeof(v)) &&
	    (!parse_count(v, limit) || *limit < 1 || *limit > 100))
		return fail(e, 400, "validation_failed", "limit must be an integer from 1 to 100");
	return 0;
}

int validate_wait(const char *query, bool *wait, struct verr *e)
{
	char v[8];

	*wait = false;
	if (!http_query_param(query, "wait", v, sizeof(v)))
		return 0;
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*wait = true;
	else if (strcmp(v, "false") != 0 && strcmp(v, "0") != 0)
		return fail(e, 400, "validation_failed", "wait must be true or false");
	return 0;
}

bool validate_request_id(const char *s)
{
	size_t n = 0;

	if (!s)
		return false;
	for (; s[n]; n++) {
		char c = s[n];
		if (n >= 64 || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
				 (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return false;
	}
	return n >= 1;
}
