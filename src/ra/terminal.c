/*
 * terminal.c - a terminal's certificate renewal, its heartbeat and the
 * operator's list of terminals (see terminal.h and PROTOCOL.md).
 */
#include "ra/terminal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/rules.h"
#include "ra/util.h"

#define S(o, k) json_string_value(json_object_get((o), (k)))
#define I(o, k) json_integer_value(json_object_get((o), (k)))
#define DAY 86400LL

/* Only a kiosk's own certificate renews a kiosk's certificate. */
static bool
terminal_only(struct req *r)
{
	if (strcmp(r->role, "terminal") == 0)
		return true;
	req_error(r, 403, "forbidden", NULL, "only a terminal's certificate may do this");
	return false;
}

/*
 * POST /v1/terminal/renew {"csr"}: a new certificate for the terminal that
 * holds a valid, unrevoked one (peer.c checked it on this request).  The
 * CSR must name the same terminal.  The old certificate stays valid until
 * it ends or is revoked (revoking one of a terminal's certificates revokes
 * them all: cakiosk-ra revoke).
 */
void
h_terminal_renew(struct req *r)
{
	struct ca_issued is = {0};
	char *msg = NULL, *cn = NULL;
	const char *code = NULL;
	struct ca_csr *c = NULL;
	if (!terminal_only(r))
		return;
	const char *csr = req_str(r, "csr", 16000, true);
	if (!csr || r->status)
		return;
	if (!(c = ca_csr_parse(csr, &code, &msg))) {
		req_error(r, 400, code, NULL, "%s", msg);
		goto out;
	}
	cn = ca_csr_cn(c);
	if (!cn || strcmp(cn, r->terminal) != 0) {
		req_error(r, 403, "terminal_mismatch", NULL,
			  "the request names another terminal than the certificate");
		log_warn("renew: terminal %s asked for a certificate of another name",
			 r->terminal);
		goto out;
	}
	int64_t now = util_now();
	json_t *w = store_query_one(r->app->st,
				    "SELECT count(*) AS n, min(created) AS first FROM"
				    " certificates WHERE subject_type = 'terminal' AND"
				    " subject_id = ? AND created > ?",
				    "si", r->terminal, now - TERMINAL_RENEW_WINDOW);
	int64_t n = w ? I(w, "n") : 0, first = w ? I(w, "first") : now;
	json_decref(w);
	if (n >= TERMINAL_RENEW_MAX) {
		int64_t wait = first + TERMINAL_RENEW_WINDOW - now;
		char ra[24];
		if (wait < 1)
			wait = 1;
		snprintf(ra, sizeof ra, "%lld", (long long)wait);
		req_add_header(r, "Retry-After", ra);
		req_error(r, 429, "rate_limited",
			  json_pack("{s:I, s:s, s:s}", "retry_after", (json_int_t)wait,
				    "check", "renew", "scope", "terminal"),
			  "%d terminal certificates within a day: try later",
			  TERMINAL_RENEW_MAX);
		goto out;
	}
	struct ca_subject cs = {
		.cn = r->terminal, .o = "cakiosk reference RA", .ou = "terminal"};
	if (ca_issue(r->app->ca, c, &cs, now - 300, rules_add_years(now, 3),
		     CA_PROFILE_TERMINAL, &is, &msg) != 0) {
		req_error(r, 500, "internal", NULL, "issuing failed");
		goto out;
	}
	store_exec(r->app->st,
		   "INSERT INTO certificates(serial, order_id, subject_type, subject_id,"
		   " subject_dn, not_before, not_after, pem, status, created)"
		   " VALUES(?,NULL,'terminal',?,?,?,?,?,'valid',?)",
		   "sssiisi", is.serial, r->terminal, is.dn, is.not_before, is.not_after,
		   is.pem, now);
	req_issued(r, CA_PROFILE_TERMINAL);
	store_exec(r->app->st,
		   "INSERT INTO terminals(id, cert_serial, enrolled) VALUES(?,?,0)"
		   " ON CONFLICT(id) DO UPDATE SET cert_serial = excluded.cert_serial",
		   "ss", r->terminal, is.serial);
	log_info("renew: terminal %s: certificate %s replaces %s", r->terminal, is.serial,
		 r->cert_serial);
	req_json(r, 201,
		 json_pack("{s:s, s:s, s:s, s:I, s:s, s:[s]}", "terminal_id", r->terminal,
			   "certificate", is.pem, "serial", is.serial, "not_after",
			   (json_int_t)is.not_after, "previous", r->cert_serial, "chain",
			   ca_cert_pem(r->app->ca)));
out:
	ca_csr_free(c);
	ca_issued_free(&is);
	free(msg);
	free(cn);
}

/*
 * POST /v1/terminal/heartbeat {"version", "readers", "ukey",
 * "cert_not_after"?, "last_error"?, "last_error_at"?}: kept per terminal
 * with the time and the certificate it came with; the answer says how
 * that certificate stands.
 */
void
h_terminal_heartbeat(struct req *r)
{
	int64_t readers, cna, lea;
	if (!terminal_only(r))
		return;
	const char *version = req_str(r, "version", 32, true);
	const char *err = version ? req_str(r, "last_error", 300, false) : NULL;
	json_t *uk = r->body ? json_object_get(r->body, "ukey") : NULL;
	if (!version || r->status ||
	    req_int(r, "readers", 0, 64, true, 0, &readers) != 0 ||
	    req_int(r, "cert_not_after", 0, 4102444800LL, false, 0, &cna) != 0 ||
	    req_int(r, "last_error_at", 0, 4102444800LL, false, 0, &lea) != 0)
		return;
	if (!json_is_boolean(uk)) {
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", "ukey"),
			  "the field \"ukey\" must be true or false");
		return;
	}
	int64_t now = util_now();
	/* The end date is the certificate's, as presented; what the terminal
	 * says of it (cert_not_after) is only looked at. */
	if (cna && cna != r->cert_not_after)
		log_info("heartbeat: terminal %s says its certificate ends at %lld, "
			 "it presented one ending at %lld",
			 r->terminal, (long long)cna, (long long)r->cert_not_after);
	if (store_exec(r->app->st,
		       "INSERT INTO terminals(id, cert_serial, enrolled, last_seen,"
		       " seen_serial, seen_not_after, version, readers, ukey, last_error,"
		       " last_error_at) VALUES(?,?,0,?,?,?,?,?,?,?,?)"
		       " ON CONFLICT(id) DO UPDATE SET last_seen = excluded.last_seen,"
		       " seen_serial = excluded.seen_serial,"
		       " seen_not_after = excluded.seen_not_after,"
		       " version = excluded.version, readers = excluded.readers,"
		       " ukey = excluded.ukey, last_error = excluded.last_error,"
		       " last_error_at = excluded.last_error_at",
		       "ssisisiisi", r->terminal, r->cert_serial, now, r->cert_serial,
		       r->cert_not_after, version, readers, (int64_t)json_is_true(uk),
		       err && *err ? err : NULL, err && *err ? lea : 0) < 0) {
		req_error(r, 500, "internal", NULL, "could not record the heartbeat");
		return;
	}
	json_t *t = store_query_one(r->app->st,
				    "SELECT cert_serial FROM terminals WHERE id = ?", "s",
				    r->terminal);
	bool newest = !t || !S(t, "cert_serial") ||
		      strcmp(S(t, "cert_serial"), r->cert_serial) == 0;
	const char *state = r->cert_not_after - now <= TERMINAL_EXPIRING_DAYS * DAY
				    ? "expiring"
			    : newest ? "ok"
				     : "superseded";
	req_json(r, 200,
		 json_pack("{s:s, s:I, s:{s:s, s:I, s:s}}", "terminal_id", r->terminal,
			   "time", (json_int_t)now, "certificate", "serial",
			   r->cert_serial, "not_after", (json_int_t)r->cert_not_after,
			   "state", state));
	json_decref(t);
}

/* ---- cakiosk-ra terminals ---- */

/* What the operator is told of one terminal (see PROTOCOL.md). */
static const char *
state_of(json_t *t, int64_t now, int silent_min, int64_t *end)
{
	/* The certificate it comes with, once heard from; before, the one
	 * it was issued last. */
	*end = I(t, "seen_not_after") ? I(t, "seen_not_after") : I(t, "cert_end");
	if ((S(t, "cert_status") && strcmp(S(t, "cert_status"), "revoked") == 0) ||
	    (S(t, "seen_status") && strcmp(S(t, "seen_status"), "revoked") == 0))
		return "revoked";
	if (*end && *end < now)
		return "expired";
	if (!I(t, "last_seen"))
		return "never";
	if (now - I(t, "last_seen") > (int64_t)silent_min * 60)
		return "silent";
	if (*end && *end - now <= TERMINAL_EXPIRING_DAYS * DAY)
		return "expiring";
	return "ok";
}

static void
ago(int64_t secs, char *out, size_t len)
{
	if (secs < 120)
		snprintf(out, len, "%llds ago", (long long)secs);
	else if (secs < 2 * 3600)
		snprintf(out, len, "%lldm ago", (long long)(secs / 60));
	else if (secs < 2 * DAY)
		snprintf(out, len, "%lldh ago", (long long)(secs / 3600));
	else
		snprintf(out, len, "%lldd ago", (long long)(secs / DAY));
}

/* The UTC date, and the time of day when asked. */
static void
utc(int64_t t, bool with_time, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	if (with_time)
		strftime(out, len, "%Y-%m-%d %H:%M:%SZ", &tm);
	else
		strftime(out, len, "%Y-%m-%d", &tm);
}

/* One row's printable cells (every one a new string), in column order. */
#define NCOLS 7
static void
cells(json_t *t, const char *state, int64_t end, int64_t now, char *c[NCOLS])
{
	char a[64];
	c[0] = util_xstrdup(S(t, "id"));
	if (I(t, "last_seen")) {
		char b[32];
		utc(I(t, "last_seen"), true, a, sizeof a);
		ago(now - I(t, "last_seen"), b, sizeof b);
		c[1] = util_xasprintf("%s (%s)", a, b);
	} else {
		c[1] = util_xstrdup("never");
	}
	c[2] = util_xstrdup(state);
	c[3] = util_xstrdup(S(t, "version") ? S(t, "version") : "-");
	c[4] = I(t, "last_seen") ? util_xasprintf("%lld, UKey %s", I(t, "readers"),
						  I(t, "ukey") ? "in" : "none")
				 : util_xstrdup("-");
	if (end) {
		utc(end, false, a, sizeof a);
		c[5] = util_xasprintf("%s (%lldd)", a,
				      (long long)((end - now) / DAY - (end < now)));
	} else {
		c[5] = util_xstrdup("-");
	}
	c[6] = util_xstrdup(S(t, "last_error") ? S(t, "last_error") : "-");
	/* The store holds what terminals said: nothing of it moves the
	 * operator's terminal. */
	for (char *p = c[6]; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

/* Columns two spaces apart; the last one (the error) as long as it is. */
static void
print_row(FILE *out, const char *const *cell, const int *w)
{
	for (int k = 0; k + 1 < NCOLS; k++)
		fprintf(out, "%-*s  ", w[k], cell[k]);
	fprintf(out, "%s\n", cell[NCOLS - 1]);
}

int
terminal_list(struct store *st, bool json, int silent_min, FILE *out)
{
	static const char *const head[NCOLS] = {"TERMINAL",  "LAST SEEN", "STATE",
						"VERSION",   "READERS",   "CERT EXPIRY",
						"LAST ERROR"};
	json_t *rows = store_query(
		st,
		"SELECT t.id, t.cert_serial, t.enrolled, t.last_seen, t.seen_serial,"
		" t.seen_not_after, t.version, t.readers, t.ukey, t.last_error,"
		" t.last_error_at, c.not_after AS cert_end, c.status AS cert_status,"
		" s.status AS seen_status FROM terminals t"
		" LEFT JOIN certificates c ON c.serial = t.cert_serial"
		" LEFT JOIN certificates s ON s.serial = t.seen_serial"
		" ORDER BY t.id",
		"");
	if (!rows)
		return 1;
	int64_t now = util_now();
	size_t nrows = json_array_size(rows);
	char *(*c)[NCOLS] = util_xcalloc(nrows + 1, sizeof *c);
	int w[NCOLS];
	for (int k = 0; k < NCOLS; k++)
		w[k] = (int)strlen(head[k]);
	json_t *arr = json_array();
	for (size_t i = 0; i < nrows; i++) {
		json_t *t = json_array_get(rows, i);
		int64_t end;
		const char *state = state_of(t, now, silent_min, &end);
		cells(t, state, end, now, c[i]);
		for (int k = 0; k < NCOLS; k++)
			if ((int)strlen(c[i][k]) > w[k])
				w[k] = (int)strlen(c[i][k]);
		json_t *o = json_pack(
			"{s:s, s:O?, s:o, s:s, s:O?, s:O?, s:o, s:O?, s:O?, s:o, s:O?}",
			"id", S(t, "id"), "last_seen", json_object_get(t, "last_seen"),
			"seconds_ago",
			I(t, "last_seen") ? json_integer(now - I(t, "last_seen"))
					  : json_null(),
			"state", state, "version", json_object_get(t, "version"),
			"readers", json_object_get(t, "readers"), "ukey",
			I(t, "last_seen") ? json_boolean(I(t, "ukey")) : json_null(),
			"cert_serial", json_object_get(t, "cert_serial"), "seen_serial",
			json_object_get(t, "seen_serial"), "cert_not_after",
			end ? json_integer(end) : json_null(), "last_error",
			json_object_get(t, "last_error"));
		json_array_append_new(arr, o);
	}
	if (json) {
		char *text = json_dumps(arr, JSON_INDENT(2));
		fprintf(out, "%s\n", text ? text : "[]");
		free(text);
	} else {
		print_row(out, head, w);
		for (size_t i = 0; i < nrows; i++)
			print_row(out, (const char *const *)c[i], w);
	}
	for (size_t i = 0; i < nrows; i++)
		for (int k = 0; k < NCOLS; k++)
			free(c[i][k]);
	free(c);
	json_decref(arr);
	json_decref(rows);
	return 0;
}
