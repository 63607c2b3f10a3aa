/*
 * Strict UTF-8 (RFC 3629 / Unicode table 3-7): no overlong forms, no
 * surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
 *
 * sanitize() replaces each "maximal subpart" of an ill-formed sequence with one
 * U+FFFD, the practice Unicode (section 3.9) and WHATWG's decoder recommend:
 * a lead byte followed by some valid continuation bytes counts as one error,
 * and the byte that broke the sequence is examined again as a new start. So
 * "E2 82 41" becomes U+FFFD "A", and "F0 80 80" three U+FFFDs (F0 80 is
 * already impossible). NUL is a valid code point and is kept.
 */
#include "config.h"

#include "common/buf.h"
#include "common/utf8.h"

/*
 * Look at the sequence starting at s[0] (len >= 1). Returns how many bytes it
 * spans: a whole valid character when *ok, else the maximal subpart (>= 1).
 */
static size_t scan(const unsigned char *s, size_t len, bool *ok)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;	/* range of the second byte */
	size_t need, i;

	*ok = false;
	if (c < 0x80) {
		*ok = true;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong below U+0800 */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong below U+10000 */
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		return 1;	/* continuation byte, C0, C1, F5..FF */
	}
	for (i = 1; i < need; i++) {
		if (i >= len)
			return i;
		if (i == 1 ? (s[i] < lo || s[i] > hi) : (s[i] < 0x80 || s[i] > 0xbf))
			return i;
	}
	*ok = true;
	return need;
}

bool cr_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	bool ok;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		i += scan(p + i, len - i, &ok);
		if (!ok)
			return false;
	}
	return true;
}

void cr_utf8_sanitize(const char *s, size_t len, struct cr_buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	bool ok;

	cr_buf_grow(out, len);
	while (i < len) {
		size_t n = scan(p + i, len - i, &ok);

		if (ok) {
			run += n;	/* copy valid runs in one append */
		} else {
			cr_buf_add(out, s + i - run, run);
			cr_buf_add(out, "\xef\xbf\xbd", 3);
			run = 0;
		}
		i += n;
	}
	cr_buf_add(out, s + i - run, run);
}

size_t cr_utf8_count(const char *s, size_t len)
{
	size_t n = 0;

	/* Every byte that is not a continuation byte starts a code point. */
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}
