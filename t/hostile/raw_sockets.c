// Raw and packet sockets need CAP_NET_RAW, which the program lacks; ICMP "ping"
// sockets are off for its group.
// language: c
// family: escape
// status: completed
// stdout-contains: BLOCKED raw icmp
// stdout-contains: BLOCKED raw tcp
// stdout-contains: BLOCKED packet
// stdout-contains: BLOCKED ping socket
// stdout-not-contains: ESCAPED
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static void try(const char *what, int dom, int type, int proto)
{
	int s = socket(dom, type, proto);

	if (s >= 0)
		printf("ESCAPED %s socket opened\n", what);
	else
		printf("BLOCKED %s: %s\n", what, strerror(errno));
}

int main(void)
{
	try("raw icmp", AF_INET, SOCK_RAW, IPPROTO_ICMP);
	try("raw tcp", AF_INET, SOCK_RAW, IPPROTO_TCP);
	try("raw ipv6", AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	try("packet", AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	try("ping socket", AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	return 0;
}
