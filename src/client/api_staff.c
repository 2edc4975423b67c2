/*
 * api_staff.c - counter staff's calls and the customer's call for staff
 * (PROTOCOL.md section 17, and the terminal's day of section 10), each
 * reply held against its shape, and each call as a worker job for the
 * staff screens and F12 (see api.h).
 */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"
#include "xmem.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define TIME_MAX (1LL << 40)
#define MONEY_MAX 100000000LL
/* One short attempt where a person waits for the answer (login, F12). */
#define QUICK_TIMEOUT_S 6

static bool
parse_login(const json_t *reply, void *out, struct api_err *e)
{
	static const struct bfield spec[] = {
		{"staff_no", BF_TOKEN, true, 1, API_STAFF_NO_MAX - 1, NULL},
		{"name", BF_STRING, true, 1, API_NAME_MAX - 1, NULL},
		{"session", BF_TOKEN, true, 16, API_SESSION_MAX - 1, NULL},
		{"lock_after", BF_INT, false, 1, 100, NULL},
		{"lock_minutes", BF_INT, false, 1, 100000, NULL},
	};
	struct api_staff_login *l = out;

	if (!api_checked(reply, spec, N(spec), "staff login", e))
		return false;
	api_text(reply, "staff_no", l->staff_no, sizeof l->staff_no);
	api_text(reply, "name", l->name, sizeof l->name);
	api_text(reply, "session", l->session, sizeof l->session);
	l->lock_after = (int)api_num(reply, "lock_after");
	l->lock_minutes = (int)api_num(reply, "lock_minutes");
	return true;
}

bool
api_staff_login(const char *staff_no, const char *pin, const char *idem, struct job *job,
		struct api_staff_login *out, struct api_err *e)
{
	struct backend_opts quick = {.timeout_s = QUICK_TIMEOUT_S, .attempts = 1};

	memset(out, 0, sizeof *out);
	return api_request_opts("POST", "/v1/staff/login", NULL, "",
				json_pack("{s:s, s:s}", "staff_no", staff_no, "pin", pin),
				idem, &quick, job, parse_login, out, e);
}

static bool
parse_none(const json_t *reply, void *out, struct api_err *e)
{
	(void)reply;
	(void)out;
	(void)e;
	return true;
}

static bool
parse_call_row(const json_t *c, struct api_call *out, struct api_err *e)
{
	static const struct bfield spec[] = {
		{"id", BF_INT, true, 1, 1LL << 40, NULL},
		{"terminal", BF_STRING, true, 1, 63, NULL},
		{"screen", BF_STRING, false, 1, 64, NULL},
		{"created", BF_INT, true, 1, TIME_MAX, NULL},
	};

	if (!api_checked(c, spec, N(spec), "call", e))
		return false;
	out->id = (long)api_num(c, "id");
	api_text(c, "terminal", out->terminal, sizeof out->terminal);
	/* text from the backend: sanitized like any */
	api_text(c, "screen", out->screen, sizeof out->screen);
	out->created = api_num(c, "created");
	return true;
}

static bool
parse_call(const json_t *reply, void *out, struct api_err *e)
{
	struct api_call *c = out;

	if (!parse_call_row(json_object_get(reply, "call"), c, e))
		return false;
	c->again = json_is_true(json_object_get(reply, "again"));
	return true;
}

bool
api_parse_calls(const json_t *reply, struct api_calls *out, struct api_err *e)
{
	static const struct bfield spec[] = {
		{"calls", BF_ARRAY, true, 0, 100, NULL},
	};
	const json_t *c;
	size_t i;

	memset(out, 0, sizeof *out);
	if (!api_checked(reply, spec, N(spec), "calls", e))
		return false;
	json_array_foreach(json_object_get(reply, "calls"), i, c)
	{
		if (out->n == API_CALLS_MAX)
			break;
		if (!parse_call_row(c, &out->calls[out->n++], e))
			return false;
	}
	return true;
}

static bool
parse_calls(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_calls(reply, out, e);
}

bool
api_parse_day(const json_t *reply, struct api_day *out, struct api_err *e)
{
	static const struct bfield top[] = {
		{"orders", BF_ARRAY, true, 0, 500, NULL},
		{"totals", BF_ARRAY, false, 0, 50, NULL},
		{"paid_total", BF_INT, true, 0, MONEY_MAX * 1000, NULL},
	};
	static const struct bfield row[] = {
		{"id", BF_TOKEN, true, 1, API_ID_MAX - 1, NULL},
		{"kind", BF_ENUM, true, 0, 0, api_order_kinds},
		{"state", BF_ENUM, true, 0, 0, api_order_states},
		{"price", BF_INT, true, 0, MONEY_MAX, NULL},
		{"created", BF_INT, true, 1, TIME_MAX, NULL},
	};
	static const struct bfield total[] = {
		{"channel", BF_TOKEN, true, 1, 15, NULL},
		{"count", BF_INT, true, 0, 1000000, NULL},
		{"amount", BF_INT, true, 0, MONEY_MAX * 1000, NULL},
	};
	const json_t *r;
	size_t i;

	memset(out, 0, sizeof *out);
	if (!api_checked(reply, top, N(top), "terminal orders", e))
		return false;
	json_array_foreach(json_object_get(reply, "orders"), i, r)
	{
		if (out->n == API_DAY_MAX)
			break;
		if (!api_checked(r, row, N(row), "terminal orders[]", e))
			return false;
		api_text(r, "id", out->orders[out->n].id, sizeof out->orders[0].id);
		api_text(r, "kind", out->orders[out->n].kind, sizeof out->orders[0].kind);
		api_text(r, "state", out->orders[out->n].state,
			 sizeof out->orders[0].state);
		if (json_is_string(json_object_get(r, "channel")))
			api_text(r, "channel", out->orders[out->n].channel,
				 sizeof out->orders[0].channel);
		out->orders[out->n].price = (long)api_num(r, "price");
		out->orders[out->n].created = api_num(r, "created");
		out->n++;
	}
	json_array_foreach(json_object_get(reply, "totals"), i, r)
	{
		if (out->ntotals == API_CHANNELS_MAX)
			break;
		if (!api_checked(r, total, N(total), "terminal totals[]", e))
			return false;
		api_text(r, "channel", out->totals[out->ntotals].channel,
			 sizeof out->totals[0].channel);
		out->totals[out->ntotals].count = (long)api_num(r, "count");
		out->totals[out->ntotals].amount = (long)api_num(r, "amount");
		out->ntotals++;
	}
	out->paid_total = (long)api_num(reply, "paid_total");
	return true;
}

static bool
parse_day(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_day(reply, out, e);
}

bool
api_parse_waiting(const json_t *reply, struct api_waiting *out, struct api_err *e)
{
	static const char *const kinds[] = {"apply", "reissue", NULL};
	static const char *const states[] = {"approved", "issued", NULL};
	static const char *const types[] = {"unit", "person", NULL};
	static const struct bfield top[] = {
		{"orders", BF_ARRAY, true, 0, 500, NULL},
	};
	static const struct bfield row[] = {
		{"id", BF_TOKEN, true, 1, API_ID_MAX - 1, NULL},
		{"kind", BF_ENUM, true, 0, 0, kinds},
		{"state", BF_ENUM, true, 0, 0, states},
		{"subject_type", BF_ENUM, true, 0, 0, types},
		{"name", BF_STRING, false, 0, 512, NULL},
		{"subject_id_masked", BF_STRING, true, 1, 39, NULL},
		{"approved", BF_INT, true, 1, TIME_MAX, NULL},
	};
	const json_t *r;
	size_t i;
	char st[16];

	memset(out, 0, sizeof *out);
	if (!api_checked(reply, top, N(top), "waiting orders", e))
		return false;
	json_array_foreach(json_object_get(reply, "orders"), i, r)
	{
		if (out->n == API_WAITING_MAX)
			break;
		if (!api_checked(r, row, N(row), "waiting orders[]", e))
			return false;
		api_text(r, "id", out->orders[out->n].id, sizeof out->orders[0].id);
		api_text(r, "kind", out->orders[out->n].kind, sizeof out->orders[0].kind);
		api_text(r, "state", out->orders[out->n].state,
			 sizeof out->orders[0].state);
		api_text(r, "subject_type", st, sizeof st);
		out->orders[out->n].unit = strcmp(st, "unit") == 0;
		api_text(r, "name", out->orders[out->n].name, sizeof out->orders[0].name);
		api_text(r, "subject_id_masked", out->orders[out->n].id_masked,
			 sizeof out->orders[0].id_masked);
		out->orders[out->n].approved = api_num(r, "approved");
		out->n++;
	}
	return true;
}

static bool
parse_waiting(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_waiting(reply, out, e);
}

/* ---- as a worker job ---------------------------------------------------- */

struct sjob {
	struct job job; /* first: a struct job * is a struct sjob * */
	enum api_staff_op op;
	char session[API_SESSION_MAX];
	char a[80], b[80]; /* the action; the screen */
	long id;
	char idem[BACKEND_IDEM_KEY_LEN + 1];
	struct api_err err;
	struct api_call call;
	struct api_calls *calls; /* large: their own blocks */
	struct api_day *day;
	struct api_waiting *waiting;
};

static void
sjob_run(struct job *job)
{
	struct sjob *s = (struct sjob *)job;
	struct backend_opts quick = {.timeout_s = QUICK_TIMEOUT_S, .attempts = 1};
	struct backend_opts as = {.bearer = s->session[0] != '\0' ? s->session : NULL};
	/* What staff wait on (a release, closing, logging out): one short try. */
	struct backend_opts quick_as = {
		.timeout_s = QUICK_TIMEOUT_S, .attempts = 1, .bearer = as.bearer};
	char id[24];

	switch (s->op) {
	case API_STAFF_LOGOUT:
		api_request_opts("POST", "/v1/staff/logout", NULL, "", json_object(),
				 s->idem, &quick_as, job, parse_none, NULL, &s->err);
		break;
	case API_STAFF_ACTION:
		api_request_opts("POST", "/v1/staff/actions", NULL, "",
				 json_pack("{s:s}", "action", s->a), s->idem, &quick_as,
				 job, parse_none, NULL, &s->err);
		break;
	case API_STAFF_CALL:
		api_request_opts("POST", "/v1/calls", NULL, "",
				 json_pack("{s:s}", "screen", s->a), s->idem, &quick, job,
				 parse_call, &s->call, &s->err);
		break;
	case API_STAFF_CALLS:
		api_request_opts("GET", "/v1/calls", NULL, "", NULL, NULL, &as, job,
				 parse_calls, s->calls, &s->err);
		break;
	case API_STAFF_CLOSE:
		snprintf(id, sizeof id, "%ld", s->id);
		api_request_opts("POST", "/v1/calls/", id, "/close", json_object(),
				 s->idem, &as, job, parse_none, NULL, &s->err);
		break;
	case API_STAFF_DAY:
		api_request_opts("GET", "/v1/terminal/orders", NULL, "", NULL, NULL, &as,
				 job, parse_day, s->day, &s->err);
		break;
	case API_STAFF_WAITING:
		api_request_opts("GET", "/v1/staff/orders", NULL, "", NULL, NULL, &as,
				 job, parse_waiting, s->waiting, &s->err);
		break;
	}
}

static void
sjob_release(struct job *job)
{
	struct sjob *s = (struct sjob *)job;

	free(s->calls);
	free(s->day);
	free(s->waiting);
	secure_wipe(s, sizeof *s);
	free(s);
}

struct job *
api_job_staff(enum api_staff_op op, const char *session, const char *a, const char *b,
	      long id)
{
	struct sjob *s = xcalloc(1, sizeof *s);

	job_init(&s->job, "staff", sjob_run, sjob_release);
	s->op = op;
	snprintf(s->session, sizeof s->session, "%s", session != NULL ? session : "");
	snprintf(s->a, sizeof s->a, "%s", a != NULL ? a : "");
	snprintf(s->b, sizeof s->b, "%s", b != NULL ? b : "");
	s->id = id;
	backend_new_key(s->idem);
	s->err.err = BACKEND_CANCELLED;
	s->err.tries_left = -1;
	if (op == API_STAFF_CALLS)
		s->calls = xcalloc(1, sizeof *s->calls);
	if (op == API_STAFF_DAY)
		s->day = xcalloc(1, sizeof *s->day);
	if (op == API_STAFF_WAITING)
		s->waiting = xcalloc(1, sizeof *s->waiting);
	return &s->job;
}

const struct api_err *
api_job_staff_err(const struct job *job)
{
	return &((const struct sjob *)job)->err;
}

const struct api_call *
api_job_staff_call(const struct job *job)
{
	return &((const struct sjob *)job)->call;
}

const struct api_calls *
api_job_staff_calls(const struct job *job)
{
	return ((const struct sjob *)job)->calls;
}

const struct api_day *
api_job_staff_day(const struct job *job)
{
	return ((const struct sjob *)job)->day;
}

const struct api_waiting *
api_job_staff_waiting(const struct job *job)
{
	return ((const struct sjob *)job)->waiting;
}
