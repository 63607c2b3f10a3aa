/*
 * A request/response pair independent of FastCGI, so that the API's top level
 * and its handlers can be driven from memory in unit tests.
 *
 * struct http_req: the request fields CodeRank needs. Strings are borrowed (from
 * libfcgi's parameter block, or a test's literals) and stay valid for the
 * request; body is owned and capped (body.overflowed or too_large set when the
 * client sent more than the cap). content_length is -1 when absent.
 *
 * struct http_resp: status, extra header lines ("Name: value\r\n" in a buffer)
 * and the body, all owned. The adapter (http_fcgi_*) fills a request from an
 * accepted FCGX_Request and writes a response back to it.
 */
#ifndef CR_FCGI_HTTP_H
#define CR_FCGI_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

struct FCGX_Request;

struct http_req {
	const char *method;		/* "GET", ... never NULL */
	const char *path;		/* without the query string; never NULL */
	const char *query;		/* without '?'; "" when none */
	const char *content_type;	/* NULL when absent */
	long long content_length;	/* -1 when absent */
	const char *authorization;	/* NULL when absent */
	const char *request_id;		/* the client's X-Request-Id, NULL when absent */
	const char *remote_addr;	/* may be NULL */
	struct cr_buf body;
	bool too_large;			/* declared or sent more than the cap */
	char *path_owned;		/* set when path had to be copied */
};

struct http_resp {
	int status;			/* 0 until a handler answers */
	const char *content_type;	/* static string; NULL: no body type */
	struct cr_buf headers;		/* "Name: value\r\n" lines */
	struct cr_buf body;
};

void http_req_init(struct http_req *req, size_t body_cap);
void http_req_release(struct http_req *req);

void http_resp_init(struct http_resp *resp);
void http_resp_release(struct http_resp *resp);
/* Forget status, headers and body (to replace a half-built answer by an error). */
void http_resp_reset(struct http_resp *resp);

/* Append one header line; the value must not contain CR or LF (asserted by dropping it). */
void http_resp_header(struct http_resp *resp, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Copy the value of header name (case-insensitive) into out; false when absent. */
bool http_resp_header_get(const struct http_resp *resp, const char *name,
			  char *out, size_t outlen);

const char *http_reason(int status);

/*
 * Value of query parameter name (no percent-decoding: every parameter CodeRank
 * takes is plain ASCII). The last occurrence wins. Returns false when absent;
 * "page" and "page=" both give an empty value.
 */
bool http_query_param(const char *query, const char *name, char *out, size_t outlen);

/* Fill req from an accepted FastCGI request; reads the body up to its cap. */
void http_fcgi_read(struct http_req *req, struct FCGX_Request *fr);
/* Write resp (CGI-style Status line, headers, body) to the request's output. */
int http_fcgi_write(const struct http_resp *resp, struct FCGX_Request *fr);
/* A stream: the status line and headers without a length, flushed; then data, flushed. */
int http_fcgi_write_head(const struct http_resp *resp, struct FCGX_Request *fr);
int http_fcgi_stream(struct FCGX_Request *fr, const char *data, size_t len);

#endif
