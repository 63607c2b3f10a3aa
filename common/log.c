/*
 * One key=value line per event on stderr:
 *
 *   ts=2026-11-26T10:00:00.123Z level=info prog=coderank-api pid=123 req=abc msg="..."
 *
 * The message is quoted and escaped (", \ and control bytes) so that one event is
 * always one line, whatever a caller formats into it. Each line is built in a
 * fixed stack buffer and written with a single write(2): lines from the
 * pre-forked processes sharing stderr do not interleave, and logging never
 * allocates (cr_die is what an allocation failure calls).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

enum cr_log_level cr_log_min_level = CR_LOG_INFO;

static const char *program = "coderank";
static bool plain;
static _Thread_local char context[512];	/* per thread: a responder serves many requests at once */

static const char *const level_names[] = {
	[CR_LOG_DEBUG] = "debug",
	[CR_LOG_INFO] = "info",
	[CR_LOG_WARN] = "warn",
	[CR_LOG_ERROR] = "error",
};

int cr_log_set_level(const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (name && strcmp(name, level_names[i]) == 0) {
			cr_log_min_level = (enum cr_log_level)i;
			return 0;
		}
	}
	return -1;
}

void cr_log_set_program(const char *prog)
{
	program = prog ? prog : "coderank";
}

void cr_log_set_plain(bool on)
{
	plain = on;
}

void cr_log_set_context(const char *ctx)
{
	if (!ctx) {
		context[0] = '\0';
		return;
	}
	snprintf(context, sizeof(context), "%s", ctx);
	/* A request id may come from a client: keep the event on one line. */
	for (char *p = context; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

/* Append to line[*pos..size) without overrunning; keeps one byte for '\n'. */
static void put(char *line, size_t size, size_t *pos, const char *s, size_t n)
{
	if (*pos + 1 >= size)
		return;
	if (n > size - 1 - *pos)
		n = size - 1 - *pos;
	memcpy(line + *pos, s, n);
	*pos += n;
}

/*
 * Escape s into line, leaving room for the closing quote and newline. Escapes
 * are written whole or not at all: a cut "\\" followed by the closing quote
 * would leave the string unterminated.
 */
static void put_escaped(char *line, size_t size, size_t *pos, const char *s)
{
	char esc[5];
	size_t n;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			n = 2;
		} else if (c == '\n' || c == '\t' || c == '\r') {
			esc[0] = '\\';
			esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
			n = 2;
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			n = 4;
		} else {
			esc[0] = (char)c;
			n = 1;
		}
		if (*pos + n + 2 > size)
			return;
		put(line, size, pos, esc, n);
	}
}

/* One write(2) for the whole line, so that processes sharing stderr do not interleave. */
static void write_line(const char *line, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t w = write(STDERR_FILENO, line + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
}

/* "prog: [warning: ]message": control bytes (libpq's "\n\tIs the server...") as blanks. */
static size_t format_plain(char *line, size_t size, enum cr_log_level level, const char *msg)
{
	int n = snprintf(line, size - 1, "%s: %s%s", program,
			 level == CR_LOG_WARN ? "warning: " : level == CR_LOG_DEBUG ? "debug: " : "",
			 msg);
	size_t len = n < 0 ? 0 : (size_t)n < size - 1 ? (size_t)n : size - 2;

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = ' ';
	return len;
}

static void log_v(enum cr_log_level level, const char *fmt, va_list ap)
{
	char msg[2048];
	char line[4096];
	char head[128];
	size_t pos = 0;
	struct timespec ts;
	struct tm tm;
	int saved_errno = errno;
	int n;

	if ((unsigned)level > CR_LOG_ERROR)
		level = CR_LOG_ERROR;
	if (plain) {
		vsnprintf(msg, sizeof(msg), fmt, ap);
		pos = format_plain(line, sizeof(line), level, msg);
		line[pos++] = '\n';
		write_line(line, pos);
		errno = saved_errno;
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(head, sizeof(head),
		     "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L, level_names[level]);
	put(line, sizeof(line), &pos, head, (size_t)n);
	put(line, sizeof(line), &pos, "prog=", 5);
	put(line, sizeof(line), &pos, program, strlen(program));
	n = snprintf(head, sizeof(head), " pid=%ld ", (long)getpid());
	put(line, sizeof(line), &pos, head, (size_t)n);
	if (context[0]) {
		put(line, sizeof(line), &pos, context, strlen(context));
		put(line, sizeof(line), &pos, " ", 1);
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	put(line, sizeof(line), &pos, "msg=\"", 5);
	put_escaped(line, sizeof(line), &pos, msg);
	put(line, sizeof(line), &pos, "\"", 1);
	line[pos++] = '\n';
	write_line(line, pos);
	errno = saved_errno;
}

void cr_log_write(enum cr_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(level, fmt, ap);
	va_end(ap);
}

int cr_error(const char *fmt, ...)
{
	va_list ap;

	if (CR_LOG_ERROR >= cr_log_min_level) {
		va_start(ap, fmt);
		log_v(CR_LOG_ERROR, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void cr_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(CR_LOG_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}
