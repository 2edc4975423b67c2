/*
 * staff.c - counter staff, their login, sessions, audit and the calls for
 * staff (see staff.h for the rules and PROTOCOL.md section 17).
 */
#include "ra/staff.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/staffauth.h"
#include "ra/limits.h"
#include "ra/util.h"

#define S(o, k) json_string_value(json_object_get((o), (k)))
#define I(o, k) json_integer_value(json_object_get((o), (k)))

/* What a kiosk may report as done by staff (POST /v1/staff/actions). */
static const char *const kiosk_actions[] = {
	"assist_on", "assist_off", "connection_test", "release", "close_program", NULL,
};

bool
staff_digits(const char *s, size_t lo, size_t hi)
{
	size_t n = strlen(s);
	if (n < lo || n > hi)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int
staff_audit(struct store *st, const char *staff_no, const char *terminal,
	    const char *action, const char *detail)
{
	log_info("audit: staff %s at %s: %s%s%s", staff_no, terminal, action,
		 detail ? ": " : "", detail ? detail : "");
	return store_exec(st,
			  "INSERT INTO audit(at, staff_no, terminal, action, detail)"
			  " VALUES(?,?,?,?,?)",
			  "issss", util_now(), staff_no, terminal, action, detail) < 0
		       ? -1
		       : 0;
}

/* A hash that no PIN is known to match: an unknown staff number costs the
 * same time as a known one, so the time does not tell which numbers exist. */
static char dummy_hash[STAFFAUTH_HASH_MAX];
static void
dummy_make(void)
{
	char pin[33];
	util_random_hex(pin, 16);
	if (staffauth_hash(pin, dummy_hash, sizeof dummy_hash) != 0)
		dummy_hash[0] = '\0';
	util_wipe(pin, sizeof pin);
}

/* 429 staff_locked: for retry_after seconds, or until an administrator
 * resets the account (until_reset). */
static void
refuse_locked(struct req *r, int64_t retry_after, bool hard)
{
	json_t *x = json_pack("{s:b, s:i, s:i}", "until_reset", hard, "lock_after",
			      STAFF_LOCK_AFTER, "lock_minutes", STAFF_LOCK_SECONDS / 60);
	if (!hard) {
		char ra[24];
		snprintf(ra, sizeof ra, "%lld", (long long)retry_after);
		req_add_header(r, "Retry-After", ra);
		json_object_set_new(x, "retry_after", json_integer(retry_after));
	}
	req_error(r, 429, "staff_locked", x,
		  hard ? "too many wrong PINs: locked until an administrator resets it"
		       : "too many wrong PINs: locked for a while");
}

/* A wrong PIN (or number): counted for the account and the terminal. */
static void
login_failed(struct req *r, const struct lim_who *who, json_t *row, int64_t now)
{
	lim_fail(r, LIM_STAFF_PIN, who); /* keeps the request's changes */
	if (!row) {
		staff_audit(r->app->st, who->subject_id, r->terminal, "login_failed",
			    "unknown staff number");
		req_error(r, 403, "staff_auth_failed",
			  json_pack("{s:i, s:i}", "lock_after", STAFF_LOCK_AFTER,
				    "lock_minutes", STAFF_LOCK_SECONDS / 60),
			  "wrong staff number or PIN");
		return;
	}
	int64_t failures = I(row, "failures") + 1;
	int64_t until = failures >= STAFF_LOCK_AFTER ? now + STAFF_LOCK_SECONDS : 0;
	store_exec(r->app->st,
		   "UPDATE staff SET failures = ?, locked_until = ?, updated = ?"
		   " WHERE number = ?",
		   "iiis", failures, until, now, who->subject_id);
	char detail[64];
	snprintf(detail, sizeof detail, "wrong PIN (%lld in a row)", (long long)failures);
	staff_audit(r->app->st, who->subject_id, r->terminal, "login_failed", detail);
	if (failures >= STAFF_LOCK_HARD)
		refuse_locked(r, 0, true);
	else if (until)
		refuse_locked(r, STAFF_LOCK_SECONDS, false);
	else
		req_error(r, 403, "staff_auth_failed",
			  json_pack("{s:i, s:i}", "lock_after", STAFF_LOCK_AFTER,
				    "lock_minutes", STAFF_LOCK_SECONDS / 60),
			  "wrong staff number or PIN");
}

/* POST /v1/staff/login {staff_no, pin}: a staff session for this terminal. */
void
h_staff_login(struct req *r)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const char *no = req_str(r, "staff_no", 8, true);
	const char *pin = no ? req_str(r, "pin", 12, true) : NULL;
	if (!pin)
		return;
	if (!staff_digits(no, 1, 8) || !staff_digits(pin, 4, 12)) {
		req_error(r, 400, "invalid_field",
			  json_pack("{s:s}", "field",
				    staff_digits(no, 1, 8) ? "pin" : "staff_no"),
			  "a staff number is 1 to 8 digits, a PIN 4 to 12");
		return;
	}
	struct lim_who who = {NULL, "staff", no, r->terminal};
	if (!lim_allow(r, LIM_STAFF_PIN, &who))
		return;
	struct store *st = r->app->st;
	int64_t now = util_now();
	json_t *row = store_query_one(st,
				      "SELECT number, name, pin_hash, disabled, failures,"
				      " locked_until FROM staff WHERE number = ?",
				      "s", no);
	if (row && I(row, "failures") >= STAFF_LOCK_HARD) {
		staff_audit(st, no, r->terminal, "login_refused", "locked until reset");
		r->commit_anyway = true;
		refuse_locked(r, 0, true);
		json_decref(row);
		return;
	}
	if (row && I(row, "locked_until") > now) {
		staff_audit(st, no, r->terminal, "login_refused", "locked");
		r->commit_anyway = true;
		refuse_locked(r, I(row, "locked_until") - now, false);
		json_decref(row);
		return;
	}
	pthread_once(&once, dummy_make);
	bool ok = staffauth_verify(pin, row ? S(row, "pin_hash") : dummy_hash) && row;
	if (!ok) {
		login_failed(r, &who, row, now);
	} else if (I(row, "disabled")) {
		staff_audit(st, no, r->terminal, "login_refused", "account disabled");
		r->commit_anyway = true;
		req_error(r, 403, "staff_disabled", NULL,
			  "this staff account is disabled");
	} else {
		char token[65], thash[65];
		util_random_hex(token, 32);
		codec_sha256_hex(token, 64, thash);
		store_exec(st,
			   "UPDATE staff SET failures = 0, locked_until = 0, updated = ?"
			   " WHERE number = ?",
			   "is", now, no);
		store_exec(st, "DELETE FROM staff_sessions WHERE expires <= ?", "i", now);
		store_exec(st,
			   "INSERT INTO staff_sessions(token_hash, staff_no, terminal,"
			   " created, expires) VALUES(?,?,?,?,?)",
			   "sssii", thash, no, r->terminal, now, now + STAFF_SESSION_TTL);
		staff_audit(st, no, r->terminal, "login", NULL);
		req_json(r, 201,
			 json_pack("{s:s, s:s, s:s, s:i, s:i, s:i}", "staff_no", no,
				   "name", S(row, "name"), "session", token, "expires_in",
				   STAFF_SESSION_TTL, "lock_after", STAFF_LOCK_AFTER,
				   "lock_minutes", STAFF_LOCK_SECONDS / 60));
		r->secret = true; /* kept for a replay only encrypted */
		util_wipe(token, sizeof token);
	}
	json_decref(row);
}

static bool
actor_of(struct req *r, char *out, size_t size, bool quiet)
{
	const char *auth = req_header(r, "Authorization");
	if (!auth && strcmp(r->role, "staff") == 0) {
		snprintf(out, size, "cert:%s", r->terminal);
		return true;
	}
	if (!auth || strncmp(auth, "Bearer ", 7) != 0 || strlen(auth + 7) != 64) {
		if (!quiet)
			req_error(r, 401, "staff_session_required", NULL,
				  "this needs a staff session (POST /v1/staff/login)");
		return false;
	}
	char hash[65];
	codec_sha256_hex(auth + 7, 64, hash);
	json_t *s = store_query_one(r->app->st,
				    "SELECT s.staff_no, s.terminal, s.expires, t.disabled"
				    " FROM staff_sessions s JOIN staff t"
				    " ON t.number = s.staff_no WHERE s.token_hash = ?",
				    "s", hash);
	bool ok = false;
	if (!s || strcmp(S(s, "terminal"), r->terminal) != 0 || I(s, "disabled")) {
		if (!quiet)
			req_error(r, 401, "staff_session_invalid", NULL,
				  "unknown staff session");
	} else if (I(s, "expires") <= util_now()) {
		if (!quiet)
			req_error(r, 401, "staff_session_expired", NULL,
				  "the staff session has expired; log in again");
	} else {
		snprintf(out, size, "%s", S(s, "staff_no"));
		ok = true;
	}
	json_decref(s);
	return ok;
}

bool
staff_actor(struct req *r, char *out, size_t size)
{
	return actor_of(r, out, size, false);
}

bool
staff_actor_opt(struct req *r, char *out, size_t size)
{
	return actor_of(r, out, size, true);
}

/* POST /v1/staff/logout: the session ends. */
void
h_staff_logout(struct req *r)
{
	char who[80];
	if (!staff_actor(r, who, sizeof who))
		return;
	const char *auth = req_header(r, "Authorization");
	if (auth) {
		char hash[65];
		codec_sha256_hex(auth + 7, 64, hash);
		store_exec(r->app->st, "DELETE FROM staff_sessions WHERE token_hash = ?",
			   "s", hash);
	}
	staff_audit(r->app->st, who, r->terminal, "logout", NULL);
	req_json(r, 200, json_pack("{s:s}", "staff_no", who));
}

/* POST /v1/staff/actions {action, detail?}: what staff did at the kiosk. */
void
h_staff_action(struct req *r)
{
	char who[80];
	if (!staff_actor(r, who, sizeof who))
		return;
	const char *action = req_str(r, "action", 32, true);
	if (!action)
		return;
	const char *detail = req_str(r, "detail", 200, false);
	if (!detail && json_object_get(r->body, "detail"))
		return;
	int k = 0;
	while (kiosk_actions[k] && strcmp(kiosk_actions[k], action) != 0)
		k++;
	if (!kiosk_actions[k]) {
		req_error(r, 400, "invalid_field", json_pack("{s:s}", "field", "action"),
			  "not an action staff report");
		return;
	}
	staff_audit(r->app->st, who, r->terminal, action, detail);
	req_json(r, 201, json_pack("{s:s, s:s}", "staff_no", who, "action", action));
}

/* ---- calls for staff ------------------------------------------------------ */

static json_t *
call_load(struct store *st, int64_t id)
{
	return store_query_one(st,
			       "SELECT id, terminal, screen, created, closed, closed_by"
			       " FROM calls WHERE id = ?",
			       "i", id);
}

static bool
screen_name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_' || *s == '/'))
			return false;
	return true;
}

/* POST /v1/calls {screen}: this terminal calls staff; one open call each. */
void
h_call(struct req *r)
{
	const char *screen = req_str(r, "screen", 64, true);
	if (!screen)
		return;
	if (!screen_name_ok(screen)) {
		req_error(r, 400, "invalid_field", json_pack("{s:s}", "field", "screen"),
			  "a screen name is a-z, 0-9, '-', '_' and '/'");
		return;
	}
	struct store *st = r->app->st;
	int64_t id = store_query_int(st, 0,
				     "SELECT id FROM calls WHERE terminal = ?"
				     " AND closed IS NULL",
				     "s", r->terminal);
	bool again = id > 0;
	if (!again) {
		if (store_exec(
			    st,
			    "INSERT INTO calls(terminal, screen, created) VALUES(?,?,?)",
			    "ssi", r->terminal, screen, util_now()) < 0) {
			req_error(r, 500, "internal", NULL, "store error");
			return;
		}
		id = store_query_int(st, 0,
				     "SELECT id FROM calls WHERE terminal = ?"
				     " AND closed IS NULL",
				     "s", r->terminal);
		log_info("terminal %s calls staff from %s", r->terminal, screen);
	}
	json_t *c = call_load(st, id);
	if (!c) {
		req_error(r, 500, "internal", NULL, "store error");
		return;
	}
	req_json(r, again ? 200 : 201,
		 json_pack("{s:o, s:b}", "call", c, "again", again));
}

/* GET /v1/calls: the open calls of every terminal, oldest first (staff). */
void
h_calls_list(struct req *r)
{
	char who[80];
	if (!staff_actor(r, who, sizeof who))
		return;
	json_t *rows = store_query(r->app->st,
				   "SELECT id, terminal, screen, created FROM calls"
				   " WHERE closed IS NULL ORDER BY created, id LIMIT 100",
				   "");
	if (!rows) {
		req_error(r, 500, "internal", NULL, "store error");
		return;
	}
	req_json(r, 200, json_pack("{s:o}", "calls", rows));
}

const char *
staff_call_close(struct store *st, int64_t id, const char *who, const char *terminal)
{
	json_t *c = call_load(st, id);
	if (!c)
		return "unknown_call";
	bool open = json_is_null(json_object_get(c, "closed"));
	char detail[96];
	snprintf(detail, sizeof detail, "call %lld from %s at %s", (long long)id,
		 S(c, "terminal"), S(c, "screen"));
	json_decref(c);
	if (!open)
		return "call_closed";
	if (store_exec(st, "UPDATE calls SET closed = ?, closed_by = ? WHERE id = ?",
		       "isi", util_now(), who, id) != 1 ||
	    staff_audit(st, who, terminal, "call_closed", detail) != 0)
		return "internal";
	return NULL;
}

/* POST /v1/calls/{id}/close (staff). */
void
h_call_close(struct req *r)
{
	char who[80], *end;
	if (!staff_actor(r, who, sizeof who))
		return;
	long long id = strtoll(r->args[0], &end, 10);
	if (*end || id <= 0) {
		req_error(r, 404, "unknown_call", NULL, "no such call");
		return;
	}
	const char *bad = staff_call_close(r->app->st, id, who, r->terminal);
	if (bad && strcmp(bad, "unknown_call") == 0)
		req_error(r, 404, bad, NULL, "no such call");
	else if (bad && strcmp(bad, "call_closed") == 0)
		req_error(r, 409, bad, NULL, "the call was closed already");
	else if (bad)
		req_error(r, 500, bad, NULL, "store error");
	else
		req_json(r, 200, json_pack("{s:o}", "call", call_load(r->app->st, id)));
}
