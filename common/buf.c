/*
 * cr_buf: growable, always NUL-terminated byte buffer with an optional cap
 * (see buf.h for the invariants). An empty buffer points at cr_buf_empty, a
 * shared one-byte "" that is never written to, so init costs no allocation and
 * data is never NULL. alloc == 0 means "data is cr_buf_empty, not ours".
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/xalloc.h"

char cr_buf_empty[1];

void cr_buf_init(struct cr_buf *b, size_t cap)
{
	b->data = cr_buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
	b->overflowed = false;
}

void cr_buf_release(struct cr_buf *b)
{
	if (!b)
		return;
	if (b->alloc)
		free(b->data);
	cr_buf_init(b, b->cap);
}

char *cr_buf_detach(struct cr_buf *b, size_t *len)
{
	char *p;

	if (len)
		*len = b->len;
	/* The caller always gets its own heap string, even for an empty buffer. */
	p = b->alloc ? b->data : cr_xstrdup("");
	cr_buf_init(b, b->cap);
	return p;
}

void cr_buf_reset(struct cr_buf *b)
{
	b->len = 0;
	if (b->alloc)
		b->data[0] = '\0';
	b->overflowed = false;
}

void cr_buf_grow(struct cr_buf *b, size_t extra)
{
	size_t need, n;

	if (extra > SIZE_MAX - b->len - 1)
		cr_die("could not grow buffer: size overflow");
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return;
	n = b->alloc ? b->alloc : 64;
	while (n < need)
		n = n > SIZE_MAX / 2 ? need : n * 2;
	if (b->alloc) {
		b->data = cr_xrealloc(b->data, n);
	} else {
		b->data = cr_xmalloc(n);
		b->data[0] = '\0';
	}
	b->alloc = n;
}

/* How many of len bytes may be appended without passing the cap. */
static size_t room(const struct cr_buf *b, size_t len)
{
	if (!b->cap)
		return len;
	if (b->len >= b->cap)
		return 0;
	return len < b->cap - b->len ? len : b->cap - b->len;
}

int cr_buf_add(struct cr_buf *b, const void *data, size_t len)
{
	size_t n = room(b, len);

	if (n) {
		cr_buf_grow(b, n);
		memcpy(b->data + b->len, data, n);
		b->len += n;
		b->data[b->len] = '\0';
	}
	if (n < len) {
		b->overflowed = true;
		return -1;
	}
	return 0;
}

int cr_buf_addstr(struct cr_buf *b, const char *s)
{
	return cr_buf_add(b, s, strlen(s));
}

int cr_buf_addch(struct cr_buf *b, char c)
{
	return cr_buf_add(b, &c, 1);
}

int cr_buf_vaddf(struct cr_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	size_t want, keep;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return -1;
	want = (size_t)n;
	cr_buf_grow(b, want);
	vsnprintf(b->data + b->len, want + 1, fmt, ap);
	/* Formatted in full, then cut back to the cap like any other append. */
	keep = room(b, want);
	b->len += keep;
	b->data[b->len] = '\0';
	if (keep < want) {
		b->overflowed = true;
		return -1;
	}
	return 0;
}

int cr_buf_addf(struct cr_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = cr_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

void cr_buf_consume(struct cr_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
	} else {
		memmove(b->data, b->data + n, b->len - n);
		b->len -= n;
	}
	if (b->alloc)
		b->data[b->len] = '\0';
}
