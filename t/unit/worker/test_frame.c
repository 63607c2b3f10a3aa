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

#include <math.h>
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

/* The sample job with "files" named names[0..n) (NULL entries: "f<i>"). */
static bson_t *named_files_doc(const char *const *names, int n)
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
	for (int i = 0; i < n; i++) {
		char key[16], nm[300];

		snprintf(key, sizeof key, "%d", i);
		if (names[i])
			snprintf(nm, sizeof nm, "%s", names[i]);
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

static bson_t *files_doc(int nfiles, const char *fname)
{
	const char *names[CR_FRAME_MAX_FILES + 2] = { fname };

	return named_files_doc(names, nfiles);
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
	/* cr_file_name_check() decides (t/unit/common/test_filename.c has its table) */
	static const struct { const char *name; bool ok; } names[] = {
		{ "main.py", true }, { "Main.java", true }, { "a-b_c.txt", true },
		{ "a/b", true }, { "pkg/util.py", true }, { "a/b/c/d/e.py", true },
		{ "a..b", true }, { "c++/x.cpp", true },
		{ "", false }, { ".", false }, { "..", false }, { "../etc", false },
		{ "../x", false }, { "/etc/x", false }, { "/etc/passwd", false },
		{ "a/b/c/d/e/f.py", false }, { "a/../b", false }, { "a/./b", false },
		{ "a//b", false }, { "a/", false }, { "-rf", false }, { "a/-rf", false },
		{ "a\nb", false }, { "a\\b", false }, { "a b", false }, { "caf\xc3\xa9", false },
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
	/* Two files may share directories; a file cannot also be a directory. */
	{
		static const struct { const char *a, *b; bool ok; } pairs[] = {
			{ "pkg/a.py", "pkg/b.py", true }, { "pkg/a.py", "pkg/sub/b.py", true },
			{ "pkg", "pkg.py", true }, { "a", "ab/c", true },
			{ "pkg", "pkg/b.py", false }, { "pkg/sub/b.py", "pkg/sub", false },
			{ "pkg/a.py", "pkg/a.py", false },
		};

		for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
			const char *two[] = { pairs[i].a, pairs[i].b };
			bson_t *b = named_files_doc(two, 2);
			int rc = decode_bson(b, err, sizeof err);

			if ((rc == 0) != pairs[i].ok)
				fprintf(stderr, "\n  names \"%s\", \"%s\": rc=%d (%s)\n", pairs[i].a,
					pairs[i].b, rc, err);
			CU_ASSERT_EQUAL(rc, pairs[i].ok ? 0 : -1);
			bson_destroy(b);
		}
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

/* ---- test cases: job "cases", "compare", "epsilon", "stop_on_failure" ------- */

static void test_job_cases_roundtrip(void)
{
	static char in1[] = "1 2\n", in2[] = "a\0b", exp1[] = "3\n", exp3[] = "\0\xff";
	struct cr_job_case cases[3] = {
		{ .stdin_data = { in1, sizeof in1 - 1 }, .expected = { exp1, sizeof exp1 - 1 },
		  .has_expected = true },
		{ .stdin_data = { in2, sizeof in2 - 1 } },	/* no comparison */
		{ .stdin_data = { NULL, 0 }, .expected = { exp3, sizeof exp3 - 1 },
		  .has_expected = true },
	};
	struct cr_job j = sample_job(), d;
	char err[256] = "";
	size_t len;
	uint8_t *doc;

	j.cases = cases;
	j.ncases = 3;
	j.compare = CR_COMPARE_FLOAT;
	j.epsilon = 0.25;
	j.stop_on_failure = true;
	doc = cr_job_encode(&j, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL_FATAL(cr_job_decode(doc, len, &d, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(d.ncases, 3);
	CU_ASSERT_EQUAL(d.compare, CR_COMPARE_FLOAT);
	CU_ASSERT_EQUAL(d.epsilon, 0.25);
	CU_ASSERT_TRUE(d.stop_on_failure);
	CU_ASSERT_TRUE(d.cases[0].has_expected);
	CU_ASSERT_EQUAL(d.cases[0].stdin_data.len, 4);
	CU_ASSERT_EQUAL(memcmp(d.cases[0].stdin_data.data, in1, 4), 0);
	CU_ASSERT_EQUAL(d.cases[0].expected.len, 2);
	CU_ASSERT_EQUAL(memcmp(d.cases[0].expected.data, exp1, 2), 0);
	CU_ASSERT_FALSE(d.cases[1].has_expected);
	CU_ASSERT_EQUAL(d.cases[1].stdin_data.len, 3);
	CU_ASSERT_EQUAL(memcmp(d.cases[1].stdin_data.data, in2, 3), 0);
	CU_ASSERT_PTR_NOT_NULL(d.cases[1].expected.data);
	CU_ASSERT_EQUAL(d.cases[1].expected.len, 0);
	CU_ASSERT_EQUAL(d.cases[2].stdin_data.len, 0);
	CU_ASSERT_PTR_NOT_NULL(d.cases[2].stdin_data.data);
	CU_ASSERT_TRUE(d.cases[2].has_expected);
	CU_ASSERT_EQUAL(d.cases[2].expected.len, 2);
	CU_ASSERT_EQUAL(memcmp(d.cases[2].expected.data, exp3, 2), 0);
	/* the top-level stdin still travels; the runner does not use it */
	CU_ASSERT_EQUAL(d.stdin_data.len, 5);
	cr_job_free(&d);
	CU_ASSERT_PTR_NULL(d.cases);
	CU_ASSERT_EQUAL(d.ncases, 0);
	free(doc);

	/* every compare mode by name, an exact epsilon of 0, stop_on_failure false */
	for (int m = CR_COMPARE_EXACT; m <= CR_COMPARE_FLOAT; m++) {
		j.compare = (enum cr_compare)m;
		j.epsilon = 0;
		j.stop_on_failure = false;
		doc = cr_job_encode(&j, &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
		CU_ASSERT_EQUAL_FATAL(cr_job_decode(doc, len, &d, err, sizeof err), 0);
		CU_ASSERT_EQUAL(d.compare, (enum cr_compare)m);
		CU_ASSERT_EQUAL(d.epsilon, 0);
		CU_ASSERT_FALSE(d.stop_on_failure);
		cr_job_free(&d);
		free(doc);
	}
}

/* Without cases the frame has none of the new keys, and the decoder's defaults hold. */
static void test_job_without_cases(void)
{
	struct cr_job j = sample_job(), d;
	static const char *const keys[] = { "cases", "compare", "epsilon", "stop_on_failure" };
	char err[256];
	size_t len;
	uint8_t *doc;
	bson_t b;

	j.compare = CR_COMPARE_TOKENS;	/* ignored without cases */
	j.stop_on_failure = true;
	doc = cr_job_encode(&j, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_FATAL(bson_init_static(&b, doc, len));
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		CU_ASSERT_FALSE(bson_has_field(&b, keys[i]));
	CU_ASSERT_EQUAL_FATAL(cr_job_decode(doc, len, &d, err, sizeof err), 0);
	CU_ASSERT_EQUAL(d.ncases, 0);
	CU_ASSERT_PTR_NULL(d.cases);
	CU_ASSERT_EQUAL(d.compare, CR_COMPARE_DEFAULT);
	CU_ASSERT_EQUAL(d.epsilon, CR_COMPARE_EPSILON_DEFAULT);
	CU_ASSERT_FALSE(d.stop_on_failure);
	cr_job_free(&d);
	free(doc);
}

/* Appends n cases to b, each { stdin: "<i>" } (plus expected when with_expected). */
static void add_cases(bson_t *b, int n, bool with_expected)
{
	bson_t arr, c;

	BSON_APPEND_ARRAY_BEGIN(b, "cases", &arr);
	for (int i = 0; i < n; i++) {
		char key[16];

		snprintf(key, sizeof key, "%d", i);
		BSON_APPEND_DOCUMENT_BEGIN(&arr, key, &c);
		bson_append_binary(&c, "stdin", -1, BSON_SUBTYPE_BINARY, (const uint8_t *)key,
				   (uint32_t)strlen(key));
		if (with_expected)
			bson_append_binary(&c, "expected", -1, BSON_SUBTYPE_BINARY,
					   (const uint8_t *)key, (uint32_t)strlen(key));
		bson_append_document_end(&arr, &c);
	}
	bson_append_array_end(b, &arr);
}

static void cases_one(bson_t *b) { add_cases(b, 1, true); }
static void cases_none(bson_t *b) { add_cases(b, 0, false); }
static void cases_max(bson_t *b) { add_cases(b, CR_FRAME_MAX_CASES, true); }
static void cases_too_many(bson_t *b) { add_cases(b, CR_FRAME_MAX_CASES + 1, false); }
static void cases_twice(bson_t *b) { add_cases(b, 1, false); add_cases(b, 1, false); }
static void cases_doc(bson_t *b)
{
	bson_t c;

	BSON_APPEND_DOCUMENT_BEGIN(b, "cases", &c);
	bson_append_document_end(b, &c);
}
static void cases_elem_int(bson_t *b)
{
	bson_t arr;

	BSON_APPEND_ARRAY_BEGIN(b, "cases", &arr);
	BSON_APPEND_INT32(&arr, "0", 1);
	bson_append_array_end(b, &arr);
}
/* One case document made by fill. */
static void one_case(bson_t *b, void (*fill)(bson_t *))
{
	bson_t arr, c;

	BSON_APPEND_ARRAY_BEGIN(b, "cases", &arr);
	BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &c);
	fill(&c);
	bson_append_document_end(&arr, &c);
	bson_append_array_end(b, &arr);
}
static void fill_no_stdin(bson_t *c)
{
	bson_append_binary(c, "expected", -1, BSON_SUBTYPE_BINARY, (const uint8_t *)"x", 1);
}
static void fill_stdin_str(bson_t *c) { BSON_APPEND_UTF8(c, "stdin", "x"); }
static void fill_two_stdin(bson_t *c)
{
	bson_append_binary(c, "stdin", -1, BSON_SUBTYPE_BINARY, (const uint8_t *)"x", 1);
	bson_append_binary(c, "stdin", -1, BSON_SUBTYPE_BINARY, (const uint8_t *)"y", 1);
}
static void fill_expected_sub5(bson_t *c)
{
	bson_append_binary(c, "stdin", -1, BSON_SUBTYPE_BINARY, (const uint8_t *)"x", 1);
	bson_append_binary(c, "expected", -1, BSON_SUBTYPE_MD5, (const uint8_t *)"x", 1);
}
static void fill_extra_key(bson_t *c)
{
	bson_append_binary(c, "stdin", -1, BSON_SUBTYPE_BINARY, (const uint8_t *)"x", 1);
	BSON_APPEND_UTF8(c, "name", "a newer writer's field");
}
static void case_no_stdin(bson_t *b) { one_case(b, fill_no_stdin); }
static void case_stdin_str(bson_t *b) { one_case(b, fill_stdin_str); }
static void case_two_stdin(bson_t *b) { one_case(b, fill_two_stdin); }
static void case_expected_sub5(bson_t *b) { one_case(b, fill_expected_sub5); }
static void case_extra_key(bson_t *b) { one_case(b, fill_extra_key); }
static void cmp_tokens(bson_t *b) { BSON_APPEND_UTF8(b, "compare", "tokens"); }
static void cmp_unknown(bson_t *b) { BSON_APPEND_UTF8(b, "compare", "fuzzy"); }
static void cmp_upper(bson_t *b) { BSON_APPEND_UTF8(b, "compare", "EXACT"); }
static void cmp_empty(bson_t *b) { BSON_APPEND_UTF8(b, "compare", ""); }
static void cmp_nul(bson_t *b) { bson_append_utf8(b, "compare", -1, "exact\0x", 7); }
static void cmp_int(bson_t *b) { BSON_APPEND_INT32(b, "compare", 0); }
static void eps_quarter(bson_t *b) { BSON_APPEND_DOUBLE(b, "epsilon", 0.25); }
static void eps_zero(bson_t *b) { BSON_APPEND_DOUBLE(b, "epsilon", 0.0); }
static void eps_negative(bson_t *b) { BSON_APPEND_DOUBLE(b, "epsilon", -1e-9); }
static void eps_nan(bson_t *b) { BSON_APPEND_DOUBLE(b, "epsilon", NAN); }
static void eps_inf(bson_t *b) { BSON_APPEND_DOUBLE(b, "epsilon", INFINITY); }
static void eps_int(bson_t *b) { BSON_APPEND_INT32(b, "epsilon", 1); }
static void eps_str(bson_t *b) { BSON_APPEND_UTF8(b, "epsilon", "0.1"); }
static void stop_true(bson_t *b) { BSON_APPEND_BOOL(b, "stop_on_failure", true); }
static void stop_int(bson_t *b) { BSON_APPEND_INT32(b, "stop_on_failure", 1); }

/* A row of a raw table: what add() appends to a good frame, and what must come of it. */
struct raw_row {
	const char *what;
	void (*add)(bson_t *);
	int rc;
	int ncases;
};

/* The sample job plus add(), decoded; *job gets it (free it) when rc is 0. */
static int decode_job_with(void (*add)(bson_t *), struct cr_job *job)
{
	struct bad_case none = { "none", NULL, M_NONE, NULL, 0 };
	bson_t *b = job_doc(&none);
	char err[256] = "";
	int rc;

	add(b);
	rc = cr_job_decode(bson_get_data(b), b->len, job, err, sizeof err);
	bson_destroy(b);
	return rc;
}

/* Each row as a job (the sample job plus add) or a result ({v: 1} plus add). */
static void check_raw_rows(const struct raw_row *rows, size_t n, bool result)
{
	for (size_t i = 0; i < n; i++) {
		struct cr_job j;
		struct cr_result r;
		int rc = result ? decode_result_with(rows[i].add, &r) : decode_job_with(rows[i].add, &j);
		int ncases = result ? r.ncases : j.ncases;

		if (rc != rows[i].rc || ncases != rows[i].ncases)
			fprintf(stderr, "\n  %s \"%s\": rc=%d ncases=%d\n", result ? "result" : "job",
				rows[i].what, rc, ncases);
		CU_ASSERT_EQUAL(rc, rows[i].rc);
		CU_ASSERT_EQUAL(ncases, rows[i].ncases);
		/* a refused frame is zeroed */
		CU_ASSERT(rc == 0 || (result ? (void *)r.cases : (void *)j.cases) == NULL);
		if (result)
			cr_result_free(&r);
		else
			cr_job_free(&j);
	}
}

static void test_job_cases_raw(void)
{
	static const struct raw_row rows[] = {
		{ "one case", cases_one, 0, 1 },
		{ "an empty array: no cases", cases_none, 0, 0 },
		{ "64 cases", cases_max, 0, CR_FRAME_MAX_CASES },
		{ "65 cases", cases_too_many, -1, 0 },
		{ "cases twice", cases_twice, -1, 0 },
		{ "cases a document", cases_doc, -1, 0 },
		{ "a case that is not a document", cases_elem_int, -1, 0 },
		{ "a case without stdin", case_no_stdin, -1, 0 },
		{ "a case's stdin a string", case_stdin_str, -1, 0 },
		{ "a case with two stdin", case_two_stdin, -1, 0 },
		{ "a case's expected subtype 5", case_expected_sub5, -1, 0 },
		{ "a case with an unknown key", case_extra_key, 0, 1 },
		{ "compare tokens", cmp_tokens, 0, 0 },
		{ "compare unknown", cmp_unknown, -1, 0 },
		{ "compare in capitals", cmp_upper, -1, 0 },
		{ "compare empty", cmp_empty, -1, 0 },
		{ "compare with a NUL", cmp_nul, -1, 0 },
		{ "compare an integer", cmp_int, -1, 0 },
		{ "epsilon 0.25", eps_quarter, 0, 0 },
		{ "epsilon 0", eps_zero, 0, 0 },
		{ "epsilon negative", eps_negative, -1, 0 },
		{ "epsilon NaN", eps_nan, -1, 0 },
		{ "epsilon infinite", eps_inf, -1, 0 },
		{ "epsilon an integer", eps_int, -1, 0 },
		{ "epsilon a string", eps_str, -1, 0 },
		{ "stop_on_failure true", stop_true, 0, 0 },
		{ "stop_on_failure an integer", stop_int, -1, 0 },
	};
	struct cr_job j;

	check_raw_rows(rows, sizeof rows / sizeof rows[0], false);
	/* the values behind a few of the rows */
	CU_ASSERT_EQUAL_FATAL(decode_job_with(cmp_tokens, &j), 0);
	CU_ASSERT_EQUAL(j.compare, CR_COMPARE_TOKENS);
	cr_job_free(&j);
	CU_ASSERT_EQUAL_FATAL(decode_job_with(eps_quarter, &j), 0);
	CU_ASSERT_EQUAL(j.epsilon, 0.25);
	cr_job_free(&j);
	CU_ASSERT_EQUAL_FATAL(decode_job_with(stop_true, &j), 0);
	CU_ASSERT_TRUE(j.stop_on_failure);
	cr_job_free(&j);
	CU_ASSERT_EQUAL_FATAL(decode_job_with(cases_max, &j), 0);
	CU_ASSERT_EQUAL(j.cases[63].stdin_data.len, 2);
	CU_ASSERT_EQUAL(memcmp(j.cases[63].expected.data, "63", 2), 0);
	cr_job_free(&j);
}

static void test_job_cases_encode_refuses(void)
{
	struct cr_job_case cases[CR_FRAME_MAX_CASES + 1];
	struct cr_job j = sample_job();
	size_t len;
	uint8_t *doc;

	memset(cases, 0, sizeof cases);
	j.cases = cases;
	j.compare = CR_COMPARE_LINES;
	j.ncases = CR_FRAME_MAX_CASES;
	doc = cr_job_encode(&j, &len);
	CU_ASSERT_PTR_NOT_NULL(doc);
	free(doc);
	j.ncases = CR_FRAME_MAX_CASES + 1;
	CU_ASSERT_PTR_NULL(cr_job_encode(&j, &len));
	j.ncases = -1;
	CU_ASSERT_PTR_NULL(cr_job_encode(&j, &len));
	j.ncases = 1;
	j.epsilon = NAN;
	CU_ASSERT_PTR_NULL(cr_job_encode(&j, &len));
	j.epsilon = -1;
	CU_ASSERT_PTR_NULL(cr_job_encode(&j, &len));
	j.epsilon = 0;
	j.compare = (enum cr_compare)42;
	CU_ASSERT_PTR_NULL(cr_job_encode(&j, &len));
	j.compare = CR_COMPARE_LINES;
	j.cases = NULL;
	CU_ASSERT_PTR_NULL(cr_job_encode(&j, &len));
}

/* ---- test cases: result "cases" ------------------------------------------- */

static void test_result_cases_roundtrip(void)
{
	static char o1[] = "3\n", e2[] = "boom\0\xff";
	struct cr_case_result cases[2] = {
		{ .exit_code = 0, .out = { o1, sizeof o1 - 1 }, .time_ms = 12, .memory_kb = 3000,
		  .has_matched = true, .matched = true },
		{ .exit_code = -1, .signal = 9, .timeout = true, .oom = true, .output_killed = true,
		  .err = { e2, sizeof e2 - 1 }, .stdout_truncated = true, .stderr_truncated = true,
		  .time_ms = INT64_MAX, .memory_kb = 1 },
	};
	struct cr_result r = { .compiled = true, .ran = true, .exit_code = -1, .clean = true,
			       .cases = cases, .ncases = 2 }, d;
	char err[256];
	size_t len;
	uint8_t *doc = cr_result_encode(&r, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL_FATAL(cr_result_decode(doc, len, &d, err, sizeof err), 0);
	CU_ASSERT_TRUE(d.ran && d.clean);
	CU_ASSERT_EQUAL_FATAL(d.ncases, 2);
	CU_ASSERT_EQUAL(d.cases[0].exit_code, 0);
	CU_ASSERT_EQUAL(d.cases[0].signal, 0);
	CU_ASSERT_FALSE(d.cases[0].timeout || d.cases[0].oom || d.cases[0].output_killed);
	CU_ASSERT_EQUAL(d.cases[0].out.len, 2);
	CU_ASSERT_EQUAL(memcmp(d.cases[0].out.data, o1, 2), 0);
	CU_ASSERT_PTR_NOT_NULL(d.cases[0].err.data);
	CU_ASSERT_EQUAL(d.cases[0].err.len, 0);
	CU_ASSERT_EQUAL(d.cases[0].time_ms, 12);
	CU_ASSERT_EQUAL(d.cases[0].memory_kb, 3000);
	CU_ASSERT_TRUE(d.cases[0].has_matched && d.cases[0].matched);
	CU_ASSERT_EQUAL(d.cases[1].exit_code, -1);
	CU_ASSERT_EQUAL(d.cases[1].signal, 9);
	CU_ASSERT_TRUE(d.cases[1].timeout && d.cases[1].oom && d.cases[1].output_killed);
	CU_ASSERT_TRUE(d.cases[1].stdout_truncated && d.cases[1].stderr_truncated);
	CU_ASSERT_EQUAL(d.cases[1].err.len, 6);
	CU_ASSERT_EQUAL(memcmp(d.cases[1].err.data, e2, 6), 0);
	CU_ASSERT_EQUAL(d.cases[1].time_ms, INT64_MAX);
	CU_ASSERT_FALSE(d.cases[1].has_matched);	/* no expected: no "matched" */
	cr_result_free(&d);
	CU_ASSERT_PTR_NULL(d.cases);
	free(doc);

	/* matched false travels as false, not as absent */
	cases[0].matched = false;
	r.ncases = 1;
	doc = cr_result_encode(&r, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL_FATAL(cr_result_decode(doc, len, &d, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(d.ncases, 1);
	CU_ASSERT_TRUE(d.cases[0].has_matched);
	CU_ASSERT_FALSE(d.cases[0].matched);
	cr_result_free(&d);
	free(doc);

	/* without cases: no "cases" key */
	r.ncases = 0;
	r.cases = NULL;
	doc = cr_result_encode(&r, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL_FATAL(cr_result_decode(doc, len, &d, err, sizeof err), 0);
	CU_ASSERT_EQUAL(d.ncases, 0);
	CU_ASSERT_PTR_NULL(d.cases);
	cr_result_free(&d);
	free(doc);
	/* the encoder's bounds */
	r.cases = cases;
	r.ncases = CR_FRAME_MAX_CASES + 1;
	CU_ASSERT_PTR_NULL(cr_result_encode(&r, &len));
	r.ncases = 1;
	r.cases = NULL;
	CU_ASSERT_PTR_NULL(cr_result_encode(&r, &len));
}

/* A result's "cases" with n documents of fill. */
static void result_cases(bson_t *b, int n, void (*fill)(bson_t *))
{
	bson_t arr, c;

	BSON_APPEND_ARRAY_BEGIN(b, "cases", &arr);
	for (int i = 0; i < n; i++) {
		char key[16];

		snprintf(key, sizeof key, "%d", i);
		BSON_APPEND_DOCUMENT_BEGIN(&arr, key, &c);
		if (fill)
			fill(&c);
		bson_append_document_end(&arr, &c);
	}
	bson_append_array_end(b, &arr);
}
static void rc_matched(bson_t *c) { BSON_APPEND_BOOL(c, "matched", true); }
static void rc_matched_int(bson_t *c) { BSON_APPEND_INT32(c, "matched", 1); }
static void rc_exit_twice(bson_t *c) { BSON_APPEND_INT32(c, "exit_code", 0); BSON_APPEND_INT32(c, "exit_code", 1); }
static void rc_exit_big(bson_t *c) { BSON_APPEND_INT32(c, "exit_code", 256); }
static void rc_time_negative(bson_t *c) { BSON_APPEND_INT64(c, "time_ms", -1); }
static void rc_stdout_str(bson_t *c) { BSON_APPEND_UTF8(c, "stdout", "x"); }
static void res_cases_empty_docs(bson_t *b) { result_cases(b, 3, NULL); }
static void res_cases_max(bson_t *b) { result_cases(b, CR_FRAME_MAX_CASES, rc_matched); }
static void res_cases_too_many(bson_t *b) { result_cases(b, CR_FRAME_MAX_CASES + 1, NULL); }
static void res_case_matched_int(bson_t *b) { result_cases(b, 1, rc_matched_int); }
static void res_case_exit_twice(bson_t *b) { result_cases(b, 1, rc_exit_twice); }
static void res_case_exit_big(bson_t *b) { result_cases(b, 1, rc_exit_big); }
static void res_case_time_negative(bson_t *b) { result_cases(b, 1, rc_time_negative); }
static void res_case_stdout_str(bson_t *b) { result_cases(b, 1, rc_stdout_str); }
static void res_cases_bool(bson_t *b) { BSON_APPEND_BOOL(b, "cases", true); }

static void test_result_cases_raw(void)
{
	static const struct raw_row rows[] = {
		{ "three empty case documents", res_cases_empty_docs, 0, 3 },
		{ "64 cases", res_cases_max, 0, CR_FRAME_MAX_CASES },
		{ "65 cases", res_cases_too_many, -1, 0 },
		{ "matched an integer", res_case_matched_int, -1, 0 },
		{ "exit_code twice", res_case_exit_twice, -1, 0 },
		{ "exit_code 256", res_case_exit_big, -1, 0 },
		{ "time_ms negative", res_case_time_negative, -1, 0 },
		{ "stdout a string", res_case_stdout_str, -1, 0 },
		{ "cases a boolean", res_cases_bool, -1, 0 },
	};
	struct cr_result r;

	check_raw_rows(rows, sizeof rows / sizeof rows[0], true);
	/* absent fields read as zero, bytes as empty, never NULL */
	CU_ASSERT_EQUAL_FATAL(decode_result_with(res_cases_empty_docs, &r), 0);
	CU_ASSERT_PTR_NOT_NULL(r.cases[2].out.data);
	CU_ASSERT_PTR_NOT_NULL(r.cases[2].err.data);
	CU_ASSERT_FALSE(r.cases[2].has_matched);
	cr_result_free(&r);
	CU_ASSERT_EQUAL_FATAL(decode_result_with(res_cases_max, &r), 0);
	CU_ASSERT_TRUE(r.cases[63].has_matched && r.cases[63].matched);
	cr_result_free(&r);
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
		{ "job cases round trip", test_job_cases_roundtrip },
		{ "job without cases", test_job_without_cases },
		{ "job cases raw", test_job_cases_raw },
		{ "job cases: the encoder refuses", test_job_cases_encode_refuses },
		{ "result cases round trip", test_result_cases_roundtrip },
		{ "result cases raw", test_result_cases_raw },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("frame", tests);
}
