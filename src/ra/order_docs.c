/*
 * order_docs.c - an order's documents (see order.h): the phone upload page,
 * the list of what was uploaded, the forms to download, the invoice.
 */
#include "ra/order_int.h"

/* ---- documents and the phone upload page ---- */

static const char *
doc_label(const char *kind)
{
	static const char *const labels[][2] = {
		{"business_licence", "营业执照 Business licence"},
		{"agent_id_front", "经办人身份证头像面 Agent ID card (portrait side)"},
		{"agent_id_back", "经办人身份证国徽面 Agent ID card (emblem side)"},
		{"seal_form", "印章采样表 Seal sample form"},
		{"id_front", "身份证头像面 ID card (portrait side)"},
		{"id_back", "身份证国徽面 ID card (emblem side)"},
		{"signature_form", "个人签章采样表 Signature sample form"},
	};
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (strcmp(labels[i][0], kind) == 0)
			return labels[i][1];
	return kind;
}

/* The type of a file by its first bytes, or NULL if not JPEG/PNG/PDF. */
static const char *
sniff(const unsigned char *d, size_t n)
{
	if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
		return "image/jpeg";
	if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 5 && memcmp(d, "%PDF-", 5) == 0)
		return "application/pdf";
	return NULL;
}

void
h_upload_link(struct req *r)
{
	json_t *o = order_from_path(r);
	if (!o)
		return;
	if (!kind_needs_docs(S(o, "kind")) || strcmp(S(o, "state"), "draft") != 0) {
		req_error(r, 409, "wrong_state",
			  json_pack("{s:s}", "state", S(o, "state")),
			  "documents are uploaded for a draft apply, reissue or change "
			  "order");
		json_decref(o);
		return;
	}
	/* 128 random bits: unguessable, and short enough that the link's QR
	 * code fits beside the list on an 80x24 kiosk. */
	char token[33], hash[65];
	int64_t now = util_now();
	util_random_hex(token, 16);
	codec_sha256_hex(token, 32, hash);
	/* One link at a time: a new one closes the old. */
	store_exec(r->app->st, "UPDATE upload_links SET closed = 1 WHERE order_id = ?",
		   "s", S(o, "id"));
	store_exec(
		r->app->st,
		"INSERT INTO upload_links(token_hash, order_id, expires) VALUES(?,?,?)",
		"ssi", hash, S(o, "id"), now + UPLOAD_TTL);
	char *url = util_xasprintf("%s/u/%s", r->app->public_url, token);
	json_t *need = json_array();
	for (const char *const *d = docs_for(S(o, "subject_type")); *d; d++)
		json_array_append_new(need, json_string(*d));
	req_json(r, 201,
		 json_pack("{s:s, s:I, s:o}", "url", url, "expires",
			   (json_int_t)(now + UPLOAD_TTL), "documents", need));
	r->secret = true; /* the link's token: kept for a replay only encrypted */
	free(url);
	json_decref(o);
}

/* The order of an open upload link, or NULL (answered with a page). */
static json_t *
upload_order(struct req *r)
{
	json_t *o = NULL;
	if (strlen(r->args[0]) == 32) {
		char hash[65];
		codec_sha256_hex(r->args[0], 32, hash);
		/* Documents belong to a draft: once confirmed, they are what the
		 * customer confirmed and staff review. */
		json_t *l = store_query_one(
			r->app->st,
			"SELECT l.order_id FROM upload_links l JOIN orders o"
			" ON o.id = l.order_id WHERE l.token_hash = ? AND l.closed = 0"
			" AND l.expires > ? AND o.state = 'draft'",
			"si", hash, util_now());
		if (l)
			o = order_load(r->app->st, S(l, "order_id"));
		json_decref(l);
	}
	if (!o) {
		char *head = util_xasprintf(PAGE_HEAD, "链接无效");
		char *html = util_xasprintf(
			"%s<h1 class=\"bad\">链接已失效</h1><p>This upload link "
			"is no longer valid. Ask the kiosk for a new one.</p>"
			"</body></html>",
			head);
		req_raw(r, 404, "text/html; charset=utf-8", html, strlen(html));
		free(head);
		free(html);
	}
	return o;
}

static void
upload_render(struct req *r, json_t *o, int status, const char *msg)
{
	char *head = util_xasprintf(PAGE_HEAD, "上传申请资料 / Upload documents");
	char *html =
		util_xasprintf("%s<h1>上传申请资料</h1><p>订单 Order %s</p>%s"
			       "<form method=\"post\" enctype=\"multipart/form-data\">",
			       head, S(o, "id"), msg ? msg : "");
	bool all = true;
	for (const char *const *d = docs_for(S(o, "subject_type")); *d; d++) {
		bool have = store_query_int(
				    r->app->st, 0,
				    "SELECT count(*) FROM documents WHERE order_id = ?"
				    " AND kind = ?",
				    "ss", S(o, "id"), *d) > 0;
		all &= have;
		char *next =
			util_xasprintf("%s<label for=\"%s\">%s <span id=\"st-%s\" "
				       "class=\"%s\">%s</span></label>"
				       "<input type=\"file\" id=\"%s\" name=\"%s\" "
				       "accept=\"image/jpeg,image/png,application/pdf\">",
				       html, *d, doc_label(*d), *d, have ? "ok" : "bad",
				       have ? "已收到" : "未上传", *d, *d);
		free(html);
		html = next;
	}
	char *next = util_xasprintf(
		"%s<br><button type=\"submit\" id=\"send\">上传 Upload</button>"
		"</form><p>JPEG, PNG or PDF, 5 MB at most.</p>%s</body></html>",
		html,
		all ? "<p id=\"done\" class=\"ok\">资料已齐全 All documents are in."
		      "</p>"
		    : "");
	free(html);
	req_raw(r, status, "text/html; charset=utf-8", next, strlen(next));
	free(next);
	free(head);
}

void
h_upload_page(struct req *r)
{
	json_t *o = upload_order(r);
	if (!o)
		return;
	upload_render(r, o, 200, NULL);
	json_decref(o);
}

/* A refused file, kept (with its answer) for the kiosk's document list. */
static void
refused(struct req *r, json_t *o, const char *kind, const char *reason, size_t size)
{
	store_exec(r->app->st,
		   "INSERT INTO upload_refusals(order_id, kind, reason, size, at)"
		   " VALUES(?,?,?,?,?)",
		   "sssii", S(o, "id"), kind, reason, (int64_t)size, util_now());
	r->commit_anyway = true;
}

void
h_upload_post(struct req *r)
{
	json_t *o = upload_order(r);
	if (!o || r->early) { /* a bad token is refused before the files come */
		json_decref(o);
		return;
	}
	int status = 200, stored = 0;
	char msg[512] = "";
	if (r->busy) {
		/* Not read: this link is receiving an upload already, or the
		 * server as many as it takes at once. */
		req_add_header(r, "Retry-After", "30");
		upload_render(
			r, o, r->busy,
			r->busy == 409
				? "<p class=\"bad\" "
				  "id=\"error\">此链接正在上传，请等待完成 "
				  "(an upload to this link is under way)</p>"
				: "<p class=\"bad\" id=\"error\">上传繁忙，请稍后再试 "
				  "(busy, try again in a minute)</p>");
		json_decref(o);
		return;
	}
	if (r->too_large) {
		/* A file went over the limit: nothing of this upload is kept. */
		refused(r, o, "", "size", 0);
		upload_render(
			r, o, 413,
			"<p class=\"bad\" id=\"error\">文件太大：每个文件不超过 5 MB "
			"(a file is larger than 5 MB)</p>");
		json_decref(o);
		return;
	}
	for (int i = 0; i < r->nfields; i++) {
		struct form_field *f = &r->fields[i];
		bool known = false;
		for (const char *const *d = docs_for(S(o, "subject_type")); *d; d++)
			known |= strcmp(*d, f->name) == 0;
		if (!known || f->len == 0)
			continue;
		const char *mime = sniff(f->data, f->len);
		if (!mime) {
			status = 415;
			snprintf(msg, sizeof msg,
				 "<p class=\"bad\" id=\"error\">%s: 只接受 JPEG、PNG 或 "
				 "PDF 文件 "
				 "(only JPEG, PNG or PDF)</p>",
				 doc_label(f->name));
			refused(r, o, f->name, "type", f->len);
			continue;
		}
		if (f->len > DOC_LIMIT) {
			status = 413;
			snprintf(msg, sizeof msg,
				 "<p class=\"bad\" id=\"error\">%s: 文件太大</p>",
				 doc_label(f->name));
			refused(r, o, f->name, "size", f->len);
			continue;
		}
		char sha[65];
		codec_sha256_hex(f->data, f->len, sha);
		store_exec(
			r->app->st,
			"INSERT INTO documents(order_id, kind, mime, size, sha256, data, "
			"created)"
			" VALUES(?,?,?,?,?,?,?) ON CONFLICT(order_id, kind) DO UPDATE SET"
			" mime = excluded.mime, size = excluded.size, sha256 = "
			"excluded.sha256,"
			" data = excluded.data, created = excluded.created",
			"sssisbi", S(o, "id"), f->name, mime, (int64_t)f->len, sha,
			(const void *)f->data, f->len, util_now());
		stored++;
	}
	if (status == 200 && stored == 0) {
		status = 400;
		snprintf(msg, sizeof msg,
			 "<p class=\"bad\" id=\"error\">请选择文件 (choose a file)</p>");
	}
	if (stored) {
		r->commit_anyway = true; /* keep the good files even if one was bad */
		if (!msg[0])
			snprintf(msg, sizeof msg,
				 "<p class=\"ok\" id=\"stored\">已收到 %d 个文件</p>",
				 stored);
	}
	bool all = true;
	for (const char *const *d = docs_for(S(o, "subject_type")); *d; d++)
		all &= store_query_int(r->app->st, 0,
				       "SELECT count(*) FROM documents WHERE order_id = "
				       "? AND kind = ?",
				       "ss", S(o, "id"), *d) > 0;
	if (all) /* the link has done its job */
		store_exec(r->app->st,
			   "UPDATE upload_links SET closed = 1 WHERE order_id = ?", "s",
			   S(o, "id"));
	upload_render(r, o, status, msg);
	json_decref(o);
}

void
h_documents(struct req *r)
{
	json_t *o = order_from_path(r);
	if (!o)
		return;
	json_t *docs =
		store_query(r->app->st,
			    "SELECT kind, mime, size, sha256, created FROM documents"
			    " WHERE order_id = ? ORDER BY kind",
			    "s", S(o, "id"));
	json_t *missing = json_array();
	for (const char *const *d = docs_for(S(o, "subject_type")); *d; d++)
		if (store_query_int(r->app->st, 0,
				    "SELECT count(*) FROM documents WHERE order_id = ? "
				    "AND kind = ?",
				    "ss", S(o, "id"), *d) == 0)
			json_array_append_new(missing, json_string(*d));
	/* The files refused lately, oldest first: the kiosk says each once. */
	json_t *refusals = store_query(
		r->app->st,
		"SELECT id, kind, reason, size, at FROM (SELECT * FROM upload_refusals"
		" WHERE order_id = ? ORDER BY id DESC LIMIT 8) AS recent ORDER BY id",
		"s", S(o, "id"));
	req_json(r, 200,
		 json_pack("{s:o, s:o, s:o}", "documents", docs ? docs : json_array(),
			   "missing", missing, "refused",
			   refusals ? refusals : json_array()));
	json_decref(o);
}

/* A one-page PDF with a title and a box to stamp or sign in. */
static char *
sample_pdf(const char *title, size_t *len)
{
	char content[512];
	int cl = snprintf(
		content, sizeof content,
		"BT /F1 20 Tf 72 760 Td (%s) Tj ET\n"
		"BT /F1 11 Tf 72 730 Td (cakiosk reference RA - print, stamp or sign in "
		"the box, scan, upload.) Tj ET\n"
		"2 w 156 400 300 300 re S\n",
		title);
	char *objs[5];
	objs[0] = util_xstrdup("<< /Type /Catalog /Pages 2 0 R >>");
	objs[1] = util_xstrdup("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
	objs[2] =
		util_xstrdup("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] "
			     "/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>");
	objs[3] = util_xasprintf("<< /Length %d >>\nstream\n%sendstream", cl, content);
	objs[4] = util_xstrdup("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
	char *pdf = util_xstrdup("%PDF-1.4\n");
	long off[5];
	for (int i = 0; i < 5; i++) {
		off[i] = (long)strlen(pdf);
		char *next =
			util_xasprintf("%s%d 0 obj\n%s\nendobj\n", pdf, i + 1, objs[i]);
		free(pdf);
		free(objs[i]);
		pdf = next;
	}
	long xref = (long)strlen(pdf);
	char *next = util_xasprintf("%sxref\n0 6\n0000000000 65535 f \n", pdf);
	free(pdf);
	pdf = next;
	for (int i = 0; i < 5; i++) {
		next = util_xasprintf("%s%010ld 00000 n \n", pdf, off[i]);
		free(pdf);
		pdf = next;
	}
	next = util_xasprintf(
		"%strailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", pdf,
		xref);
	free(pdf);
	*len = strlen(next);
	return next;
}

void
h_form_download(struct req *r)
{
	const char *title;
	if (strcmp(r->args[0], "seal-sample-unit.pdf") == 0)
		title = "Seal sample form (Yinzhang caiyangbiao)";
	else if (strcmp(r->args[0], "signature-sample-person.pdf") == 0)
		title = "Personal signature sample form (Geren qianzhang caiyangbiao)";
	else {
		req_error(r, 404, "not_found", NULL, "no such form");
		return;
	}
	size_t len;
	char *pdf = sample_pdf(title, &len);
	req_raw(r, 200, "application/pdf", pdf, len);
	free(pdf);
}

/* The e-invoice of a paid order, for the QR link of the order query. */
void
h_invoice_page(struct req *r)
{
	json_t *inv = store_query_one(
		r->app->st, "SELECT * FROM invoices WHERE token = ?", "s", r->args[0]);
	if (!inv) {
		req_error(r, 404, "not_found", NULL, "no such invoice");
		return;
	}
	char when[32];
	util_iso8601(I(inv, "created"), when, sizeof when);
	char *head = util_xasprintf(PAGE_HEAD, "电子发票 / e-invoice");
	char *title = util_html_escape(S(inv, "title"));
	char *html = util_xasprintf(
		"%s<h1>电子发票</h1><p>发票抬头 <b id=\"title\">%s</b></p>"
		"<p>订单号 <span id=\"order\">%s</span></p>"
		"<p>金额 <span id=\"amount\">¥%lld.%02lld</span> (%s)</p>"
		"<p>开票时间 %s</p><p>sandbox</p></body></html>",
		head, title, S(inv, "order_id"), (long long)(I(inv, "amount") / 100),
		(long long)(I(inv, "amount") % 100), S(inv, "channel"), when);
	req_raw(r, 200, "text/html; charset=utf-8", html, strlen(html));
	free(title);
	free(head);
	free(html);
	json_decref(inv);
}

/* One uploaded file as it was stored, for the kiosk's small preview. */
void
h_document_file(struct req *r)
{
	json_t *o = order_from_path(r);
	if (!o)
		return;
	struct store *st = r->app->st;
	json_t *d = store_query_one(
		st, "SELECT mime FROM documents WHERE order_id = ? AND kind = ?", "ss",
		S(o, "id"), r->args[1]);
	void *raw = NULL;
	size_t len = 0;
	if (!d || store_query_blob(st, &raw, &len,
				   "SELECT data FROM documents WHERE order_id = ?"
				   " AND kind = ?",
				   "ss", S(o, "id"), r->args[1]) != 0) {
		req_error(r, 404, "not_found", NULL, "no such document in this order");
	} else {
		/* The type as a constant: the row is freed before the answer. */
		const char *mime = S(d, "mime");
		req_raw(r, 200,
			strcmp(mime, "image/png") == 0    ? "image/png"
			: strcmp(mime, "image/jpeg") == 0 ? "image/jpeg"
							  : "application/pdf",
			raw, len);
	}
	if (raw) { /* an ID-card scan */
		util_wipe(raw, len);
		free(raw);
	}
	json_decref(d);
	json_decref(o);
}
