/*
 * apply.c - applying for a certificate (证书申请) as a table of steps, as the
 * manual has it for a unit (1.1) and a person (1.2), and the little that is
 * its own: the mailing address and invoice forms, the confirm page, the
 * verification rows (whose choice decides how the PIN comes), what happens
 * next.
 *
 * unit or person, the number, the registration record greyed -> mailing
 * address -> e-mail and term -> confirm order (the order is made, a draft;
 * 返回修改 keeps everything) -> the unit's or the person's identity, one way
 * of three -> a unit's agent, one way of two -> documents from the phone ->
 * the SMS code to the agent / applicant -> confirm the application -> pay
 * -> handed to review -> done (review in 3-5 working days, the PIN, the
 * post), and Order query one key away.  The worker jobs are
 * src/svc/apply.c's; the upload step's are docs.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "apply.h"
#include "apply_steps.h"
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
	ST_IDENTIFY,
	ST_ADDRESS,
	ST_INVOICE,
	ST_CONFIRM,
	ST_VERIFY,
	ST_AGENT,
	ST_UPLOAD,
	ST_SMS,
	ST_SUBMIT,
	ST_PAY,
	ST_REVIEW,
	ST_DONE,
	ST_COUNT
};

/* ---- the calls --------------------------------------------------------- */

/* The outcome of a call (the application confirmed, the paid order read). */
static enum work_out
call_result(struct job *job, const char **reason, int *go)
{
	bool dead;

	(void)go;
	*reason = apply_result(job, &dead);
	if (*reason == NULL)
		return WORK_NEXT;
	/* The SMS session ran out: the flow sends the customer for a code. */
	if (session_get()->sms_session[0] == '\0')
		return WORK_TOKEN;
	return dead ? WORK_STOP : WORK_RETRY;
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

/* dst takes the field's value; true when that changed it. */
static bool
keep(char *dst, const char *v)
{
	bool changed = strcmp(dst, v) != 0;

	snprintf(dst, FORM_VALUE_MAX, "%s", v);
	return changed;
}

/* New details, new request (a retry of the same keeps its keys); the same
 * details again (back and on unchanged) keep the order and what was
 * verified for it. */
static void
address_save(const struct form *f)
{
	struct apply *a = apply_get();
	bool changed = !a->form_filled;

	changed |= keep(a->recipient, form_get(f, F_RECIPIENT));
	changed |= keep(a->mobile, form_get(f, F_MOBILE));
	changed |= keep(a->region, form_get(f, F_REGION));
	changed |= keep(a->street, form_get(f, F_STREET));
	changed |= keep(a->postcode, form_get(f, F_POSTCODE));
	a->form_filled = true;
	if (changed)
		apply_new_order();
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

	int term = atoi(form_get(f, F_TERM));

	if (keep(a->email, form_get(f, F_EMAIL)) || term != a->term)
		apply_new_order();
	a->term = term;
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
	orderpage_price_line(apply_kind(), atoi(form_get(f, F_TERM)), y, x, w);
}

/* ---- identity -------------------------------------------------------- */

static const struct verify_method_row unit_methods[] = {
	{API_VERIFY_MOBILE, N_("Legal representative's mobile (real-name check)"),
	 N_("The certificate PIN then comes by SMS to the legal representative's "
	    "mobile.")},
	{API_VERIFY_TRANSFER, N_("Corporate account (0.01 CNY transfer with a code)"),
	 N_("The certificate PIN then comes in the memo of a 0.01 CNY transfer to the "
	    "corporate account.")},
	{API_VERIFY_BANK_CARD, N_("Legal representative's bank card (card check)"),
	 N_("The certificate PIN then comes by SMS to the legal representative's "
	    "mobile.")},
};
static const struct verify_method_row agent_methods[] = {
	{API_VERIFY_MOBILE, N_("Agent's mobile (real-name check)"), NULL},
	{API_VERIFY_BANK_CARD, N_("Agent's bank card (card check)"), NULL},
};
static const struct verify_method_row person_methods[] = {
	{API_VERIFY_MOBILE, N_("Mobile (real-name check)"),
	 N_("The certificate PIN then comes by SMS to your mobile.")},
	{API_VERIFY_BANK_CARD, N_("Bank card"),
	 N_("The certificate PIN then comes by SMS to your mobile.")},
	{API_VERIFY_TRANSFER, N_("Bank account (0.01 CNY transfer with a code)"),
	 N_("The certificate PIN then comes in the memo of a 0.01 CNY transfer to "
	    "your bank account.")},
};

static int
subject_verified(void)
{
	return apply_get()->verified[0] - 1;
}

static void
subject_took(int row)
{
	apply_get()->verified[0] = row + 1;
}

static int
agent_verified(void)
{
	return apply_get()->verified[1] - 1;
}

static void
agent_took(int row)
{
	apply_get()->verified[1] = row + 1;
}

/* The rows of a party: the unit's or the person's (0), the agent's (1). */
static const struct verify_method_row *
party_rows(bool unit, int party, int *n)
{
	*n = party == 1 ? 2 : 3;
	return party == 1 ? agent_methods : unit ? unit_methods : person_methods;
}

/* The identity of the unit or person was checked before this visit (a
 * draft continued from Order query): not asked again. */
bool
apply_subject_before(const struct session *s)
{
	(void)s;
	return apply_get()->before[0];
}

/* A person has no agent; a unit's agent checked before is not asked again. */
bool
apply_no_agent_step(const struct session *s)
{
	return !s->unit || apply_get()->before[1];
}

/* A draft continued from Order query: its form as typed, and the checks it
 * passed (mapped to this table's rows) stand. */
static void
resume_order(const struct api_order *o)
{
	const struct session *s = session_get();
	struct apply *a;

	apply_take_order(o);
	a = apply_get();
	for (int i = 0; i < o->nverified; i++) {
		const char *party = o->verified[i].party;
		int who = strcmp(party, "agent") == 0 ? 1 : 0, n;
		const struct verify_method_row *rows = party_rows(s->unit, who, &n);

		if (strcmp(party, who ? "agent" : s->unit ? "unit" : "person") != 0)
			continue;
		for (int r = 0; r < n; r++)
			if (rows[r].method == (int)o->verified[i].method) {
				a->verified[who] = r + 1;
				a->before[who] = true;
			}
	}
}

/* On the confirm page: the checks passed before, which are not asked again. */
static int
draw_before(int y, int x, int w)
{
	const struct apply *a = apply_get();
	const struct session *s = session_get();
	static const char *const who[] = {N_("Identity already verified:"),
					  N_("Agent already verified:")};
	char line[512];
	int n;

	for (int p = 0; p < 2; p++) {
		const struct verify_method_row *rows = party_rows(s->unit, p, &n);

		if (!a->before[p] || a->verified[p] < 1 || a->verified[p] > n)
			continue;
		ui_labelled(line, sizeof line, _(who[p]),
			    _(rows[a->verified[p] - 1].name));
		ui_put(y++, x, w, UI_OK, line);
	}
	if (a->before[0] || a->before[1])
		y += ui_wrap((struct rect){y, x, 2, w}, UI_DIM,
			     _("These checks were passed for this order before and are "
			       "not asked again."));
	return y;
}

/* ---- confirm the order ------------------------------------------------- */

int
apply_draw_order(struct rect b)
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
	orderpage_price_row(apply_kind(), a->term, y++, x, w);
	return draw_before(y + 1, x, w) + 1;
}

/* The order is made once: the same details again (back and on unchanged,
 * or a draft continued from Order query) keep it, with no call. */
struct job *
apply_order_start(bool retry)
{
	(void)retry;
	return session_get()->order_id[0] != '\0' ? NULL : apply_job(AC_ORDER);
}

/* ---- confirm the application, and after the payment -------------------- */

static struct job *
submit_start(void)
{
	return apply_job(AC_CONFIRM);
}

static struct job *
status_start(void)
{
	return apply_job(AC_STATUS);
}

/* ---- done -------------------------------------------------------------- */

/* How the PIN comes, by the way the unit or person was verified. */
static const char *
pin_note(void)
{
	int row = apply_get()->verified[0] - 1, n;
	const struct verify_method_row *rows = party_rows(session_get()->unit, 0, &n);

	if (row >= 0 && row < n)
		return rows[row].pin_note;
	return N_("The certificate PIN then comes as the way of verification chose.");
}

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
	ui_labelled(line, sizeof line, _("If it passes:"), _(pin_note()));
	y += ui_wrap((struct rect){y, x, 3, w}, UI_NORMAL, line);
	y += ui_wrap((struct rect){y, x, 2, w}, UI_NORMAL,
		     _("The UKey is made and posted to your mailing address."));
	y += ui_wrap((struct rect){y, x, 2, w}, UI_NORMAL,
		     _("The e-invoice is e-mailed to the address you gave."));
	y += ui_wrap((struct rect){y, x, 2, w}, UI_DIM,
		     _("Follow the order with \"Track my orders\" at any kiosk, or "
		       "press Q now."));
	return y;
}

/* The order's status page for the phone; the e-invoice when that link
 * could not be had. */
static const char *
done_url(void)
{
	const struct apply *a = apply_get();

	return a->status_url[0] != '\0' ? a->status_url : a->invoice_url;
}

static const char *
done_note(void)
{
	return apply_get()->status_url[0] != '\0'
		       ? N_("Scan the code to follow this order on your phone: its "
			    "state, the tracking number once posted, the e-invoice.")
		       : N_("Scan the code to view the e-invoice; it was also e-mailed "
			    "to you.");
}

static const char *
done_hint(void)
{
	return apply_get()->status_url[0] != '\0'
		       ? N_("Press i to show this order as a QR code for your phone.")
		       : N_("Press i to show the QR code of the e-invoice.");
}

/* ---- the table --------------------------------------------------------- */

static const struct identify_param identify = {
	.kinds = IDENT_UNIT | IDENT_PERSON,
	.why = N_("Say whether the certificate is for a unit or a person and give "
		  "its number; the registered data comes from the registration "
		  "platform."),
	.take = apply_take_record,
};
const struct form_param apply_address_step = {
	.fields = address_fields,
	.nfields = F_ADDR_COUNT,
	.load = address_load,
	.save = address_save,
	.head = address_head,
};
const struct form_param apply_invoice_step = {
	.fields = invoice_fields,
	.nfields = F_INV_COUNT,
	.focus = F_EMAIL,
	.load = invoice_load,
	.save = invoice_save,
	.head = invoice_head,
	.extra = invoice_price,
};
static const struct confirm_param order = {
	.draw = apply_draw_order,
	.confirm = N_("Confirm order"),
	.modify = N_("Back to edit"),
	.start = apply_order_start,
	.busy = N_("Placing the order..."),
	.result = apply_result,
};
const struct verify_param apply_verify_step = {
	.unit = unit_methods,
	.nunit = 3,
	.person = person_methods,
	.nperson = 3,
	.party = VERIFY_SUBJECT,
	.verified = subject_verified,
	.took = subject_took,
};
const struct verify_param apply_agent_step = {
	.unit = agent_methods,
	.nunit = 2,
	.party = VERIFY_AGENT,
	.verified = agent_verified,
	.took = agent_took,
};
const struct upload_param apply_upload_step = {.next = N_("Confirm application")};
static const struct sms_param sms = {
	.purpose = "apply",
	.to = SMS_TO_AGENT,
	.why = N_("The code confirms the application; then it is paid."),
};
const struct work_param apply_submit_step = {
	.start = submit_start,
	.stage = apply_stage,
	.result = call_result,
};
/* Confirmed, verified, its documents in: Esc does not throw that away. */
const struct pay_param apply_pay_step = {
	.request = apply_pay_request,
	.kept = N_("To pay it later, at any kiosk: choose \"Track my orders\" on the "
		   "menu, give the same ID number and the SMS code, open this order and "
		   "choose \"Pay now\"."),
};
const struct work_param apply_review_step = {
	.start = status_start,
	.stage = apply_stage,
	.result = call_result,
	.fail_note = N_("The payment is safe: trying again only asks how the order "
			"stands."),
};
static const struct done_param done = {
	.draw = draw_done,
	.qr_url = done_url,
	.qr_note_now = done_note,
	.qr_hint_now = done_hint,
	.follow = N_("Track this order"),
	.follow_go = flow_follow_orders,
};

#define TITLE N_("Apply for a certificate")
#define WHO NEED_SUBJECT
#define ORDER (NEED_SUBJECT | NEED_ORDER)

static const struct step steps[ST_COUNT] = {
	[ST_IDENTIFY] = {"apply-identify", TITLE, STEP_IDENTIFY, 0, 0, NEED_SUBJECT,
			 FLOW_EXIT, &identify, NULL},
	[ST_ADDRESS] = {"apply-address", N_("Mailing address"), STEP_FORM, 0, WHO, 0,
			ST_IDENTIFY, &apply_address_step, NULL},
	[ST_INVOICE] = {"apply-invoice", N_("E-invoice and term"), STEP_FORM, 0, WHO, 0,
			ST_ADDRESS, &apply_invoice_step, NULL},
	[ST_CONFIRM] = {"apply-confirm", N_("Confirm order"), STEP_CONFIRM, 0, WHO,
			NEED_ORDER, ST_INVOICE, &order, NULL},
	[ST_VERIFY] = {"apply-verify", N_("Verify identity"), STEP_VERIFY, 0, ORDER, 0,
		       ST_CONFIRM, &apply_verify_step, NULL, 0, apply_subject_before},
	[ST_AGENT] = {"apply-agent", N_("Verify the agent"), STEP_VERIFY, 0, ORDER, 0,
		      ST_VERIFY, &apply_agent_step, NULL, 0, apply_no_agent_step},
	[ST_UPLOAD] = {"apply-upload", N_("Upload documents"), STEP_UPLOAD, 0, ORDER, 0,
		       ST_AGENT, &apply_upload_step, NULL},
	[ST_SMS] = {"apply-sms", N_("Confirm application"), STEP_SMS, 0, ORDER, NEED_SMS,
		    ST_UPLOAD, &sms, NULL},
	[ST_SUBMIT] = {"apply-submit", N_("Confirm application"), STEP_WORK, 0,
		       ORDER | NEED_SMS, 0, ST_UPLOAD, &apply_submit_step, NULL},
	[ST_PAY] = {"apply-pay", N_("Pay"), STEP_PAY, 1, NEED_ORDER, NEED_PAID, FLOW_EXIT,
		    &apply_pay_step, NULL},
	[ST_REVIEW] = {"apply-review", N_("Review"), STEP_WORK, 2, NEED_PAID, 0,
		       FLOW_HOME, &apply_review_step, NULL},
	[ST_DONE] = {"apply-done", TITLE, STEP_DONE, 2, NEED_PAID, 0, FLOW_HOME, &done,
		     NULL},
};

const struct flow_table apply_flow = {
	.service = SVC_APPLY,
	.steps = steps,
	.nsteps = ST_COUNT,
	.resume = resume_order,
};
