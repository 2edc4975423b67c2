/*
 * order_pay.c - an order's payments (see order.h): making one, settling it,
 * the sandbox's pay page.
 */
#include "ra/order_int.h"

/* ---- payments ---- */

static json_t *
payment_view(struct app *app, json_t *p)
{
	/* The provider's page; a sandbox payment's is /pay/{id} here. */
	char *url = S(p, "code_url")
			    ? util_xstrdup(S(p, "code_url"))
			    : util_xasprintf("%s/pay/%s", app->public_url, S(p, "id"));
	json_t *v =
		json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:I}", "id", S(p, "id"),
			  "order_id", S(p, "order_id"), "channel", S(p, "channel"),
			  "amount", (json_int_t)I(p, "amount"), "state", S(p, "state"),
			  "code_url", url, "expires", (json_int_t)I(p, "expires"));
	free(url);
	return v;
}

/* Marks a pending payment paid, the order paid (and on), sends the e-invoice. */
static void
payment_settle(struct app *app, json_t *p)
{
	json_t *o = order_load(app->st, S(p, "order_id"));
	if (!o || strcmp(S(p, "state"), "pending") != 0 ||
	    strcmp(S(o, "state"), "confirmed") != 0) {
		json_decref(o);
		return;
	}
	int64_t now = util_now();
	store_exec(app->st,
		   "UPDATE payments SET state = 'paid', paid_at = ? WHERE id = ?", "is",
		   now, S(p, "id"));
	/* Other pending payments of this order (another channel) lapse. */
	store_exec(app->st,
		   "UPDATE payments SET state = 'cancelled' WHERE order_id = ? AND state "
		   "= 'pending'",
		   "s", S(o, "id"));
	json_object_set_new(p, "state", json_string("paid"));
	char *note = util_xasprintf("paid by %s", S(p, "channel"));
	order_move_st(app->st, o, "paid", note);
	free(note);
	after_paid(app->st, o);
	json_t *subj = ident_subject(app, S(o, "subject_type"), S(o, "subject_id"), true);
	const char *email = S(json_object_get(o, "form"), "email");
	if (!email)
		email = S(subj, "email");
	char token[33];
	util_random_hex(token, 16);
	store_exec(
		app->st,
		"INSERT INTO invoices(token, order_id, title, amount, channel, created)"
		" VALUES(?,?,?,?,?,?)",
		"sssisi", token, S(o, "id"), S(subj, "name"), I(p, "amount"),
		S(p, "channel"), now);
	char *subject = util_xasprintf("电子发票 - 订单 %s", S(o, "id"));
	char *body = util_xasprintf(
		"发票抬头：%s\n订单号：%s\n金额：%lld.%02lld 元\n"
		"支付方式：%s\n查看发票：%s/invoice/%s\n(sandbox e-invoice)\n",
		S(subj, "name"), S(o, "id"), (long long)(I(p, "amount") / 100),
		(long long)(I(p, "amount") % 100), S(p, "channel"), app->public_url,
		token);
	gw_mail_send(app->st, email ? email : "", subject, body, S(o, "id"));
	free(subject);
	free(body);
	json_decref(subj);
	json_decref(o);
}

bool
order_settle_due(struct app *app, const char *order_id)
{
	if (!app->sandbox || app->pay_delay < 0)
		return false;
	json_t *rows = store_query(
		app->st,
		"SELECT * FROM payments WHERE order_id = ? AND state = 'pending'"
		" AND created + ? <= ?",
		"sii", order_id, (int64_t)app->pay_delay, util_now());
	bool due = json_array_size(rows) > 0;
	if (due) /* one payment settles the order */
		payment_settle(app, json_array_get(rows, 0));
	json_decref(rows);
	return due;
}

void
h_payment_create(struct req *r)
{
	json_t *o = order_from_path(r);
	if (!o)
		return;
	const char *channel = req_str(r, "channel", 16, true);
	if (!channel)
		goto out;
	if (strcmp(channel, "alipay") != 0 && strcmp(channel, "wechat") != 0) {
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", "channel"),
			  "channel must be alipay or wechat");
		goto out;
	}
	if (strcmp(S(o, "state"), "confirmed") != 0 || I(o, "price") == 0) {
		req_error(r, 409, "wrong_state",
			  json_pack("{s:s}", "state", S(o, "state")),
			  "only a confirmed order with a price can be paid");
		goto out;
	}
	/* One pending payment per order.  Asking again on the same channel
	 * gives the pending one back (a QR already on a phone still pays);
	 * another channel cancels it first, so a customer who changes their
	 * mind can pay only once. */
	int64_t now = util_now();
	store_exec(r->app->st,
		   "UPDATE payments SET state = 'expired' WHERE order_id = ?"
		   " AND state = 'pending' AND expires <= ?",
		   "si", S(o, "id"), now);
	json_t *p = store_query_one(r->app->st,
				    "SELECT * FROM payments WHERE order_id = ?"
				    " AND state = 'pending'",
				    "s", S(o, "id"));
	if (p && strcmp(S(p, "channel"), channel) == 0) {
		req_json(r, 200, json_pack("{s:o}", "payment", payment_view(r->app, p)));
		json_decref(p);
		goto out;
	}
	json_decref(p);
	store_exec(r->app->st,
		   "UPDATE payments SET state = 'cancelled' WHERE order_id = ?"
		   " AND state = 'pending'",
		   "s", S(o, "id"));
	char pid[40], rnd[25], *code_url = NULL;
	util_random_hex(rnd, 12);
	snprintf(pid, sizeof pid, "P%s", rnd);
	if (gw_pay_start(r->app->public_url, pid, S(o, "id"), channel, I(o, "price"),
			 now + r->app->pay_ttl, &code_url) != 0) {
		req_error(r, 503, "unavailable", NULL,
			  "the payment provider did not answer; try again");
		goto out;
	}
	store_exec(r->app->st,
		   "INSERT INTO payments(id, order_id, channel, amount, state, created, "
		   "expires, code_url)"
		   " VALUES(?,?,?,?,'pending',?,?,?)",
		   "sssiiis", pid, S(o, "id"), channel, I(o, "price"), now,
		   now + r->app->pay_ttl, gw_pay_external() ? code_url : NULL);
	free(code_url);
	p = store_query_one(r->app->st, "SELECT * FROM payments WHERE id = ?", "s", pid);
	req_json(r, 201, json_pack("{s:o}", "payment", payment_view(r->app, p)));
	json_decref(p);
out:
	json_decref(o);
}

static json_t *
payment_load(struct req *r)
{
	json_t *p = store_query_one(r->app->st, "SELECT * FROM payments WHERE id = ?",
				    "s", r->args[0]);
	if (!p)
		req_error(r, 404, "unknown_payment", NULL, "no such payment");
	return p;
}

void
h_payment_get(struct req *r)
{
	json_t *p = payment_load(r), *o = NULL;
	if (!p)
		return;
	o = order_load(r->app->st, S(p, "order_id"));
	if (!o || !order_access(r, o))
		goto out;
	/* Loaded again only when a sandbox payment settled just now (the
	 * payment screen polls this every 1.5 s). */
	if (order_settle_due(r->app, S(o, "id"))) {
		json_decref(p);
		p = store_query_one(r->app->st, "SELECT * FROM payments WHERE id = ?",
				    "s", r->args[0]);
	}
	/* A real provider is asked how its payment stands. */
	char state[16];
	if (strcmp(S(p, "state"), "pending") == 0 && gw_pay_external() &&
	    gw_pay_status(S(p, "id"), state) == 0) {
		if (strcmp(state, "paid") == 0)
			payment_settle(r->app, p);
		else if (strcmp(state, "pending") != 0)
			store_exec(r->app->st,
				   "UPDATE payments SET state = ? WHERE id = ?", "ss",
				   state, S(p, "id"));
		json_decref(p);
		p = store_query_one(r->app->st, "SELECT * FROM payments WHERE id = ?",
				    "s", r->args[0]);
	}
	if (strcmp(S(p, "state"), "pending") == 0 && I(p, "expires") <= util_now()) {
		store_exec(r->app->st,
			   "UPDATE payments SET state = 'expired' WHERE id = ?", "s",
			   S(p, "id"));
		json_object_set_new(p, "state", json_string("expired"));
	}
	req_json(r, 200, json_pack("{s:o}", "payment", payment_view(r->app, p)));
out:
	json_decref(o);
	json_decref(p);
}

void
h_pay_page(struct req *r)
{
	json_t *p = payment_load(r);
	if (!p)
		return;
	char *html;
	if (strcmp(S(p, "state"), "pending") == 0 && I(p, "expires") > util_now()) {
		payment_settle(r->app, p);
	}
	bool paid = strcmp(S(p, "state"), "paid") == 0;
	char *head = util_xasprintf(PAGE_HEAD, "支付 / Payment");
	html = util_xasprintf(
		"%s<h1 class=\"%s\">%s</h1><p id=\"state\">%s</p><p>¥%lld.%02lld "
		"(%s)</p><p>sandbox</p></body></html>",
		head, paid ? "ok" : "bad", paid ? "支付成功" : "支付未完成",
		S(p, "state"), (long long)(I(p, "amount") / 100),
		(long long)(I(p, "amount") % 100), S(p, "channel"));
	req_raw(r, paid ? 200 : 409, "text/html; charset=utf-8", html, strlen(html));
	free(head);
	free(html);
	json_decref(p);
}
