/*
 * api_verify.c - identity verification (POST /v1/orders/{id}/verify,
 * PROTOCOL.md section 5): the call, its reply's shape, and the call as a
 * worker job for the verify step; and the unlock's order, made for a token
 * and confirmed with the customer's session (section 12).  See api.h.
 */
#include "api.h"
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"
#include "xmem.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const method_names[] = {
	[API_VERIFY_MOBILE] = "mobile",
	[API_VERIFY_BANK_CARD] = "bank_card",
	[API_VERIFY_TRANSFER] = "transfer",
};

bool
api_parse_verify(const json_t *reply, struct api_verify *out, struct api_err *e)
{
	static const char *const states[] = {"verified", "pending", NULL};
	static const struct bfield spec[] = {
		{"state", BF_ENUM, true, 0, 0, states},
		{"amount", BF_INT, false, 1, 100000, NULL},
		{"account_masked", BF_STRING, false, 1, 39, NULL},
	};
	const char *state;

	memset(out, 0, sizeof *out);
	if (!api_checked(reply, spec, N(spec), "verify", e))
		return false;
	state = json_string_value(json_object_get(reply, "state"));
	out->verified = strcmp(state, "verified") == 0;
	out->pending = !out->verified;
	if (out->pending) {
		/* A transfer was made: what and where is said to the customer. */
		if (json_object_get(reply, "amount") == NULL ||
		    json_object_get(reply, "account_masked") == NULL)
			return api_garbage(e, "verify",
					   "a pending transfer without "
					   "its amount or account");
		out->amount = (long)api_num(reply, "amount");
		api_text(reply, "account_masked", out->account_masked,
			 sizeof out->account_masked);
	}
	return true;
}

static bool
parse_verify(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_verify(reply, out, e);
}

bool
api_order_verify(const char *order_id, const struct api_verify_in *in, const char *idem,
		 struct job *job, struct api_verify *out, struct api_err *e)
{
	const char *member = in->method == API_VERIFY_MOBILE      ? "mobile"
			     : in->method == API_VERIFY_BANK_CARD ? "bank_card"
								  : "memo";
	const char *party = in->agent ? "agent" : in->unit ? "unit" : "person";
	json_t *body = json_pack("{s:s, s:s}", "party", party, "method",
				 method_names[in->method]);

	memset(out, 0, sizeof *out);
	if (in->value != NULL && in->value[0] != '\0')
		json_object_set_new(body, member, json_string(in->value));
	return api_request_as("POST", "/v1/orders/", order_id, "/verify", body, idem,
			      in->bearer, job, parse_verify, out, e);
}

static bool
parse_order(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_order(reply, out, e);
}

bool
api_unlock_order(bool unit, const char *subject_id, const char *token_serial,
		 const char *idem, const char *bearer, struct job *job,
		 struct api_order *out, struct api_err *e)
{
	memset(out, 0, sizeof *out);
	return api_request_as("POST", "/v1/orders", NULL, "",
			      json_pack("{s:s, s:s, s:s, s:s}", "kind", "unlock",
					"subject_type", unit ? "unit" : "person",
					"subject_id", subject_id, "token_serial",
					token_serial),
			      idem, bearer, job, parse_order, out, e);
}

bool
api_order_confirm_as(const char *order_id, const char *idem, const char *bearer,
		     struct job *job, struct api_order *out, struct api_err *e)
{
	memset(out, 0, sizeof *out);
	return api_request_as("POST", "/v1/orders/", order_id, "/confirm", NULL, idem,
			      bearer, job, parse_order, out, e);
}

/* ---- as a job ---------------------------------------------------------------- */

struct vjob {
	struct job job; /* first: a struct job * is a struct vjob * */
	char id[API_ID_MAX];
	bool unit, agent;
	enum api_verify_method method;
	char value[64]; /* the customer's mobile, card or memo: wiped */
	char idem[BACKEND_IDEM_KEY_LEN + 1];
	char bearer[API_SESSION_MAX];
	struct api_err err;
	struct api_verify out;
};

static void
vjob_run(struct job *job)
{
	struct vjob *v = (struct vjob *)job;
	struct api_verify_in in = {v->unit, v->method, v->value, v->agent,
				   v->bearer[0] != '\0' ? v->bearer : NULL};

	api_order_verify(v->id, &in, v->idem, job, &v->out, &v->err);
	secure_wipe(v->value, sizeof v->value);
}

static void
vjob_release(struct job *job)
{
	secure_wipe(job, sizeof(struct vjob));
	free(job);
}

struct job *
api_job_verify(const char *order_id, const struct api_verify_in *in, const char *idem)
{
	struct vjob *v = xcalloc(1, sizeof *v);

	job_init(&v->job, "backend verify", vjob_run, vjob_release);
	snprintf(v->id, sizeof v->id, "%s", order_id);
	v->unit = in->unit;
	v->agent = in->agent;
	if (in->bearer != NULL)
		snprintf(v->bearer, sizeof v->bearer, "%s", in->bearer);
	v->method = in->method;
	if (in->value != NULL)
		snprintf(v->value, sizeof v->value, "%s", in->value);
	snprintf(v->idem, sizeof v->idem, "%s", idem);
	v->err.err = BACKEND_CANCELLED;
	v->err.tries_left = -1;
	return &v->job;
}

const struct api_err *
api_job_verify_err(const struct job *job)
{
	return &((const struct vjob *)job)->err;
}

const struct api_verify *
api_job_verify_out(const struct job *job)
{
	return &((const struct vjob *)job)->out;
}
