/*
 * metrics_http.h - the listener of GET /metrics (--metrics-listen): plain
 * HTTP, apart from the terminals' mTLS listener, meant for loopback or a
 * private network only (it asks nobody who they are).
 */
#ifndef CAKIOSK_RA_METRICS_HTTP_H
#define CAKIOSK_RA_METRICS_HTTP_H

#include "ra/app.h"

struct metrics_http;

/* Serves GET /metrics on host:port (port 0: a free one).  NULL + *err. */
struct metrics_http *metrics_http_start(struct app *app, const char *host, int port,
					char **err);
/* The port actually bound. */
int metrics_http_port(struct metrics_http *mh);
void metrics_http_stop(struct metrics_http *mh);

#endif
