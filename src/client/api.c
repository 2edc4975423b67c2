/*
 * api.c - the protocol's paths and calls over backend.c's transport; the
 * replies are read by api_reply.c (see api.h).
 */
#include "api.h"
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "i18n.h"
#include "linkstate.h"
#include "log.h"
#include "worker.h"
#include "xmem.h"

#define HEALTH_TIMEOUT_S 4

/* ---- errors and the status line ----------------------------------------- */

const char *
api_reason(const struct api_err *e)
{
	if (e->err == BACKEND_REFUSED && strcmp(e->code, "not_eligible") == 0)
		return N_("The service centre says this certificate cannot be renewed "
			  "now.");
	/* A renewal of a renamed unit, or a change renamed again since. */
	if (e->err == BACKEND_REFUSED && strcmp(e->code, "registry_changed") == 0)
		return N_("The registration platform holds another name for this "
			  "certificate's owner now. A new name is taken with \"Change "
			  "certificate details\"; please ask the staff.");
	if (e->err == BACKEND_REFUSED && (strcmp(e->code, "client_cert_required") == 0 ||
					  strcmp(e->code, "terminal_mismatch") == 0))
		return N_("The service centre does not accept this kiosk's certificate. "
			  "Please ask the staff.");
	return backend_err_reason(e->err, e->code);
}

bool
api_refused(const struct api_err *e, const char *code)
{
	return e->err == BACKEND_REFUSED && strcmp(e->code, code) == 0;
}

enum link_state
api_link_state(const struct api_err *e)
{
	switch (e->err) {
	case BACKEND_CANCELLED:
		return LINK_UNKNOWN;
	case BACKEND_UNREACHABLE:
	case BACKEND_TIMEOUT:
		return LINK_DOWN;
	case BACKEND_TLS:
		return LINK_UNTRUSTED;
	case BACKEND_CONFIG:
		return LINK_CONFIG;
	case BACKEND_REFUSED:
		if (strcmp(e->code, "client_cert_required") == 0) {
			long long end = backend_cert_not_after();

			if (end != 0 && end <= (long long)time(NULL))
				return LINK_CERT_EXPIRED;
			return strcmp(e->reason, "revoked") == 0 ? LINK_CERT_REVOKED
								 : LINK_CERT_REFUSED;
		}
		/* The certificate names another terminal than this one's id. */
		if (strcmp(e->code, "terminal_mismatch") == 0)
			return LINK_CERT_REFUSED;
		break;
	case BACKEND_OK:
	case BACKEND_SERVER:
	case BACKEND_GARBAGE:
		break;
	}
	/* It answered over a connection it accepted. */
	return LINK_UP;
}

/* What a finished call says about the backend (nothing when cancelled). */
static void
report(const struct api_err *e)
{
	enum link_state s = api_link_state(e);

	if (s != LINK_UNKNOWN)
		link_report(s);
}

static bool
path_id(const char *id, struct api_err *e)
{
	static const struct bfield spec[] = {
		{"id", BF_TOKEN, true, 1, API_ID_MAX - 1, NULL}};
	json_t *o = json_pack("{s:s}", "id", id != NULL ? id : "");
	char why[128];
	bool ok = o != NULL && backend_check(o, spec, 1, why, sizeof why);

	json_decref(o);
	if (!ok) {
		e->err = BACKEND_CONFIG;
		snprintf(e->why, sizeof e->why, "not an id for a path");
		log_warn("backend call not made: an id that cannot go into a path");
	}
	return ok;
}

/* One call: the transport, the error body, the status line. */
static bool
call(const char *method, const char *path, const json_t *body, const char *idem,
     struct job *job, const struct backend_opts *opts, struct backend_reply *rep,
     struct api_err *e)
{
	memset(e, 0, sizeof *e);
	e->err = backend_call_opts(method, path, body, idem, job, opts, rep);
	e->status = rep->status;
	snprintf(e->code, sizeof e->code, "%s", rep->code);
	if (e->err == BACKEND_REFUSED) {
		const json_t *err = json_object_get(rep->json, "error");

		const json_t *tl = json_object_get(err, "tries_left");
		long long ra = api_num(err, "retry_after");

		api_text(err, "state", e->state, sizeof e->state);
		api_text(err, "reason", e->reason, sizeof e->reason);
		e->retry_after = ra > 0 && ra <= 24 * 3600 ? (long)ra : 0;
		e->until_reset = json_is_true(json_object_get(err, "until_reset"));
		e->tries_left = json_is_integer(tl) && json_integer_value(tl) >= 0 &&
						json_integer_value(tl) < 100
					? (int)json_integer_value(tl)
					: -1;
	} else {
		e->tries_left = -1;
	}
	report(e);
	/* A customer's ID number is in the path of these: not logged. */
	if (strncmp(path, "/v1/registry/", 13) == 0 ||
	    strncmp(path, "/v1/subjects/", 13) == 0)
		log_info("backend %s %.13s...: %s (%ld %s)", method, path,
			 backend_err_name(e->err), rep->status, rep->code);
	else
		log_info("backend %s %s: %s (%ld %s)", method, path,
			 backend_err_name(e->err), rep->status, rep->code);
	return e->err == BACKEND_OK;
}

/* ---- the calls ---------------------------------------------------------------- */

bool
api_health(struct job *job, struct api_health *out, struct api_err *e)
{
	static const struct backend_opts quick = {.timeout_s = HEALTH_TIMEOUT_S,
						  .attempts = 1};
	struct backend_reply rep = {0};
	bool ok = call("GET", "/v1/health", NULL, NULL, job, &quick, &rep, e) &&
		  api_parse_health(rep.json, out, e);

	backend_reply_free(&rep);
	/* The health answer is public; the prices need this terminal's
	 * certificate, so an expired or revoked one shows here. */
	if (ok) {
		ok = call("GET", "/v1/prices", NULL, NULL, job, &quick, &rep, e) &&
		     api_parse_prices(rep.json, e);
		backend_reply_free(&rep);
	}
	return ok;
}

/* How a reply becomes a struct: one of the api_parse_* functions. */

static bool
parse_order(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_order(reply, out, e);
}

static bool
parse_payment_new(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_payment(reply, true, out, e);
}

static bool
parse_payment(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_payment(reply, false, out, e);
}

static bool
parse_certificate(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_certificate(reply, out, e);
}

static bool
parse_issued_now(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_issued(reply, out, e);
}

static bool
parse_seal(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_seal(reply, out, e);
}

/* See api_int.h. */
bool
api_request_as(const char *method, const char *prefix, const char *id, const char *suffix,
	       json_t *body, const char *idem, const char *bearer, struct job *job,
	       api_parse_fn parse, void *out, struct api_err *e)
{
	struct backend_opts opts = {.bearer = bearer};

	return api_request_opts(method, prefix, id, suffix, body, idem, &opts, job, parse,
				out, e);
}

/* See api_int.h. */
bool
api_request_opts(const char *method, const char *prefix, const char *id,
		 const char *suffix, json_t *body, const char *idem,
		 const struct backend_opts *o, struct job *job, api_parse_fn parse,
		 void *out, struct api_err *e)
{
	struct backend_reply rep = {0};
	struct backend_opts opts = *o;
	bool ok = false;

	if (id == NULL || path_id(id, e)) {
		char path[256];

		snprintf(path, sizeof path, "%s%s%s", prefix, id != NULL ? id : "",
			 suffix);
		ok = call(method, path, body, idem, job, &opts, &rep, e) &&
		     parse(rep.json, out, e);
	}
	/* Bodies and replies may hold secrets (an SO PIN): wiped. */
	json_decref(body);
	backend_reply_free(&rep);
	return ok;
}

static bool
request(const char *method, const char *prefix, const char *id, const char *suffix,
	json_t *body, const char *idem, struct job *job, api_parse_fn parse, void *out,
	struct api_err *e)
{
	return api_request_as(method, prefix, id, suffix, body, idem, NULL, job, parse,
			      out, e);
}

bool
api_request(const char *method, const char *prefix, const char *id, const char *suffix,
	    json_t *body, const char *idem, struct job *job, api_parse_fn parse,
	    void *out, struct api_err *e)
{
	return request(method, prefix, id, suffix, body, idem, job, parse, out, e);
}

bool
api_order_create(const struct api_order_new *in, const char *idem, struct job *job,
		 struct api_order *out, struct api_err *e)
{
	const struct {
		const char *name, *value;
	} members[] = {
		{"email", in->email},
		{"mobile", in->mobile},
		{"contact_name", in->contact_name},
		{"address", in->address},
		{"postcode", in->postcode},
		{"region", in->region},
	};
	json_t *form = json_object(), *body;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
		if (members[i].value != NULL && members[i].value[0] != '\0')
			json_object_set_new(form, members[i].name,
					    json_string(members[i].value));
	body = json_pack("{s:s, s:s, s:s, s:i, s:o}", "kind", in->kind, "subject_type",
			 in->unit ? "unit" : "person", "subject_id", in->subject_id,
			 "term_years", in->term_years, "form", form);
	if (in->certificate != NULL)
		json_object_set_new(body, "certificate", json_string(in->certificate));
	if (in->old_serial != NULL && in->old_serial[0] != '\0')
		json_object_set_new(body, "old_serial", json_string(in->old_serial));
	if (in->reason != NULL)
		json_object_set_new(body, "reason", json_string(in->reason));
	return api_request_as("POST", "/v1/orders", NULL, "", body, idem, in->bearer, job,
			      parse_order, out, e);
}

bool
api_order_confirm(const char *order_id, const char *idem, struct job *job,
		  struct api_order *out, struct api_err *e)
{
	memset(out, 0, sizeof *out);
	return request("POST", "/v1/orders/", order_id, "/confirm", NULL, idem, job,
		       parse_order, out, e);
}

bool
api_order_cancel(const char *order_id, const char *idem, const char *bearer,
		 struct job *job, struct api_order *out, struct api_err *e)
{
	memset(out, 0, sizeof *out);
	return api_request_as("POST", "/v1/orders/", order_id, "/cancel", NULL, idem,
			      bearer, job, parse_order, out, e);
}

bool
api_order_get(const char *order_id, const char *bearer, struct job *job,
	      struct api_order *out, struct api_err *e)
{
	memset(out, 0, sizeof *out);
	return api_request_as("GET", "/v1/orders/", order_id, "", NULL, NULL, bearer, job,
			      parse_order, out, e);
}

bool
api_order_installed(const char *order_id, const char *idem, struct job *job,
		    struct api_order *out, struct api_err *e)
{
	memset(out, 0, sizeof *out);
	return request("POST", "/v1/orders/", order_id, "/installed", NULL, idem, job,
		       parse_order, out, e);
}

bool
api_payment_create(const char *order_id, const char *channel, const char *idem,
		   const char *bearer, struct job *job, struct api_payment *out,
		   struct api_err *e)
{
	memset(out, 0, sizeof *out);
	return api_request_as("POST", "/v1/orders/", order_id, "/payments",
			      json_pack("{s:s}", "channel", channel), idem, bearer, job,
			      parse_payment_new, out, e);
}

bool
api_payment_get(const char *payment_id, const char *bearer, struct job *job,
		struct api_payment *out, struct api_err *e)
{
	memset(out, 0, sizeof *out);
	return api_request_as("GET", "/v1/payments/", payment_id, "", NULL, NULL, bearer,
			      job, parse_payment, out, e);
}

bool
api_certificate_get(const char *serial, struct job *job, struct api_certificate *out,
		    struct api_err *e)
{
	memset(out, 0, sizeof *out);
	return request("GET", "/v1/certificates/", serial, "", NULL, NULL, job,
		       parse_certificate, out, e);
}

bool
api_certificate_request(const char *order_id, const char *csr_pem, const char *proof,
			const char *idem, struct job *job, struct api_issued *out,
			struct api_err *e)
{
	memset(out, 0, sizeof *out);
	return request("POST", "/v1/orders/", order_id, "/certificate",
		       json_pack("{s:s, s:s}", "csr", csr_pem, "proof", proof), idem, job,
		       parse_issued_now, out, e);
}

bool
api_seal_get(const char *seal_id, struct job *job, unsigned char **der, size_t *len,
	     struct api_err *e)
{
	struct api_seal seal = {0};
	bool ok = request("GET", "/v1/seals/", seal_id, "", NULL, NULL, job, parse_seal,
			  &seal, e);

	*der = seal.der;
	*len = seal.len;
	return ok;
}
