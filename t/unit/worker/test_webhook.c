/* webhook.c: the signature, the backoff, the pin of CURLOPT_RESOLVE, an answer's outcome. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "t/unit/cu.h"
#include "worker/webhook.h"

void webhook_suite(void);

/*
 * Known answers, computed with Python's hmac (not with the code under test):
 *   hmac.new(secret, str(t).encode() + b"." + body, hashlib.sha256).hexdigest()
 * The second secret holds NUL bytes: its length counts, not strlen().
 */
static void test_signature(void)
{
	static const char body1[] =
		"{\"submission_id\":\"6f1c8f0e-0000-4000-8000-000000000001\",\"status\":\"completed\"}";
	static const char secret1[] = "whsec_test_0123456789";
	unsigned char secret2[32];
	char out[WEBHOOK_SIGNATURE_MAX];

	CU_ASSERT_EQUAL(webhook_signature(secret1, strlen(secret1), 1700000000, body1,
					  strlen(body1), out), 0);
	CU_ASSERT_STRING_EQUAL(out, "t=1700000000,v1="
			       "5f885b0df9cc7502dfccc3df86a9a0d433bacc937307763a98865ffb555da050");

	for (int i = 0; i < 32; i++)
		secret2[i] = (unsigned char)i;
	CU_ASSERT_EQUAL(webhook_signature(secret2, sizeof(secret2), 0, "", 0, out), 0);
	CU_ASSERT_STRING_EQUAL(out, "t=0,v1="
			       "0e80838223869e9517439e639ad55157d90d439a465b4e569e67014750fa80da");

	/* another t, another signature: t is signed, so it cannot be replaced */
	CU_ASSERT_EQUAL(webhook_signature(secret1, strlen(secret1), 1700000001, body1,
					  strlen(body1), out), 0);
	CU_ASSERT_STRING_NOT_EQUAL(out, "t=1700000001,v1="
				   "5f885b0df9cc7502dfccc3df86a9a0d433bacc937307763a98865ffb555da050");
	CU_ASSERT_EQUAL(strlen(strchr(out, '=') + 1), strlen("1700000001,v1=") + 64);
}

static void test_backoff(void)
{
	static const struct { int attempts; double r; long long want; } rows[] = {
		{ 1, 0.5, 1000 },		/* the middle of the jitter: the base */
		{ 1, 0.0, 500 },		/* its low end */
		{ 1, 0.999999, 1499 },		/* below its high end */
		{ 2, 0.5, 2000 },
		{ 3, 0.5, 4000 },
		{ 12, 0.5, 2048000 },
		{ 13, 0.5, 3600000 },		/* 4096 s is past the cap */
		{ 13, 0.0, 1800000 },
		{ 13, 0.999999, 5399996 },
		{ 1000, 0.5, 3600000 },		/* no overflow */
		{ 0, 0.5, 1000 },		/* below 1: as the first */
		{ -5, 0.5, 1000 },
		{ 1, 1.0, 1000 },		/* out of [0, 1): the middle */
		{ 1, -0.1, 1000 },
	};

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		long long got = (long long)webhook_backoff_ms(rows[i].attempts, rows[i].r);

		if (got != rows[i].want)
			fprintf(stderr, "\n  attempts %d r %g: %lld, want %lld\n", rows[i].attempts,
				rows[i].r, got, rows[i].want);
		CU_ASSERT_EQUAL(got, rows[i].want);
	}
	/* every wait within [base / 2, 1.5 base) */
	for (int a = 1; a <= 40; a++) {
		long long base = a >= 13 ? 3600000 : 1000LL << (a - 1);

		for (double r = 0; r < 1; r += 0.125) {
			long long got = (long long)webhook_backoff_ms(a, r);

			CU_ASSERT(got >= base / 2 && got < base + base / 2);
		}
	}
}

static void test_resolve_entry(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char out[WEBHOOK_RESOLVE_MAX], tiny[16];

	inet_pton(AF_INET, "93.184.216.34", &sin.sin_addr);
	CU_ASSERT_EQUAL(webhook_resolve_entry("example.com", 443, (struct sockaddr *)&sin, out,
					      sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com:443:93.184.216.34");

	inet_pton(AF_INET6, "2606:2800:220:1:248:1893:25c8:1946", &sin6.sin6_addr);
	CU_ASSERT_EQUAL(webhook_resolve_entry("example.com", 8443, (struct sockaddr *)&sin6, out,
					      sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "example.com:8443:[2606:2800:220:1:248:1893:25c8:1946]");

	/* a mapped address stays IPv6 in brackets: curl connects to what it is given */
	inet_pton(AF_INET6, "::ffff:93.184.216.34", &sin6.sin6_addr);
	CU_ASSERT_EQUAL(webhook_resolve_entry("h", 80, (struct sockaddr *)&sin6, out,
					      sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "h:80:[::ffff:93.184.216.34]");

	CU_ASSERT_EQUAL(webhook_resolve_entry("h", 80, (struct sockaddr *)&sun, out,
					      sizeof(out)), -1);
	CU_ASSERT_EQUAL(webhook_resolve_entry("example.com", 443, (struct sockaddr *)&sin, tiny,
					      sizeof(tiny)), -1);
}

static void test_judge_status(void)
{
	static const struct { long status; enum webhook_outcome want; const char *why; } rows[] = {
		{ 200, WEBHOOK_DELIVERED, "HTTP 200" },
		{ 201, WEBHOOK_DELIVERED, "HTTP 201" },
		{ 204, WEBHOOK_DELIVERED, "HTTP 204" },
		{ 299, WEBHOOK_DELIVERED, "HTTP 299" },
		{ 300, WEBHOOK_RETRY, "redirect not followed (HTTP 300)" },
		{ 301, WEBHOOK_RETRY, "redirect not followed (HTTP 301)" },
		{ 302, WEBHOOK_RETRY, "redirect not followed (HTTP 302)" },
		{ 307, WEBHOOK_RETRY, "redirect not followed (HTTP 307)" },
		{ 400, WEBHOOK_RETRY, "HTTP 400" },
		{ 410, WEBHOOK_RETRY, "HTTP 410" },
		{ 500, WEBHOOK_RETRY, "HTTP 500" },
		{ 503, WEBHOOK_RETRY, "HTTP 503" },
		{ 199, WEBHOOK_RETRY, "HTTP 199" },
	};
	char why[64];

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		CU_ASSERT_EQUAL(webhook_judge_status(rows[i].status, why, sizeof(why)), rows[i].want);
		CU_ASSERT_STRING_EQUAL(why, rows[i].why);
	}
}

void webhook_suite(void)
{
	static const struct cr_test tests[] = {
		{ "signature: known answers (Python's hmac)", test_signature },
		{ "backoff: doubling, cap, jitter bounds", test_backoff },
		{ "CURLOPT_RESOLVE entry: IPv4, IPv6 in brackets", test_resolve_entry },
		{ "an HTTP answer's outcome", test_judge_status },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("webhook", tests);
}
