/*
 * personalize.c - instant issuance at the counter (PROTOCOL.md section 9,
 * "Personalization at the counter"): staff at a kiosk, logged in with a
 * staff session (or a staff certificate), make a blank UKey for an
 * approved application or reissue, and staff read what the backend knows
 * of a token (diagnostics).
 *
 * The rule that keeps a pulled token clear: the SO PIN a blank token is
 * initialized with is recorded with the order *before* the kiosk sets it
 * (orders.token_so_enc, encrypted like the escrow), and the same value is
 * answered again to a kiosk that starts over, so a token initialized
 * half-way can always be initialized again.  The issuance escrows exactly
 * that value; a second personalization after the order was made is
 * refused.  A terminal without a staff session gets nothing.
 */
#include "ra/personalize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ra/ca.h"
#include "ra/ident.h"
#include "ra/ids.h"
#include "ra/order.h"
#include "ra/owner.h"
#include "ra/staff.h"
#include "ra/util.h"

#define S(o, k) json_string_value(json_object_get((o), (k)))

/* Who acts: a staff certificate (whatever session comes along with it),
 * or staff logged in at this terminal; else 401 answered. */
static bool
staff_who(struct req *r, char *who, size_t size)
{
	if (strcmp(r->role, "staff") == 0) {
		if (!staff_actor_opt(r, who, size))
			snprintf(who, size, "cert:%s", r->terminal);
		return true;
	}
	return staff_actor(r, who, size);
}

static bool
instant_kind(json_t *o)
{
	return strcmp(S(o, "kind"), "apply") == 0 || strcmp(S(o, "kind"), "reissue") == 0;
}

/* The order's issued certificate and seal, added to ans (state issued). */
static void
add_issued(struct req *r, json_t *o, json_t *ans)
{
	json_t *c =
		S(o, "cert_serial")
			? store_query_one(
				  r->app->st,
				  "SELECT c.pem, c.token_serial, c.not_before,"
				  " c.not_after,"
				  " (SELECT id FROM seals WHERE cert_serial ="
				  " c.serial ORDER BY created DESC LIMIT 1) AS seal_id"
				  " FROM certificates c WHERE c.serial = ?",
				  "s", S(o, "cert_serial"))
			: NULL;
	if (!c)
		return;
	json_object_set_new(ans, "certificate", json_string(S(c, "pem")));
	json_object_set_new(ans, "serial", json_string(S(o, "cert_serial")));
	json_object_set(ans, "not_before", json_object_get(c, "not_before"));
	json_object_set(ans, "not_after", json_object_get(c, "not_after"));
	if (S(c, "token_serial"))
		json_object_set_new(ans, "token_serial",
				    json_string(S(c, "token_serial")));
	if (S(c, "seal_id"))
		json_object_set_new(ans, "seal_id", json_string(S(c, "seal_id")));
	json_decref(c);
}

/*
 * POST /v1/orders/{id}/personalize {"so_pin"}: staff start (or start
 * again) making the order's token.  Records so_pin as the token's SO PIN
 * unless one is recorded already, and answers the recorded one with the
 * certificate PIN the customer was sent (the user PIN to set).
 */
void
h_personalize(struct req *r)
{
	char who[80];
	char *so = NULL, *pin = NULL;
	json_t *o = NULL, *subj = NULL;

	if (!staff_who(r, who, sizeof who))
		return;
	const char *want = req_str(r, "so_pin", 32, true);
	if (!want || !owner_so_pin_checked(r, want))
		return;
	if (!(o = order_load(r->app->st, r->args[0]))) {
		req_error(r, 404, "unknown_order", NULL, "no such order");
		return;
	}
	const char *state = S(o, "state");
	if (!instant_kind(o)) {
		req_error(r, 409, "wrong_kind", json_pack("{s:s}", "kind", S(o, "kind")),
			  "only an application or a reissue gets a new token");
		goto out;
	}
	bool approved = strcmp(state, "approved") == 0;
	if (!approved && !(strcmp(state, "issued") == 0 && S(o, "token_so_enc"))) {
		req_error(r, 409, "wrong_state", json_pack("{s:s}", "state", state),
			  "the order is %s: its token is made, or not yet approved",
			  state);
		goto out;
	}
	if (!S(o, "token_so_enc")) {
		char *sealed = ca_escrow_seal(r->app->ca, want);
		int64_t n =
			sealed ? store_exec(
					 r->app->st,
					 "UPDATE orders SET token_so_enc = ? WHERE id = ?"
					 " AND token_so_enc IS NULL",
					 "ss", sealed, S(o, "id"))
			       : -1;
		free(sealed);
		if (n != 1) {
			req_error(r, 500, "internal", NULL,
				  "could not record the SO PIN");
			goto out;
		}
		so = util_xstrdup(want);
	} else {
		so = ca_escrow_open(r->app->ca, S(o, "token_so_enc"));
	}
	pin = S(o, "pin_enc") ? ca_escrow_open(r->app->ca, S(o, "pin_enc")) : NULL;
	if (!so || !pin) {
		req_error(
			r, 409, "no_pin", NULL,
			"the order has no certificate PIN to set (approved without one)");
		goto out;
	}
	subj = ident_subject(r->app, S(o, "subject_type"), S(o, "subject_id"), false);
	json_t *ans = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "order_id",
				S(o, "id"), "kind", S(o, "kind"), "state", state,
				"subject_type", S(o, "subject_type"), "subject_id",
				S(o, "subject_id"), "so_pin", so, "user_pin", pin);
	if (subj && S(subj, "name"))
		json_object_set_new(ans, "name", json_string(S(subj, "name")));
	if (S(o, "pin_delivery"))
		json_object_set_new(ans, "pin_delivery",
				    json_string(S(o, "pin_delivery")));
	if (!approved)
		add_issued(r, o, ans);
	char detail[96];
	snprintf(detail, sizeof detail, "order %s (%s)", S(o, "id"),
		 approved ? "started" : "resumed");
	staff_audit(r->app->st, who, r->terminal, "personalize", detail);
	req_json(r, 200, ans);
	r->secret = true; /* kept for a replay only encrypted */
out:
	if (so)
		util_wipe_str(so);
	if (pin)
		util_wipe_str(pin);
	free(so);
	free(pin);
	json_decref(subj);
	json_decref(o);
}

/*
 * GET /v1/staff/orders (staff certificate or staff session): the
 * applications and reissues waiting for their token at the counter,
 * approved or made half-way (issued with a recorded SO PIN), newest
 * approval first.  The subject's registered name and its masked number
 * only: never a full ID number or mobile.
 */
void
h_orders_waiting(struct req *r)
{
	char who[80], masked[40];
	size_t i;
	json_t *row;

	if (!staff_who(r, who, sizeof who))
		return;
	json_t *rows = store_query(
		r->app->st,
		"SELECT o.id, o.kind, o.state, o.subject_type, o.subject_id,"
		" COALESCE((SELECT MAX(e.at) FROM order_events e WHERE e.order_id = o.id"
		" AND e.to_state = 'approved'), o.updated) AS approved FROM orders o"
		" WHERE o.kind IN ('apply', 'reissue') AND (o.state = 'approved'"
		" OR (o.state = 'issued' AND o.token_so_enc IS NOT NULL))"
		" ORDER BY approved DESC, o.id DESC LIMIT 50",
		"");
	if (!rows) {
		req_error(r, 500, "internal", NULL, "store error");
		return;
	}
	json_array_foreach(rows, i, row)
	{
		json_t *subj = ident_subject(r->app, S(row, "subject_type"),
					     S(row, "subject_id"), false);
		if (subj && S(subj, "name"))
			json_object_set_new(row, "name", json_string(S(subj, "name")));
		json_decref(subj);
		ids_mask_id(S(row, "subject_id"), masked, sizeof masked);
		json_object_set_new(row, "subject_id_masked", json_string(masked));
		json_object_del(row, "subject_id");
	}
	req_json(r, 200, json_pack("{s:o}", "orders", rows));
}

/* POST /v1/orders/{id}/made (staff certificate or staff session). */
void
h_made(struct req *r)
{
	char who[80];
	if (!staff_who(r, who, sizeof who))
		return;
	json_t *o = order_from_path(r);
	if (!o)
		return;
	if (order_move(r, o, "made", "token made by staff")) {
		store_exec(r->app->st,
			   "UPDATE orders SET token_so_enc = NULL WHERE id = ?", "s",
			   S(o, "id"));
		staff_audit(r->app->st, who, r->terminal, "made", S(o, "id"));
		req_json(r, 200, json_pack("{s:o}", "order", order_view(r->app, o)));
	}
	json_decref(o);
}

/*
 * GET /v1/tokens/{serial} (staff): what the backend knows of a token, for
 * the counter's diagnostics: escrowed or not, its owner, an unlock under
 * way, and the certificates written onto it with their orders.  Never an
 * SO PIN.
 */
void
h_token_get(struct req *r)
{
	char who[80];
	if (!staff_who(r, who, sizeof who))
		return;
	const char *serial = r->args[0];
	json_t *tok = store_query_one(r->app->st,
				      "SELECT owner_type, owner_id, holder, updated,"
				      " cand_enc IS NOT NULL AS candidate FROM tokens"
				      " WHERE serial = ?",
				      "s", serial);
	json_t *certs =
		store_query(r->app->st,
			    "SELECT c.serial, c.subject_dn, c.not_after, c.status,"
			    " COALESCE(c.order_id, '') AS order_id,"
			    " COALESCE(o.kind, '') AS order_kind,"
			    " COALESCE(o.state, '') AS order_state"
			    " FROM certificates c LEFT JOIN orders o ON o.id = c.order_id"
			    " WHERE c.token_serial = ? ORDER BY c.created DESC LIMIT 20",
			    "s", serial);
	json_t *orders =
		store_query(r->app->st,
			    "SELECT id, kind, state, updated FROM orders"
			    " WHERE token_serial = ? ORDER BY updated DESC LIMIT 20",
			    "s", serial);
	if (!certs || !orders) {
		req_error(r, 500, "internal", NULL, "store error");
	} else if (!tok && json_array_size(certs) == 0 && json_array_size(orders) == 0) {
		req_error(r, 404, "unknown_token", NULL,
			  "the backend knows no such token");
	} else {
		json_t *ans =
			json_pack("{s:s, s:b, s:O, s:O}", "serial", serial, "escrowed",
				  tok != NULL, "certificates", certs, "orders", orders);
		if (tok && S(tok, "owner_type"))
			json_object_set_new(ans, "owner",
					    json_pack("{s:s, s:s}", "subject_type",
						      S(tok, "owner_type"), "subject_id",
						      S(tok, "owner_id")));
		if (tok)
			json_object_set_new(
				ans, "unlock_pending",
				json_boolean(S(tok, "holder") != NULL ||
					     json_integer_value(
						     json_object_get(tok, "candidate"))));
		staff_audit(r->app->st, who, r->terminal, "token_viewed", serial);
		req_json(r, 200, ans);
	}
	json_decref(tok);
	json_decref(certs);
	json_decref(orders);
}
