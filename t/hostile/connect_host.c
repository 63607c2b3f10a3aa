// Tries the host's addresses on the usual service ports (ssh, http, docker's
// TCP API, postgres) and the Docker bridge gateway, and lists the interfaces.
// language: c
// family: escape
// status: completed
// stdout-contains: interfaces: lo
// stdout-contains: BLOCKED 172.17.0.1:2375
// stdout-not-contains: ESCAPED
// stdout-contains: DONE
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void probe(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), err = 0;
	socklen_t len = sizeof err;
	struct pollfd p = { .fd = s, .events = POLLOUT };

	inet_pton(AF_INET, addr, &sa.sin_addr);
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) == 0)
		err = 0;
	else if (errno != EINPROGRESS)
		err = errno;
	else if (poll(&p, 1, 1000) <= 0)
		err = ETIMEDOUT;
	else
		getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err)
		printf("BLOCKED %s:%d: %s\n", addr, port, strerror(err));
	else
		printf("ESCAPED %s:%d connected\n", addr, port);
	close(s);
}

int main(void)
{
	static const int ports[] = { 22, 80, 443, 2375, 2376, 5432, 8080 };
	char list[] = "@@HOST_ADDRS@@,172.17.0.1,10.0.0.1,192.168.0.1";
	struct ifaddrs *ifs, *i;

	fputs("interfaces:", stdout);
	if (getifaddrs(&ifs) == 0) {
		for (i = ifs; i; i = i->ifa_next)
			if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET)
				printf(" %s", i->ifa_name);
		freeifaddrs(ifs);
	}
	putchar('\n');
	for (char *a = strtok(list, ","); a; a = strtok(NULL, ","))
		for (size_t k = 0; k < sizeof ports / sizeof ports[0]; k++)
			probe(a, ports[k]);
	puts("DONE");
	return 0;
}
