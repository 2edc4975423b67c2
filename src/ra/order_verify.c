/*
 * order_verify.c - identity verification of an order's parties through the
 * sandbox gateways (see order.h).
 */
#include "ra/order_int.h"

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
	subj = ident_subject(r->app, type, S(o, "subject_id"), true);
	const char *reg_mobile = strcmp(party, "unit") == 0 ? S(subj, "legal_rep_mobile")
				 : strcmp(party, "agent") == 0 ? S(subj, "agent_mobile")
							       : S(subj, "mobile");
	const char *account = S(subj, "bank_account");
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
		int m = gw_bank_card_check(card,
					   S(subj, rep  ? "legal_rep_name"
						   : ag ? "agent_name"
							: "name"),
					   S(subj, rep  ? "legal_rep_id"
						   : ag ? "agent_id"
							: "id_number"));
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
					    (json_int_t)(lim_left < left ? lim_left
									 : left)),
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
