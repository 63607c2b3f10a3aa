/*
 * base64url without padding (RFC 4648 section 5), as JWT uses it; and the
 * standard alphabet with padding (section 4), encoding only.
 */
#ifndef CR_BASE64URL_H
#define CR_BASE64URL_H

#include <stdbool.h>
#include <stddef.h>

struct cr_buf;

void cr_base64url_encode(const void *data, size_t len, struct cr_buf *out);
/* Strict: rejects '=', '+', '/', whitespace and non-canonical trailing bits. */
int cr_base64url_decode(const char *s, size_t len, struct cr_buf *out);

/* Appends data in standard base64 ('+', '/', '=' padding), as PostgreSQL's decode() reads it. */
void cr_base64_encode(const void *data, size_t len, struct cr_buf *out);

#endif
