/*
 * The delivery process of signed webhooks (see webhook.h).
 *
 * Theory of operation. The main thread LISTENs on cr_webhook (the finish
 * statement notifies each new delivery id at commit) and wakes the senders;
 * the senders also look every WAKE_EVERY_MS for rows whose retry is due. A
 * sender's loop: BEGIN, claim one due pending row (FOR UPDATE SKIP LOCKED, so
 * senders of every worker share the outbox), render the body, unseal the
 * secret, resolve and check, send, record the attempt, COMMIT. The claim's
 * transaction is open while the request is made: a process that dies
 * mid-send loses its connection, PostgreSQL rolls back, and the row is due
 * again as it was. The transaction is bounded by the DNS look-up and the
 * request's timeouts.
 *
 * A receiver that is down must not take every sender: each host has at most
 * webhook_host_concurrency deliveries at once in this process. The claim
 * skips the hosts that are full (a count per host, under the lock), and a
 * sender that finds its claimed host filled meanwhile rolls back and claims
 * again.
 *
 * The connection goes where the check said: the host is resolved here, every
 * address checked, and curl is given the first one (CURLOPT_RESOLVE) instead
 * of resolving again, so a name that answers a public address to the check
 * and 127.0.0.1 to the connect (DNS rebinding) gets nowhere. Connections are
 * not reused between deliveries: each is made to an address checked for it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "common/conf.h"
#include "common/db.h"
#include "common/destination.h"
#include "common/log.h"
#include "common/result.h"
#include "common/seal.h"
#include "common/timefmt.h"
#include "common/xalloc.h"
#include "worker/queue.h"
#include "worker/stopsig.h"
#include "worker/webhook.h"

/* CURLOPT_PROTOCOLS_STR: without it the scheme could not be restricted; refuse to build */
#if LIBCURL_VERSION_NUM < 0x075500
#error "webhooks need libcurl 7.85 or later"
#endif

#define WAKE_EVERY_MS 1000	/* senders look for due retries this often */
#define ERROR_WAIT_MS 1000	/* after a database failure */
#define LISTEN_WAIT_MS 5000
#define ERROR_MAX 400		/* bytes of last_error */

/* Set when the next attempt would come after the retry window ($4 ms, $5 hours). */
#define GIVE_UP \
	"clock_timestamp() + make_interval(secs => $4::float8 / 1000) > " \
	"created_at + make_interval(hours => $5::int)"

/*
 * Every record is fenced on status = 'pending': the row is locked by our
 * claim, so it holds, but a record must never revive a finished delivery.
 * last_attempt_at is when the attempt began (the claim's transaction);
 * next_attempt_at counts from its end.
 */
static const struct cr_db_stmt webhook_stmts[] = {
	{ "webhook_claim",
	  "SELECT delivery_id::text, submission_id::text, user_id::text, url, host, attempts "
	  "FROM webhook_deliveries "
	  "WHERE status = 'pending' AND next_attempt_at <= now() "
	  "  AND NOT (host = ANY ($1::text[])) "
	  "ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED",
	  1 },
	{ "webhook_result",
	  "SELECT " CR_RESULT_COLS " FROM code_submissions s" CR_RESULT_JOINS
	  " WHERE s.submission_id = $1::uuid",
	  1 },
	{ "webhook_tests", CR_TESTS_SQL, 1 },
	{ "webhook_secret",
	  "SELECT webhook_secret FROM users WHERE user_id = $1::uuid",
	  1 },
	{ "webhook_delivered",
	  "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, "
	  "       last_attempt_at = now(), last_status = $2::int, last_error = NULL, "
	  "       delivered_at = clock_timestamp() "
	  "WHERE delivery_id = $1::uuid AND status = 'pending'",
	  2 },
	{ "webhook_retry",
	  "UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = now(), "
	  "       last_status = $2::int, "
	  "       next_attempt_at = clock_timestamp() + make_interval(secs => $4::float8 / 1000), "
	  "       status = CASE WHEN " GIVE_UP " THEN 'failed' ELSE 'pending' END, "
	  "       last_error = CASE WHEN " GIVE_UP " THEN 'gave up after ' || (attempts + 1) || "
	  "                    CASE WHEN attempts = 0 THEN ' attempt: ' ELSE ' attempts: ' END || $3 "
	  "                    ELSE $3 END "
	  "WHERE delivery_id = $1::uuid AND status = 'pending' "
	  "RETURNING status",
	  5 },
	{ "webhook_failed",
	  "UPDATE webhook_deliveries SET status = 'failed', attempts = attempts + 1, "
	  "       last_attempt_at = now(), last_status = $2::int, last_error = $3 "
	  "WHERE delivery_id = $1::uuid AND status = 'pending'",
	  3 },
	{ NULL, NULL, 0 },
};

struct host_use {
	char *host;
	int n;			/* deliveries to it in progress */
};

/* Shared by the main thread and the senders. */
struct webhook {
	const struct cr_config *cfg;
	unsigned char key[CR_SEAL_KEY_BYTES];
	pthread_mutex_t lock;	/* guards what follows, but stop */
	pthread_cond_t wake;
	unsigned long generation;	/* bumped by each wake-up: a NOTIFY, a freed host, a stop */
	struct host_use *hosts;
	size_t nhosts;
	int stop;		/* atomic: curl's progress callback reads it */
};

struct sender {
	struct webhook *wh;
	int index;
	struct cr_db db;
	CURL *curl;
	pthread_t thread;
	bool running;
};

/* A claimed row. */
struct delivery {
	char *id, *submission, *user, *url, *host;
	int attempts;		/* made before this one */
};

/* What one attempt came to, for the record and the log. */
struct attempt {
	enum webhook_outcome outcome;
	long status;		/* the HTTP answer's; 0: none */
	char error[ERROR_MAX];
	int64_t latency_ms;	/* of the request; 0: none was made */
};

enum claim { CLAIM_GOT, CLAIM_NONE, CLAIM_HOST_FULL, CLAIM_ERROR };

/* --- pure helpers (webhook.h) ------------------------------------------------------- */

int webhook_signature(const void *secret, size_t secret_len, int64_t t, const void *body,
		      size_t body_len, char out[WEBHOOK_SIGNATURE_MAX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	char prefix[32];
	struct cr_buf msg;
	int n, rc = -1;

	n = snprintf(prefix, sizeof(prefix), "%" PRId64 ".", t);
	cr_buf_init(&msg, 0);
	cr_buf_grow(&msg, (size_t)n + body_len);
	cr_buf_add(&msg, prefix, (size_t)n);
	cr_buf_add(&msg, body, body_len);
	if (HMAC(EVP_sha256(), secret, (int)secret_len, (const unsigned char *)msg.data, msg.len,
		 mac, &mac_len) && mac_len == 32) {
		n = snprintf(out, WEBHOOK_SIGNATURE_MAX, "t=%" PRId64 ",v1=", t);
		for (unsigned int i = 0; i < mac_len; i++) {
			out[n++] = hex[mac[i] >> 4];
			out[n++] = hex[mac[i] & 15];
		}
		out[n] = '\0';
		rc = 0;
	}
	OPENSSL_cleanse(mac, sizeof(mac));
	cr_buf_release(&msg);
	return rc;
}

int64_t webhook_backoff_ms(int attempts, double random01)
{
	int64_t base = WEBHOOK_BACKOFF_FIRST_MS;

	for (int i = 1; i < attempts && base < WEBHOOK_BACKOFF_CAP_MS; i++)
		base *= 2;
	if (base > WEBHOOK_BACKOFF_CAP_MS)
		base = WEBHOOK_BACKOFF_CAP_MS;
	if (!(random01 >= 0.0 && random01 < 1.0))	/* NaN too */
		random01 = 0.5;
	return (int64_t)((double)base * (0.5 + random01));
}

int webhook_resolve_entry(const char *host, int port, const struct sockaddr *sa, char *out,
			  size_t outlen)
{
	char addr[INET6_ADDRSTRLEN];
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	int n;

	if (sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));
		inet_ntop(AF_INET, &sin.sin_addr, addr, sizeof(addr));
		n = snprintf(out, outlen, "%s:%d:%s", host, port, addr);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(&sin6, sa, sizeof(sin6));
		inet_ntop(AF_INET6, &sin6.sin6_addr, addr, sizeof(addr));
		n = snprintf(out, outlen, "%s:%d:[%s]", host, port, addr);
	} else {
		return -1;
	}
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

enum webhook_outcome webhook_judge_status(long status, char *why, size_t whylen)
{
	if (status >= 200 && status <= 299) {
		snprintf(why, whylen, "HTTP %ld", status);
		return WEBHOOK_DELIVERED;
	}
	if (status >= 300 && status <= 399)
		snprintf(why, whylen, "redirect not followed (HTTP %ld)", status);
	else
		snprintf(why, whylen, "HTTP %ld", status);
	return WEBHOOK_RETRY;
}

/* --- the shared state ------------------------------------------------------------- */

static bool stopping(struct webhook *wh)
{
	return __atomic_load_n(&wh->stop, __ATOMIC_SEQ_CST) != 0;
}

static void wake_all(struct webhook *wh)
{
	pthread_mutex_lock(&wh->lock);
	wh->generation++;
	pthread_cond_broadcast(&wh->wake);
	pthread_mutex_unlock(&wh->lock);
}

static unsigned long generation(struct webhook *wh)
{
	unsigned long g;

	pthread_mutex_lock(&wh->lock);
	g = wh->generation;
	pthread_mutex_unlock(&wh->lock);
	return g;
}

/*
 * Sleep up to ms, or until a wake-up after seen (when any_wake), or a stop.
 * After a database failure a NOTIFY is no reason to hurry: any_wake false.
 */
static void wait_wake(struct webhook *wh, unsigned long seen, int ms, bool any_wake)
{
	struct timespec until;

	cr_monotonic_after(&until, ms);
	pthread_mutex_lock(&wh->lock);
	while (!stopping(wh) && (!any_wake || wh->generation == seen))
		if (pthread_cond_timedwait(&wh->wake, &wh->lock, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&wh->lock);
}

static struct host_use *host_find(struct webhook *wh, const char *host)
{
	for (size_t i = 0; i < wh->nhosts; i++)
		if (strcmp(wh->hosts[i].host, host) == 0)
			return &wh->hosts[i];
	return NULL;
}

/* Append s to a text[] literal, quoted: hosts are the API's, but never trusted here. */
static void array_add(struct cr_buf *b, const char *s)
{
	if (b->len > 1)
		cr_buf_addch(b, ',');
	cr_buf_addch(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			cr_buf_addch(b, '\\');
		cr_buf_addch(b, *s);
	}
	cr_buf_addch(b, '"');
}

/* The hosts that are full, as a text[] literal for the claim. */
static void hosts_full(struct webhook *wh, struct cr_buf *out)
{
	cr_buf_addch(out, '{');
	pthread_mutex_lock(&wh->lock);
	for (size_t i = 0; i < wh->nhosts; i++)
		if (wh->hosts[i].n >= wh->cfg->webhook_host_concurrency)
			array_add(out, wh->hosts[i].host);
	pthread_mutex_unlock(&wh->lock);
	cr_buf_addch(out, '}');
}

/* Take one of host's places; false when it filled up since the claim's look. */
static bool host_take(struct webhook *wh, const char *host)
{
	struct host_use *h;
	bool ok = true;

	pthread_mutex_lock(&wh->lock);
	h = host_find(wh, host);
	if (!h) {
		wh->hosts = cr_xrealloc(wh->hosts, (wh->nhosts + 1) * sizeof(*wh->hosts));
		h = &wh->hosts[wh->nhosts++];
		h->host = cr_xstrdup(host);
		h->n = 0;
	}
	if (h->n >= wh->cfg->webhook_host_concurrency)
		ok = false;
	else
		h->n++;
	pthread_mutex_unlock(&wh->lock);
	return ok;
}

/* Give a place back; a sender that skipped the host may claim its rows now. */
static void host_release(struct webhook *wh, const char *host)
{
	struct host_use *h;

	pthread_mutex_lock(&wh->lock);
	h = host_find(wh, host);
	if (h && --h->n <= 0) {
		free(h->host);
		*h = wh->hosts[--wh->nhosts];
	}
	wh->generation++;
	pthread_cond_broadcast(&wh->wake);
	pthread_mutex_unlock(&wh->lock);
}

/* --- one attempt -------------------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static void set_outcome(struct attempt *a, enum webhook_outcome o, const char *fmt, ...)
{
	va_list ap;

	a->outcome = o;
	va_start(ap, fmt);
	vsnprintf(a->error, sizeof(a->error), fmt, ap);
	va_end(ap);
}

static void delivery_free(struct delivery *d)
{
	free(d->id);
	free(d->submission);
	free(d->user);
	free(d->url);
	free(d->host);
	memset(d, 0, sizeof(*d));
}

/* The claim, in the caller's transaction; CLAIM_GOT holds a place of d->host. */
static enum claim claim(struct sender *s, struct delivery *d)
{
	struct cr_buf full;
	const char *p[1];
	PGresult *r;
	enum claim c = CLAIM_NONE;

	cr_buf_init(&full, 0);
	hosts_full(s->wh, &full);
	p[0] = full.data;
	r = cr_db_exec(&s->db, "webhook_claim", 1, p, NULL, NULL, 0, NULL);
	cr_buf_release(&full);
	if (!r)
		return CLAIM_ERROR;
	if (PQntuples(r) == 1) {
		d->id = cr_xstrdup(PQgetvalue(r, 0, 0));
		d->submission = cr_xstrdup(PQgetvalue(r, 0, 1));
		d->user = cr_xstrdup(PQgetvalue(r, 0, 2));
		d->url = cr_xstrdup(PQgetvalue(r, 0, 3));
		d->host = cr_xstrdup(PQgetvalue(r, 0, 4));
		d->attempts = pgv_int(r, 0, 5);
		c = host_take(s->wh, d->host) ? CLAIM_GOT : CLAIM_HOST_FULL;
	}
	PQclear(r);
	return c;
}

/* The body: GET /execute/{id}'s document, as it is now. -1: a database failure. */
static int render(struct sender *s, const struct delivery *d, struct cr_buf *body)
{
	const char *p[1] = { d->submission };
	PGresult *r, *t = NULL;
	struct json_object *o;
	char ids[48];
	int rc = -1;

	r = cr_db_exec(&s->db, "webhook_result", 1, p, NULL, NULL, 0, NULL);
	if (!r)
		return -1;
	if (PQntuples(r) != 1) {
		cr_error("submission %s of delivery %s is gone", d->submission, d->id);
		goto out;
	}
	if (!PQgetisnull(r, 0, RC_TESTS_TOTAL)) {
		snprintf(ids, sizeof(ids), "{%s}", d->submission);
		p[0] = ids;
		t = cr_db_exec(&s->db, "webhook_tests", 1, p, NULL, NULL, 0, NULL);
		if (!t)
			goto out;
	}
	o = cr_result_json(r, 0, 0, t);
	cr_buf_addstr(body, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	rc = 0;
out:
	PQclear(t);
	PQclear(r);
	return rc;
}

/*
 * The user's secret, unsealed into secret. -1: a database failure; 0 with
 * a->outcome WEBHOOK_FAILED when there is none that opens.
 */
static int read_secret(struct sender *s, const struct delivery *d, struct cr_buf *secret,
		       struct attempt *a)
{
	const char *p[1] = { d->user };
	PGresult *r = cr_db_exec(&s->db, "webhook_secret", 1, p, NULL, NULL, 1, NULL);

	if (!r)
		return -1;
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0))
		set_outcome(a, WEBHOOK_FAILED, "the user has no webhook secret "
			    "(POST /api/v1/webhooks/secret makes one)");
	else if (cr_unseal(s->wh->key, d->user, PQgetvalue(r, 0, 0),
			   (size_t)PQgetlength(r, 0, 0), secret) < 0)
		set_outcome(a, WEBHOOK_FAILED, "the user's webhook secret cannot be opened "
			    "(webhook_key changed?); make a new one");
	PQclear(r);
	return 0;
}

/* Where to connect, from the URL as curl parses it. */
struct target {
	CURLU *url;
	char *scheme, *host;	/* host without the brackets of an IPv6 literal */
	bool ipv6_literal;
	int port;
	char pin[WEBHOOK_RESOLVE_MAX];	/* "host:port:address"; "" for an IPv6 literal */
	char unpin[WEBHOOK_RESOLVE_MAX];	/* "-host:port": out of the handle's cache */
};

static void target_free(struct target *t)
{
	curl_url_cleanup(t->url);
	curl_free(t->scheme);
	free(t->host);
	memset(t, 0, sizeof(*t));
}

/*
 * Parse the URL (the API checked it; the configuration may have changed
 * since). -1 with a->outcome WEBHOOK_FAILED when it cannot be sent to.
 */
static int parse_target(const struct webhook *wh, const char *url, struct target *t,
			struct attempt *a)
{
	char *host = NULL, *port = NULL, *user = NULL;
	int rc = -1;
	size_t n;

	t->url = curl_url();
	if (!t->url)
		cr_die("out of memory");
	if (curl_url_set(t->url, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(t->url, CURLUPART_SCHEME, &t->scheme, 0) != CURLUE_OK ||
	    curl_url_get(t->url, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(t->url, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		set_outcome(a, WEBHOOK_FAILED, "the callback URL cannot be parsed");
		goto out;
	}
	if (strcmp(t->scheme, "https") != 0 &&
	    (strcmp(t->scheme, "http") != 0 || !wh->cfg->webhook_allow_http)) {
		set_outcome(a, WEBHOOK_FAILED, "scheme \"%s\" is not allowed", t->scheme);
		goto out;
	}
	if (curl_url_get(t->url, CURLUPART_USER, &user, 0) != CURLUE_NO_USER) {
		set_outcome(a, WEBHOOK_FAILED, "the callback URL carries credentials");
		goto out;
	}
	n = strlen(host);
	t->ipv6_literal = n > 2 && host[0] == '[' && host[n - 1] == ']';
	t->host = t->ipv6_literal ? cr_xstrndup(host + 1, n - 2) : cr_xstrdup(host);
	t->port = atoi(port);
	if (n > 255 || t->port <= 0 || t->port > 65535) {
		set_outcome(a, WEBHOOK_FAILED, "the callback URL's host or port is invalid");
		goto out;
	}
	rc = 0;
out:
	curl_free(host);
	curl_free(port);
	curl_free(user);
	return rc;
}

/*
 * Resolve t's host and check every address; pin the first. -1 with the
 * outcome set: a refusal fails the delivery, a failed look-up is retried.
 */
static int check_target(const struct webhook *wh, struct target *t, struct attempt *a)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	char addr[NI_MAXHOST];
	int err;

	err = getaddrinfo(t->host, NULL, &hints, &ai);
	if (err) {
		set_outcome(a, WEBHOOK_RETRY, "could not resolve \"%s\": %s", t->host,
			    gai_strerror(err));
		return -1;
	}
	for (struct addrinfo *i = ai; i; i = i->ai_next) {
		const char *why = cr_destination_refused(i->ai_addr, &wh->cfg->webhook_allow);

		if (!why)
			continue;
		if (getnameinfo(i->ai_addr, i->ai_addrlen, addr, sizeof(addr), NULL, 0,
				NI_NUMERICHOST) != 0)
			snprintf(addr, sizeof(addr), "?");
		if (strcmp(addr, t->host) == 0)
			set_outcome(a, WEBHOOK_FAILED, "refused: %s (%s); set webhook_allow to "
				    "allow it", addr, why);
		else
			set_outcome(a, WEBHOOK_FAILED, "refused: %s resolves to %s (%s); set "
				    "webhook_allow to allow it", t->host, addr, why);
		freeaddrinfo(ai);
		return -1;
	}
	/*
	 * An IPv6 literal is not looked up by curl, and its form ([::1]) is not
	 * one CURLOPT_RESOLVE can name: the URL itself is the pin.
	 */
	if (!t->ipv6_literal &&
	    (webhook_resolve_entry(t->host, t->port, ai->ai_addr, t->pin, sizeof(t->pin)) < 0 ||
	     snprintf(t->unpin, sizeof(t->unpin), "-%s:%d", t->host, t->port) < 0)) {
		freeaddrinfo(ai);
		set_outcome(a, WEBHOOK_FAILED, "the callback URL's host is invalid");
		return -1;
	}
	freeaddrinfo(ai);
	return 0;
}

struct transfer {
	struct webhook *wh;
	size_t received;	/* bytes of the answer's body */
};

/* The answer's body is not wanted: count it, and stop past WEBHOOK_RESPONSE_MAX. */
static size_t discard(char *data, size_t size, size_t nmemb, void *arg)
{
	struct transfer *x = arg;

	(void)data;
	x->received += size * nmemb;
	return x->received > WEBHOOK_RESPONSE_MAX ? 0 : size * nmemb;
}

/* A stop request ends a transfer now: it is rolled back, not recorded. */
static int progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		    curl_off_t ulnow)
{
	struct transfer *x = arg;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return stopping(x->wh) ? 1 : 0;
}

static struct curl_slist *append(struct curl_slist *l, const char *line)
{
	struct curl_slist *n = curl_slist_append(l, line);

	if (!n)
		cr_die("out of memory");
	return n;
}

static struct curl_slist *add_header(struct curl_slist *l, const char *name, const char *value)
{
	char line[256];

	snprintf(line, sizeof(line), "%s: %s", name, value);
	return append(l, line);
}

static void set_options(struct sender *s, const struct target *t, const struct cr_buf *body,
			struct curl_slist *headers, struct curl_slist *pins, struct transfer *x,
			char *errbuf)
{
	const struct cr_config *cfg = s->wh->cfg;
	const char *protocols = cfg->webhook_allow_http ? "http,https" : "https";
	CURL *c = s->curl;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_CURLU, t->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)cfg->webhook_connect_timeout_seconds);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)cfg->webhook_timeout_seconds);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	if (pins)
		curl_easy_setopt(c, CURLOPT_RESOLVE, pins);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
}

/* Why a transfer without an answer failed, for last_error; before the handle's reset. */
static void describe_failure(struct sender *s, CURLcode rc, const char *errbuf,
			     struct attempt *a)
{
	const struct cr_config *cfg = s->wh->cfg;
	const char *detail = *errbuf ? errbuf : curl_easy_strerror(rc);
	curl_off_t connected = 0;

	curl_easy_getinfo(s->curl, CURLINFO_CONNECT_TIME_T, &connected);
	if (rc == CURLE_OPERATION_TIMEDOUT && connected <= 0)
		set_outcome(a, WEBHOOK_RETRY, "could not connect within %d s",
			    cfg->webhook_connect_timeout_seconds);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		set_outcome(a, WEBHOOK_RETRY, "timed out after %d s", cfg->webhook_timeout_seconds);
	else if (rc == CURLE_COULDNT_CONNECT)
		set_outcome(a, WEBHOOK_RETRY, "could not connect: %s", detail);
	else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
		 rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM)
		set_outcome(a, WEBHOOK_RETRY, "TLS: %s", detail);
	else if (rc == CURLE_GOT_NOTHING)
		set_outcome(a, WEBHOOK_RETRY, "the receiver closed the connection without an answer");
	else
		set_outcome(a, WEBHOOK_RETRY, "%s", detail);
}

/*
 * POST the body, signed. Whatever answer came (a status line and headers)
 * decides, even when the body was cut or timed out after it: the body is
 * not read anyway. Returns -1 when a stop ended the transfer.
 */
static int post(struct sender *s, const struct delivery *d, const struct target *t,
		const struct cr_buf *body, const char *signature, struct attempt *a)
{
	struct curl_slist *headers = NULL, *pins = NULL;
	struct transfer x = { .wh = s->wh };
	char errbuf[CURL_ERROR_SIZE] = "";
	int64_t start = cr_monotonic_ms();
	long status = 0;
	CURLcode rc;

	headers = add_header(headers, "Content-Type", "application/json");
	headers = add_header(headers, "User-Agent", WEBHOOK_USER_AGENT);
	headers = add_header(headers, "CodeRank-Delivery", d->id);
	headers = add_header(headers, "CodeRank-Signature", signature);
	headers = append(headers, "Expect:");	/* no 100-continue round trip for a large body */
	if (*t->pin) {
		/* the handle's DNS cache keeps pins: the last delivery's goes first */
		pins = append(pins, t->unpin);
		pins = append(pins, t->pin);
	}
	set_options(s, t, body, headers, pins, &x, errbuf);
	rc = curl_easy_perform(s->curl);
	a->latency_ms = cr_monotonic_ms() - start;
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200) {
		a->status = status;
		a->outcome = webhook_judge_status(status, a->error, sizeof(a->error));
	} else {
		describe_failure(s, rc, errbuf, a);
	}
	/* the handle must not keep pointers to what is freed here */
	curl_easy_reset(s->curl);
	curl_slist_free_all(headers);
	curl_slist_free_all(pins);
	return rc == CURLE_ABORTED_BY_CALLBACK ? -1 : 0;
}

/*
 * Sign and send the body: sets a. -1 when a stop ended the transfer.
 * secret is wiped by the caller.
 */
static int send_signed(struct sender *s, const struct delivery *d, const struct cr_buf *body,
		       const struct cr_buf *secret, struct attempt *a)
{
	char signature[WEBHOOK_SIGNATURE_MAX];
	struct target t;
	int rc = 0;

	memset(&t, 0, sizeof(t));
	if (parse_target(s->wh, d->url, &t, a) < 0 || check_target(s->wh, &t, a) < 0)
		goto out;
	if (webhook_signature(secret->data, secret->len, cr_now(), body->data, body->len,
			      signature) < 0) {
		set_outcome(a, WEBHOOK_RETRY, "could not sign the body");
		goto out;
	}
	rc = post(s, d, &t, body, signature, a);
	OPENSSL_cleanse(signature, sizeof(signature));
out:
	target_free(&t);
	return rc;
}

/* Render, unseal, send: sets a. -1: a database failure or a stop, roll back. */
static int attempt(struct sender *s, const struct delivery *d, struct attempt *a)
{
	struct cr_buf body, secret;
	int rc = -1;

	cr_buf_init(&body, 0);
	cr_buf_init(&secret, 0);
	memset(a, 0, sizeof(*a));
	a->outcome = WEBHOOK_RETRY;
	if (render(s, d, &body) < 0 || read_secret(s, d, &secret, a) < 0)
		goto out;
	if (a->outcome == WEBHOOK_FAILED)
		rc = 0;
	else
		rc = send_signed(s, d, &body, &secret, a);
out:
	if (secret.alloc)
		OPENSSL_cleanse(secret.data, secret.alloc);
	cr_buf_release(&secret);
	cr_buf_release(&body);
	return rc;
}

/* --- the record --------------------------------------------------------------------- */

static double random01(void)
{
	uint32_t r;

	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		return 0.5;
	return (double)r / 4294967296.0;
}

/* Record a, in the claim's transaction. -1: a database failure. */
static int record(struct sender *s, const struct delivery *d, const struct attempt *a)
{
	char status[16], backoff[24], hours[16];
	const char *p[5] = { d->id, a->status ? status : NULL, a->error, backoff, hours };
	int64_t wait = webhook_backoff_ms(d->attempts + 1, random01());
	const char *what = "delivered";
	PGresult *r;

	snprintf(status, sizeof(status), "%ld", a->status);
	snprintf(backoff, sizeof(backoff), "%" PRId64, wait);
	snprintf(hours, sizeof(hours), "%d", s->wh->cfg->webhook_retry_hours);
	if (a->outcome == WEBHOOK_DELIVERED)
		r = cr_db_exec(&s->db, "webhook_delivered", 2, p, NULL, NULL, 0, NULL);
	else if (a->outcome == WEBHOOK_FAILED)
		r = cr_db_exec(&s->db, "webhook_failed", 3, p, NULL, NULL, 0, NULL);
	else
		r = cr_db_exec(&s->db, "webhook_retry", 5, p, NULL, NULL, 0, NULL);
	if (!r)
		return -1;
	if (a->outcome == WEBHOOK_FAILED)
		what = "failed";
	else if (a->outcome == WEBHOOK_RETRY)
		what = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "failed") == 0
		       ? "gave up" : "will retry";
	PQclear(r);
	if (a->outcome == WEBHOOK_DELIVERED)
		cr_info("delivered: status=%ld latency_ms=%" PRId64, a->status, a->latency_ms);
	else if (strcmp(what, "will retry") == 0)
		cr_warn("not delivered, will retry: status=%s latency_ms=%" PRId64
			" retry_in_ms=%" PRId64 " error=\"%s\"", a->status ? status : "none",
			a->latency_ms, wait, a->error);
	else
		cr_warn("not delivered, %s: status=%s latency_ms=%" PRId64 " error=\"%s\"", what,
			a->status ? status : "none", a->latency_ms, a->error);
	return 0;
}

/* --- a sender ----------------------------------------------------------------------- */

static void set_context(const struct sender *s, const struct delivery *d)
{
	char ctx[400];

	if (d)
		snprintf(ctx, sizeof(ctx), "webhook=%d delivery=%s sub=%s host=%s attempt=%d",
			 s->index, d->id, d->submission, d->host, d->attempts + 1);
	else
		snprintf(ctx, sizeof(ctx), "webhook=%d", s->index);
	cr_log_set_context(ctx);
}

/*
 * One delivery, claim to commit: this function owns the transaction. A
 * database failure or a stop rolls it back, and the row is due again.
 */
static enum claim deliver_one(struct sender *s)
{
	struct delivery d;
	struct attempt a;
	enum claim c;

	memset(&d, 0, sizeof(d));
	if (cr_db_command(&s->db, "BEGIN") < 0)
		return CLAIM_ERROR;
	c = claim(s, &d);
	if (c != CLAIM_GOT) {
		cr_db_command(&s->db, "ROLLBACK");
		delivery_free(&d);
		return c;
	}
	set_context(s, &d);
	if (attempt(s, &d, &a) < 0 || record(s, &d, &a) < 0 ||
	    cr_db_command(&s->db, "COMMIT") < 0) {
		if (!stopping(s->wh))
			cr_warn("attempt not recorded: the delivery stays pending");
		cr_db_command(&s->db, "ROLLBACK");
		c = CLAIM_ERROR;
	}
	host_release(s->wh, d.host);
	delivery_free(&d);
	set_context(s, NULL);
	return c;
}

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	struct webhook *wh = s->wh;

	set_context(s, NULL);
	while (!stopping(wh)) {
		unsigned long seen = generation(wh);

		if (cr_db_ensure(&s->db) < 0) {
			wait_wake(wh, seen, ERROR_WAIT_MS, false);
			continue;
		}
		switch (deliver_one(s)) {
		case CLAIM_GOT:
		case CLAIM_HOST_FULL:
			break;	/* maybe more is due: claim again at once */
		case CLAIM_NONE:
			wait_wake(wh, seen, WAKE_EVERY_MS, true);
			break;
		case CLAIM_ERROR:
			wait_wake(wh, seen, ERROR_WAIT_MS, false);
			break;
		}
	}
	cr_db_close(&s->db);
	return NULL;
}

/* --- the process -------------------------------------------------------------------- */

static void drain_notifications(struct cr_db *db, struct webhook *wh)
{
	PGnotify *n;
	int got = 0;

	if (!PQconsumeInput(db->conn)) {
		db->broken = true;
		return;
	}
	while ((n = PQnotifies(db->conn)) != NULL) {
		PQfreemem(n);	/* the id is not needed: the claim decides */
		got++;
	}
	if (got)
		wake_all(wh);
}

/* The main thread: LISTEN, and wake the senders for each new delivery, until a stop. */
static void listen_loop(struct webhook *wh)
{
	struct cr_db db;
	PGconn *listening = NULL;

	cr_db_init(&db, wh->cfg->database_url, NULL);
	while (!stopsig_requested()) {
		if (cr_db_ensure(&db) < 0) {
			stopsig_wait(-1, ERROR_WAIT_MS);
			continue;
		}
		if (listening != db.conn) {
			if (cr_db_command(&db, "LISTEN " QUEUE_CHANNEL_WEBHOOK) < 0) {
				stopsig_wait(-1, ERROR_WAIT_MS);
				continue;
			}
			listening = db.conn;
			wake_all(wh);	/* what was notified while no one listened */
		}
		stopsig_wait(PQsocket(db.conn), LISTEN_WAIT_MS);
		drain_notifications(&db, wh);
	}
	cr_db_close(&db);
}

/* Start the senders with SIGTERM and SIGINT blocked: the main thread takes them. */
static int start_senders(struct webhook *wh, struct sender *senders, int n)
{
	sigset_t block, old;
	int err;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (int i = 0; i < n; i++) {
		struct sender *s = &senders[i];

		s->wh = wh;
		s->index = i;
		cr_db_init(&s->db, wh->cfg->database_url, webhook_stmts);
		s->curl = curl_easy_init();
		if (!s->curl) {
			cr_db_close(&s->db);
			break;
		}
		err = pthread_create(&s->thread, NULL, sender_main, s);
		if (err) {
			cr_error("could not start sender %d: %s", i, strerror(err));
			curl_easy_cleanup(s->curl);
			cr_db_close(&s->db);
			break;
		}
		s->running = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return senders[0].running ? 0 : -1;
}

static void stop_senders(struct webhook *wh, struct sender *senders, int n)
{
	__atomic_store_n(&wh->stop, 1, __ATOMIC_SEQ_CST);
	wake_all(wh);
	for (int i = 0; i < n; i++) {
		if (!senders[i].running)
			continue;
		pthread_join(senders[i].thread, NULL);
		curl_easy_cleanup(senders[i].curl);
	}
}

int webhook_main(const struct cr_config *cfg)
{
	struct webhook wh;
	struct sender *senders;
	int n = cfg->webhook_senders;

	cr_log_set_context("webhooks");
	if (stopsig_init() < 0)
		return 1;
	memset(&wh, 0, sizeof(wh));
	wh.cfg = cfg;
	if (cr_seal_key(cfg->webhook_key, wh.key) < 0) {
		cr_error("webhook_key is not 64 hex digits");
		return 1;
	}
	pthread_mutex_init(&wh.lock, NULL);
	cr_cond_init_monotonic(&wh.wake);
	senders = cr_xcalloc((size_t)n, sizeof(*senders));
	if (start_senders(&wh, senders, n) < 0) {
		free(senders);
		return 1;
	}
	cr_info("delivering webhooks: senders=%d host_concurrency=%d timeout=%ds "
		"connect_timeout=%ds retry_hours=%d allow_http=%d", n,
		cfg->webhook_host_concurrency, cfg->webhook_timeout_seconds,
		cfg->webhook_connect_timeout_seconds, cfg->webhook_retry_hours,
		cfg->webhook_allow_http);
	listen_loop(&wh);
	stop_senders(&wh, senders, n);
	cr_info("stopped");
	for (size_t i = 0; i < wh.nhosts; i++)
		free(wh.hosts[i].host);
	free(wh.hosts);
	free(senders);
	OPENSSL_cleanse(wh.key, sizeof(wh.key));
	pthread_cond_destroy(&wh.wake);
	pthread_mutex_destroy(&wh.lock);
	return 0;
}
