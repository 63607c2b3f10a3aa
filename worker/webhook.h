/*
 * The delivery process of signed webhooks (issue 13).
 *
 * The supervisor (main.c) forks it when webhook_key is set and restarts it
 * when it dies. It sends the outbox rows (webhook_deliveries) that the
 * worker's finish, give-back and sweep write in the same transaction as a
 * submission's result: webhook_senders threads, each with its own database
 * connection and curl handle, claim one due row at a time in a transaction
 * (FOR UPDATE SKIP LOCKED) that stays open while the row is sent and is
 * committed with the attempt recorded. A process killed mid-send leaves no
 * record and no lock: the row is pending again and is sent again (at least
 * once; receivers deduplicate by CodeRank-Delivery).
 *
 * One attempt: the result document (common/result.h) is rendered, the user's
 * secret unsealed, the URL's host resolved and every address checked
 * (common/destination.h); a refused address fails the delivery at once, with
 * no request made. The request goes to the first checked address only
 * (CURLOPT_RESOLVE), follows no redirect, uses no proxy, verifies TLS, and
 * reads at most WEBHOOK_RESPONSE_MAX bytes of the answer. A 2xx answer
 * delivers; any other answer or none is retried after webhook_backoff_ms(),
 * until webhook_retry_hours after the row was made.
 *
 * The headers of a delivery:
 *   CodeRank-Delivery: <delivery_id>
 *   CodeRank-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 * The secret, the signature and the body are never logged; nor is the URL
 * (a query may carry the receiver's own token): its host is.
 */
#ifndef CR_WORKER_WEBHOOK_H
#define CR_WORKER_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

struct cr_config;
struct sockaddr;

#define WEBHOOK_USER_AGENT "CodeRank-Webhook/1"
#define WEBHOOK_RESPONSE_MAX (64 * 1024)	/* of an answer's body, then the transfer stops */
#define WEBHOOK_BACKOFF_FIRST_MS 1000
#define WEBHOOK_BACKOFF_CAP_MS (3600 * 1000)	/* before the jitter */
/* "t=" 20 digits ",v1=" 64 hex digits, NUL */
#define WEBHOOK_SIGNATURE_MAX 96
/* "host:port:address" of CURLOPT_RESOLVE; a host is at most 255 bytes */
#define WEBHOOK_RESOLVE_MAX 320

/* The process's main; its exit status. Needs curl_global_init() done. */
int webhook_main(const struct cr_config *cfg);

/*
 * The CodeRank-Signature value for body sent at unix time t, signed with
 * secret (its bytes, as the user was given them): "t=<t>,v1=<64 lowercase hex>".
 * 0, or -1 when OpenSSL fails.
 */
int webhook_signature(const void *secret, size_t secret_len, int64_t t, const void *body,
		      size_t body_len, char out[WEBHOOK_SIGNATURE_MAX]);

/*
 * The wait before the next attempt, after attempts (>= 1) failed ones: 1 s,
 * 2 s, 4 s ... doubling, capped at WEBHOOK_BACKOFF_CAP_MS, times a jitter of
 * 0.5 + random01 (random01 in [0, 1)), so that receivers that came back are
 * not hit by every retry at once.
 */
int64_t webhook_backoff_ms(int attempts, double random01);

/*
 * The CURLOPT_RESOLVE entry that pins host:port to sa: "host:port:1.2.3.4" or
 * "host:port:[2001:db8::1]". -1 when sa is not AF_INET/AF_INET6 or out is short.
 */
int webhook_resolve_entry(const char *host, int port, const struct sockaddr *sa, char *out,
			  size_t outlen);

/* What an attempt comes to. */
enum webhook_outcome {
	WEBHOOK_DELIVERED,	/* a 2xx answer */
	WEBHOOK_RETRY,		/* another answer, or none: again after a backoff */
	WEBHOOK_FAILED,		/* cannot be delivered as it is (refused, no secret): failed now */
};

/*
 * An HTTP answer's outcome: 2xx delivered, anything else retried, with why
 * (for last_error): "HTTP 500", "redirect not followed (HTTP 302)".
 */
enum webhook_outcome webhook_judge_status(long status, char *why, size_t whylen);

#endif
