/*
 * api_int.h - inside the client: reading replies (api_reply.c) for the
 * calls (api.c).  Screens and services use api.h.
 */
#ifndef CAKIOSK_API_INT_H
#define CAKIOSK_API_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "api.h"

/* e says the reply was not what the protocol allows (logged); false. */
bool api_garbage(struct api_err *e, const char *what, const char *why);
/* obj against spec (n rows), else api_garbage. */
bool api_checked(const json_t *obj, const struct bfield *spec, size_t n, const char *what,
		 struct api_err *e);
/* A string member of obj into buf, sanitized and cut; "" when absent. */
void api_text(const json_t *obj, const char *key, char *buf, size_t len);
/* An integer member of obj, 0 when absent. */
long long api_num(const json_t *obj, const char *key);

struct api_seal {
	unsigned char *der;
	size_t len;
};
bool api_parse_seal(const json_t *reply, struct api_seal *out, struct api_err *e);

#endif
