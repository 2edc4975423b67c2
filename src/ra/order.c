/*
 * order.c - orders and their state machine, identity verification through
 * the sandbox gateways, documents and the phone upload page, payments (see
 * order.h and PROTOCOL.md).
 *
 * The state machine is one table (transitions[]); every change of state
 * goes through order_move(), which refuses a transition the table does not
 * hold and writes an order_events row in the same transaction.
 */
#include "ra/order.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ra/api.h"
#include "ra/gw.h"
#include "ra/ids.h"
#include "ra/limits.h"
#include "ra/owner.h"
#include "ra/util.h"
#include "common/codec.h"
#include "common/rules.h"
#include "common/validate.h"

#define S(o, k) json_string_value(json_object_get((o), (k)))
#define I(o, k) json_integer_value(json_object_get((o), (k)))

#define DAY 86400LL
#define UPLOAD_TTL 1800
#define DOC_LIMIT (5 * 1024 * 1024)
#define MEMO_TRIES 5

static const struct {
	const char *from, *to;
} transitions[] = {
	{"draft", "confirmed"},       {"draft", "cancelled"},
	{"confirmed", "cancelled"},   {"confirmed", "paid"},
	{"paid", "under_review"},     {"under_review", "approved"},
	{"under_review", "rejected"}, {"approved", "issued"},
	{"paid", "issued"},           {"issued", "installed"},
	{"approved", "made"},         {"made", "posted"},
	{"confirmed", "authorized"},  {"authorized", "completed"},
};

static const char *const kinds[] = {"apply",   "renew",  "unlock",
				    "reissue", "change", NULL};

static const char *const unit_docs[] = {"business_licence", "agent_id_front",
					"agent_id_back", "seal_form", NULL};
static const char *const person_docs[] = {"id_front", "id_back", "signature_form", NULL};

static const char *const *
docs_for(const char *subject_type)
{
	return strcmp(subject_type, "unit") == 0 ? unit_docs : person_docs;
}

/* Orders that staff review: a new token, or a new subject name. */
static bool
kind_needs_docs(const char *kind)
{
	return strcmp(kind, "apply") == 0 || strcmp(kind, "reissue") == 0 ||
	       strcmp(kind, "change") == 0;
}

/* Price in fen by kind, subject type and term (1..3 years). */
static int64_t
order_price(const char *kind, const char *type, int64_t years)
{
	static const int64_t apply_unit[] = {40000, 70000, 100000};
	static const int64_t apply_person[] = {20000, 35000, 50000};
	static const int64_t renew_unit[] = {30000, 55000, 80000};
	static const int64_t renew_person[] = {15000, 28000, 40000};
	/* a change is one certificate to the old end date: one price */
	static const int64_t change_unit = 20000, change_person = 10000;
	bool unit = strcmp(type, "unit") == 0;
	int i = (int)(years - 1);
	if (strcmp(kind, "apply") == 0 || strcmp(kind, "reissue") == 0)
		return unit ? apply_unit[i] : apply_person[i];
	if (strcmp(kind, "renew") == 0)
		return unit ? renew_unit[i] : renew_person[i];
	if (strcmp(kind, "change") == 0)
		return unit ? change_unit : change_person;
	return 0; /* unlock */
}

/* GET /v1/prices: the table above, so that a kiosk keeps no copy of it. */
void
h_prices(struct req *r)
{
	static const char *const types[] = {"unit", "person"};
	json_t *rows = json_array();
	for (int k = 0; kinds[k]; k++) {
		/* unlock and change are one term whatever is asked */
		bool one = strcmp(kinds[k], "unlock") == 0 || strcmp(kinds[k], "change") == 0;
		for (int t = 0; t < 2; t++)
			for (int y = 1; y <= (one ? 1 : 3); y++)
				json_array_append_new(
					rows, json_pack("{s:s, s:s, s:i, s:I}", "kind",
							kinds[k], "subject_type", types[t],
							"term_years", y, "price",
							(json_int_t)order_price(kinds[k],
										types[t], y)));
	}
	req_json(r, 200, json_pack("{s:s, s:o}", "currency", "CNY", "prices", rows));
}

json_t *
order_load(struct store *st, const char *id)
{
	json_t *o = store_query_one(st, "SELECT * FROM orders WHERE id = ?", "s", id);
	if (!o)
		return NULL;
	json_t *data = json_loads(S(o, "data"), 0, NULL);
	json_object_set_new(o, "form", data ? data : json_object());
	json_object_del(o, "data");
	return o;
}

bool
order_access(struct req *r, json_t *order)
{
	if (strcmp(r->role, "staff") == 0 ||
	    strcmp(S(order, "terminal"), r->terminal) == 0)
		return true;
	json_t *s = api_session(r);
	if (!s)
		return false;
	bool ok =
		api_session_owns(r, s, S(order, "subject_type"), S(order, "subject_id"));
	json_decref(s);
	return ok;
}

json_t *
order_from_path(struct req *r)
{
	json_t *o = order_load(r->app->st, r->args[0]);
	if (!o) {
		req_error(r, 404, "unknown_order", NULL, "no such order");
		return NULL;
	}
	if (!order_access(r, o)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * A paid renewal or change may be finished at any kiosk: the token's owner
 * proves the old key with the request, and the new certificate is public.
 */
json_t *
order_from_path_token(struct req *r)
{
	json_t *o = order_load(r->app->st, r->args[0]);
	if (!o) {
		req_error(r, 404, "unknown_order", NULL, "no such order");
		return NULL;
	}
	const char *kind = S(o, "kind"), *state = S(o, "state");
	bool renew = strcmp(kind, "renew") == 0, change = strcmp(kind, "change") == 0;
	if ((renew || change) &&
	    (strcmp(state, renew ? "paid" : "approved") == 0 ||
	     strcmp(state, "issued") == 0 || strcmp(state, "installed") == 0))
		return o;
	if (!order_access(r, o)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static bool
transition_allowed(const char *from, const char *to)
{
	for (size_t i = 0; i < sizeof transitions / sizeof transitions[0]; i++)
		if (strcmp(transitions[i].from, from) == 0 &&
		    strcmp(transitions[i].to, to) == 0)
			return true;
	return false;
}

bool
order_move_st(struct store *st, json_t *order, const char *to, const char *note)
{
	const char *from = S(order, "state");
	if (!transition_allowed(from, to))
		return false;
	int64_t now = util_now();
	if (store_exec(
		    st,
		    "UPDATE orders SET state = ?, updated = ? WHERE id = ? AND state = ?",
		    "siss", to, now, S(order, "id"), from) != 1 ||
	    store_exec(
		    st,
		    "INSERT INTO order_events(order_id, from_state, to_state, at, note)"
		    " VALUES(?,?,?,?,?)",
		    "sssis", S(order, "id"), from, to, now, note) < 0)
		return false;
	json_object_set_new(order, "state", json_string(to));
	return true;
}

bool
order_move(struct req *r, json_t *order, const char *to, const char *note)
{
	if (order_move_st(r->app->st, order, to, note))
		return true;
	req_error(r, 409, "wrong_state",
		  json_pack("{s:s, s:s}", "state", S(order, "state"), "to", to),
		  "the order is %s; it cannot become %s", S(order, "state"), to);
	return false;
}

json_t *
order_view(struct app *app, json_t *o)
{
	json_t *v = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:O, s:I, s:I}", "id", S(o, "id"),
		"kind", S(o, "kind"), "subject_type", S(o, "subject_type"), "subject_id",
		S(o, "subject_id"), "state", S(o, "state"), "price",
		(json_int_t)I(o, "price"), "term_years", (json_int_t)I(o, "term_years"),
		"form", json_object_get(o, "form"), "created",
		(json_int_t)I(o, "created"), "updated", (json_int_t)I(o, "updated"));
	static const char *const opt[] = {"old_serial", "cert_serial",  "token_serial",
					  "reason",     "tracking",     "valid_from",
					  "valid_to",   "pin_delivery", NULL};
	for (int i = 0; opt[i]; i++) {
		json_t *x = json_object_get(o, opt[i]);
		if (x && !json_is_null(x) &&
		    !(json_is_integer(x) && json_integer_value(x) == 0))
			json_object_set(v, opt[i], x);
	}
	json_t *ev = store_query(app->st,
				 "SELECT from_state, to_state, at, note FROM order_events"
				 " WHERE order_id = ? ORDER BY id",
				 "s", S(o, "id"));
	json_object_set_new(v, "events", ev ? ev : json_array());
	json_t *ver = store_query(
		app->st,
		"SELECT party, method, state FROM verifications WHERE order_id = ?"
		" ORDER BY party",
		"s", S(o, "id"));
	json_object_set_new(v, "verifications", ver ? ver : json_array());
	json_t *docs =
		store_query(app->st,
			    "SELECT kind, mime, size, sha256, created FROM documents"
			    " WHERE order_id = ? ORDER BY kind",
			    "s", S(o, "id"));
	json_object_set_new(v, "documents", docs ? docs : json_array());
	json_t *pay = store_query_one(
		app->st,
		"SELECT id, channel, amount, state FROM payments WHERE order_id = ?"
		" ORDER BY created DESC LIMIT 1",
		"s", S(o, "id"));
	if (pay)
		json_object_set_new(v, "payment", pay);
	json_t *inv =
		store_query_one(app->st, "SELECT token FROM invoices WHERE order_id = ?",
				"s", S(o, "id"));
	if (inv) {
		char *url =
			util_xasprintf("%s/invoice/%s", app->public_url, S(inv, "token"));
		json_object_set_new(v, "invoice_url", json_string(url));
		free(url);
		json_decref(inv);
	}
	return v;
}

/* ---- form checks ---- */

static bool
form_field(struct req *r, json_t *form, json_t *out, const char *name, size_t max,
	   bool required, bool (*check)(const char *))
{
	json_t *v = json_object_get(form, name);
	if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0)) {
		if (!required)
			return true;
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", name),
			  "the form field \"%s\" is required", name);
		return false;
	}
	const char *s = json_string_value(v);
	if (!s || strlen(s) > max || strlen(s) != json_string_length(v)) {
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", name),
			  "the form field \"%s\" must be a string of at most %zu bytes",
			  name, max);
		return false;
	}
	if (!util_text_safe(s, false)) {
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", name),
			  "the form field \"%s\" holds a control character", name);
		return false;
	}
	if (check && !check(s)) {
		req_error(r, 400, "invalid_field", json_pack("{s:s}", "field", name),
			  "the form field \"%s\" is not valid", name);
		return false;
	}
	json_object_set_new(out, name, json_string(s));
	return true;
}

/* The form's checks are the kiosk's own (src/common/validate.c). */
static bool
valid_email(const char *s)
{
	return validate_email(s) == VALID_OK;
}

static bool
valid_mobile(const char *s)
{
	return validate_mobile(s) == VALID_OK;
}

static bool
valid_postcode(const char *s)
{
	return validate_postcode(s) == VALID_OK;
}

/* Renewal window and the new validity: the rule the kiosk predicts with
 * (src/common/rules.c), in seconds.  Returns NULL when eligible, else a
 * reason. */
const char *
order_renew_rules(int64_t now, int64_t old_end, int64_t years, int64_t *from, int64_t *to)
{
	switch (rules_renew_at(old_end, now)) {
	case RENEW_TOO_EARLY:
		return "too_early";
	case RENEW_TOO_LATE:
		return "expired_too_long";
	case RENEW_DUE:
	case RENEW_EXPIRED:
		break;
	}
	*from = now;
	*to = rules_add_years(old_end > now ? old_end : now, (int)years);
	return NULL;
}

void
h_order_create(struct req *r)
{
	const char *type, *id;
	int64_t years;
	const char *kind = req_str(r, "kind", 16, true);
	if (!kind)
		return;
	bool known = false;
	for (int i = 0; kinds[i]; i++)
		known |= strcmp(kinds[i], kind) == 0;
	if (!known) {
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", "kind"),
			  "kind must be apply, renew, unlock, reissue or change");
		return;
	}
	if (!api_body_subject(r, &type, &id) ||
	    req_int(r, "term_years", 1, 3, false, 1, &years) != 0)
		return;
	json_t *form_in = json_object_get(r->body, "form");
	if (form_in && !json_is_object(form_in)) {
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", "form"),
			  "form must be an object");
		return;
	}
	const char *cert = req_str(r, "certificate", 16000, false);
	const char *old_serial = req_str(r, "old_serial", 40, false);
	const char *token_serial = req_str(r, "token_serial", 64, false);
	if (r->status)
		return;
	bool needs_contact = strcmp(kind, "apply") == 0 || strcmp(kind, "reissue") == 0;
	json_t *form = json_object();
	json_t *subj = api_subject(r->app, type, id, true);
	char oid[32], serial[41] = "";
	int64_t now = util_now(), vfrom = 0, vto = 0, price;
	json_t *old = NULL;
	if (!form_field(r, form_in, form, "email", 254,
			needs_contact || strcmp(kind, "renew") == 0, valid_email) ||
	    !form_field(r, form_in, form, "mobile", 11, needs_contact, valid_mobile) ||
	    !form_field(r, form_in, form, "address", 200, needs_contact, NULL) ||
	    !form_field(r, form_in, form, "postcode", 6, needs_contact, valid_postcode) ||
	    !form_field(r, form_in, form, "contact_name", 64, false, NULL))
		goto out;
	if (json_object_get(form_in, "new_name")) {
		/* A new name comes from the registration records (change). */
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", "new_name"),
			  "the new name is not typed: it is taken from the registration "
			  "records, where the customer changes it first");
		goto out;
	}
	/* The invoice title is the unit's registered name and cannot be changed. */
	json_object_set_new(form, "invoice_title", json_string(S(subj, "name")));

	if (strcmp(kind, "renew") == 0 || strcmp(kind, "change") == 0 ||
	    strcmp(kind, "reissue") == 0) {
		/* The certificate concerned: the one on the token (renew, change) or
		 * the lost one chosen from the list (reissue). */
		if (cert) {
			bool ours = false;
			if (ca_cert_info(r->app->ca, cert, serial, NULL, NULL, &ours) !=
				    0 ||
			    !ours) {
				req_error(r, 400, "bad_certificate", NULL,
					  "the certificate is not one this CA issued");
				goto out;
			}
		} else if (old_serial) {
			snprintf(serial, sizeof serial, "%s", old_serial);
		} else {
			req_error(r, 400, "bad_request",
				  json_pack("{s:s}", "field", "certificate"),
				  "a %s order needs the certificate (or old_serial)",
				  kind);
			goto out;
		}
		old = store_query_one(r->app->st,
				      "SELECT * FROM certificates WHERE serial = ?", "s",
				      serial);
		if (!old || strcmp(S(old, "subject_type"), type) != 0 ||
		    strcmp(S(old, "subject_id"), id) != 0) {
			req_error(r, 404, "unknown_certificate", NULL,
				  "no certificate with this serial belongs to this "
				  "customer");
			goto out;
		}
		if (strcmp(S(old, "status"), "valid") != 0) {
			req_error(r, 409, "certificate_revoked", NULL,
				  "the certificate is revoked");
			goto out;
		}
		if (strcmp(kind, "renew") == 0) {
			const char *why = order_renew_rules(now, I(old, "not_after"),
							    years, &vfrom, &vto);
			if (why) {
				int64_t days = (I(old, "not_after") - now) / DAY;
				req_error(r, 409, "not_eligible",
					  json_pack("{s:s, s:I}", "reason", why,
						    "days_left", (json_int_t)days),
					  strcmp(why, "too_early") == 0
						  ? "renewal opens 90 days before expiry"
						  : "expired more than 365 days ago: "
						    "apply anew");
				goto out;
			}
		}
		if (strcmp(kind, "change") == 0 && !owner_change_name(r, old, subj, form))
			goto out;
		if (strcmp(kind, "reissue") == 0) {
			json_t *s = api_session(r);
			bool owns = s && api_session_owns(r, s, type, id);
			json_decref(s);
			if (!owns)
				goto out;
		}
	}
	if (strcmp(kind, "unlock") == 0 && !token_serial) {
		req_error(r, 400, "bad_request",
			  json_pack("{s:s}", "field", "token_serial"),
			  "an unlock order needs the token's serial");
		goto out;
	}
	if (strcmp(kind, "unlock") == 0 && !owner_may_unlock(r, token_serial, type, id))
		goto out;
	if (strcmp(kind, "change") == 0 || strcmp(kind, "unlock") == 0)
		years = 1;
	price = order_price(kind, type, years);
	{
		char ymd[16], rnd[9];
		util_iso8601(now, ymd, sizeof ymd);
		util_random_digits(rnd, 8);
		snprintf(oid, sizeof oid, "%.4s%.2s%.2s%s", ymd, ymd + 5, ymd + 8, rnd);
	}
	char *data = json_dumps(form, JSON_COMPACT);
	int64_t rc = store_exec(
		r->app->st,
		"INSERT INTO orders(id, kind, subject_type, subject_id, terminal, state,"
		" price, term_years, data, old_serial, token_serial, valid_from,"
		" valid_to, created, updated)"
		" VALUES(?,?,?,?,?,'draft',?,?,?,?,?,?,?,?,?)",
		"sssssiisssiiii", oid, kind, type, id, r->terminal, price, years, data,
		serial[0] ? serial : NULL, token_serial, vfrom, vto, now, now);
	free(data);
	if (rc < 0 ||
	    store_exec(
		    r->app->st,
		    "INSERT INTO order_events(order_id, from_state, to_state, at, note)"
		    " VALUES(?,NULL,'draft',?,'created')",
		    "si", oid, now) < 0) {
		req_error(r, 500, "internal", NULL, "could not store the order");
		goto out;
	}
	json_t *o = order_load(r->app->st, oid);
	req_json(r, 201, json_pack("{s:o}", "order", order_view(r->app, o)));
	json_decref(o);
out:
	json_decref(old);
	json_decref(subj);
	json_decref(form);
}

void
h_order_get(struct req *r)
{
	json_t *o = order_from_path(r);
	if (!o)
		return;
	order_settle_due(r->app, r->args[0]);
	json_decref(o);
	o = order_load(r->app->st, r->args[0]);
	req_json(r, 200, json_pack("{s:o}", "order", order_view(r->app, o)));
	json_decref(o);
}

void
h_order_list(struct req *r)
{
	const char *type = r->args[0], *id = r->args[1];
	json_t *s = api_session(r);
	if (!s)
		return;
	if (api_session_owns(r, s, type, id)) {
		json_t *rows = store_query(
			r->app->st,
			"SELECT id, kind, state, price, term_years, created, updated,"
			" cert_serial, tracking FROM orders WHERE subject_type = ?"
			" AND subject_id = ? ORDER BY created DESC, id DESC LIMIT 100",
			"ss", type, id);
		json_t *certs = store_query(
			r->app->st,
			"SELECT serial, subject_dn, not_before, not_after, status"
			" FROM certificates WHERE subject_type = ? AND subject_id = ?"
			" ORDER BY created DESC LIMIT 100",
			"ss", type, id);
		req_json(r, 200,
			 json_pack("{s:o, s:o}", "orders", rows ? rows : json_array(),
				   "certificates", certs ? certs : json_array()));
	}
	json_decref(s);
}

static bool
verified(struct app *app, const char *oid, const char *party)
{
	return store_query_int(app->st, 0,
			       "SELECT count(*) FROM verifications WHERE order_id = ? "
			       "AND party = ?"
			       " AND state = 'verified'",
			       "ss", oid, party) > 0;
}

/* Moves a paid order on: review for new tokens and new names, issuable
 * for renewals. */
static void
after_paid(struct store *st, json_t *o)
{
	if (kind_needs_docs(S(o, "kind")))
		order_move_st(st, o, "under_review", "waiting for staff review");
}

void
h_order_confirm(struct req *r)
{
	json_t *o = order_from_path(r);
	if (!o)
		return;
	const char *kind = S(o, "kind"), *type = S(o, "subject_type"), *oid = S(o, "id");
	bool unit = strcmp(type, "unit") == 0;
	if (strcmp(S(o, "state"), "draft") != 0) {
		order_move(r, o, "confirmed", NULL); /* answers wrong_state */
		goto out;
	}
	/* The SMS code of the agent / applicant confirms the application or
	 * the unlock (a renewal is confirmed by the token's PIN). */
	if (strcmp(kind, "renew") != 0) {
		json_t *s = api_session(r);
		bool owns = s && api_session_owns(r, s, type, S(o, "subject_id"));
		json_decref(s);
		if (!owns)
			goto out;
	}
	if (strcmp(kind, "unlock") == 0 &&
	    !owner_may_unlock(r, S(o, "token_serial"), type, S(o, "subject_id")))
		goto out;
	if (strcmp(kind, "apply") == 0 || strcmp(kind, "reissue") == 0 ||
	    strcmp(kind, "unlock") == 0) {
		bool ok = unit ? verified(r->app, oid, "unit")
			       : verified(r->app, oid, "person");
		if (ok && unit && strcmp(kind, "unlock") != 0)
			ok = verified(r->app, oid, "agent");
		if (!ok) {
			req_error(r, 409, "verification_required", NULL,
				  unit ? "verify the unit and the agent first"
				       : "verify the applicant first");
			goto out;
		}
	}
	if (kind_needs_docs(kind)) {
		json_t *missing = json_array();
		for (const char *const *d = docs_for(type); *d; d++)
			if (store_query_int(r->app->st, 0,
					    "SELECT count(*) FROM documents WHERE "
					    "order_id = ? AND kind = ?",
					    "ss", oid, *d) == 0)
				json_array_append_new(missing, json_string(*d));
		if (json_array_size(missing)) {
			req_error(r, 409, "documents_missing",
				  json_pack("{s:o}", "missing", missing),
				  "documents are missing");
			goto out;
		}
		json_decref(missing);
	}
	if (!order_move(r, o, "confirmed", "confirmed by the customer"))
		goto out;
	if (strcmp(kind, "reissue") == 0 &&
	    !json_is_null(json_object_get(o, "old_serial"))) {
		/* The lost certificate is revoked once the reissue is confirmed. */
		store_exec(r->app->st,
			   "UPDATE certificates SET status = 'revoked', revoked_at = ?,"
			   " revoke_reason = 'lost (reissue)' WHERE serial = ? AND "
			   "status = 'valid'",
			   "is", util_now(), S(o, "old_serial"));
	}
	req_json(r, 200, json_pack("{s:o}", "order", order_view(r->app, o)));
out:
	json_decref(o);
}

void
h_order_cancel(struct req *r)
{
	json_t *o = order_from_path(r);
	if (!o)
		return;
	if (order_move(r, o, "cancelled", "cancelled by the customer")) {
		store_exec(r->app->st,
			   "UPDATE payments SET state = 'cancelled' WHERE order_id = ?"
			   " AND state = 'pending'",
			   "s", S(o, "id"));
		req_json(r, 200, json_pack("{s:o}", "order", order_view(r->app, o)));
	}
	json_decref(o);
}

/* ---- identity verification (sandbox gateways) ---- */

void
h_order_verify(struct req *r)
{
	json_t *o = order_from_path(r), *subj = NULL, *row = NULL;
	if (!o)
		return;
	const char *party = req_str(r, "party", 16, true);
	const char *method = party ? req_str(r, "method", 16, true) : NULL;
	const char *mobile = req_str(r, "mobile", 11, false);
	const char *card = req_str(r, "bank_card", 19, false);
	const char *memo = req_str(r, "memo", 6, false);
	if (r->status)
		goto out;
	const char *type = S(o, "subject_type"), *oid = S(o, "id");
	bool unit = strcmp(type, "unit") == 0;
	static const char *const ok_pairs[] = {
		"unit/mobile",      "unit/transfer",   "unit/bank_card",
		"agent/mobile",     "agent/bank_card", "person/mobile",
		"person/bank_card", "person/transfer", NULL};
	char pair[40];
	snprintf(pair, sizeof pair, "%s/%s", party, method);
	bool allowed = false;
	for (int i = 0; ok_pairs[i]; i++)
		allowed |= strcmp(ok_pairs[i], pair) == 0;
	if (!allowed || (unit && strcmp(party, "person") == 0) ||
	    (!unit && strcmp(party, "person") != 0)) {
		req_error(r, 400, "bad_method", NULL, "%s cannot be verified by %s here",
			  party, method);
		goto out;
	}
	if (strcmp(S(o, "state"), "draft") != 0) {
		req_error(r, 409, "wrong_state",
			  json_pack("{s:s}", "state", S(o, "state")),
			  "identity is verified while the order is a draft");
		goto out;
	}
	/* Every check that can be guessed counts against the try limits of
	 * the order, the customer and the terminal (limits.h); asking for a
	 * transfer is refused too while its memo could not be entered. */
	const struct lim_who who = {oid, type, S(o, "subject_id"), r->terminal};
	enum lim_check lc = strcmp(method, "mobile") == 0      ? LIM_MOBILE
			    : strcmp(method, "bank_card") == 0 ? LIM_BANK_CARD
							       : LIM_MEMO;
	if (!lim_allow(r, lc, &who))
		goto out;
	subj = api_subject(r->app, type, S(o, "subject_id"), true);
	const char *reg_mobile = strcmp(party, "unit") == 0 ? S(subj, "legal_rep_mobile")
				 : strcmp(party, "agent") == 0 ? S(subj, "agent_mobile")
							       : S(subj, "mobile");
	const char *account = unit ? S(subj, "bank_account") : S(subj, "bank_account");
	int64_t now = util_now();
	const char *result = NULL;
	if (strcmp(method, "mobile") == 0) {
		/* Operator real-name check: the mobile is registered to this person. */
		if (!mobile || !valid_mobile(mobile)) {
			req_error(r, 400, "invalid_field",
				  json_pack("{s:s}", "field", "mobile"),
				  "a valid mobile number is needed");
			goto out;
		}
		result = strcmp(mobile, reg_mobile) == 0 ? "verified" : "failed";
	} else if (strcmp(method, "bank_card") == 0) {
		/* Bank card check: the bank gateway asks whether the card is
		 * the party's (the sandbox's: any Luhn-valid card but *0000). */
		if (!card || validate_bank_card(card) != VALID_OK) {
			req_error(r, 400, "invalid_field",
				  json_pack("{s:s}", "field", "bank_card"),
				  "not a valid bank card number");
			goto out;
		}
		bool rep = strcmp(party, "unit") == 0, ag = strcmp(party, "agent") == 0;
		int m = gw_bank_card_check(
			card,
			S(subj, rep ? "legal_rep_name" : ag ? "agent_name" : "name"),
			S(subj, rep ? "legal_rep_id" : ag ? "agent_id" : "id_number"));
		if (m < 0) {
			req_error(r, 503, "unavailable", NULL,
				  "the bank did not answer; try again");
			goto out;
		}
		result = m ? "verified" : "failed";
	} else if (!memo) {
		/* 0.01 CNY to the registered account, with a code in the memo. */
		char code[8], hash[65];
		util_random_digits(code, 6);
		codec_sha256_hex(code, 6, hash);
		char *text = util_xasprintf("CA认证%s", code);
		store_exec(r->app->st,
			   "INSERT INTO verifications(order_id, party, method, state, "
			   "memo_hash,"
			   " created) VALUES(?,?,?,'pending',?,?) ON CONFLICT(order_id, "
			   "party) DO"
			   " UPDATE SET method = excluded.method, state = 'pending',"
			   " memo_hash = excluded.memo_hash, tries = 0, created = "
			   "excluded.created",
			   "ssssi", oid, party, method, hash, now);
		gw_bank_transfer(r->app->st, account, 1, text, oid);
		util_wipe(code, sizeof code);
		util_wipe_str(text);
		free(text);
		char macct[32];
		ids_mask_account(account, macct, sizeof macct);
		req_json(r, 202,
			 json_pack("{s:s, s:s, s:s, s:i, s:s}", "party", party, "method",
				   method, "state", "pending", "amount", 1,
				   "account_masked", macct));
		goto out;
	} else {
		char hash[65];
		row = store_query_one(
			r->app->st,
			"SELECT memo_hash, tries, state FROM verifications"
			" WHERE order_id = ? AND party = ? AND method = 'transfer'",
			"ss", oid, party);
		codec_sha256_hex(memo, strlen(memo), hash);
		if (!row || strcmp(S(row, "state"), "pending") != 0) {
			req_error(r, 409, "wrong_state", NULL,
				  "no transfer is waiting for its memo");
		} else if (I(row, "tries") >= MEMO_TRIES) {
			req_error(r, 422, "code_exhausted", NULL, "too many wrong memos");
		} else if (!util_str_eq_ct(hash, S(row, "memo_hash"))) {
			store_exec(r->app->st,
				   "UPDATE verifications SET tries = tries + 1 WHERE "
				   "order_id = ?"
				   " AND party = ?",
				   "ss", oid, party);
			int64_t left = MEMO_TRIES - I(row, "tries") - 1;
			int lim_left = lim_fail(r, LIM_MEMO, &who);
			req_error(r, 422, "code_wrong",
				  json_pack("{s:I}", "tries_left",
					    (json_int_t)(lim_left < left ? lim_left : left)),
				  "the memo does not match");
		} else {
			result = "verified";
		}
		if (!result)
			goto out;
	}
	store_exec(r->app->st,
		   "INSERT INTO verifications(order_id, party, method, state, created)"
		   " VALUES(?,?,?,?,?) ON CONFLICT(order_id, party) DO UPDATE SET"
		   " method = excluded.method, state = excluded.state, created = "
		   "excluded.created",
		   "ssssi", oid, party, method, result, now);
	if (strcmp(result, "verified") == 0) {
		req_json(r, 200,
			 json_pack("{s:s, s:s, s:s}", "party", party, "method", method,
				   "state", "verified"));
	} else {
		int left = lim_fail(r, lc, &who);
		req_error(r, 422, "verification_failed",
			  json_pack("{s:s, s:i}", "party", party, "tries_left", left),
			  "the %s check did not match the registered data", method);
	}
out:
	json_decref(row);
	json_decref(subj);
	json_decref(o);
}

/* ---- payments ---- */

static json_t *
payment_view(struct app *app, json_t *p)
{
	/* The provider's page; a sandbox payment's is /pay/{id} here. */
	char *url = S(p, "code_url")
			    ? util_xstrdup(S(p, "code_url"))
			    : util_xasprintf("%s/pay/%s", app->public_url, S(p, "id"));
	json_t *v =
		json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:I}", "id", S(p, "id"),
			  "order_id", S(p, "order_id"), "channel", S(p, "channel"),
			  "amount", (json_int_t)I(p, "amount"), "state", S(p, "state"),
			  "code_url", url, "expires", (json_int_t)I(p, "expires"));
	free(url);
	return v;
}

/* Marks a pending payment paid, the order paid (and on), sends the e-invoice. */
static void
payment_settle(struct app *app, json_t *p)
{
	json_t *o = order_load(app->st, S(p, "order_id"));
	if (!o || strcmp(S(p, "state"), "pending") != 0 ||
	    strcmp(S(o, "state"), "confirmed") != 0) {
		json_decref(o);
		return;
	}
	int64_t now = util_now();
	store_exec(app->st,
		   "UPDATE payments SET state = 'paid', paid_at = ? WHERE id = ?", "is",
		   now, S(p, "id"));
	/* Other pending payments of this order (another channel) lapse. */
	store_exec(app->st,
		   "UPDATE payments SET state = 'cancelled' WHERE order_id = ? AND state "
		   "= 'pending'",
		   "s", S(o, "id"));
	json_object_set_new(p, "state", json_string("paid"));
	char *note = util_xasprintf("paid by %s", S(p, "channel"));
	order_move_st(app->st, o, "paid", note);
	free(note);
	after_paid(app->st, o);
	json_t *subj = api_subject(app, S(o, "subject_type"), S(o, "subject_id"), true);
	const char *email = S(json_object_get(o, "form"), "email");
	if (!email)
		email = S(subj, "email");
	char token[33];
	util_random_hex(token, 16);
	store_exec(
		app->st,
		"INSERT INTO invoices(token, order_id, title, amount, channel, created)"
		" VALUES(?,?,?,?,?,?)",
		"sssisi", token, S(o, "id"), S(subj, "name"), I(p, "amount"),
		S(p, "channel"), now);
	char *subject = util_xasprintf("电子发票 - 订单 %s", S(o, "id"));
	char *body = util_xasprintf(
		"发票抬头：%s\n订单号：%s\n金额：%lld.%02lld 元\n"
		"支付方式：%s\n查看发票：%s/invoice/%s\n(sandbox e-invoice)\n",
		S(subj, "name"), S(o, "id"), (long long)(I(p, "amount") / 100),
		(long long)(I(p, "amount") % 100), S(p, "channel"), app->public_url,
		token);
	gw_mail_send(app->st, email ? email : "", subject, body, S(o, "id"));
	free(subject);
	free(body);
	json_decref(subj);
	json_decref(o);
}

void
order_settle_due(struct app *app, const char *order_id)
{
	if (!app->sandbox || app->pay_delay < 0)
		return;
	json_t *rows = store_query(
		app->st,
		"SELECT * FROM payments WHERE order_id = ? AND state = 'pending'"
		" AND created + ? <= ?",
		"sii", order_id, (int64_t)app->pay_delay, util_now());
	if (json_array_size(rows) > 0) /* one payment settles the order */
		payment_settle(app, json_array_get(rows, 0));
	json_decref(rows);
}

void
h_payment_create(struct req *r)
{
	json_t *o = order_from_path(r);
	if (!o)
		return;
	const char *channel = req_str(r, "channel", 16, true);
	if (!channel)
		goto out;
	if (strcmp(channel, "alipay") != 0 && strcmp(channel, "wechat") != 0) {
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", "channel"),
			  "channel must be alipay or wechat");
		goto out;
	}
	if (strcmp(S(o, "state"), "confirmed") != 0 || I(o, "price") == 0) {
		req_error(r, 409, "wrong_state",
			  json_pack("{s:s}", "state", S(o, "state")),
			  "only a confirmed order with a price can be paid");
		goto out;
	}
	/* One pending payment per order.  Asking again on the same channel
	 * gives the pending one back (a QR already on a phone still pays);
	 * another channel cancels it first, so a customer who changes their
	 * mind can pay only once. */
	int64_t now = util_now();
	store_exec(r->app->st,
		   "UPDATE payments SET state = 'expired' WHERE order_id = ?"
		   " AND state = 'pending' AND expires <= ?",
		   "si", S(o, "id"), now);
	json_t *p = store_query_one(r->app->st,
				    "SELECT * FROM payments WHERE order_id = ?"
				    " AND state = 'pending'",
				    "s", S(o, "id"));
	if (p && strcmp(S(p, "channel"), channel) == 0) {
		req_json(r, 200, json_pack("{s:o}", "payment", payment_view(r->app, p)));
		json_decref(p);
		goto out;
	}
	json_decref(p);
	store_exec(r->app->st,
		   "UPDATE payments SET state = 'cancelled' WHERE order_id = ?"
		   " AND state = 'pending'",
		   "s", S(o, "id"));
	char pid[40], rnd[25], *code_url = NULL;
	util_random_hex(rnd, 12);
	snprintf(pid, sizeof pid, "P%s", rnd);
	if (gw_pay_start(r->app->public_url, pid, S(o, "id"), channel, I(o, "price"),
			 now + r->app->pay_ttl, &code_url) != 0) {
		req_error(r, 503, "unavailable", NULL,
			  "the payment provider did not answer; try again");
		goto out;
	}
	store_exec(r->app->st,
		   "INSERT INTO payments(id, order_id, channel, amount, state, created, "
		   "expires, code_url)"
		   " VALUES(?,?,?,?,'pending',?,?,?)",
		   "sssiiis", pid, S(o, "id"), channel, I(o, "price"), now,
		   now + r->app->pay_ttl, gw_pay_external() ? code_url : NULL);
	free(code_url);
	p = store_query_one(r->app->st, "SELECT * FROM payments WHERE id = ?", "s", pid);
	req_json(r, 201, json_pack("{s:o}", "payment", payment_view(r->app, p)));
	json_decref(p);
out:
	json_decref(o);
}

static json_t *
payment_load(struct req *r)
{
	json_t *p = store_query_one(r->app->st, "SELECT * FROM payments WHERE id = ?",
				    "s", r->args[0]);
	if (!p)
		req_error(r, 404, "unknown_payment", NULL, "no such payment");
	return p;
}

void
h_payment_get(struct req *r)
{
	json_t *p = payment_load(r), *o = NULL;
	if (!p)
		return;
	o = order_load(r->app->st, S(p, "order_id"));
	if (!o || !order_access(r, o))
		goto out;
	order_settle_due(r->app, S(o, "id"));
	json_decref(p);
	p = store_query_one(r->app->st, "SELECT * FROM payments WHERE id = ?", "s",
			    r->args[0]);
	/* A real provider is asked how its payment stands. */
	char state[16];
	if (strcmp(S(p, "state"), "pending") == 0 && gw_pay_external() &&
	    gw_pay_status(S(p, "id"), state) == 0) {
		if (strcmp(state, "paid") == 0)
			payment_settle(r->app, p);
		else if (strcmp(state, "pending") != 0)
			store_exec(r->app->st, "UPDATE payments SET state = ? WHERE id = ?",
				   "ss", state, S(p, "id"));
		json_decref(p);
		p = store_query_one(r->app->st, "SELECT * FROM payments WHERE id = ?",
				    "s", r->args[0]);
	}
	if (strcmp(S(p, "state"), "pending") == 0 && I(p, "expires") <= util_now()) {
		store_exec(r->app->st,
			   "UPDATE payments SET state = 'expired' WHERE id = ?", "s",
			   S(p, "id"));
		json_object_set_new(p, "state", json_string("expired"));
	}
	req_json(r, 200, json_pack("{s:o}", "payment", payment_view(r->app, p)));
out:
	json_decref(o);
	json_decref(p);
}

/* The head of every phone page; %s is the title. */
#define PAGE_HEAD                                                                        \
	"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"             \
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"       \
	"<title>%s</"                                                                    \
	"title><style>body{font-family:sans-serif;margin:1.5em;max-width:34em}"          \
	"label{display:block;margin:1em 0 .3em}button{font-size:1.2em;padding:.5em 2em;" \
	"margin-top:1em}.ok{color:#070}.bad{color:#a00}</style></head><body>"

void
h_pay_page(struct req *r)
{
	json_t *p = payment_load(r);
	if (!p)
		return;
	char *html;
	if (strcmp(S(p, "state"), "pending") == 0 && I(p, "expires") > util_now()) {
		payment_settle(r->app, p);
	}
	bool paid = strcmp(S(p, "state"), "paid") == 0;
	char *head = util_xasprintf(PAGE_HEAD, "支付 / Payment");
	html = util_xasprintf(
		"%s<h1 class=\"%s\">%s</h1><p id=\"state\">%s</p><p>¥%lld.%02lld "
		"(%s)</p><p>sandbox</p></body></html>",
		head, paid ? "ok" : "bad", paid ? "支付成功" : "支付未完成",
		S(p, "state"), (long long)(I(p, "amount") / 100),
		(long long)(I(p, "amount") % 100), S(p, "channel"));
	req_raw(r, paid ? 200 : 409, "text/html; charset=utf-8", html, strlen(html));
	free(head);
	free(html);
	json_decref(p);
}

/* ---- documents and the phone upload page ---- */

static const char *
doc_label(const char *kind)
{
	static const char *const labels[][2] = {
		{"business_licence", "营业执照 Business licence"},
		{"agent_id_front", "经办人身份证头像面 Agent ID card (portrait side)"},
		{"agent_id_back", "经办人身份证国徽面 Agent ID card (emblem side)"},
		{"seal_form", "印章采样表 Seal sample form"},
		{"id_front", "身份证头像面 ID card (portrait side)"},
		{"id_back", "身份证国徽面 ID card (emblem side)"},
		{"signature_form", "个人签章采样表 Signature sample form"},
	};
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (strcmp(labels[i][0], kind) == 0)
			return labels[i][1];
	return kind;
}

/* The type of a file by its first bytes, or NULL if not JPEG/PNG/PDF. */
static const char *
sniff(const unsigned char *d, size_t n)
{
	if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
		return "image/jpeg";
	if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 5 && memcmp(d, "%PDF-", 5) == 0)
		return "application/pdf";
	return NULL;
}

void
h_upload_link(struct req *r)
{
	json_t *o = order_from_path(r);
	if (!o)
		return;
	if (!kind_needs_docs(S(o, "kind")) || strcmp(S(o, "state"), "draft") != 0) {
		req_error(r, 409, "wrong_state",
			  json_pack("{s:s}", "state", S(o, "state")),
			  "documents are uploaded for a draft apply, reissue or change "
			  "order");
		json_decref(o);
		return;
	}
	char token[65], hash[65];
	int64_t now = util_now();
	util_random_hex(token, 32);
	codec_sha256_hex(token, 64, hash);
	/* One link at a time: a new one closes the old. */
	store_exec(r->app->st, "UPDATE upload_links SET closed = 1 WHERE order_id = ?",
		   "s", S(o, "id"));
	store_exec(
		r->app->st,
		"INSERT INTO upload_links(token_hash, order_id, expires) VALUES(?,?,?)",
		"ssi", hash, S(o, "id"), now + UPLOAD_TTL);
	char *url = util_xasprintf("%s/u/%s", r->app->public_url, token);
	json_t *need = json_array();
	for (const char *const *d = docs_for(S(o, "subject_type")); *d; d++)
		json_array_append_new(need, json_string(*d));
	req_json(r, 201,
		 json_pack("{s:s, s:I, s:o}", "url", url, "expires",
			   (json_int_t)(now + UPLOAD_TTL), "documents", need));
	r->secret = true; /* the link's token: kept for a replay only encrypted */
	free(url);
	json_decref(o);
}

/* The order of an open upload link, or NULL (answered with a page). */
static json_t *
upload_order(struct req *r)
{
	json_t *o = NULL;
	if (strlen(r->args[0]) == 64) {
		char hash[65];
		codec_sha256_hex(r->args[0], 64, hash);
		json_t *l = store_query_one(
			r->app->st,
			"SELECT order_id FROM upload_links WHERE token_hash = ?"
			" AND closed = 0 AND expires > ?",
			"si", hash, util_now());
		if (l)
			o = order_load(r->app->st, S(l, "order_id"));
		json_decref(l);
	}
	if (!o) {
		char *head = util_xasprintf(PAGE_HEAD, "链接无效");
		char *html = util_xasprintf(
			"%s<h1 class=\"bad\">链接已失效</h1><p>This upload link "
			"is no longer valid. Ask the kiosk for a new one.</p>"
			"</body></html>",
			head);
		req_raw(r, 404, "text/html; charset=utf-8", html, strlen(html));
		free(head);
		free(html);
	}
	return o;
}

static void
upload_render(struct req *r, json_t *o, int status, const char *msg)
{
	char *head = util_xasprintf(PAGE_HEAD, "上传申请资料 / Upload documents");
	char *html =
		util_xasprintf("%s<h1>上传申请资料</h1><p>订单 Order %s</p>%s"
			       "<form method=\"post\" enctype=\"multipart/form-data\">",
			       head, S(o, "id"), msg ? msg : "");
	bool all = true;
	for (const char *const *d = docs_for(S(o, "subject_type")); *d; d++) {
		bool have = store_query_int(
				    r->app->st, 0,
				    "SELECT count(*) FROM documents WHERE order_id = ?"
				    " AND kind = ?",
				    "ss", S(o, "id"), *d) > 0;
		all &= have;
		char *next =
			util_xasprintf("%s<label for=\"%s\">%s <span id=\"st-%s\" "
				       "class=\"%s\">%s</span></label>"
				       "<input type=\"file\" id=\"%s\" name=\"%s\" "
				       "accept=\"image/jpeg,image/png,application/pdf\">",
				       html, *d, doc_label(*d), *d, have ? "ok" : "bad",
				       have ? "已收到" : "未上传", *d, *d);
		free(html);
		html = next;
	}
	char *next = util_xasprintf(
		"%s<br><button type=\"submit\" id=\"send\">上传 Upload</button>"
		"</form><p>JPEG, PNG or PDF, 5 MB at most.</p>%s</body></html>",
		html,
		all ? "<p id=\"done\" class=\"ok\">资料已齐全 All documents are in."
		      "</p>"
		    : "");
	free(html);
	req_raw(r, status, "text/html; charset=utf-8", next, strlen(next));
	free(next);
	free(head);
}

void
h_upload_page(struct req *r)
{
	json_t *o = upload_order(r);
	if (!o)
		return;
	upload_render(r, o, 200, NULL);
	json_decref(o);
}

void
h_upload_post(struct req *r)
{
	json_t *o = upload_order(r);
	if (!o || r->early) { /* a bad token is refused before the files come */
		json_decref(o);
		return;
	}
	int status = 200, stored = 0;
	char msg[512] = "";
	if (r->too_large) {
		/* A file went over the limit: nothing of this upload is kept. */
		upload_render(
			r, o, 413,
			"<p class=\"bad\" id=\"error\">文件太大：每个文件不超过 5 MB "
			"(a file is larger than 5 MB)</p>");
		json_decref(o);
		return;
	}
	for (int i = 0; i < r->nfields; i++) {
		struct form_field *f = &r->fields[i];
		bool known = false;
		for (const char *const *d = docs_for(S(o, "subject_type")); *d; d++)
			known |= strcmp(*d, f->name) == 0;
		if (!known || f->len == 0)
			continue;
		const char *mime = sniff(f->data, f->len);
		if (!mime) {
			status = 415;
			snprintf(msg, sizeof msg,
				 "<p class=\"bad\" id=\"error\">%s: 只接受 JPEG、PNG 或 "
				 "PDF 文件 "
				 "(only JPEG, PNG or PDF)</p>",
				 doc_label(f->name));
			continue;
		}
		if (f->len > DOC_LIMIT) {
			status = 413;
			snprintf(msg, sizeof msg,
				 "<p class=\"bad\" id=\"error\">%s: 文件太大</p>",
				 doc_label(f->name));
			continue;
		}
		char sha[65];
		codec_sha256_hex(f->data, f->len, sha);
		store_exec(
			r->app->st,
			"INSERT INTO documents(order_id, kind, mime, size, sha256, data, "
			"created)"
			" VALUES(?,?,?,?,?,?,?) ON CONFLICT(order_id, kind) DO UPDATE SET"
			" mime = excluded.mime, size = excluded.size, sha256 = "
			"excluded.sha256,"
			" data = excluded.data, created = excluded.created",
			"sssisbi", S(o, "id"), f->name, mime, (int64_t)f->len, sha,
			(const void *)f->data, f->len, util_now());
		stored++;
	}
	if (status == 200 && stored == 0) {
		status = 400;
		snprintf(msg, sizeof msg,
			 "<p class=\"bad\" id=\"error\">请选择文件 (choose a file)</p>");
	}
	if (stored) {
		r->commit_anyway = true; /* keep the good files even if one was bad */
		if (!msg[0])
			snprintf(msg, sizeof msg,
				 "<p class=\"ok\" id=\"stored\">已收到 %d 个文件</p>",
				 stored);
	}
	bool all = true;
	for (const char *const *d = docs_for(S(o, "subject_type")); *d; d++)
		all &= store_query_int(r->app->st, 0,
				       "SELECT count(*) FROM documents WHERE order_id = "
				       "? AND kind = ?",
				       "ss", S(o, "id"), *d) > 0;
	if (all) /* the link has done its job */
		store_exec(r->app->st,
			   "UPDATE upload_links SET closed = 1 WHERE order_id = ?", "s",
			   S(o, "id"));
	upload_render(r, o, status, msg);
	json_decref(o);
}

void
h_documents(struct req *r)
{
	json_t *o = order_from_path(r);
	if (!o)
		return;
	json_t *docs =
		store_query(r->app->st,
			    "SELECT kind, mime, size, sha256, created FROM documents"
			    " WHERE order_id = ? ORDER BY kind",
			    "s", S(o, "id"));
	json_t *missing = json_array();
	for (const char *const *d = docs_for(S(o, "subject_type")); *d; d++)
		if (store_query_int(r->app->st, 0,
				    "SELECT count(*) FROM documents WHERE order_id = ? "
				    "AND kind = ?",
				    "ss", S(o, "id"), *d) == 0)
			json_array_append_new(missing, json_string(*d));
	req_json(r, 200,
		 json_pack("{s:o, s:o}", "documents", docs ? docs : json_array(),
			   "missing", missing));
	json_decref(o);
}

/* A one-page PDF with a title and a box to stamp or sign in. */
static char *
sample_pdf(const char *title, size_t *len)
{
	char content[512];
	int cl = snprintf(
		content, sizeof content,
		"BT /F1 20 Tf 72 760 Td (%s) Tj ET\n"
		"BT /F1 11 Tf 72 730 Td (cakiosk reference RA - print, stamp or sign in "
		"the box, scan, upload.) Tj ET\n"
		"2 w 156 400 300 300 re S\n",
		title);
	char *objs[5];
	objs[0] = util_xstrdup("<< /Type /Catalog /Pages 2 0 R >>");
	objs[1] = util_xstrdup("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
	objs[2] =
		util_xstrdup("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] "
			     "/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>");
	objs[3] = util_xasprintf("<< /Length %d >>\nstream\n%sendstream", cl, content);
	objs[4] = util_xstrdup("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
	char *pdf = util_xstrdup("%PDF-1.4\n");
	long off[5];
	for (int i = 0; i < 5; i++) {
		off[i] = (long)strlen(pdf);
		char *next =
			util_xasprintf("%s%d 0 obj\n%s\nendobj\n", pdf, i + 1, objs[i]);
		free(pdf);
		free(objs[i]);
		pdf = next;
	}
	long xref = (long)strlen(pdf);
	char *next = util_xasprintf("%sxref\n0 6\n0000000000 65535 f \n", pdf);
	free(pdf);
	pdf = next;
	for (int i = 0; i < 5; i++) {
		next = util_xasprintf("%s%010ld 00000 n \n", pdf, off[i]);
		free(pdf);
		pdf = next;
	}
	next = util_xasprintf(
		"%strailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", pdf,
		xref);
	free(pdf);
	*len = strlen(next);
	return next;
}

void
h_form_download(struct req *r)
{
	const char *title;
	if (strcmp(r->args[0], "seal-sample-unit.pdf") == 0)
		title = "Seal sample form (Yinzhang caiyangbiao)";
	else if (strcmp(r->args[0], "signature-sample-person.pdf") == 0)
		title = "Personal signature sample form (Geren qianzhang caiyangbiao)";
	else {
		req_error(r, 404, "not_found", NULL, "no such form");
		return;
	}
	size_t len;
	char *pdf = sample_pdf(title, &len);
	req_raw(r, 200, "application/pdf", pdf, len);
	free(pdf);
}

/* The e-invoice of a paid order, for the QR link of the order query. */
void
h_invoice_page(struct req *r)
{
	json_t *inv = store_query_one(
		r->app->st, "SELECT * FROM invoices WHERE token = ?", "s", r->args[0]);
	if (!inv) {
		req_error(r, 404, "not_found", NULL, "no such invoice");
		return;
	}
	char when[32];
	util_iso8601(I(inv, "created"), when, sizeof when);
	char *head = util_xasprintf(PAGE_HEAD, "电子发票 / e-invoice");
	char *title = util_html_escape(S(inv, "title"));
	char *html = util_xasprintf(
		"%s<h1>电子发票</h1><p>发票抬头 <b id=\"title\">%s</b></p>"
		"<p>订单号 <span id=\"order\">%s</span></p>"
		"<p>金额 <span id=\"amount\">¥%lld.%02lld</span> (%s)</p>"
		"<p>开票时间 %s</p><p>sandbox</p></body></html>",
		head, title, S(inv, "order_id"), (long long)(I(inv, "amount") / 100),
		(long long)(I(inv, "amount") % 100), S(inv, "channel"), when);
	req_raw(r, 200, "text/html; charset=utf-8", html, strlen(html));
	free(title);
	free(head);
	free(html);
	json_decref(inv);
}
