/*
 * The names of a multi-file program's files (issue 12), checked the same way
 * by the API (a 400 that names the file) and by the runner (which writes them
 * inside the container and trusts nothing it is sent).
 *
 * A name is a relative path of 1 to 255 bytes: 1 to 5 components (at most 4
 * directory levels) separated by single '/', each 1 to 100 bytes of
 * [A-Za-z0-9._+-], neither "." nor "..", not starting with '-'. No leading or
 * trailing '/', so no absolute path, no empty component, no way out of the
 * work directory, and nothing a shell or a compiler's option parser would
 * read as anything but a file name.
 *
 * Pure, no allocation: the static runner links this file on its own.
 */
#ifndef CR_COMMON_FILENAME_H
#define CR_COMMON_FILENAME_H

#include <stdbool.h>
#include <stddef.h>

#define CR_FILE_NAME_MAX 255
#define CR_FILE_COMPONENT_MAX 100
#define CR_FILE_DEPTH_MAX 4	/* directory levels above the file */

/* true when name (len bytes, may hold NULs) is valid; else false and why (a short phrase). */
bool cr_file_name_check(const char *name, size_t len, char *why, size_t whylen);

#endif
