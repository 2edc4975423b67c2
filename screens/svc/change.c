/*
 * change.c - the change of a certificate's details (信息变更, manual 5) as
 * a table of steps:
 *
 * insert the UKey -> ask the CA (an unfinished change or renewal is
 * finished) -> PIN -> the registration record: what the certificate says
 * and what the record now says (refused when they agree: change it on the
 * registration platform first) -> SMS code -> confirm the order ->
 * documents from the phone (the new business licence, the seal sample
 * form) -> confirm the application -> pay (the new key is made meanwhile)
 * -> review -> once approved, the new certificate and seal written onto
 * the same UKey by the renewal's install; approved later, it is finished
 * the next time the UKey is inserted at any kiosk.
 */
#include <stdio.h>
#include <time.h>

#include "apply_steps.h"
#include "change.h"
#include "flow.h"
#include "i18n.h"
#include "orderpage.h"
#include "renew.h"
#include "renew_steps.h"
#include "service.h"
#include "session.h"
#include "steps.h"
#include "token.h"
#include "ui.h"

enum {
	ST_INSERT,
	ST_CHECK,
	ST_PIN,
	ST_RECORD,
	ST_CHOOSE,
	ST_SMS,
	ST_CONFIRM,
	ST_UPLOAD,
	ST_SUBMIT,
	ST_PAY,
	ST_REVIEW,
	ST_WAIT,
	ST_INSTALL,
	ST_DONE,
	ST_RESUME,
	ST_COUNT
};

/* ---- whose UKey, whose certificate ----------------------------------- */

static const char *
take(const struct token_info *info)
{
	bool ok = renew_take_token(info);

	renew_get()->change = true;
	if (ok)
		return NULL;
	return N_("There is no signing certificate with its key on this UKey, so there "
		  "is nothing to change. Please ask the staff.");
}

static int
after_insert(const struct session *s)
{
	return s->paid ? ST_PIN : FLOW_NEXT;
}

static int
after_pin(const struct session *s)
{
	if (!s->paid)
		return FLOW_NEXT;
	return s->resumed ? ST_RESUME : ST_INSTALL;
}

/* ---- asking the CA --------------------------------------------------- */

static enum work_out
check_result(struct job *job, const char **reason, int *go)
{
	(void)go;
	switch (renew_check_result(job, reason)) {
	case RC_RESUME:
	case RC_NEW:
		return WORK_NEXT;
	case RC_UNKNOWN_CERT:
		*reason = N_("This certificate was not issued by this CA, so it cannot "
			     "be changed here. Please ask the staff.");
		return WORK_STOP;
	case RC_FAILED:
		break;
	}
	return WORK_RETRY;
}

static int
after_resume(const struct session *s)
{
	(void)s;
	return ST_INSTALL;
}

/* ---- the registration record ------------------------------------------ */

static struct job *
record_start(void)
{
	return change_job(CC_RECORD);
}

static const char *
call_stage(const struct job *job)
{
	return change_stage(job);
}

static enum work_out
record_result(struct job *job, const char **reason, int *go)
{
	bool dead;

	(void)go;
	*reason = change_result(job, &dead);
	if (*reason != NULL)
		return dead ? WORK_STOP : WORK_RETRY;
	if (change_nothing()) {
		*reason = N_("The registration record still holds the name on the "
			     "certificate, so there is nothing to change. Change it on "
			     "the registration platform first, then come back.");
		return WORK_STOP;
	}
	return WORK_NEXT;
}

/* What the certificate says, what the record says, what changes. */
static int
draw_names(struct rect b)
{
	const struct renew *r = renew_get();
	const struct renew_cert *c = renew_cert();
	int y = b.y, x = b.x, w = b.w;

	orderpage_row(y++, x, w, _("On the certificate"), c != NULL ? c->cn : "");
	/* (not while the record is being read) */
	if (r->reg_name[0] != '\0')
		orderpage_row(y++, x, w, _("Registration record"), r->reg_name);
	return y + 1;
}

static int
draw_choose(struct rect b)
{
	int y = draw_names(b);

	ui_put(y++, b.x, b.w, UI_TITLE,
	       session_get()->unit ? _("What changes: the unit's name")
				   : _("What changes: the name"));
	y++;
	y += ui_wrap((struct rect){y, b.x, 3, b.w}, UI_NORMAL,
		     _("The new certificate and electronic seal carry the name the "
		       "registration platform holds now. To change anything else, "
		       "change it on the registration platform first."));
	y += ui_wrap((struct rect){y + 1, b.x, 2, b.w}, UI_DIM,
		     _("Then: an SMS code, the order, the documents from your phone, "
		       "payment and review."));
	return y + 2;
}

/* ---- the order --------------------------------------------------------- */

static int
draw_order(struct rect b)
{
	const struct renew *r = renew_get();
	const struct renew_cert *c = renew_cert();
	char to[16];
	int y = b.y, x = b.x, w = b.w;

	ui_put(y, x, w, UI_TITLE, _("Please check the order once more."));
	y = draw_names((struct rect){y + 2, x, b.h - 2, w}) - 1;
	ui_date(c != NULL ? c->not_after : 0, to, sizeof to);
	orderpage_row(y++, x, w, _("Valid until"), to);
	orderpage_price_row("change", 1, y++, x, w);
	orderpage_row(y++, x, w, _("E-mail for the e-invoice"), r->reg_email);
	return y + 1;
}

static struct job *
order_start(bool retry)
{
	(void)retry;
	return change_job(CC_ORDER);
}

static struct job *
submit_start(void)
{
	return change_job(CC_CONFIRM);
}

static struct job *
review_start(void)
{
	return change_job(CC_STATUS);
}

static enum work_out
call_result(struct job *job, const char **reason, int *go)
{
	bool dead;

	(void)go;
	*reason = change_result(job, &dead);
	if (*reason == NULL)
		return WORK_NEXT;
	return dead ? WORK_STOP : WORK_RETRY;
}

/* Approved already (staff at the counter): written at once. */
static enum work_out
review_result(struct job *job, const char **reason, int *go)
{
	enum work_out out = call_result(job, reason, go);

	if (out == WORK_NEXT && change_approved())
		*go = ST_INSTALL;
	return out;
}

/* Paid, under review: the UKey comes back once it is approved. */
static int
draw_wait(struct rect b)
{
	char line[512];
	int y = b.y, x = b.x, w = b.w;

	ui_put(y, x, w, UI_OK, _("Your change was paid and is now under review."));
	y += 2;
	ui_labelled(line, sizeof line, _("Order number:"), session_get()->order_id);
	ui_put(y++, x, w, UI_TITLE, line);
	y++;
	y += ui_wrap((struct rect){y, x, 3, w}, UI_NORMAL,
		     _("Staff review the documents within 3 to 5 working days and "
		       "the result comes by SMS. Once it is approved, insert this "
		       "UKey at any kiosk: the new certificate and seal are written "
		       "onto it, without paying again."));
	y += ui_wrap((struct rect){y, x, 3, w}, UI_NORMAL,
		     _("Until then the certificate on the UKey stays valid."));
	return y;
}

/* The end of the visit: under review, or the new certificate written. */
static int
draw_done(struct rect b)
{
	const struct renew *r = renew_get();
	char line[512];
	int y = b.y, x = b.x, w = b.w;

	if (r->new_cn[0] == '\0')
		return draw_wait(b);

	ui_put(y, x, w, UI_OK, _("The certificate was changed."));
	y += 2;
	ui_labelled(line, sizeof line, _("New name:"), r->new_cn);
	ui_put(y++, x, w, UI_TITLE, line);
	ui_labelled(line, sizeof line, _("Order number:"), session_get()->order_id);
	ui_put(y++, x, w, UI_NORMAL, line);
	y += ui_wrap((struct rect){y, x, 2, w}, UI_NORMAL,
		     _("A new electronic seal with the new name was written with it. "
		       "The old certificate is revoked."));
	return renew_draw_kept(y + 1, x, w);
}

static const char *
invoice_url(void)
{
	return renew_get()->invoice_url;
}

/* ---- the table ------------------------------------------------------- */

static const struct insert_param insert = {
	.ask = N_("Please insert the UKey whose certificate changes."),
	.hint = N_("Insert only that one, and leave it in until the kiosk says it is "
		   "done."),
	.many = N_("Please leave only the one to change in the reader."),
	.take = take,
	.paid_gone = N_("The UKey was removed before the change was finished."),
	.paid_ask = N_("Please insert the same UKey again (only that one). The paid "
		       "change will then be finished."),
	.paid_later = N_("Or finish later: the paid change finishes the next time this "
			 "UKey is put into any kiosk. Esc ends your visit."),
};
static const struct work_param check = {
	.start = renew_check_start,
	.stage = renew_check_stage,
	.result = check_result,
	.head = renew_draw_token,
};
static const struct pin_param pin = {
	.head = renew_draw_token,
	.paid_ask = N_("Type the PIN again to finish the paid change."),
	.paid_locked = N_("The order stays paid; nothing is charged again. Once the UKey "
			  "is unlocked, the change is finished at any kiosk with it."),
};
static const struct work_param record = {
	.start = record_start,
	.stage = call_stage,
	.result = record_result,
	.head = draw_names,
};
static const struct confirm_param choose = {
	.draw = draw_choose,
	.confirm = N_("Change to the registered name"),
};
static const struct sms_param sms = {
	.purpose = "change",
	.to = SMS_TO_AGENT,
	.why = N_("The code shows that the certificate is yours and confirms the "
		  "change."),
};
static const struct confirm_param order = {
	.draw = draw_order,
	.confirm = N_("Confirm order"),
	.modify = N_("Back to edit"),
	.start = order_start,
	.busy = N_("Placing the order..."),
	.result = change_result,
};
static const struct work_param submit = {
	.start = submit_start,
	.stage = call_stage,
	.result = call_result,
};
static const struct pay_param pay = {.request = renew_pay_request};
static const struct work_param review = {
	.start = review_start,
	.stage = call_stage,
	.result = review_result,
};
static const struct confirm_param resume = {
	.draw = renew_draw_resume,
	.confirm = N_("Finish the change"),
};
static const struct done_param done = {
	.draw = draw_done,
	.qr_url = invoice_url,
	.qr_note = N_("Scan the code to view the e-invoice; it was also e-mailed to "
		      "you."),
	.token_in = true,
	.follow = N_("Track my orders"),
	.follow_go = flow_follow_orders,
};

#define TITLE N_("Change certificate details")
#define TOKEN (NEED_ONE_TOKEN | NEED_LOGIN)
#define WHO (TOKEN | NEED_SUBJECT)
#define ORDER (NEED_SUBJECT | NEED_ORDER)

static const struct step steps[ST_COUNT] = {
	[ST_INSERT] = {"change-insert", TITLE, STEP_INSERT, 0, 0, NEED_ONE_TOKEN,
		       FLOW_EXIT, &insert, after_insert},
	[ST_CHECK] = {"change-check", TITLE, STEP_WORK, 0, NEED_ONE_TOKEN, 0, FLOW_EXIT,
		      &check, NULL},
	[ST_PIN] = {"change-pin", TITLE, STEP_PIN, 0, NEED_ONE_TOKEN, NEED_LOGIN,
		    FLOW_EXIT, &pin, after_pin},
	[ST_RECORD] = {"change-record", N_("Change details"), STEP_WORK, 1, TOKEN,
		       NEED_SUBJECT, FLOW_EXIT, &record, NULL},
	[ST_CHOOSE] = {"change-choose", N_("Change details"), STEP_CONFIRM, 1, WHO, 0,
		       FLOW_EXIT, &choose, NULL},
	[ST_SMS] = {"change-sms", N_("Change details"), STEP_SMS, 1, WHO, NEED_SMS,
		    ST_CHOOSE, &sms, NULL},
	[ST_CONFIRM] = {"change-confirm", N_("Confirm order"), STEP_CONFIRM, 2,
			WHO | NEED_SMS, NEED_ORDER, ST_CHOOSE, &order, NULL},
	[ST_UPLOAD] = {"change-upload", N_("Upload documents"), STEP_UPLOAD, 2, ORDER, 0,
		       ST_CONFIRM, &apply_upload_step, NULL},
	[ST_SUBMIT] = {"change-submit", N_("Confirm application"), STEP_WORK, 2,
		       ORDER | NEED_SMS, 0, ST_UPLOAD, &submit, NULL},
	[ST_PAY] = {"change-pay", N_("Pay"), STEP_PAY, 2, NEED_ORDER, NEED_PAID,
		    FLOW_EXIT, &pay, NULL},
	[ST_REVIEW] = {"change-review", N_("Review"), STEP_WORK, 2, NEED_PAID, 0,
		       FLOW_HOME, &review, NULL, ST_INSTALL},
	[ST_WAIT] = {"change-wait", N_("Review"), STEP_DONE, 2, NEED_PAID, 0, FLOW_HOME,
		     &done, NULL},
	[ST_INSTALL] = {"change-install", N_("Download certificate"), STEP_WORK, 3,
			TOKEN | NEED_PAID, 0, FLOW_HOME, &renew_install_step, NULL},
	[ST_DONE] = {"change-done", N_("Download certificate"), STEP_DONE, 3, 0, 0,
		     FLOW_HOME, &done, NULL},
	[ST_RESUME] = {"change-resume", TITLE, STEP_CONFIRM, 0, TOKEN | NEED_PAID, 0,
		       FLOW_EXIT, &resume, after_resume},
};

const struct flow_table change_flow = {SVC_CHANGE, steps, ST_COUNT, NULL};
