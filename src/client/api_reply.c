/*
 * api_reply.c - the shapes of the backend's replies, held against what
 * the protocol allows before anything reads them, and the price list kept
 * between checks (see api.h, api_int.h).
 */
#include "api_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "log.h"
#include "text.h"
#include "xmem.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define TIME_MAX (1LL << 40) /* year 36812: anything later is nonsense */
#define MONEY_MAX 100000000  /* one million CNY in fen */

bool
api_garbage(struct api_err *e, const char *what, const char *why)
{
	e->err = BACKEND_GARBAGE;
	snprintf(e->why, sizeof e->why, "%s: %s", what, why);
	log_warn("backend reply refused: %s", e->why);
	return false;
}

/* A member of obj (checked already) into buf, sanitized and cut. */
void
api_text(const json_t *obj, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(obj, key);

	buf[0] = '\0';
	if (json_is_string(v)) {
		char *s = text_sanitize(json_string_value(v), json_string_length(v),
					len - 1, 0);

		snprintf(buf, len, "%s", s);
		wipe_free(s); /* order numbers, names: the customer's */
	}
}

long long
api_num(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

bool
api_checked(const json_t *obj, const struct bfield *spec, size_t n, const char *what,
	    struct api_err *e)
{
	char why[128];

	if (backend_check(obj, spec, n, why, sizeof why))
		return true;
	return api_garbage(e, what, why);
}

/* An id going into a path: the same rule as a reply's ids. */
/* ---- shapes ----------------------------------------------------------------- */

const char *const api_order_kinds[] = {"apply",   "renew",  "unlock",
				       "reissue", "change", NULL};
const char *const api_order_states[] = {
	"draft",     "confirmed", "paid",      "under_review", "approved", "rejected",
	"issued",    "installed", "cancelled", "made",         "posted",   "authorized",
	"completed", NULL};
static const char *const pay_states[] = {"pending", "paid", "expired", "cancelled", NULL};

static const struct bfield order_spec[] = {
	{"id", BF_TOKEN, true, 1, API_ID_MAX - 1, NULL},
	{"kind", BF_ENUM, true, 0, 0, api_order_kinds},
	{"state", BF_ENUM, true, 0, 0, api_order_states},
	{"price", BF_INT, true, 0, MONEY_MAX, NULL},
	{"term_years", BF_INT, true, 1, 10, NULL},
	{"valid_from", BF_INT, false, 0, TIME_MAX, NULL},
	{"valid_to", BF_INT, false, 0, TIME_MAX, NULL},
	{"invoice_url", BF_URL, false, 9, API_URL_MAX - 1, NULL},
	{"created", BF_INT, false, 0, TIME_MAX, NULL},
	{"cert_serial", BF_TOKEN, false, 1, API_SERIAL_MAX - 1, NULL},
	{"tracking", BF_STRING, false, 0, API_TRACKING_MAX - 1, NULL},
	{"pin_delivery", BF_STRING, false, 0, 63, NULL},
	{"reason", BF_STRING, false, 0, 4000, NULL},
	{"events", BF_ARRAY, false, 0, 1000, NULL},
	{"form", BF_OBJECT, false, 0, 0, NULL},
	{"verifications", BF_ARRAY, false, 0, 100, NULL},
};

/* The states an order went through, oldest first (the last ones kept). */
static bool
parse_events(const json_t *o, struct api_order *out, struct api_err *e)
{
	static const struct bfield spec[] = {
		{"to_state", BF_ENUM, true, 0, 0, api_order_states},
		{"at", BF_INT, true, 0, TIME_MAX, NULL},
	};
	const json_t *evs = json_object_get(o, "events"), *v;
	size_t i, n = json_array_size(evs);

	json_array_foreach(evs, i, v)
	{
		if (!api_checked(v, spec, N(spec), "order event", e))
			return false;
		if (n - i > API_EVENTS_MAX)
			continue;
		api_text(v, "to_state", out->events[out->nevents].state,
			 sizeof out->events[0].state);
		out->events[out->nevents++].at = api_num(v, "at");
	}
	return true;
}

/* The form as typed, each member checked. */
static bool
parse_form(const json_t *o, struct api_order_form *out, struct api_err *e)
{
#define MEMBER(m)                                                                        \
	{                                                                                \
#m, offsetof(struct api_order_form, m), sizeof out->m                    \
	}
	const struct {
		const char *name;
		size_t off, len;
	} members[] = {
		MEMBER(email),    MEMBER(mobile), MEMBER(contact_name),
		MEMBER(postcode), MEMBER(region), MEMBER(address),
	};
#undef MEMBER
	const json_t *f = json_object_get(o, "form");

	for (size_t i = 0; f != NULL && i < N(members); i++) {
		const struct bfield spec = {members[i].name,
					    BF_STRING,
					    false,
					    0,
					    (long long)members[i].len - 1,
					    NULL};

		if (!api_checked(f, &spec, 1, "order form", e))
			return false;
		api_text(f, members[i].name, (char *)out + members[i].off,
			 members[i].len);
	}
	return true;
}

/* The identity checks the order passed (pending transfers left out). */
static bool
parse_verified(const json_t *o, struct api_order *out, struct api_err *e)
{
	static const char *const parties[] = {"unit", "agent", "person", NULL};
	static const char *const methods[] = {"mobile", "bank_card", "transfer", NULL};
	static const struct bfield spec[] = {
		{"party", BF_ENUM, true, 0, 0, parties},
		{"method", BF_ENUM, true, 0, 0, methods},
		{"state", BF_STRING, true, 0, 16, NULL},
	};
	const json_t *vs = json_object_get(o, "verifications"), *v;
	size_t i;

	json_array_foreach(vs, i, v)
	{
		const char *m;

		if (!api_checked(v, spec, N(spec), "order verification", e))
			return false;
		if (strcmp(json_string_value(json_object_get(v, "state")), "verified") !=
			    0 ||
		    out->nverified >= API_VERIFIED_MAX)
			continue;
		m = json_string_value(json_object_get(v, "method"));
		api_text(v, "party", out->verified[out->nverified].party,
			 sizeof out->verified[0].party);
		out->verified[out->nverified++].method =
			strcmp(m, "mobile") == 0      ? API_VERIFY_MOBILE
			: strcmp(m, "bank_card") == 0 ? API_VERIFY_BANK_CARD
						      : API_VERIFY_TRANSFER;
	}
	return true;
}

bool
api_parse_order(const json_t *reply, struct api_order *out, struct api_err *e)
{
	const json_t *o = json_object_get(reply, "order");

	memset(out, 0, sizeof *out);
	if (!api_checked(o, order_spec, N(order_spec), "order", e))
		return false;
	api_text(o, "id", out->id, sizeof out->id);
	api_text(o, "kind", out->kind, sizeof out->kind);
	api_text(o, "state", out->state, sizeof out->state);
	out->price = (long)api_num(o, "price");
	out->term_years = (int)api_num(o, "term_years");
	out->valid_from = api_num(o, "valid_from");
	out->valid_to = api_num(o, "valid_to");
	api_text(o, "invoice_url", out->invoice_url, sizeof out->invoice_url);
	out->created = api_num(o, "created");
	api_text(o, "cert_serial", out->cert_serial, sizeof out->cert_serial);
	api_text(o, "tracking", out->tracking, sizeof out->tracking);
	api_text(o, "pin_delivery", out->pin_delivery, sizeof out->pin_delivery);
	api_text(o, "reason", out->reject_reason, sizeof out->reject_reason);
	return parse_events(o, out, e) && parse_form(o, &out->form, e) &&
	       parse_verified(o, out, e);
}

bool
api_parse_payment(const json_t *reply, bool created, struct api_payment *out,
		  struct api_err *e)
{
	const struct bfield spec[] = {
		{"id", BF_TOKEN, true, 1, API_ID_MAX - 1, NULL},
		{"state", BF_ENUM, true, 0, 0, pay_states},
		{"amount", BF_INT, created, 1, MONEY_MAX, NULL},
		{"code_url", BF_URL, created, 9, API_URL_MAX - 1, NULL},
		{"expires", BF_INT, false, 0, TIME_MAX, NULL},
	};
	const json_t *p = json_object_get(reply, "payment");
	char st[API_STATE_MAX];

	memset(out, 0, sizeof *out);
	if (!api_checked(p, spec, N(spec), "payment", e))
		return false;
	api_text(p, "id", out->id, sizeof out->id);
	api_text(p, "code_url", out->code_url, sizeof out->code_url);
	out->amount = (long)api_num(p, "amount");
	out->expires = api_num(p, "expires");
	api_text(p, "state", st, sizeof st);
	out->state = strcmp(st, "paid") == 0        ? PAY_PAID
		     : strcmp(st, "expired") == 0   ? PAY_EXPIRED
		     : strcmp(st, "cancelled") == 0 ? PAY_CANCELLED
						    : PAY_PENDING;
	return true;
}

/* The new certificate, under pem_key ("certificate" when issued now, "pem"
 * when pending or looked up). */
static bool
parse_issued(const json_t *o, const char *pem_key, struct api_issued *out,
	     struct api_err *e)
{
	const struct bfield spec[] = {
		{pem_key, BF_STRING, true, 1, API_PEM_MAX, NULL},
		{"serial", BF_TOKEN, true, 1, API_SERIAL_MAX - 1, NULL},
		{"seal_id", BF_TOKEN, false, 1, API_ID_MAX - 1, NULL},
		{"not_before", BF_INT, true, 0, TIME_MAX, NULL},
		{"not_after", BF_INT, true, 1, TIME_MAX, NULL},
	};

	api_issued_free(out);
	if (!api_checked(o, spec, N(spec), "certificate", e))
		return false;
	if (api_num(o, "not_after") <= api_num(o, "not_before"))
		return api_garbage(e, "certificate", "ends before it starts");
	/* Never drawn, only parsed: kept as it came (newlines and all). */
	out->pem = xstrdup(json_string_value(json_object_get(o, pem_key)));
	api_text(o, "serial", out->serial, sizeof out->serial);
	api_text(o, "seal_id", out->seal_id, sizeof out->seal_id);
	out->not_before = api_num(o, "not_before");
	out->not_after = api_num(o, "not_after");
	return true;
}

bool
api_parse_issued(const json_t *reply, struct api_issued *out, struct api_err *e)
{
	return parse_issued(reply, "certificate", out, e);
}

void
api_issued_free(struct api_issued *is)
{
	free(is->pem);
	memset(is, 0, sizeof *is);
}

void
api_certificate_free(struct api_certificate *c)
{
	api_issued_free(&c->self);
	api_issued_free(&c->pending_install);
	memset(c, 0, sizeof *c);
}

bool
api_parse_certificate(const json_t *reply, struct api_certificate *out, struct api_err *e)
{
	static const char *const status[] = {"valid", "revoked", NULL};
	static const struct bfield spec[] = {
		{"serial", BF_TOKEN, true, 1, API_SERIAL_MAX - 1, NULL},
		{"status", BF_ENUM, true, 0, 0, status},
		{"not_after", BF_INT, true, 1, TIME_MAX, NULL},
		{"order", BF_OBJECT, false, 0, 0, NULL},
		{"pending_order", BF_OBJECT, false, 0, 0, NULL},
		{"pending_install", BF_OBJECT, false, 0, 0, NULL},
	};
	static const struct bfield order[] = {
		{"id", BF_TOKEN, true, 1, API_ID_MAX - 1, NULL},
		{"kind", BF_ENUM, true, 0, 0, api_order_kinds},
		{"state", BF_ENUM, true, 0, 0, api_order_states},
	};
	static const struct bfield pending[] = {
		{"order_id", BF_TOKEN, true, 1, API_ID_MAX - 1, NULL},
	};
	const json_t *c = json_object_get(reply, "certificate"), *p;
	char st[16];

	api_certificate_free(out);
	if (!api_checked(c, spec, N(spec), "certificate", e))
		return false;
	api_text(c, "serial", out->serial, sizeof out->serial);
	api_text(c, "status", st, sizeof st);
	out->revoked = strcmp(st, "revoked") == 0;
	out->not_after = api_num(c, "not_after");
	if (json_object_get(c, "pem") != NULL && !parse_issued(c, "pem", &out->self, e))
		return false;
	if (json_is_object(p = json_object_get(c, "order"))) {
		if (!api_checked(p, order, N(order), "certificate.order", e))
			return false;
		out->has_order = true;
		api_text(p, "id", out->order_id, sizeof out->order_id);
		api_text(p, "kind", out->order_kind, sizeof out->order_kind);
		api_text(p, "state", out->order_state, sizeof out->order_state);
	}
	if (json_is_object(p = json_object_get(c, "pending_order"))) {
		if (!api_checked(p, pending, N(pending), "certificate.pending_order", e))
			return false;
		out->has_pending_order = true;
		api_text(p, "order_id", out->pending_order_id,
			 sizeof out->pending_order_id);
		api_text(p, "kind", out->pending_kind, sizeof out->pending_kind);
	}
	if (json_is_object(p = json_object_get(c, "pending_install"))) {
		if (!api_checked(p, pending, N(pending), "certificate.pending_install",
				 e) ||
		    !parse_issued(p, "pem", &out->pending_install, e))
			return false;
		out->has_pending_install = true;
		api_text(p, "order_id", out->pending_install_order,
			 sizeof out->pending_install_order);
		api_text(p, "kind", out->pending_kind, sizeof out->pending_kind);
	}
	return true;
}

bool
api_parse_health(const json_t *reply, struct api_health *out, struct api_err *e)
{
	static const char *const ok[] = {"ok", NULL};
	static const struct bfield spec[] = {
		{"status", BF_ENUM, true, 0, 0, ok},
		{"version", BF_STRING, true, 1, 31, NULL},
		{"protocol", BF_INT, true, 1, 1, NULL},
		{"sandbox", BF_BOOL, false, 0, 0, NULL},
		{"time", BF_INT, true, 1, TIME_MAX, NULL},
	};

	memset(out, 0, sizeof *out);
	if (!api_checked(reply, spec, N(spec), "health", e))
		return false;
	api_text(reply, "version", out->version, sizeof out->version);
	out->protocol = (int)api_num(reply, "protocol");
	out->sandbox = json_is_true(json_object_get(reply, "sandbox"));
	out->time = api_num(reply, "time");
	return true;
}

/* ---- prices, kept between checks ------------------------------------------- */

struct price {
	char kind[16];
	bool unit;
	int term;
	long fen;
};

static struct {
	pthread_mutex_t lock;
	struct price rows[API_PRICES_MAX];
	int n;
	atomic_uint changes;
} P = {.lock = PTHREAD_MUTEX_INITIALIZER};

bool
api_parse_prices(const json_t *reply, struct api_err *e)
{
	static const char *const types[] = {"unit", "person", NULL};
	static const struct bfield top[] = {
		{"prices", BF_ARRAY, true, 1, API_PRICES_MAX, NULL},
	};
	static const struct bfield row[] = {
		{"kind", BF_ENUM, true, 0, 0, api_order_kinds},
		{"subject_type", BF_ENUM, true, 0, 0, types},
		{"term_years", BF_INT, true, 1, 10, NULL},
		{"price", BF_INT, true, 0, MONEY_MAX, NULL},
	};
	struct price rows[API_PRICES_MAX];
	const json_t *arr, *r;
	size_t i;

	/* Compared whole with the rows kept: no stray bytes in them. */
	memset(rows, 0, sizeof rows);
	if (!api_checked(reply, top, N(top), "prices", e))
		return false;
	arr = json_object_get(reply, "prices");
	json_array_foreach(arr, i, r)
	{
		char type[8];

		if (!api_checked(r, row, N(row), "prices[]", e))
			return false;
		api_text(r, "kind", rows[i].kind, sizeof rows[i].kind);
		api_text(r, "subject_type", type, sizeof type);
		rows[i].unit = strcmp(type, "unit") == 0;
		rows[i].term = (int)api_num(r, "term_years");
		rows[i].fen = (long)api_num(r, "price");
	}
	pthread_mutex_lock(&P.lock);
	if (P.n != (int)i || memcmp(P.rows, rows, i * sizeof rows[0]) != 0)
		atomic_fetch_add(&P.changes, 1);
	memcpy(P.rows, rows, i * sizeof rows[0]);
	P.n = (int)i;
	pthread_mutex_unlock(&P.lock);
	return true;
}

unsigned
api_prices_changes(void)
{
	return atomic_load(&P.changes);
}

bool
api_price(const char *kind, bool unit, int term, long *fen)
{
	bool found = false;

	pthread_mutex_lock(&P.lock);
	for (int i = 0; i < P.n && !found; i++) {
		const struct price *r = &P.rows[i];

		if (r->unit == unit && r->term == term && strcmp(r->kind, kind) == 0) {
			*fen = r->fen;
			found = true;
		}
	}
	pthread_mutex_unlock(&P.lock);
	return found;
}

unsigned
api_terms(const char *kind, bool unit)
{
	unsigned bits = 0;

	pthread_mutex_lock(&P.lock);
	for (int i = 0; i < P.n; i++)
		if (P.rows[i].unit == unit && strcmp(P.rows[i].kind, kind) == 0)
			bits |= 1u << P.rows[i].term;
	pthread_mutex_unlock(&P.lock);
	return bits;
}

bool
api_parse_seal(const json_t *reply, struct api_seal *out, struct api_err *e)
{
	static const struct bfield spec[] = {
		{"der", BF_STRING, true, 4, API_SEAL_MAX, NULL}};

	memset(out, 0, sizeof *out);
	if (!api_checked(reply, spec, N(spec), "seal", e))
		return false;
	if (codec_base64_decode(json_string_value(json_object_get(reply, "der")),
				&out->der, &out->len) != 0)
		return api_garbage(e, "seal", "der: not base64");
	return true;
}
