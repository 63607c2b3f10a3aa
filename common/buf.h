/*
 * cr_buf: the project's one growable byte buffer (shaped like git's strbuf).
 *
 * Invariants: data is never NULL and always NUL-terminated at data[len], so a
 * buffer can be printed as a C string even when it holds binary bytes.
 * A buffer may carry a byte cap (cap > 0) for untrusted data: request bodies,
 * container output, Docker replies. An append that would pass the cap stores
 * what fits, sets the sticky `overflowed` flag and returns -1; the buffer never
 * grows past cap. cap == 0 means unbounded.
 *
 * Ownership: the buffer owns data. cr_buf_release frees it and re-inits;
 * cr_buf_detach hands data to the caller (free() it) and re-inits.
 */
#ifndef CR_BUF_H
#define CR_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct cr_buf {
	char *data;
	size_t len;
	size_t alloc;
	size_t cap;		/* 0: no cap */
	bool overflowed;	/* sticky: an append hit cap */
};

#define CR_BUF_INIT { cr_buf_empty, 0, 0, 0, false }
extern char cr_buf_empty[];

void cr_buf_init(struct cr_buf *b, size_t cap);
void cr_buf_release(struct cr_buf *b);
char *cr_buf_detach(struct cr_buf *b, size_t *len);
void cr_buf_reset(struct cr_buf *b);		/* len = 0, keeps memory, clears overflowed */
void cr_buf_grow(struct cr_buf *b, size_t extra);	/* ensure room for extra bytes */

/* Appends return 0, or -1 when the cap cut the data (see above). */
int cr_buf_add(struct cr_buf *b, const void *data, size_t len);
int cr_buf_addstr(struct cr_buf *b, const char *s);
int cr_buf_addch(struct cr_buf *b, char c);
int cr_buf_addf(struct cr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cr_buf_vaddf(struct cr_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Remove the first n bytes (for consumers of a stream). */
void cr_buf_consume(struct cr_buf *b, size_t n);

#endif
