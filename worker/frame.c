/*
 * The job and result frames of frame.h, encoded and decoded with libbson.
 *
 * This file is compiled into two programs: the worker (shared libbson) and the
 * static coderank-runner (libbson-static, -DBSON_STATIC). So it uses nothing
 * from common/ but the two pure files the runner links on its own (compare.c,
 * filename.c): plain malloc, and errors go to the caller's buffer.
 *
 * Decoding is strict because the runner trusts nothing it did not check: the
 * document must be well formed with valid UTF-8 strings (no embedded NUL), each
 * known key may appear once and with its type, integers are range-checked,
 * byte fields must be binary subtype 0, file names must pass
 * cr_file_name_check(), and arrays are bounded (files, cases).
 * Unknown keys are ignored, so a newer writer can add optional fields.
 */
#include "worker/frame.h"
#include "common/filename.h"

/* libbson's headers cast away const (bson-atomic.h); not our code to fix. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include <bson/bson.h>
#pragma GCC diagnostic pop
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds a decoded job must respect; they keep a result frame under the max. */
#define JOB_MAX_TIME_MS (10LL * 60 * 1000)
#define JOB_MAX_OUTPUT_BYTES (4LL * 1024 * 1024)
#define JOB_MAX_FILE_BYTES (1LL << 40)
#define JOB_MAX_NOFILE 1048576
#define JOB_MAX_NAME CR_FILE_NAME_MAX

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int64_t cr_frame_size(const uint8_t *p, size_t avail)
{
	uint32_t n;

	if (avail < 4)
		return -1;
	n = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	if (n < 5 || n > CR_FRAME_MAX_BYTES)
		return -1;
	return (int64_t)n;
}

/* ---- encoding ------------------------------------------------------------ */

static bool put_bytes(bson_t *b, const char *key, const struct cr_bytes *v)
{
	static const uint8_t empty[1];
	const uint8_t *p = v->data ? (const uint8_t *)v->data : empty;

	if (v->len > UINT32_MAX)
		return false;
	return bson_append_binary(b, key, -1, BSON_SUBTYPE_BINARY, p, (uint32_t)v->len);
}

static uint8_t *finish(bson_t *b, bool ok, size_t *len)
{
	uint32_t n = 0;
	uint8_t *doc;

	if (!ok || b->len > CR_FRAME_MAX_BYTES) {
		bson_destroy(b);
		return NULL;
	}
	/* bson_malloc is malloc unless someone installs a vtable; nobody does. */
	doc = bson_destroy_with_steal(b, true, &n);
	if (doc && len)
		*len = n;
	return doc;
}

/* Opens the document of element i of an array ("0", "1", ...). */
static bool begin_item(bson_t *arr, int i, bson_t *child)
{
	char kbuf[16];
	const char *key;
	size_t klen = bson_uint32_to_string((uint32_t)i, &key, kbuf, sizeof kbuf);

	return bson_append_document_begin(arr, key, (int)klen, child);
}

/* The job's test cases and how they are judged; only called with ncases > 0. */
static bool put_job_cases(bson_t *b, const struct cr_job *job)
{
	const char *mode = cr_compare_name(job->compare);
	bson_t arr, c;
	bool ok;

	if (!mode || !job->cases || !isfinite(job->epsilon) || job->epsilon < 0)
		return false;
	ok = BSON_APPEND_ARRAY_BEGIN(b, "cases", &arr);
	for (int i = 0; ok && i < job->ncases; i++) {
		const struct cr_job_case *jc = &job->cases[i];

		ok = begin_item(&arr, i, &c);
		ok = ok && put_bytes(&c, "stdin", &jc->stdin_data);
		if (jc->has_expected)
			ok = ok && put_bytes(&c, "expected", &jc->expected);
		ok = bson_append_document_end(&arr, &c) && ok;
	}
	ok = bson_append_array_end(b, &arr) && ok;
	ok = ok && BSON_APPEND_UTF8(b, "compare", mode);
	ok = ok && BSON_APPEND_DOUBLE(b, "epsilon", job->epsilon);
	ok = ok && BSON_APPEND_BOOL(b, "stop_on_failure", job->stop_on_failure);
	return ok;
}

uint8_t *cr_job_encode(const struct cr_job *job, size_t *len)
{
	bson_t *b = bson_new();
	bson_t arr, f;
	bool ok = true;

	if (!b || job->nfiles < 0 || job->nfiles > CR_FRAME_MAX_FILES || !job->run ||
	    job->ncases < 0 || job->ncases > CR_FRAME_MAX_CASES) {
		if (b)
			bson_destroy(b);
		return NULL;
	}
	ok = ok && BSON_APPEND_INT32(b, "v", CR_FRAME_VERSION);
	ok = ok && BSON_APPEND_ARRAY_BEGIN(b, "files", &arr);
	for (int i = 0; ok && i < job->nfiles; i++) {
		ok = begin_item(&arr, i, &f);
		ok = ok && job->files[i].name && BSON_APPEND_UTF8(&f, "name", job->files[i].name);
		ok = ok && put_bytes(&f, "data", &job->files[i].data);
		ok = bson_append_document_end(&arr, &f) && ok;
	}
	ok = bson_append_array_end(b, &arr) && ok;
	ok = ok && put_bytes(b, "stdin", &job->stdin_data);
	if (job->compile)
		ok = ok && BSON_APPEND_UTF8(b, "compile", job->compile);
	ok = ok && BSON_APPEND_UTF8(b, "run", job->run);
	ok = ok && BSON_APPEND_INT64(b, "time_ms", job->time_ms);
	ok = ok && BSON_APPEND_INT64(b, "compile_ms", job->compile_ms);
	ok = ok && BSON_APPEND_INT64(b, "output_bytes", job->output_bytes);
	ok = ok && BSON_APPEND_INT64(b, "compile_output_bytes", job->compile_output_bytes);
	ok = ok && BSON_APPEND_INT64(b, "file_bytes", job->file_bytes);
	ok = ok && BSON_APPEND_INT32(b, "nofile", job->nofile);
	ok = ok && BSON_APPEND_INT32(b, "uid", job->uid);
	ok = ok && BSON_APPEND_BOOL(b, "keep", job->keep);
	if (job->ncases > 0)
		ok = ok && put_job_cases(b, job);
	return finish(b, ok, len);
}

/* One document per case that ran. */
static bool put_case_results(bson_t *b, const struct cr_result *res)
{
	bson_t arr, c;
	bool ok;

	if (!res->cases)
		return false;
	ok = BSON_APPEND_ARRAY_BEGIN(b, "cases", &arr);
	for (int i = 0; ok && i < res->ncases; i++) {
		const struct cr_case_result *r = &res->cases[i];

		ok = begin_item(&arr, i, &c);
		ok = ok && BSON_APPEND_INT32(&c, "exit_code", r->exit_code);
		ok = ok && BSON_APPEND_INT32(&c, "signal", r->signal);
		ok = ok && BSON_APPEND_BOOL(&c, "timeout", r->timeout);
		ok = ok && BSON_APPEND_BOOL(&c, "oom", r->oom);
		ok = ok && BSON_APPEND_BOOL(&c, "output_killed", r->output_killed);
		ok = ok && put_bytes(&c, "stdout", &r->out);
		ok = ok && put_bytes(&c, "stderr", &r->err);
		ok = ok && BSON_APPEND_BOOL(&c, "stdout_truncated", r->stdout_truncated);
		ok = ok && BSON_APPEND_BOOL(&c, "stderr_truncated", r->stderr_truncated);
		ok = ok && BSON_APPEND_INT64(&c, "time_ms", r->time_ms);
		ok = ok && BSON_APPEND_INT64(&c, "memory_kb", r->memory_kb);
		if (r->has_matched)
			ok = ok && BSON_APPEND_BOOL(&c, "matched", r->matched);
		ok = bson_append_document_end(&arr, &c) && ok;
	}
	ok = bson_append_array_end(b, &arr) && ok;
	return ok;
}

uint8_t *cr_result_encode(const struct cr_result *res, size_t *len)
{
	bson_t *b = bson_new();
	bool ok = true;

	if (!b || res->ncases < 0 || res->ncases > CR_FRAME_MAX_CASES) {
		if (b)
			bson_destroy(b);
		return NULL;
	}
	ok = ok && BSON_APPEND_INT32(b, "v", CR_FRAME_VERSION);
	if (res->error)
		ok = ok && BSON_APPEND_UTF8(b, "error", res->error);
	ok = ok && BSON_APPEND_BOOL(b, "compiled", res->compiled);
	ok = ok && BSON_APPEND_INT32(b, "compile_exit", res->compile_exit);
	ok = ok && BSON_APPEND_INT32(b, "compile_signal", res->compile_signal);
	ok = ok && BSON_APPEND_BOOL(b, "compile_timeout", res->compile_timeout);
	ok = ok && put_bytes(b, "compile_output", &res->compile_output);
	ok = ok && BSON_APPEND_BOOL(b, "ran", res->ran);
	ok = ok && BSON_APPEND_INT32(b, "exit_code", res->exit_code);
	ok = ok && BSON_APPEND_INT32(b, "signal", res->signal);
	ok = ok && BSON_APPEND_BOOL(b, "timeout", res->timeout);
	ok = ok && BSON_APPEND_BOOL(b, "oom", res->oom);
	ok = ok && put_bytes(b, "stdout", &res->out);
	ok = ok && put_bytes(b, "stderr", &res->err);
	ok = ok && BSON_APPEND_BOOL(b, "stdout_truncated", res->stdout_truncated);
	ok = ok && BSON_APPEND_BOOL(b, "stderr_truncated", res->stderr_truncated);
	ok = ok && BSON_APPEND_INT64(b, "time_ms", res->time_ms);
	ok = ok && BSON_APPEND_INT64(b, "memory_kb", res->memory_kb);
	ok = ok && BSON_APPEND_INT64(b, "compile_time_ms", res->compile_time_ms);
	ok = ok && BSON_APPEND_BOOL(b, "output_killed", res->output_killed);
	ok = ok && BSON_APPEND_BOOL(b, "clean", res->clean);
	if (res->dirty)
		ok = ok && BSON_APPEND_UTF8(b, "dirty", res->dirty);
	ok = ok && BSON_APPEND_INT64(b, "cleanup_ms", res->cleanup_ms);
	if (res->ncases > 0)
		ok = ok && put_case_results(b, res);
	return finish(b, ok, len);
}

/* ---- decoding ------------------------------------------------------------ */

/* Validates the whole document once, so the per-field code can trust iteration. */
static int open_doc(const uint8_t *doc, size_t len, bson_t *b, char *err, size_t errlen)
{
	size_t off = 0;
	int64_t n = doc ? cr_frame_size(doc, len) : -1;

	if (n < 0 || (size_t)n != len)
		return fail(err, errlen, "frame length prefix does not match %zu bytes", len);
	if (!bson_init_static(b, doc, len))
		return fail(err, errlen, "frame is not a BSON document");
	if (!bson_validate(b, BSON_VALIDATE_UTF8, &off))
		return fail(err, errlen, "frame is malformed near byte %zu", off);
	return 0;
}

static int get_bytes(const bson_iter_t *it, struct cr_bytes *out, size_t max,
		     char *err, size_t errlen)
{
	bson_subtype_t st;
	uint32_t n = 0;
	const uint8_t *p = NULL;

	if (!BSON_ITER_HOLDS_BINARY(it))
		return fail(err, errlen, "field \"%s\" must be binary", bson_iter_key(it));
	bson_iter_binary(it, &st, &n, &p);
	if (st != BSON_SUBTYPE_BINARY)
		return fail(err, errlen, "field \"%s\" must be binary subtype 0", bson_iter_key(it));
	if (n > max)
		return fail(err, errlen, "field \"%s\" is too large (%u bytes)", bson_iter_key(it), n);
	free(out->data);
	out->data = malloc((size_t)n + 1);
	if (!out->data)
		return fail(err, errlen, "out of memory");
	if (n)
		memcpy(out->data, p, n);
	out->data[n] = '\0';
	out->len = n;
	return 0;
}

/*
 * Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF, no NUL):
 * libbson 1.23's validator lets some invalid sequences through.
 */
static bool utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t len;
		uint32_t cp;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

static int get_utf8(const bson_iter_t *it, char **out, size_t max, char *err, size_t errlen)
{
	uint32_t n = 0;
	const char *s;

	if (!BSON_ITER_HOLDS_UTF8(it))
		return fail(err, errlen, "field \"%s\" must be a string", bson_iter_key(it));
	s = bson_iter_utf8(it, &n);
	if (n > max)
		return fail(err, errlen, "field \"%s\" is too long", bson_iter_key(it));
	if (!utf8_ok((const unsigned char *)s, n))
		return fail(err, errlen, "field \"%s\" is not valid UTF-8", bson_iter_key(it));
	free(*out);
	*out = malloc((size_t)n + 1);
	if (!*out)
		return fail(err, errlen, "out of memory");
	memcpy(*out, s, n);
	(*out)[n] = '\0';
	return 0;
}

/* An integer of either BSON width, within [lo, hi]. */
static int get_int(const bson_iter_t *it, int64_t lo, int64_t hi, int64_t *out,
		   char *err, size_t errlen)
{
	int64_t v;

	if (BSON_ITER_HOLDS_INT32(it))
		v = bson_iter_int32(it);
	else if (BSON_ITER_HOLDS_INT64(it))
		v = bson_iter_int64(it);
	else
		return fail(err, errlen, "field \"%s\" must be an integer", bson_iter_key(it));
	if (v < lo || v > hi)
		return fail(err, errlen, "field \"%s\" is out of range (%lld)", bson_iter_key(it),
			    (long long)v);
	*out = v;
	return 0;
}

/* An exit code (-1: killed by a signal) or a signal number (0: none). */
static int get_status(const bson_iter_t *it, bool signal, int32_t *out, char *err, size_t errlen)
{
	int64_t v = 0;
	int rc = get_int(it, signal ? 0 : -1, signal ? 128 : 255, &v, err, errlen);

	*out = (int32_t)v;
	return rc;
}

static int get_bool(const bson_iter_t *it, bool *out, char *err, size_t errlen)
{
	if (!BSON_ITER_HOLDS_BOOL(it))
		return fail(err, errlen, "field \"%s\" must be a boolean", bson_iter_key(it));
	*out = bson_iter_bool(it);
	return 0;
}

/* Is one name a directory of the other ("a" and "a/b")? Both could not exist. */
static bool nested(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	if (na < nb)
		return strncmp(a, b, na) == 0 && b[na] == '/';
	if (nb < na)
		return strncmp(a, b, nb) == 0 && a[nb] == '/';
	return false;
}

/* The file just decoded (the last one) against the name rules and the others. */
static int check_file_name(const struct cr_job *job, char *err, size_t errlen)
{
	const char *name = job->files[job->nfiles - 1].name;
	char why[128];

	if (!cr_file_name_check(name, strlen(name), why, sizeof why))
		return fail(err, errlen, "file name \"%s\" %s", name, why);
	for (int i = 0; i < job->nfiles - 1; i++) {
		if (strcmp(job->files[i].name, name) == 0)
			return fail(err, errlen, "file name \"%s\" appears twice", name);
		if (nested(job->files[i].name, name))
			return fail(err, errlen, "file names \"%s\" and \"%s\" collide",
				    job->files[i].name, name);
	}
	return 0;
}

static int get_files(const bson_iter_t *it, struct cr_job *job, char *err, size_t errlen)
{
	bson_iter_t arr, f;

	if (!BSON_ITER_HOLDS_ARRAY(it) || !bson_iter_recurse(it, &arr))
		return fail(err, errlen, "field \"files\" must be an array");
	while (bson_iter_next(&arr)) {
		struct cr_job_file *jf;
		bool have_data = false;

		if (job->nfiles >= CR_FRAME_MAX_FILES)
			return fail(err, errlen, "more than %d files", CR_FRAME_MAX_FILES);
		if (!BSON_ITER_HOLDS_DOCUMENT(&arr) || !bson_iter_recurse(&arr, &f))
			return fail(err, errlen, "each file must be a document");
		jf = &job->files[job->nfiles++];
		while (bson_iter_next(&f)) {
			const char *k = bson_iter_key(&f);

			if (strcmp(k, "name") == 0) {
				if (jf->name)
					return fail(err, errlen, "file has two names");
				if (get_utf8(&f, &jf->name, JOB_MAX_NAME, err, errlen) < 0)
					return -1;
			} else if (strcmp(k, "data") == 0) {
				if (have_data)
					return fail(err, errlen, "file has two data fields");
				have_data = true;
				if (get_bytes(&f, &jf->data, CR_FRAME_MAX_BYTES, err, errlen) < 0)
					return -1;
			}
		}
		if (!jf->name || !have_data)
			return fail(err, errlen, "each file needs \"name\" and \"data\"");
		if (check_file_name(job, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* Elements of the array at it, after checking that it is one of at most max. */
static int array_count(const bson_iter_t *it, int max, bson_iter_t *arr, char *err, size_t errlen)
{
	bson_iter_t probe;
	int n = 0;

	if (!BSON_ITER_HOLDS_ARRAY(it) || !bson_iter_recurse(it, arr) || !bson_iter_recurse(it, &probe))
		return fail(err, errlen, "field \"%s\" must be an array", bson_iter_key(it));
	while (bson_iter_next(&probe)) {
		if (!BSON_ITER_HOLDS_DOCUMENT(&probe))
			return fail(err, errlen, "each element of \"%s\" must be a document",
				    bson_iter_key(it));
		if (++n > max)
			return fail(err, errlen, "more than %d elements in \"%s\"", max,
				    bson_iter_key(it));
	}
	return n;
}

/*
 * An array of at most CR_FRAME_MAX_CASES documents into a calloc'd array of
 * elements of size bytes, each read by one(); *items and *count are set as
 * the elements are read (so that the caller's free releases a half-read one).
 */
static int get_doc_array(const bson_iter_t *it, size_t size, void **items, int *count,
			 int (*one)(bson_iter_t *doc, void *item, char *err, size_t errlen),
			 char *err, size_t errlen)
{
	bson_iter_t arr, c;
	int n = array_count(it, CR_FRAME_MAX_CASES, &arr, err, errlen);

	if (n <= 0)
		return n;
	*items = calloc((size_t)n, size);
	if (!*items)
		return fail(err, errlen, "out of memory");
	while (bson_iter_next(&arr)) {
		void *item = (char *)*items + (size_t)(*count)++ * size;

		if (!bson_iter_recurse(&arr, &c))
			return fail(err, errlen, "malformed element of \"%s\"", bson_iter_key(it));
		if (one(&c, item, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static int get_job_case(bson_iter_t *doc, void *item, char *err, size_t errlen)
{
	struct cr_job_case *jc = item;
	bool have_stdin = false;

	while (bson_iter_next(doc)) {
		const char *k = bson_iter_key(doc);

		if (strcmp(k, "stdin") == 0) {
			if (have_stdin)
				return fail(err, errlen, "case has two stdin fields");
			have_stdin = true;
			if (get_bytes(doc, &jc->stdin_data, CR_FRAME_MAX_BYTES, err, errlen) < 0)
				return -1;
		} else if (strcmp(k, "expected") == 0) {
			if (jc->has_expected)
				return fail(err, errlen, "case has two expected fields");
			jc->has_expected = true;
			if (get_bytes(doc, &jc->expected, CR_FRAME_MAX_BYTES, err, errlen) < 0)
				return -1;
		}
	}
	if (!have_stdin)
		return fail(err, errlen, "each case needs \"stdin\"");
	if (!jc->has_expected && !(jc->expected.data = calloc(1, 1)))
		return fail(err, errlen, "out of memory");
	return 0;
}

static int get_job_cases(const bson_iter_t *it, struct cr_job *job, char *err, size_t errlen)
{
	void *items = NULL;
	int rc = get_doc_array(it, sizeof *job->cases, &items, &job->ncases, get_job_case, err,
			       errlen);

	job->cases = items;
	return rc;
}

static int get_compare(const bson_iter_t *it, enum cr_compare *mode, char *err, size_t errlen)
{
	char *name = NULL;
	int rc = get_utf8(it, &name, 64, err, errlen);

	if (rc == 0 && cr_compare_parse(name, strlen(name), mode) < 0)
		rc = fail(err, errlen, "unknown compare mode \"%s\"", name);
	free(name);
	return rc;
}

static int get_epsilon(const bson_iter_t *it, double *out, char *err, size_t errlen)
{
	double v;

	if (!BSON_ITER_HOLDS_DOUBLE(it))
		return fail(err, errlen, "field \"epsilon\" must be a double");
	v = bson_iter_double(it);
	if (!isfinite(v) || v < 0)
		return fail(err, errlen, "field \"epsilon\" must be finite and not negative");
	*out = v;
	return 0;
}

/* Position of key in keys (NULL-terminated), or -1. */
static int key_index(const char *const *keys, const char *k)
{
	for (int i = 0; keys[i]; i++)
		if (strcmp(keys[i], k) == 0)
			return i;
	return -1;
}

enum job_key {
	J_V, J_FILES, J_STDIN, J_COMPILE, J_RUN, J_TIME, J_CTIME, J_OUT, J_COUT,
	J_FSIZE, J_NOFILE, J_UID, J_KEEP, J_CASES, J_COMPARE, J_EPSILON, J_STOP, J_NKEYS
};
static const char *const job_keys[] = {
	"v", "files", "stdin", "compile", "run", "time_ms", "compile_ms", "output_bytes",
	"compile_output_bytes", "file_bytes", "nofile", "uid", "keep", "cases", "compare",
	"epsilon", "stop_on_failure", NULL
};
/* May be absent (the rest are required). */
static const bool job_optional[J_NKEYS] = {
	[J_STDIN] = true, [J_COMPILE] = true, [J_KEEP] = true, [J_CASES] = true,
	[J_COMPARE] = true, [J_EPSILON] = true, [J_STOP] = true,
};

static int job_field(const bson_iter_t *it, int k, struct cr_job *job, char *err, size_t errlen)
{
	int64_t v = 0;
	int rc = 0;

	switch (k) {
	case J_V:
		rc = get_int(it, CR_FRAME_VERSION, CR_FRAME_VERSION, &v, err, errlen);
		break;
	case J_FILES:
		return get_files(it, job, err, errlen);
	case J_STDIN:
		return get_bytes(it, &job->stdin_data, CR_FRAME_MAX_BYTES, err, errlen);
	case J_COMPILE:
		return get_utf8(it, &job->compile, 64 * 1024, err, errlen);
	case J_RUN:
		return get_utf8(it, &job->run, 64 * 1024, err, errlen);
	case J_TIME:
		rc = get_int(it, 1, JOB_MAX_TIME_MS, &job->time_ms, err, errlen);
		break;
	case J_CTIME:
		rc = get_int(it, 1, JOB_MAX_TIME_MS, &job->compile_ms, err, errlen);
		break;
	case J_OUT:
		rc = get_int(it, 0, JOB_MAX_OUTPUT_BYTES, &job->output_bytes, err, errlen);
		break;
	case J_COUT:
		rc = get_int(it, 0, JOB_MAX_OUTPUT_BYTES, &job->compile_output_bytes, err, errlen);
		break;
	case J_FSIZE:
		rc = get_int(it, 0, JOB_MAX_FILE_BYTES, &job->file_bytes, err, errlen);
		break;
	case J_NOFILE:
		rc = get_int(it, 3, JOB_MAX_NOFILE, &v, err, errlen);
		job->nofile = (int32_t)v;
		break;
	case J_UID:
		/* Never root, and below the "nobody"/overflow ids. */
		rc = get_int(it, 1, 65533, &v, err, errlen);
		job->uid = (int32_t)v;
		break;
	case J_KEEP:
		return get_bool(it, &job->keep, err, errlen);
	case J_CASES:
		return get_job_cases(it, job, err, errlen);
	case J_COMPARE:
		return get_compare(it, &job->compare, err, errlen);
	case J_EPSILON:
		return get_epsilon(it, &job->epsilon, err, errlen);
	case J_STOP:
		return get_bool(it, &job->stop_on_failure, err, errlen);
	default:
		break;
	}
	return rc;
}

int cr_job_decode(const uint8_t *doc, size_t len, struct cr_job *job, char *err, size_t errlen)
{
	bson_t b;
	bson_iter_t it;
	bool seen[J_NKEYS] = { false };

	memset(job, 0, sizeof *job);
	if (open_doc(doc, len, &b, err, errlen) < 0)
		return -1;
	if (!bson_iter_init(&it, &b))
		return fail(err, errlen, "frame is not a BSON document");
	job->compare = CR_COMPARE_DEFAULT;
	job->epsilon = CR_COMPARE_EPSILON_DEFAULT;
	while (bson_iter_next(&it)) {
		int k = key_index(job_keys, bson_iter_key(&it));

		if (k < 0)
			continue;
		if (seen[k]) {
			fail(err, errlen, "field \"%s\" appears twice", job_keys[k]);
			goto bad;
		}
		seen[k] = true;
		if (job_field(&it, k, job, err, errlen) < 0)
			goto bad;
	}
	for (int k = 0; k < J_NKEYS; k++) {
		if (!seen[k] && !job_optional[k]) {
			fail(err, errlen, "field \"%s\" is missing", job_keys[k]);
			goto bad;
		}
	}
	if (!job->stdin_data.data && !(job->stdin_data.data = calloc(1, 1))) {
		fail(err, errlen, "out of memory");
		goto bad;
	}
	if (job->run[0] == '\0' || (job->compile && job->compile[0] == '\0')) {
		fail(err, errlen, "empty command");
		goto bad;
	}
	return 0;
bad:
	cr_job_free(job);
	return -1;
}

void cr_job_free(struct cr_job *job)
{
	if (!job)
		return;
	for (int i = 0; i < CR_FRAME_MAX_FILES; i++) {
		free(job->files[i].name);
		free(job->files[i].data.data);
	}
	free(job->stdin_data.data);
	free(job->compile);
	free(job->run);
	for (int i = 0; job->cases && i < job->ncases; i++) {
		free(job->cases[i].stdin_data.data);
		free(job->cases[i].expected.data);
	}
	free(job->cases);
	memset(job, 0, sizeof *job);
}

enum case_key {
	C_EXIT, C_SIG, C_TIMEOUT, C_OOM, C_OKILL, C_STDOUT, C_STDERR, C_OTRUNC, C_ETRUNC,
	C_TIME, C_MEM, C_MATCHED, C_NKEYS
};
static const char *const case_keys[] = {
	"exit_code", "signal", "timeout", "oom", "output_killed", "stdout", "stderr",
	"stdout_truncated", "stderr_truncated", "time_ms", "memory_kb", "matched", NULL
};

static int case_field(const bson_iter_t *it, int k, struct cr_case_result *r, char *err,
		      size_t errlen)
{
	switch (k) {
	case C_EXIT:
		return get_status(it, false, &r->exit_code, err, errlen);
	case C_SIG:
		return get_status(it, true, &r->signal, err, errlen);
	case C_TIMEOUT:
		return get_bool(it, &r->timeout, err, errlen);
	case C_OOM:
		return get_bool(it, &r->oom, err, errlen);
	case C_OKILL:
		return get_bool(it, &r->output_killed, err, errlen);
	case C_STDOUT:
		return get_bytes(it, &r->out, CR_FRAME_MAX_BYTES, err, errlen);
	case C_STDERR:
		return get_bytes(it, &r->err, CR_FRAME_MAX_BYTES, err, errlen);
	case C_OTRUNC:
		return get_bool(it, &r->stdout_truncated, err, errlen);
	case C_ETRUNC:
		return get_bool(it, &r->stderr_truncated, err, errlen);
	case C_TIME:
		return get_int(it, 0, INT64_MAX, &r->time_ms, err, errlen);
	case C_MEM:
		return get_int(it, 0, INT64_MAX, &r->memory_kb, err, errlen);
	case C_MATCHED:
		r->has_matched = true;
		return get_bool(it, &r->matched, err, errlen);
	default:
		break;
	}
	return 0;
}

/* Bytes fields absent from a run read as empty, never NULL. */
static int run_defaults(struct cr_case_result *r, char *err, size_t errlen)
{
	if ((!r->out.data && !(r->out.data = calloc(1, 1))) ||
	    (!r->err.data && !(r->err.data = calloc(1, 1))))
		return fail(err, errlen, "out of memory");
	return 0;
}

/* One case's result: absent fields read as zero/false/empty, as at the top level. */
static int get_case_result(bson_iter_t *doc, void *item, char *err, size_t errlen)
{
	struct cr_case_result *r = item;
	bool seen[C_NKEYS] = { false };

	while (bson_iter_next(doc)) {
		int k = key_index(case_keys, bson_iter_key(doc));

		if (k < 0)
			continue;
		if (seen[k])
			return fail(err, errlen, "case field \"%s\" appears twice", case_keys[k]);
		seen[k] = true;
		if (case_field(doc, k, r, err, errlen) < 0)
			return -1;
	}
	return run_defaults(r, err, errlen);
}

static int get_case_results(const bson_iter_t *it, struct cr_result *res, char *err, size_t errlen)
{
	void *items = NULL;
	int rc = get_doc_array(it, sizeof *res->cases, &items, &res->ncases, get_case_result, err,
			       errlen);

	res->cases = items;
	return rc;
}

/* The result's own keys; its run fields are a case's (case_keys, but "matched"). */
enum res_key {
	R_V, R_ERROR, R_COMPILED, R_CEXIT, R_CSIG, R_CTIMEOUT, R_COUT, R_RAN, R_CTIME,
	R_CLEAN, R_DIRTY, R_CLEANUP, R_CASES, R_NKEYS
};
static const char *const res_keys[] = {
	"v", "error", "compiled", "compile_exit", "compile_signal", "compile_timeout",
	"compile_output", "ran", "compile_time_ms", "clean", "dirty", "cleanup_ms", "cases", NULL
};

static int res_field(const bson_iter_t *it, int k, struct cr_result *r, char *err, size_t errlen)
{
	int64_t v = 0;
	int rc = 0;

	switch (k) {
	case R_V:
		return get_int(it, CR_FRAME_VERSION, CR_FRAME_VERSION, &v, err, errlen);
	case R_ERROR:
		return get_utf8(it, &r->error, 4096, err, errlen);
	case R_COMPILED:
		return get_bool(it, &r->compiled, err, errlen);
	case R_CEXIT:
		return get_status(it, false, &r->compile_exit, err, errlen);
	case R_CSIG:
		return get_status(it, true, &r->compile_signal, err, errlen);
	case R_CTIMEOUT:
		return get_bool(it, &r->compile_timeout, err, errlen);
	case R_COUT:
		return get_bytes(it, &r->compile_output, CR_FRAME_MAX_BYTES, err, errlen);
	case R_RAN:
		return get_bool(it, &r->ran, err, errlen);
	case R_CTIME:
		return get_int(it, 0, INT64_MAX, &r->compile_time_ms, err, errlen);
	case R_CLEAN:
		return get_bool(it, &r->clean, err, errlen);
	case R_DIRTY:
		return get_utf8(it, &r->dirty, 1024, err, errlen);
	case R_CLEANUP:
		return get_int(it, 0, INT64_MAX, &r->cleanup_ms, err, errlen);
	case R_CASES:
		return get_case_results(it, r, err, errlen);
	default:
		break;
	}
	return rc;
}

/* The run fields decoded as a case's into the result's own (the bytes move). */
static void set_run(struct cr_result *res, const struct cr_case_result *run)
{
	res->exit_code = run->exit_code;
	res->signal = run->signal;
	res->timeout = run->timeout;
	res->oom = run->oom;
	res->output_killed = run->output_killed;
	res->out = run->out;
	res->err = run->err;
	res->stdout_truncated = run->stdout_truncated;
	res->stderr_truncated = run->stderr_truncated;
	res->time_ms = run->time_ms;
	res->memory_kb = run->memory_kb;
}

/*
 * Only "v" is required: a result that carries "error" may omit the rest, and
 * absent fields read as zero/false/empty. Present fields must have their type.
 */
int cr_result_decode(const uint8_t *doc, size_t len, struct cr_result *res, char *err,
		     size_t errlen)
{
	bson_t b;
	bson_iter_t it;
	bool seen[R_NKEYS] = { false }, run_seen[C_NKEYS] = { false };
	struct cr_case_result run = { 0 };

	memset(res, 0, sizeof *res);
	if (open_doc(doc, len, &b, err, errlen) < 0)
		return -1;
	if (!bson_iter_init(&it, &b))
		return fail(err, errlen, "frame is not a BSON document");
	while (bson_iter_next(&it)) {
		const char *key = bson_iter_key(&it);
		int k = key_index(res_keys, key), rk = k < 0 ? key_index(case_keys, key) : -1;
		bool *was = k >= 0 ? &seen[k] : rk >= 0 && rk != C_MATCHED ? &run_seen[rk] : NULL;

		if (!was)
			continue;
		if (*was) {
			fail(err, errlen, "field \"%s\" appears twice", key);
			goto bad;
		}
		*was = true;
		if ((k >= 0 ? res_field(&it, k, res, err, errlen)
			    : case_field(&it, rk, &run, err, errlen)) < 0)
			goto bad;
	}
	if (!seen[R_V]) {
		fail(err, errlen, "field \"v\" is missing");
		goto bad;
	}
	if (run_defaults(&run, err, errlen) < 0 ||
	    (!res->compile_output.data && !(res->compile_output.data = calloc(1, 1)))) {
		fail(err, errlen, "out of memory");
		goto bad;
	}
	set_run(res, &run);
	return 0;
bad:
	free(run.out.data);
	free(run.err.data);
	cr_result_free(res);
	return -1;
}

void cr_result_free(struct cr_result *res)
{
	if (!res)
		return;
	free(res->error);
	free(res->dirty);
	free(res->compile_output.data);
	free(res->out.data);
	free(res->err.data);
	for (int i = 0; res->cases && i < res->ncases; i++) {
		free(res->cases[i].out.data);
		free(res->cases[i].err.data);
	}
	free(res->cases);
	memset(res, 0, sizeof *res);
}
