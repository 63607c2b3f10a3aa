/*
 * worker/frame.c: job and result frames round-trip exactly (NUL bytes and
 * invalid UTF-8 included), and the strict decoder refuses every malformed,
 * oversized or dangerous frame in the table below.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include <bson/bson.h>
#pragma GCC diagnostic pop

#include "t/unit/cu.h"
#include "worker/frame.h"

#include <string.h>

void frame_suite(void);

static char src[] = "print('hi')\n";
static char in[] = "a\0b\xff\xfe";
static char name[] = "main.py";
static char run[] = "python3 main.py";

static struct cr_job sample_job(void)
{
	struct cr_job j = {
		.nfiles = 1,
		.stdin_data = { in, sizeof in - 1 },
		.run = run,
		.time_ms = 10000, .compile_ms = 30000, .output_bytes = 65536,
		.compile_output_bytes = 65536, .file_bytes = 1 << 24, .nofile = 256, .uid = 10000,
	};

	j.files[0].name = name;
	j.files[0].data.data = src;
	j.files[0].data.len = sizeof src - 1;
	return j;
}

static void test_job_roundtrip(void)
{
	struct cr_job j = sample_job(), d;
	char err[256] = "";
	size_t len = 0;
	uint8_t *doc;

	j.compile = (char *)"true";
	doc = cr_job_encode(&j, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL(cr_frame_size(doc, len), (int64_t)len);
	CU_ASSERT_EQUAL_FATAL(cr_job_decode(doc, len, &d, err, sizeof err), 0);
	CU_ASSERT_EQUAL(d.nfiles, 1);
	CU_ASSERT_STRING_EQUAL(d.files[0].name, "main.py");
	CU_ASSERT_EQUAL(d.files[0].data.len, sizeof src - 1);
	CU_ASSERT_EQUAL(memcmp(d.files[0].data.data, src, sizeof src - 1), 0);
	CU_ASSERT_EQUAL(d.stdin_data.len, 5);
	CU_ASSERT_EQUAL(memcmp(d.stdin_data.data, in, 5), 0);
	CU_ASSERT_STRING_EQUAL(d.compile, "true");
	CU_ASSERT_STRING_EQUAL(d.run, run);
	CU_ASSERT_EQUAL(d.time_ms, 10000);
	CU_ASSERT_EQUAL(d.compile_ms, 30000);
	CU_ASSERT_EQUAL(d.output_bytes, 65536);
	CU_ASSERT_EQUAL(d.file_bytes, 1 << 24);
	CU_ASSERT_EQUAL(d.nofile, 256);
	CU_ASSERT_EQUAL(d.uid, 10000);
	cr_job_free(&d);
	cr_job_free(&d);	/* idempotent */
	free(doc);
}

static void test_job_no_compile_no_stdin(void)
{
	struct cr_job j = sample_job(), d;
	char err[256];
	size_t len;
	uint8_t *doc;

	j.stdin_data.data = NULL;
	j.stdin_data.len = 0;
	j.nfiles = 0;
	doc = cr_job_encode(&j, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL_FATAL(cr_job_decode(doc, len, &d, err, sizeof err), 0);
	CU_ASSERT_PTR_NULL(d.compile);
	CU_ASSERT_EQUAL(d.nfiles, 0);
	CU_ASSERT_PTR_NOT_NULL(d.stdin_data.data);
	CU_ASSERT_EQUAL(d.stdin_data.len, 0);
	cr_job_free(&d);
	free(doc);
}

static void test_result_roundtrip(void)
{
	static char out[] = "ok\0\xc3(";
	struct cr_result r = {
		.compiled = true, .compile_exit = 0, .ran = true, .exit_code = -1, .signal = 9,
		.timeout = true, .oom = false, .out = { out, sizeof out - 1 },
		.stdout_truncated = true, .time_ms = 2001, .memory_kb = 8192,
		.compile_time_ms = 640, .output_killed = true,
	}, d;
	char err[256];
	size_t len;
	uint8_t *doc = cr_result_encode(&r, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL_FATAL(cr_result_decode(doc, len, &d, err, sizeof err), 0);
	CU_ASSERT_PTR_NULL(d.error);
	CU_ASSERT_TRUE(d.compiled && d.ran && d.timeout && !d.oom);
	CU_ASSERT_EQUAL(d.exit_code, -1);
	CU_ASSERT_EQUAL(d.signal, 9);
	CU_ASSERT_EQUAL(d.out.len, 5);
	CU_ASSERT_EQUAL(memcmp(d.out.data, out, 5), 0);
	CU_ASSERT_EQUAL(d.err.len, 0);
	CU_ASSERT_PTR_NOT_NULL(d.err.data);
	CU_ASSERT_PTR_NOT_NULL(d.compile_output.data);
	CU_ASSERT_TRUE(d.stdout_truncated && !d.stderr_truncated);
	CU_ASSERT_EQUAL(d.time_ms, 2001);
	CU_ASSERT_EQUAL(d.memory_kb, 8192);
	CU_ASSERT_EQUAL(d.compile_time_ms, 640);
	CU_ASSERT_TRUE(d.output_killed);
	cr_result_free(&d);
	free(doc);

	r = (struct cr_result){ .error = (char *)"bad job" };
	doc = cr_result_encode(&r, &len);
	CU_ASSERT_EQUAL_FATAL(cr_result_decode(doc, len, &d, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(d.error, "bad job");
	cr_result_free(&d);
	free(doc);
}

static void test_frame_size(void)
{
	uint8_t b[4] = { 5, 0, 0, 0 };

	CU_ASSERT_EQUAL(cr_frame_size(b, 3), -1);
	CU_ASSERT_EQUAL(cr_frame_size(b, 4), 5);
	b[0] = 4;
	CU_ASSERT_EQUAL(cr_frame_size(b, 4), -1);
	b[0] = 0; b[3] = 0x7f;	/* far above CR_FRAME_MAX_BYTES */
	CU_ASSERT_EQUAL(cr_frame_size(b, 4), -1);
	b[0] = 0xff; b[1] = 0xff; b[2] = 0xff; b[3] = 0xff;	/* negative as int32 */
	CU_ASSERT_EQUAL(cr_frame_size(b, 4), -1);
}

/* ---- hostile jobs: each mutates a good job through raw BSON ---------------- */

enum mut { M_NONE, M_DROP, M_SET_UTF8, M_SET_INT64, M_SET_INT32, M_SET_BOOL, M_SET_BIN5,
	   M_DUP };

struct bad_case {
	const char *what;
	const char *key;
	enum mut m;
	const char *s;
	int64_t n;
};

/* Builds the sample job's document with one field changed. */
static bson_t *job_doc(const struct bad_case *c)
{
	static const char *const order[] = {
		"v", "files", "stdin", "run", "time_ms", "compile_ms", "output_bytes",
		"compile_output_bytes", "file_bytes", "nofile", "uid", NULL
	};
	bson_t *b = bson_new(), arr, f;

	for (int i = 0; order[i]; i++) {
		const char *k = order[i];
		bool hit = c->key && strcmp(c->key, k) == 0;

		if (hit && c->m != M_DUP && c->m != M_DROP) {
			switch (c->m) {
			case M_SET_UTF8: BSON_APPEND_UTF8(b, k, c->s); break;
			case M_SET_INT64: BSON_APPEND_INT64(b, k, c->n); break;
			case M_SET_INT32: BSON_APPEND_INT32(b, k, (int32_t)c->n); break;
			case M_SET_BOOL: BSON_APPEND_BOOL(b, k, true); break;
			case M_SET_BIN5:
				bson_append_binary(b, k, -1, BSON_SUBTYPE_MD5, (const uint8_t *)"x", 1);
				break;
			default: break;
			}
			continue;
		}
		if (hit && c->m == M_DROP)
			continue;
		for (int rep = 0; rep < (hit ? 2 : 1); rep++) {
			if (strcmp(k, "v") == 0) {
				BSON_APPEND_INT32(b, k, 1);
			} else if (strcmp(k, "files") == 0) {
				BSON_APPEND_ARRAY_BEGIN(b, k, &arr);
				BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &f);
				BSON_APPEND_UTF8(&f, "name", "main.py");
				bson_append_binary(&f, "data", -1, BSON_SUBTYPE_BINARY,
						   (const uint8_t *)"x", 1);
				bson_append_document_end(&arr, &f);
				bson_append_array_end(b, &arr);
			} else if (strcmp(k, "stdin") == 0) {
				bson_append_binary(b, k, -1, BSON_SUBTYPE_BINARY, (const uint8_t *)"", 0);
			} else if (strcmp(k, "run") == 0) {
				BSON_APPEND_UTF8(b, k, "./main");
			} else if (strcmp(k, "nofile") == 0 || strcmp(k, "uid") == 0) {
				BSON_APPEND_INT32(b, k, strcmp(k, "uid") == 0 ? 10000 : 256);
			} else {
				BSON_APPEND_INT64(b, k, 1000);
			}
		}
	}
	return b;
}

static bson_t *files_doc(int nfiles, const char *fname)
{
	struct bad_case none = { "none", NULL, M_NONE, NULL, 0 };
	bson_t *b = job_doc(&none), *out = bson_new(), arr, f;
	bson_iter_t it;

	/* Copy everything but "files", then append a custom "files". */
	bson_iter_init(&it, b);
	while (bson_iter_next(&it))
		if (strcmp(bson_iter_key(&it), "files") != 0)
			bson_append_iter(out, NULL, 0, &it);
	BSON_APPEND_ARRAY_BEGIN(out, "files", &arr);
	for (int i = 0; i < nfiles; i++) {
		char key[16], nm[64];

		snprintf(key, sizeof key, "%d", i);
		if (i == 0)
			snprintf(nm, sizeof nm, "%s", fname);
		else
			snprintf(nm, sizeof nm, "f%d", i);
		BSON_APPEND_DOCUMENT_BEGIN(&arr, key, &f);
		BSON_APPEND_UTF8(&f, "name", nm);
		bson_append_binary(&f, "data", -1, BSON_SUBTYPE_BINARY, (const uint8_t *)"", 0);
		bson_append_document_end(&arr, &f);
	}
	bson_append_array_end(out, &arr);
	bson_destroy(b);
	return out;
}

static int decode_bson(const bson_t *b, char *err, size_t errlen)
{
	struct cr_job j;
	int rc = cr_job_decode(bson_get_data(b), b->len, &j, err, errlen);

	cr_job_free(&j);
	return rc;
}

static void test_job_table(void)
{
	static const struct bad_case cases[] = {
		{ "baseline", NULL, M_NONE, NULL, 0 },
		{ "missing run", "run", M_DROP, NULL, 0 },
		{ "missing uid", "uid", M_DROP, NULL, 0 },
		{ "missing files", "files", M_DROP, NULL, 0 },
		{ "version 2", "v", M_SET_INT32, NULL, 2 },
		{ "run not a string", "run", M_SET_INT32, NULL, 1 },
		{ "run empty", "run", M_SET_UTF8, "", 0 },
		{ "time_ms zero", "time_ms", M_SET_INT64, NULL, 0 },
		{ "time_ms negative", "time_ms", M_SET_INT64, NULL, -5 },
		{ "time_ms a bool", "time_ms", M_SET_BOOL, NULL, 0 },
		{ "output_bytes huge", "output_bytes", M_SET_INT64, NULL, 1LL << 40 },
		{ "uid root", "uid", M_SET_INT32, NULL, 0 },
		{ "uid negative", "uid", M_SET_INT32, NULL, -1 },
		{ "uid 65534", "uid", M_SET_INT32, NULL, 65534 },
		{ "nofile zero", "nofile", M_SET_INT32, NULL, 0 },
		{ "stdin a string", "stdin", M_SET_UTF8, "abc", 0 },
		{ "stdin subtype 5", "stdin", M_SET_BIN5, NULL, 0 },
		{ "duplicate run", "run", M_DUP, NULL, 0 },
		{ "duplicate files", "files", M_DUP, NULL, 0 },
	};
	char err[256];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		bson_t *b = job_doc(&cases[i]);
		int rc = decode_bson(b, err, sizeof err);

		if ((rc == 0) != (i == 0))
			fprintf(stderr, "\n  case \"%s\": rc=%d (%s)\n", cases[i].what, rc, err);
		CU_ASSERT_EQUAL(rc, i == 0 ? 0 : -1);
		bson_destroy(b);
	}
}

static void test_file_names(void)
{
	static const struct { const char *name; bool ok; } names[] = {
		{ "main.py", true }, { "Main.java", true }, { "a-b_c.txt", true },
		{ "", false }, { ".", false }, { "..", false }, { "../etc", false },
		{ "a/b", false }, { "/etc/passwd", false }, { "a..b", false },
		{ "-rf", false }, { "a\nb", false }, { "a\\b", false },
	};
	char err[256];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		bson_t *b = files_doc(1, names[i].name);
		int rc = decode_bson(b, err, sizeof err);

		if ((rc == 0) != names[i].ok)
			fprintf(stderr, "\n  name \"%s\": rc=%d (%s)\n", names[i].name, rc, err);
		CU_ASSERT_EQUAL(rc, names[i].ok ? 0 : -1);
		bson_destroy(b);
	}
	/* CR_FRAME_MAX_FILES is fine, one more is not. */
	for (int n = CR_FRAME_MAX_FILES; n <= CR_FRAME_MAX_FILES + 1; n++) {
		bson_t *b = files_doc(n, "main.c");

		CU_ASSERT_EQUAL(decode_bson(b, err, sizeof err), n <= CR_FRAME_MAX_FILES ? 0 : -1);
		bson_destroy(b);
	}
}

static void test_malformed_bytes(void)
{
	struct cr_job j = sample_job(), d;
	struct cr_result r;
	char err[256];
	size_t len;
	uint8_t *doc = cr_job_encode(&j, &len), *bad;

	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	/* Length prefix and buffer disagree. */
	CU_ASSERT_EQUAL(cr_job_decode(doc, len - 1, &d, err, sizeof err), -1);
	CU_ASSERT_EQUAL(cr_job_decode(NULL, 0, &d, err, sizeof err), -1);
	/* Every truncation of the document is refused. */
	bad = malloc(len);
	for (size_t cut = 5; cut < len; cut += 7) {
		memcpy(bad, doc, cut);
		bad[0] = (uint8_t)cut;
		bad[1] = (uint8_t)(cut >> 8);
		bad[2] = bad[3] = 0;
		bad[cut - 1] = 0;
		CU_ASSERT_EQUAL(cr_job_decode(bad, cut, &d, err, sizeof err), -1);
	}
	/* Flipping bytes never crashes; most flips are refused. */
	for (size_t i = 4; i < len; i++) {
		memcpy(bad, doc, len);
		bad[i] ^= 0x5a;
		if (cr_job_decode(bad, len, &d, err, sizeof err) == 0)
			cr_job_free(&d);
	}
	/* A job is not a result and vice versa only by content: a result needs v. */
	CU_ASSERT_EQUAL(cr_result_decode(doc, len, &r, err, sizeof err), 0);
	cr_result_free(&r);
	free(bad);
	free(doc);
}

static void test_invalid_utf8_string(void)
{
	bson_t *b = bson_new();
	char err[256];
	struct cr_result r;

	/* A string field with invalid UTF-8 or an embedded NUL is refused. */
	BSON_APPEND_INT32(b, "v", 1);
	bson_append_utf8(b, "error", -1, "a\xff", 2);
	CU_ASSERT_EQUAL(cr_result_decode(bson_get_data(b), b->len, &r, err, sizeof err), -1);
	bson_destroy(b);
	b = bson_new();
	BSON_APPEND_INT32(b, "v", 1);
	bson_append_utf8(b, "error", -1, "\xed\xa0\x80", 3);	/* a surrogate */
	CU_ASSERT_EQUAL(cr_result_decode(bson_get_data(b), b->len, &r, err, sizeof err), -1);
	bson_destroy(b);
	b = bson_new();
	BSON_APPEND_INT32(b, "v", 1);
	bson_append_utf8(b, "error", -1, "caf\xc3\xa9 \xf0\x9f\x98\x80", 10);
	CU_ASSERT_EQUAL(cr_result_decode(bson_get_data(b), b->len, &r, err, sizeof err), 0);
	cr_result_free(&r);
	bson_destroy(b);
	b = bson_new();
	BSON_APPEND_INT32(b, "v", 1);
	bson_append_utf8(b, "error", -1, "a\0b", 3);
	CU_ASSERT_EQUAL(cr_result_decode(bson_get_data(b), b->len, &r, err, sizeof err), -1);
	bson_destroy(b);
	b = bson_new();
	BSON_APPEND_INT32(b, "v", 1);
	BSON_APPEND_UTF8(b, "stdout", "text, not binary");
	CU_ASSERT_EQUAL(cr_result_decode(bson_get_data(b), b->len, &r, err, sizeof err), -1);
	bson_destroy(b);
}

static void test_encode_refuses(void)
{
	struct cr_job j = sample_job();
	size_t len;

	j.run = NULL;
	CU_ASSERT_PTR_NULL(cr_job_encode(&j, &len));
	j = sample_job();
	j.nfiles = CR_FRAME_MAX_FILES + 1;
	CU_ASSERT_PTR_NULL(cr_job_encode(&j, &len));
}

/* ---- sandbox mode fields: job "keep", result "clean", "dirty", "cleanup_ms" */

static void test_job_keep(void)
{
	struct cr_job j = sample_job(), d;
	char err[256];
	size_t len;
	uint8_t *doc;

	for (int keep = 0; keep <= 1; keep++) {
		j.keep = keep;
		doc = cr_job_encode(&j, &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
		CU_ASSERT_EQUAL_FATAL(cr_job_decode(doc, len, &d, err, sizeof err), 0);
		CU_ASSERT_EQUAL(d.keep, (bool)keep);
		cr_job_free(&d);
		free(doc);
	}
}

/* The sample job's raw document plus one "keep" field made by add (none: absent). */
static int decode_with_keep(void (*add)(bson_t *), bool *keep)
{
	struct bad_case none = { "none", NULL, M_NONE, NULL, 0 };
	bson_t *b = job_doc(&none);
	struct cr_job j;
	char err[256];
	int rc;

	if (add)
		add(b);
	rc = cr_job_decode(bson_get_data(b), b->len, &j, err, sizeof err);
	*keep = j.keep;
	cr_job_free(&j);
	bson_destroy(b);
	return rc;
}

static void keep_true(bson_t *b) { BSON_APPEND_BOOL(b, "keep", true); }
static void keep_false(bson_t *b) { BSON_APPEND_BOOL(b, "keep", false); }
static void keep_int(bson_t *b) { BSON_APPEND_INT32(b, "keep", 1); }
static void keep_str(bson_t *b) { BSON_APPEND_UTF8(b, "keep", "true"); }
static void keep_null(bson_t *b) { BSON_APPEND_NULL(b, "keep"); }
static void keep_twice(bson_t *b) { keep_false(b); keep_true(b); }

static void test_job_keep_raw(void)
{
	static const struct {
		const char *what;
		void (*add)(bson_t *);
		int rc;
		bool keep;
	} rows[] = {
		{ "absent: an old worker, the runner exits after one job", NULL, 0, false },
		{ "true", keep_true, 0, true },
		{ "false", keep_false, 0, false },
		{ "an integer", keep_int, -1, false },
		{ "a string", keep_str, -1, false },
		{ "null", keep_null, -1, false },
		{ "twice", keep_twice, -1, false },
	};

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		bool keep = !rows[i].keep;
		int rc = decode_with_keep(rows[i].add, &keep);

		if (rc != rows[i].rc || keep != rows[i].keep)
			fprintf(stderr, "\n  keep \"%s\": rc=%d keep=%d\n", rows[i].what, rc, keep);
		CU_ASSERT_EQUAL(rc, rows[i].rc);
		/* a refused job is zeroed: never a stray keep = true */
		CU_ASSERT_EQUAL(keep, rows[i].keep);
	}
}

static void test_result_sandbox_fields(void)
{
	struct cr_result r = { .ran = true, .clean = true, .cleanup_ms = 37 }, d;
	char err[256];
	size_t len;
	uint8_t *doc;

	/* clean: no reason travels */
	doc = cr_result_encode(&r, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL_FATAL(cr_result_decode(doc, len, &d, err, sizeof err), 0);
	CU_ASSERT_TRUE(d.clean);
	CU_ASSERT_PTR_NULL(d.dirty);
	CU_ASSERT_EQUAL(d.cleanup_ms, 37);
	cr_result_free(&d);
	free(doc);
	/* dirty: the reason round-trips, UTF-8 included */
	r.clean = false;
	r.dirty = (char *)"2 files left in /tmp: \xc3\xa9t\xc3\xa9";
	r.cleanup_ms = INT64_MAX;
	doc = cr_result_encode(&r, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL_FATAL(cr_result_decode(doc, len, &d, err, sizeof err), 0);
	CU_ASSERT_FALSE(d.clean);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d.dirty);
	CU_ASSERT_STRING_EQUAL(d.dirty, r.dirty);
	CU_ASSERT_EQUAL(d.cleanup_ms, INT64_MAX);
	cr_result_free(&d);
	CU_ASSERT_PTR_NULL(d.dirty);	/* freed and cleared */
	free(doc);
}

/* A result of {v: 1} plus one field made by add. */
static int decode_result_with(void (*add)(bson_t *), struct cr_result *r)
{
	bson_t *b = bson_new();
	char err[256];
	int rc;

	BSON_APPEND_INT32(b, "v", 1);
	add(b);
	rc = cr_result_decode(bson_get_data(b), b->len, r, err, sizeof err);
	bson_destroy(b);
	return rc;
}

static void clean_int(bson_t *b) { BSON_APPEND_INT32(b, "clean", 1); }
static void clean_twice(bson_t *b) { BSON_APPEND_BOOL(b, "clean", true); BSON_APPEND_BOOL(b, "clean", true); }
static void dirty_bin(bson_t *b)
{
	bson_append_binary(b, "dirty", -1, BSON_SUBTYPE_BINARY, (const uint8_t *)"x", 1);
}
static void dirty_bad_utf8(bson_t *b) { bson_append_utf8(b, "dirty", -1, "a\xff", 2); }
static void dirty_nul(bson_t *b) { bson_append_utf8(b, "dirty", -1, "a\0b", 3); }
static void dirty_long(bson_t *b)
{
	char s[1026];

	memset(s, 'x', sizeof s - 1);
	s[sizeof s - 1] = '\0';
	BSON_APPEND_UTF8(b, "dirty", s);
}
static void dirty_max(bson_t *b)
{
	char s[1025];

	memset(s, 'x', sizeof s - 1);
	s[sizeof s - 1] = '\0';
	BSON_APPEND_UTF8(b, "dirty", s);
}
static void cleanup_negative(bson_t *b) { BSON_APPEND_INT64(b, "cleanup_ms", -1); }
static void cleanup_int32(bson_t *b) { BSON_APPEND_INT32(b, "cleanup_ms", 12); }
static void cleanup_zero(bson_t *b) { BSON_APPEND_INT64(b, "cleanup_ms", 0); }
static void cleanup_double(bson_t *b) { BSON_APPEND_DOUBLE(b, "cleanup_ms", 1.5); }
static void cleanup_str(bson_t *b) { BSON_APPEND_UTF8(b, "cleanup_ms", "12"); }

static void test_result_sandbox_raw(void)
{
	static const struct {
		const char *what;
		void (*add)(bson_t *);
		int rc;
	} rows[] = {
		{ "clean an integer", clean_int, -1 },
		{ "clean twice", clean_twice, -1 },
		{ "dirty binary", dirty_bin, -1 },
		{ "dirty invalid UTF-8", dirty_bad_utf8, -1 },
		{ "dirty with a NUL", dirty_nul, -1 },
		{ "dirty over 1024 bytes", dirty_long, -1 },
		{ "dirty of 1024 bytes", dirty_max, 0 },
		{ "cleanup_ms negative", cleanup_negative, -1 },
		{ "cleanup_ms a double", cleanup_double, -1 },
		{ "cleanup_ms a string", cleanup_str, -1 },
		{ "cleanup_ms int32", cleanup_int32, 0 },
		{ "cleanup_ms zero", cleanup_zero, 0 },
	};

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct cr_result r;
		int rc = decode_result_with(rows[i].add, &r);

		if (rc != rows[i].rc)
			fprintf(stderr, "\n  result \"%s\": rc=%d\n", rows[i].what, rc);
		CU_ASSERT_EQUAL(rc, rows[i].rc);
		if (rc == 0 && rows[i].add == cleanup_int32)
			CU_ASSERT_EQUAL(r.cleanup_ms, 12);
		if (rc == 0 && rows[i].add == dirty_max)
			CU_ASSERT_EQUAL(r.dirty ? strlen(r.dirty) : 0, 1024);
		/* an old runner's result: not clean, so the worker retires it */
		if (rc == 0)
			CU_ASSERT_FALSE(r.clean);
		cr_result_free(&r);
	}
}

void frame_suite(void)
{
	static const struct cr_test tests[] = {
		{ "job round trip", test_job_roundtrip },
		{ "job without compile or stdin", test_job_no_compile_no_stdin },
		{ "result round trip", test_result_roundtrip },
		{ "frame size prefix", test_frame_size },
		{ "hostile job fields", test_job_table },
		{ "file names", test_file_names },
		{ "malformed bytes", test_malformed_bytes },
		{ "invalid utf-8 strings", test_invalid_utf8_string },
		{ "encoder refuses bad jobs", test_encode_refuses },
		{ "job keep round trip", test_job_keep },
		{ "job keep raw", test_job_keep_raw },
		{ "result clean, dirty, cleanup_ms", test_result_sandbox_fields },
		{ "result sandbox fields raw", test_result_sandbox_raw },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("frame", tests);
}
