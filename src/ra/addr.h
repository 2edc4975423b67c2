/*
 * addr.h - listening addresses of the backend: "HOST:PORT" with an IPv4
 * address, "localhost" or a bracketed IPv6 address ("[::1]:8443"), the
 * socket address libmicrohttpd binds, and the URL a client uses for it.
 */
#ifndef CAKIOSK_RA_ADDR_H
#define CAKIOSK_RA_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* "HOST:PORT" or "[V6]:PORT" into host (without brackets) and port
 * (0..65535).  0, or -1 when s is not of that form. */
int addr_split(const char *s, char *host, size_t hsize, int *port);
/* host ("localhost", an IPv4 or an IPv6 address) and port as a socket
 * address.  0, or -1 when host is no address. */
int addr_sockaddr(const char *host, int port, struct sockaddr_storage *ss);
/* "SCHEME://HOST:PORT", an IPv6 host in brackets (new string). */
char *addr_url(const char *scheme, const char *host, int port);
/* A listening TCP socket on host:port, bound before any thread starts so
 * that the port (port 0 picks one) is known to everything made after it:
 * the socket, *bound its port; or -1 and a new *err. */
int addr_listen(const char *host, int port, int *bound, char **err);
/* True for 127.0.0.0/8 and ::1. */
bool addr_loopback(const struct sockaddr_storage *ss);

#endif
