/*
 * shape.h - holding a JSON object against a table of its fields: types,
 * bounds, allowed values, safe strings.  How the client (api_reply.c)
 * checks every reply of the backend before anything reads it.
 */
#ifndef CAKIOSK_SHAPE_H
#define CAKIOSK_SHAPE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/*
 * BF_TOKEN: a string of letters, digits and "._:-" only (ids, serials: they
 * go into paths); BF_URL: an https:// URL without spaces or controls.
 * Both also held to min..max bytes.
 */
enum bfield_type {
	BF_STRING,
	BF_INT,
	BF_BOOL,
	BF_OBJECT,
	BF_ARRAY,
	BF_ENUM,
	BF_TOKEN,
	BF_URL
};

struct bfield {
	const char *name;
	enum bfield_type type;
	bool required;
	long long min, max;        /* BF_INT bounds; BF_STRING/ARRAY length */
	const char *const *values; /* BF_ENUM: NULL-terminated allowed strings */
};

/*
 * true when obj is an object whose fields follow spec (n rows): required
 * ones present, each of its type and within its bounds, strings valid
 * UTF-8.  Fields not in spec are allowed (the protocol may grow).  On false,
 * why gets the first problem, for the log.
 */
bool backend_check(const json_t *obj, const struct bfield *spec, size_t n, char *why,
		   size_t whylen);

#endif
