/*
 * http.h - the HTTPS front of the backend: libmicrohttpd with TLS, the
 * client-certificate check (peer.h) and body limits before the body is
 * read, the route table, one transaction per request and the
 * Idempotency-Key replay store.
 */
#ifndef CAKIOSK_RA_HTTP_H
#define CAKIOSK_RA_HTTP_H

#include "ra/app.h"
#include "ra/route.h"

struct http;

/* One listener: its socket, certificate and whom it serves. */
/* Threads answering a listener's requests (--threads): the default, and
 * the most (each holds a store connection and its buffers; far more than
 * the processors only adds waiting). */
#define HTTP_THREADS 4
#define HTTP_THREADS_MAX 64
/* Connections open at once on a listener, its threads' shares together. */
#define HTTP_CONNECTIONS 512

struct http_listener {
	int fd;                /* listening (addr_listen); the server's from now on:
				  http_stop closes it, http_start when it fails */
	const char *cert_pem;  /* the server's certificate, its chain after it */
	const char *key_pem;   /* ... and its key */
	const char *trust_pem; /* the CA whose client certificates are asked for;
				  NULL: none is asked (the public pages) */
	unsigned need;         /* only the routes with these flags (R_PAGE); 0: all */
	int threads;           /* threads answering its requests (1..HTTP_THREADS_MAX) */
};

/* Starts serving the routes (NULL-terminated table) on l.  The first
 * listener (share NULL) registers the routes' counters; another one shares
 * them and the upload places of share (one upload per link whichever
 * listener it comes through). */
struct http *http_start(struct app *app, const struct http_listener *l,
			const struct route *routes, struct http *share, char **err);
void http_stop(struct http *h);

#endif
