/*
 * api_job.c - one call of api.h as a worker job, for screens that hand a
 * call to the worker and read its result in job_done.  What the call takes
 * (ids, the code typed, the customer's session) is copied into the job and
 * wiped with it.
 */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"
#include "xmem.h"

enum ajob_kind {
	AJ_PAY_CREATE,
	AJ_PAY_GET,
	AJ_CANCEL,
	AJ_ORDER_GET,
	AJ_ORDER_VIEW,
	AJ_REGISTRY,
	AJ_SMS,
	AJ_SESSION,
	AJ_HISTORY
};

struct ajob {
	struct job job; /* first: a struct job * is a struct ajob * */
	enum ajob_kind kind;
	char id[API_ID_MAX];
	char channel[16];
	char idem[BACKEND_IDEM_KEY_LEN + 1];
	char bearer[API_SESSION_MAX];
	bool unit;
	char code[16];
	char purpose[16];
	char to[16];
	struct api_err err;
	struct api_payment payment;
	struct api_order order;
	struct api_subject subject;
	struct api_sms sms;
	struct api_session session;
	struct api_history *history; /* AJ_HISTORY: large, its own block */
};

static void
ajob_run(struct job *job)
{
	struct ajob *a = (struct ajob *)job;

	switch (a->kind) {
	case AJ_PAY_CREATE:
		api_payment_create(a->id, a->channel, a->idem, a->bearer, job,
				   &a->payment, &a->err);
		break;
	case AJ_PAY_GET:
		api_payment_get(a->id, a->bearer, job, &a->payment, &a->err);
		break;
	case AJ_CANCEL:
		api_order_cancel(a->id, a->idem, a->bearer, job, &a->order, &a->err);
		break;
	case AJ_ORDER_GET:
		api_order_get(a->id, a->bearer, job, &a->order, &a->err);
		break;
	case AJ_ORDER_VIEW:
		if (api_order_get(a->id, a->bearer, job, &a->order, &a->err)) {
			struct api_err ignored;

			/* Without it the order is shown all the same. */
			api_order_status_link(a->id, a->idem, a->bearer, job,
					      a->order.status_url, &ignored);
		}
		break;
	case AJ_REGISTRY:
		api_registry_get(a->unit, a->id, job, &a->subject, &a->err);
		break;
	case AJ_SMS:
		api_sms_send(a->unit, a->id, a->purpose, a->to, a->idem, job, &a->sms,
			     &a->err);
		break;
	case AJ_SESSION:
		api_session_create(a->unit, a->id, a->code, a->idem, job, &a->session,
				   &a->err);
		break;
	case AJ_HISTORY:
		api_history_get(a->unit, a->id, a->bearer, job, a->history, &a->err);
		break;
	}
}

static void
ajob_release(struct job *job)
{
	struct ajob *a = (struct ajob *)job;

	if (a->history != NULL) {
		secure_wipe(a->history, sizeof *a->history);
		free(a->history);
	}
	secure_wipe(a, sizeof *a);
	free(a);
}

static struct ajob *
ajob_new(enum ajob_kind kind, const char *id, const char *idem, const char *bearer)
{
	struct ajob *a = xcalloc(1, sizeof *a);

	job_init(&a->job, "backend", ajob_run, ajob_release);
	a->kind = kind;
	snprintf(a->id, sizeof a->id, "%s", id != NULL ? id : "");
	if (idem != NULL)
		snprintf(a->idem, sizeof a->idem, "%s", idem);
	if (bearer != NULL)
		snprintf(a->bearer, sizeof a->bearer, "%s", bearer);
	a->err.err = BACKEND_CANCELLED;
	a->err.tries_left = -1;
	return a;
}

struct job *
api_job_payment_create(const char *order_id, const char *channel, const char *idem,
		       const char *bearer)
{
	struct ajob *a = ajob_new(AJ_PAY_CREATE, order_id, idem, bearer);

	snprintf(a->channel, sizeof a->channel, "%s", channel);
	return &a->job;
}

struct job *
api_job_payment_get(const char *payment_id, const char *bearer)
{
	return &ajob_new(AJ_PAY_GET, payment_id, NULL, bearer)->job;
}

struct job *
api_job_order_cancel(const char *order_id, const char *idem, const char *bearer)
{
	return &ajob_new(AJ_CANCEL, order_id, idem, bearer)->job;
}

struct job *
api_job_order_get(const char *order_id, const char *bearer)
{
	return &ajob_new(AJ_ORDER_GET, order_id, NULL, bearer)->job;
}

struct job *
api_job_order_view(const char *order_id, const char *bearer)
{
	char idem[BACKEND_IDEM_KEY_LEN + 1];

	backend_new_key(idem);
	return &ajob_new(AJ_ORDER_VIEW, order_id, idem, bearer)->job;
}

struct job *
api_job_registry(bool unit, const char *id)
{
	struct ajob *a = ajob_new(AJ_REGISTRY, id, NULL, NULL);

	a->unit = unit;
	return &a->job;
}

struct job *
api_job_sms(bool unit, const char *id, const char *purpose, const char *to,
	    const char *idem)
{
	struct ajob *a = ajob_new(AJ_SMS, id, idem, NULL);

	a->unit = unit;
	snprintf(a->purpose, sizeof a->purpose, "%s", purpose != NULL ? purpose : "");
	snprintf(a->to, sizeof a->to, "%s", to != NULL ? to : "");
	return &a->job;
}

struct job *
api_job_session(bool unit, const char *id, const char *code, const char *idem)
{
	struct ajob *a = ajob_new(AJ_SESSION, id, idem, NULL);

	a->unit = unit;
	snprintf(a->code, sizeof a->code, "%s", code);
	return &a->job;
}

struct job *
api_job_history(bool unit, const char *id, const char *bearer)
{
	struct ajob *a = ajob_new(AJ_HISTORY, id, NULL, bearer);

	a->unit = unit;
	a->history = xcalloc(1, sizeof *a->history);
	return &a->job;
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

const struct api_subject *
api_job_subject(const struct job *job)
{
	return &((const struct ajob *)job)->subject;
}

const struct api_sms *
api_job_sms_sent(const struct job *job)
{
	return &((const struct ajob *)job)->sms;
}

const struct api_session *
api_job_session_made(const struct job *job)
{
	return &((const struct ajob *)job)->session;
}

const struct api_history *
api_job_history_got(const struct job *job)
{
	return ((const struct ajob *)job)->history;
}
