/*
 * apply.c - applying for a certificate (证书申请) as a table of steps, and
 * the little that is its own: the registration record shown greyed, the
 * mailing address and invoice form, the confirm page, what happens next.
 *
 * who -> the registration record -> mailing address -> e-mail and term
 * -> confirm order (the order is made) -> documents from the phone ->
 * confirm the application -> pay -> done (review in 3-5 working days).
 * The worker jobs are src/svc/apply.c's; the upload step's are docs.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "apply.h"
#include "backend.h"
#include "flow.h"
#include "form.h"
#include "i18n.h"
#include "orderpage.h"
#include "payflow.h"
#include "service.h"
#include "session.h"
#include "steps.h"
#include "ui.h"
#include "validate.h"

enum {
	ST_WHO,
	ST_LOOKUP,
	ST_RECORD,
	ST_ADDRESS,
	ST_INVOICE,
	ST_CONFIRM,
	ST_UPLOAD,
	ST_SUBMIT,
	ST_PAY,
	ST_DONE,
	ST_COUNT
};

/* ---- who applies ------------------------------------------------------- */

/* A unit's credit code or a person's resident ID number, either checked. */
static enum valid
check_who(const char *v)
{
	if (validate_credit_code(v) == VALID_OK || validate_resident_id(v) == VALID_OK)
		return VALID_OK;
	return strlen(v) == 18 ? VALID_CHECKSUM : VALID_LENGTH;
}

static const struct field_def who_fields[] = {
	{N_("Credit code or ID number"), FIELD_REQUIRED, CHARS_CODE, 18, check_who,
	 N_("A unit: its 18-character unified social credit code. A person: the "
	    "18-character resident ID number.")},
};

static void
who_load(struct form *f)
{
	form_set(f, 0, session_get()->subject_id);
}

static void
who_save(const struct form *f)
{
	struct session *s = session_get();
	const char *v = form_get(f, 0);

	if (strcmp(v, s->subject_id) != 0)
		apply_get()->have_record = false;
	snprintf(s->subject_id, sizeof s->subject_id, "%s", v);
	s->unit = validate_credit_code(v) == VALID_OK;
}

static int
after_who(const struct session *s)
{
	(void)s;
	return apply_get()->have_record ? ST_RECORD : FLOW_NEXT;
}

/* ---- the registration record ------------------------------------------- */

static struct job *
lookup_start(void)
{
	return apply_job(AC_LOOKUP);
}

/* The outcome of a call (the record, or the application confirmed). */
static enum work_out
call_result(struct job *job, const char **reason, int *go)
{
	bool dead;

	(void)go;
	*reason = apply_result(job, &dead);
	if (*reason == NULL)
		return WORK_NEXT;
	return dead ? WORK_STOP : WORK_RETRY;
}

static int
draw_record(struct rect b)
{
	const struct apply *a = apply_get();
	const struct session *s = session_get();
	int y = b.y, x = b.x, w = b.w;

	ui_put(y, x, w, UI_TITLE, _("Your registration record"));
	y += 2;
	orderpage_row(y++, x, w, s->unit ? _("Unit") : _("Name"), a->record.name);
	orderpage_row(y++, x, w, s->unit ? _("Credit code") : _("ID number"),
		      s->subject_id);
	if (s->unit) {
		char line[256];

		snprintf(line, sizeof line, "%s %s", a->record.legal_rep.name,
			 a->record.legal_rep.mobile_masked);
		orderpage_row(y++, x, w, _("Legal representative"), line);
		snprintf(line, sizeof line, "%s %s", a->record.agent.name,
			 a->record.agent.mobile_masked);
		orderpage_row(y++, x, w, _("Agent"), line);
	} else {
		orderpage_row(y++, x, w, _("Mobile"), a->record.self.mobile_masked);
	}
	orderpage_row(y++, x, w, _("Registered address"), a->record.address);
	y++;
	y += ui_wrap((struct rect){y, x, 3, w}, UI_DIM,
		     _("This comes from the registration platform and cannot be "
		       "changed here. To change it, change it on the provincial "
		       "registration platform first, then apply again."));
	return y + 1;
}

/* ---- the mailing address ----------------------------------------------- */

enum { F_RECIPIENT, F_MOBILE, F_REGION, F_STREET, F_POSTCODE, F_ADDR_COUNT };

static const struct field_def address_fields[F_ADDR_COUNT] = {
	[F_RECIPIENT] = {N_("Recipient"), FIELD_REQUIRED, CHARS_ANY, 20, NULL,
			 N_("Who receives the UKey by post.")},
	/* +86 and the spaces people write are understood, not dropped. */
	[F_MOBILE] = {N_("Recipient's mobile"), FIELD_REQUIRED, CHARS_PHONE, 20,
		      validate_mobile, N_("For the courier.")},
	[F_REGION] = {N_("Province, city, district"), FIELD_REQUIRED, CHARS_ANY, 30, NULL,
		      N_("For example 湖南省长沙市岳麓区.")},
	[F_STREET] = {N_("Street and number"), FIELD_REQUIRED, CHARS_ANY, 60, NULL,
		      N_("Where a parcel can be received.")},
	[F_POSTCODE] = {N_("Postcode"), FIELD_REQUIRED, CHARS_DIGITS, 6,
			validate_postcode, NULL},
};

static void
address_load(struct form *f)
{
	const struct apply *a = apply_get();

	if (!a->form_filled) {
		form_set(f, F_POSTCODE, a->record.postcode);
		return;
	}
	form_set(f, F_RECIPIENT, a->recipient);
	form_set(f, F_MOBILE, a->mobile);
	form_set(f, F_REGION, a->region);
	form_set(f, F_STREET, a->street);
	form_set(f, F_POSTCODE, a->postcode);
}

/* New details, new request: a retry of these keeps its keys. */
static void
new_order(void)
{
	struct session *s = session_get();

	backend_new_key(s->idem_order);
	backend_new_key(s->idem_confirm);
	s->order_id[0] = '\0';
}

static void
address_save(const struct form *f)
{
	struct apply *a = apply_get();

	snprintf(a->recipient, sizeof a->recipient, "%s", form_get(f, F_RECIPIENT));
	snprintf(a->mobile, sizeof a->mobile, "%s", form_get(f, F_MOBILE));
	snprintf(a->region, sizeof a->region, "%s", form_get(f, F_REGION));
	snprintf(a->street, sizeof a->street, "%s", form_get(f, F_STREET));
	snprintf(a->postcode, sizeof a->postcode, "%s", form_get(f, F_POSTCODE));
	a->form_filled = true;
	new_order();
}

static int
address_head(struct rect b)
{
	char line[512];

	ui_labelled(line, sizeof line, session_get()->unit ? _("Unit:") : _("Name:"),
		    apply_get()->record.name);
	ui_put(b.y, b.x, b.w, UI_DIM, line);
	ui_put(b.y + 1, b.x, b.w, UI_TITLE, _("Where should the UKey be posted?"));
	return b.y + 2;
}

/* ---- e-invoice and term ------------------------------------------------ */

enum { F_TITLE, F_EMAIL, F_TERM, F_INV_COUNT };

static const struct field_def invoice_fields[F_INV_COUNT] = {
	[F_TITLE] = {N_("Invoice title"), FIELD_READONLY, CHARS_ANY, 60, NULL, NULL},
	[F_EMAIL] = {N_("E-mail for the e-invoice"), FIELD_REQUIRED, CHARS_EMAIL, 64,
		     validate_email, N_("The e-invoice is sent to this address.")},
	/* A term of 5 hears its hint, "1, 2 or 3 years", not "wrong format". */
	[F_TERM] = {N_("Term (years)"), FIELD_REQUIRED, CHARS_DIGITS, 1, orderpage_term,
		    N_("Choose 1, 2 or 3 years.")},
};

static void
invoice_load(struct form *f)
{
	const struct apply *a = apply_get();
	char term[16];

	form_set(f, F_TITLE, a->record.name);
	form_set(f, F_EMAIL, a->email[0] != '\0' ? a->email : a->record.email);
	snprintf(term, sizeof term, "%d", a->term > 0 ? a->term : 1);
	form_set(f, F_TERM, term);
}

static void
invoice_save(const struct form *f)
{
	struct apply *a = apply_get();

	snprintf(a->email, sizeof a->email, "%s", form_get(f, F_EMAIL));
	a->term = atoi(form_get(f, F_TERM));
	new_order();
}

static int
invoice_head(struct rect b)
{
	ui_wrap((struct rect){b.y, b.x, 2, b.w}, UI_DIM,
		_("The invoice title is the name of the unit or person and cannot be "
		  "changed."));
	return b.y + 2;
}

static void
invoice_price(const struct form *f, int y, int x, int w)
{
	orderpage_price_line("apply", atoi(form_get(f, F_TERM)), y, x, w);
}

/* ---- confirm the order ------------------------------------------------- */

static int
draw_order(struct rect b)
{
	const struct apply *a = apply_get();
	const struct session *s = session_get();
	char line[512];
	int y = b.y, x = b.x, w = b.w;

	ui_put(y, x, w, UI_TITLE, _("Please check the order once more."));
	y += 2;
	orderpage_row(y++, x, w, s->unit ? _("Unit") : _("Name"), a->record.name);
	orderpage_row(y++, x, w, _("Recipient"), a->recipient);
	orderpage_row(y++, x, w, _("Recipient's mobile"), a->mobile);
	apply_address(line, sizeof line);
	orderpage_row(y++, x, w, _("Mailing address"), line);
	orderpage_row(y++, x, w, _("Postcode"), a->postcode);
	orderpage_row(y++, x, w, _("E-mail for the e-invoice"), a->email);
	orderpage_row(y++, x, w, _("Invoice title"), a->record.name);
	snprintf(line, sizeof line, _("%d year(s)"), a->term);
	orderpage_row(y++, x, w, _("Term"), line);
	orderpage_price_row("apply", a->term, y++, x, w);
	return y + 1;
}

static struct job *
order_start(bool retry)
{
	(void)retry;
	return apply_job(AC_ORDER);
}

/* ---- confirm the application ------------------------------------------- */

static struct job *
submit_start(void)
{
	return apply_job(AC_CONFIRM);
}

/* ---- done -------------------------------------------------------------- */

static int
draw_done(struct rect b)
{
	const struct session *s = session_get();
	char line[512];
	int y = b.y, x = b.x, w = b.w;

	ui_put(y, x, w, UI_OK, _("Your application was paid and is now under review."));
	y += 2;
	ui_labelled(line, sizeof line, _("Order number:"), s->order_id);
	ui_put(y++, x, w, UI_TITLE, line);
	y++;
	y += ui_wrap((struct rect){y, x, 3, w}, UI_NORMAL,
		     _("Staff review the documents within 3 to 5 working days; the "
		       "result comes by SMS."));
	y += ui_wrap((struct rect){y, x, 3, w}, UI_NORMAL,
		     _("If it passes, the certificate PIN comes by SMS, or as the memo "
		       "of the 0.01 CNY transfer if the account was verified that way."));
	y += ui_wrap((struct rect){y, x, 2, w}, UI_NORMAL,
		     _("The UKey is made and posted to your mailing address."));
	y += ui_wrap((struct rect){y, x, 2, w}, UI_NORMAL,
		     _("The e-invoice is e-mailed to the address you gave."));
	y += ui_wrap((struct rect){y, x, 2, w}, UI_DIM,
		     _("Follow the order with \"Track my orders\" at any kiosk."));
	return y;
}

static const char *
invoice_url(void)
{
	return apply_get()->invoice_url;
}

/* ---- the table --------------------------------------------------------- */

static const struct form_param who = {
	.fields = who_fields,
	.nfields = 1,
	.load = who_load,
	.save = who_save,
	.leave_ask = N_("Leave the application? What you typed here is cleared."),
};
static const struct work_param lookup = {
	.start = lookup_start,
	.stage = apply_stage,
	.result = call_result,
};
static const struct confirm_param record = {
	.draw = draw_record,
	.confirm = N_("Next"),
};
static const struct form_param address = {
	.fields = address_fields,
	.nfields = F_ADDR_COUNT,
	.load = address_load,
	.save = address_save,
	.head = address_head,
};
static const struct form_param invoice = {
	.fields = invoice_fields,
	.nfields = F_INV_COUNT,
	.focus = F_EMAIL,
	.load = invoice_load,
	.save = invoice_save,
	.head = invoice_head,
	.extra = invoice_price,
};
static const struct confirm_param order = {
	.draw = draw_order,
	.confirm = N_("Confirm order"),
	.modify = N_("Back to edit"),
	.start = order_start,
	.busy = N_("Placing the order..."),
	.result = apply_result,
};
static const struct upload_param upload = {.next = N_("Confirm application")};
static const struct work_param submit = {
	.start = submit_start,
	.stage = apply_stage,
	.result = call_result,
};
static const struct pay_param pay = {.request = apply_pay_request};
static const struct done_param done = {
	.draw = draw_done,
	.qr_url = invoice_url,
	.qr_note = N_("Scan the code to view the e-invoice; it was also e-mailed to "
		      "you."),
};

#define TITLE N_("Apply for a certificate")

static const struct step steps[ST_COUNT] = {
	[ST_WHO] = {"apply-who", TITLE, STEP_FORM, 0, 0, 0, FLOW_EXIT, &who, after_who},
	[ST_LOOKUP] = {"apply-lookup", TITLE, STEP_WORK, 0, 0, 0, ST_WHO, &lookup, NULL},
	[ST_RECORD] = {"apply-record", TITLE, STEP_CONFIRM, 0, 0, 0, ST_WHO, &record,
		       NULL},
	[ST_ADDRESS] = {"apply-address", N_("Mailing address"), STEP_FORM, 0, 0, 0,
			ST_RECORD, &address, NULL},
	[ST_INVOICE] = {"apply-invoice", N_("E-invoice and term"), STEP_FORM, 0, 0, 0,
			ST_ADDRESS, &invoice, NULL},
	[ST_CONFIRM] = {"apply-confirm", N_("Confirm order"), STEP_CONFIRM, 0, 0,
			NEED_ORDER, ST_INVOICE, &order, NULL},
	[ST_UPLOAD] = {"apply-upload", N_("Upload documents"), STEP_UPLOAD, 0, NEED_ORDER,
		       0, ST_CONFIRM, &upload, NULL},
	[ST_SUBMIT] = {"apply-submit", N_("Confirm application"), STEP_WORK, 0,
		       NEED_ORDER, 0, ST_UPLOAD, &submit, NULL},
	[ST_PAY] = {"apply-pay", N_("Pay"), STEP_PAY, 1, NEED_ORDER, NEED_PAID, ST_UPLOAD,
		    &pay, NULL},
	[ST_DONE] = {"apply-done", TITLE, STEP_DONE, 2, NEED_PAID, 0, FLOW_HOME, &done,
		     NULL},
};

const struct flow_table apply_flow = {SVC_APPLY, steps, ST_COUNT};
