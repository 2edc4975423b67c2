/*
 * addr.c - listening addresses of the backend (see addr.h).
 */
#include "ra/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int
addr_listen(const char *host, int port, int *bound, char **err)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int one = 1, fd = -1;
	if (addr_sockaddr(host, port, &ss) != 0) {
		*err = util_xasprintf("\"%s\" is no IPv4 or IPv6 address", host);
		return -1;
	}
	/* IPv6 only on an IPv6 socket: [::]:PORT takes no IPv4 client. */
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) <
		    0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    (ss.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
	    bind(fd, (struct sockaddr *)&ss,
		 ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					  : sizeof(struct sockaddr_in)) != 0 ||
	    listen(fd, 512) != 0 || getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		char *u = addr_url("https", host, port);
		*err = util_xasprintf("cannot listen on %s: %s", u + 8, strerror(errno));
		free(u);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						: ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}
