/*
 * change.c - the change of details' own calls (see change.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "backend.h"
#include "change.h"
#include "codec.h"
#include "i18n.h"
#include "log.h"
#include "renew.h"
#include "renew_int.h"
#include "session.h"
#include "worker.h"
#include "xmem.h"

/*
 * One call to the backend.  The job holds its own copy of what it sends
 * (the customer's number, session and certificate), wiped on release.
 */
struct call_job {
	struct job job;
	enum change_call call;
	bool unit;
	char subject_id[SESSION_SUBJECT_MAX];
	char email[FORM_VALUE_MAX];
	char order_id[PAY_ORDER_ID_MAX];
	char idem[BACKEND_IDEM_KEY_LEN + 1];
	char bearer[SESSION_SMS_MAX];
	char *pem;
	struct api_subject record;
	struct api_order order;
	struct api_err err;
};

static void
call_run(struct job *job)
{
	struct call_job *c = (struct call_job *)job;
	struct api_order_new in;

	switch (c->call) {
	case CC_RECORD:
		api_registry_get(c->unit, c->subject_id, job, &c->record, &c->err);
		break;
	case CC_ORDER:
		/* No new name in the form: the backend takes the registered one. */
		in = (struct api_order_new){
			.kind = "change",
			.unit = c->unit,
			.subject_id = c->subject_id,
			.term_years = 1,
			.email = c->email,
			.certificate = c->pem,
			.bearer = c->bearer,
		};
		api_order_create(&in, c->idem, job, &c->order, &c->err);
		break;
	case CC_CONFIRM:
		api_order_confirm_as(c->order_id, c->idem, c->bearer, job, &c->order,
				     &c->err);
		break;
	case CC_STATUS:
		api_order_get(c->order_id, c->bearer, job, &c->order, &c->err);
		break;
	}
}

static void
call_release(struct job *job)
{
	struct call_job *c = (struct call_job *)job;

	wipe_free(c->pem);
	wipe_free(c);
}

struct job *
change_job(enum change_call call)
{
	static const char *const names[] = {"change-record", "change-order",
					    "change-confirm", "change-status"};
	struct call_job *c = xcalloc(1, sizeof *c);
	const struct renew_cert *rc = renew_cert();

	job_init(&c->job, names[call], call_run, call_release);
	c->call = call;
	c->unit = S.unit;
	if (rc != NULL) {
		snprintf(c->subject_id, sizeof c->subject_id, "%.*s",
			 (int)sizeof c->subject_id - 1, rc->subject_serial);
		c->pem = codec_pem_encode("CERTIFICATE", rc->der, rc->der_len);
	}
	snprintf(c->email, sizeof c->email, "%s", R.reg_email);
	snprintf(c->order_id, sizeof c->order_id, "%s", S.order_id);
	snprintf(c->bearer, sizeof c->bearer, "%s", S.sms_session);
	if (S.idem_order[0] == '\0')
		backend_new_key(S.idem_order);
	if (S.idem_confirm[0] == '\0')
		backend_new_key(S.idem_confirm);
	/* The same request again after a failure keeps its key. */
	memcpy(c->idem, call == CC_CONFIRM ? S.idem_confirm : S.idem_order,
	       sizeof c->idem);
	c->err.err = BACKEND_CANCELLED;
	return &c->job;
}

const char *
change_stage(const struct job *job)
{
	switch (((const struct call_job *)job)->call) {
	case CC_RECORD:
		return N_("Reading the registration record...");
	case CC_ORDER:
		return N_("Placing the order...");
	case CC_CONFIRM:
		return N_("Sending the application...");
	case CC_STATUS:
		break;
	}
	return N_("Asking how the review stands...");
}

bool
change_nothing(void)
{
	const struct renew_cert *c = renew_cert();

	return c == NULL || strcmp(c->cn, R.reg_name) == 0;
}

bool
change_approved(void)
{
	return strcmp(R.state, "approved") == 0;
}

static const char *
refusal(const struct call_job *c, bool *dead)
{
	if (c->err.err == BACKEND_REFUSED && session_sms_lost(c->err.code))
		return N_("The SMS code's session has run out. Please ask for a new "
			  "code.");
	if (api_refused(&c->err, "nothing_to_change")) {
		*dead = true;
		return N_("The registration record still holds the name on the "
			  "certificate, so there is nothing to change. Change it on "
			  "the registration platform first, then come back.");
	}
	if (api_refused(&c->err, "documents_missing"))
		return N_("Some documents are still missing. Please go back and "
			  "upload them.");
	if (api_refused(&c->err, "unknown_subject") ||
	    api_refused(&c->err, "unknown_certificate")) {
		*dead = true;
		return N_("The registration platform has no record of this "
			  "certificate's owner. Please ask the staff.");
	}
	return api_reason(&c->err);
}

const char *
change_result(struct job *job, bool *dead)
{
	struct call_job *c = (struct call_job *)job;

	*dead = false;
	if (c->err.err != BACKEND_OK)
		return refusal(c, dead);
	switch (c->call) {
	case CC_RECORD:
		snprintf(R.reg_name, sizeof R.reg_name, "%s", c->record.name);
		snprintf(R.reg_email, sizeof R.reg_email, "%s", c->record.email);
		snprintf(S.subject_id, sizeof S.subject_id, "%s", c->subject_id);
		snprintf(S.subject_name, sizeof S.subject_name, "%s", c->record.name);
		S.unit = c->unit;
		break;
	case CC_ORDER:
		snprintf(S.order_id, sizeof S.order_id, "%s", c->order.id);
		S.price = c->order.price;
		log_info("change: order %s made (draft)", S.order_id);
		break;
	case CC_CONFIRM:
		S.price = c->order.price;
		log_info("change: order %s confirmed", S.order_id);
		break;
	case CC_STATUS:
		snprintf(R.state, sizeof R.state, "%.*s", (int)sizeof R.state - 1,
			 c->order.state);
		snprintf(R.invoice_url, sizeof R.invoice_url, "%s", c->order.invoice_url);
		log_info("change: order %s %s", S.order_id, R.state);
		break;
	}
	return NULL;
}
