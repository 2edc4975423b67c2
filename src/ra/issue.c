/*
 * issue.c - certificates for orders (with the escrow of a new token's SO
 * PIN by staff), review, revocation and CRL (see issue.h and PROTOCOL.md).
 * Electronic seals are in issue_seal.c, terminal enrolment in
 * issue_enrol.c.
 */
#include "ra/issue_int.h"

/* ---- issuance ---- */

/*
 * The CA's crypto (the CSR's and the proof's checks, the certificate, the
 * seal) is done without the store's lock, between two runs of this handler
 * (issue_cert.c): every run reads and checks everything; one that lacks a
 * result assumes it, writes nothing and asks for the work at its end.
 */
void
h_certificate(struct req *r)
{
	json_t *o = order_from_path_token(r), *subj = NULL, *old = NULL, *tok = NULL;
	char *seal_id = NULL;
	struct seal sl = {0};
	if (!o)
		return;
	struct cert_job *job = cert_job_of(r);
	const char *csr = req_str(r, "csr", 16000, true);
	const char *proof = csr ? req_str(r, "proof", 2048, false) : NULL;
	const char *tserial = NULL, *tpin = NULL;
	if (r->status)
		goto out;
	const char *kind = S(o, "kind"), *state = S(o, "state");
	bool from_token = strcmp(kind, "renew") == 0 || strcmp(kind, "change") == 0;
	bool reviewed = strcmp(kind, "renew") != 0; /* apply, reissue, change */
	if (strcmp(state, reviewed ? "approved" : "paid") != 0) {
		req_error(
			r, 409, "wrong_state", json_pack("{s:s}", "state", state),
			"a certificate is issued for an approved (apply, reissue, change)"
			" or paid (renew) order; this one is %s",
			state);
		goto out;
	}
	int escrow = owner_escrow_request(r, o, &tserial, &tpin);
	if (escrow < 0)
		goto out;
	const char *code = NULL, *msg = NULL;
	if (!cert_job_csr(r, job, csr, &code, &msg)) {
		req_error(r, 400, code, NULL, "%s", msg);
		goto out;
	}
	int64_t now = cert_job_now(job), from = now,
		to = rules_add_years(now, (int)I(o, "term_years"));
	if (from_token) {
		old = store_query_one(r->app->st,
				      "SELECT * FROM certificates WHERE serial = ?", "s",
				      S(o, "old_serial"));
		if (!old) {
			req_error(r, 409, "unknown_certificate", NULL,
				  "the old certificate is gone");
			goto out;
		}
		/* Revoked since the order was made (a stolen token): its key
		 * proves nothing any more. */
		if (strcmp(S(old, "status"), "valid") != 0) {
			req_error(r, 409, "certificate_revoked", NULL,
				  "the old certificate was revoked");
			goto out;
		}
		/* Proof of possession of the old key: its signature over
		 * "cakiosk-renew:" ORDER ":" hex(SHA-256(CSR DER)). */
		unsigned char *sig = NULL;
		size_t slen = 0;
		if (!proof || codec_base64_decode(proof, &sig, &slen) != 0) {
			req_error(r, 400, "proof_required", NULL,
				  "a renewal or change needs \"proof\": the old key's "
				  "signature");
			goto out;
		}
		free(sig);
		if (!cert_job_proof(r, job, S(old, "pem"), S(o, "id"), proof)) {
			req_error(
				r, 400, "proof_invalid", NULL,
				"the request is not signed by the old certificate's key");
			goto out;
		}
		if (strcmp(kind, "renew") == 0) {
			if (order_renew_rules(now, I(old, "not_after"),
					      I(o, "term_years"), &from, &to)) {
				req_error(r, 409, "not_eligible", NULL,
					  "the old certificate is no longer renewable");
				goto out;
			}
		} else {
			to = I(old, "not_after"); /* a change keeps the end date */
		}
	}
	subj = ident_subject(r->app, S(o, "subject_type"), S(o, "subject_id"), true);
	bool unit = strcmp(S(o, "subject_type"), "unit") == 0;
	/* The name is the registered one, never one typed at a kiosk, and the
	 * one the order was made and reviewed with. */
	const char *name = owner_issue_name(r, o, subj);
	if (!name)
		goto out;
	struct ca_subject cs = {.cn = name,
				.o = unit ? name : NULL,
				.ou = unit ? NULL : "individual",
				.serial_number = S(o, "subject_id")};
	bool failed = false;
	const struct ca_issued *is = cert_job_issue(r, job, &cs, from, to, &failed);
	if (failed) {
		req_error(r, 500, "internal", NULL, "issuing failed");
		goto out;
	}
	const struct seal *seal = NULL;
	if (seal_read(r->app, o, name, &sl) == 0)
		seal = cert_job_seal(r, job, &sl);
	if (cert_job_assumed(job))
		goto out; /* nothing is written before every result is had */
	store_exec(r->app->st,
		   "INSERT INTO certificates(serial, order_id, subject_type, subject_id, "
		   "subject_dn,"
		   " not_before, not_after, pem, status, created, token_serial) "
		   "VALUES(?,?,?,?,?,?,?,?,'valid',?,?)",
		   "sssssiisis", is->serial, S(o, "id"), S(o, "subject_type"),
		   S(o, "subject_id"), is->dn, is->not_before, is->not_after, is->pem,
		   now,
		   escrow > 0 ? tserial
		   : old      ? S(old, "token_serial")
			      : NULL);
	req_issued(r, CA_PROFILE_CUSTOMER);
	store_exec(r->app->st,
		   "UPDATE orders SET cert_serial = ?, valid_from = ?, valid_to = ? "
		   "WHERE id = ?",
		   "siis", is->serial, is->not_before, is->not_after, S(o, "id"));
	if (seal)
		seal_id = seal_store(r->app, o, is->serial, seal);
	if (escrow > 0 && !(tok = owner_escrow(r, tserial, tpin, S(o, "subject_type"),
					       S(o, "subject_id"))))
		goto out;
	if (!order_move(r, o, "issued", "certificate issued"))
		goto out;
	char who[80];
	if (escrow > 0 && staff_actor_opt(r, who, sizeof who))
		staff_audit(r->app->st, who, r->terminal, "token_issued", tserial);
	json_t *ans =
		json_pack("{s:s, s:s, s:[s], s:I, s:I, s:s}", "certificate", is->pem,
			  "serial", is->serial, "chain", ca_cert_pem(r->app->ca),
			  "not_before", (json_int_t)is->not_before, "not_after",
			  (json_int_t)is->not_after, "subject", is->dn);
	if (seal_id)
		json_object_set_new(ans, "seal_id", json_string(seal_id));
	if (tok)
		json_object_set(ans, "token", tok);
	req_json(r, 201, ans);
out:
	cert_job_ask(r, job);
	seal_clear(&sl);
	json_decref(tok);
	free(seal_id);
	json_decref(old);
	json_decref(subj);
	json_decref(o);
}

void
h_installed(struct req *r)
{
	json_t *o = order_from_path_token(r);
	if (!o)
		return;
	/* A change revokes the superseded certificate only now: the token
	 * holds the new one, read back, so it is never left with neither. */
	if (order_move(r, o, "installed", "written onto the token")) {
		if (strcmp(S(o, "kind"), "change") == 0)
			order_revoke(r->app->st, S(o, "old_serial"),
				     "change (superseded)");
		req_json(r, 200, json_pack("{s:o}", "order", order_view(r->app, o)));
	}
	json_decref(o);
}

/* ---- review, making, posting ---- */

static const char *
notify_mobile(json_t *subj)
{
	return strcmp(S(subj, "type"), "unit") == 0 ? S(subj, "agent_mobile")
						    : S(subj, "mobile");
}

/*
 * The certificate PIN of a token the staff will make: random, kept only
 * encrypted, and sent the way the customer's verification chose (the
 * manual: by SMS to the legal representative / applicant, or in the memo of
 * a 0.01 CNY transfer to the verified account).
 */
static void
pin_deliver(struct app *app, json_t *o, json_t *subj)
{
	char pin[9], masked[40];
	bool unit = strcmp(S(o, "subject_type"), "unit") == 0;
	util_random_digits(pin, 8);
	char *method = NULL;
	json_t *v = store_query_one(
		app->st,
		"SELECT method FROM verifications WHERE order_id = ? AND party = ?", "ss",
		S(o, "id"), unit ? "unit" : "person");
	if (v)
		method = util_xstrdup(S(v, "method"));
	json_decref(v);
	char *delivery, *text;
	if (method && strcmp(method, "transfer") == 0) {
		ids_mask_account(S(subj, "bank_account"), masked, sizeof masked);
		text = util_xasprintf("证书密码%s", pin);
		gw_bank_transfer(app->st, S(subj, "bank_account"), 1, text, S(o, "id"));
		delivery = util_xasprintf("memo:%s", masked);
	} else {
		const char *m = unit ? S(subj, "legal_rep_mobile") : S(subj, "mobile");
		ids_mask_mobile(m, masked, sizeof masked);
		text = util_xasprintf("【CA证书服务】订单%s的证书密码为%s，请妥善保管。",
				      S(o, "id"), pin);
		gw_sms_send(app->st, m, text);
		delivery = util_xasprintf("sms:%s", masked);
	}
	char *sealed = ca_escrow_seal(app->ca, pin);
	store_exec(app->st,
		   "UPDATE orders SET pin_enc = ?, pin_delivery = ? WHERE id = ?", "sss",
		   sealed, delivery, S(o, "id"));
	util_wipe_str(text);
	util_wipe(pin, sizeof pin);
	free(text);
	free(sealed);
	free(delivery);
	free(method);
}

const char *
issue_review(struct app *app, json_t *o, bool approve, const char *reason)
{
	if (!order_move_st(app->st, o, approve ? "approved" : "rejected",
			   approve ? "approved by staff" : reason))
		return "wrong_state";
	if (!approve)
		store_exec(app->st, "UPDATE orders SET reason = ? WHERE id = ?", "ss",
			   reason, S(o, "id"));
	json_t *subj = ident_subject(app, S(o, "subject_type"), S(o, "subject_id"), true);
	if (approve && app->ca &&
	    (strcmp(S(o, "kind"), "apply") == 0 || strcmp(S(o, "kind"), "reissue") == 0))
		pin_deliver(app, o, subj);
	/* An approved change is finished at a kiosk with the UKey; a new
	 * token is made and posted. */
	const char *next = strcmp(S(o, "kind"), "change") == 0
				   ? "请插入UKey在自助终端完成证书变更"
				   : "证书制作完成后将为您寄送";
	char *text = approve ? util_xasprintf("【CA证书服务】您的订单%s已审核通过，%s。",
					      S(o, "id"), next)
			     : util_xasprintf("【CA证书服务】您的订单%s未通过审核：%"
					      "s。费用将原路退回。",
					      S(o, "id"), reason);
	gw_sms_send(app->st, notify_mobile(subj), text);
	free(text);
	json_decref(subj);
	return NULL;
}

void
h_review(struct req *r)
{
	json_t *o = order_from_path(r);
	if (!o)
		return;
	const char *decision = req_str(r, "decision", 16, true);
	const char *reason = decision ? req_str(r, "reason", 500, false) : NULL;
	if (r->status)
		goto out;
	bool approve = strcmp(decision, "approve") == 0;
	if (!approve && strcmp(decision, "reject") != 0) {
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", "decision"),
			  "decision must be approve or reject");
		goto out;
	}
	if (!approve && (!reason || !*reason)) {
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", "reason"),
			  "a rejection needs a reason");
		goto out;
	}
	const char *err = issue_review(r->app, o, approve, reason);
	if (err) {
		req_error(r, 409, err, json_pack("{s:s}", "state", S(o, "state")),
			  "the order is %s, not under review", S(o, "state"));
		goto out;
	}
	json_t *fresh = order_load(r->app->st, S(o, "id"));
	req_json(r, 200, json_pack("{s:o}", "order", order_view(r->app, fresh)));
	json_decref(fresh);
out:
	json_decref(o);
}

void
h_posted(struct req *r)
{
	json_t *o = order_from_path(r);
	if (!o)
		return;
	const char *tracking = req_str(r, "tracking", 64, true);
	if (tracking && order_move(r, o, "posted", tracking)) {
		store_exec(r->app->st, "UPDATE orders SET tracking = ? WHERE id = ?",
			   "ss", tracking, S(o, "id"));
		json_t *subj = ident_subject(r->app, S(o, "subject_type"),
					     S(o, "subject_id"), true);
		char *text = util_xasprintf("【CA证书服务】您的证书已寄出，快递单号%s。",
					    tracking);
		gw_sms_send(r->app->st, notify_mobile(subj), text);
		free(text);
		json_decref(subj);
		json_t *fresh = order_load(r->app->st, S(o, "id"));
		req_json(r, 200, json_pack("{s:o}", "order", order_view(r->app, fresh)));
		json_decref(fresh);
	}
	json_decref(o);
}

/* ---- CA certificate, revocation, CRL ---- */

void
h_ca_cert(struct req *r)
{
	/* With an intermediate, the root too: clients check the whole chain. */
	const char *pem = ca_chain_pem(r->app->ca);
	req_raw(r, 200, "application/x-pem-file", pem, strlen(pem));
}

void
h_crl(struct req *r)
{
	json_t *rev =
		store_query(r->app->st,
			    "SELECT serial, revoked_at, revoke_reason FROM certificates"
			    " WHERE status = 'revoked'"
			    " ORDER BY revoked_at",
			    "");
	int64_t number =
		store_query_int(
			r->app->st, 0,
			"SELECT count(*) FROM certificates WHERE status = 'revoked'",
			"") +
		1;
	bool der = strcmp(r->path, "/crl.der") == 0;
	size_t len = 0;
	unsigned char *crl = ca_crl(r->app->ca, rev ? rev : json_array(), util_now(),
				    number, der, &len);
	if (crl)
		req_raw(r, 200, der ? "application/pkix-crl" : "application/x-pem-file",
			crl, len);
	else
		req_error(r, 500, "internal", NULL, "could not make the CRL");
	free(crl);
	json_decref(rev);
}
