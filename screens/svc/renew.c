/*
 * renew.c - the renewal (证书更新) as a table of steps, and the little that
 * is its own: whose certificate the UKey holds, what the new one will run,
 * the order form's fields and price line, the confirm page, the outcome.
 *
 * insert the UKey -> ask the CA (can it be renewed? said before any PIN)
 * -> PIN -> an unfinished paid renewal is finished, else the new validity
 * -> order form -> confirm -> pay -> write the certificate and seal -> done.
 * The worker jobs and the rules are src/svc/renew.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "backend.h"
#include "flow.h"
#include "form.h"
#include "i18n.h"
#include "offer.h"
#include "orderpage.h"
#include "payflow.h"
#include "renew.h"
#include "renew_steps.h"
#include "rules.h"
#include "service.h"
#include "session.h"
#include "steps.h"
#include "token.h"
#include "ui.h"
#include "validate.h"

/* The table's rows, by name (the hooks below name them too). */
enum {
	ST_INSERT,
	ST_CHECK,
	ST_PIN,
	ST_VALIDITY,
	ST_FORM,
	ST_CONFIRM,
	ST_PAY,
	ST_INSTALL,
	ST_DONE,
	ST_RESUME,
	ST_COUNT
};

/* ---- whose UKey, whose certificate ----------------------------------- */

/* Vendor and certificate name, as the manual has it ("显示证书名称"). */
int
renew_draw_token(struct rect b)
{
	const struct renew_cert *c = renew_cert();
	const struct session *s = session_get();
	char line[512], to[16];
	int y = b.y;

	if (c == NULL)
		c = &renew_get()->certs[0];
	ui_labelled(line, sizeof line, _("Vendor:"),
		    s->vendor[0] ? s->vendor : _("not recognised"));
	ui_put(y++, b.x, b.w, UI_NORMAL, line);
	ui_labelled(line, sizeof line, _("Certificate:"), c->cn);
	ui_put(y++, b.x, b.w, UI_TITLE, line);
	ui_date(c->not_after, to, sizeof to);
	if (c->expired)
		snprintf(line, sizeof line, _("Valid until %s (expired %d days ago)"), to,
			 -c->days_left);
	else
		snprintf(line, sizeof line, _("Valid until %s (%d days left)"), to,
			 c->days_left);
	ui_put(y++, b.x, b.w, c->expired ? UI_ERROR : UI_NORMAL, line);
	return y + 1;
}

static const char *
take(const struct token_info *info)
{
	if (renew_take_token(info))
		return NULL;
	return N_("There is no signing certificate with its key on this UKey, so there "
		  "is nothing to renew. Please ask the staff.");
}

/* A paid order put back (the UKey was pulled while it was written):
 * straight to the PIN, no second look at the CA. */
static int
after_insert(const struct session *s)
{
	return s->paid ? ST_PIN : FLOW_NEXT;
}

/* Logged in with a paid order: what the CA found is said first, then it is
 * finished; put back in this visit, it is finished at once. */
static int
after_pin(const struct session *s)
{
	if (!s->paid)
		return FLOW_NEXT;
	return s->resumed ? ST_RESUME : ST_INSTALL;
}

/* ---- asking the CA --------------------------------------------------- */

struct job *
renew_check_start(void)
{
	return renew_check_job();
}

const char *
renew_check_stage(const struct job *job)
{
	(void)job;
	return N_("Checking the certificate with the CA...");
}

/* The advice, once: the service that fits, or the counter. */
static const char *
check_note(void)
{
	return renew_get()->verdict == RENEW_TOO_LATE ? offer_for(SVC_APPLY).text : NULL;
}

static enum work_out
check_result(struct job *job, const char **reason, int *go)
{
	const struct renew_cert *c;

	(void)go;
	switch (renew_check_result(job, reason)) {
	case RC_RESUME:
		/* Paid already: whatever the dates say now, finish it. */
		return WORK_NEXT;
	case RC_UNKNOWN_CERT:
		*reason = N_("This certificate was not issued by this CA, so it cannot "
			     "be renewed here. Please ask the staff.");
		return WORK_STOP;
	case RC_FAILED:
		return WORK_RETRY;
	case RC_NEW:
		break;
	}
	c = renew_cert();
	renew_get()->verdict = rules_renew_at(c->not_after, time(NULL));
	if (rules_renewable(renew_get()->verdict))
		return WORK_NEXT;
	*reason = rules_renew_reason(renew_get()->verdict);
	return WORK_STOP;
}

int
renew_draw_resume(struct rect b)
{
	char line[256];
	int y = renew_draw_token(b);

	y += ui_wrap((struct rect){y, b.x, 4, b.w}, UI_ACCENT,
		     renew_resume_is_change()
			     ? _("The change of this certificate was approved and is "
				 "paid. The kiosk will now write the new certificate "
				 "and seal; you do not pay again.")
			     : _("A paid renewal of this UKey was not finished. The "
				 "kiosk will finish it now; you do not pay again."));
	ui_labelled(line, sizeof line, _("Order number:"), session_get()->order_id);
	ui_put(y + 1, b.x, b.w, UI_NORMAL, line);
	return y + 2;
}

static int
after_resume(const struct session *s)
{
	(void)s;
	return ST_INSTALL;
}

/* The dates the new certificate will carry: it is usable from today. */
static int
draw_validity(struct rect b)
{
	const struct renew_cert *c = renew_cert();
	time_t now = time(NULL), from, to;
	char a[16], z[16], old[16], line[512];
	int y = renew_draw_token(b);

	rules_new_validity(c->not_after, now, 1, &from, &to);
	ui_date(now, a, sizeof a);
	ui_date(to, z, sizeof z);
	ui_date(c->not_after, old, sizeof old);
	ui_put(y++, b.x, b.w, UI_OK, _("This certificate can be renewed."));
	y++;
	y += ui_wrap((struct rect){y, b.x, 3, b.w}, UI_NORMAL,
		     c->expired
			     ? _("It has expired, so the new certificate starts on the "
				 "day it is written onto the UKey.")
			     : _("It has not expired, so the new certificate continues "
				 "from the old end date: no day is lost."));
	if (c->expired)
		snprintf(line, sizeof line,
			 _("The new certificate: %s to %s (one year)."), a, z);
	else
		snprintf(line, sizeof line,
			 _("The new certificate: %s to %s (the old end date %s, plus one "
			   "year)."),
			 a, z, old);
	y += 1 + ui_wrap((struct rect){y + 1, b.x, 2, b.w}, UI_TITLE, line);
	return y;
}

/* ---- the order form -------------------------------------------------- */

enum { F_TERM, F_EMAIL, F_MOBILE, F_CONTACT, F_COUNT };

static const struct field_def fields[F_COUNT] = {
	/* A term of 5 hears its hint, "1, 2 or 3 years", not "wrong format". */
	[F_TERM] = {N_("Term (years)"), FIELD_REQUIRED, CHARS_DIGITS, 1, orderpage_term,
		    N_("Choose 1, 2 or 3 years.")},
	[F_EMAIL] = {N_("E-mail for the e-invoice"), FIELD_REQUIRED, CHARS_EMAIL, 64,
		     validate_email, N_("The e-invoice is sent to this address.")},
	/* +86 and the spaces people write are understood, not dropped. */
	[F_MOBILE] = {N_("Mobile"), 0, CHARS_PHONE, 20, validate_mobile,
		      N_("For a message when the renewal is done (optional).")},
	[F_CONTACT] = {N_("Contact name"), 0, CHARS_ANY, 20, NULL, NULL},
};

static void
form_load(struct form *f)
{
	const struct renew *r = renew_get();
	char term[16];

	snprintf(term, sizeof term, "%d", r->term > 0 ? r->term : 1);
	form_set(f, F_TERM, term);
	if (r->form_filled) {
		form_set(f, F_EMAIL, r->email);
		form_set(f, F_MOBILE, r->mobile);
		form_set(f, F_CONTACT, r->contact);
	}
}

static void
form_save(const struct form *f)
{
	struct renew *r = renew_get();
	struct session *s = session_get();

	r->term = atoi(form_get(f, F_TERM));
	snprintf(r->email, sizeof r->email, "%s", form_get(f, F_EMAIL));
	snprintf(r->mobile, sizeof r->mobile, "%s", form_get(f, F_MOBILE));
	snprintf(r->contact, sizeof r->contact, "%s", form_get(f, F_CONTACT));
	r->form_filled = true;
	/* New details, new request: a retry of these keeps its keys. */
	backend_new_key(s->idem_order);
	backend_new_key(s->idem_confirm);
	s->order_id[0] = '\0';
}

static int
form_head(struct rect b)
{
	char line[512];

	ui_labelled(line, sizeof line, _("Certificate:"), renew_cert()->cn);
	ui_put(b.y, b.x, b.w, UI_TITLE, line);
	return b.y + 1;
}

static void
form_price(const struct form *f, int y, int x, int w)
{
	orderpage_price_line("renew", atoi(form_get(f, F_TERM)), y, x, w);
}

/* ---- confirm the order ----------------------------------------------- */

static int
draw_order(struct rect b)
{
	const struct renew *r = renew_get();
	const struct renew_cert *c = renew_cert();
	char line[512], a[16], z[16];
	int y = b.y, x = b.x, w = b.w;
	time_t from, to;

	ui_put(y, x, w, UI_TITLE, _("Please check the order once more."));
	y += 2;
	orderpage_row(y++, x, w, _("Certificate"), c->cn);
	/* As the certificate will say: usable from today, to the new end. */
	rules_new_validity(c->not_after, time(NULL), r->term, &from, &to);
	ui_date(time(NULL), a, sizeof a);
	ui_date(to, z, sizeof z);
	snprintf(line, sizeof line, _("%s to %s"), a, z);
	orderpage_row(y++, x, w, _("New validity"), line);
	snprintf(line, sizeof line, _("%d year(s)"), r->term);
	orderpage_row(y++, x, w, _("Term"), line);
	orderpage_price_row("renew", r->term, y++, x, w);
	orderpage_row(y++, x, w, _("E-mail for the e-invoice"), r->email);
	if (r->mobile[0] != '\0')
		orderpage_row(y++, x, w, _("Mobile"), r->mobile);
	if (r->contact[0] != '\0')
		orderpage_row(y++, x, w, _("Contact name"), r->contact);
	return y + 1;
}

static struct job *
order_start(bool retry)
{
	struct session *s = session_get();

	/* A new order after a cancelled payment; the same one on a retry. */
	if (s->order_id[0] != '\0' && !retry) {
		backend_new_key(s->idem_order);
		backend_new_key(s->idem_confirm);
	}
	return renew_order_job();
}

static const char *
order_result(struct job *job, bool *dead)
{
	return renew_order_result(job, dead);
}

/* ---- writing the certificate and seal -------------------------------- */

static struct job *
install_start(void)
{
	return renew_install_job();
}

static const char *
install_stage(const struct job *job)
{
	return renew_stage_text(renew_install_stage(job));
}

static enum work_out
install_result(struct job *job, const char **reason, int *go)
{
	enum token_err terr = TOKEN_OK;

	(void)go;
	*reason = renew_install_result(job, &terr);
	if (*reason == NULL)
		return WORK_NEXT;
	if (terr == TOKEN_ERR_REMOVED || terr == TOKEN_ERR_NONE ||
	    terr == TOKEN_ERR_NOT_LOGGED_IN || terr == TOKEN_ERR_MANY)
		return WORK_TOKEN;
	return WORK_RETRY;
}

/* Only what happened to the seal: "renewed" needs a seal before. */
static const char *
seal_text(enum renew_seal seal)
{
	switch (seal) {
	case RENEW_SEAL_RENEWED:
		return N_("The electronic seal was renewed with it.");
	case RENEW_SEAL_NEW:
		return N_("A new electronic seal was written (there was none).");
	case RENEW_SEAL_ON:
		return N_("The new electronic seal is on the UKey.");
	case RENEW_SEAL_NONE:
		break;
	}
	return N_("No electronic seal came with this certificate.");
}

int
renew_draw_kept(int y, int x, int w)
{
	ui_put(y++, x, w, UI_ACCENT, _("Your PIN is unchanged. Please take your UKey."));
	if (renew_get()->has_enc)
		y += ui_wrap((struct rect){y, x, 3, w}, UI_NORMAL,
			     _("The encryption key stays on the UKey, so bids sealed to "
			       "your old certificate still open."));
	return y;
}

static int
draw_done(struct rect b)
{
	const struct renew *r = renew_get();
	char line[512], a[16], z[16];
	int y = b.y, x = b.x, w = b.w;

	/* An approved change found on the UKey was finished here. */
	ui_put(y, x, w, UI_OK,
	       renew_resume_is_change() ? _("The certificate was changed.")
					: _("The certificate was renewed."));
	y += 2;
	ui_date(r->new_from, a, sizeof a);
	ui_date(r->new_to, z, sizeof z);
	snprintf(line, sizeof line, _("New validity: %s to %s"), a, z);
	ui_put(y++, x, w, UI_TITLE, line);
	ui_labelled(line, sizeof line, _("Order number:"), session_get()->order_id);
	ui_put(y++, x, w, UI_NORMAL, line);
	y += ui_wrap((struct rect){y, x, 2, w}, UI_NORMAL, _(seal_text(r->seal)));
	return renew_draw_kept(y + 1, x, w);
}

static const char *
invoice_url(void)
{
	return renew_get()->invoice_url;
}

/* ---- the table ------------------------------------------------------- */

static const struct insert_param insert = {
	.ask = N_("Please insert the UKey to renew."),
	.hint = N_("Insert only that one, and leave it in until the kiosk says it is "
		   "done."),
	.many = N_("Please leave only the one to renew in the reader."),
	.take = take,
	.paid_gone = N_("The UKey was removed before the renewal was finished."),
	.paid_ask = N_("Please insert the same UKey again (only that one). The paid "
		       "renewal will then be finished."),
	.paid_later = N_("Or finish later: the paid renewal finishes the next time this "
			 "UKey is put into any kiosk. Esc ends your visit."),
};
static const struct pin_param pin = {
	.head = renew_draw_token,
	.paid_ask = N_("Type the PIN again to finish the paid renewal."),
	.paid_locked = N_("The order stays paid; nothing is charged again. Once the UKey "
			  "is unlocked, the renewal is finished at any kiosk with it."),
};
static const struct work_param check = {
	.start = renew_check_start,
	.stage = renew_check_stage,
	.result = check_result,
	.head = renew_draw_token,
	.stop_note = check_note,
};
static const struct confirm_param resume = {
	.draw = renew_draw_resume,
	.confirm = N_("Finish the renewal"),
};
static const struct confirm_param validity = {
	.draw = draw_validity,
	.confirm = N_("Next"),
};
static const struct form_param form = {
	.fields = fields,
	.nfields = F_COUNT,
	.focus = F_EMAIL,
	.load = form_load,
	.save = form_save,
	.head = form_head,
	.extra = form_price,
	.leave_ask = N_("Leave the renewal? What you typed here is cleared."),
};
static const struct confirm_param order = {
	.draw = draw_order,
	.confirm = N_("Confirm order"),
	.modify = N_("Back to edit"),
	.start = order_start,
	.busy = N_("Placing the order..."),
	.result = order_result,
};
/* Esc cancels the renewal at once (test_renew_pay.sh): it is made again in
 * a minute with the UKey, and the key pair made while paying is undone. */
static const struct pay_param pay = {.request = renew_pay_request};
const struct work_param renew_install_step = {
	.start = install_start,
	.stage = install_stage,
	.result = install_result,
	.keep_token = true,
	.busy_note = N_("This takes a few seconds. The order is paid."),
	.fail_note = N_("The order stays paid; nothing is charged again. You can try "
			"again now, or later at any kiosk with this UKey."),
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

#define TITLE N_("Renew a certificate")
#define TOKEN (NEED_ONE_TOKEN | NEED_LOGIN)

static const struct step steps[ST_COUNT] = {
	[ST_INSERT] = {"renew-insert", TITLE, STEP_INSERT, 0, 0, NEED_ONE_TOKEN,
		       FLOW_EXIT, &insert, after_insert},
	/* Asked before the PIN: what the certificate and the CA say first. */
	[ST_CHECK] = {"renew-check", TITLE, STEP_WORK, 0, NEED_ONE_TOKEN, 0, FLOW_EXIT,
		      &check, NULL},
	[ST_PIN] = {"renew-pin", TITLE, STEP_PIN, 0, NEED_ONE_TOKEN, NEED_LOGIN,
		    FLOW_EXIT, &pin, after_pin},
	[ST_VALIDITY] = {"renew-validity", TITLE, STEP_CONFIRM, 0, TOKEN, 0, FLOW_EXIT,
			 &validity, NULL},
	[ST_FORM] = {"renew-form", N_("Order details"), STEP_FORM, 1, TOKEN, 0, FLOW_EXIT,
		     &form, NULL},
	[ST_CONFIRM] = {"renew-confirm", N_("Confirm order"), STEP_CONFIRM, 2, TOKEN,
			NEED_ORDER, ST_FORM, &order, NULL},
	[ST_PAY] = {"renew-pay", N_("Pay"), STEP_PAY, 3, NEED_ORDER, NEED_PAID,
		    ST_CONFIRM, &pay, NULL},
	[ST_INSTALL] = {"renew-install", N_("Download certificate and seal"), STEP_WORK,
			4, TOKEN | NEED_PAID, 0, FLOW_HOME, &renew_install_step, NULL},
	[ST_DONE] = {"renew-done", N_("Download certificate and seal"), STEP_DONE, 4, 0,
		     0, FLOW_HOME, &done, NULL},
	[ST_RESUME] = {"renew-resume", TITLE, STEP_CONFIRM, 0, TOKEN | NEED_PAID, 0,
		       FLOW_EXIT, &resume, after_resume},
};

const struct flow_table renew_flow = {SVC_RENEW, steps, ST_COUNT, NULL};
