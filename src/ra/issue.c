/*
 * issue.c - certificates for orders (with the escrow of a new token's SO
 * PIN by staff), review, revocation and CRL, electronic seals, terminal
 * enrolment (see issue.h and PROTOCOL.md).
 */
#include "ra/issue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ra/api.h"
#include "ra/der.h"
#include "ra/gw.h"
#include "ra/ids.h"
#include "ra/order.h"
#include "ra/owner.h"
#include "ra/util.h"
#include "common/codec.h"
#include "common/rules.h"

#define S(o, k) json_string_value(json_object_get((o), (k)))
#define I(o, k) json_integer_value(json_object_get((o), (k)))
#define DAY 86400LL
#define ENROL_TTL (7 * DAY)

/* ---- electronic seal (GM/T 0031 SES_Seal) ---- */

/* Width and height of a PNG from its IHDR chunk (0 for other types). */
static void
picture_size(const unsigned char *p, size_t n, int64_t *w, int64_t *h)
{
	*w = *h = 0;
	if (n >= 24 && memcmp(p, "\x89PNG", 4) == 0 && memcmp(p + 12, "IHDR", 4) == 0) {
		*w = (int64_t)p[16] << 24 | p[17] << 16 | p[18] << 8 | p[19];
		*h = (int64_t)p[20] << 24 | p[21] << 16 | p[22] << 8 | p[23];
	}
}

/* The picture for a new seal: the uploaded sample form of this order, or
 * (renew, change) the picture of the old certificate's seal. */
static int
seal_picture(struct app *app, json_t *order, void **pic, size_t *plen, char **mime)
{
	const char *doc = strcmp(S(order, "subject_type"), "unit") == 0
				  ? "seal_form"
				  : "signature_form";
	json_t *d = store_query_one(
		app->st, "SELECT mime FROM documents WHERE order_id = ? AND kind = ?",
		"ss", S(order, "id"), doc);
	if (d) {
		*mime = util_xstrdup(S(d, "mime"));
		json_decref(d);
		return store_query_blob(
			app->st, pic, plen,
			"SELECT data FROM documents WHERE order_id = ? AND kind = ?",
			"ss", S(order, "id"), doc);
	}
	if (json_is_null(json_object_get(order, "old_serial")))
		return -1;
	json_t *old = store_query_one(app->st,
				      "SELECT view FROM seals WHERE cert_serial = ?"
				      " ORDER BY created DESC LIMIT 1",
				      "s", S(order, "old_serial"));
	json_t *view = old && S(old, "view") ? json_loads(S(old, "view"), 0, NULL) : NULL;
	json_t *p = json_object_get(json_object_get(view, "seal"), "picture");
	unsigned char *raw = NULL;
	int rc = -1;
	if (p && S(p, "data") && codec_base64_decode(S(p, "data"), &raw, plen) == 0) {
		*pic = raw;
		*mime = util_xstrdup(S(p, "type"));
		rc = 0;
	}
	json_decref(view);
	json_decref(old);
	if (rc != 0) {
		/* A certificate from before seals: a plain placeholder picture
		 * (a 1x1 PNG) until the customer sends a sample form. */
		static const unsigned char png[] = {
			0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00,
			0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
			0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89,
			0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63,
			0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89,
			0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44,
			0xae, 0x42, 0x60, 0x82};
		*pic = util_xmalloc(sizeof png);
		memcpy(*pic, png, sizeof png);
		*plen = sizeof png;
		*mime = util_xstrdup("image/png");
		rc = 0;
	}
	return rc;
}

/*
 * Builds and signs a seal bound to the certificate, in the structure of
 * GM/T 0031-2014:
 *   SESeal ::= SEQUENCE { esealInfo SES_SealInfo, signInfo SES_SignInfo }
 *   SES_SealInfo ::= SEQUENCE { header SEQUENCE { ID IA5String "ES",
 *       version INTEGER 4, Vid IA5String }, esID IA5String,
 *     property SEQUENCE { type INTEGER (1 official, 2 personal),
 *       name UTF8String, certList SEQUENCE OF OCTET STRING (certificate DER),
 *       createDate UTCTime, validStart UTCTime, validEnd UTCTime },
 *     picture SEQUENCE { type IA5String, data OCTET STRING,
 *       width INTEGER, height INTEGER } }
 *   SES_SignInfo ::= SEQUENCE { cert OCTET STRING (signer certificate DER),
 *     signatureAlgorithm OBJECT IDENTIFIER, signData BIT STRING }
 * signData is the CA's SHA-256/ECDSA signature over the DER of esealInfo.
 * Stores the DER and a JSON rendering; returns the seal id (new), or NULL.
 */
static char *
seal_make(struct app *app, json_t *order, const char *serial, const char *cert_pem,
	  const char *holder, int64_t start, int64_t end)
{
	void *pic = NULL;
	size_t plen = 0, dlen = 0, clen = 0, slen = 0;
	char *mime = NULL, *ret = NULL, *b64pic = NULL, *b64cert = NULL, *b64sig = NULL;
	char *b64der = NULL, *view = NULL;
	unsigned char *der = NULL, *cader = NULL, *sig = NULL;
	struct der info = {0}, all = {0};
	char cert_hash[65], id[33], from[32], to[32], made[32];
	int64_t now = util_now(), w, h;
	bool unit = strcmp(S(order, "subject_type"), "unit") == 0;
	if (seal_picture(app, order, &pic, &plen, &mime) != 0 ||
	    ca_cert_der(cert_pem, &der, &dlen) != 0 ||
	    ca_cert_der(ca_cert_pem(app->ca), &cader, &clen) != 0)
		goto out;
	codec_sha256_hex(der, dlen, cert_hash);
	util_random_hex(id, 16);
	picture_size(pic, plen, &w, &h);

	size_t s0 = info.len, s1;
	s1 = info.len; /* header */
	der_ia5(&info, "ES");
	der_int(&info, 4);
	der_ia5(&info, "cakiosk-ra");
	der_wrap(&info, s1, DER_SEQUENCE);
	der_ia5(&info, id);
	s1 = info.len; /* property */
	der_int(&info, unit ? 1 : 2);
	der_utf8(&info, holder);
	size_t s2 = info.len;
	der_octets(&info, der, dlen);
	der_wrap(&info, s2, DER_SEQUENCE);
	der_utctime(&info, now);
	der_utctime(&info, start);
	der_utctime(&info, end);
	der_wrap(&info, s1, DER_SEQUENCE);
	s1 = info.len; /* picture */
	der_ia5(&info, strcmp(mime, "image/png") == 0    ? "PNG"
		       : strcmp(mime, "image/jpeg") == 0 ? "JPG"
							 : "PDF");
	der_octets(&info, pic, plen);
	der_int(&info, w);
	der_int(&info, h);
	der_wrap(&info, s1, DER_SEQUENCE);
	der_wrap(&info, s0, DER_SEQUENCE);
	if (ca_sign(app->ca, info.p, info.len, &sig, &slen) != 0)
		goto out;
	der_append(&all, &info);
	s1 = all.len; /* signInfo */
	der_octets(&all, cader, clen);
	der_oid(&all, "1.2.840.10045.4.3.2");
	der_bits(&all, sig, slen);
	der_wrap(&all, s1, DER_SEQUENCE);
	der_wrap(&all, 0, DER_SEQUENCE);

	util_iso8601(start, from, sizeof from);
	util_iso8601(end, to, sizeof to);
	util_iso8601(now, made, sizeof made);
	b64pic = codec_base64_encode(pic, plen);
	b64cert = codec_base64_encode(cader, clen);
	b64sig = codec_base64_encode(sig, slen);
	b64der = codec_base64_encode(all.p, all.len);
	json_t *v = json_pack(
		"{s:{s:{s:s, s:i, s:s}, s:s, s:{s:i, s:s, s:s, s:s, s:s, s:s, s:s},"
		" s:{s:s, s:s, s:I, s:I}}, s:s, s:s, s:s, s:s}",
		"seal", "header", "id", "ES", "version", 4, "vid", "cakiosk-ra", "esID",
		id, "property", "type", unit ? 1 : 2, "name", holder, "certHash",
		cert_hash, "certSerial", serial, "createDate", made, "validStart", from,
		"validEnd", to, "picture", "type", mime, "data", b64pic, "width",
		(json_int_t)w, "height", (json_int_t)h, "cert", b64cert, "signAlgID",
		"1.2.840.10045.4.3.2", "signedValue", b64sig, "der", b64der);
	view = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	if (view &&
	    store_exec(app->st,
		       "INSERT INTO seals(id, cert_serial, order_id, der, view, created)"
		       " VALUES(?,?,?,?,?,?)",
		       "sssbsi", id, serial, S(order, "id"), (const void *)all.p, all.len,
		       view, now) == 1)
		ret = util_xstrdup(id);
out:
	free(view);
	free(b64der);
	free(b64sig);
	free(b64cert);
	free(b64pic);
	der_free(&all);
	der_free(&info);
	free(sig);
	free(cader);
	free(der);
	free(pic);
	free(mime);
	return ret;
}

void
h_seal_get(struct req *r)
{
	json_t *row = store_query_one(r->app->st,
				      "SELECT order_id, view FROM seals WHERE id = ?",
				      "s", r->args[0]);
	json_t *o = row ? order_load(r->app->st, S(row, "order_id")) : NULL;
	if (!o) {
		req_error(r, 404, "not_found", NULL, "no such seal");
	} else if (((strcmp(S(o, "kind"), "renew") == 0 ||
		     strcmp(S(o, "kind"), "change") == 0) &&
		    (strcmp(S(o, "state"), "issued") == 0 ||
		     strcmp(S(o, "state"), "installed") == 0)) ||
		   order_access(r, o)) {
		json_t *seal = json_loads(S(row, "view"), 0, NULL);
		req_json(r, 200, seal ? seal : json_object());
	}
	json_decref(o);
	json_decref(row);
}

/* ---- issuance ---- */

void
h_certificate(struct req *r)
{
	json_t *o = order_from_path_token(r), *subj = NULL, *old = NULL, *tok = NULL;
	struct ca_issued is = {0};
	char *msg = NULL, *seal_id = NULL;
	if (!o)
		return;
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
	const char *code = NULL;
	char spki[65];
	if (ca_csr_check(csr, spki, &code, &msg) != 0) {
		req_error(r, 400, code, NULL, "%s", msg);
		goto out;
	}
	int64_t now = util_now(), from = now,
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
		/* Proof of possession of the old key: its signature over
		 * "cakiosk-renew:" ORDER ":" hex(SHA-256(CSR DER)). */
		char csr_hash[65];
		unsigned char *sig = NULL;
		size_t slen = 0;
		if (!proof || ca_csr_hash(csr, csr_hash) != 0 ||
		    codec_base64_decode(proof, &sig, &slen) != 0) {
			req_error(r, 400, "proof_required", NULL,
				  "a renewal or change needs \"proof\": the old key's "
				  "signature");
			goto out;
		}
		char *tbs = util_xasprintf("cakiosk-renew:%s:%s", S(o, "id"), csr_hash);
		int v = ca_verify_with_cert(S(old, "pem"), tbs, strlen(tbs), sig, slen);
		free(tbs);
		free(sig);
		if (v != 1) {
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
	subj = api_subject(r->app, S(o, "subject_type"), S(o, "subject_id"), true);
	bool unit = strcmp(S(o, "subject_type"), "unit") == 0;
	/* The name is the registered one, never one typed at a kiosk; a
	 * change's is the one it was reviewed with. */
	const char *name = strcmp(kind, "change") == 0 ? owner_issue_name(r, o, subj)
						       : S(subj, "name");
	if (!name)
		goto out;
	struct ca_subject cs = {.cn = name,
				.o = unit ? name : NULL,
				.ou = unit ? NULL : "individual",
				.serial_number = S(o, "subject_id")};
	if (ca_issue(r->app->ca, csr, &cs, from, to, CA_PROFILE_CUSTOMER, &is, &msg) !=
	    0) {
		req_error(r, 500, "internal", NULL, "issuing failed");
		log_err("issue: %s", msg);
		goto out;
	}
	store_exec(r->app->st,
		   "INSERT INTO certificates(serial, order_id, subject_type, subject_id, "
		   "subject_dn,"
		   " not_before, not_after, pem, status, created) "
		   "VALUES(?,?,?,?,?,?,?,?,'valid',?)",
		   "sssssiisi", is.serial, S(o, "id"), S(o, "subject_type"),
		   S(o, "subject_id"), is.dn, is.not_before, is.not_after, is.pem, now);
	store_exec(r->app->st,
		   "UPDATE orders SET cert_serial = ?, valid_from = ?, valid_to = ? "
		   "WHERE id = ?",
		   "siis", is.serial, is.not_before, is.not_after, S(o, "id"));
	if (strcmp(kind, "change") == 0)
		issue_revoke(r->app->st, S(o, "old_serial"), "superseded (change)");
	seal_id = seal_make(r->app, o, is.serial, is.pem, name, is.not_before,
			    is.not_after);
	if (escrow > 0 && !(tok = owner_escrow(r, tserial, tpin, S(o, "subject_type"),
					       S(o, "subject_id"))))
		goto out;
	if (!order_move(r, o, "issued", "certificate issued"))
		goto out;
	json_t *ans = json_pack("{s:s, s:s, s:[s], s:I, s:I, s:s}", "certificate", is.pem,
				"serial", is.serial, "chain", ca_cert_pem(r->app->ca),
				"not_before", (json_int_t)is.not_before, "not_after",
				(json_int_t)is.not_after, "subject", is.dn);
	if (seal_id)
		json_object_set_new(ans, "seal_id", json_string(seal_id));
	if (tok)
		json_object_set(ans, "token", tok);
	req_json(r, 201, ans);
out:
	json_decref(tok);
	free(seal_id);
	ca_issued_free(&is);
	free(msg);
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
	if (order_move(r, o, "installed", "written onto the token"))
		req_json(r, 200, json_pack("{s:o}", "order", order_view(r->app, o)));
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
	json_t *subj = api_subject(app, S(o, "subject_type"), S(o, "subject_id"), true);
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
h_made(struct req *r)
{
	json_t *o = order_from_path(r);
	if (!o)
		return;
	if (order_move(r, o, "made", "token made by staff"))
		req_json(r, 200, json_pack("{s:o}", "order", order_view(r->app, o)));
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
		json_t *subj = api_subject(r->app, S(o, "subject_type"),
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
	const char *pem = ca_cert_pem(r->app->ca);
	req_raw(r, 200, "application/x-pem-file", pem, strlen(pem));
}

int
issue_revoke(struct store *st, const char *serial, const char *reason)
{
	return store_exec(st,
			  "UPDATE certificates SET status = 'revoked', revoked_at = ?,"
			  " revoke_reason = ? WHERE serial = ? AND status = 'valid'",
			  "iss", util_now(), reason, serial) == 1
		       ? 0
		       : -1;
}

void
h_crl(struct req *r)
{
	json_t *rev = store_query(
		r->app->st,
		"SELECT serial, revoked_at FROM certificates WHERE status = 'revoked'"
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
	if (!csr)
		return;
	char hash[65], spki[65];
	const char *ecode = NULL;
	codec_sha256_hex(code, strlen(code), hash);
	json_t *row = store_query_one(r->app->st,
				      "SELECT terminal_id, expires, used FROM enrol_codes"
				      " WHERE code_hash = ?",
				      "s", hash);
	if (!row || I(row, "expires") <= util_now()) {
		req_error(r, 403, "enrol_code_invalid", NULL,
			  "unknown or expired enrolment code");
		goto out;
	}
	if (I(row, "used")) {
		req_error(r, 409, "enrol_code_used", NULL,
			  "this enrolment code was used already");
		goto out;
	}
	if (ca_csr_check(csr, spki, &ecode, &msg) != 0) {
		req_error(r, 400, ecode, NULL, "%s", msg);
		goto out;
	}
	int64_t now = util_now();
	struct ca_subject cs = {.cn = S(row, "terminal_id"),
				.o = "cakiosk reference RA",
				.ou = "terminal"};
	if (ca_issue(r->app->ca, csr, &cs, now - 300, rules_add_years(now, 3),
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
	char *msg = NULL, spki[65];
	const char *code = NULL;
	if (!api_body_subject(r, &type, &id))
		return;
	const char *csr = req_str(r, "csr", 16000, true);
	if (!csr || req_int(r, "not_before", 0, 4102444800LL, true, 0, &nb) != 0 ||
	    req_int(r, "not_after", 0, 4102444800LL, true, 0, &na) != 0)
		return;
	if (ca_csr_check(csr, spki, &code, &msg) != 0) {
		req_error(r, 400, code, NULL, "%s", msg);
		free(msg);
		return;
	}
	json_t *subj = api_subject(r->app, type, id, true);
	bool unit = strcmp(type, "unit") == 0;
	struct ca_subject cs = {.cn = S(subj, "name"),
				.o = unit ? S(subj, "name") : NULL,
				.ou = unit ? NULL : "individual",
				.serial_number = id};
	if (ca_issue(r->app->ca, csr, &cs, nb, na, CA_PROFILE_CUSTOMER, &is, &msg) == 0) {
		store_exec(r->app->st,
			   "INSERT INTO certificates(serial, order_id, subject_type, "
			   "subject_id,"
			   " subject_dn, not_before, not_after, pem, status, created)"
			   " VALUES(?,NULL,?,?,?,?,?,?,'valid',?)",
			   "ssssiisi", is.serial, type, id, is.dn, nb, na, is.pem,
			   util_now());
		req_json(r, 201,
			 json_pack("{s:s, s:s}", "certificate", is.pem, "serial",
				   is.serial));
	} else {
		req_error(r, 500, "internal", NULL, "issuing failed");
	}
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

/* Staff: the orders this terminal took today (UTC day of the backend clock). */
void
h_terminal_orders(struct req *r)
{
	int64_t now = util_now(), day = now - now % DAY;
	json_t *rows = store_query(
		r->app->st,
		"SELECT o.id, o.kind, o.subject_type, o.state, o.price, o.created,"
		" (SELECT p.state FROM payments p WHERE p.order_id = o.id"
		"  AND p.state = 'paid' LIMIT 1) AS payment"
		" FROM orders o WHERE o.terminal = ? AND o.created >= ?"
		" ORDER BY o.created DESC LIMIT 500",
		"si", r->terminal, day);
	int64_t paid = store_query_int(
		r->app->st, 0,
		"SELECT sum(p.amount) FROM payments p JOIN orders o"
		" ON o.id = p.order_id WHERE o.terminal = ? AND p.state = 'paid'"
		" AND p.paid_at >= ?",
		"si", r->terminal, day);
	req_json(r, 200,
		 json_pack("{s:s, s:o, s:I}", "terminal", r->terminal, "orders",
			   rows ? rows : json_array(), "paid_total", (json_int_t)paid));
}
