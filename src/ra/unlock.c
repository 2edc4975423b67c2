/*
 * unlock.c - the endpoints of a token's SO PIN (see unlock.h and owner.h):
 * staff personalizing a token for its owner, the SO PIN released once to
 * an unlock order of the owner, and the rotated SO PIN escrowed again.
 */
#include "ra/unlock.h"

#include <stdlib.h>
#include <string.h>

#include "ra/ident.h"
#include "ra/order.h"
#include "ra/owner.h"
#include "ra/util.h"

#define S(o, k) json_string_value(json_object_get((o), (k)))

/* POST /v1/tokens (staff): personalization of a token for its owner. */
void
h_token_register(struct req *r)
{
	const char *type, *id;
	const char *serial = req_str(r, "serial", 64, true);
	const char *pin = serial ? req_str(r, "so_pin", 32, true) : NULL;
	if (!pin || !owner_so_pin_checked(r, pin) || !ident_body_subject(r, &type, &id))
		return;
	json_t *ans = owner_escrow(r, serial, pin, type, id);
	if (ans)
		req_json(r, 201, ans);
}

/*
 * The SO PIN of the order's token, once: to a confirmed (identity verified)
 * unlock order whose subject owns the token, asked with a live SMS session
 * of that subject.
 */
void
h_unlock_auth(struct req *r)
{
	json_t *o = order_from_path(r), *tok = NULL, *s = NULL;
	char *pin = NULL;
	if (!o)
		return;
	const char *type = S(o, "subject_type"), *id = S(o, "subject_id");
	if (strcmp(S(o, "kind"), "unlock") != 0) {
		req_error(r, 409, "wrong_kind", NULL, "this is not an unlock order");
		goto out;
	}
	if (strcmp(S(o, "state"), "confirmed") != 0) {
		order_move(r, o, "authorized", NULL); /* answers wrong_state */
		goto out;
	}
	tok = store_query_one(r->app->st,
			      "SELECT so_pin_enc, owner_type, owner_id FROM tokens"
			      " WHERE serial = ?",
			      "s", S(o, "token_serial"));
	if (!tok) {
		req_error(r, 404, "unknown_token", NULL,
			  "no SO PIN is escrowed for this token");
		goto out;
	}
	if (!owner_owns(tok, type, id)) {
		owner_refuse(r);
		goto out;
	}
	s = ident_session(r);
	if (!s || !ident_session_owns(r, s, type, id))
		goto out;
	if (!order_move(r, o, "authorized", "unlock authorization released"))
		goto out;
	pin = ca_escrow_open(r->app->ca, S(tok, "so_pin_enc"));
	if (!pin) {
		req_error(r, 500, "internal", NULL, "the escrow cannot be opened");
		goto out;
	}
	req_json(r, 200,
		 json_pack("{s:s, s:s, s:b}", "token_serial", S(o, "token_serial"),
			   "so_pin", pin, "one_time", 1));
	r->secret = true;
	util_wipe_str(pin);
out:
	free(pin);
	json_decref(s);
	json_decref(tok);
	json_decref(o);
}

/* The SO PIN the kiosk set after the unlock: escrowed for the order's own
 * token, by the order that holds the authorization, once. */
void
h_so_pin(struct req *r)
{
	json_t *o = order_from_path(r);
	if (!o)
		return;
	const char *pin = req_str(r, "so_pin", 32, true);
	if (!pin || !owner_so_pin_checked(r, pin))
		goto out;
	if (strcmp(S(o, "kind"), "unlock") != 0) {
		req_error(r, 409, "wrong_kind", NULL, "this is not an unlock order");
		goto out;
	}
	if (!order_move(r, o, "completed", "SO PIN rotated"))
		goto out;
	char *sealed = ca_escrow_seal(r->app->ca, pin);
	int64_t n = sealed ? store_exec(r->app->st,
					"UPDATE tokens SET so_pin_enc = ?, updated = ?,"
					" escrowed_by = ? WHERE serial = ?"
					" AND owner_type = ? AND owner_id = ?",
					"sissss", sealed, util_now(), r->terminal,
					S(o, "token_serial"), S(o, "subject_type"),
					S(o, "subject_id"))
			   : -1;
	free(sealed);
	if (n == 1)
		req_json(r, 200, json_pack("{s:o}", "order", order_view(r->app, o)));
	else
		owner_refuse(r); /* the escrow changed hands: nothing is kept */
out:
	json_decref(o);
}
