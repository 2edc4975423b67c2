/*
 * api_int.h - inside the client: reading replies (api_reply.c) for the
 * calls (api.c).  Screens and services use api.h.
 */
#ifndef CAKIOSK_API_INT_H
#define CAKIOSK_API_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "api.h"

/* One call: method on prefix + id + suffix (id NULL: prefix alone; an id
 * must be one that can go into a path), body stolen, the reply parsed by
 * parse into out. */
typedef bool (*api_parse_fn)(const json_t *reply, void *out, struct api_err *e);
bool api_request(const char *method, const char *prefix, const char *id,
		 const char *suffix, json_t *body, const char *idem, struct job *job,
		 api_parse_fn parse, void *out, struct api_err *e);
/* The same with the customer's session (bearer, NULL: none). */
bool api_request_as(const char *method, const char *prefix, const char *id,
		    const char *suffix, json_t *body, const char *idem,
		    const char *bearer, struct job *job, api_parse_fn parse, void *out,
		    struct api_err *e);
/* The same with this call's own limits and session (backend_opts). */
bool api_request_opts(const char *method, const char *prefix, const char *id,
		      const char *suffix, json_t *body, const char *idem,
		      const struct backend_opts *opts, struct job *job,
		      api_parse_fn parse, void *out, struct api_err *e);
/* The order kinds and states the protocol has (NULL-terminated). */
extern const char *const api_order_kinds[];
extern const char *const api_order_states[];

/* e says the reply was not what the protocol allows (logged); false. */
bool api_garbage(struct api_err *e, const char *what, const char *why);
/* obj against spec (n rows), else api_garbage. */
bool api_checked(const json_t *obj, const struct bfield *spec, size_t n, const char *what,
		 struct api_err *e);
/* A string member of obj into buf, sanitized and cut; "" when absent. */
void api_text(const json_t *obj, const char *key, char *buf, size_t len);
/* An integer member of obj, 0 when absent. */
long long api_num(const json_t *obj, const char *key);

/* An SO PIN (or a PIN) as the protocol has it: 4..32 visible ASCII, copied
 * raw into out (API_SO_PIN_MAX; never sanitized: a changed character would
 * be another PIN); "" when absent and not required. */
bool api_so_pin_copy(const json_t *o, const char *key, bool required, char *out,
		     struct api_err *e);
struct api_seal {
	unsigned char *der;
	size_t len;
};
bool api_parse_seal(const json_t *reply, struct api_seal *out, struct api_err *e);

#endif
