/* callback.c: what a callback_url may be, at submit time (no DNS). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "fcgi/callback.h"
#include "t/unit/cu.h"

void callback_suite(void);

static void test_urls(void)
{
	static const struct { const char *url; int ok; const char *says; } cases[] = {
		{ "https://example.com/hook", 1, "example.com" },
		{ "https://Example.COM:8443/a?b=c", 1, "example.com" },
		{ "http://example.com/hook", 0, "https URL" },		/* allow_http off */
		{ "https://93.184.216.34/hook", 1, "93.184.216.34" },
		{ "https://[2606:2800:220:1::1]/", 1, "2606:2800:220:1::1" },
		{ "https://127.0.0.1/", 0, "loopback" },
		{ "https://2130706433/", 0, "127.0.0.1" },
		{ "https://0177.0.0.1/", 0, "127.0.0.1" },
		{ "https://0x7f000001/", 0, "127.0.0.1" },
		{ "https://169.254.169.254/", 0, "link-local" },
		{ "https://10.1.2.3/", 0, "private" },
		{ "https://[::1]/", 0, "loopback" },
		{ "https://[::ffff:10.0.0.1]/", 0, "10.0.0.1" },
		{ "https://[fe80::1]/", 0, "link-local" },
		{ "https://0.0.0.0/", 0, "0.0.0.0" },
		{ "https://user:pw@example.com/", 0, "user name or password" },
		{ "https://user@example.com/", 0, "user name or password" },
		{ "ftp://example.com/", 0, "https URL" },
		{ "file:///etc/passwd", 0, "absolute URL" },
		{ "gopher://example.com/", 0, "https URL" },
		{ "example.com/hook", 0, "absolute URL" },
		{ "https:///path", 0, "absolute URL" },
		{ "https://exa mple.com/", 0, "spaces" },
		{ "https://example.com/\r\nX: y", 0, "control" },
		{ "", 0, "1 to 2048" },
	};
	struct cr_config cfg;
	char host[CALLBACK_HOST_MAX];

	cr_config_defaults(&cfg);
	cfg.webhook_key = strdup("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct v_str u = { cases[i].url, strlen(cases[i].url) };
		struct verr e = { 0, NULL, "", NULL };
		int rc = callback_check(&u, &cfg, host, sizeof(host), &e);

		if ((rc == 0) != cases[i].ok || (!cases[i].ok && !strstr(e.message, cases[i].says)))
			fprintf(stderr, "\n  %s: rc %d, \"%s\"\n", cases[i].url, rc, e.message);
		CU_ASSERT_EQUAL(rc == 0, cases[i].ok);
		if (rc == 0) {
			CU_ASSERT_STRING_EQUAL(host, cases[i].says);
		} else {
			CU_ASSERT(e.status == 400 && strstr(e.message, cases[i].says) != NULL &&
				  strcmp(e.field, "callback_url") == 0);
		}
	}
	/* http only when allowed; an allow-listed private address passes */
	cfg.webhook_allow_http = 1;
	cr_netlist_parse("10.0.0.0/8", &cfg.webhook_allow, NULL, 0);
	{
		struct v_str u = { "http://10.1.2.3:8080/x", strlen("http://10.1.2.3:8080/x") };
		struct verr e;

		CU_ASSERT_EQUAL(callback_check(&u, &cfg, host, sizeof(host), &e), 0);
		CU_ASSERT_STRING_EQUAL(host, "10.1.2.3");
	}
	/* webhooks off: no webhook_key */
	free(cfg.webhook_key);
	cfg.webhook_key = NULL;
	{
		struct v_str u = { "https://example.com/", strlen("https://example.com/") };
		struct verr e;

		CU_ASSERT_EQUAL(callback_check(&u, &cfg, host, sizeof(host), &e), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "not enabled"));
	}
	cr_config_free(&cfg);
}

void callback_suite(void)
{
	static const struct cr_test tests[] = {
		{ "callback_url at submit", test_urls },
		{ NULL, NULL },
	};
	CR_ADD_SUITE("callback", tests);
}
