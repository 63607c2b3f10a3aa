/*
 * destination.c: every refused range with its edges just inside and just
 * outside, the IPv6 forms that carry IPv4, the allow-list, this host's own
 * addresses, and calls from several threads at once.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "common/conf.h"
#include "common/destination.h"
#include "t/unit/cu.h"

void destination_suite(void);

#define PRIVATE "private (RFC 1918)"
#define PUBLIC NULL

struct row {
	const char *addr;
	const char *want;	/* NULL: allowed */
};

/* addr as a socket address (IPv6 when it has a ':'); false when it does not parse. */
static bool sockaddr_of(const char *addr, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':')) {
		sin6->sin6_family = AF_INET6;
		return inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1;
	}
	sin->sin_family = AF_INET;
	return inet_pton(AF_INET, addr, &sin->sin_addr) == 1;
}

static void check_rows(const struct row *rows, size_t n, const char *allow_text)
{
	struct cr_netlist allow = { NULL, 0 };
	char err[128];

	CU_ASSERT_EQUAL_FATAL(cr_netlist_parse(allow_text ? allow_text : "", &allow, err,
					       sizeof(err)), 0);
	for (size_t i = 0; i < n; i++) {
		struct sockaddr_storage ss;
		const struct sockaddr *sa = (const struct sockaddr *)&ss;
		const char *got;

		if (!sockaddr_of(rows[i].addr, &ss)) {
			fprintf(stderr, "\n  bad test address %s\n", rows[i].addr);
			CU_FAIL("bad test address");
			continue;
		}
		/* a public address that happens to be this machine's is refused for that */
		if (!rows[i].want && cr_destination_is_local(sa))
			continue;
		got = cr_destination_refused(sa, allow_text ? &allow : NULL);
		if (!(got == rows[i].want || (got && rows[i].want && strcmp(got, rows[i].want) == 0)))
			fprintf(stderr, "\n  %s (allow \"%s\"): \"%s\", want \"%s\"\n", rows[i].addr,
				allow_text ? allow_text : "", got ? got : "(allowed)",
				rows[i].want ? rows[i].want : "(allowed)");
		CU_ASSERT(rows[i].want ? got && strcmp(got, rows[i].want) == 0 : !got);
	}
	cr_netlist_free(&allow);
}

static void test_ipv4(void)
{
	static const struct row rows[] = {
		{ "0.0.0.0", "unspecified" },
		{ "0.0.0.1", "this network (0.0.0.0/8)" },
		{ "0.255.255.255", "this network (0.0.0.0/8)" },
		{ "1.0.0.0", PUBLIC },
		{ "9.255.255.255", PUBLIC },
		{ "10.0.0.0", PRIVATE },
		{ "10.0.0.1", PRIVATE },
		{ "10.255.255.255", PRIVATE },
		{ "11.0.0.0", PUBLIC },
		{ "100.63.255.255", PUBLIC },
		{ "100.64.0.0", "shared address space (100.64.0.0/10)" },
		{ "100.127.255.255", "shared address space (100.64.0.0/10)" },
		{ "100.128.0.0", PUBLIC },
		{ "126.255.255.255", PUBLIC },
		{ "127.0.0.0", "loopback" },
		{ "127.0.0.1", "loopback" },
		{ "127.255.255.255", "loopback" },
		{ "128.0.0.0", PUBLIC },
		{ "169.253.255.255", PUBLIC },
		{ "169.254.0.0", "link-local" },
		{ "169.254.169.254", "link-local" },	/* cloud metadata */
		{ "169.254.255.255", "link-local" },
		{ "169.255.0.0", PUBLIC },
		{ "172.15.255.255", PUBLIC },
		{ "172.16.0.0", PRIVATE },
		{ "172.17.0.1", PRIVATE },		/* docker0 */
		{ "172.31.255.255", PRIVATE },
		{ "172.32.0.0", PUBLIC },
		{ "191.255.255.255", PUBLIC },
		{ "192.0.0.0", "IETF protocol assignments (192.0.0.0/24)" },
		{ "192.0.0.255", "IETF protocol assignments (192.0.0.0/24)" },
		{ "192.0.1.0", PUBLIC },
		{ "192.0.2.0", "documentation (192.0.2.0/24)" },
		{ "192.0.2.255", "documentation (192.0.2.0/24)" },
		{ "192.0.3.0", PUBLIC },
		{ "192.167.255.255", PUBLIC },
		{ "192.168.0.0", PRIVATE },
		{ "192.168.255.255", PRIVATE },
		{ "192.169.0.0", PUBLIC },
		{ "198.17.255.255", PUBLIC },
		{ "198.18.0.0", "benchmarking (198.18.0.0/15)" },
		{ "198.19.255.255", "benchmarking (198.18.0.0/15)" },
		{ "198.20.0.0", PUBLIC },
		{ "198.51.99.255", PUBLIC },
		{ "198.51.100.0", "documentation (198.51.100.0/24)" },
		{ "198.51.100.255", "documentation (198.51.100.0/24)" },
		{ "198.51.101.0", PUBLIC },
		{ "203.0.112.255", PUBLIC },
		{ "203.0.113.0", "documentation (203.0.113.0/24)" },
		{ "203.0.113.255", "documentation (203.0.113.0/24)" },
		{ "203.0.114.0", PUBLIC },
		{ "223.255.255.255", PUBLIC },
		{ "224.0.0.0", "multicast" },
		{ "239.255.255.255", "multicast" },
		{ "240.0.0.0", "reserved (240.0.0.0/4)" },
		{ "255.255.255.254", "reserved (240.0.0.0/4)" },
		{ "255.255.255.255", "broadcast" },
		{ "8.8.8.8", PUBLIC },
		{ "93.184.216.34", PUBLIC },
	};

	check_rows(rows, sizeof rows / sizeof rows[0], NULL);
}

static void test_ipv6(void)
{
	static const struct row rows[] = {
		{ "::", "unspecified" },
		{ "::1", "loopback" },
		{ "::2", "IPv4-compatible (deprecated, ::/96)" },
		{ "::ffff:ffff", "IPv4-compatible (deprecated, ::/96)" },	/* ::255.255.255.255 */
		{ "::8.8.8.8", "IPv4-compatible (deprecated, ::/96)" },
		{ "::1:0:0", "reserved (outside 2000::/3)" },	/* just past ::/96 */
		{ "100::", "discard-only (100::/64)" },
		{ "100::ffff:ffff:ffff:ffff", "discard-only (100::/64)" },
		{ "100:0:0:1::", "reserved (outside 2000::/3)" },
		{ "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved (outside 2000::/3)" },
		{ "2000::", PUBLIC },
		{ "2001:2::", "benchmarking (2001:2::/48)" },
		{ "2001:2:0:ffff::", "benchmarking (2001:2::/48)" },
		{ "2001:2:1::", PUBLIC },
		{ "2001:f::", PUBLIC },
		{ "2001:10::1", "ORCHID (2001:10::/28)" },
		{ "2001:1f:ffff::", "ORCHID (2001:10::/28)" },
		{ "2001:20::1", "ORCHIDv2 (2001:20::/28)" },
		{ "2001:2f:ffff::", "ORCHIDv2 (2001:20::/28)" },
		{ "2001:30::", PUBLIC },
		{ "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", PUBLIC },
		{ "2001:db8::", "documentation (2001:db8::/32)" },
		{ "2001:db8::1", "documentation (2001:db8::/32)" },
		{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "documentation (2001:db8::/32)" },
		{ "2001:db9::", PUBLIC },
		{ "2606:4700:4700::1111", PUBLIC },
		{ "2a00:1450:4001:81c::200e", PUBLIC },
		{ "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PUBLIC },
		{ "4000::", "reserved (outside 2000::/3)" },
		{ "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved (outside 2000::/3)" },
		{ "fc00::", "unique local (fc00::/7)" },
		{ "fd12:3456::1", "unique local (fc00::/7)" },
		{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "unique local (fc00::/7)" },
		{ "fe00::", "reserved (outside 2000::/3)" },
		{ "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved (outside 2000::/3)" },
		{ "fe80::", "link-local" },
		{ "fe80::1", "link-local" },
		{ "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "link-local" },
		{ "fec0::1", "site-local (deprecated, fec0::/10)" },
		{ "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "site-local (deprecated, fec0::/10)" },
		{ "ff00::", "multicast" },
		{ "ff02::1", "multicast" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "multicast" },
	};

	check_rows(rows, sizeof rows / sizeof rows[0], NULL);
}

/* IPv6 that carries IPv4: judged by the IPv4 address, named by the form. */
static void test_embedded(void)
{
	static const struct row rows[] = {
		{ "::ffff:0.0.0.0", "IPv4-mapped unspecified" },
		{ "::ffff:127.0.0.1", "IPv4-mapped loopback" },
		{ "::ffff:7f00:1", "IPv4-mapped loopback" },
		{ "::ffff:10.1.2.3", "IPv4-mapped " PRIVATE },
		{ "::ffff:169.254.169.254", "IPv4-mapped link-local" },
		{ "::ffff:100.64.0.1", "IPv4-mapped shared address space (100.64.0.0/10)" },
		{ "::ffff:255.255.255.255", "IPv4-mapped broadcast" },
		{ "::ffff:8.8.8.8", PUBLIC },
		{ "::fffe:7f00:1", "reserved (outside 2000::/3)" },	/* not the mapped prefix */
		{ "64:ff9b::127.0.0.1", "NAT64-embedded loopback" },
		{ "64:ff9b::10.0.0.1", "NAT64-embedded " PRIVATE },
		{ "64:ff9b::169.254.169.254", "NAT64-embedded link-local" },
		{ "64:ff9b::8.8.8.8", PUBLIC },
		{ "64:ff9b:1::1", "local-use NAT64 (64:ff9b:1::/48)" },
		{ "64:ff9b:0:0:0:1::", "reserved (outside 2000::/3)" },	/* just past the /96 */
		{ "2002:7f00:1::", "6to4-embedded loopback" },
		{ "2002:c0a8:101::1", "6to4-embedded " PRIVATE },
		{ "2002:a9fe:a9fe::", "6to4-embedded link-local" },
		{ "2002:808:808::1", PUBLIC },
		/* Teredo: the client's address inverted in the last 32 bits */
		{ "2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo-embedded documentation (192.0.2.0/24)" },
		{ "2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo-embedded loopback" },
		{ "2001:0:4136:e378:8000:63bf:f7f7:f7f7", PUBLIC },
	};

	check_rows(rows, sizeof rows / sizeof rows[0], NULL);
}

/* An address the allow-list names is allowed whatever it is; nothing else changes. */
static void test_allow(void)
{
	static const struct row loopback[] = {
		{ "127.0.0.1", PUBLIC },
		{ "127.255.255.255", PUBLIC },
		{ "::1", PUBLIC },
		{ "::ffff:127.0.0.1", PUBLIC },		/* the list keeps IPv4 mapped */
		{ "::2", "IPv4-compatible (deprecated, ::/96)" },
		{ "64:ff9b::127.0.0.1", "NAT64-embedded loopback" },	/* another host's loopback */
		{ "10.0.0.1", PRIVATE },
		{ "169.254.169.254", "link-local" },
	};
	static const struct row one[] = {
		{ "10.0.0.1", PUBLIC },
		{ "10.0.0.0", PRIVATE },
		{ "10.0.0.2", PRIVATE },
		{ "127.0.0.1", "loopback" },
	};
	static const struct row v6[] = {
		{ "fd00::1", PUBLIC },
		{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PUBLIC },
		{ "fc00::1", "unique local (fc00::/7)" },
		{ "fe80::1", PUBLIC },
		{ "::1", "loopback" },
	};
	static const struct row everything[] = {
		{ "0.0.0.0", PUBLIC },
		{ "127.0.0.1", PUBLIC },
		{ "255.255.255.255", PUBLIC },
		{ "::1", "loopback" },			/* IPv4 entries never match native IPv6 */
	};

	check_rows(loopback, sizeof loopback / sizeof loopback[0], "127.0.0.0/8, ::1/128");
	check_rows(one, sizeof one / sizeof one[0], "10.0.0.1");
	check_rows(v6, sizeof v6 / sizeof v6[0], "fd00::/8 fe80::/10");
	check_rows(everything, sizeof everything / sizeof everything[0], "0.0.0.0/0");
	/* an empty list is no list */
	check_rows(one + 1, 1, "");
}

/* Every address of this machine's interfaces is refused, and allowed when listed. */
static void test_local(void)
{
	struct ifaddrs *ifs = NULL;
	int seen = 0;

	CU_ASSERT_EQUAL_FATAL(getifaddrs(&ifs), 0);
	for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
		char text[INET6_ADDRSTRLEN], list[INET6_ADDRSTRLEN + 8], err[128];
		struct cr_netlist allow = { NULL, 0 };
		const void *bytes;
		const char *why;

		if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET &&
				     i->ifa_addr->sa_family != AF_INET6))
			continue;
		bytes = i->ifa_addr->sa_family == AF_INET
			? (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr
			: (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		inet_ntop(i->ifa_addr->sa_family, bytes, text, sizeof(text));
		seen++;
		CU_ASSERT(cr_destination_is_local(i->ifa_addr));
		why = cr_destination_refused(i->ifa_addr, NULL);
		if (!why)
			fprintf(stderr, "\n  %s of %s is allowed\n", text, i->ifa_name);
		CU_ASSERT_PTR_NOT_NULL(why);
		snprintf(list, sizeof(list), "%s", text);
		CU_ASSERT_EQUAL(cr_netlist_parse(list, &allow, err, sizeof(err)), 0);
		CU_ASSERT_PTR_NULL(cr_destination_refused(i->ifa_addr, &allow));
		cr_netlist_free(&allow);
	}
	freeifaddrs(ifs);
	CU_ASSERT(seen > 0);	/* loopback at least */
}

static void test_not_inet(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct cr_netlist all = { NULL, 0 };
	char err[64];

	CU_ASSERT_EQUAL(cr_netlist_parse("0.0.0.0/0 ::/0", &all, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(cr_destination_refused((struct sockaddr *)&sun, &all),
			       "not an internet address");
	CU_ASSERT_FALSE(cr_destination_is_local((struct sockaddr *)&sun));
	cr_netlist_free(&all);
}

static void *hammer(void *arg)
{
	struct sockaddr_storage a, b;
	long bad = 0;

	(void)arg;
	sockaddr_of("127.0.0.1", &a);
	sockaddr_of("2001:db8::1", &b);
	for (int i = 0; i < 2000; i++)
		bad += !cr_destination_refused((struct sockaddr *)&a, NULL) ||
		       !cr_destination_refused((struct sockaddr *)&b, NULL);
	return (void *)bad;
}

/* The API's request threads and the senders call it at once. */
static void test_threads(void)
{
	pthread_t t[4];

	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, hammer, NULL), 0);
	for (int i = 0; i < 4; i++) {
		void *bad = NULL;

		pthread_join(t[i], &bad);
		CU_ASSERT_PTR_NULL(bad);
	}
}

void destination_suite(void)
{
	static const struct cr_test tests[] = {
		{ "IPv4: every range, edges in and out", test_ipv4 },
		{ "IPv6: every range, edges in and out", test_ipv6 },
		{ "IPv6 carrying IPv4: mapped, NAT64, 6to4, Teredo", test_embedded },
		{ "the allow-list overrides, and only what it names", test_allow },
		{ "this host's addresses", test_local },
		{ "not an internet address", test_not_inet },
		{ "threads", test_threads },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("destination", tests);
}
