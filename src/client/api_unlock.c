/*
 * api_unlock.c - the unlock's calls (PROTOCOL.md section 12): the
 * authorization that releases the token's SO PIN, the candidate SO PIN
 * recorded before the token changes, and its promotion after.  The SO PINs
 * in requests and replies are secrets: bodies and replies are wiped when
 * freed (backend.c), the caller wipes its struct.
 */
#include "api.h"
#include "api_int.h"

#include <stdio.h>
#include <string.h>

#include "xmem.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* See api_int.h. */
bool
api_so_pin_copy(const json_t *o, const char *key, bool required, char *out,
		struct api_err *e)
{
	const json_t *v = json_object_get(o, key);
	const char *s = json_string_value(v);
	size_t len = s != NULL ? json_string_length(v) : 0;

	out[0] = '\0';
	if (v == NULL && !required)
		return true;
	if (s == NULL || len < 4 || len >= API_SO_PIN_MAX)
		return api_garbage(e, "unlock authorization",
				   "an SO PIN of a wrong length");
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return api_garbage(
				e, "unlock authorization",
				"an SO PIN with a character that is not visible ASCII");
	memcpy(out, s, len + 1);
	return true;
}

bool
api_parse_unlock_auth(const json_t *reply, struct api_unlock_auth *out, struct api_err *e)
{
	static const struct bfield spec[] = {
		{"token_serial", BF_STRING, true, 1, 64, NULL},
		{"so_pin", BF_STRING, true, 4, 32, NULL},
		{"so_pin_candidate", BF_STRING, false, 4, 32, NULL},
		{"one_time", BF_BOOL, true, 0, 0, NULL},
	};

	secure_wipe(out, sizeof *out);
	if (!api_checked(reply, spec, N(spec), "unlock authorization", e))
		return false;
	api_text(reply, "token_serial", out->token_serial, sizeof out->token_serial);
	if (api_so_pin_copy(reply, "so_pin", true, out->so_pin, e) &&
	    api_so_pin_copy(reply, "so_pin_candidate", false, out->candidate, e))
		return true;
	secure_wipe(out, sizeof *out);
	return false;
}

bool
api_parse_candidate(const json_t *reply, struct api_err *e)
{
	static const struct bfield spec[] = {
		{"token_serial", BF_STRING, true, 1, 64, NULL},
		{"recorded", BF_BOOL, true, 0, 0, NULL},
	};

	if (!api_checked(reply, spec, N(spec), "SO PIN candidate", e))
		return false;
	if (!json_is_true(json_object_get(reply, "recorded")))
		return api_garbage(e, "SO PIN candidate", "not recorded");
	return true;
}

static bool
parse_auth(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_unlock_auth(reply, out, e);
}

static bool
parse_candidate(const json_t *reply, void *out, struct api_err *e)
{
	(void)out;
	return api_parse_candidate(reply, e);
}

static bool
parse_order(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_order(reply, out, e);
}

bool
api_unlock_authorize(const char *order_id, const char *session, const char *idem,
		     struct job *job, struct api_unlock_auth *out, struct api_err *e)
{
	secure_wipe(out, sizeof *out);
	return api_request_as("POST", "/v1/orders/", order_id, "/unlock-authorization",
			      NULL, idem, session, job, parse_auth, out, e);
}

bool
api_unlock_candidate(const char *order_id, const char *so_pin, bool holds_candidate,
		     const char *idem, struct job *job, struct api_err *e)
{
	json_t *body = json_pack("{s:s, s:s}", "so_pin", so_pin, "token_holds",
				 holds_candidate ? "candidate" : "current");

	return api_request_as("POST", "/v1/orders/", order_id, "/so-pin-candidate", body,
			      idem, NULL, job, parse_candidate, NULL, e);
}

bool
api_unlock_promote(const char *order_id, const char *so_pin, const char *idem,
		   struct job *job, struct api_order *out, struct api_err *e)
{
	json_t *body = json_pack("{s:s}", "so_pin", so_pin);

	memset(out, 0, sizeof *out);
	return api_request_as("POST", "/v1/orders/", order_id, "/so-pin", body, idem,
			      NULL, job, parse_order, out, e);
}
