/*
 * Comparing a test case's output with its expected output (issue 12).
 *
 * Pure functions over byte strings (they may hold NULs), no allocation, no
 * locale: the runner links this file on its own (static, no libcommon), the
 * API uses the names.
 *
 *   exact   the same bytes
 *   lines   the same lines, ignoring trailing spaces, tabs and CRs at the end
 *           of each line and empty lines at the end (the default): "1 \r\n2\n\n"
 *           matches "1\n2"
 *   tokens  the same whitespace-separated tokens (space, \t, \n, \r, \v, \f),
 *           whatever the whitespace between them
 *   float   tokens as above; two tokens that both read whole as decimal
 *           numbers (strtod syntax without hex, inf or nan) match when
 *           |a - b| <= epsilon or |a - b| <= epsilon * |b| (b expected);
 *           any other pair must be the same bytes
 */
#ifndef CR_COMMON_COMPARE_H
#define CR_COMMON_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

enum cr_compare {
	CR_COMPARE_EXACT,
	CR_COMPARE_LINES,
	CR_COMPARE_TOKENS,
	CR_COMPARE_FLOAT,
};

#define CR_COMPARE_DEFAULT CR_COMPARE_LINES
#define CR_COMPARE_EPSILON_DEFAULT 1e-6

/* "exact", "lines", "tokens", "float" -> 0 and *mode; -1 for anything else (len bytes). */
int cr_compare_parse(const char *name, size_t len, enum cr_compare *mode);
const char *cr_compare_name(enum cr_compare mode);

/* Does got match want under mode (epsilon used by CR_COMPARE_FLOAT only)? */
bool cr_output_matches(enum cr_compare mode, double epsilon, const char *got, size_t got_len,
		       const char *want, size_t want_len);

#endif
