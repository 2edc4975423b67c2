/*
 * api.c - the protocol's paths and reply shapes, over backend.c's
 * transport (see api.h).
 */
#include "api.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "codec.h"
#include "i18n.h"
#include "linkstate.h"
#include "log.h"
#include "text.h"
#include "worker.h"
#include "xmem.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define TIME_MAX (1LL << 40) /* year 36812: anything later is nonsense */
#define MONEY_MAX 100000000  /* one million CNY in fen */
#define HEALTH_TIMEOUT_S 4

/* ---- errors and the status line ----------------------------------------- */

const char *
api_reason(const struct api_err *e)
{
	if (e->err == BACKEND_REFUSED && strcmp(e->code, "not_eligible") == 0)
		return N_("The service centre says this certificate cannot be renewed "
			  "now.");
	if (e->err == BACKEND_REFUSED && strcmp(e->code, "client_cert_required") == 0)
		return N_("The service centre does not accept this kiosk's certificate. "
			  "Please ask the staff.");
	return backend_err_reason(e->err, e->code);
}

bool
api_refused(const struct api_err *e, const char *code)
{
	return e->err == BACKEND_REFUSED && strcmp(e->code, code) == 0;
}

/* What a finished call says about the backend. */
static void
report(const struct api_err *e)
{
	switch (e->err) {
	case BACKEND_CANCELLED:
		return;
	case BACKEND_UNREACHABLE:
	case BACKEND_TIMEOUT:
		link_report(LINK_DOWN);
		return;
	case BACKEND_TLS:
		link_report(LINK_UNTRUSTED);
		return;
	case BACKEND_CONFIG:
		link_report(LINK_CONFIG);
		return;
	case BACKEND_REFUSED:
		if (strcmp(e->code, "client_cert_required") == 0) {
			long long end = backend_cert_not_after();

			link_report(end != 0 && end <= (long long)time(NULL)
					    ? LINK_CERT_EXPIRED
					    : LINK_CERT_REFUSED);
			return;
		}
		break;
	case BACKEND_OK:
	case BACKEND_SERVER:
	case BACKEND_GARBAGE:
		break;
	}
	/* It answered over a connection it accepted. */
	link_report(LINK_UP);
}

static bool
garbage(struct api_err *e, const char *what, const char *why)
{
	e->err = BACKEND_GARBAGE;
	snprintf(e->why, sizeof e->why, "%s: %s", what, why);
	log_warn("backend reply refused: %s", e->why);
	return false;
}

/* A member of obj (checked already) into buf, sanitized and cut. */
static void
str(const json_t *obj, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(obj, key);

	buf[0] = '\0';
	if (json_is_string(v)) {
		char *s = text_sanitize(json_string_value(v), json_string_length(v),
					len - 1, 0);

		snprintf(buf, len, "%s", s);
		free(s);
	}
}

static long long
num(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

static bool
checked(const json_t *obj, const struct bfield *spec, size_t n, const char *what,
	struct api_err *e)
{
	char why[128];

	if (backend_check(obj, spec, n, why, sizeof why))
		return true;
	return garbage(e, what, why);
}

/* An id going into a path: the same rule as a reply's ids. */
static bool
path_id(const char *id, struct api_err *e)
{
	static const struct bfield spec[] = {{"id", BF_TOKEN, true, 1, API_ID_MAX - 1, NULL}};
	json_t *o = json_pack("{s:s}", "id", id != NULL ? id : "");
	char why[128];
	bool ok = o != NULL && backend_check(o, spec, 1, why, sizeof why);

	json_decref(o);
	if (!ok) {
		e->err = BACKEND_CONFIG;
		snprintf(e->why, sizeof e->why, "not an id for a path");
		log_warn("backend call not made: an id that cannot go into a path");
	}
	return ok;
}

/* One call: the transport, the error body, the status line. */
static bool
call(const char *method, const char *path, const json_t *body, const char *idem,
     struct job *job, const struct backend_opts *opts, struct backend_reply *rep,
     struct api_err *e)
{
	memset(e, 0, sizeof *e);
	e->err = backend_call_opts(method, path, body, idem, job, opts, rep);
	e->status = rep->status;
	snprintf(e->code, sizeof e->code, "%s", rep->code);
	if (e->err == BACKEND_REFUSED) {
		const json_t *err = json_object_get(rep->json, "error");

		str(err, "state", e->state, sizeof e->state);
		str(err, "reason", e->reason, sizeof e->reason);
	}
	report(e);
	log_info("backend %s %s: %s (%ld %s)", method, path, backend_err_name(e->err),
		 rep->status, rep->code);
	return e->err == BACKEND_OK;
}

/* ---- shapes ----------------------------------------------------------------- */

static const char *const order_kinds[] = {"apply",   "renew",  "unlock",
					  "reissue", "change", NULL};
static const char *const order_states[] = {
	"draft",  "confirmed", "paid",       "under_review", "approved", "rejected",
	"issued", "installed", "cancelled", "made",         "posted",   "authorized",
	"completed", NULL};
static const char *const pay_states[] = {"pending", "paid", "expired", "cancelled",
					 NULL};

static const struct bfield order_spec[] = {
	{"id", BF_TOKEN, true, 1, API_ID_MAX - 1, NULL},
	{"kind", BF_ENUM, true, 0, 0, order_kinds},
	{"state", BF_ENUM, true, 0, 0, order_states},
	{"price", BF_INT, true, 0, MONEY_MAX, NULL},
	{"term_years", BF_INT, true, 1, 10, NULL},
	{"valid_from", BF_INT, false, 0, TIME_MAX, NULL},
	{"valid_to", BF_INT, false, 0, TIME_MAX, NULL},
	{"invoice_url", BF_URL, false, 9, API_URL_MAX - 1, NULL},
};

bool
api_parse_order(const json_t *reply, struct api_order *out, struct api_err *e)
{
	const json_t *o = json_object_get(reply, "order");

	memset(out, 0, sizeof *out);
	if (!checked(o, order_spec, N(order_spec), "order", e))
		return false;
	str(o, "id", out->id, sizeof out->id);
	str(o, "kind", out->kind, sizeof out->kind);
	str(o, "state", out->state, sizeof out->state);
	out->price = (long)num(o, "price");
	out->term_years = (int)num(o, "term_years");
	out->valid_from = num(o, "valid_from");
	out->valid_to = num(o, "valid_to");
	str(o, "invoice_url", out->invoice_url, sizeof out->invoice_url);
	return true;
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
	if (!checked(p, spec, N(spec), "payment", e))
		return false;
	str(p, "id", out->id, sizeof out->id);
	str(p, "code_url", out->code_url, sizeof out->code_url);
	out->amount = (long)num(p, "amount");
	out->expires = num(p, "expires");
	str(p, "state", st, sizeof st);
	out->state = strcmp(st, "paid") == 0	  ? PAY_PAID
		     : strcmp(st, "expired") == 0 ? PAY_EXPIRED
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
	if (!checked(o, spec, N(spec), "certificate", e))
		return false;
	if (num(o, "not_after") <= num(o, "not_before"))
		return garbage(e, "certificate", "ends before it starts");
	/* Never drawn, only parsed: kept as it came (newlines and all). */
	out->pem = xstrdup(json_string_value(json_object_get(o, pem_key)));
	str(o, "serial", out->serial, sizeof out->serial);
	str(o, "seal_id", out->seal_id, sizeof out->seal_id);
	out->not_before = num(o, "not_before");
	out->not_after = num(o, "not_after");
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
	api_issued_free(&c->pending_install);
	memset(c, 0, sizeof *c);
}

bool
api_parse_certificate(const json_t *reply, struct api_certificate *out,
		      struct api_err *e)
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
		{"kind", BF_ENUM, true, 0, 0, order_kinds},
		{"state", BF_ENUM, true, 0, 0, order_states},
	};
	static const struct bfield pending[] = {
		{"order_id", BF_TOKEN, true, 1, API_ID_MAX - 1, NULL},
	};
	const json_t *c = json_object_get(reply, "certificate"), *p;
	char st[16];

	api_certificate_free(out);
	if (!checked(c, spec, N(spec), "certificate", e))
		return false;
	str(c, "serial", out->serial, sizeof out->serial);
	str(c, "status", st, sizeof st);
	out->revoked = strcmp(st, "revoked") == 0;
	out->not_after = num(c, "not_after");
	if (json_is_object(p = json_object_get(c, "order"))) {
		if (!checked(p, order, N(order), "certificate.order", e))
			return false;
		out->has_order = true;
		str(p, "id", out->order_id, sizeof out->order_id);
		str(p, "kind", out->order_kind, sizeof out->order_kind);
		str(p, "state", out->order_state, sizeof out->order_state);
	}
	if (json_is_object(p = json_object_get(c, "pending_order"))) {
		if (!checked(p, pending, N(pending), "certificate.pending_order", e))
			return false;
		out->has_pending_order = true;
		str(p, "order_id", out->pending_order_id, sizeof out->pending_order_id);
	}
	if (json_is_object(p = json_object_get(c, "pending_install"))) {
		if (!checked(p, pending, N(pending), "certificate.pending_install", e) ||
		    !parse_issued(p, "pem", &out->pending_install, e))
			return false;
		out->has_pending_install = true;
		str(p, "order_id", out->pending_install_order,
		    sizeof out->pending_install_order);
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
	if (!checked(reply, spec, N(spec), "health", e))
		return false;
	str(reply, "version", out->version, sizeof out->version);
	out->protocol = (int)num(reply, "protocol");
	out->sandbox = json_is_true(json_object_get(reply, "sandbox"));
	out->time = num(reply, "time");
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
} P = {.lock = PTHREAD_MUTEX_INITIALIZER};

bool
api_parse_prices(const json_t *reply, struct api_err *e)
{
	static const char *const types[] = {"unit", "person", NULL};
	static const struct bfield top[] = {
		{"prices", BF_ARRAY, true, 1, API_PRICES_MAX, NULL},
	};
	static const struct bfield row[] = {
		{"kind", BF_ENUM, true, 0, 0, order_kinds},
		{"subject_type", BF_ENUM, true, 0, 0, types},
		{"term_years", BF_INT, true, 1, 10, NULL},
		{"price", BF_INT, true, 0, MONEY_MAX, NULL},
	};
	struct price rows[API_PRICES_MAX];
	const json_t *arr, *r;
	size_t i;

	if (!checked(reply, top, N(top), "prices", e))
		return false;
	arr = json_object_get(reply, "prices");
	json_array_foreach(arr, i, r) {
		char type[8];

		if (!checked(r, row, N(row), "prices[]", e))
			return false;
		str(r, "kind", rows[i].kind, sizeof rows[i].kind);
		str(r, "subject_type", type, sizeof type);
		rows[i].unit = strcmp(type, "unit") == 0;
		rows[i].term = (int)num(r, "term_years");
		rows[i].fen = (long)num(r, "price");
	}
	pthread_mutex_lock(&P.lock);
	memcpy(P.rows, rows, i * sizeof rows[0]);
	P.n = (int)i;
	pthread_mutex_unlock(&P.lock);
	return true;
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

/* ---- the calls ---------------------------------------------------------------- */

bool
api_health(struct job *job, struct api_health *out, struct api_err *e)
{
	static const struct backend_opts quick = {HEALTH_TIMEOUT_S, 1};
	struct backend_reply rep = {0};
	bool ok = call("GET", "/v1/health", NULL, NULL, job, &quick, &rep, e) &&
		  api_parse_health(rep.json, out, e);

	backend_reply_free(&rep);
	/* The health answer is public; the prices need this terminal's
	 * certificate, so an expired or revoked one shows here. */
	if (ok) {
		ok = call("GET", "/v1/prices", NULL, NULL, job, &quick, &rep, e) &&
		     api_parse_prices(rep.json, e);
		backend_reply_free(&rep);
	}
	return ok;
}

/* POST or GET path, then the reply's order. */
static bool
order_call(const char *method, const char *path, const json_t *body, const char *idem,
	   struct job *job, struct api_order *out, struct api_err *e)
{
	struct backend_reply rep = {0};
	bool ok = call(method, path, body, idem, job, NULL, &rep, e) &&
		  api_parse_order(rep.json, out, e);

	backend_reply_free(&rep);
	return ok;
}

bool
api_order_create(const struct api_order_new *in, const char *idem, struct job *job,
		 struct api_order *out, struct api_err *e)
{
	json_t *form = json_object(), *body;
	bool ok;

	if (in->email != NULL && in->email[0] != '\0')
		json_object_set_new(form, "email", json_string(in->email));
	if (in->mobile != NULL && in->mobile[0] != '\0')
		json_object_set_new(form, "mobile", json_string(in->mobile));
	if (in->contact_name != NULL && in->contact_name[0] != '\0')
		json_object_set_new(form, "contact_name", json_string(in->contact_name));
	body = json_pack("{s:s, s:s, s:s, s:i, s:o}", "kind", in->kind, "subject_type",
			 in->unit ? "unit" : "person", "subject_id", in->subject_id,
			 "term_years", in->term_years, "form", form);
	if (in->certificate != NULL)
		json_object_set_new(body, "certificate", json_string(in->certificate));
	ok = order_call("POST", "/v1/orders", body, idem, job, out, e);
	/* The body holds the customer's e-mail and mobile. */
	json_decref(body);
	return ok;
}

static bool
order_action(const char *order_id, const char *action, const char *idem,
	     struct job *job, struct api_order *out, struct api_err *e)
{
	char path[128];

	memset(out, 0, sizeof *out);
	if (!path_id(order_id, e))
		return false;
	snprintf(path, sizeof path, "/v1/orders/%s/%s", order_id, action);
	return order_call("POST", path, NULL, idem, job, out, e);
}

bool
api_order_confirm(const char *order_id, const char *idem, struct job *job,
		  struct api_order *out, struct api_err *e)
{
	return order_action(order_id, "confirm", idem, job, out, e);
}

bool
api_order_cancel(const char *order_id, const char *idem, struct job *job,
		 struct api_order *out, struct api_err *e)
{
	return order_action(order_id, "cancel", idem, job, out, e);
}

bool
api_order_installed(const char *order_id, const char *idem, struct job *job,
		    struct api_order *out, struct api_err *e)
{
	return order_action(order_id, "installed", idem, job, out, e);
}

bool
api_payment_create(const char *order_id, const char *channel, const char *idem,
		   struct job *job, struct api_payment *out, struct api_err *e)
{
	struct backend_reply rep = {0};
	char path[128];
	json_t *body;
	bool ok;

	memset(out, 0, sizeof *out);
	if (!path_id(order_id, e))
		return false;
	snprintf(path, sizeof path, "/v1/orders/%s/payments", order_id);
	body = json_pack("{s:s}", "channel", channel);
	ok = call("POST", path, body, idem, job, NULL, &rep, e) &&
	     api_parse_payment(rep.json, true, out, e);
	json_decref(body);
	backend_reply_free(&rep);
	return ok;
}

bool
api_payment_get(const char *payment_id, struct job *job, struct api_payment *out,
		struct api_err *e)
{
	struct backend_reply rep = {0};
	char path[128];
	bool ok;

	memset(out, 0, sizeof *out);
	if (!path_id(payment_id, e))
		return false;
	snprintf(path, sizeof path, "/v1/payments/%s", payment_id);
	ok = call("GET", path, NULL, NULL, job, NULL, &rep, e) &&
	     api_parse_payment(rep.json, false, out, e);
	backend_reply_free(&rep);
	return ok;
}

bool
api_certificate_get(const char *serial, struct job *job, struct api_certificate *out,
		    struct api_err *e)
{
	struct backend_reply rep = {0};
	char path[256];
	bool ok;

	memset(out, 0, sizeof *out);
	if (!path_id(serial, e))
		return false;
	snprintf(path, sizeof path, "/v1/certificates/%s", serial);
	ok = call("GET", path, NULL, NULL, job, NULL, &rep, e) &&
	     api_parse_certificate(rep.json, out, e);
	backend_reply_free(&rep);
	return ok;
}

bool
api_certificate_request(const char *order_id, const char *csr_pem, const char *proof,
			const char *idem, struct job *job, struct api_issued *out,
			struct api_err *e)
{
	struct backend_reply rep = {0};
	char path[128];
	json_t *body;
	bool ok;

	memset(out, 0, sizeof *out);
	if (!path_id(order_id, e))
		return false;
	snprintf(path, sizeof path, "/v1/orders/%s/certificate", order_id);
	body = json_pack("{s:s, s:s}", "csr", csr_pem, "proof", proof);
	ok = call("POST", path, body, idem, job, NULL, &rep, e) &&
	     api_parse_issued(rep.json, out, e);
	json_decref(body);
	backend_reply_free(&rep);
	return ok;
}

bool
api_seal_get(const char *seal_id, struct job *job, unsigned char **der, size_t *len,
	     struct api_err *e)
{
	static const struct bfield spec[] = {{"der", BF_STRING, true, 4, API_SEAL_MAX, NULL}};
	struct backend_reply rep = {0};
	char path[128];
	bool ok;

	*der = NULL;
	*len = 0;
	if (!path_id(seal_id, e))
		return false;
	snprintf(path, sizeof path, "/v1/seals/%s", seal_id);
	ok = call("GET", path, NULL, NULL, job, NULL, &rep, e) &&
	     checked(rep.json, spec, N(spec), "seal", e);
	if (ok && codec_base64_decode(json_string_value(json_object_get(rep.json, "der")),
				      der, len) != 0)
		ok = garbage(e, "seal", "der: not base64");
	backend_reply_free(&rep);
	return ok;
}

/* ---- one call as a job -------------------------------------------------------- */

enum ajob_kind { AJ_PAY_CREATE, AJ_PAY_GET, AJ_CANCEL };

struct ajob {
	struct job job; /* first: a struct job * is a struct ajob * */
	enum ajob_kind kind;
	char id[API_ID_MAX];
	char channel[16];
	char idem[BACKEND_IDEM_KEY_LEN + 1];
	struct api_err err;
	struct api_payment payment;
	struct api_order order;
};

static void
ajob_run(struct job *job)
{
	struct ajob *a = (struct ajob *)job;

	switch (a->kind) {
	case AJ_PAY_CREATE:
		api_payment_create(a->id, a->channel, a->idem, job, &a->payment, &a->err);
		break;
	case AJ_PAY_GET:
		api_payment_get(a->id, job, &a->payment, &a->err);
		break;
	case AJ_CANCEL:
		api_order_cancel(a->id, a->idem, job, &a->order, &a->err);
		break;
	}
}

static void
ajob_release(struct job *job)
{
	secure_wipe(job, sizeof(struct ajob));
	free(job);
}

static struct job *
ajob_new(enum ajob_kind kind, const char *id, const char *idem)
{
	struct ajob *a = xcalloc(1, sizeof *a);

	job_init(&a->job, "backend", ajob_run, ajob_release);
	a->kind = kind;
	snprintf(a->id, sizeof a->id, "%s", id);
	if (idem != NULL)
		snprintf(a->idem, sizeof a->idem, "%s", idem);
	a->err.err = BACKEND_CANCELLED;
	return &a->job;
}

struct job *
api_job_payment_create(const char *order_id, const char *channel, const char *idem)
{
	struct job *job = ajob_new(AJ_PAY_CREATE, order_id, idem);

	snprintf(((struct ajob *)job)->channel, sizeof((struct ajob *)job)->channel, "%s",
		 channel);
	return job;
}

struct job *
api_job_payment_get(const char *payment_id)
{
	return ajob_new(AJ_PAY_GET, payment_id, NULL);
}

struct job *
api_job_order_cancel(const char *order_id, const char *idem)
{
	return ajob_new(AJ_CANCEL, order_id, idem);
}

const struct api_err *
api_job_err(const struct job *job)
{
	return &((const struct ajob *)job)->err;
}

const struct api_payment *
api_job_payment(const struct job *job)
{
	return &((const struct ajob *)job)->payment;
}

const struct api_order *
api_job_order(const struct job *job)
{
	return &((const struct ajob *)job)->order;
}
