/*
 * reissue.c - replacing a lost or damaged UKey (丢失补办) as a table of
 * steps, as the manual has it for a unit (4.1) and a person (4.2):
 *
 * unit or person, the number -> the SMS code to the registered mobile ->
 * the subject's certificates (serial, validity, status, UKey): one chosen,
 * lost or damaged -> then as in Apply: the mailing address and e-invoice
 * (read from the old certificate's order: 系统默认读出原证书信息) ->
 * confirm order -> identity, the agent -> documents from the phone -> the
 * SMS code that confirms the application (the old certificate is revoked
 * now) -> pay -> review -> done (made, posted), Order query one key away.
 * Apply's steps and state (apply.h, apply_steps.h) are taken as they are;
 * the order is of kind reissue once a certificate is chosen.
 */
#include <stdio.h>

#include "api.h"
#include "apply.h"
#include "apply_steps.h"
#include "flow.h"
#include "i18n.h"
#include "orderpage.h"
#include "service.h"
#include "session.h"
#include "steps.h"
#include "ui.h"

enum {
	ST_IDENTIFY,
	ST_SMS,
	ST_CERTS,
	ST_ADDRESS,
	ST_INVOICE,
	ST_CONFIRM,
	ST_VERIFY,
	ST_AGENT,
	ST_UPLOAD,
	ST_CODE,
	ST_SUBMIT,
	ST_PAY,
	ST_REVIEW,
	ST_DONE,
	ST_COUNT
};

static const char *
why(void)
{
	return apply_get()->damaged ? _("damaged") : _("lost");
}

/* The certificate replaced, above a page; returns the next free row. */
static int
draw_old(struct rect b)
{
	const struct apply *a = apply_get();
	char line[512];

	orderpage_row(b.y, b.x, b.w, _("Certificate to replace"), a->old_serial);
	snprintf(line, sizeof line, _("UKey %s, %s"),
		 a->old_token[0] != '\0' ? a->old_token : _("not recorded"), why());
	orderpage_row(b.y + 1, b.x, b.w, _("Why"), line);
	return b.y + 3;
}

static int
draw_order(struct rect b)
{
	int y = draw_old(b);

	return apply_draw_order((struct rect){y, b.x, b.h - (y - b.y), b.w});
}

static int
draw_done(struct rect b)
{
	const struct apply *a = apply_get();
	char line[512];
	int y = b.y, x = b.x, w = b.w;

	ui_put(y, x, w, UI_OK, _("Your reissue was paid and is now under review."));
	y += 2;
	ui_labelled(line, sizeof line, _("Order number:"), session_get()->order_id);
	ui_put(y++, x, w, UI_TITLE, line);
	y++;
	snprintf(line, sizeof line,
		 _("The certificate %s was revoked when you confirmed: nobody can sign "
		   "with it any more."),
		 a->old_serial);
	y += ui_wrap((struct rect){y, x, 3, w}, UI_NORMAL, line);
	y += ui_wrap((struct rect){y, x, 3, w}, UI_NORMAL,
		     _("Staff review the documents within 3 to 5 working days; the "
		       "result and the new certificate PIN come as the verification "
		       "chose. The new UKey is made and posted to your mailing "
		       "address."));
	y += ui_wrap((struct rect){y, x, 2, w}, UI_DIM,
		     _("Follow the order with \"Track my orders\" at any kiosk, or "
		       "press Q now."));
	return y;
}

static const char *
invoice_url(void)
{
	return apply_get()->invoice_url;
}

static struct result
follow(void)
{
	return flow_continue(SVC_QUERY, "query-order", true);
}

/* ---- the table --------------------------------------------------------- */

static const struct identify_param identify = {
	.kinds = IDENT_UNIT | IDENT_PERSON,
	.why = N_("Say whether the lost or damaged certificate is a unit's or a "
		  "person's and give its number; a code is then sent to the "
		  "registered mobile."),
	.take = apply_take_record,
};
static const struct sms_param sms = {
	.purpose = "reissue",
	.to = SMS_TO_AGENT,
	.why = N_("The code shows that the certificates are yours."),
};
static const struct certs_param certs = {
	.empty = N_("No certificate was issued to you: there is nothing to replace. "
		    "Apply for a new one instead."),
	.take = apply_reissue,
};
static const struct confirm_param order = {
	.draw = draw_order,
	.confirm = N_("Confirm order"),
	.modify = N_("Back to edit"),
	.start = apply_order_start,
	.busy = N_("Placing the order..."),
	.result = apply_result,
};
static const struct sms_param code = {
	.purpose = "reissue",
	.to = SMS_TO_AGENT,
	.why = N_("The code confirms the reissue: the old certificate is revoked "
		  "now; then it is paid."),
};
static const struct done_param done = {
	.draw = draw_done,
	.qr_url = invoice_url,
	.qr_note = N_("Scan the code to view the e-invoice; it was also e-mailed to "
		      "you."),
	.follow = N_("Track this order"),
	.follow_go = follow,
};

#define TITLE N_("Replace a lost or damaged UKey")
#define WHO NEED_SUBJECT
#define ORDER (NEED_SUBJECT | NEED_ORDER)

static const struct step steps[ST_COUNT] = {
	[ST_IDENTIFY] = {"reissue-identify", TITLE, STEP_IDENTIFY, 0, 0, NEED_SUBJECT,
			 FLOW_EXIT, &identify, NULL},
	[ST_SMS] = {"reissue-sms", TITLE, STEP_SMS, 0, NEED_SUBJECT, NEED_SMS,
		    ST_IDENTIFY, &sms, NULL},
	[ST_CERTS] = {"reissue-certs", N_("Your certificates"), STEP_CERTS, 0,
		      NEED_SUBJECT | NEED_SMS, 0, FLOW_EXIT, &certs, NULL},
	[ST_ADDRESS] = {"reissue-address", N_("Mailing address"), STEP_FORM, 1, WHO, 0,
			ST_CERTS, &apply_address_step, NULL},
	[ST_INVOICE] = {"reissue-invoice", N_("E-invoice and term"), STEP_FORM, 1, WHO, 0,
			ST_ADDRESS, &apply_invoice_step, NULL},
	[ST_CONFIRM] = {"reissue-confirm", N_("Confirm order"), STEP_CONFIRM, 1,
			WHO | NEED_SMS, NEED_ORDER, ST_INVOICE, &order, NULL},
	[ST_VERIFY] = {"reissue-verify", N_("Verify identity"), STEP_VERIFY, 1, ORDER, 0,
		       ST_CONFIRM, &apply_verify_step, NULL, 0, apply_subject_before},
	[ST_AGENT] = {"reissue-agent", N_("Verify the agent"), STEP_VERIFY, 1, ORDER, 0,
		      ST_VERIFY, &apply_agent_step, NULL, 0, apply_no_agent_step},
	[ST_UPLOAD] = {"reissue-upload", N_("Upload documents"), STEP_UPLOAD, 1, ORDER, 0,
		       ST_AGENT, &apply_upload_step, NULL},
	[ST_CODE] = {"reissue-code", N_("Confirm application"), STEP_SMS, 1, ORDER,
		     NEED_SMS, ST_UPLOAD, &code, NULL},
	[ST_SUBMIT] = {"reissue-submit", N_("Confirm application"), STEP_WORK, 1,
		       ORDER | NEED_SMS, 0, ST_UPLOAD, &apply_submit_step, NULL},
	[ST_PAY] = {"reissue-pay", N_("Pay"), STEP_PAY, 2, NEED_ORDER, NEED_PAID,
		    FLOW_EXIT, &apply_pay_step, NULL},
	[ST_REVIEW] = {"reissue-review", N_("Review"), STEP_WORK, 3, NEED_PAID, 0,
		       FLOW_HOME, &apply_review_step, NULL},
	[ST_DONE] = {"reissue-done", TITLE, STEP_DONE, 3, NEED_PAID, 0, FLOW_HOME, &done,
		     NULL},
};

const struct flow_table reissue_flow = {
	.service = SVC_REISSUE,
	.steps = steps,
	.nsteps = ST_COUNT,
};
