// The cloud metadata service (169.254.169.254, and AWS's IPv6 fd00:ec2::254):
// unreachable, there is no route out of the container.
// language: c
// family: escape
// status: completed
// stdout-contains: BLOCKED 169.254.169.254:80
// stdout-contains: BLOCKED [fd00:ec2::254]:80
// stdout-not-contains: ESCAPED
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(80) };
	struct sockaddr_in6 b = { .sin6_family = AF_INET6, .sin6_port = htons(80) };
	struct timeval tv = { 1, 0 };
	int s;

	inet_pton(AF_INET, "169.254.169.254", &a.sin_addr);
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(s, (struct sockaddr *)&a, sizeof a) == 0)
		puts("ESCAPED 169.254.169.254:80 connected");
	else
		printf("BLOCKED 169.254.169.254:80: %s\n", strerror(errno));
	close(s);
	inet_pton(AF_INET6, "fd00:ec2::254", &b.sin6_addr);
	s = socket(AF_INET6, SOCK_STREAM, 0);
	if (s < 0)
		printf("BLOCKED [fd00:ec2::254]:80: %s\n", strerror(errno));
	else if (setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv),
		 connect(s, (struct sockaddr *)&b, sizeof b) == 0)
		puts("ESCAPED [fd00:ec2::254]:80 connected");
	else
		printf("BLOCKED [fd00:ec2::254]:80: %s\n", strerror(errno));
	return 0;
}
