/*
 * api_terminal.c - the terminal's own calls: renewing its certificate and
 * its heartbeat (see api.h and PROTOCOL.md).
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_int.h"
#include "xmem.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define TIME_MAX (1LL << 40)

static bool
parse_renewed(const json_t *reply, void *arg, struct api_err *e)
{
	static const struct bfield spec[] = {
		{"certificate", BF_STRING, true, 1, API_PEM_MAX, NULL},
		{"serial", BF_TOKEN, true, 1, API_SERIAL_MAX - 1, NULL},
		{"not_after", BF_INT, true, 1, TIME_MAX, NULL},
	};
	struct api_issued *out = arg;

	api_issued_free(out);
	if (!api_checked(reply, spec, N(spec), "renewed certificate", e))
		return false;
	/* Never drawn, only parsed: kept as it came. */
	out->pem = xstrdup(json_string_value(json_object_get(reply, "certificate")));
	api_text(reply, "serial", out->serial, sizeof out->serial);
	out->not_after = api_num(reply, "not_after");
	return true;
}

bool
api_terminal_renew(const char *csr_pem, const char *idem, struct job *job,
		   struct api_issued *out, struct api_err *e)
{
	memset(out, 0, sizeof *out);
	return api_request("POST", "/v1/terminal/renew", NULL, "",
			   json_pack("{s:s}", "csr", csr_pem), idem, job, parse_renewed,
			   out, e);
}

bool
api_parse_heartbeat(const json_t *reply, struct api_heartbeat *out, struct api_err *e)
{
	static const char *const states[] = {"ok", "expiring", "superseded", NULL};
	static const struct bfield spec[] = {
		{"serial", BF_TOKEN, true, 1, API_SERIAL_MAX - 1, NULL},
		{"not_after", BF_INT, true, 1, TIME_MAX, NULL},
		{"state", BF_ENUM, true, 0, 0, states},
	};
	static const struct bfield top[] = {
		{"certificate", BF_OBJECT, true, 0, 0, NULL},
	};
	const json_t *c = json_object_get(reply, "certificate");

	memset(out, 0, sizeof *out);
	if (!api_checked(reply, top, N(top), "heartbeat", e) ||
	    !api_checked(c, spec, N(spec), "heartbeat", e))
		return false;
	api_text(c, "serial", out->serial, sizeof out->serial);
	api_text(c, "state", out->state, sizeof out->state);
	out->not_after = api_num(c, "not_after");
	return true;
}

static bool
parse_heartbeat(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_heartbeat(reply, out, e);
}

bool
api_terminal_heartbeat(const struct api_beat *in, struct job *job,
		       struct api_heartbeat *out, struct api_err *e)
{
	json_t *body = json_pack("{s:s, s:i, s:b}", "version", in->version, "readers",
				 in->readers, "ukey", in->ukey);

	if (in->cert_not_after > 0)
		json_object_set_new(body, "cert_not_after",
				    json_integer((json_int_t)in->cert_not_after));
	if (in->last_error != NULL && in->last_error[0] != '\0') {
		json_object_set_new(body, "last_error", json_string(in->last_error));
		json_object_set_new(body, "last_error_at",
				    json_integer((json_int_t)in->last_error_at));
	}
	/* No Idempotency-Key: a heartbeat sent twice only says it twice. */
	return api_request("POST", "/v1/terminal/heartbeat", NULL, "", body, NULL, job,
			   parse_heartbeat, out, e);
}
