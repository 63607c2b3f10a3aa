/*
 * Request/response plumbing. The FastCGI side uses the CGI variables nginx's
 * fastcgi_params passes: REQUEST_METHOD, DOCUMENT_URI (the normalised path;
 * REQUEST_URI up to '?' when absent), QUERY_STRING, CONTENT_TYPE,
 * CONTENT_LENGTH and the HTTP_* headers. The answer goes back CGI-style: a
 * "Status:" line, headers, an empty line, the body.
 */
#include "config.h"

#include <ctype.h>
#include <fcgiapp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xalloc.h"
#include "fcgi/http.h"

void http_req_init(struct http_req *req, size_t body_cap)
{
	memset(req, 0, sizeof(*req));
	req->method = "GET";
	req->path = "/";
	req->query = "";
	req->content_length = -1;
	cr_buf_init(&req->body, body_cap);
}

void http_req_release(struct http_req *req)
{
	if (!req)
		return;
	cr_buf_release(&req->body);
	free(req->path_owned);
	req->path_owned = NULL;
}

void http_resp_init(struct http_resp *resp)
{
	resp->status = 0;
	resp->content_type = NULL;
	cr_buf_init(&resp->headers, 0);
	cr_buf_init(&resp->body, 0);
}

void http_resp_release(struct http_resp *resp)
{
	if (!resp)
		return;
	cr_buf_release(&resp->headers);
	cr_buf_release(&resp->body);
}

void http_resp_reset(struct http_resp *resp)
{
	resp->status = 0;
	resp->content_type = NULL;
	cr_buf_reset(&resp->headers);
	cr_buf_reset(&resp->body);
}

void http_resp_header(struct http_resp *resp, const char *name, const char *fmt, ...)
{
	char value[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	/* Header injection guard: our values never carry line breaks. */
	if (strpbrk(value, "\r\n"))
		return;
	cr_buf_addf(&resp->headers, "%s: %s\r\n", name, value);
}

bool http_resp_header_get(const struct http_resp *resp, const char *name,
			  char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	const char *p = resp->headers.data;

	while (*p) {
		const char *eol = strstr(p, "\r\n");
		if (!eol)
			break;
		if ((size_t)(eol - p) > nlen + 1 && strncasecmp(p, name, nlen) == 0 &&
		    p[nlen] == ':') {
			const char *v = p + nlen + 1;
			while (*v == ' ')
				v++;
			size_t vlen = (size_t)(eol - v);
			if (outlen) {
				if (vlen >= outlen)
					vlen = outlen - 1;
				memcpy(out, v, vlen);
				out[vlen] = '\0';
			}
			return true;
		}
		p = eol + 2;
	}
	return false;
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

bool http_query_param(const char *query, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	bool found = false;
	const char *p = query ? query : "";

	while (*p) {
		const char *end = strchr(p, '&');
		if (!end)
			end = p + strlen(p);
		if ((size_t)(end - p) >= nlen && strncmp(p, name, nlen) == 0 &&
		    (p + nlen == end || p[nlen] == '=')) {
			const char *v = p + nlen == end ? end : p + nlen + 1;
			size_t vlen = (size_t)(end - v);
			found = true;
			if (outlen) {
				if (vlen >= outlen) {
					/* too long to be valid: hand back a marker that never parses */
					snprintf(out, outlen, "%s", "?");
				} else {
					memcpy(out, v, vlen);
					out[vlen] = '\0';
				}
			}
		}
		p = *end ? end + 1 : end;
	}
	return found;
}

static const char *param(struct FCGX_Request *fr, const char *name)
{
	return FCGX_GetParam(name, fr->envp);
}

void http_fcgi_read(struct http_req *req, struct FCGX_Request *fr)
{
	const char *s;
	size_t cap = req->body.cap;

	req->method = (s = param(fr, "REQUEST_METHOD")) ? s : "GET";
	s = param(fr, "DOCUMENT_URI");
	if (s && *s) {
		req->path = s;
	} else if ((s = param(fr, "REQUEST_URI")) && *s) {
		const char *q = strchr(s, '?');
		req->path_owned = q ? cr_xstrndup(s, (size_t)(q - s)) : cr_xstrdup(s);
		req->path = req->path_owned;
	}
	req->query = (s = param(fr, "QUERY_STRING")) ? s : "";
	s = param(fr, "CONTENT_TYPE");
	req->content_type = s && *s ? s : NULL;
	req->authorization = param(fr, "HTTP_AUTHORIZATION");
	req->request_id = param(fr, "HTTP_X_REQUEST_ID");
	req->remote_addr = param(fr, "REMOTE_ADDR");

	s = param(fr, "CONTENT_LENGTH");
	if (s && *s) {
		char *end;
		long long n = strtoll(s, &end, 10);
		req->content_length = (*end || n < 0) ? -1 : n;
	}
	if (req->content_length <= 0)
		return;
	if (cap && (unsigned long long)req->content_length > cap) {
		/* Not read: libfcgi drains the rest when it closes the connection. */
		req->too_large = true;
		return;
	}
	size_t want = (size_t)req->content_length;
	cr_buf_grow(&req->body, want);
	while (req->body.len < want) {
		int n = FCGX_GetStr(req->body.data + req->body.len,
				    (int)(want - req->body.len), fr->in);
		if (n <= 0)
			break;
		req->body.len += (size_t)n;
	}
	req->body.data[req->body.len] = '\0';
}

/*
 * The status line, Content-Type, Content-Length (a stream has none: length < 0),
 * the extra headers and the blank line. libfcgi's own printf knows no %zu:
 * format here, write raw bytes.
 */
static int write_head(const struct http_resp *resp, long long length, struct FCGX_Request *fr)
{
	int status = resp->status ? resp->status : 500;
	char head[256], len[48] = "";
	int n;

	if (length >= 0)
		snprintf(len, sizeof(len), "Content-Length: %lld\r\n", length);
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n%s%s%s%s",
		     status, http_reason(status),
		     resp->content_type ? "Content-Type: " : "",
		     resp->content_type ? resp->content_type : "",
		     resp->content_type ? "\r\n" : "", len);
	if (n < 0 || (size_t)n >= sizeof(head) || FCGX_PutStr(head, n, fr->out) < 0)
		return -1;
	if (resp->headers.len &&
	    FCGX_PutStr(resp->headers.data, (int)resp->headers.len, fr->out) < 0)
		return -1;
	return FCGX_PutStr("\r\n", 2, fr->out) < 0 ? -1 : 0;
}

int http_fcgi_write(const struct http_resp *resp, struct FCGX_Request *fr)
{
	if (write_head(resp, (long long)resp->body.len, fr) < 0)
		return -1;
	if (resp->body.len &&
	    FCGX_PutStr(resp->body.data, (int)resp->body.len, fr->out) < 0)
		return -1;
	return 0;
}

int http_fcgi_write_head(const struct http_resp *resp, struct FCGX_Request *fr)
{
	if (write_head(resp, -1, fr) < 0 || FCGX_FFlush(fr->out) < 0)
		return -1;
	return 0;
}

int http_fcgi_stream(struct FCGX_Request *fr, const char *data, size_t len)
{
	if (len && FCGX_PutStr(data, (int)len, fr->out) < 0)
		return -1;
	return FCGX_FFlush(fr->out) < 0 ? -1 : 0;
}
