/*
 * Docker Engine API client over the unix socket (see docker.h for the contract).
 *
 * Ordinary calls go through one reusable curl handle per slot (keep-alive over
 * the unix socket; after a dockerd restart curl notices the dead connection
 * and opens a new one). The attach call needs the raw socket after the HTTP
 * upgrade, which libcurl does not expose for HTTP, so it uses a separate
 * CONNECT_ONLY handle: curl connects, we write the request ourselves with
 * curl_easy_send, parse the 101 headers, and from then on the socket is the
 * container's stdin (ours to write) and its multiplexed stdout/stderr.
 */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "common/xalloc.h"
#include "worker/docker.h"
#include "worker/frame.h"

#define API "http://docker/v1.41"
#define CONNECT_TIMEOUT_MS 2000L
#define CALL_TIMEOUT_MS 30000L
#define PING_TIMEOUT_MS 3000L
#define REPLY_CAP (1024 * 1024)		/* inspect/list replies */
#define ERR_CAP (64 * 1024)		/* container stderr kept */
#define HEADERS_CAP 8192

static int fail(char *error, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *error, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(error, len, fmt, ap);
	va_end(ap);
	return -1;
}

int docker_init(struct docker *d, const char *socket_path)
{
	memset(d, 0, sizeof(*d));
	d->curl = curl_easy_init();
	if (!d->curl)
		return cr_error("could not create a curl handle");
	d->socket_path = cr_xstrdup(socket_path);
	return 0;
}

void docker_close(struct docker *d)
{
	if (!d)
		return;
	if (d->curl)
		curl_easy_cleanup(d->curl);
	free(d->socket_path);
	d->curl = NULL;
	d->socket_path = NULL;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct cr_buf *b = ud;
	size_t n = size * nmemb;

	if (cr_buf_add(b, p, n) < 0)
		return 0;	/* over the cap: curl fails with CURLE_WRITE_ERROR */
	return n;
}

/*
 * One request: method, path under /v1.41, optional JSON body. Fills *status and
 * reply (capped at REPLY_CAP). Returns 0 when an HTTP answer came, -1 when
 * dockerd could not be reached or the answer was cut.
 */
static int request_ex(struct docker *d, const char *method, const char *path,
		      const char *body, long timeout_ms, bool fresh, long *status,
		      struct cr_buf *reply)
{
	CURL *c = d->curl;
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	char *url = cr_xasprintf(API "%s", path);
	CURLcode rc;
	int ret = -1;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, d->socket_path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
	if (fresh) {
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	}
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (body) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);

	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		fail(d->error, sizeof(d->error), "could not %s %s on dockerd at \"%s\": %s",
		     method, path, d->socket_path, errbuf[0] ? errbuf : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	ret = 0;
out:
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(hdrs);
	free(url);
	return ret;
}

static int request(struct docker *d, const char *method, const char *path,
		   const char *body, long timeout_ms, long *status, struct cr_buf *reply)
{
	return request_ex(d, method, path, body, timeout_ms, false, status, reply);
}

/* dockerd's error replies are {"message": "..."}; keep them short for logs. */
static const char *reply_message(const struct cr_buf *reply, char *tmp, size_t tmplen)
{
	struct json_object *o = json_tokener_parse(reply->data);
	struct json_object *m;

	snprintf(tmp, tmplen, "%.200s", reply->data);
	if (o && json_object_object_get_ex(o, "message", &m))
		snprintf(tmp, tmplen, "%.200s", json_object_get_string(m));
	json_object_put(o);
	/* one line for the log */
	for (char *p = tmp; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return tmp;
}

static int unexpected(struct docker *d, const char *what, long status, const struct cr_buf *reply)
{
	char tmp[256];

	return fail(d->error, sizeof(d->error), "could not %s: dockerd answered %ld: %s",
		    what, status, reply_message(reply, tmp, sizeof(tmp)));
}

int docker_ping(struct docker *d, char *version, size_t versionlen)
{
	struct cr_buf reply;
	struct json_object *o = NULL, *v, *a;
	long status = 0;
	int ret = -1;

	cr_buf_init(&reply, REPLY_CAP);
	/*
	 * A fresh connection: a dockerd that is shutting down still answers on
	 * kept-alive connections while refusing new ones, and every real call
	 * may need a new one. A ping over the old connection said "up" there and
	 * let slots burn the attempts of queued submissions.
	 */
	if (request_ex(d, "GET", "/_ping", NULL, PING_TIMEOUT_MS, true, &status, &reply) < 0)
		goto out;
	if (status != 200) {
		unexpected(d, "ping dockerd", status, &reply);
		goto out;
	}
	if (version && versionlen) {
		snprintf(version, versionlen, "unknown");
		cr_buf_reset(&reply);
		if (request(d, "GET", "/version", NULL, PING_TIMEOUT_MS, &status, &reply) < 0)
			goto out;
		o = json_tokener_parse(reply.data);
		if (o && json_object_object_get_ex(o, "Version", &v) &&
		    json_object_object_get_ex(o, "ApiVersion", &a))
			snprintf(version, versionlen, "%s (API %s)", json_object_get_string(v),
				 json_object_get_string(a));
	}
	ret = 0;
out:
	json_object_put(o);
	cr_buf_release(&reply);
	return ret;
}

/* Image names are [a-z0-9._/:-@]; anything else is refused, not escaped. */
static bool plain_ref(const char *s)
{
	if (!*s || strlen(s) > 255)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._/:-@", *s)))
			return false;
	return true;
}

static bool plain_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > DOCKER_ID_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'f') || (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

int docker_image_present(struct docker *d, const char *image)
{
	struct cr_buf reply;
	long status = 0;
	char *path;
	int ret = -1;

	if (!plain_ref(image))
		return fail(d->error, sizeof(d->error), "cannot use image name \"%.100s\"", image);
	cr_buf_init(&reply, REPLY_CAP);
	path = cr_xasprintf("/images/%s/json", image);
	if (request(d, "GET", path, NULL, CALL_TIMEOUT_MS, &status, &reply) < 0)
		goto out;
	if (status == 200)
		ret = 1;
	else if (status == 404)
		ret = 0;
	else
		unexpected(d, "inspect image", status, &reply);
out:
	free(path);
	cr_buf_release(&reply);
	return ret;
}

int docker_create(struct docker *d, const char *json, char *id)
{
	struct cr_buf reply;
	struct json_object *o = NULL, *v;
	long status = 0;
	int ret = -1;

	cr_buf_init(&reply, REPLY_CAP);
	if (request(d, "POST", "/containers/create", json, CALL_TIMEOUT_MS, &status, &reply) < 0)
		goto out;
	if (status != 201) {
		unexpected(d, "create a container", status, &reply);
		goto out;
	}
	o = json_tokener_parse(reply.data);
	if (!o || !json_object_object_get_ex(o, "Id", &v) ||
	    !plain_id(json_object_get_string(v))) {
		fail(d->error, sizeof(d->error), "could not create a container: no Id in the reply");
		goto out;
	}
	snprintf(id, DOCKER_ID_MAX + 1, "%s", json_object_get_string(v));
	ret = 0;
	if (json_object_object_get_ex(o, "Warnings", &v) && json_object_is_type(v, json_type_array) &&
	    json_object_array_length(v) > 0) {
		fail(d->error, sizeof(d->error), "dockerd could not apply the sandbox profile: %.300s",
		     json_object_get_string(json_object_array_get_idx(v, 0)));
		ret = -1;
	}
out:
	json_object_put(o);
	cr_buf_release(&reply);
	return ret;
}

int docker_check_profile(struct docker *d)
{
	static const char *const needed[] = { "MemoryLimit", "SwapLimit", "PidsLimit",
					      "CpuCfsQuota", NULL };
	struct cr_buf reply, missing;
	struct json_object *o = NULL, *v;
	long status = 0;
	int ret = -1;

	cr_buf_init(&reply, REPLY_CAP);
	cr_buf_init(&missing, 0);
	if (request(d, "GET", "/info", NULL, CALL_TIMEOUT_MS, &status, &reply) < 0)
		goto out;
	if (status != 200) {
		unexpected(d, "get dockerd's info", status, &reply);
		goto out;
	}
	o = json_tokener_parse(reply.data);
	if (!o) {
		fail(d->error, sizeof(d->error), "could not parse dockerd's info");
		goto out;
	}
	for (const char *const *k = needed; *k; k++)
		if (!json_object_object_get_ex(o, *k, &v) || !json_object_get_boolean(v))
			cr_buf_addf(&missing, " %s", *k);
	if (!json_object_object_get_ex(o, "SecurityOptions", &v) ||
	    !strstr(json_object_to_json_string(v), "name=seccomp"))
		cr_buf_addstr(&missing, " seccomp");
	if (missing.len) {
		fail(d->error, sizeof(d->error), "dockerd cannot apply the sandbox profile: "
		     "missing%s", missing.data);
		goto out;
	}
	ret = 0;
out:
	json_object_put(o);
	cr_buf_release(&missing);
	cr_buf_release(&reply);
	return ret;
}

/* POST/DELETE on /containers/{id}{suffix}; ok_a/ok_b are accepted statuses. */
static int container_call(struct docker *d, const char *method, const char *id,
			  const char *suffix, const char *what, long ok_a, long ok_b, long ok_c)
{
	struct cr_buf reply;
	long status = 0;
	char *path;
	int ret = -1;

	if (!plain_id(id))
		return fail(d->error, sizeof(d->error), "cannot %s: bad container id", what);
	cr_buf_init(&reply, REPLY_CAP);
	path = cr_xasprintf("/containers/%s%s", id, suffix);
	if (request(d, method, path, NULL, CALL_TIMEOUT_MS, &status, &reply) < 0)
		goto out;
	if (status != ok_a && status != ok_b && status != ok_c) {
		unexpected(d, what, status, &reply);
		goto out;
	}
	ret = 0;
out:
	free(path);
	cr_buf_release(&reply);
	return ret;
}

int docker_start(struct docker *d, const char *id)
{
	return container_call(d, "POST", id, "/start", "start a container", 204, 304, 204);
}

int docker_remove(struct docker *d, const char *id)
{
	/* 409 is "removal already in progress". */
	return container_call(d, "DELETE", id, "?force=1&v=1", "remove a container", 204, 404, 409);
}

int docker_list_labelled(struct docker *d, const char *label,
			 struct docker_container **out, size_t *n)
{
	struct cr_buf reply;
	struct json_object *arr = NULL, *filters = NULL, *labels;
	struct docker_container *list = NULL;
	long status = 0;
	char *path = NULL, *esc = NULL;
	size_t count = 0;
	int ret = -1;

	*out = NULL;
	*n = 0;
	if (!plain_ref(label))
		return fail(d->error, sizeof(d->error), "cannot list by label \"%.100s\"", label);
	filters = json_object_new_object();
	labels = json_object_new_array();
	json_object_array_add(labels, json_object_new_string(label));
	json_object_object_add(filters, "label", labels);
	esc = curl_easy_escape(d->curl, json_object_to_json_string(filters), 0);
	path = cr_xasprintf("/containers/json?all=1&filters=%s", esc ? esc : "");
	cr_buf_init(&reply, 16 * 1024 * 1024);
	if (request(d, "GET", path, NULL, CALL_TIMEOUT_MS, &status, &reply) < 0)
		goto out;
	if (status != 200) {
		unexpected(d, "list containers", status, &reply);
		goto out;
	}
	arr = json_tokener_parse(reply.data);
	if (!arr || !json_object_is_type(arr, json_type_array)) {
		fail(d->error, sizeof(d->error), "could not list containers: reply is not a list");
		goto out;
	}
	list = cr_xcalloc(json_object_array_length(arr) + 1, sizeof(*list));
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *c = json_object_array_get_idx(arr, i), *v, *lb;
		struct docker_container *e = &list[count];

		if (!json_object_object_get_ex(c, "Id", &v) || !plain_id(json_object_get_string(v)))
			continue;
		snprintf(e->id, sizeof(e->id), "%s", json_object_get_string(v));
		if (json_object_object_get_ex(c, "Created", &v))
			e->created = json_object_get_int64(v);
		if (json_object_object_get_ex(c, "State", &v) &&
		    json_object_is_type(v, json_type_string)) {
			const char *state = json_object_get_string(v);

			e->ended = strcmp(state, "exited") == 0 || strcmp(state, "dead") == 0;
			e->never_started = strcmp(state, "created") == 0;
		}
		if (json_object_object_get_ex(c, "Labels", &lb)) {
			if (json_object_object_get_ex(lb, "coderank.worker", &v))
				e->worker = cr_xstrdup(json_object_get_string(v));
			if (json_object_object_get_ex(lb, "coderank.submission", &v))
				e->submission = cr_xstrdup(json_object_get_string(v));
			if (json_object_object_get_ex(lb, "coderank.pool", &v))
				e->pool = cr_xstrdup(json_object_get_string(v));
		}
		count++;
	}
	*out = list;
	*n = count;
	list = NULL;
	ret = 0;
out:
	docker_containers_free(list, count);
	json_object_put(arr);
	json_object_put(filters);
	curl_free(esc);
	free(path);
	cr_buf_release(&reply);
	return ret;
}

void docker_containers_free(struct docker_container *c, size_t n)
{
	if (!c)
		return;
	for (size_t i = 0; i < n; i++) {
		free(c[i].worker);
		free(c[i].submission);
		free(c[i].pool);
	}
	free(c);
}

/* ---- demultiplexer -------------------------------------------------------- */

void docker_demux_init(struct docker_demux *dm)
{
	memset(dm, 0, sizeof(*dm));
}

int docker_demux_feed(struct docker_demux *dm, const uint8_t *p, size_t n,
		      struct cr_buf *out, struct cr_buf *err)
{
	while (n > 0) {
		if (dm->remaining == 0 && dm->hdr_have < 8) {
			size_t take = 8 - dm->hdr_have;

			if (take > n)
				take = n;
			memcpy(dm->hdr + dm->hdr_have, p, take);
			dm->hdr_have += take;
			p += take;
			n -= take;
			if (dm->hdr_have < 8)
				return 0;
			if (dm->hdr[0] > 2 || dm->hdr[1] || dm->hdr[2] || dm->hdr[3])
				return -1;
			dm->stream = dm->hdr[0];
			dm->remaining = (uint32_t)dm->hdr[4] << 24 | (uint32_t)dm->hdr[5] << 16 |
					(uint32_t)dm->hdr[6] << 8 | (uint32_t)dm->hdr[7];
			dm->hdr_have = 0;
			continue;	/* a zero-size frame is legal: next header */
		}
		size_t take = dm->remaining < n ? dm->remaining : n;

		/* The caps of out/err bound memory; overflow is seen by the caller. */
		cr_buf_add(dm->stream == 1 ? out : err, p, take);
		dm->remaining -= (uint32_t)take;
		p += take;
		n -= take;
	}
	return 0;
}

/* ---- attach --------------------------------------------------------------- */

static int wait_socket(long fd, short events, int64_t deadline_ms)
{
	struct pollfd pfd = { .fd = (int)fd, .events = events };
	int64_t left = deadline_ms - cr_monotonic_ms();
	int r;

	if (left <= 0)
		return 0;
	do
		r = poll(&pfd, 1, left > 1000000 ? 1000000 : (int)left);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -1 : r;
}

static int send_all(struct docker_attach *a, const void *data, size_t len, int64_t deadline_ms)
{
	const char *p = data;

	while (len > 0) {
		size_t sent = 0;
		CURLcode rc;

		if (!a->curl) {	/* an adopted socket */
			ssize_t w = write((int)a->fd, p, len);

			if (w < 0 && errno == EINTR)
				continue;
			rc = w >= 0 ? CURLE_OK : (errno == EAGAIN || errno == EWOULDBLOCK) ?
				CURLE_AGAIN : CURLE_SEND_ERROR;
			if (rc == CURLE_SEND_ERROR)
				return fail(a->error, sizeof(a->error),
					    "could not write to the container: %s", strerror(errno));
			sent = w > 0 ? (size_t)w : 0;
		} else {
			rc = curl_easy_send(a->curl, p, len, &sent);
		}

		if (rc == CURLE_AGAIN) {
			int w = wait_socket(a->fd, POLLOUT, deadline_ms);

			if (w == 0)
				return fail(a->error, sizeof(a->error),
					    "could not write to the container: timed out");
			if (w < 0)
				return fail(a->error, sizeof(a->error),
					    "could not write to the container: %s", strerror(errno));
			continue;
		}
		if (rc != CURLE_OK)
			return fail(a->error, sizeof(a->error), "could not write to the container: %s",
				    curl_easy_strerror(rc));
		p += sent;
		len -= sent;
	}
	return 0;
}

/* One recv into buf: >0 bytes, 0 EOF, -1 error, -2 would block. */
static ssize_t recv_some(struct docker_attach *a, void *buf, size_t len)
{
	size_t got = 0;
	CURLcode rc;

	if (!a->curl) {	/* an adopted socket */
		ssize_t r;

		do
			r = read((int)a->fd, buf, len);
		while (r < 0 && errno == EINTR);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return -2;
		if (r < 0) {
			fail(a->error, sizeof(a->error), "could not read from the container: %s",
			     strerror(errno));
			return -1;
		}
		return r;
	}
	rc = curl_easy_recv(a->curl, buf, len, &got);
	if (rc == CURLE_AGAIN)
		return -2;
	if (rc != CURLE_OK) {
		fail(a->error, sizeof(a->error), "could not read from the container: %s",
		     curl_easy_strerror(rc));
		return -1;
	}
	return (ssize_t)got;
}

/* Read the HTTP response head; leftover stream bytes go to the demultiplexer. */
static int read_upgrade(struct docker_attach *a, int64_t deadline_ms)
{
	char head[HEADERS_CAP + 1];
	size_t have = 0;
	char *end = NULL;
	int code = 0;

	while (!end) {
		ssize_t n;

		if (have == HEADERS_CAP)
			return fail(a->error, sizeof(a->error), "could not attach: response head too long");
		n = recv_some(a, head + have, HEADERS_CAP - have);
		if (n == -2) {
			int w = wait_socket(a->fd, POLLIN, deadline_ms);

			if (w <= 0)
				return fail(a->error, sizeof(a->error), "could not attach: %s",
					    w == 0 ? "timed out" : strerror(errno));
			continue;
		}
		if (n < 0)
			return -1;
		if (n == 0)
			return fail(a->error, sizeof(a->error),
				    "could not attach: dockerd closed the connection");
		have += (size_t)n;
		head[have] = '\0';
		end = strstr(head, "\r\n\r\n");
	}
	if (sscanf(head, "HTTP/1.%*d %d", &code) != 1 || (code != 101 && code != 200)) {
		char *eol = strstr(head, "\r\n");

		if (eol)
			*eol = '\0';
		return fail(a->error, sizeof(a->error), "could not attach: dockerd answered \"%.100s\"",
			    head);
	}
	end += 4;
	if (docker_demux_feed(&a->dm, (const uint8_t *)end, have - (size_t)(end - head),
			      &a->out, &a->err) < 0)
		return fail(a->error, sizeof(a->error), "could not attach: bad stream header");
	return 0;
}

int docker_attach_open(struct docker *d, const char *id, size_t out_cap,
		       int64_t deadline_ms, struct docker_attach *a)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_socket_t fd = CURL_SOCKET_BAD;
	char *req = NULL;
	CURLcode rc;
	int ret = -1;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	docker_demux_init(&a->dm);
	cr_buf_init(&a->out, out_cap);
	cr_buf_init(&a->err, ERR_CAP);
	if (!plain_id(id))
		return fail(a->error, sizeof(a->error), "cannot attach: bad container id");
	a->curl = curl_easy_init();
	if (!a->curl)
		return fail(a->error, sizeof(a->error), "could not create a curl handle");
	curl_easy_setopt(a->curl, CURLOPT_UNIX_SOCKET_PATH, d->socket_path);
	curl_easy_setopt(a->curl, CURLOPT_URL, "http://docker/");
	curl_easy_setopt(a->curl, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(a->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(a->curl, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(a->curl, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(a->curl);
	curl_easy_setopt(a->curl, CURLOPT_ERRORBUFFER, NULL);
	if (rc != CURLE_OK) {
		fail(a->error, sizeof(a->error), "could not connect to dockerd at \"%s\": %s",
		     d->socket_path, errbuf[0] ? errbuf : curl_easy_strerror(rc));
		goto out;
	}
	if (curl_easy_getinfo(a->curl, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK ||
	    fd == CURL_SOCKET_BAD) {
		fail(a->error, sizeof(a->error), "could not attach: no socket");
		goto out;
	}
	a->fd = fd;
	req = cr_xasprintf("POST /v1.41/containers/%s/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\n"
			   "Host: docker\r\n"
			   "Content-Length: 0\r\n"
			   "Connection: Upgrade\r\n"
			   "Upgrade: tcp\r\n\r\n", id);
	if (send_all(a, req, strlen(req), deadline_ms) < 0 || read_upgrade(a, deadline_ms) < 0)
		goto out;
	ret = 0;
out:
	free(req);
	if (ret < 0) {
		curl_easy_cleanup(a->curl);
		a->curl = NULL;
		a->fd = -1;	/* closed with the handle: docker_attach_close() must not */
	}
	return ret;
}

void docker_attach_adopt(struct docker_attach *a, int fd, size_t out_cap)
{
	memset(a, 0, sizeof(*a));
	a->fd = fd;
	docker_demux_init(&a->dm);
	cr_buf_init(&a->out, out_cap);
	cr_buf_init(&a->err, ERR_CAP);
}

int docker_attach_write(struct docker_attach *a, const void *data, size_t len, int64_t deadline_ms)
{
	if (!a->curl && a->fd < 0)
		return fail(a->error, sizeof(a->error), "cannot write: not attached");
	return send_all(a, data, len, deadline_ms);
}

int docker_attach_read_frame(struct docker_attach *a, int64_t deadline_ms, size_t *frame_len)
{
	uint8_t buf[65536];

	if (!a->curl && a->fd < 0)
		return fail(a->error, sizeof(a->error), "cannot read: not attached");
	for (;;) {
		int64_t size = cr_frame_size((const uint8_t *)a->out.data, a->out.len);
		ssize_t n;

		if (a->out.len >= 4 && size < 0)
			return fail(a->error, sizeof(a->error),
				    "the runner wrote a bad frame prefix on stdout");
		if (size > 0 && a->out.len >= (size_t)size) {
			*frame_len = (size_t)size;
			return 1;
		}
		if (a->out.overflowed)
			return fail(a->error, sizeof(a->error), "the runner's frame is too large");
		if (a->eof)
			return fail(a->error, sizeof(a->error),
				    "the container's stream ended before a whole result (%zu bytes)",
				    a->out.len);
		n = recv_some(a, buf, sizeof(buf));
		if (n == -2) {
			int w = wait_socket(a->fd, POLLIN, deadline_ms);

			if (w == 0)
				return 0;
			if (w < 0)
				return fail(a->error, sizeof(a->error), "could not wait for the container: %s",
					    strerror(errno));
			continue;
		}
		if (n < 0)
			return -1;
		if (n == 0) {
			a->eof = true;
			continue;
		}
		if (docker_demux_feed(&a->dm, buf, (size_t)n, &a->out, &a->err) < 0)
			return fail(a->error, sizeof(a->error), "bad multiplexed stream header");
	}
}

void docker_attach_close(struct docker_attach *a)
{
	if (!a)
		return;
	if (a->curl)
		curl_easy_cleanup(a->curl);
	else if (a->fd >= 0)
		close((int)a->fd);	/* adopted: ours */
	a->curl = NULL;
	a->fd = -1;
	cr_buf_release(&a->out);
	cr_buf_release(&a->err);
}
