/*
 * order_status.c - an order's status page for the customer's phone (see
 * PROTOCOL.md "Order status page"): the link the kiosk shows as a QR code
 * on its done page and in Order query, and the page it opens.
 *
 * A link is 128 random bits, kept as their SHA-256 like an upload link,
 * valid for STATUS_TTL; an order holds at most STATUS_LINKS_MAX live links
 * (a new one closes the oldest).  The page shows the order's state and
 * steps in plain words, how the PIN comes and the tracking number, with
 * every identity number and mobile masked: whoever sees the QR code holds
 * the link.  Unknown, forged and expired links count as failures of the
 * source address (limits.h, "status_link"), so they cannot be walked.
 */
#include "ra/order_int.h"

#include <stdarg.h>

#define STATUS_TTL (30 * DAY)
#define STATUS_LINKS_MAX 8

void
h_status_link(struct req *r)
{
	json_t *o = order_from_path(r);
	if (!o)
		return;
	char token[33], hash[65];
	int64_t now = util_now();
	util_random_hex(token, 16);
	codec_sha256_hex(token, 32, hash);
	store_exec(r->app->st, "DELETE FROM status_links WHERE expires <= ?", "i", now);
	/* The newest links stay; a kiosk asking again and again closes old ones
	 * (made before this one: those of one second are in no order). */
	store_exec(r->app->st,
		   "DELETE FROM status_links WHERE order_id = ? AND token_hash NOT IN"
		   " (SELECT token_hash FROM status_links WHERE order_id = ?"
		   " ORDER BY expires DESC, token_hash DESC LIMIT ?)",
		   "ssi", S(o, "id"), S(o, "id"), (int64_t)(STATUS_LINKS_MAX - 1));
	store_exec(
		r->app->st,
		"INSERT INTO status_links(token_hash, order_id, expires) VALUES(?,?,?)",
		"ssi", hash, S(o, "id"), now + STATUS_TTL);
	char *url = util_xasprintf("%s/s/%s", r->app->public_url, token);
	req_json(r, 201,
		 json_pack("{s:s, s:I}", "url", url, "expires",
			   (json_int_t)(now + STATUS_TTL)));
	r->secret = true; /* the link's token: kept for a replay only encrypted */
	util_wipe(token, sizeof token);
	util_wipe_str(url);
	free(url);
	json_decref(o);
}

static const char *
kind_words(const char *kind)
{
	static const char *const w[][2] = {
		{"apply", "证书申请 Certificate application"},
		{"renew", "证书更新 Certificate renewal"},
		{"unlock", "证书解锁 UKey unlock"},
		{"reissue", "丢失补办 Replacement of a lost UKey"},
		{"change", "信息变更 Change of details"},
	};
	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
		if (strcmp(w[i][0], kind) == 0)
			return w[i][1];
	return "证书业务 Certificate service";
}

static const char *
state_words(const char *state)
{
	static const char *const w[][2] = {
		{"draft",
		 "未完成，可在自助终端继续 Not finished: continue it at a kiosk"},
		{"confirmed", "已确认，待支付 Confirmed, waiting for payment"},
		{"paid", "已支付 Paid"},
		{"under_review",
		 "审核中（3-5个工作日） Under review (3 to 5 working days)"},
		{"approved",
		 "审核通过，证书制作中 Approved: the certificate is being made"},
		{"rejected",
		 "未通过审核，费用原路退回 Not approved: the payment is refunded"},
		{"issued", "证书已签发 Certificate issued"},
		{"installed", "已完成 Done: the certificate is on the UKey"},
		{"made", "UKey 已制作，待寄出 UKey made, to be posted"},
		{"posted", "UKey 已寄出 UKey posted"},
		{"cancelled", "已取消 Cancelled"},
		{"authorized", "已授权解锁 Unlock authorized"},
		{"completed", "已完成 Done"},
	};
	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
		if (strcmp(w[i][0], state) == 0)
			return w[i][1];
	return "处理中 In progress";
}

/* How the certificate PIN comes, in words (the delivery is masked). */
static char *
pin_words(json_t *o)
{
	const char *d = S(o, "pin_delivery"), *kind = S(o, "kind");
	char *clean =
		d ? util_html_escape(strchr(d, ':') ? strchr(d, ':') + 1 : d) : NULL;
	char *out;
	if (d && strncmp(d, "sms:", 4) == 0)
		out = util_xasprintf("已短信发送至 %s (by SMS to %s)", clean, clean);
	else if (d && strncmp(d, "memo:", 5) == 0)
		out = util_xasprintf("在转账至账户 %s 的 0.01 元附言中 (in the memo of a "
				     "0.01 CNY transfer to the account %s)",
				     clean, clean);
	else if (strcmp(kind, "renew") == 0 || strcmp(kind, "change") == 0)
		out = util_xstrdup(
			"不变：UKey 保留原密码 (unchanged: the UKey keeps its PIN)");
	else if (strcmp(kind, "unlock") == 0)
		out = util_xstrdup(
			"您在自助终端设置的新密码 (the new PIN you chose at the "
			"kiosk)");
	else
		out = util_xstrdup(
			"审核通过后按身份核验方式发送 (sent once approved, the way "
			"the identity check chose)");
	free(clean);
	return out;
}

/* The order of a live status link, or NULL (answered: 404 page, or 429). */
static json_t *
status_order(struct req *r)
{
	char addr[64];
	req_client_addr(r, addr, sizeof addr);
	if (!lim_addr_allow(r, "status_link", addr))
		return NULL;
	json_t *o = NULL;
	if (strlen(r->args[0]) == 32) {
		char hash[65];
		codec_sha256_hex(r->args[0], 32, hash);
		json_t *l = store_query_one(r->app->st,
					    "SELECT order_id FROM status_links WHERE"
					    " token_hash = ? AND expires > ?",
					    "si", hash, util_now());
		if (l)
			o = order_load(r->app->st, S(l, "order_id"));
		json_decref(l);
	}
	if (!o) {
		lim_addr_fail(r, "status_link", addr);
		char *head = util_xasprintf(PAGE_HEAD, "链接无效");
		char *html = util_xasprintf(
			"%s<h1 class=\"bad\">链接已失效</h1><p>This order link is no "
			"longer valid. Look the order up with 订单查询 (Track my "
			"orders) at a kiosk.</p></body></html>",
			head);
		req_raw(r, 404, "text/html; charset=utf-8", html, strlen(html));
		free(head);
		free(html);
	}
	return o;
}

/* Appends to *html (freed and replaced). */
static void add(char **html, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(char **html, const char *fmt, ...)
{
	va_list ap;
	size_t have = strlen(*html);
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*html = util_xrealloc(*html, have + (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(*html + have, (size_t)n + 1, fmt, ap);
	va_end(ap);
}

void
h_status_page(struct req *r)
{
	json_t *o = status_order(r);
	if (!o)
		return;
	order_settle_due(r->app, S(o, "id"));
	json_t *fresh = order_load(r->app->st, S(o, "id"));
	json_decref(o);
	o = fresh;
	json_t *subj =
		ident_subject(r->app, S(o, "subject_type"), S(o, "subject_id"), false);
	char masked[64], when[32];
	ids_mask_id(S(o, "subject_id"), masked, sizeof masked);
	char *name = util_html_escape(subj && S(subj, "name") ? S(subj, "name") : "");
	char *html = util_xasprintf(PAGE_HEAD, "订单状态 / Order status");
	add(&html,
	    "<h1>订单状态 Order status</h1><p>订单号 Order <b id=\"order\">%s</b></p>"
	    "<p>业务 Service: %s</p><p>%s <span id=\"subject\">%s</span> %s</p>"
	    "<p>状态 State: <b id=\"state\" class=\"ok\">%s</b></p>",
	    S(o, "id"), kind_words(S(o, "kind")),
	    strcmp(S(o, "subject_type"), "unit") == 0 ? "单位 Unit" : "个人 Person", name,
	    masked, state_words(S(o, "state")));
	if (S(o, "reason")) {
		char *why = util_html_escape(S(o, "reason"));
		add(&html, "<p>原因 Reason: <span id=\"reason\">%s</span></p>", why);
		free(why);
	}
	json_t *ev =
		store_query(r->app->st,
			    "SELECT to_state, at FROM order_events WHERE order_id = ?"
			    " ORDER BY id",
			    "s", S(o, "id"));
	add(&html, "<h2>进度 Steps so far</h2><ol id=\"steps\">");
	size_t i;
	json_t *e;
	json_array_foreach(ev, i, e)
	{
		util_iso8601(I(e, "at"), when, sizeof when);
		add(&html, "<li>%s · %s</li>", when, state_words(S(e, "to_state")));
	}
	add(&html, "</ol>");
	json_decref(ev);
	char *pin = pin_words(o);
	add(&html, "<p>证书密码 Certificate PIN: <span id=\"pin\">%s</span></p>", pin);
	free(pin);
	if (S(o, "tracking")) {
		char *t = util_html_escape(S(o, "tracking"));
		add(&html, "<p>快递单号 Tracking number: <b id=\"tracking\">%s</b></p>",
		    t);
		free(t);
	}
	json_t *inv = store_query_one(r->app->st,
				      "SELECT token FROM invoices WHERE order_id = ?",
				      "s", S(o, "id"));
	if (inv)
		add(&html,
		    "<p><a id=\"invoice\" href=\"/invoice/%s\">电子发票 "
		    "e-invoice</a></p>",
		    S(inv, "token"));
	json_decref(inv);
	add(&html,
	    "<p>如有疑问请咨询服务大厅工作人员。Questions: ask the staff of the service "
	    "hall.</p></body></html>");
	/* A page that says how an order stands is not kept by caches. */
	req_add_header(r, "Cache-Control", "no-store");
	req_add_header(r, "Referrer-Policy", "no-referrer");
	req_raw(r, 200, "text/html; charset=utf-8", html, strlen(html));
	free(name);
	free(html);
	json_decref(subj);
	json_decref(o);
}
