/*
 * order.c - orders and their state machine (see order.h and PROTOCOL.md):
 * prices, loading an order and who may see it, its view, reading,
 * confirming and cancelling it.  A new order is made in order_new.c,
 * verified in order_verify.c, paid in order_pay.c, its documents are in
 * order_docs.c.
 *
 * The state machine is one table (transitions[]); every change of state
 * goes through order_move(), which refuses a transition the table does not
 * hold and writes an order_events row in the same transaction.
 */
#include "ra/order_int.h"
#include "ra/staff.h"

static const struct {
	const char *from, *to;
} transitions[] = {
	{"draft", "confirmed"},       {"draft", "cancelled"},
	{"confirmed", "cancelled"},   {"confirmed", "paid"},
	{"paid", "under_review"},     {"under_review", "approved"},
	{"under_review", "rejected"}, {"approved", "issued"},
	{"paid", "issued"},           {"issued", "installed"},
	{"approved", "made"},         {"made", "posted"},
	{"issued", "made"}, /* instant issuance: made at the counter */
	{"confirmed", "authorized"},  {"authorized", "completed"},
	{"authorized", "cancelled"}, /* an unlock superseded by a later one */
};

const char *const order_kinds[] = {"apply", "renew", "unlock", "reissue", "change", NULL};

static const char *const unit_docs[] = {"business_licence", "agent_id_front",
					"agent_id_back", "seal_form", NULL};
static const char *const person_docs[] = {"id_front", "id_back", "signature_form", NULL};

const char *const *
docs_for(const char *subject_type)
{
	return strcmp(subject_type, "unit") == 0 ? unit_docs : person_docs;
}

/* Orders that staff review: a new token, or a new subject name. */
bool
kind_needs_docs(const char *kind)
{
	return strcmp(kind, "apply") == 0 || strcmp(kind, "reissue") == 0 ||
	       strcmp(kind, "change") == 0;
}

/* Price in fen by kind, subject type and term (1..3 years). */
int64_t
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
	for (int k = 0; order_kinds[k]; k++) {
		/* unlock and change are one term whatever is asked */
		bool one = strcmp(order_kinds[k], "unlock") == 0 ||
			   strcmp(order_kinds[k], "change") == 0;
		for (int t = 0; t < 2; t++)
			for (int y = 1; y <= (one ? 1 : 3); y++)
				json_array_append_new(
					rows,
					json_pack("{s:s, s:s, s:i, s:I}", "kind",
						  order_kinds[k], "subject_type",
						  types[t], "term_years", y, "price",
						  (json_int_t)order_price(order_kinds[k],
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
	/* Counter staff logged in at this kiosk see every order. */
	char who[80];
	if (staff_actor_opt(r, who, sizeof who))
		return true;
	json_t *s = ident_session(r);
	if (!s)
		return false;
	bool ok = ident_session_owns(r, s, S(order, "subject_type"),
				     S(order, "subject_id"));
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

/* A column of order_view's statement and its name in the protocol. */
struct view_col {
	const char *name, *col;
};

/* One row of the lists of order_view's statement, as the protocol shows it:
 * the row's columns renamed, in the protocol's order. */
static json_t *
view_row(json_t *row, const struct view_col *cols)
{
	json_t *o = json_object();
	for (; cols->name; cols++) {
		json_t *x = json_object_get(row, cols->col);
		json_object_set(o, cols->name, x ? x : json_null());
	}
	return o;
}

/* Adds row to list, which is in order of k (an event's id) then a (a
 * check's party, a document's kind); the lists are a few rows long. */
static void
list_insert(json_t *list, json_t *row)
{
	json_int_t k = I(row, "k");
	const char *a = S(row, "a") ? S(row, "a") : "";
	size_t i = json_array_size(list);
	while (i > 0) {
		json_t *prev = json_array_get(list, i - 1);
		const char *pa = S(prev, "a") ? S(prev, "a") : "";
		if (I(prev, "k") < k || (I(prev, "k") == k && strcmp(pa, a) <= 0))
			break;
		i--;
	}
	json_array_insert(list, i, row);
}

/*
 * What order_view shows besides the order's own row: its events, checks,
 * documents, latest payment and e-invoice.  One statement instead of one
 * each, as an order-status read (a kiosk's payment screen polls it) is the
 * backend's most frequent request.  Every branch gives the same columns:
 * t which list, a b c text, n1 n2 numbers, k the events' order.  n2 is
 * typed in the first branch: PostgreSQL gives two NULLs the type text,
 * which no later number matches.  The lists are put in order here: an
 * ORDER BY over the branches made SQLite sort each of them, which cost
 * more than the statements it replaced.
 */
static void
order_view_lists(struct app *app, json_t *v, const char *id)
{
	static const struct view_col ev[] = {{"from_state", "a"},
					     {"to_state", "b"},
					     {"at", "n1"},
					     {"note", "c"},
					     {NULL, NULL}},
				     ver[] = {{"party", "a"},
					      {"method", "b"},
					      {"state", "c"},
					      {NULL, NULL}},
				     doc[] = {{"kind", "a"},     {"mime", "b"},
					      {"size", "n1"},    {"sha256", "c"},
					      {"created", "n2"}, {NULL, NULL}},
				     pay[] = {{"id", "a"},
					      {"channel", "b"},
					      {"amount", "n1"},
					      {"state", "c"},
					      {NULL, NULL}};
	json_t *rows = store_query(
		app->st,
		"SELECT 'e' AS t, from_state AS a, to_state AS b, note AS c, at AS n1,"
		" CAST(NULL AS BIGINT) AS n2, id AS k FROM order_events WHERE order_id = "
		"?"
		" UNION ALL SELECT 'v', party, method, state, NULL, NULL, 0"
		" FROM verifications WHERE order_id = ?"
		" UNION ALL SELECT 'd', kind, mime, sha256, size, created, 0"
		" FROM documents WHERE order_id = ?"
		" UNION ALL SELECT 'p', id, channel, state, amount, NULL, 0"
		" FROM payments WHERE id = (SELECT id FROM payments"
		" WHERE order_id = ? ORDER BY created DESC LIMIT 1)"
		" UNION ALL SELECT 'i', token, NULL, NULL, NULL, NULL, 0"
		" FROM invoices WHERE order_id = ?",
		"sssss", id, id, id, id, id);
	static const char *const names[] = {"events", "verifications", "documents"};
	const struct view_col *const cols[] = {ev, ver, doc};
	json_t *lists[3], *out[3];
	for (int l = 0; l < 3; l++) { /* the protocol's order of the keys */
		lists[l] = json_array();
		out[l] = json_array();
		json_object_set_new(v, names[l], out[l]);
	}
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		const char *t = S(row, "t");
		if (strcmp(t, "e") == 0) {
			list_insert(lists[0], row);
		} else if (strcmp(t, "v") == 0) {
			list_insert(lists[1], row);
		} else if (strcmp(t, "d") == 0) {
			list_insert(lists[2], row);
		} else if (strcmp(t, "p") == 0) {
			json_object_set_new(v, "payment", view_row(row, pay));
		} else if (strcmp(t, "i") == 0) {
			char *url = util_xasprintf("%s/invoice/%s", app->public_url,
						   S(row, "a"));
			json_object_set_new(v, "invoice_url", json_string(url));
			free(url);
		}
	}
	for (int l = 0; l < 3; l++) {
		for (i = 0; i < json_array_size(lists[l]); i++)
			json_array_append_new(
				out[l], view_row(json_array_get(lists[l], i), cols[l]));
		json_decref(lists[l]);
	}
	json_decref(rows);
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
	order_view_lists(app, v, S(o, "id"));
	return v;
}

void
h_order_get(struct req *r)
{
	json_t *o = order_from_path(r);
	if (!o)
		return;
	/* Loaded again only when a sandbox payment settled it just now. */
	if (order_settle_due(r->app, r->args[0])) {
		json_decref(o);
		o = order_load(r->app->st, r->args[0]);
	}
	req_json(r, 200, json_pack("{s:o}", "order", order_view(r->app, o)));
	json_decref(o);
}

/* The certificate rows of Order query and reissue: the form of the order
 * that issued one (what a reissue's form starts from) as an object; what
 * is unknown left out. */
static void
cert_rows(json_t *certs)
{
	size_t i;
	json_t *c;

	json_array_foreach(certs, i, c)
	{
		const char *data = S(c, "form");
		json_t *form = data ? json_loads(data, 0, NULL) : NULL;
		if (json_is_object(form)) {
			json_object_del(form, "invoice_title");
			json_object_del(form, "reissue_reason");
			json_object_set_new(c, "form", form);
		} else {
			json_decref(form);
			json_object_del(c, "form");
		}
		if (json_is_null(json_object_get(c, "token_serial")))
			json_object_del(c, "token_serial");
	}
}

void
h_order_list(struct req *r)
{
	const char *type = r->args[0], *id = r->args[1];
	json_t *s = ident_session(r);
	if (!s)
		return;
	if (ident_session_owns(r, s, type, id)) {
		json_t *rows = store_query(
			r->app->st,
			"SELECT id, kind, state, price, term_years, created, updated,"
			" cert_serial, tracking FROM orders WHERE subject_type = ?"
			" AND subject_id = ? ORDER BY created DESC, id DESC LIMIT 100",
			"ss", type, id);
		json_t *certs = store_query(
			r->app->st,
			"SELECT c.serial, c.subject_dn, c.not_before, c.not_after,"
			" c.status, c.token_serial, o.data AS form"
			" FROM certificates c LEFT JOIN orders o ON o.id = c.order_id"
			" WHERE c.subject_type = ? AND c.subject_id = ?"
			" ORDER BY c.created DESC, c.not_after DESC, c.serial DESC LIMIT "
			"100",
			"ss", type, id);
		cert_rows(certs);
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
void
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
	if (strcmp(kind, "renew") != 0 && !ident_session_is(r, type, S(o, "subject_id")))
		goto out;
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
	/* The certificate a reissue replaces is still valid: one revoked
	 * meanwhile (another reissue of it, staff) is not replaced twice. */
	bool reissue = strcmp(kind, "reissue") == 0 &&
		       !json_is_null(json_object_get(o, "old_serial"));
	if (reissue &&
	    store_query_int(r->app->st, 0,
			    "SELECT count(*) FROM certificates WHERE serial = ?"
			    " AND status = 'valid'",
			    "s", S(o, "old_serial")) == 0) {
		req_error(r, 409, "certificate_revoked", NULL,
			  "the certificate to replace is revoked already");
		goto out;
	}
	if (!order_move(r, o, "confirmed", "confirmed by the customer"))
		goto out;
	if (reissue) {
		/* The lost (or damaged) certificate is revoked once the reissue
		 * is confirmed: the next CRL lists it. */
		const char *why = json_string_value(
			json_object_get(json_object_get(o, "form"), "reissue_reason"));
		if (order_revoke(r->app->st, S(o, "old_serial"),
				 why && strcmp(why, "damaged") == 0
					 ? "damaged (reissue)"
					 : "lost (reissue)") != 0) {
			req_error(r, 500, "internal", NULL,
				  "could not revoke the certificate");
			goto out;
		}
	}
	req_json(r, 200, json_pack("{s:o}", "order", order_view(r->app, o)));
out:
	json_decref(o);
}

int
order_revoke(struct store *st, const char *serial, const char *reason)
{
	return store_exec(st,
			  "UPDATE certificates SET status = 'revoked', revoked_at = ?,"
			  " revoke_reason = ? WHERE serial = ? AND status = 'valid'",
			  "iss", util_now(), reason, serial) == 1
		       ? 0
		       : -1;
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
