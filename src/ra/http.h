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

/* Starts serving on host:port with the routes (NULL-terminated table). */
struct http *http_start(struct app *app, const char *host, int port,
			const struct route *routes, char **err);
void http_stop(struct http *h);
/* The port actually bound (useful with port 0). */
int http_port(struct http *h);

#endif
