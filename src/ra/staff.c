/*
 * staff.c - counter staff, their login, sessions, audit and the calls for
 * staff (see staff.h for the rules and PROTOCOL.md section 17).
 */
#include "ra/staff.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

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

static bool
all_digits(const char *s, size_t lo, size_t hi)
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
	if (!all_digits(no, 1, 8) || !all_digits(pin, 4, 12)) {
		req_error(r, 400, "invalid_field",
			  json_pack("{s:s}", "field",
				    all_digits(no, 1, 8) ? "pin" : "staff_no"),
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
		req_error(r, 403, "staff_disabled", NULL, "this staff account is disabled");
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
			 json_pack("{s:s, s:s, s:s, s:i, s:i, s:i}", "staff_no", no, "name",
				   S(row, "name"), "session", token, "expires_in",
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
		if (store_exec(st,
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
	req_json(r, again ? 200 : 201, json_pack("{s:o, s:b}", "call", c, "again", again));
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

/* Closes call id by who; NULL done, else the refusal's code. */
static const char *
call_close(struct store *st, int64_t id, const char *who, const char *terminal)
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
	const char *bad = call_close(r->app->st, id, who, r->terminal);
	if (bad && strcmp(bad, "unknown_call") == 0)
		req_error(r, 404, bad, NULL, "no such call");
	else if (bad && strcmp(bad, "call_closed") == 0)
		req_error(r, 409, bad, NULL, "the call was closed already");
	else if (bad)
		req_error(r, 500, bad, NULL, "store error");
	else
		req_json(r, 200, json_pack("{s:o}", "call", call_load(r->app->st, id)));
}

/* ---- the administrator's commands ---------------------------------------- */

/* A PIN from standard input: asked twice without echo on a terminal, one
 * line otherwise.  0 with 4..12 digits in pin, or -1 (said why). */
static int
read_pin(char *pin, size_t size)
{
	bool tty = isatty(STDIN_FILENO);
	char again[64] = "";
	struct termios old, quiet;
	int rc = -1;
	if (tty && tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (tty)
		fputs("staff PIN (4-12 digits): ", stderr);
	if (!fgets(pin, (int)size, stdin))
		goto out;
	pin[strcspn(pin, "\r\n")] = '\0';
	if (tty) {
		fputs("\nagain: ", stderr);
		if (!fgets(again, sizeof again, stdin))
			goto out;
		again[strcspn(again, "\r\n")] = '\0';
		fputs("\n", stderr);
		if (strcmp(pin, again) != 0) {
			fprintf(stderr, "cakiosk-ra: the two PINs differ\n");
			goto out;
		}
	}
	if (!all_digits(pin, 4, 12)) {
		fprintf(stderr, "cakiosk-ra: a staff PIN is 4 to 12 digits\n");
		goto out;
	}
	rc = 0;
out:
	if (tty)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	util_wipe(again, sizeof again);
	if (rc != 0)
		util_wipe(pin, size);
	return rc;
}

static int
staff_set_pin(struct store *st, const char *no, const char *name, bool add)
{
	char pin[64], hash[STAFFAUTH_HASH_MAX];
	if (read_pin(pin, sizeof pin) != 0)
		return 1;
	int rc = staffauth_hash(pin, hash, sizeof hash);
	util_wipe(pin, sizeof pin);
	if (rc != 0)
		return 1;
	int64_t now = util_now();
	int64_t n = add ? store_exec(st,
				     "INSERT INTO staff(number, name, pin_hash, created,"
				     " updated) VALUES(?,?,?,?,?)",
				     "sssii", no, name, hash, now, now)
			: store_exec(st,
				     "UPDATE staff SET pin_hash = ?, failures = 0,"
				     " locked_until = 0, updated = ? WHERE number = ?",
				     "sis", hash, now, no);
	util_wipe(hash, sizeof hash);
	if (n != 1) {
		fprintf(stderr, "cakiosk-ra: %s\n",
			add ? "that staff number exists already" : "no such staff number");
		return 1;
	}
	return staff_audit(st, "admin", "-", add ? "staff_add" : "staff_pin", no) ? 1 : 0;
}

static int
staff_list(struct store *st)
{
	json_t *rows = store_query(st,
				   "SELECT number, name, disabled, failures, locked_until"
				   " FROM staff ORDER BY number",
				   "");
	int64_t now = util_now();
	for (size_t i = 0; i < json_array_size(rows); i++) {
		json_t *s = json_array_get(rows, i);
		const char *state = I(s, "disabled")		     ? "disabled"
				    : I(s, "failures") >= STAFF_LOCK_HARD ? "locked-until-reset"
				    : I(s, "locked_until") > now	     ? "locked"
									     : "active";
		printf("%s %s failures=%lld %s\n", S(s, "number"), state,
		       (long long)I(s, "failures"), S(s, "name"));
	}
	json_decref(rows);
	return rows ? 0 : 1;
}

static int
staff_cmd(struct store *st, int argc, char **argv, const char *name)
{
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return staff_list(st);
	if (argc != 2 || !all_digits(argv[1], 1, 8))
		return 2;
	const char *sub = argv[0], *no = argv[1];
	if (strcmp(sub, "add") == 0)
		return staff_set_pin(st, no, name && *name ? name : no, true);
	if (strcmp(sub, "pin") == 0)
		return staff_set_pin(st, no, NULL, false);
	const char *sql = NULL;
	if (strcmp(sub, "disable") == 0)
		sql = "UPDATE staff SET disabled = 1, updated = ? WHERE number = ?";
	else if (strcmp(sub, "enable") == 0)
		sql = "UPDATE staff SET disabled = 0, updated = ? WHERE number = ?";
	else if (strcmp(sub, "reset") == 0)
		sql = "UPDATE staff SET failures = 0, locked_until = 0, updated = ?"
		      " WHERE number = ?";
	else
		return 2;
	if (store_exec(st, sql, "is", util_now(), no) != 1) {
		fprintf(stderr, "cakiosk-ra: no such staff number %s\n", no);
		return 1;
	}
	/* A disabled account's sessions end with it. */
	if (strcmp(sub, "disable") == 0)
		store_exec(st, "DELETE FROM staff_sessions WHERE staff_no = ?", "s", no);
	char action[24];
	snprintf(action, sizeof action, "staff_%s", sub);
	if (staff_audit(st, "admin", "-", action, no) != 0)
		return 1;
	printf("%s %s\n", no, sub);
	return 0;
}

static int
calls_cmd(struct store *st, int argc, char **argv)
{
	if (argc == 0) {
		json_t *rows = store_query(st,
					   "SELECT id, terminal, screen, created FROM calls"
					   " WHERE closed IS NULL ORDER BY created, id",
					   "");
		for (size_t i = 0; i < json_array_size(rows); i++) {
			json_t *c = json_array_get(rows, i);
			char at[32];
			util_iso8601(I(c, "created"), at, sizeof at);
			printf("%lld %s %s %s\n", (long long)I(c, "id"), S(c, "terminal"),
			       S(c, "screen"), at);
		}
		json_decref(rows);
		return rows ? 0 : 1;
	}
	char *end;
	long long id = argc == 2 && strcmp(argv[0], "close") == 0
			       ? strtoll(argv[1], &end, 10)
			       : 0;
	if (id <= 0 || *end)
		return 2;
	const char *bad = call_close(st, id, "admin", "-");
	if (bad) {
		fprintf(stderr, "cakiosk-ra: call %lld: %s\n", id,
			strcmp(bad, "call_closed") == 0 ? "closed already"
							 : "no such call");
		return 1;
	}
	printf("%lld closed\n", id);
	return 0;
}

static int
audit_cmd(struct store *st)
{
	json_t *rows = store_query(st,
				   "SELECT at, staff_no, terminal, action, detail FROM audit"
				   " ORDER BY id",
				   "");
	for (size_t i = 0; i < json_array_size(rows); i++) {
		json_t *a = json_array_get(rows, i);
		char at[32];
		util_iso8601(I(a, "at"), at, sizeof at);
		printf("%s staff=%s terminal=%s %s%s%s\n", at, S(a, "staff_no"),
		       S(a, "terminal"), S(a, "action"), S(a, "detail") ? " " : "",
		       S(a, "detail") ? S(a, "detail") : "");
	}
	json_decref(rows);
	return rows ? 0 : 1;
}

int
staff_admin(struct store *st, const char *cmd, int argc, char **argv, const char *name)
{
	if (strcmp(cmd, "staff") == 0)
		return staff_cmd(st, argc, argv, name);
	if (strcmp(cmd, "calls") == 0)
		return calls_cmd(st, argc, argv);
	return argc == 0 ? audit_cmd(st) : 2;
}

int
staff_demo(struct store *st)
{
	if (store_query_int(st, 0, "SELECT count(*) FROM staff WHERE number = '1001'",
			    "") > 0)
		return 0;
	char hash[STAFFAUTH_HASH_MAX];
	int64_t now = util_now();
	if (staffauth_hash("123456", hash, sizeof hash) != 0 || store_begin(st, true) != 0)
		return -1;
	if (store_exec(st,
		       "INSERT INTO staff(number, name, pin_hash, created, updated)"
		       " VALUES('1001', '演示柜员', ?, ?, ?)",
		       "sii", hash, now, now) != 1 ||
	    store_commit(st) != 0) {
		store_rollback(st);
		return -1;
	}
	log_info("demo: staff 1001 (PIN 123456)");
	return 0;
}
