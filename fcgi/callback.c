/* Checking a callback_url when it is submitted (see callback.h). */
#include "config.h"

#include <ctype.h>
#include <curl/curl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/conf.h"
#include "common/destination.h"
#include "fcgi/callback.h"

__attribute__((format(printf, 2, 3)))
static int refuse(struct verr *e, const char *fmt, ...)
{
	va_list ap;

	e->status = 400;
	e->code = "validation_failed";
	e->field = "callback_url";
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* Is host (no brackets) an IP address, and may a webhook go there? NULL: yes, or a name. */
static const char *literal_refused(const char *host, const struct cr_config *cfg, char *addr,
				   size_t addrlen)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	const char *why;

	if (getaddrinfo(host, NULL, &hints, &ai) != 0)
		return NULL;	/* a name: checked when delivered */
	why = cr_destination_refused(ai->ai_addr, &cfg->webhook_allow);
	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, (socklen_t)addrlen, NULL, 0,
			NI_NUMERICHOST) != 0)
		snprintf(addr, addrlen, "%s", host);
	freeaddrinfo(ai);
	return why;
}

static int check_parts(CURLU *u, const struct cr_config *cfg, char *host, size_t hostlen,
		       struct verr *e)
{
	char *scheme = NULL, *user = NULL, *h = NULL, addr[64];
	const char *why;
	size_t n;
	int rc = -1;

	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "https") != 0 && (strcmp(scheme, "http") != 0 || !cfg->webhook_allow_http))) {
		refuse(e, cfg->webhook_allow_http ? "callback_url must be an https or http URL"
						  : "callback_url must be an https URL");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) != CURLUE_NO_USER) {
		refuse(e, "callback_url must not carry a user name or password");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || !*h) {
		refuse(e, "callback_url has no host");
		goto out;
	}
	n = strlen(h);
	if (h[0] == '[' && n > 2 && h[n - 1] == ']') {	/* an IPv6 literal */
		memmove(h, h + 1, n - 2);
		h[n - 2] = '\0';
	}
	if (strlen(h) >= hostlen || strlen(h) >= CALLBACK_HOST_MAX) {
		refuse(e, "callback_url's host is too long");
		goto out;
	}
	why = literal_refused(h, cfg, addr, sizeof(addr));
	if (why) {
		refuse(e, "callback_url may not point at %s (%s); the operator may allow it "
			  "with webhook_allow", addr, why);
		goto out;
	}
	for (char *p = h; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	snprintf(host, hostlen, "%s", h);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(user);
	curl_free(h);
	return rc;
}

int callback_check(const struct v_str *url, const struct cr_config *cfg, char *host,
		   size_t hostlen, struct verr *e)
{
	const char *sep;
	CURLU *u;
	int rc;

	if (!cfg->webhook_key || !*cfg->webhook_key)
		return refuse(e, "webhooks are not enabled on this server (no webhook_key)");
	if (url->len == 0 || url->len > CALLBACK_URL_MAX)
		return refuse(e, "callback_url must be 1 to %d bytes", CALLBACK_URL_MAX);
	for (size_t i = 0; i < url->len; i++)
		if ((unsigned char)url->s[i] <= ' ' || url->s[i] == 0x7f)
			return refuse(e, "callback_url must not contain spaces or control characters");
	/* curl reads "https:///x" as host "x": say what was meant instead */
	sep = memmem(url->s, url->len, "://", 3);
	if (!sep || sep[3] == '/' || sep[3] == '\0')
		return refuse(e, "callback_url is not an absolute URL with a host");
	u = curl_url();
	if (!u)
		return refuse(e, "callback_url could not be checked");
	/* no default scheme, no guessing: an absolute URL or nothing */
	if (curl_url_set(u, CURLUPART_URL, url->s, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
		rc = refuse(e, "callback_url is not an absolute URL with a host");
	else
		rc = check_parts(u, cfg, host, hostlen, e);
	curl_url_cleanup(u);
	return rc;
}
