/* docker.c: the attach stream demultiplexer, fed whole, split and byte by byte. */
#include "config.h"

#include <string.h>

#include "common/buf.h"
#include "t/unit/cu.h"
#include "worker/docker.h"

void docker_suite(void);

static size_t frame(uint8_t *p, int stream, const char *payload, size_t n)
{
	p[0] = (uint8_t)stream;
	p[1] = p[2] = p[3] = 0;
	p[4] = (uint8_t)(n >> 24);
	p[5] = (uint8_t)(n >> 16);
	p[6] = (uint8_t)(n >> 8);
	p[7] = (uint8_t)n;
	memcpy(p + 8, payload, n);
	return 8 + n;
}

/* stdout "hello\0", stderr "warn", empty stdout frame, stdout "world" */
static size_t sample(uint8_t *buf)
{
	size_t n = 0;

	n += frame(buf + n, 1, "hello\0", 6);
	n += frame(buf + n, 2, "warn", 4);
	n += frame(buf + n, 1, "", 0);
	n += frame(buf + n, 1, "world", 5);
	return n;
}

static void feed_in_chunks(size_t chunk)
{
	uint8_t buf[256];
	size_t n = sample(buf);
	struct docker_demux dm;
	struct cr_buf out, err;

	docker_demux_init(&dm);
	cr_buf_init(&out, 0);
	cr_buf_init(&err, 0);
	for (size_t off = 0; off < n; off += chunk) {
		size_t take = n - off < chunk ? n - off : chunk;

		CU_ASSERT_EQUAL(docker_demux_feed(&dm, buf + off, take, &out, &err), 0);
	}
	CU_ASSERT_EQUAL(out.len, 11);
	CU_ASSERT_EQUAL(memcmp(out.data, "hello\0world", 11), 0);
	CU_ASSERT_EQUAL(err.len, 4);
	CU_ASSERT_STRING_EQUAL(err.data, "warn");
	CU_ASSERT_EQUAL(dm.remaining, 0);
	CU_ASSERT_EQUAL(dm.hdr_have, 0);
	cr_buf_release(&out);
	cr_buf_release(&err);
}

static void test_whole(void)
{
	feed_in_chunks(256);
}

static void test_split(void)
{
	for (size_t chunk = 1; chunk <= 16; chunk++)
		feed_in_chunks(chunk);
}

static void test_bad_header(void)
{
	uint8_t bad[8] = { 1, 0, 1, 0, 0, 0, 0, 1 };	/* non-zero padding */
	uint8_t bad_stream[8] = { 3, 0, 0, 0, 0, 0, 0, 1 };
	struct docker_demux dm;
	struct cr_buf out, err;

	cr_buf_init(&out, 0);
	cr_buf_init(&err, 0);
	docker_demux_init(&dm);
	CU_ASSERT_EQUAL(docker_demux_feed(&dm, bad, 8, &out, &err), -1);
	docker_demux_init(&dm);
	CU_ASSERT_EQUAL(docker_demux_feed(&dm, bad_stream, 4, &out, &err), 0);	/* not yet */
	CU_ASSERT_EQUAL(docker_demux_feed(&dm, bad_stream + 4, 4, &out, &err), -1);
	cr_buf_release(&out);
	cr_buf_release(&err);
}

/* A capped buffer keeps what fits and flags the rest; parsing stays in step. */
static void test_cap(void)
{
	uint8_t buf[256];
	size_t n = 0;
	struct docker_demux dm;
	struct cr_buf out, err;

	n += frame(buf + n, 1, "0123456789", 10);
	n += frame(buf + n, 2, "e", 1);
	docker_demux_init(&dm);
	cr_buf_init(&out, 4);
	cr_buf_init(&err, 0);
	CU_ASSERT_EQUAL(docker_demux_feed(&dm, buf, n, &out, &err), 0);
	CU_ASSERT_EQUAL(out.len, 4);
	CU_ASSERT(out.overflowed);
	CU_ASSERT_STRING_EQUAL(err.data, "e");
	cr_buf_release(&out);
	cr_buf_release(&err);
}

void docker_suite(void)
{
	static const struct cr_test tests[] = {
		{ "demux whole", test_whole },
		{ "demux split at every size", test_split },
		{ "demux bad header", test_bad_header },
		{ "demux capped output", test_cap },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("docker", tests);
}
