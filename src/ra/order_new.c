/*
 * order_new.c - a new order (see order.h): the form's checks, the price and
 * the renewal rules, and POST /v1/orders.
 */
#include "ra/order_int.h"

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
bool
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
	for (int i = 0; order_kinds[i]; i++)
		known |= strcmp(order_kinds[i], kind) == 0;
	if (!known) {
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", "kind"),
			  "kind must be apply, renew, unlock, reissue or change");
		return;
	}
	if (!ident_body_subject(r, &type, &id) ||
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
	const char *reason = req_str(r, "reason", 16, false);
	if (r->status)
		return;
	bool reissue = strcmp(kind, "reissue") == 0;
	if (reissue && reason && strcmp(reason, "lost") != 0 &&
	    strcmp(reason, "damaged") != 0) {
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", "reason"),
			  "a reissue's reason is lost or damaged");
		return;
	}
	/* A reissue is the customer's, by their session, before anything is
	 * looked up: whether a serial is some subject's is theirs to know. */
	if (reissue && !ident_session_is(r, type, id))
		return;
	bool needs_contact = strcmp(kind, "apply") == 0 || strcmp(kind, "reissue") == 0;
	json_t *form = json_object();
	json_t *subj = ident_subject(r->app, type, id, true);
	char oid[32], serial[41] = "";
	int64_t now = util_now(), vfrom = 0, vto = 0, price;
	json_t *old = NULL;
	if (!form_field(r, form_in, form, "email", 254,
			needs_contact || strcmp(kind, "renew") == 0, valid_email) ||
	    !form_field(r, form_in, form, "mobile", 11, needs_contact, valid_mobile) ||
	    !form_field(r, form_in, form, "address", 200, needs_contact, NULL) ||
	    !form_field(r, form_in, form, "postcode", 6, needs_contact, valid_postcode) ||
	    !form_field(r, form_in, form, "contact_name", 64, false, NULL) ||
	    !form_field(r, form_in, form, "region", 120, false, NULL))
		goto out;
	/* The province, city and district as typed: the start of the address,
	 * kept apart so that a draft continued elsewhere shows the form as it
	 * was typed. */
	const char *region = S(form, "region"), *address = S(form, "address");
	if (region != NULL &&
	    (address == NULL || strncmp(address, region, strlen(region)) != 0)) {
		req_error(r, 400, "invalid_field", json_pack("{s:s}", "field", "region"),
			  "the region must be the start of the address");
		goto out;
	}
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
		if (strcmp(kind, "renew") == 0 && !owner_renew_name(r, old, subj))
			goto out;
	}
	if (reissue) /* lost (the default) or damaged: said with the revocation */
		json_object_set_new(form, "reissue_reason",
				    json_string(reason ? reason : "lost"));
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
