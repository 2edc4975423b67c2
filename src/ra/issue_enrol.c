/*
 * issue_enrol.c - terminals (see issue.h): enrolment codes and the
 * enrolment itself, the sandbox's certificate, a certificate by serial, a
 * terminal's orders.
 */
#include "ra/issue_int.h"
#include "ra/staff.h"
#include "ra/limits.h"

/* ---- terminal enrolment ---- */

char *
issue_enrol_code(struct store *st, const char *terminal_id)
{
	char code[13], hash[65];
	util_random_digits(code, 12);
	codec_sha256_hex(code, 12, hash);
	if (store_exec(st,
		       "INSERT INTO enrol_codes(code_hash, terminal_id, expires) "
		       "VALUES(?,?,?)",
		       "ssi", hash, terminal_id, util_now() + ENROL_TTL) != 1)
		return NULL;
	return util_xstrdup(code);
}

void
h_enrol(struct req *r)
{
	struct ca_issued is = {0};
	char *msg = NULL;
	const char *code = req_str(r, "code", 32, true);
	const char *csr = code ? req_str(r, "csr", 16000, true) : NULL;
	const char *claimed = csr ? req_str(r, "terminal_id", 64, false) : NULL;
	if (!csr || r->status)
		return;
	char hash[65], addr[64];
	const char *ecode = NULL;
	struct ca_csr *c = NULL;
	/* Codes are guessable: failures count per address and in all
	 * (limits.h); the right code is refused while either is spent. */
	req_client_addr(r, addr, sizeof addr);
	if (!lim_addr_allow(r, "enrol", addr))
		return;
	codec_sha256_hex(code, strlen(code), hash);
	json_t *row = store_query_one(r->app->st,
				      "SELECT terminal_id, expires, used FROM enrol_codes"
				      " WHERE code_hash = ?",
				      "s", hash);
	if (!row || I(row, "expires") <= util_now()) {
		req_error(r, 403, "enrol_code_invalid", NULL,
			  "unknown or expired enrolment code");
		lim_addr_fail(r, "enrol", addr);
		goto out;
	}
	if (claimed && strcmp(claimed, S(row, "terminal_id")) != 0) {
		/* Another terminal's code: not used up, but a failed try. */
		req_error(r, 403, "terminal_mismatch", NULL,
			  "this enrolment code is for another terminal");
		lim_addr_fail(r, "enrol", addr);
		goto out;
	}
	if (I(row, "used")) {
		req_error(r, 409, "enrol_code_used", NULL,
			  "this enrolment code was used already");
		lim_addr_fail(r, "enrol", addr);
		goto out;
	}
	if (!(c = ca_csr_parse(csr, &ecode, &msg))) {
		req_error(r, 400, ecode, NULL, "%s", msg);
		goto out;
	}
	int64_t now = util_now();
	struct ca_subject cs = {.cn = S(row, "terminal_id"),
				.o = "cakiosk reference RA",
				.ou = "terminal"};
	if (ca_issue(r->app->ca, c, &cs, now - 300, rules_add_years(now, 3),
		     CA_PROFILE_TERMINAL, &is, &msg) != 0) {
		req_error(r, 500, "internal", NULL, "issuing failed");
		goto out;
	}
	store_exec(r->app->st, "UPDATE enrol_codes SET used = 1 WHERE code_hash = ?", "s",
		   hash);
	/* Kept with the others so that `cakiosk-ra revoke` can shut a stolen
	 * terminal out. */
	store_exec(r->app->st,
		   "INSERT INTO certificates(serial, order_id, subject_type, subject_id,"
		   " subject_dn, not_before, not_after, pem, status, created)"
		   " VALUES(?,NULL,'terminal',?,?,?,?,?,'valid',?)",
		   "sssiisi", is.serial, S(row, "terminal_id"), is.dn, is.not_before,
		   is.not_after, is.pem, now);
	req_issued(r, CA_PROFILE_TERMINAL);
	store_exec(r->app->st,
		   "INSERT INTO terminals(id, cert_serial, enrolled) VALUES(?,?,?)"
		   " ON CONFLICT(id) DO UPDATE SET cert_serial = excluded.cert_serial,"
		   " enrolled = excluded.enrolled",
		   "ssi", S(row, "terminal_id"), is.serial, now);
	log_info("enrol: terminal %s enrolled", S(row, "terminal_id"));
	req_json(r, 201,
		 json_pack("{s:s, s:s, s:s, s:[s]}", "terminal_id", S(row, "terminal_id"),
			   "certificate", is.pem, "serial", is.serial, "chain",
			   ca_cert_pem(r->app->ca)));
out:
	ca_csr_free(c);
	ca_issued_free(&is);
	free(msg);
	json_decref(row);
}

/* Sandbox: a certificate with chosen validity, for tests of renewal. */
void
h_sandbox_certificate(struct req *r)
{
	const char *type, *id;
	int64_t nb, na;
	struct ca_issued is = {0};
	char *msg = NULL;
	const char *code = NULL;
	struct ca_csr *c;
	if (!ident_body_subject(r, &type, &id))
		return;
	const char *csr = req_str(r, "csr", 16000, true);
	const char *token = req_str(r, "token_serial", 64, false);
	if (!csr || r->status ||
	    req_int(r, "not_before", 0, 4102444800LL, true, 0, &nb) != 0 ||
	    req_int(r, "not_after", 0, 4102444800LL, true, 0, &na) != 0)
		return;
	if (!(c = ca_csr_parse(csr, &code, &msg))) {
		req_error(r, 400, code, NULL, "%s", msg);
		free(msg);
		return;
	}
	json_t *subj = ident_subject(r->app, type, id, true);
	bool unit = strcmp(type, "unit") == 0;
	struct ca_subject cs = {.cn = S(subj, "name"),
				.o = unit ? S(subj, "name") : NULL,
				.ou = unit ? NULL : "individual",
				.serial_number = id};
	if (ca_issue(r->app->ca, c, &cs, nb, na, CA_PROFILE_CUSTOMER, &is, &msg) == 0) {
		store_exec(r->app->st,
			   "INSERT INTO certificates(serial, order_id, subject_type, "
			   "subject_id,"
			   " subject_dn, not_before, not_after, pem, status, created,"
			   " token_serial) VALUES(?,NULL,?,?,?,?,?,?,'valid',?,?)",
			   "ssssiisis", is.serial, type, id, is.dn, nb, na, is.pem,
			   util_now(), token);
		req_issued(r, CA_PROFILE_CUSTOMER);
		req_json(r, 201,
			 json_pack("{s:s, s:s}", "certificate", is.pem, "serial",
				   is.serial));
	} else {
		req_error(r, 500, "internal", NULL, "issuing failed");
	}
	ca_csr_free(c);
	ca_issued_free(&is);
	free(msg);
	json_decref(subj);
}

/*
 * A certificate by serial (what "check my UKey" shows), and the unfinished
 * successor of it: a renew or change order whose new certificate was issued
 * but not yet acknowledged as installed, so a kiosk that lost the token or
 * the power half-way can finish writing it the next time the token is in.
 */
void
h_cert_get(struct req *r)
{
	json_t *c = store_query_one(
		r->app->st,
		"SELECT serial, subject_type, subject_id, subject_dn, not_before,"
		" not_after, status, revoked_at, pem FROM certificates WHERE serial = ?",
		"s", r->args[0]);
	if (!c) {
		req_error(r, 404, "unknown_certificate", NULL,
			  "no certificate with this serial");
		return;
	}
	json_t *seal = store_query_one(
		r->app->st,
		"SELECT id FROM seals WHERE cert_serial = ? ORDER BY created DESC"
		" LIMIT 1",
		"s", r->args[0]);
	if (seal)
		json_object_set(c, "seal_id", json_object_get(seal, "id"));
	json_t *o = store_query_one(
		r->app->st,
		"SELECT o.id AS order_id, o.kind, o.state, n.serial, n.pem,"
		" n.not_before, n.not_after FROM orders o JOIN certificates n"
		" ON n.serial = o.cert_serial WHERE o.old_serial = ?"
		" AND o.state = 'issued' AND o.kind IN ('renew', 'change')"
		" ORDER BY o.updated DESC LIMIT 1",
		"s", r->args[0]);
	if (o) {
		json_t *ns = store_query_one(r->app->st,
					     "SELECT id FROM seals WHERE cert_serial = ?"
					     " ORDER BY created DESC LIMIT 1",
					     "s", S(o, "serial"));
		if (ns)
			json_object_set(o, "seal_id", json_object_get(ns, "id"));
		json_decref(ns);
		json_object_set_new(c, "pending_install", o);
	}
	/* Paid (renew) or approved (change) but not yet issued: the kiosk
	 * makes the request again. */
	json_t *po = store_query_one(
		r->app->st,
		"SELECT id AS order_id, kind, state, term_years FROM orders"
		" WHERE old_serial = ? AND ((kind = 'renew' AND state = 'paid')"
		" OR (kind = 'change' AND state = 'approved'))"
		" ORDER BY updated DESC LIMIT 1",
		"s", r->args[0]);
	if (po)
		json_object_set_new(c, "pending_order", po);
	/* The order that issued this certificate, so a kiosk can acknowledge
	 * an installation that a power cut interrupted. */
	json_t *own = store_query_one(r->app->st,
				      "SELECT o.id, o.kind, o.state FROM orders o JOIN"
				      " certificates n ON n.order_id = o.id WHERE"
				      " n.serial = ?",
				      "s", r->args[0]);
	if (own)
		json_object_set_new(c, "order", own);
	req_json(r, 200, json_pack("{s:o}", "certificate", c));
	json_decref(seal);
}

/* Staff: the orders this terminal took today (UTC day of the backend clock),
 * the channel each was paid through, and what was paid per channel.  With
 * a staff session the viewing is audited. */
void
h_terminal_orders(struct req *r)
{
	int64_t now = util_now(), day = now - now % DAY;
	char who[80];
	/* Not only staff ask (a customer's session may come along): only a
	 * staff session's viewing is audited, nobody is refused. */
	bool staff =
		req_header(r, "Authorization") && staff_actor_opt(r, who, sizeof who);
	json_t *rows = store_query(
		r->app->st,
		"SELECT o.id, o.kind, o.subject_type, o.state, o.price, o.created,"
		" (SELECT p.state FROM payments p WHERE p.order_id = o.id"
		"  AND p.state = 'paid' LIMIT 1) AS payment,"
		" (SELECT p.channel FROM payments p WHERE p.order_id = o.id"
		"  AND p.state = 'paid' LIMIT 1) AS channel"
		" FROM orders o WHERE o.terminal = ? AND o.created >= ?"
		" ORDER BY o.created DESC LIMIT 500",
		"si", r->terminal, day);
	json_t *totals = store_query(
		r->app->st,
		"SELECT p.channel, count(*) AS count, sum(p.amount) AS amount"
		" FROM payments p JOIN orders o ON o.id = p.order_id"
		" WHERE o.terminal = ? AND p.state = 'paid' AND p.paid_at >= ?"
		" GROUP BY p.channel ORDER BY p.channel",
		"si", r->terminal, day);
	int64_t paid = 0;
	for (size_t i = 0; i < json_array_size(totals); i++)
		paid += json_integer_value(
			json_object_get(json_array_get(totals, i), "amount"));
	if (staff)
		staff_audit(r->app->st, who, r->terminal, "orders_viewed", NULL);
	req_json(r, 200,
		 json_pack("{s:s, s:o, s:o, s:I}", "terminal", r->terminal, "orders",
			   rows ? rows : json_array(), "totals",
			   totals ? totals : json_array(), "paid_total",
			   (json_int_t)paid));
}
