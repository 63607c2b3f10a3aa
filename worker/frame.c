/*
 * The job and result frames of frame.h, encoded and decoded with libbson.
 *
 * This file is compiled into two programs: the worker (shared libbson) and the
 * static coderank-runner (libbson-static, -DBSON_STATIC). So it uses nothing
 * from common/: plain malloc, and errors go to the caller's buffer.
 *
 * Decoding is strict because the runner trusts nothing it did not check: the
 * document must be well formed with valid UTF-8 strings (no embedded NUL), each
 * known key may appear once and with its type, integers are range-checked,
 * byte fields must be binary subtype 0, and file names must be plain names.
 * Unknown keys are ignored, so a newer writer can add optional fields.
 */
#include "worker/frame.h"

/* libbson's headers cast away const (bson-atomic.h); not our code to fix. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include <bson/bson.h>
#pragma GCC diagnostic pop
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds a decoded job must respect; they keep a result frame under the max. */
#define JOB_MAX_TIME_MS (10LL * 60 * 1000)
#define JOB_MAX_OUTPUT_BYTES (4LL * 1024 * 1024)
#define JOB_MAX_FILE_BYTES (1LL << 40)
#define JOB_MAX_NOFILE 1048576
#define JOB_MAX_NAME 255

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

uint8_t *cr_job_encode(const struct cr_job *job, size_t *len)
{
	bson_t *b = bson_new();
	bson_t arr, f;
	bool ok = true;

	if (!b || job->nfiles < 0 || job->nfiles > CR_FRAME_MAX_FILES || !job->run) {
		if (b)
			bson_destroy(b);
		return NULL;
	}
	ok = ok && BSON_APPEND_INT32(b, "v", CR_FRAME_VERSION);
	ok = ok && BSON_APPEND_ARRAY_BEGIN(b, "files", &arr);
	for (int i = 0; ok && i < job->nfiles; i++) {
		char kbuf[16];
		const char *key;
		size_t klen = bson_uint32_to_string((uint32_t)i, &key, kbuf, sizeof kbuf);

		ok = bson_append_document_begin(&arr, key, (int)klen, &f);
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
	return finish(b, ok, len);
}

uint8_t *cr_result_encode(const struct cr_result *res, size_t *len)
{
	bson_t *b = bson_new();
	bool ok = true;

	if (!b)
		return NULL;
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

static int get_bool(const bson_iter_t *it, bool *out, char *err, size_t errlen)
{
	if (!BSON_ITER_HOLDS_BOOL(it))
		return fail(err, errlen, "field \"%s\" must be a boolean", bson_iter_key(it));
	*out = bson_iter_bool(it);
	return 0;
}

/* A plain file name: no '/', not "." or "..", no leading '-' nor control bytes. */
static bool plain_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > JOB_MAX_NAME || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	if (strstr(s, "..") || s[0] == '-')
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p == '/' || *p == '\\' || *p < 0x20 || *p == 0x7f)
			return false;
	return true;
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
		if (!plain_name(jf->name))
			return fail(err, errlen, "file name \"%s\" is not a plain name", jf->name);
		for (int i = 0; i < job->nfiles - 1; i++)
			if (strcmp(job->files[i].name, jf->name) == 0)
				return fail(err, errlen, "file name \"%s\" appears twice", jf->name);
	}
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
	J_FSIZE, J_NOFILE, J_UID, J_KEEP, J_NKEYS
};
static const char *const job_keys[] = {
	"v", "files", "stdin", "compile", "run", "time_ms", "compile_ms", "output_bytes",
	"compile_output_bytes", "file_bytes", "nofile", "uid", "keep", NULL
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
		if (!seen[k] && k != J_STDIN && k != J_COMPILE && k != J_KEEP) {
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
	memset(job, 0, sizeof *job);
}

enum res_key {
	R_V, R_ERROR, R_COMPILED, R_CEXIT, R_CSIG, R_CTIMEOUT, R_COUT, R_RAN, R_EXIT,
	R_SIG, R_TIMEOUT, R_OOM, R_STDOUT, R_STDERR, R_OTRUNC, R_ETRUNC, R_TIME, R_MEM,
	R_CTIME, R_OKILL, R_CLEAN, R_DIRTY, R_CLEANUP, R_NKEYS
};
static const char *const res_keys[] = {
	"v", "error", "compiled", "compile_exit", "compile_signal", "compile_timeout",
	"compile_output", "ran", "exit_code", "signal", "timeout", "oom", "stdout",
	"stderr", "stdout_truncated", "stderr_truncated", "time_ms", "memory_kb",
	"compile_time_ms", "output_killed", "clean", "dirty", "cleanup_ms", NULL
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
		rc = get_int(it, -1, 255, &v, err, errlen);
		r->compile_exit = (int32_t)v;
		break;
	case R_CSIG:
		rc = get_int(it, 0, 128, &v, err, errlen);
		r->compile_signal = (int32_t)v;
		break;
	case R_CTIMEOUT:
		return get_bool(it, &r->compile_timeout, err, errlen);
	case R_COUT:
		return get_bytes(it, &r->compile_output, CR_FRAME_MAX_BYTES, err, errlen);
	case R_RAN:
		return get_bool(it, &r->ran, err, errlen);
	case R_EXIT:
		rc = get_int(it, -1, 255, &v, err, errlen);
		r->exit_code = (int32_t)v;
		break;
	case R_SIG:
		rc = get_int(it, 0, 128, &v, err, errlen);
		r->signal = (int32_t)v;
		break;
	case R_TIMEOUT:
		return get_bool(it, &r->timeout, err, errlen);
	case R_OOM:
		return get_bool(it, &r->oom, err, errlen);
	case R_STDOUT:
		return get_bytes(it, &r->out, CR_FRAME_MAX_BYTES, err, errlen);
	case R_STDERR:
		return get_bytes(it, &r->err, CR_FRAME_MAX_BYTES, err, errlen);
	case R_OTRUNC:
		return get_bool(it, &r->stdout_truncated, err, errlen);
	case R_ETRUNC:
		return get_bool(it, &r->stderr_truncated, err, errlen);
	case R_TIME:
		return get_int(it, 0, INT64_MAX, &r->time_ms, err, errlen);
	case R_MEM:
		return get_int(it, 0, INT64_MAX, &r->memory_kb, err, errlen);
	case R_CTIME:
		return get_int(it, 0, INT64_MAX, &r->compile_time_ms, err, errlen);
	case R_OKILL:
		return get_bool(it, &r->output_killed, err, errlen);
	case R_CLEAN:
		return get_bool(it, &r->clean, err, errlen);
	case R_DIRTY:
		return get_utf8(it, &r->dirty, 1024, err, errlen);
	case R_CLEANUP:
		return get_int(it, 0, INT64_MAX, &r->cleanup_ms, err, errlen);
	default:
		break;
	}
	return rc;
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
	bool seen[R_NKEYS] = { false };
	struct cr_bytes *bytes[] = { &res->compile_output, &res->out, &res->err };

	memset(res, 0, sizeof *res);
	if (open_doc(doc, len, &b, err, errlen) < 0)
		return -1;
	if (!bson_iter_init(&it, &b))
		return fail(err, errlen, "frame is not a BSON document");
	while (bson_iter_next(&it)) {
		int k = key_index(res_keys, bson_iter_key(&it));

		if (k < 0)
			continue;
		if (seen[k]) {
			fail(err, errlen, "field \"%s\" appears twice", res_keys[k]);
			goto bad;
		}
		seen[k] = true;
		if (res_field(&it, k, res, err, errlen) < 0)
			goto bad;
	}
	if (!seen[R_V]) {
		fail(err, errlen, "field \"v\" is missing");
		goto bad;
	}
	for (size_t i = 0; i < sizeof bytes / sizeof bytes[0]; i++) {
		if (!bytes[i]->data && !(bytes[i]->data = calloc(1, 1))) {
			fail(err, errlen, "out of memory");
			goto bad;
		}
	}
	return 0;
bad:
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
	memset(res, 0, sizeof *res);
}
