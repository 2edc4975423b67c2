/*
 * apply.h - applying for a certificate (证书申请), for a unit or a person:
 * its state across its screens and the work it hands to the worker.
 *
 * The service is a table of steps (screens/svc/apply.c): who applies and
 * their registration record (greyed), the mailing address, the e-mail and
 * the term, the confirm page (确认订单: the order is made, a draft), the
 * documents from the phone, confirming the application (确认申请), pay,
 * and what happens next.  The customer's subject and the order live in the
 * session (session.h); the record and the form here, wiped when the visit
 * ends.
 */
#ifndef CAKIOSK_APPLY_H
#define CAKIOSK_APPLY_H

#include <stdbool.h>

#include "api.h"
#include "form.h"
#include "payflow.h"

struct job;

struct apply {
	/* the registration record (greyed, not editable) */
	bool have_record;
	struct api_subject record;
	/* the form: mailing address, e-invoice, term */
	bool form_filled;
	char recipient[FORM_VALUE_MAX];
	char mobile[FORM_VALUE_MAX];
	char region[FORM_VALUE_MAX]; /* province, city, district */
	char street[FORM_VALUE_MAX];
	char postcode[FORM_VALUE_MAX];
	char email[FORM_VALUE_MAX];
	int term;
	/* the verification rows taken for this order (+1; 0: none yet): the
	 * unit's or the person's (it decides how the PIN comes), the agent's */
	int verified[2];
	/* ... passed before this visit (a draft continued from Order query):
	 * not asked again */
	bool before[2];
	/* a reissue (丢失补办): the certificate it replaces, and why */
	bool reissue;
	bool damaged;
	char old_serial[API_SERIAL_MAX];
	char old_token[64]; /* the token it was on, "" when unknown */
	int64_t old_not_after;
	/* what the backend said of the order once paid */
	char state[API_STATE_MAX];
	char invoice_url[API_URL_MAX];
	char status_url[API_URL_MAX]; /* the order's page for the phone, or "" */
	struct pay_request pay;
};

/* The application's part of the session (made on first use). */
struct apply *apply_get(void);

/* The application's calls to the backend, each a worker job. */
enum apply_call {
	AC_ORDER,   /* make the order (a draft) from the form: "确认订单" */
	AC_CONFIRM, /* confirm the application: "确认申请" (the SMS session) */
	AC_STATUS,  /* the paid order read back: under review */
};
struct job *apply_job(enum apply_call call);
/* What the job is doing (message id). */
const char *apply_stage(const struct job *job);
/* NULL when it worked (the record or the order kept), else a message id;
 * *dead: no use trying again. */
const char *apply_result(struct job *job, bool *dead);

/* The order's kind: "apply", or "reissue" once a certificate to replace
 * was chosen. */
const char *apply_kind(void);

/* The payment screen's request for the order. */
const struct pay_request *apply_pay_request(void);

/* The mailing address as one line (region and street). */
void apply_address(char *buf, size_t len);

/* The registration record the customer went on with; another subject's
 * clears what was typed for the one before. */
void apply_take_record(const struct api_subject *rec);

/* A reissue of the certificate of row c (reason lost or damaged): the
 * form starts from the old certificate's (the order that issued it),
 * else from the registration record. */
void apply_reissue(const struct api_cert_row *c, bool damaged);

/* The form changed: the order to make is a new one (new keys, the old
 * order's verifications no longer count). */
void apply_new_order(void);

/* A draft of the session's customer continued from Order query: its form
 * as the backend holds it (the identity checks are the table's to map). */
void apply_take_order(const struct api_order *o);

#endif
