/*
 * A submission's callback_url (webhooks, issue 13), checked when it is
 * submitted: an absolute https URL (http too with webhook_allow_http), with a
 * host and no credentials, at most CALLBACK_URL_MAX bytes; a host that is an
 * IP address (in any spelling: curl normalizes 2130706433 and 0177.1 too)
 * must be one a webhook may go to (common/destination.h). A host name is
 * resolved and checked when the result is delivered (worker/webhook.c), and
 * the connection pinned to the checked address, so that no request waits for
 * DNS and DNS cannot change the answer in between.
 */
#ifndef CR_FCGI_CALLBACK_H
#define CR_FCGI_CALLBACK_H

#include <stddef.h>

#include "fcgi/validate.h"

struct cr_config;

#define CALLBACK_URL_MAX 2048
#define CALLBACK_HOST_MAX 256
/* Seconds a client waits after too many pending deliveries (429). */
#define CALLBACK_RETRY_AFTER 10

/* 0 with the URL's host (lower case, IPv6 without brackets) in host; -1 with e (400). */
int callback_check(const struct v_str *url, const struct cr_config *cfg, char *host,
		   size_t hostlen, struct verr *e);

#endif
