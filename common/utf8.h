/* UTF-8 validation and repair (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
#ifndef CR_UTF8_H
#define CR_UTF8_H

#include <stdbool.h>
#include <stddef.h>

struct cr_buf;

bool cr_utf8_valid(const char *s, size_t len);
/* Append s to out with every invalid sequence replaced by U+FFFD (NUL is kept). */
void cr_utf8_sanitize(const char *s, size_t len, struct cr_buf *out);
/* Number of code points in valid UTF-8 s. */
size_t cr_utf8_count(const char *s, size_t len);

#endif
