/*
 * addr.c - listening addresses of the backend (see addr.h).
 */
#include "ra/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ra/util.h"

int
addr_split(const char *s, char *host, size_t hsize, int *port)
{
	const char *colon = strrchr(s, ':'), *h = s, *hend = colon;
	char *end;
	if (!colon || colon == s)
		return -1;
	if (*s == '[') { /* an IPv6 address: "[::1]:8443" */
		if (colon[-1] != ']' || colon - s < 3)
			return -1;
		h = s + 1;
		hend = colon - 1;
	} else if (memchr(s, ':', (size_t)(colon - s))) {
		return -1; /* an IPv6 address needs its brackets */
	}
	if ((size_t)(hend - h) >= hsize)
		return -1;
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	errno = 0;
	long p = strtol(colon + 1, &end, 10);
	if (errno || *end || p < 0 || p > 65535 || end == colon + 1)
		return -1;
	*port = (int)p;
	return 0;
}

int
addr_sockaddr(const char *host, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return 0;
	}
	return -1;
}

char *
addr_url(const char *scheme, const char *host, int port)
{
	bool v6 = strchr(host, ':') != NULL;
	return util_xasprintf("%s://%s%s%s:%d", scheme, v6 ? "[" : "", host,
			      v6 ? "]" : "", port);
}

bool
addr_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return false;
}
