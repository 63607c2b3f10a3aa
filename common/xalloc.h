/*
 * Allocation that never returns NULL.
 *
 * CodeRank's daemons are supervised: on out-of-memory they log and exit(1) and
 * are restarted, as git and PostgreSQL's palloc do. Half-handled OOM is a bug farm.
 */
#ifndef CR_XALLOC_H
#define CR_XALLOC_H

#include <stddef.h>

void *cr_xmalloc(size_t n);
void *cr_xcalloc(size_t nmemb, size_t size);
void *cr_xrealloc(void *p, size_t n);
char *cr_xstrdup(const char *s);
char *cr_xstrndup(const char *s, size_t n);
/* printf into a freshly allocated string */
char *cr_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
