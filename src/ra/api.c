/*
 * api.c - the route table of the protocol, opening the backend, the health
 * endpoint and the sandbox inspection (see PROTOCOL.md for each endpoint's
 * contract).  Registration records, SMS codes and sessions are in ident.c.
 */
#include "ra/api.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ra/addr.h"
#include "ra/demo.h"
#include "ra/gw.h"
#include "ra/ident.h"
#include "ra/issue.h"
#include "ra/order.h"
#include "ra/owner.h"
#include "ra/staff.h"
#include "ra/terminal.h"
#include "ra/unlock.h"
#include "ra/util.h"

const struct route api_routes[] = {
	{"GET", "/v1/health", R_PUBLIC | R_PAGE, h_health},
	{"GET", "/v1/prices", 0, h_prices},
	{"GET", "/v1/registry/units/{id}", 0, h_unit},
	{"GET", "/v1/registry/persons/{id}", 0, h_person},
	{"POST", "/v1/sms", 0, h_sms_send},
	{"POST", "/v1/sessions", 0, h_session_create},
	ORDER_ROUTES ISSUE_ROUTES UNLOCK_ROUTES OWNER_ROUTES STAFF_ROUTES TERMINAL_ROUTES{
		"GET", "/v1/sandbox/sms", R_SANDBOX, h_sandbox_sms},
	{"GET", "/v1/sandbox/mails", R_SANDBOX, h_sandbox_mails},
	{"GET", "/v1/sandbox/bank", R_SANDBOX, h_sandbox_bank},
	{"GET", "/v1/sandbox/payments", R_SANDBOX, h_sandbox_payments},
	{"POST", "/v1/sandbox/clock", R_SANDBOX, h_sandbox_clock},
	{NULL, NULL, 0, NULL},
};

int
api_open(struct app *app, const char *db, const char *ca_dir, const char *host,
	 const char *public_url, int port, char **err)
{
	app->public_url =
		public_url ? util_xstrdup(public_url) : addr_url("https", host, port);
	char *crl_url = util_xasprintf("%s/crl.der", app->public_url);
	app->st = store_open(db, err);
	if (app->st)
		app->ca = ca_open(ca_dir, host, crl_url,
				  app->demo ? CA_OPEN_DEMO : CA_OPEN_OWN, err);
	/* Without it every customer certificate would fail: not started. */
	bool ready = !app->ca || ca_customer_ready(app->ca);
	if (!ready)
		*err = util_xasprintf("cannot make the CRL distribution point of "
				      "\"%s\": check the public URL",
				      crl_url);
	free(crl_url);
	if (!app->st || !app->ca || !ready)
		return -1;
	if (app->demo && (demo_load(app->st) != 0 || staff_demo(app->st) != 0)) {
		*err = util_xstrdup("cannot load the demo data set");
		return -1;
	}
	if (!app->demo && store_query_int(app->st, 0,
					  "SELECT count(*) FROM meta WHERE key = "
					  "'demo_loaded'",
					  "") > 0) {
		char *shown = store_where(db);
		*err = util_xasprintf("the store %s holds the demo's records: outside "
				      "the demo give the server a store of its own",
				      shown);
		free(shown);
		return -1;
	}
	char *gws = gw_describe();
	int64_t rc = store_exec(app->st,
				"INSERT INTO meta(key, value) VALUES('gateways', ?)"
				" ON CONFLICT(key) DO UPDATE SET value = excluded.value",
				"s", gws);
	free(gws);
	if (rc < 0) {
		*err = util_xstrdup("cannot write to the store");
		return -1;
	}
	return 0;
}

void
api_close(struct app *app)
{
	ca_close(app->ca);
	store_close(app->st);
	free(app->public_url);
	app->ca = NULL;
	app->st = NULL;
	app->public_url = NULL;
}

/* ---- endpoints ---- */

void
h_health(struct req *r)
{
	req_json(r, 200,
		 json_pack("{s:s, s:s, s:i, s:b, s:I}", "status", "ok", "version",
			   VERSION, "protocol", 1, "sandbox", r->app->sandbox, "time",
			   (json_int_t)util_now()));
}

/* ---- sandbox inspection ---- */

static void
sandbox_list(struct req *r, const char *member, const char *sql_all,
	     const char *sql_filtered, const char *filter)
{
	const char *f = req_query(r, filter);
	json_t *rows = f ? store_query(r->app->st, sql_filtered, "s", f)
			 : store_query(r->app->st, sql_all, "");
	if (!rows) {
		req_error(r, 500, "internal", NULL, "store error");
		return;
	}
	req_json(r, 200, json_pack("{s:o}", member, rows));
}

void
h_sandbox_sms(struct req *r)
{
	sandbox_list(r, "messages",
		     "SELECT id, mobile, text, created FROM sms_outbox ORDER BY id DESC "
		     "LIMIT 50",
		     "SELECT id, mobile, text, created FROM sms_outbox WHERE mobile = ?"
		     " ORDER BY id DESC LIMIT 50",
		     "mobile");
}

void
h_sandbox_mails(struct req *r)
{
	sandbox_list(r, "mails",
		     "SELECT id, to_addr, subject, body, order_id, created FROM mails"
		     " ORDER BY id DESC LIMIT 50",
		     "SELECT id, to_addr, subject, body, order_id, created FROM mails"
		     " WHERE order_id = ? ORDER BY id DESC LIMIT 50",
		     "order");
}

void
h_sandbox_bank(struct req *r)
{
	sandbox_list(r, "transfers",
		     "SELECT id, account, amount, memo, order_id, created FROM bank_memos"
		     " ORDER BY id DESC LIMIT 50",
		     "SELECT id, account, amount, memo, order_id, created FROM bank_memos"
		     " WHERE account = ? ORDER BY id DESC LIMIT 50",
		     "account");
}

void
h_sandbox_payments(struct req *r)
{
	sandbox_list(
		r, "payments",
		"SELECT id, order_id, channel, amount, state, created, paid_at"
		" FROM payments ORDER BY created DESC, id LIMIT 50",
		"SELECT id, order_id, channel, amount, state, created, paid_at"
		" FROM payments WHERE order_id = ? ORDER BY created DESC, id LIMIT 50",
		"order");
}

void
h_sandbox_clock(struct req *r)
{
	int64_t adv, at;
	if (req_int(r, "advance", 0, 10 * 366 * 86400LL, false, 0, &adv) != 0 ||
	    req_int(r, "at", 0, INT64_MAX / 2, false, -1, &at) != 0)
		return;
	if (at >= 0)
		util_clock_set(at);
	util_clock_advance(adv);
	req_json(r, 200,
		 json_pack("{s:I, s:I}", "offset", (json_int_t)util_clock_offset(),
			   "time", (json_int_t)util_now()));
}
