/*
 * api_personal.c - the counter's calls: instant issuance by staff logged in
 * at this kiosk (the recorded SO PIN and the certificate PIN, the
 * certificate with the token's escrow, the order made) and the backend's
 * view of a token (see api_personal.h).  Bodies and replies holding a PIN
 * are wiped when freed (backend.c); the caller wipes its structs.
 */
#include "api_personal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "xmem.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define TIME_MAX (1LL << 40)

static const char *const subject_types[] = {"unit", "person", NULL};

bool
api_parse_personal(const json_t *reply, struct api_personal *out, struct api_err *e)
{
	static const char *const states[] = {"approved", "issued", NULL};
	static const struct bfield spec[] = {
		{"kind", BF_ENUM, true, 0, 0, api_order_kinds},
		{"state", BF_ENUM, true, 0, 0, states},
		{"subject_type", BF_ENUM, true, 0, 0, subject_types},
		{"subject_id", BF_TOKEN, true, 1, API_SUBJECT_ID_MAX - 1, NULL},
		{"name", BF_STRING, false, 0, 512, NULL},
		{"pin_delivery", BF_STRING, false, 0, 63, NULL},
		{"so_pin", BF_STRING, true, 4, 32, NULL},
		{"user_pin", BF_STRING, true, 4, 32, NULL},
		{"token_serial", BF_STRING, false, 1, 64, NULL},
	};
	char st[API_STATE_MAX];

	api_personal_free(out);
	if (!api_checked(reply, spec, N(spec), "personalization", e))
		return false;
	api_text(reply, "kind", out->kind, sizeof out->kind);
	api_text(reply, "state", out->state, sizeof out->state);
	api_text(reply, "subject_type", st, sizeof st);
	out->unit = strcmp(st, "unit") == 0;
	api_text(reply, "subject_id", out->subject_id, sizeof out->subject_id);
	api_text(reply, "name", out->name, sizeof out->name);
	api_text(reply, "pin_delivery", out->pin_delivery, sizeof out->pin_delivery);
	/* Compared with the token's own serial, never drawn unsanitized. */
	api_text(reply, "token_serial", out->token_serial, sizeof out->token_serial);
	if (!api_so_pin_copy(reply, "so_pin", true, out->so_pin, e) ||
	    !api_so_pin_copy(reply, "user_pin", true, out->user_pin, e) ||
	    (strcmp(out->state, "issued") == 0 &&
	     !api_parse_issued(reply, &out->issued, e))) {
		api_personal_free(out);
		return false;
	}
	return true;
}

void
api_personal_free(struct api_personal *p)
{
	api_issued_free(&p->issued);
	secure_wipe(p, sizeof *p);
}

static bool
parse_personal(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_personal(reply, out, e);
}

bool
api_personalize(const char *order_id, const char *so_pin, const char *staff,
		const char *idem, struct job *job, struct api_personal *out,
		struct api_err *e)
{
	memset(out, 0, sizeof *out);
	return api_request_as("POST", "/v1/orders/", order_id, "/personalize",
			      json_pack("{s:s}", "so_pin", so_pin), idem, staff, job,
			      parse_personal, out, e);
}

static bool
parse_issued(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_issued(reply, out, e);
}

bool
api_certificate_escrow(const char *order_id, const char *csr_pem,
		       const char *token_serial, const char *so_pin, const char *staff,
		       const char *idem, struct job *job, struct api_issued *out,
		       struct api_err *e)
{
	memset(out, 0, sizeof *out);
	return api_request_as("POST", "/v1/orders/", order_id, "/certificate",
			      json_pack("{s:s, s:s, s:s}", "csr", csr_pem, "token_serial",
					token_serial, "so_pin", so_pin),
			      idem, staff, job, parse_issued, out, e);
}

static bool
parse_order(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_order(reply, out, e);
}

bool
api_order_made(const char *order_id, const char *staff, const char *idem, struct job *job,
	       struct api_order *out, struct api_err *e)
{
	memset(out, 0, sizeof *out);
	return api_request_as("POST", "/v1/orders/", order_id, "/made", json_object(),
			      idem, staff, job, parse_order, out, e);
}

bool
api_parse_token_view(const json_t *reply, struct api_token_view *out, struct api_err *e)
{
	static const struct bfield spec[] = {
		{"escrowed", BF_BOOL, true, 0, 0, NULL},
		{"unlock_pending", BF_BOOL, false, 0, 0, NULL},
		{"owner", BF_OBJECT, false, 0, 0, NULL},
		{"certificates", BF_ARRAY, true, 0, 1000, NULL},
		{"orders", BF_ARRAY, true, 0, 1000, NULL},
	};
	static const struct bfield owner_spec[] = {
		{"subject_type", BF_ENUM, true, 0, 0, subject_types},
		{"subject_id", BF_TOKEN, true, 1, API_SUBJECT_ID_MAX - 1, NULL},
	};
	static const struct bfield cert_spec[] = {
		{"serial", BF_TOKEN, true, 1, API_SERIAL_MAX - 1, NULL},
		{"status", BF_STRING, true, 1, 15, NULL},
		{"not_after", BF_INT, true, 0, TIME_MAX, NULL},
		{"order_id", BF_STRING, false, 0, API_ID_MAX - 1, NULL},
		{"order_state", BF_STRING, false, 0, API_STATE_MAX - 1, NULL},
	};
	static const struct bfield order_spec[] = {
		{"id", BF_TOKEN, true, 1, API_ID_MAX - 1, NULL},
		{"kind", BF_ENUM, true, 0, 0, api_order_kinds},
		{"state", BF_ENUM, true, 0, 0, api_order_states},
	};
	const json_t *owner = json_object_get(reply, "owner"), *a, *row;
	size_t i;

	memset(out, 0, sizeof *out);
	if (!api_checked(reply, spec, N(spec), "token", e) ||
	    (owner != NULL && !api_checked(owner, owner_spec, N(owner_spec), "owner", e)))
		return false;
	out->escrowed = json_is_true(json_object_get(reply, "escrowed"));
	out->unlock_pending = json_is_true(json_object_get(reply, "unlock_pending"));
	if (owner != NULL) {
		char st[16];

		out->has_owner = true;
		api_text(owner, "subject_type", st, sizeof st);
		out->owner_unit = strcmp(st, "unit") == 0;
		api_text(owner, "subject_id", out->owner_id, sizeof out->owner_id);
	}
	a = json_object_get(reply, "certificates");
	json_array_foreach(a, i, row)
	{
		if (i >= API_TOKEN_CERTS_MAX)
			break;
		if (!api_checked(row, cert_spec, N(cert_spec), "token certificate", e))
			return false;
		api_text(row, "serial", out->certs[i].serial,
			 sizeof out->certs[i].serial);
		api_text(row, "status", out->certs[i].status,
			 sizeof out->certs[i].status);
		out->certs[i].not_after = api_num(row, "not_after");
		api_text(row, "order_id", out->certs[i].order_id,
			 sizeof out->certs[i].order_id);
		api_text(row, "order_state", out->certs[i].order_state,
			 sizeof out->certs[i].order_state);
		out->ncerts = (int)i + 1;
	}
	a = json_object_get(reply, "orders");
	json_array_foreach(a, i, row)
	{
		if (i >= API_TOKEN_ORDERS_MAX)
			break;
		if (!api_checked(row, order_spec, N(order_spec), "token order", e))
			return false;
		api_text(row, "id", out->orders[i].id, sizeof out->orders[i].id);
		api_text(row, "kind", out->orders[i].kind, sizeof out->orders[i].kind);
		api_text(row, "state", out->orders[i].state, sizeof out->orders[i].state);
		out->norders = (int)i + 1;
	}
	return true;
}

static bool
parse_token_view(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_token_view(reply, out, e);
}

bool
api_token_get(const char *serial, const char *staff, struct job *job,
	      struct api_token_view *out, struct api_err *e)
{
	memset(out, 0, sizeof *out);
	return api_request_as("GET", "/v1/tokens/", serial, "", NULL, NULL, staff, job,
			      parse_token_view, out, e);
}
