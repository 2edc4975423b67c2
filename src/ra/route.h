/*
 * route.h - the entries of a route table (http.h) and finding a request's
 * entry: a pattern's "{name}" (or '*') matches one path segment of
 * letters, digits and - _ . (1 to 128 of them), which becomes one of the
 * request's args.
 */
#ifndef CAKIOSK_RA_ROUTE_H
#define CAKIOSK_RA_ROUTE_H

#include "ra/app.h"

struct route {
	const char *method;
	const char *pattern; /* "/v1/orders/{id}/confirm": {name} is one segment */
	unsigned flags;
	void (*fn)(struct req *r);
};

/* The route of method and path among the routes that have every flag of
 * need (0: all), with r->args filled; NULL with *status 405 (the path is
 * known, the method is not) or 404.  The others are as if absent. */
const struct route *route_find(const struct route *routes, unsigned need,
			       const char *method, const char *path, struct req *r,
			       int *status);

#endif
