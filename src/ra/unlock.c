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
 * The order takes the token over: the order that held it before (an
 * unlock stopped half-way) is cancelled.  false: answered 500.
 */
static bool
take_over(struct req *r, const char *holder, const char *order_id, const char *serial)
{
	if (holder && strcmp(holder, order_id) != 0) {
		json_t *old = order_load(r->app->st, holder);
		if (old && strcmp(S(old, "state"), "authorized") == 0 &&
		    !order_move_st(r->app->st, old, "cancelled",
				   "superseded by a later unlock")) {
			json_decref(old);
			req_error(r, 500, "internal", NULL, "the earlier unlock stays");
			return false;
		}
		json_decref(old);
	}
	if (store_exec(r->app->st, "UPDATE tokens SET holder = ? WHERE serial = ?", "ss",
		       order_id, serial) == 1)
		return true;
	req_error(r, 500, "internal", NULL, "the token was not taken over");
	return false;
}

/*
 * The SO PIN of the order's token, once: to a confirmed (identity verified)
 * unlock order whose subject owns the token, asked with a live SMS session
 * of that subject.  With it the candidate an earlier unlock recorded and
 * did not promote (the token holds one of the two), and this order takes
 * the token over: an earlier order that still held it is cancelled, so it
 * can neither record nor promote any more (PROTOCOL.md section 12).
 */
void
h_unlock_auth(struct req *r)
{
	json_t *o = order_from_path(r), *tok = NULL, *s = NULL;
	char *pin = NULL, *cand = NULL;
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
			      "SELECT so_pin_enc, cand_enc, holder, owner_type, owner_id"
			      " FROM tokens WHERE serial = ?",
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
	if (!order_move(r, o, "authorized", "unlock authorization released") ||
	    !take_over(r, S(tok, "holder"), S(o, "id"), S(o, "token_serial")))
		goto out;
	pin = ca_escrow_open(r->app->ca, S(tok, "so_pin_enc"));
	cand = S(tok, "cand_enc") ? ca_escrow_open(r->app->ca, S(tok, "cand_enc")) : NULL;
	if (!pin || (S(tok, "cand_enc") && !cand)) {
		req_error(r, 500, "internal", NULL, "the escrow cannot be opened");
		goto out;
	}
	json_t *ans = json_pack("{s:s, s:s, s:b}", "token_serial", S(o, "token_serial"),
				"so_pin", pin, "one_time", 1);
	if (cand)
		json_object_set_new(ans, "so_pin_candidate", json_string(cand));
	req_json(r, 200, ans);
	r->secret = true;
out:
	if (pin)
		util_wipe_str(pin);
	if (cand)
		util_wipe_str(cand);
	free(pin);
	free(cand);
	json_decref(s);
	json_decref(tok);
	json_decref(o);
}

/*
 * The unlock order of the path, holding its token's authorization, for a
 * rotation step at the terminal that got the authorization; with the
 * token's row in *tok.  NULL when refused (answered).
 */
static json_t *
rotating_order(struct req *r, json_t **tok)
{
	json_t *o = order_from_path(r);
	*tok = NULL;
	if (!o)
		return NULL;
	if (strcmp(S(o, "kind"), "unlock") != 0) {
		req_error(r, 409, "wrong_kind", NULL, "this is not an unlock order");
	} else if (strcmp(S(o, "state"), "authorized") != 0) {
		req_error(r, 409, "wrong_state",
			  json_pack("{s:s, s:s}", "state", S(o, "state"), "to",
				    "completed"),
			  "the order is %s; it holds no authorization", S(o, "state"));
	} else if (strcmp(S(o, "terminal"), r->terminal) != 0) {
		req_error(r, 403, "forbidden", NULL,
			  "only the terminal that got the authorization rotates");
	} else {
		*tok = store_query_one(r->app->st,
				       "SELECT so_pin_enc, cand_enc, cand_order, holder"
				       " FROM tokens WHERE serial = ? AND owner_type = ?"
				       " AND owner_id = ?",
				       "sss", S(o, "token_serial"), S(o, "subject_type"),
				       S(o, "subject_id"));
		if (*tok && S(*tok, "holder") &&
		    strcmp(S(*tok, "holder"), S(o, "id")) == 0)
			return o;
		owner_refuse(r); /* the escrow changed hands: nothing is kept */
	}
	json_decref(*tok);
	*tok = NULL;
	json_decref(o);
	return NULL;
}

/*
 * POST /v1/orders/{id}/so-pin-candidate: the SO PIN the kiosk is about to
 * set, recorded (encrypted) before the token is changed.  token_holds says
 * which escrowed PIN opened the token: "candidate" makes an earlier
 * unlock's candidate the current one first.
 */
void
h_so_pin_candidate(struct req *r)
{
	json_t *tok = NULL, *o = rotating_order(r, &tok);
	if (!o)
		return;
	const char *pin = req_str(r, "so_pin", 32, true);
	const char *holds = pin ? req_str(r, "token_holds", 16, true) : NULL;
	if (!holds || !owner_so_pin_checked(r, pin))
		goto out;
	bool was_cand = strcmp(holds, "candidate") == 0;
	if (!was_cand && strcmp(holds, "current") != 0) {
		req_error(r, 400, "bad_request",
			  json_pack("{s:s}", "field", "token_holds"),
			  "token_holds is current or candidate");
		goto out;
	}
	if (was_cand && !S(tok, "cand_enc")) {
		req_error(r, 409, "candidate_required", NULL, "no candidate is recorded");
		goto out;
	}
	char *sealed = ca_escrow_seal(r->app->ca, pin);
	const char *cur = was_cand ? S(tok, "cand_enc") : S(tok, "so_pin_enc");
	int64_t n = sealed ? store_exec(r->app->st,
					"UPDATE tokens SET so_pin_enc = ?, cand_enc = ?,"
					" cand_order = ?, updated = ? WHERE serial = ?"
					" AND holder = ?",
					"sssiss", cur, sealed, S(o, "id"), util_now(),
					S(o, "token_serial"), S(o, "id"))
			   : -1;
	free(sealed);
	if (n == 1)
		req_json(r, 200,
			 json_pack("{s:s, s:b}", "token_serial", S(o, "token_serial"),
				   "recorded", 1));
	else
		req_error(r, 500, "internal", NULL, "the candidate was not recorded");
out:
	json_decref(tok);
	json_decref(o);
}

/*
 * POST /v1/orders/{id}/so-pin: the token holds this order's candidate now;
 * it becomes the escrowed SO PIN (the released one is worthless), once.
 */
void
h_so_pin(struct req *r)
{
	json_t *tok = NULL, *o = rotating_order(r, &tok);
	char *cand = NULL;
	if (!o)
		return;
	const char *pin = req_str(r, "so_pin", 32, true);
	if (!pin || !owner_so_pin_checked(r, pin))
		goto out;
	const char *co = S(tok, "cand_order");
	if (!S(tok, "cand_enc") || !co || strcmp(co, S(o, "id")) != 0) {
		req_error(
			r, 409, "candidate_required", NULL,
			"record the SO PIN as this order's candidate before setting it");
		goto out;
	}
	cand = ca_escrow_open(r->app->ca, S(tok, "cand_enc"));
	if (!cand || strcmp(cand, pin) != 0) {
		req_error(r, 409, "candidate_mismatch", NULL,
			  "this is not the candidate this order recorded");
		goto out;
	}
	if (!order_move(r, o, "completed", "SO PIN rotated"))
		goto out;
	if (store_exec(r->app->st,
		       "UPDATE tokens SET so_pin_enc = cand_enc, cand_enc = NULL,"
		       " cand_order = NULL, holder = NULL, updated = ?, escrowed_by = ?"
		       " WHERE serial = ? AND holder = ?",
		       "isss", util_now(), r->terminal, S(o, "token_serial"),
		       S(o, "id")) == 1)
		req_json(r, 200, json_pack("{s:o}", "order", order_view(r->app, o)));
	else
		req_error(r, 500, "internal", NULL, "the SO PIN was not promoted");
out:
	if (cand)
		util_wipe_str(cand);
	free(cand);
	json_decref(tok);
	json_decref(o);
}
