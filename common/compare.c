/*
 * Output comparison modes (see compare.h). Everything walks the two byte
 * strings once, side by side, so a multi-MiB output costs linear time and no
 * memory. Only libc: the static runner links this file without libcommon
 * (and without libm, hence no fabs()).
 *
 * Numbers in float mode: the token syntax is checked here, by hand, so that
 * strtod() never sees hex, "inf", "nan", a leading space or trailing bytes;
 * only then is the token copied into a bounded NUL-terminated buffer for
 * strtod(), which rounds correctly. strtod() reads the locale's decimal
 * point: none of our programs calls setlocale(), so that is always '.'.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/compare.h"

/* Longer numeric tokens are compared as bytes: no real output needs more. */
#define NUMBER_MAX 400

static const char *const names[] = {
	[CR_COMPARE_EXACT] = "exact",
	[CR_COMPARE_LINES] = "lines",
	[CR_COMPARE_TOKENS] = "tokens",
	[CR_COMPARE_FLOAT] = "float",
};

#define NNAMES (sizeof(names) / sizeof(names[0]))

int cr_compare_parse(const char *name, size_t len, enum cr_compare *mode)
{
	for (size_t i = 0; i < NNAMES; i++) {
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0) {
			*mode = (enum cr_compare)i;
			return 0;
		}
	}
	return -1;
}

/* NULL for a value outside the enum. */
const char *cr_compare_name(enum cr_compare mode)
{
	if ((size_t)mode >= NNAMES)
		return NULL;
	return names[mode];
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool same_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/*
 * Dropping every trailing ' ', '\t', '\r' and '\n' of the whole text is the
 * same as dropping its trailing empty lines (lines of blanks count as empty
 * once their blanks go) and then the blanks of its new last line.
 */
static size_t trim_end(const char *s, size_t len)
{
	while (len && (is_blank(s[len - 1]) || s[len - 1] == '\n'))
		len--;
	return len;
}

/* The line at *pos (without '\n' and trailing blanks); moves *pos past it. */
static size_t next_line(const char *s, size_t len, size_t *pos, const char **line)
{
	const char *start = s + *pos;
	const char *nl = memchr(start, '\n', len - *pos);
	size_t n = nl ? (size_t)(nl - start) : len - *pos;

	*line = start;
	*pos += nl ? n + 1 : n;
	while (n && is_blank(start[n - 1]))
		n--;
	return n;
}

static bool lines_match(const char *got, size_t got_len, const char *want, size_t want_len)
{
	size_t gp = 0, wp = 0;

	got_len = trim_end(got, got_len);
	want_len = trim_end(want, want_len);
	/* After trim_end() neither text ends with '\n': *pos == len means no more lines. */
	while (gp < got_len && wp < want_len) {
		const char *g, *w;
		size_t gn = next_line(got, got_len, &gp, &g);
		size_t wn = next_line(want, want_len, &wp, &w);

		if (!same_bytes(g, gn, w, wn))
			return false;
	}
	return gp == got_len && wp == want_len;
}

/* The next whitespace-separated token from *pos: false when there is none. */
static bool next_token(const char *s, size_t len, size_t *pos, const char **tok, size_t *n)
{
	size_t i = *pos, start;

	while (i < len && is_space(s[i]))
		i++;
	if (i == len) {
		*pos = i;
		return false;
	}
	start = i;
	while (i < len && !is_space(s[i]))
		i++;
	*tok = s + start;
	*n = i - start;
	*pos = i;
	return true;
}

static size_t skip_digits(const char *s, size_t len, size_t i)
{
	while (i < len && is_digit(s[i]))
		i++;
	return i;
}

/* [+-]? (D+ (. D*)? | . D+) ([eE] [+-]? D+)?, the whole token. */
static bool is_number(const char *s, size_t len)
{
	size_t i = 0, j;
	bool digits;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	j = skip_digits(s, len, i);
	digits = j > i;
	i = j;
	if (i < len && s[i] == '.') {
		j = skip_digits(s, len, i + 1);
		digits = digits || j > i + 1;
		i = j;
	}
	if (!digits)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		j = skip_digits(s, len, i);
		if (j == i)
			return false;
		i = j;
	}
	return i == len;
}

/* Only called on a token is_number() accepted and no longer than NUMBER_MAX. */
static double to_double(const char *s, size_t len)
{
	char buf[NUMBER_MAX + 1];

	memcpy(buf, s, len);
	buf[len] = '\0';
	return strtod(buf, NULL);
}

static bool numbers_match(double epsilon, const char *g, size_t gn, const char *w, size_t wn)
{
	double a, b, d, mag;

	if (gn > NUMBER_MAX || wn > NUMBER_MAX || !is_number(g, gn) || !is_number(w, wn))
		return false;
	a = to_double(g, gn);
	b = to_double(w, wn);
	d = a > b ? a - b : b - a;
	mag = b < 0 ? -b : b;
	/* Out of range (1e999) gives inf - inf = nan: both tests fail, as they should. */
	return d <= epsilon || d <= epsilon * mag;
}

static bool tokens_match(bool numeric, double epsilon, const char *got, size_t got_len,
			 const char *want, size_t want_len)
{
	size_t gp = 0, wp = 0;
	const char *g, *w;
	size_t gn, wn;

	for (;;) {
		bool more_g = next_token(got, got_len, &gp, &g, &gn);
		bool more_w = next_token(want, want_len, &wp, &w, &wn);

		if (!more_g || !more_w)
			return more_g == more_w;
		if (same_bytes(g, gn, w, wn))
			continue;
		if (!numeric || !numbers_match(epsilon, g, gn, w, wn))
			return false;
	}
}

bool cr_output_matches(enum cr_compare mode, double epsilon, const char *got, size_t got_len,
		       const char *want, size_t want_len)
{
	switch (mode) {
	case CR_COMPARE_EXACT:
		return same_bytes(got, got_len, want, want_len);
	case CR_COMPARE_LINES:
		return lines_match(got, got_len, want, want_len);
	case CR_COMPARE_TOKENS:
		return tokens_match(false, epsilon, got, got_len, want, want_len);
	case CR_COMPARE_FLOAT:
		return tokens_match(true, epsilon, got, got_len, want, want_len);
	}
	return false;
}
