/*
 * The API's trust settings (common/conf.c): the allow-lists of api_allow and
 * metrics_allow (parser and matcher) and the checks on metrics_token.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "common/conf.h"
#include "t/unit/cu.h"

void trust_suite(void);

/* Parse text; -1 on error (err filled). */
static int parse(struct cr_netlist *l, const char *text, char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	return cr_netlist_parse(text, l, err, errlen);
}

/* Does the list text let addr in? Asserts that the text parses. */
static bool allows(const char *text, const char *addr)
{
	struct cr_netlist l;
	char err[256] = "";
	bool ok;

	CU_ASSERT_EQUAL_FATAL(parse(&l, text, err, sizeof(err)), 0);
	ok = cr_netlist_match_text(&l, addr);
	cr_netlist_free(&l);
	return ok;
}

static void test_loopback_default(void)
{
	struct cr_config c;

	cr_config_defaults(&c);
	CU_ASSERT_EQUAL(c.api_allow.n, 2);
	CU_ASSERT_EQUAL(c.metrics_allow.n, 2);
	CU_ASSERT_PTR_NULL(c.metrics_token);
	CU_ASSERT_TRUE(cr_netlist_match_text(&c.api_allow, "127.0.0.1"));
	CU_ASSERT_TRUE(cr_netlist_match_text(&c.api_allow, "127.255.255.254"));
	CU_ASSERT_TRUE(cr_netlist_match_text(&c.api_allow, "::1"));
	/* metrics_allow: what nginx's METRICS_ALLOW lets through by default */
	CU_ASSERT_TRUE(cr_netlist_match_text(&c.metrics_allow, "127.0.0.1"));
	CU_ASSERT_TRUE(cr_netlist_match_text(&c.metrics_allow, "::ffff:127.0.0.1"));
	CU_ASSERT_TRUE(cr_netlist_match_text(&c.metrics_allow, "::1"));
	CU_ASSERT_FALSE(cr_netlist_match_text(&c.metrics_allow, "127.0.0.2"));
	CU_ASSERT_FALSE(cr_netlist_match_text(&c.api_allow, "128.0.0.1"));
	CU_ASSERT_FALSE(cr_netlist_match_text(&c.api_allow, "10.0.0.1"));
	CU_ASSERT_FALSE(cr_netlist_match_text(&c.api_allow, "::2"));
	CU_ASSERT_FALSE(cr_netlist_match_text(&c.metrics_allow, "203.0.113.9"));
	cr_config_free(&c);
	CU_ASSERT_EQUAL(c.api_allow.n, 0);
	CU_ASSERT_PTR_NULL(c.api_allow.nets);
}

static void test_ipv4(void)
{
	/* a bare address is /32 */
	CU_ASSERT_TRUE(allows("10.0.0.1", "10.0.0.1"));
	CU_ASSERT_FALSE(allows("10.0.0.1", "10.0.0.2"));
	CU_ASSERT_TRUE(allows("10.0.0.1/32", "10.0.0.1"));
	CU_ASSERT_FALSE(allows("10.0.0.1/32", "10.0.0.0"));
	CU_ASSERT_TRUE(allows("10.0.0.0/8", "10.255.1.2"));
	CU_ASSERT_FALSE(allows("10.0.0.0/8", "11.0.0.0"));
	CU_ASSERT_FALSE(allows("10.0.0.0/8", "9.255.255.255"));
	/* prefixes that end inside a byte */
	CU_ASSERT_TRUE(allows("10.0.0.0/31", "10.0.0.1"));
	CU_ASSERT_FALSE(allows("10.0.0.0/31", "10.0.0.2"));
	CU_ASSERT_TRUE(allows("128.0.0.0/1", "200.1.1.1"));
	CU_ASSERT_FALSE(allows("128.0.0.0/1", "127.0.0.1"));
	CU_ASSERT_TRUE(allows("172.16.0.0/12", "172.31.255.255"));
	CU_ASSERT_FALSE(allows("172.16.0.0/12", "172.32.0.0"));
	/* /0: every IPv4 address, and only those */
	CU_ASSERT_TRUE(allows("0.0.0.0/0", "203.0.113.9"));
	CU_ASSERT_TRUE(allows("0.0.0.0/0", "::ffff:203.0.113.9"));
	CU_ASSERT_FALSE(allows("0.0.0.0/0", "::1"));
	CU_ASSERT_FALSE(allows("0.0.0.0/0", "2001:db8::1"));
	CU_ASSERT_FALSE(allows("0.0.0.0/0", "::203.0.113.9"));	/* v4-compatible is not v4 */
}

static void test_ipv6(void)
{
	CU_ASSERT_TRUE(allows("::1", "::1"));
	CU_ASSERT_TRUE(allows("::1/128", "0:0:0:0:0:0:0:1"));
	CU_ASSERT_FALSE(allows("::1/128", "::2"));
	CU_ASSERT_FALSE(allows("::1", "127.0.0.1"));
	CU_ASSERT_TRUE(allows("2001:db8::/32", "2001:db8:ffff::1"));
	CU_ASSERT_FALSE(allows("2001:db8::/32", "2001:db9::1"));
	CU_ASSERT_TRUE(allows("fe80::/10", "febf::1"));
	CU_ASSERT_FALSE(allows("fe80::/10", "fec0::1"));
	CU_ASSERT_TRUE(allows("2001:DB8::/48", "2001:db8:0:1::"));	/* hex in any case */
	/* ::/0 is everything, IPv4 included (as v4-mapped) */
	CU_ASSERT_TRUE(allows("::/0", "2001:db8::1"));
	CU_ASSERT_TRUE(allows("::/0", "10.0.0.1"));
}

static void test_v4_mapped(void)
{
	/* an IPv4 entry matches the v4-mapped spelling, and the other way round */
	CU_ASSERT_TRUE(allows("10.0.0.0/8", "::ffff:10.1.2.3"));
	CU_ASSERT_TRUE(allows("10.1.2.3", "::FFFF:10.1.2.3"));
	CU_ASSERT_FALSE(allows("10.0.0.0/8", "::ffff:11.1.2.3"));
	CU_ASSERT_TRUE(allows("::ffff:10.0.0.0/104", "10.200.0.1"));
	CU_ASSERT_FALSE(allows("::ffff:10.0.0.0/104", "11.0.0.1"));
	CU_ASSERT_TRUE(allows("::ffff:0:0/96", "192.0.2.1"));
	CU_ASSERT_TRUE(allows("::ffff:127.0.0.1/128", "127.0.0.1"));
	CU_ASSERT_FALSE(allows("::ffff:127.0.0.1/128", "::1"));
}

static void test_lists(void)
{
	struct cr_netlist l;
	char err[256] = "";

	CU_ASSERT_EQUAL(parse(&l, " 10.0.0.1, 10.0.0.2\t::1,,192.168.0.0/16 ", err,
			      sizeof(err)), 0);
	CU_ASSERT_EQUAL(l.n, 4);
	CU_ASSERT_TRUE(cr_netlist_match_text(&l, "10.0.0.2"));
	CU_ASSERT_TRUE(cr_netlist_match_text(&l, "::1"));
	CU_ASSERT_TRUE(cr_netlist_match_text(&l, "192.168.7.7"));
	CU_ASSERT_FALSE(cr_netlist_match_text(&l, "10.0.0.3"));
	/* not an address: never a match */
	CU_ASSERT_FALSE(cr_netlist_match_text(&l, NULL));
	CU_ASSERT_FALSE(cr_netlist_match_text(&l, ""));
	CU_ASSERT_FALSE(cr_netlist_match_text(&l, "10.0.0.2 "));
	CU_ASSERT_FALSE(cr_netlist_match_text(&l, "unix:"));
	/* parsing again replaces the list */
	CU_ASSERT_EQUAL(cr_netlist_parse("10.0.0.3", &l, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(l.n, 1);
	CU_ASSERT_FALSE(cr_netlist_match_text(&l, "10.0.0.2"));
	cr_netlist_free(&l);

	/* empty: nothing matches */
	CU_ASSERT_EQUAL(parse(&l, " , \t", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(l.n, 0);
	CU_ASSERT_FALSE(cr_netlist_match_text(&l, "127.0.0.1"));
	cr_netlist_free(&l);
}

static void test_bad_input(void)
{
	static const char *const bad[] = {
		"10.0.0.256", "10.0.0", "127.1", "010.0.0.1", "10.0.0.1/33", "::/129",
		"10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8x", "10.0.0.0/8.0",
		"10.0.0.0/8/8", "10.0.0.0/0008", "10.1.0.0/8", "10.0.0.1/31", "::1/64",
		"fe80::1%eth0", "localhost", "*", "2001:db8:::1", "::ffff:10.0.0.1/96",
		"/8", "1.2.3.4.5",
		"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd:eeee:ffff",
	};
	struct cr_netlist l;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[200];

		/* a bad entry among good ones: refused, named, the list untouched */
		snprintf(text, sizeof(text), "127.0.0.1 %s ::1", bad[i]);
		memset(&l, 0, sizeof(l));
		CU_ASSERT_EQUAL_FATAL(cr_netlist_parse("192.0.2.1", &l, err, sizeof(err)), 0);
		err[0] = '\0';
		CU_ASSERT_EQUAL(cr_netlist_parse(text, &l, err, sizeof(err)), -1);
		CU_ASSERT_TRUE(strlen(bad[i]) >= 60 || strstr(err, bad[i]) != NULL);
		CU_ASSERT_EQUAL(l.n, 1);
		CU_ASSERT_TRUE(cr_netlist_match_text(&l, "192.0.2.1"));
		cr_netlist_free(&l);
	}
	/* without an err buffer (the defaults) */
	memset(&l, 0, sizeof(l));
	CU_ASSERT_EQUAL(cr_netlist_parse("nonsense", &l, NULL, 0), -1);
	CU_ASSERT_EQUAL(l.n, 0);
}

static void test_sockaddr(void)
{
	struct cr_netlist l;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char err[256];

	CU_ASSERT_EQUAL_FATAL(parse(&l, "127.0.0.1/32 2001:db8::/32", err, sizeof(err)), 0);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	CU_ASSERT_TRUE(cr_netlist_match_sockaddr(&l, (struct sockaddr *)&sin));
	inet_pton(AF_INET, "127.0.0.2", &sin.sin_addr);
	CU_ASSERT_FALSE(cr_netlist_match_sockaddr(&l, (struct sockaddr *)&sin));
	/* a dual-stack socket shows an IPv4 peer as v4-mapped */
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6.sin6_addr);
	CU_ASSERT_TRUE(cr_netlist_match_sockaddr(&l, (struct sockaddr *)&sin6));
	inet_pton(AF_INET6, "2001:db8:1::5", &sin6.sin6_addr);
	CU_ASSERT_TRUE(cr_netlist_match_sockaddr(&l, (struct sockaddr *)&sin6));
	inet_pton(AF_INET6, "::1", &sin6.sin6_addr);
	CU_ASSERT_FALSE(cr_netlist_match_sockaddr(&l, (struct sockaddr *)&sin6));
	/* other families are not addresses of a list (unix sockets are let in before) */
	CU_ASSERT_FALSE(cr_netlist_match_sockaddr(&l, (struct sockaddr *)&sun));
	cr_netlist_free(&l);
}

static void test_config_keys(void)
{
	struct cr_config c;
	char err[512] = "";

	cr_config_defaults(&c);
	CU_ASSERT_EQUAL(cr_config_parse(&c, "api_allow = \"10.0.0.2, 10.0.0.3\"\n"
					"metrics_allow = 192.0.2.0/24\n", "t", err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL(c.api_allow.n, 2);
	CU_ASSERT_TRUE(cr_netlist_match_text(&c.api_allow, "10.0.0.3"));
	CU_ASSERT_FALSE(cr_netlist_match_text(&c.api_allow, "127.0.0.1"));	/* replaced */
	CU_ASSERT_TRUE(cr_netlist_match_text(&c.metrics_allow, "192.0.2.77"));

	/* a bad entry: the file, line, key and entry are named; the old list stays */
	CU_ASSERT_EQUAL(cr_config_parse(&c, "# x\napi_allow = 10.0.0.2 10.0.0.0/33\n", "f.conf",
					err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "f.conf:2"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "api_allow"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "10.0.0.0/33"));
	CU_ASSERT_EQUAL(c.api_allow.n, 2);
	CU_ASSERT_EQUAL(cr_config_set(&c, "metrics_allow", "example.com", err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "metrics_allow"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "example.com"));

	/* empty: only the token opens /metrics */
	CU_ASSERT_EQUAL(cr_config_set(&c, "metrics_allow", "", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.metrics_allow.n, 0);
	cr_config_free(&c);
}

static void test_metrics_token_check(void)
{
	struct cr_config c;
	char err[512] = "";

	cr_config_defaults(&c);
	c.database_url = strdup("dbname=x");
	c.jwt_key = strdup("0123456789abcdef0123456789abcdef");
	CU_ASSERT_EQUAL(cr_config_check_api(&c, err, sizeof(err)), 0);	/* unset */
	CU_ASSERT_EQUAL(cr_config_set(&c, "metrics_token", "", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cr_config_check_api(&c, err, sizeof(err)), 0);	/* empty = unset */
	CU_ASSERT_EQUAL(cr_config_set(&c, "metrics_token", "sh0rt-s3cr3t", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cr_config_check_api(&c, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "metrics_token"));
	CU_ASSERT_PTR_NULL(strstr(err, "s3cr3t"));
	CU_ASSERT_EQUAL(cr_config_set(&c, "metrics_token", "0123456789abcdef", err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL(cr_config_check_api(&c, err, sizeof(err)), 0);
	cr_config_free(&c);
}

void trust_suite(void)
{
	static const struct cr_test tests[] = {
		{ "loopback by default", test_loopback_default },
		{ "IPv4 addresses and prefixes", test_ipv4 },
		{ "IPv6 addresses and prefixes", test_ipv6 },
		{ "v4-mapped IPv6", test_v4_mapped },
		{ "separators, empty lists, non-addresses", test_lists },
		{ "bad entries", test_bad_input },
		{ "socket addresses", test_sockaddr },
		{ "api_allow and metrics_allow keys", test_config_keys },
		{ "metrics_token at start-up", test_metrics_token_check },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("trust", tests);
}
