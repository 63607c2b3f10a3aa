/*
 * Where a webhook may go (issue 13): only to the public internet, unless the
 * operator's allow-list (webhook_allow) names the address.
 *
 * A callback URL is the client's choice, and the request is made from inside
 * the operator's network: without this check a URL could reach the cloud's
 * metadata service (169.254.169.254), the database on loopback, or any
 * private host (server-side request forgery). The API checks IP-literal hosts
 * when a URL is submitted; the delivery process checks every address a host
 * name resolves to, just before it connects, and pins the connection to the
 * address it checked.
 *
 * Refused: IPv4 "this network" 0/8, 10/8, 100.64/10, 127/8, 169.254/16,
 * 172.16/12, 192.0.0/24, 192.0.2/24, 192.168/16, 198.18/15, 198.51.100/24,
 * 203.0.113/24, 224/4, 240/4 (255.255.255.255 included); IPv6 ::, ::1, the
 * rest of ::/96 (IPv4-compatible), 100::/64, 2001:db8::/32, fc00::/7,
 * fe80::/10, fec0::/10, ff00::/8; IPv6 forms that carry an IPv4 address
 * (::ffff:0:0/96 mapped, 64:ff9b::/96 NAT64, 2002::/16 6to4, 2001::/32
 * Teredo's client) when that IPv4 address is refused; and every address of
 * this host's interfaces (getifaddrs, re-read at most every
 * CR_DESTINATION_LOCAL_REFRESH_MS), so that a public address of the machine
 * itself is no way in either.
 *
 * Thread-safe: the API's request threads and the delivery process's senders
 * call it at once.
 */
#ifndef CR_COMMON_DESTINATION_H
#define CR_COMMON_DESTINATION_H

#include <stdbool.h>

struct cr_netlist;
struct sockaddr;

#define CR_DESTINATION_LOCAL_REFRESH_MS 60000

/*
 * NULL when a webhook may be sent to sa (AF_INET or AF_INET6); otherwise
 * why not, a short static string ("loopback", "private (RFC 1918)", ...).
 * An address that allow (may be NULL) matches is allowed, whatever it is.
 */
const char *cr_destination_refused(const struct sockaddr *sa, const struct cr_netlist *allow);

/* Is sa an address of one of this host's interfaces? (The cache above; for tests.) */
bool cr_destination_is_local(const struct sockaddr *sa);

#endif
