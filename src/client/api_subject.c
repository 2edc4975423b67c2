/*
 * api_subject.c - the customer's calls: the registration record, the SMS
 * code, the session it buys and the customer's orders and certificates
 * (PROTOCOL.md sections 3, 4 and 5), each reply held against its shape
 * (see api.h).
 */
#include "api_int.h"

#include <stdio.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define TIME_MAX (1LL << 40)
#define MONEY_MAX 100000000

/* ---- the registration record -------------------------------------------- */

static bool
parse_party(const json_t *o, const char *what, struct api_party *out, struct api_err *e)
{
	static const struct bfield spec[] = {
		{"name", BF_STRING, true, 1, API_NAME_MAX - 1, NULL},
		{"id_number_masked", BF_STRING, false, 0, API_MASKED_MAX - 1, NULL},
		{"mobile_masked", BF_STRING, true, 1, API_MASKED_MAX - 1, NULL},
	};

	if (!api_checked(o, spec, N(spec), what, e))
		return false;
	api_text(o, "name", out->name, sizeof out->name);
	api_text(o, "id_number_masked", out->id_masked, sizeof out->id_masked);
	api_text(o, "mobile_masked", out->mobile_masked, sizeof out->mobile_masked);
	return true;
}

bool
api_parse_subject(const json_t *reply, bool unit, struct api_subject *out,
		  struct api_err *e)
{
	static const struct bfield common[] = {
		{"id", BF_TOKEN, true, 15, API_SUBJECT_ID_MAX - 1, NULL},
		{"name", BF_STRING, true, 1, API_NAME_MAX - 1, NULL},
		{"address", BF_STRING, false, 0, 255, NULL},
		{"postcode", BF_STRING, false, 0, 15, NULL},
		{"email", BF_STRING, false, 0, API_NAME_MAX - 1, NULL},
	};
	static const struct bfield unit_spec[] = {
		{"legal_rep", BF_OBJECT, true, 0, 0, NULL},
		{"agent", BF_OBJECT, true, 0, 0, NULL},
		{"bank", BF_OBJECT, false, 0, 0, NULL},
	};
	static const struct bfield bank_spec[] = {
		{"name", BF_STRING, false, 0, API_NAME_MAX - 1, NULL},
		{"account_masked", BF_STRING, false, 0, API_MASKED_MAX - 1, NULL},
	};
	static const struct bfield person_spec[] = {
		{"id_number_masked", BF_STRING, false, 0, API_MASKED_MAX - 1, NULL},
		{"mobile_masked", BF_STRING, true, 1, API_MASKED_MAX - 1, NULL},
		{"bank_account_masked", BF_STRING, false, 0, API_MASKED_MAX - 1, NULL},
	};
	const json_t *o = json_object_get(reply, unit ? "unit" : "person");

	memset(out, 0, sizeof *out);
	out->unit = unit;
	if (!api_checked(o, common, N(common), "registry", e))
		return false;
	api_text(o, "id", out->id, sizeof out->id);
	api_text(o, "name", out->name, sizeof out->name);
	api_text(o, "address", out->address, sizeof out->address);
	api_text(o, "postcode", out->postcode, sizeof out->postcode);
	api_text(o, "email", out->email, sizeof out->email);
	if (unit) {
		const json_t *bank = json_object_get(o, "bank");

		if (!api_checked(o, unit_spec, N(unit_spec), "registry", e) ||
		    !parse_party(json_object_get(o, "legal_rep"), "legal_rep",
				 &out->legal_rep, e) ||
		    !parse_party(json_object_get(o, "agent"), "agent", &out->agent, e))
			return false;
		if (bank != NULL) {
			if (!api_checked(bank, bank_spec, N(bank_spec), "bank", e))
				return false;
			api_text(bank, "name", out->bank, sizeof out->bank);
			api_text(bank, "account_masked", out->account_masked,
				 sizeof out->account_masked);
		}
		return true;
	}
	if (!api_checked(o, person_spec, N(person_spec), "registry", e))
		return false;
	api_text(o, "id_number_masked", out->self.id_masked, sizeof out->self.id_masked);
	api_text(o, "mobile_masked", out->self.mobile_masked,
		 sizeof out->self.mobile_masked);
	api_text(o, "bank_account_masked", out->account_masked,
		 sizeof out->account_masked);
	return true;
}

struct subject_out {
	bool unit;
	struct api_subject *s;
};

static bool
parse_subject(const json_t *reply, void *out, struct api_err *e)
{
	struct subject_out *so = out;

	return api_parse_subject(reply, so->unit, so->s, e);
}

bool
api_registry_get(bool unit, const char *id, struct job *job, struct api_subject *out,
		 struct api_err *e)
{
	struct subject_out so = {unit, out};

	memset(out, 0, sizeof *out);
	return api_request_as("GET",
			      unit ? "/v1/registry/units/" : "/v1/registry/persons/", id,
			      "", NULL, NULL, NULL, job, parse_subject, &so, e);
}

/* ---- the SMS code and the session --------------------------------------- */

bool
api_parse_sms(const json_t *reply, struct api_sms *out, struct api_err *e)
{
	static const struct bfield spec[] = {
		{"sent_to", BF_STRING, true, 1, API_MASKED_MAX - 1, NULL},
		{"expires_in", BF_INT, true, 1, 3600, NULL},
		{"resend_after", BF_INT, true, 0, 3600, NULL},
		{"max_tries", BF_INT, false, 1, 100, NULL},
	};

	memset(out, 0, sizeof *out);
	if (!api_checked(reply, spec, N(spec), "sms", e))
		return false;
	api_text(reply, "sent_to", out->sent_to, sizeof out->sent_to);
	out->expires_in = (int)api_num(reply, "expires_in");
	out->resend_after = (int)api_num(reply, "resend_after");
	out->max_tries = (int)api_num(reply, "max_tries");
	return true;
}

static bool
parse_sms(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_sms(reply, out, e);
}

bool
api_sms_send(bool unit, const char *id, const char *purpose, const char *to,
	     const char *idem, struct job *job, struct api_sms *out, struct api_err *e)
{
	json_t *body = json_pack("{s:s, s:s, s:s}", "subject_type",
				 unit ? "unit" : "person", "subject_id", id, "purpose",
				 purpose != NULL ? purpose : "query");

	memset(out, 0, sizeof *out);
	if (to != NULL && to[0] != '\0')
		json_object_set_new(body, "to", json_string(to));
	return api_request_as("POST", "/v1/sms", NULL, "", body, idem, NULL, job,
			      parse_sms, out, e);
}

bool
api_parse_session(const json_t *reply, struct api_session *out, struct api_err *e)
{
	static const struct bfield spec[] = {
		{"session", BF_TOKEN, true, 16, API_SESSION_MAX - 1, NULL},
		{"expires_in", BF_INT, true, 1, 24 * 3600, NULL},
	};

	memset(out, 0, sizeof *out);
	if (!api_checked(reply, spec, N(spec), "session", e))
		return false;
	api_text(reply, "session", out->token, sizeof out->token);
	out->expires_in = (int)api_num(reply, "expires_in");
	return true;
}

static bool
parse_session(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_session(reply, out, e);
}

bool
api_session_create(bool unit, const char *id, const char *code, const char *idem,
		   struct job *job, struct api_session *out, struct api_err *e)
{
	memset(out, 0, sizeof *out);
	return api_request_as("POST", "/v1/sessions", NULL, "",
			      json_pack("{s:s, s:s, s:s}", "subject_type",
					unit ? "unit" : "person", "subject_id", id,
					"code", code),
			      idem, NULL, job, parse_session, out, e);
}

/* ---- the customer's orders and certificates ------------------------------ */

static bool
parse_order_row(const json_t *o, struct api_order_row *out, struct api_err *e)
{
	static const struct bfield spec[] = {
		{"id", BF_TOKEN, true, 1, API_ID_MAX - 1, NULL},
		{"kind", BF_ENUM, true, 0, 0, api_order_kinds},
		{"state", BF_ENUM, true, 0, 0, api_order_states},
		{"price", BF_INT, true, 0, MONEY_MAX, NULL},
		{"term_years", BF_INT, false, 0, 10, NULL},
		{"created", BF_INT, true, 0, TIME_MAX, NULL},
		{"updated", BF_INT, false, 0, TIME_MAX, NULL},
		{"tracking", BF_STRING, false, 0, API_TRACKING_MAX - 1, NULL},
	};

	if (!api_checked(o, spec, N(spec), "orders", e))
		return false;
	api_text(o, "id", out->id, sizeof out->id);
	api_text(o, "kind", out->kind, sizeof out->kind);
	api_text(o, "state", out->state, sizeof out->state);
	out->price = (long)api_num(o, "price");
	out->term_years = (int)api_num(o, "term_years");
	out->created = api_num(o, "created");
	out->updated = api_num(o, "updated");
	api_text(o, "tracking", out->tracking, sizeof out->tracking);
	return true;
}

static bool
parse_cert_row(const json_t *o, struct api_cert_row *out, struct api_err *e)
{
	static const char *const status[] = {"valid", "revoked", NULL};
	static const struct bfield spec[] = {
		{"serial", BF_TOKEN, true, 1, API_SERIAL_MAX - 1, NULL},
		{"subject_dn", BF_STRING, false, 0, 1024, NULL},
		{"not_before", BF_INT, true, 0, TIME_MAX, NULL},
		{"not_after", BF_INT, true, 1, TIME_MAX, NULL},
		{"status", BF_ENUM, true, 0, 0, status},
		{"token_serial", BF_STRING, false, 0, 63, NULL},
		{"form", BF_OBJECT, false, 0, 0, NULL},
	};
	static const struct bfield form_spec[] = {
		{"contact_name", BF_STRING, false, 0, API_FORM_MAX - 1, NULL},
		{"mobile", BF_STRING, false, 0, API_FORM_MAX - 1, NULL},
		{"address", BF_STRING, false, 0, API_FORM_MAX - 1, NULL},
		{"postcode", BF_STRING, false, 0, API_FORM_MAX - 1, NULL},
		{"email", BF_STRING, false, 0, API_FORM_MAX - 1, NULL},
	};
	const json_t *form = json_object_get(o, "form");
	char st[16];

	if (!api_checked(o, spec, N(spec), "certificates", e))
		return false;
	api_text(o, "serial", out->serial, sizeof out->serial);
	api_text(o, "subject_dn", out->subject_dn, sizeof out->subject_dn);
	out->not_before = api_num(o, "not_before");
	out->not_after = api_num(o, "not_after");
	api_text(o, "status", st, sizeof st);
	out->revoked = strcmp(st, "revoked") == 0;
	api_text(o, "token_serial", out->token_serial, sizeof out->token_serial);
	if (form == NULL)
		return true;
	if (!api_checked(form, form_spec, N(form_spec), "certificates", e))
		return false;
	api_text(form, "contact_name", out->contact, sizeof out->contact);
	api_text(form, "mobile", out->mobile, sizeof out->mobile);
	api_text(form, "address", out->address, sizeof out->address);
	api_text(form, "postcode", out->postcode, sizeof out->postcode);
	api_text(form, "email", out->email, sizeof out->email);
	return true;
}

bool
api_parse_history(const json_t *reply, struct api_history *out, struct api_err *e)
{
	static const struct bfield spec[] = {
		{"orders", BF_ARRAY, true, 0, 100000, NULL},
		{"certificates", BF_ARRAY, true, 0, 100000, NULL},
	};
	const json_t *orders, *certs, *v;
	size_t i;

	memset(out, 0, sizeof *out);
	if (!api_checked(reply, spec, N(spec), "history", e))
		return false;
	orders = json_object_get(reply, "orders");
	certs = json_object_get(reply, "certificates");
	/* Newest first, as sent; what is beyond the list's room is left. */
	json_array_foreach(orders, i, v)
	{
		if (out->norders == API_HISTORY_MAX)
			break;
		if (!parse_order_row(v, &out->orders[out->norders++], e))
			return false;
	}
	json_array_foreach(certs, i, v)
	{
		if (out->ncerts == API_HISTORY_MAX)
			break;
		if (!parse_cert_row(v, &out->certs[out->ncerts++], e))
			return false;
	}
	return true;
}

static bool
parse_history(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_history(reply, out, e);
}

bool
api_history_get(bool unit, const char *id, const char *bearer, struct job *job,
		struct api_history *out, struct api_err *e)
{
	memset(out, 0, sizeof *out);
	return api_request_as("GET", unit ? "/v1/subjects/unit/" : "/v1/subjects/person/",
			      id, "/orders", NULL, NULL, bearer, job, parse_history, out,
			      e);
}
