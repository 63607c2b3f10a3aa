/*
 * One line per event, key=value, to stderr (journald/syslog take it from there).
 *
 *   ts=2026-11-26T10:00:00.123Z level=info pid=123 req=abc user=... msg="..." k=v
 *
 * A context string (set per request in the API, per job in the worker) is added
 * to every line automatically. The level macros skip argument evaluation when
 * the level is off. Never log tokens, keys, passwords or submission source.
 */
#ifndef CR_LOG_H
#define CR_LOG_H

#include <stdbool.h>

enum cr_log_level { CR_LOG_DEBUG, CR_LOG_INFO, CR_LOG_WARN, CR_LOG_ERROR };

extern enum cr_log_level cr_log_min_level;

/* "debug", "info", "warn", "error"; returns -1 for anything else. */
int cr_log_set_level(const char *name);
/* Program name shown as prog=...; the pointer must stay valid. */
void cr_log_set_program(const char *prog);
/*
 * For a command-line tool (coderank-admin): lines as "prog: message" and
 * "prog: warning: message", for a person at a terminal rather than a log.
 */
void cr_log_set_plain(bool plain);
/* Context appended to every line, e.g. "req=abc user=123" (copied); NULL clears. */
void cr_log_set_context(const char *ctx);

void cr_log_write(enum cr_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define cr_log(level, ...) do { \
	if ((level) >= cr_log_min_level) cr_log_write((level), __VA_ARGS__); \
} while (0)
#define cr_debug(...) cr_log(CR_LOG_DEBUG, __VA_ARGS__)
#define cr_info(...)  cr_log(CR_LOG_INFO, __VA_ARGS__)
#define cr_warn(...)  cr_log(CR_LOG_WARN, __VA_ARGS__)

/* Log at error level and return -1: `return cr_error("could not ...: %s", why);` */
int cr_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log at error level and exit(1). */
void cr_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
