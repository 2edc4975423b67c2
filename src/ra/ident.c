/*
 * ident.c - who the customer is (see ident.h and PROTOCOL.md): registration
 * records of units and persons, SMS codes, and the sessions a verified code
 * opens, which the order and issuing endpoints check.
 */
#include "ra/ident.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ra/gw.h"
#include "ra/ids.h"
#include "ra/limits.h"
#include "ra/util.h"
#include "common/codec.h"
#include "common/validate.h"

#define SMS_TRIES 5
#define SMS_RESEND 60
#define SMS_PER_SUBJECT_HOUR 5

/* ---- shared with the other endpoints (ident.h) ---- */

static json_t *
masked_party(const char *name, const char *id, const char *mobile)
{
	char mid[32], mm[24];
	ids_mask_id(id, mid, sizeof mid);
	ids_mask_mobile(mobile, mm, sizeof mm);
	return json_pack("{s:s, s:s, s:s}", "name", name, "id_number_masked", mid,
			 "mobile_masked", mm);
}

#define S(o, k) json_string_value(json_object_get((o), (k)))

json_t *
ident_subject(struct app *app, const char *type, const char *id, bool full)
{
	json_t *row = NULL, *out = NULL;
	char macct[32];
	if (strcmp(type, "unit") == 0) {
		row = store_query_one(
			app->st, "SELECT * FROM units WHERE credit_code = ?", "s", id);
		if (!row)
			return NULL;
		if (full) {
			json_object_set_new(row, "type", json_string("unit"));
			json_object_set_new(row, "id", json_string(id));
			return row;
		}
		ids_mask_account(S(row, "bank_account"), macct, sizeof macct);
		out = json_pack(
			"{s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:{s:s, s:s}}", "type",
			"unit", "id", id, "name", S(row, "name"), "legal_rep",
			masked_party(S(row, "legal_rep_name"), S(row, "legal_rep_id"),
				     S(row, "legal_rep_mobile")),
			"agent",
			masked_party(S(row, "agent_name"), S(row, "agent_id"),
				     S(row, "agent_mobile")),
			"address", S(row, "address"), "postcode", S(row, "postcode"),
			"email", S(row, "email"), "bank", "name", S(row, "bank_name"),
			"account_masked", macct);
	} else if (strcmp(type, "person") == 0) {
		row = store_query_one(
			app->st, "SELECT * FROM persons WHERE id_number = ?", "s", id);
		if (!row)
			return NULL;
		if (full) {
			json_object_set_new(row, "type", json_string("person"));
			json_object_set_new(row, "id", json_string(id));
			return row;
		}
		char mid[32], mm[24];
		ids_mask_id(id, mid, sizeof mid);
		ids_mask_mobile(S(row, "mobile"), mm, sizeof mm);
		ids_mask_account(S(row, "bank_account"), macct, sizeof macct);
		out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type",
				"person", "id", id, "id_number_masked", mid, "name",
				S(row, "name"), "mobile_masked", mm, "address",
				S(row, "address"), "postcode", S(row, "postcode"),
				"email", S(row, "email"), "bank_account_masked", macct);
	}
	json_decref(row);
	return out;
}

/* Checks a subject type and number; answers 400 when malformed. */
static bool
subject_valid(struct req *r, const char *type, const char *id)
{
	if (strcmp(type, "unit") == 0) {
		if (validate_credit_code(id) != VALID_OK) {
			req_error(r, 400, "invalid_id", NULL,
				  "not a valid unified social credit code");
			return false;
		}
	} else if (strcmp(type, "person") == 0) {
		if (validate_resident_id(id) != VALID_OK) {
			req_error(r, 400, "invalid_id", NULL,
				  "not a valid resident ID number");
			return false;
		}
	} else {
		req_error(r, 400, "bad_request",
			  json_pack("{s:s}", "field", "subject_type"),
			  "subject_type must be \"unit\" or \"person\"");
		return false;
	}
	return true;
}

bool
ident_body_subject(struct req *r, const char **type, const char **id)
{
	*type = req_str(r, "subject_type", 16, true);
	if (!*type)
		return false;
	*id = req_str(r, "subject_id", 18, true);
	if (!*id || !subject_valid(r, *type, *id))
		return false;
	json_t *s = ident_subject(r->app, *type, *id, false);
	if (!s) {
		req_error(r, 404, "unknown_subject", NULL,
			  "no such record on the registration platform");
		return false;
	}
	json_decref(s);
	return true;
}

json_t *
ident_session(struct req *r)
{
	const char *auth = req_header(r, "Authorization");
	if (!auth || strncmp(auth, "Bearer ", 7) != 0 || strlen(auth + 7) != 64) {
		req_error(r, 401, "session_required", NULL,
			  "this needs a customer session (Authorization: Bearer ...)");
		return NULL;
	}
	char hash[65];
	codec_sha256_hex(auth + 7, 64, hash);
	json_t *s = store_query_one(
		r->app->st,
		"SELECT subject_type, subject_id, terminal, expires FROM sessions"
		" WHERE token_hash = ?",
		"s", hash);
	if (!s || strcmp(S(s, "terminal"), r->terminal) != 0) {
		json_decref(s);
		req_error(r, 401, "session_invalid", NULL, "unknown session");
		return NULL;
	}
	if (json_integer_value(json_object_get(s, "expires")) <= util_now()) {
		json_decref(s);
		req_error(r, 401, "session_expired", NULL, "the session has expired");
		return NULL;
	}
	return s;
}

bool
ident_session_owns(struct req *r, json_t *session, const char *type, const char *id)
{
	if (strcmp(S(session, "subject_type"), type) == 0 &&
	    strcmp(S(session, "subject_id"), id) == 0)
		return true;
	req_error(r, 403, "forbidden", NULL, "the session is for another customer");
	return false;
}

bool
ident_session_is(struct req *r, const char *type, const char *id)
{
	json_t *s = ident_session(r);
	bool owns = s && ident_session_owns(r, s, type, id);

	json_decref(s);
	return owns;
}

/* ---- endpoints ---- */

static void
lookup(struct req *r, const char *type)
{
	if (!subject_valid(r, type, r->args[0]))
		return;
	json_t *s = ident_subject(r->app, type, r->args[0], false);
	if (!s) {
		req_error(r, 404, "unknown_subject", NULL,
			  "no such record on the registration platform");
		return;
	}
	req_json(r, 200,
		 json_pack("{s:o}", strcmp(type, "unit") == 0 ? "unit" : "person", s));
}

void
h_unit(struct req *r)
{
	lookup(r, "unit");
}

void
h_person(struct req *r)
{
	lookup(r, "person");
}

static void
code_hash(const char *type, const char *id, const char *code, char out[65])
{
	char *s = util_xasprintf("%s|%s|%s", type, id, code);
	codec_sha256_hex(s, strlen(s), out);
	util_wipe_str(s);
	free(s);
}

void
h_sms_send(struct req *r)
{
	const char *type, *id;
	if (!ident_body_subject(r, &type, &id))
		return;
	const char *purpose = req_str(r, "purpose", 16, false);
	const char *to = req_str(r, "to", 16, false);
	if (r->status)
		return;
	static const char *const purposes[] = {"query",   "apply",  "renew", "unlock",
					       "reissue", "change", NULL};
	bool ok = !purpose;
	for (int i = 0; purpose && purposes[i]; i++)
		ok |= strcmp(purpose, purposes[i]) == 0;
	if (!ok) {
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", "purpose"),
			  "unknown purpose");
		return;
	}
	if (to && strcmp(to, "agent") != 0 && strcmp(to, "legal_rep") != 0) {
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", "to"),
			  "\"to\" must be \"agent\" or \"legal_rep\"");
		return;
	}
	struct store *st = r->app->st;
	/* No code is sent while the customer or this terminal may not enter
	 * one (too many wrong codes, limits.h). */
	const struct lim_who who = {NULL, type, id, r->terminal};
	if (!lim_allow(r, LIM_SMS_CODE, &who))
		return;
	int64_t now = util_now();
	int64_t last = store_query_int(
		st, 0,
		"SELECT max(created) FROM sms_codes WHERE subject_type = ?"
		" AND subject_id = ?",
		"ss", type, id);
	if (last && now - last < SMS_RESEND) {
		char ra[24];
		snprintf(ra, sizeof ra, "%lld", (long long)(SMS_RESEND - (now - last)));
		req_add_header(r, "Retry-After", ra);
		req_error(r, 429, "rate_limited",
			  json_pack("{s:I}", "retry_after",
				    (json_int_t)(SMS_RESEND - (now - last))),
			  "a code was sent less than %d seconds ago", SMS_RESEND);
		return;
	}
	if (store_query_int(st, 0,
			    "SELECT count(*) FROM sms_codes WHERE subject_type = ? AND "
			    "subject_id = ?"
			    " AND created > ?",
			    "ssi", type, id,
			    now - SMS_COUNT_WINDOW) >= SMS_PER_SUBJECT_HOUR) {
		req_add_header(r, "Retry-After", "3600");
		req_error(r, 429, "rate_limited", json_pack("{s:i}", "retry_after", 3600),
			  "too many codes for this customer in the last hour");
		return;
	}
	if (store_query_int(
		    st, 0,
		    "SELECT count(*) FROM sms_codes WHERE terminal = ? AND created > ?",
		    "si", r->terminal,
		    now - SMS_COUNT_WINDOW) >= r->app->sms_terminal_limit) {
		req_add_header(r, "Retry-After", "3600");
		req_error(r, 429, "rate_limited", json_pack("{s:i}", "retry_after", 3600),
			  "too many codes from this terminal in the last hour");
		return;
	}
	json_t *subj = ident_subject(r->app, type, id, true);
	const char *mobile = strcmp(type, "person") == 0 ? S(subj, "mobile")
			     : to && strcmp(to, "legal_rep") == 0
				     ? S(subj, "legal_rep_mobile")
				     : S(subj, "agent_mobile");
	char code[8], hash[65];
	util_random_digits(code, 6);
	code_hash(type, id, code, hash);
	/* A new code replaces any earlier one of this customer. */
	store_exec(
		st,
		"UPDATE sms_codes SET used = 2 WHERE subject_type = ? AND subject_id = ?"
		" AND used = 0",
		"ss", type, id);
	char *text = util_xasprintf(
		"【CA证书服务】您的验证码为%s，5分钟内有效。如非本人操作，请忽略本短信。",
		code);
	if (store_exec(st,
		       "INSERT INTO sms_codes(subject_type, subject_id, terminal, "
		       "purpose, code_hash,"
		       " created, expires) VALUES(?,?,?,?,?,?,?)",
		       "sssssii", type, id, r->terminal, purpose ? purpose : "query",
		       hash, now, now + SMS_TTL) < 0 ||
	    gw_sms_send(st, mobile, text) != 0) {
		req_error(r, 500, "internal", NULL, "could not send the code");
	} else {
		char masked[24];
		ids_mask_mobile(mobile, masked, sizeof masked);
		req_json(r, 201,
			 json_pack("{s:s, s:i, s:i, s:i}", "sent_to", masked,
				   "expires_in", SMS_TTL, "resend_after", SMS_RESEND,
				   "max_tries", SMS_TRIES));
	}
	util_wipe(code, sizeof code);
	util_wipe_str(text);
	free(text);
	json_decref(subj);
}

void
h_session_create(struct req *r)
{
	const char *type, *id;
	if (!ident_body_subject(r, &type, &id))
		return;
	const char *code = req_str(r, "code", 6, true);
	if (!code)
		return;
	struct store *st = r->app->st;
	const struct lim_who who = {NULL, type, id, r->terminal};
	if (!lim_allow(r, LIM_SMS_CODE, &who))
		return;
	json_t *row = store_query_one(
		st,
		"SELECT id, code_hash, expires, tries, used FROM sms_codes"
		" WHERE subject_type = ? AND subject_id = ? AND terminal = ?"
		" AND used != 2 ORDER BY id DESC LIMIT 1",
		"sss", type, id, r->terminal);
	if (!row) {
		req_error(r, 422, "code_not_found", NULL,
			  "no code was sent for this customer here");
		return;
	}
	int64_t rid = json_integer_value(json_object_get(row, "id"));
	int64_t tries = json_integer_value(json_object_get(row, "tries"));
	char hash[65];
	code_hash(type, id, code, hash);
	if (json_integer_value(json_object_get(row, "used")) == 1) {
		req_error(r, 409, "code_used", NULL,
			  "this code was used already; ask for a new one");
	} else if (tries >= SMS_TRIES) {
		req_error(r, 422, "code_exhausted", NULL,
			  "too many wrong tries; ask for a new code");
	} else if (json_integer_value(json_object_get(row, "expires")) <= util_now()) {
		req_error(r, 422, "code_expired", NULL,
			  "the code has expired; ask for a new one");
	} else if (!util_str_eq_ct(hash, S(row, "code_hash"))) {
		store_exec(st, "UPDATE sms_codes SET tries = tries + 1 WHERE id = ?", "i",
			   rid);
		int64_t left = SMS_TRIES - tries - 1;
		int lim_left = lim_fail(r, LIM_SMS_CODE, &who);
		if (left <= 0)
			req_error(r, 422, "code_exhausted",
				  json_pack("{s:i}", "tries_left", 0),
				  "wrong code, and that was the last try; ask for a new "
				  "code");
		else
			req_error(r, 422, "code_wrong",
				  json_pack("{s:I}", "tries_left",
					    (json_int_t)(lim_left < left ? lim_left
									 : left)),
				  "wrong code");
	} else {
		char token[65], thash[65];
		int64_t now = util_now();
		util_random_hex(token, 32);
		codec_sha256_hex(token, 64, thash);
		store_exec(st, "UPDATE sms_codes SET used = 1 WHERE id = ?", "i", rid);
		store_exec(st,
			   "INSERT INTO sessions(token_hash, subject_type, subject_id, "
			   "terminal,"
			   " created, expires) VALUES(?,?,?,?,?,?)",
			   "ssssii", thash, type, id, r->terminal, now,
			   now + SESSION_TTL);
		req_json(r, 201,
			 json_pack("{s:s, s:i, s:o}", "session", token, "expires_in",
				   SESSION_TTL, "subject",
				   ident_subject(r->app, type, id, false)));
		r->secret = true; /* kept for a replay only encrypted */
		util_wipe(token, sizeof token);
	}
	json_decref(row);
}
