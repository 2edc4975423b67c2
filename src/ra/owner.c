/*
 * owner.c - a token's owner, its SO PIN escrow, and the registered name of a
 * change of subject (see owner.h).  The endpoints that release and take
 * back a token's SO PIN are in unlock.c.
 *
 * The rule everywhere: a token's secrets follow its owner (the subject it
 * was personalized or issued for), never a serial that a terminal names.
 */
#include "ra/owner.h"

#include <stdlib.h>
#include <string.h>

#include "ra/ident.h"
#include "ra/staff.h"
#include "ra/util.h"

#define S(o, k) json_string_value(json_object_get((o), (k)))

static bool
so_pin_ok(const char *p)
{
	size_t n = strlen(p);
	if (n < 4 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] <= 0x20 || p[i] >= 0x7f)
			return false;
	return true;
}

bool
owner_so_pin_checked(struct req *r, const char *pin)
{
	if (so_pin_ok(pin))
		return true;
	req_error(r, 400, "invalid_field", json_pack("{s:s}", "field", "so_pin"),
		  "an SO PIN has 4 to 32 visible ASCII characters");
	return false;
}

/* Is the token row (owner_type, owner_id) owned by type/id?  A token
 * escrowed before owners were recorded is owned by nobody. */
bool
owner_owns(json_t *tok, const char *type, const char *id)
{
	const char *ot = S(tok, "owner_type"), *oi = S(tok, "owner_id");
	return ot && oi && strcmp(ot, type) == 0 && strcmp(oi, id) == 0;
}

void
owner_refuse(struct req *r)
{
	req_error(r, 403, "not_owner", NULL,
		  "this token is not the customer's: its secrets go only to its owner");
}

bool
owner_may_unlock(struct req *r, const char *serial, const char *type, const char *id)
{
	json_t *tok = store_query_one(r->app->st,
				      "SELECT owner_type, owner_id FROM tokens"
				      " WHERE serial = ?",
				      "s", serial);
	bool ok = !tok || owner_owns(tok, type, id);
	if (!ok)
		owner_refuse(r);
	json_decref(tok);
	return ok;
}

json_t *
owner_escrow(struct req *r, const char *serial, const char *pin, const char *type,
	     const char *id)
{
	char *sealed = ca_escrow_seal(r->app->ca, pin);
	/* A token escrowed before owners were recorded may be escrowed again
	 * (with its owner); an owned one only rotates through its unlock. */
	int64_t n =
		sealed ? store_exec(r->app->st,
				    "INSERT INTO tokens(serial, so_pin_enc, updated,"
				    " owner_type, owner_id, escrowed_by)"
				    " VALUES(?,?,?,?,?,?) ON CONFLICT(serial) DO UPDATE"
				    " SET so_pin_enc = excluded.so_pin_enc,"
				    " updated = excluded.updated,"
				    " owner_type = excluded.owner_type,"
				    " owner_id = excluded.owner_id,"
				    " escrowed_by = excluded.escrowed_by"
				    " WHERE tokens.owner_id IS NULL",
				    "ssisss", serial, sealed, util_now(), type, id,
				    r->terminal)
		       : -1;
	free(sealed);
	if (n == 1)
		return json_pack("{s:s, s:b, s:{s:s, s:s}}", "serial", serial, "escrowed",
				 1, "owner", "subject_type", type, "subject_id", id);
	if (n == 0)
		req_error(r, 409, "token_exists", NULL,
			  "this token's SO PIN is escrowed already; rotate it through "
			  "unlock");
	else
		req_error(r, 500, "internal", NULL, "could not escrow the SO PIN");
	return NULL;
}

/* See owner.h. */
int
owner_escrow_recorded(struct req *r, json_t *order, const char *so_pin)
{
	const char *rec = S(order, "token_so_enc");
	if (!rec)
		return 0;
	char *want = ca_escrow_open(r->app->ca, rec);
	bool same = want && util_str_eq_ct(want, so_pin);
	if (want)
		util_wipe_str(want);
	free(want);
	if (same)
		return 0;
	req_error(r, 409, "so_pin_mismatch", NULL,
		  "the SO PIN is not the one recorded for this order's token");
	return -1;
}

int
owner_escrow_request(struct req *r, json_t *order, const char **serial, const char **pin)
{
	*serial = req_str(r, "token_serial", 64, false);
	*pin = req_str(r, "so_pin", 32, false);
	if (r->status)
		return -1;
	if (!*serial && !*pin)
		return 0;
	const char *kind = S(order, "kind");
	char who[80];
	/* Staff: a staff certificate, or staff logged in at this kiosk (a
	 * staff session of this terminal); a terminal alone never escrows. */
	if (strcmp(r->role, "staff") != 0 &&
	    !(req_header(r, "Authorization") && staff_actor_opt(r, who, sizeof who))) {
		req_error(r, 403, "forbidden", NULL,
			  "only staff escrow an SO PIN (personalization at the counter)");
		return -1;
	}
	if (!*serial || !*pin) {
		req_error(
			r, 400, "bad_request",
			json_pack("{s:s}", "field", *serial ? "so_pin" : "token_serial"),
			"an escrow needs both token_serial and so_pin");
		return -1;
	}
	if (strcmp(kind, "apply") != 0 && strcmp(kind, "reissue") != 0) {
		req_error(r, 400, "bad_request",
			  json_pack("{s:s}", "field", "token_serial"),
			  "an SO PIN is escrowed with a new token's certificate (apply, "
			  "reissue)");
		return -1;
	}
	if (!owner_so_pin_checked(r, *pin) || owner_escrow_recorded(r, order, *pin) != 0)
		return -1;
	json_t *tok = store_query_one(
		r->app->st, "SELECT owner_id FROM tokens WHERE serial = ?", "s", *serial);
	bool taken = tok && S(tok, "owner_id");
	json_decref(tok);
	if (taken) {
		req_error(r, 409, "token_exists", NULL,
			  "this token's SO PIN is escrowed already");
		return -1;
	}
	return 1;
}

/* ---- change of subject ---- */

/* Does the certificate (a certificates row) carry the registered name? */
static bool
cert_named(json_t *cert, const char *name)
{
	char *cn = ca_cert_cn(S(cert, "pem"));
	bool same = cn && name && strcmp(cn, name) == 0;
	free(cn);
	return same;
}

bool
owner_change_name(struct req *r, json_t *old_cert, json_t *subj, json_t *form)
{
	const char *name = S(subj, "name");
	if (!name || cert_named(old_cert, name)) {
		req_error(r, 409, "nothing_to_change", NULL,
			  "the registration records still hold the certificate's name: "
			  "the customer changes it on the registration platform first");
		return false;
	}
	json_object_set_new(form, "new_name", json_string(name));
	return true;
}

bool
owner_renew_name(struct req *r, json_t *old_cert, json_t *subj)
{
	if (cert_named(old_cert, S(subj, "name")))
		return true;
	req_error(r, 409, "registry_changed", NULL,
		  "the registered name is no longer the certificate's: a new name "
		  "is a change of subject (reviewed), not a renewal");
	return false;
}

const char *
owner_issue_name(struct req *r, json_t *order, json_t *subj)
{
	/* A change's new name, or the name any other order was made with (its
	 * invoice title): the one the customer confirmed and staff reviewed. */
	json_t *form = json_object_get(order, "form");
	const char *want = strcmp(S(order, "kind"), "change") == 0
				   ? S(form, "new_name")
				   : S(form, "invoice_title");
	const char *name = S(subj, "name");
	if (want && name && strcmp(want, name) == 0)
		return name;
	req_error(r, 409, "registry_changed", NULL,
		  "the registered name is no longer the one this order was made and "
		  "reviewed with; make a new order");
	return NULL;
}

/* Sandbox: the customer renames the unit or person on the registration
 * platform (what a change of subject starts from). */
void
h_sandbox_registry(struct req *r)
{
	const char *type, *id;
	if (!ident_body_subject(r, &type, &id))
		return;
	const char *name = req_str(r, "name", 128, true);
	if (!name)
		return;
	bool bad = !*name;
	for (const char *p = name; *p; p++)
		bad |= (unsigned char)*p < 0x20 || *p == 0x7f;
	if (bad) {
		req_error(r, 400, "invalid_field", json_pack("{s:s}", "field", "name"),
			  "a registered name is a line of text");
		return;
	}
	bool unit = strcmp(type, "unit") == 0;
	store_exec(r->app->st,
		   unit ? "UPDATE units SET name = ? WHERE credit_code = ?"
			: "UPDATE persons SET name = ? WHERE id_number = ?",
		   "ss", name, id);
	req_json(r, 200,
		 json_pack("{s:o}", unit ? "unit" : "person",
			   ident_subject(r->app, type, id, false)));
}
