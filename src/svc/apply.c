/*
 * apply.c - the application's state and its worker jobs (see apply.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "apply.h"
#include "backend.h"
#include "i18n.h"
#include "log.h"
#include "service.h"
#include "session.h"
#include "worker.h"
#include "xmem.h"

#define A (*apply_get())
#define S (*session_get())

struct apply *
apply_get(void)
{
	return session_part(SVC_APPLY, sizeof(struct apply), NULL);
}

void
apply_address(char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", A.region, A.street);
}

const char *
apply_kind(void)
{
	return A.reissue ? "reissue" : "apply";
}

void
apply_new_order(void)
{
	backend_new_key(S.idem_order);
	backend_new_key(S.idem_confirm);
	S.order_id[0] = '\0';
	A.verified[0] = A.verified[1] = 0;
	A.before[0] = A.before[1] = false;
}

/* A record that is another subject's than the one kept: what was typed for
 * that one goes. */
static bool
other_subject(bool unit, const char *id)
{
	return !A.have_record || A.record.unit != unit || strcmp(A.record.id, id) != 0;
}

void
apply_take_order(const struct api_order *o)
{
	const struct api_order_form *f = &o->form;
	size_t n = strlen(f->region);

	if (other_subject(S.unit, S.subject_id))
		secure_wipe(apply_get(), sizeof(struct apply));
	/* The customer Order query identified: the record's name as registered. */
	A.record.unit = S.unit;
	snprintf(A.record.id, sizeof A.record.id, "%.*s", (int)sizeof A.record.id - 1,
		 S.subject_id);
	snprintf(A.record.name, sizeof A.record.name, "%s", S.subject_name);
	A.have_record = true;
	snprintf(A.recipient, sizeof A.recipient, "%s", f->contact_name);
	snprintf(A.mobile, sizeof A.mobile, "%s", f->mobile);
	snprintf(A.postcode, sizeof A.postcode, "%s", f->postcode);
	snprintf(A.email, sizeof A.email, "%s", f->email);
	/* The region as typed starts the address; without it (an order of an
	 * older kiosk) the whole address is the street. */
	if (n > 0 && strncmp(f->address, f->region, n) == 0) {
		snprintf(A.region, sizeof A.region, "%s", f->region);
	} else {
		A.region[0] = '\0';
	}
	/* (the backend holds at most 200 bytes of address) */
	snprintf(A.street, sizeof A.street, "%.*s", (int)sizeof A.street - 1,
		 f->address + n);
	A.term = o->term_years;
	A.form_filled = true;
	A.verified[0] = A.verified[1] = 0;
	A.before[0] = A.before[1] = false;
}

void
apply_take_record(const struct api_subject *rec)
{
	if (other_subject(rec->unit, rec->id)) {
		/* Another customer: nothing typed for the one before stays. */
		secure_wipe(apply_get(), sizeof(struct apply));
		apply_new_order();
	}
	A.record = *rec;
	A.have_record = true;
}

/* The address as two fields: up to the district (区/县) or city, and the
 * street.  An address that cannot be split stays whole in the street. */
static void
split_address(const char *addr)
{
	static const char *const ends[] = {"区", "县", "市"};
	const char *cut = NULL;

	for (size_t i = 0; i < sizeof ends / sizeof ends[0] && cut == NULL; i++) {
		const char *p = strstr(addr, ends[i]);

		if (p != NULL && p[strlen(ends[i])] != '\0')
			cut = p + strlen(ends[i]);
	}
	if (cut == NULL) {
		A.region[0] = '\0';
		snprintf(A.street, sizeof A.street, "%s", addr);
		return;
	}
	snprintf(A.region, sizeof A.region, "%.*s", (int)(cut - addr), addr);
	snprintf(A.street, sizeof A.street, "%s", cut);
}

void
apply_reissue(const struct api_cert_row *c, bool damaged)
{
	bool other = !A.reissue || strcmp(A.old_serial, c->serial) != 0;

	if (!other && A.damaged == damaged)
		return; /* back and on again: the same order */
	A.reissue = true;
	A.damaged = damaged;
	apply_new_order();
	if (!other)
		return;
	snprintf(A.old_serial, sizeof A.old_serial, "%s", c->serial);
	snprintf(A.old_token, sizeof A.old_token, "%s", c->token_serial);
	A.old_not_after = c->not_after;
	/* 系统默认读出原证书信息: what the old certificate was ordered with. */
	snprintf(A.recipient, sizeof A.recipient, "%s",
		 c->contact[0] != '\0' ? c->contact : A.record.name);
	snprintf(A.mobile, sizeof A.mobile, "%s", c->mobile);
	split_address(c->address[0] != '\0' ? c->address : A.record.address);
	snprintf(A.postcode, sizeof A.postcode, "%s",
		 c->postcode[0] != '\0' ? c->postcode : A.record.postcode);
	snprintf(A.email, sizeof A.email, "%s",
		 c->email[0] != '\0' ? c->email : A.record.email);
	A.form_filled = true;
}

/*
 * One call of the application to the backend: the registration record,
 * the order (确认订单), or the confirmation of the application (确认申请).
 * The job holds its own copy of what it sends: the customer's record,
 * address and order, wiped when it is released.
 */
struct call_job {
	struct job job;
	enum apply_call call;
	struct api_order_new in;
	char subject_id[SESSION_SUBJECT_MAX];
	char email[FORM_VALUE_MAX], mobile[FORM_VALUE_MAX], contact[FORM_VALUE_MAX];
	char address[2 * FORM_VALUE_MAX], postcode[FORM_VALUE_MAX];
	char region[FORM_VALUE_MAX];
	char order_id[PAY_ORDER_ID_MAX];
	char old_serial[API_SERIAL_MAX];
	char idem[BACKEND_IDEM_KEY_LEN + 1];
	char bearer[SESSION_SMS_MAX];
	struct api_order order;
	struct api_err err;
};

static void
call_run(struct job *job)
{
	struct call_job *c = (struct call_job *)job;

	switch (c->call) {
	case AC_ORDER:
		api_order_create(&c->in, c->idem, job, &c->order, &c->err);
		break;
	case AC_CONFIRM:
		/* The agent's / applicant's SMS code confirms the application. */
		api_order_confirm_as(c->order_id, c->idem, c->bearer, job, &c->order,
				     &c->err);
		break;
	case AC_STATUS:
		if (api_order_get(c->order_id, c->bearer[0] != '\0' ? c->bearer : NULL,
				  job, &c->order, &c->err)) {
			struct api_err ignored;

			/* The done page's QR code; without it, the e-invoice's. */
			backend_new_key(c->idem);
			api_order_status_link(c->order_id, c->idem,
					      c->bearer[0] != '\0' ? c->bearer : NULL,
					      job, c->order.status_url, &ignored);
		}
		break;
	}
}

static void
call_release(struct job *job)
{
	wipe_free(job);
}

struct job *
apply_job(enum apply_call call)
{
	static const char *const names[] = {"apply-order", "apply-confirm",
					    "apply-status"};
	struct call_job *c = xcalloc(1, sizeof *c);

	job_init(&c->job, names[call], call_run, call_release);
	c->call = call;
	snprintf(c->subject_id, sizeof c->subject_id, "%s", S.subject_id);
	snprintf(c->email, sizeof c->email, "%s", A.email);
	snprintf(c->mobile, sizeof c->mobile, "%s", A.mobile);
	snprintf(c->contact, sizeof c->contact, "%s", A.recipient);
	apply_address(c->address, sizeof c->address);
	snprintf(c->postcode, sizeof c->postcode, "%s", A.postcode);
	snprintf(c->region, sizeof c->region, "%s", A.region);
	snprintf(c->order_id, sizeof c->order_id, "%s", S.order_id);
	snprintf(c->bearer, sizeof c->bearer, "%s", S.sms_session);
	snprintf(c->old_serial, sizeof c->old_serial, "%s", A.old_serial);
	c->in = (struct api_order_new){
		.kind = apply_kind(),
		.old_serial = A.reissue ? c->old_serial : NULL,
		.reason = !A.reissue  ? NULL
			  : A.damaged ? "damaged"
				      : "lost",
		.bearer = A.reissue ? c->bearer : NULL,
		.unit = S.unit,
		.subject_id = c->subject_id,
		.term_years = A.term,
		.email = c->email,
		.mobile = c->mobile,
		.contact_name = c->contact,
		.address = c->address,
		.postcode = c->postcode,
		.region = c->region,
	};
	/* An order continued from Order query comes without keys. */
	if (S.idem_order[0] == '\0')
		backend_new_key(S.idem_order);
	if (S.idem_confirm[0] == '\0')
		backend_new_key(S.idem_confirm);
	/* The same request again after a failure keeps its key. */
	memcpy(c->idem, call == AC_CONFIRM ? S.idem_confirm : S.idem_order,
	       sizeof c->idem);
	c->err.err = BACKEND_CANCELLED;
	return &c->job;
}

const char *
apply_stage(const struct job *job)
{
	switch (((const struct call_job *)job)->call) {
	case AC_ORDER:
		return N_("Placing the order...");
	case AC_STATUS:
		return N_("Handing the application to review...");
	case AC_CONFIRM:
		break;
	}
	return N_("Sending the application...");
}

/* What the backend's refusal means here; NULL: its general sentence. */
static const char *
refusal(const struct call_job *c)
{
	/* The SMS session ran out: the flow asks for a new code. */
	if (c->err.err == BACKEND_REFUSED && session_sms_lost(c->err.code))
		return N_("The SMS code's session has run out. Please ask for a new "
			  "code.");
	if (api_refused(&c->err, "documents_missing"))
		return N_("Some documents are still missing. Please go back and "
			  "upload them.");
	if (api_refused(&c->err, "verification_required"))
		return N_("The identity is not verified yet. Please go back and "
			  "verify it.");
	return NULL;
}

const char *
apply_result(struct job *job, bool *dead)
{
	struct call_job *c = (struct call_job *)job;

	*dead = false;
	if (c->err.err != BACKEND_OK) {
		const char *why = refusal(c);

		return why != NULL ? why : api_reason(&c->err);
	}
	switch (c->call) {
	case AC_ORDER:
		snprintf(S.order_id, sizeof S.order_id, "%s", c->order.id);
		S.price = c->order.price;
		log_info("apply: order %s made (draft)", S.order_id);
		break;
	case AC_CONFIRM:
		S.price = c->order.price;
		log_info("apply: order %s confirmed", S.order_id);
		break;
	case AC_STATUS:
		snprintf(A.state, sizeof A.state, "%s", c->order.state);
		snprintf(A.invoice_url, sizeof A.invoice_url, "%s", c->order.invoice_url);
		snprintf(A.status_url, sizeof A.status_url, "%s", c->order.status_url);
		log_info("apply: order %s %s", S.order_id, A.state);
		break;
	}
	return NULL;
}

const struct pay_request *
apply_pay_request(void)
{
	struct pay_request *req = &A.pay;

	memset(req, 0, sizeof *req);
	snprintf(req->order_id, sizeof req->order_id, "%s", S.order_id);
	req->amount = S.price;
	return req;
}
