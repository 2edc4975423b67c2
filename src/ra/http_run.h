/*
 * http_run.h - a request's handler run in one store transaction, with the
 * POST's Idempotency-Key, the CA's work done without the lock, and runs
 * again after a lost race (http.c calls it once the request is read).
 */
#ifndef CAKIOSK_RA_HTTP_RUN_H
#define CAKIOSK_RA_HTTP_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "ra/app.h"
#include "ra/route.h"

/* Runs route's handler for r, whose body is buf (len bytes, NULL: none);
 * sets *replayed when the answer is a stored one. */
void http_run(struct app *app, const struct route *route, struct req *r, const char *buf,
	      size_t len, bool *replayed);

#endif
