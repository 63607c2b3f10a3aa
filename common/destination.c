/*
 * Where a webhook may go (see destination.h).
 *
 * Addresses are compared as 16 bytes of IPv6, IPv4 as ::ffff:a.b.c.d, the
 * form cr_netlist uses too. IPv6 forms that carry an IPv4 address are judged
 * by that address: ::ffff:127.0.0.1 is loopback however it is spelled, and a
 * 6to4 or NAT64 address of 10.0.0.1 reaches 10.0.0.1 through a gateway of
 * the operator's own network. Any other IPv6 address outside 2000::/3 is
 * refused: global unicast is all IANA hands out, the rest is special.
 *
 * The host's own addresses are read with getifaddrs() under a mutex and kept
 * for CR_DESTINATION_LOCAL_REFRESH_MS: an address added since is refused at
 * most that much later. When the list cannot be read at all, every address
 * is refused (a check that cannot be made does not pass).
 */
#include "config.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/conf.h"
#include "common/destination.h"
#include "common/timefmt.h"
#include "common/xalloc.h"

/* How an IPv4 address was carried: the reason names the form. */
enum embed { EMBED_NONE, EMBED_MAPPED, EMBED_NAT64, EMBED_6TO4, EMBED_TEREDO, EMBED_N };

struct v4_range {
	uint32_t net;
	int bits;
	const char *why[EMBED_N];
};

#define V4(a, b, c, d, n, w) { \
	(uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d), (n), \
	{ w, "IPv4-mapped " w, "NAT64-embedded " w, "6to4-embedded " w, "Teredo-embedded " w } }

/* Most specific first: the first match names the reason. */
static const struct v4_range v4_refused[] = {
	V4(0, 0, 0, 0, 32, "unspecified"),
	V4(0, 0, 0, 0, 8, "this network (0.0.0.0/8)"),
	V4(10, 0, 0, 0, 8, "private (RFC 1918)"),
	V4(100, 64, 0, 0, 10, "shared address space (100.64.0.0/10)"),
	V4(127, 0, 0, 0, 8, "loopback"),
	V4(169, 254, 0, 0, 16, "link-local"),
	V4(172, 16, 0, 0, 12, "private (RFC 1918)"),
	V4(192, 0, 0, 0, 24, "IETF protocol assignments (192.0.0.0/24)"),
	V4(192, 0, 2, 0, 24, "documentation (192.0.2.0/24)"),
	V4(192, 168, 0, 0, 16, "private (RFC 1918)"),
	V4(198, 18, 0, 0, 15, "benchmarking (198.18.0.0/15)"),
	V4(198, 51, 100, 0, 24, "documentation (198.51.100.0/24)"),
	V4(203, 0, 113, 0, 24, "documentation (203.0.113.0/24)"),
	V4(224, 0, 0, 0, 4, "multicast"),
	V4(255, 255, 255, 255, 32, "broadcast"),
	V4(240, 0, 0, 0, 4, "reserved (240.0.0.0/4)"),
};

struct v6_range {
	unsigned char net[16];
	int bits;
	const char *why;
};

/* Checked after the forms that carry IPv4; most specific first. */
static const struct v6_range v6_refused[] = {
	{ { 0 }, 128, "unspecified" },
	{ { [15] = 1 }, 128, "loopback" },
	{ { 0 }, 96, "IPv4-compatible (deprecated, ::/96)" },
	{ { 0, 0x64, 0xff, 0x9b, 0, 1 }, 48, "local-use NAT64 (64:ff9b:1::/48)" },
	{ { 0x01, 0x00 }, 64, "discard-only (100::/64)" },
	{ { 0x20, 0x01, 0x00, 0x02, 0, 0 }, 48, "benchmarking (2001:2::/48)" },
	{ { 0x20, 0x01, 0x00, 0x10 }, 28, "ORCHID (2001:10::/28)" },
	{ { 0x20, 0x01, 0x00, 0x20 }, 28, "ORCHIDv2 (2001:20::/28)" },
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, "documentation (2001:db8::/32)" },
	{ { 0xfc }, 7, "unique local (fc00::/7)" },
	{ { 0xfe, 0x80 }, 10, "link-local" },
	{ { 0xfe, 0xc0 }, 10, "site-local (deprecated, fec0::/10)" },
	{ { 0xff }, 8, "multicast" },
};

static const unsigned char v4_mapped_prefix[12] = { [10] = 0xff, [11] = 0xff };
static const unsigned char nat64_prefix[12] = { 0, 0x64, 0xff, 0x9b };

static bool in_prefix(const unsigned char *a, const unsigned char *net, int bits)
{
	int whole = bits / 8, rest = bits % 8;

	if (memcmp(a, net, (size_t)whole) != 0)
		return false;
	if (!rest)
		return true;
	return ((a[whole] ^ net[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* --- this host's addresses ---------------------------------------------------------- */

static pthread_mutex_t local_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char (*local_addrs)[16];
static size_t local_n;
static bool local_loaded;
static int64_t local_loaded_ms;

/* The 16-byte form of sa (IPv4 mapped); false for another family. */
static bool addr16(const struct sockaddr *sa, unsigned char out[16])
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	/* copies: sa may point into a buffer with the alignment of struct sockaddr only */
	if (sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));
		memcpy(out, v4_mapped_prefix, 12);
		memcpy(out + 12, &sin.sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(&sin6, sa, sizeof(sin6));
		memcpy(out, &sin6.sin6_addr, 16);
		return true;
	}
	return false;
}

/* Re-read the interfaces' addresses; on failure the old list stays. Under local_lock. */
static void local_refresh(void)
{
	struct ifaddrs *ifs = NULL;
	unsigned char (*list)[16] = NULL;
	size_t n = 0;

	if (getifaddrs(&ifs) < 0)
		return;
	for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
		unsigned char a[16];

		if (!i->ifa_addr || !addr16(i->ifa_addr, a))
			continue;
		list = cr_xrealloc(list, (n + 1) * sizeof(*list));
		memcpy(list[n++], a, 16);
	}
	freeifaddrs(ifs);
	free(local_addrs);
	local_addrs = list;
	local_n = n;
	local_loaded = true;
	local_loaded_ms = cr_monotonic_ms();
}

enum local { LOCAL_NO, LOCAL_YES, LOCAL_UNKNOWN };

static enum local local_lookup(const unsigned char a[16])
{
	enum local r = LOCAL_NO;

	pthread_mutex_lock(&local_lock);
	if (!local_loaded || cr_monotonic_ms() - local_loaded_ms >= CR_DESTINATION_LOCAL_REFRESH_MS)
		local_refresh();
	if (!local_loaded)
		r = LOCAL_UNKNOWN;
	for (size_t i = 0; i < local_n && r == LOCAL_NO; i++)
		if (memcmp(local_addrs[i], a, 16) == 0)
			r = LOCAL_YES;
	pthread_mutex_unlock(&local_lock);
	return r;
}

bool cr_destination_is_local(const struct sockaddr *sa)
{
	unsigned char a[16];

	return addr16(sa, a) && local_lookup(a) != LOCAL_NO;
}

/* --- the ranges ---------------------------------------------------------------------- */

static const char *v4_reason(uint32_t v4, enum embed how)
{
	for (size_t i = 0; i < sizeof(v4_refused) / sizeof(v4_refused[0]); i++) {
		const struct v4_range *r = &v4_refused[i];
		uint32_t mask = r->bits ? 0xffffffffu << (32 - r->bits) : 0;

		if ((v4 & mask) == r->net)
			return r->why[how];
	}
	return NULL;
}

/*
 * The reason for a, or NULL when it is public; this host's addresses apart.
 * native: a came from an AF_INET address (so it is in the mapped form).
 */
static const char *range_reason(const unsigned char a[16], bool native)
{
	/* the forms that carry an IPv4 address are judged by it */
	if (memcmp(a, v4_mapped_prefix, 12) == 0)
		return v4_reason(be32(a + 12), native ? EMBED_NONE : EMBED_MAPPED);
	if (memcmp(a, nat64_prefix, 12) == 0)
		return v4_reason(be32(a + 12), EMBED_NAT64);
	if (a[0] == 0x20 && a[1] == 0x02)
		return v4_reason(be32(a + 2), EMBED_6TO4);
	/* Teredo: 2001:0::/32, the client's address inverted in the last 32 bits */
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0)
		return v4_reason(~be32(a + 12), EMBED_TEREDO);
	for (size_t i = 0; i < sizeof(v6_refused) / sizeof(v6_refused[0]); i++)
		if (in_prefix(a, v6_refused[i].net, v6_refused[i].bits))
			return v6_refused[i].why;
	if ((a[0] & 0xe0) != 0x20)
		return "reserved (outside 2000::/3)";
	return NULL;
}

/* The IPv4 address an IPv6 form carries, as ::ffff:a.b.c.d, for the local check. */
static void embedded_v4(const unsigned char a[16], unsigned char out[16])
{
	uint32_t v4;

	memcpy(out, a, 16);
	if (memcmp(a, nat64_prefix, 12) == 0)
		v4 = be32(a + 12);
	else if (a[0] == 0x20 && a[1] == 0x02)
		v4 = be32(a + 2);
	else if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0)
		v4 = ~be32(a + 12);
	else
		return;
	memcpy(out, v4_mapped_prefix, 12);
	out[12] = (unsigned char)(v4 >> 24);
	out[13] = (unsigned char)(v4 >> 16);
	out[14] = (unsigned char)(v4 >> 8);
	out[15] = (unsigned char)v4;
}

const char *cr_destination_refused(const struct sockaddr *sa, const struct cr_netlist *allow)
{
	unsigned char a[16], v4[16];
	const char *why;
	enum local l;

	if (!addr16(sa, a))
		return "not an internet address";
	if (allow && cr_netlist_match_sockaddr(allow, sa))
		return NULL;
	why = range_reason(a, sa->sa_family == AF_INET);
	if (why)
		return why;
	l = local_lookup(a);
	if (l == LOCAL_NO) {
		embedded_v4(a, v4);
		if (memcmp(v4, a, 16) != 0)
			l = local_lookup(v4);
	}
	if (l == LOCAL_UNKNOWN)
		return "this host's addresses could not be listed";
	return l == LOCAL_YES ? "an address of this host" : NULL;
}
