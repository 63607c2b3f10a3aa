/*
 * File names of multi-file programs (see filename.h). An allow-list of bytes
 * rather than a deny-list: NUL, control characters, spaces, quotes, '\\' and
 * every non-ASCII byte are out at once, so a name never needs quoting and can
 * never be spelt two ways (Unicode normalisation, case-insensitive lookalikes
 * aside). The runner trusts nothing it is sent, so this runs there too: libc
 * only.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/filename.h"

static bool fail(char *why, size_t whylen, const char *msg)
{
	if (why && whylen)
		snprintf(why, whylen, "%s", msg);
	return false;
}

static bool name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '+' || c == '-';
}

/* One component of n bytes, already known to hold only name_char() bytes; NULL when fine. */
static const char *component_error(const char *s, size_t n)
{
	if (n == 0)
		return "has an empty component";
	if (n > CR_FILE_COMPONENT_MAX)
		return "has a component longer than 100 bytes";
	if (n == 1 && s[0] == '.')
		return "must not contain a '.' component";
	if (n == 2 && s[0] == '.' && s[1] == '.')
		return "must not contain '..'";
	/* "-o" or "--help" would be read as an option by a compiler or a shell tool. */
	if (s[0] == '-')
		return "has a component starting with '-'";
	return NULL;
}

bool cr_file_name_check(const char *name, size_t len, char *why, size_t whylen)
{
	size_t start = 0, components = 0;

	if (len == 0)
		return fail(why, whylen, "is empty");
	if (len > CR_FILE_NAME_MAX)
		return fail(why, whylen, "is longer than 255 bytes");
	if (name[0] == '/')
		return fail(why, whylen, "must be relative");
	if (name[len - 1] == '/')
		return fail(why, whylen, "must not end with '/'");
	for (size_t i = 0; i < len; i++)
		if (name[i] != '/' && !name_char(name[i]))
			return fail(why, whylen, "has a character other than A-Z a-z 0-9 . _ + -");
	for (size_t i = 0; i <= len; i++) {
		const char *err;

		if (i < len && name[i] != '/')
			continue;
		err = component_error(name + start, i - start);
		if (err)
			return fail(why, whylen, err);
		if (++components > CR_FILE_DEPTH_MAX + 1)
			return fail(why, whylen, "has more than 4 directory levels");
		start = i + 1;
	}
	return true;
}
