/*
 * unlock.c - Unlock (证书解锁) as a table of steps, as the manual has it:
 * insert one UKey -> its PIN state said (tries left, or locked) -> whose
 * certificate (unit or person) -> SMS code -> the unlock order for this
 * UKey -> identity verified, one method of three -> the authorization for
 * this UKey confirmed -> the new PIN twice -> the unlock job (src/svc/
 * unlock.c: SO login, C_InitPIN, SO PIN rotated and escrowed, the new PIN
 * proven) -> done.  Offered directly wherever a locked PIN is found
 * (Check my UKey, the PIN step), the UKey kept.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "flow.h"
#include "i18n.h"
#include "pin.h"
#include "service.h"
#include "session.h"
#include "steps.h"
#include "token.h"
#include "ui.h"
#include "unlock.h"
#include "unlock_order.h"

enum {
	ST_INSERT,
	ST_STATE,
	ST_IDENTIFY,
	ST_SMS,
	ST_ORDER,
	ST_VERIFY,
	ST_AUTH,
	ST_NEWPIN,
	ST_WORK,
	ST_DONE,
	ST_COUNT
};

/* ---- the UKey --------------------------------------------------------- */

static const char *
take(const struct token_info *info)
{
	const char *vendor = token_vendor_name(info->vendor);
	struct session *s = session_get();

	if (!info->initialized)
		return N_("This UKey has not been set up yet, so there is nothing to "
			  "unlock. Please go to the counter.");
	if (info->so_pin == TOKEN_PIN_LOCKED)
		return N_("This UKey's unlock code is itself locked, so it cannot be "
			  "unlocked here. Please take it to the counter of this hall.");
	snprintf(s->vendor, sizeof s->vendor, "%s", vendor != NULL ? vendor : "");
	return NULL;
}

static int
draw_token(struct rect b)
{
	const struct session *s = session_get();
	char line[512];
	int y = b.y;

	ui_labelled(line, sizeof line, _("Vendor:"),
		    s->vendor[0] ? s->vendor : _("not recognised"));
	ui_put(y++, b.x, b.w, UI_NORMAL, line);
	ui_labelled(line, sizeof line, _("UKey serial:"), s->token_serial);
	ui_put(y++, b.x, b.w, UI_NORMAL, line);
	return y + 1;
}

/* What the kiosk read: the PIN's state in words, before anything else. */
static int
draw_state(struct rect b)
{
	const struct session *s = session_get();
	const char *words = pin_state_words(s->pin);
	int y = draw_token(b);

	if (s->pin == TOKEN_PIN_LOCKED) {
		y += ui_wrap((struct rect){y, b.x, 2, b.w}, UI_ERROR, _(words));
		y += 1 + ui_wrap((struct rect){y + 1, b.x, 3, b.w}, UI_NORMAL,
				 _("It can be unlocked here: say whose certificate it "
				   "is, confirm with an SMS code, verify who you are and "
				   "choose a new PIN."));
		return y;
	}
	y += ui_wrap((struct rect){y, b.x, 2, b.w}, UI_OK,
		     words != NULL ? _(words)
				   : _("The PIN of this UKey is not locked: no wrong "
				       "tries are on record."));
	y += 1 + ui_wrap((struct rect){y + 1, b.x, 3, b.w}, UI_NORMAL,
			 _("If you forgot the PIN, you can set a new one here after "
			   "verifying who you are. If you know it, \"Change the PIN\" "
			   "in the menu is quicker."));
	return y;
}

/* ---- the order and its authorization ---------------------------------- */

static int
draw_order(struct rect b)
{
	const struct session *s = session_get();
	char line[512];
	int y = draw_token(b);

	ui_labelled(line, sizeof line, s->unit ? _("Unit:") : _("Name:"),
		    s->subject_name);
	ui_put(y++, b.x, b.w, UI_TITLE, line);
	y += 1 + ui_wrap((struct rect){y + 1, b.x, 3, b.w}, UI_NORMAL,
			 _("The unlock of this UKey is asked for in this name. Next, "
			   "verify who you are."));
	return y;
}

static int
draw_auth(struct rect b)
{
	const struct session *s = session_get();
	char line[512];
	int y = draw_token(b);

	ui_labelled(line, sizeof line, s->unit ? _("Unit:") : _("Name:"),
		    s->subject_name);
	ui_put(y++, b.x, b.w, UI_TITLE, line);
	ui_labelled(line, sizeof line, _("Order number:"), s->order_id);
	ui_put(y++, b.x, b.w, UI_NORMAL, line);
	y += 1 + ui_wrap((struct rect){y + 1, b.x, 3, b.w}, UI_ACCENT,
			 _("Your identity is verified. Confirm to authorize the unlock "
			   "of this UKey (once, for this UKey only); then choose the new "
			   "PIN. Free of charge."));
	return y;
}

/* ---- the new PIN and the work ----------------------------------------- */

static void
take_pin(const char *pin)
{
	unlock_set_pin(pin);
}

static struct job *
work_start(void)
{
	return unlock_job();
}

static const char *
work_stage(const struct job *job)
{
	return unlock_stage_text(unlock_job_stage(job));
}

static enum work_out
work_result(struct job *job, const char **reason, int *go)
{
	enum token_err terr = TOKEN_OK;

	switch (unlock_result(job, reason, &terr)) {
	case UO_DONE:
		return WORK_NEXT;
	case UO_AGAIN:
		if (terr == TOKEN_ERR_REMOVED || terr == TOKEN_ERR_NONE ||
		    terr == TOKEN_ERR_MANY)
			return WORK_TOKEN;
		return WORK_RETRY;
	case UO_PIN:
		*go = ST_NEWPIN;
		return WORK_NEXT;
	case UO_RESTART:
	case UO_COUNTER:
		break;
	}
	return WORK_STOP;
}

static int
draw_done(struct rect b)
{
	int y = b.y;

	ui_put(y, b.x, b.w, UI_OK, _("The UKey is unlocked."));
	y += 2;
	y += ui_wrap((struct rect){y, b.x, 3, b.w}, UI_NORMAL,
		     _("Your new PIN works; your certificates and seal are untouched."));
	ui_put(y + 1, b.x, b.w, UI_ACCENT, _("Please take your UKey."));
	return y + 2;
}

/* ---- the table -------------------------------------------------------- */

static const struct insert_param insert = {
	.ask = N_("Please insert the UKey to unlock."),
	.hint = N_("Insert only that one, and leave it in until the kiosk says it is "
		   "done."),
	.many = N_("Please leave only the one to unlock in the reader."),
	.take = take,
};
static const struct confirm_param state = {
	.draw = draw_state,
	.confirm = N_("Next"),
};
static const struct identify_param identify = {
	.kinds = IDENT_UNIT | IDENT_PERSON,
	.why = N_("Say whose certificate is on this UKey and give its number. A code "
		  "is then sent to the registered mobile (for a unit, its agent's)."),
};
/* A unit's code goes to its agent (经办人), who comes with the UKey, as in
 * Apply (SPEC section 1); the unit itself is then verified by one of its own
 * three methods, the legal representative's or the corporate account's. */
static const struct sms_param sms = {
	.purpose = "unlock",
	.to = SMS_TO_AGENT,
	.why = N_("The code confirms that you ask for this UKey's unlock."),
};
static const struct confirm_param order = {
	.draw = draw_order,
	.confirm = N_("Next"),
	.start = unlock_order_job,
	.busy = N_("Asking the service centre..."),
	.result = unlock_order_result,
};
static const struct verify_method_row unit_methods[] = {
	{API_VERIFY_MOBILE, N_("Legal representative's mobile (real-name check)"), NULL},
	{API_VERIFY_TRANSFER, N_("Corporate account (0.01 CNY transfer with a code)"),
	 NULL},
	{API_VERIFY_BANK_CARD, N_("Legal representative's bank card (card check)"), NULL},
};
static const struct verify_method_row person_methods[] = {
	{API_VERIFY_MOBILE, N_("Mobile (real-name check)"), NULL},
	{API_VERIFY_BANK_CARD, N_("Bank card"), NULL},
	{API_VERIFY_TRANSFER, N_("Bank account (0.01 CNY transfer with a code)"), NULL},
};
static const struct verify_param verify = {
	.unit = unit_methods,
	.nunit = 3,
	.person = person_methods,
	.nperson = 3,
};
static const struct confirm_param auth = {
	.draw = draw_auth,
	.confirm = N_("Confirm the unlock"),
	.start = unlock_confirm_job,
	.busy = N_("Asking the service centre..."),
	.result = unlock_order_result,
};
static const struct newpin_param newpin = {
	.head = draw_token,
	.take = take_pin,
	.button = N_("Set the new PIN"),
};
static const struct work_param work = {
	.start = work_start,
	.stage = work_stage,
	.result = work_result,
	.keep_token = true,
	.busy_note = N_("This takes a few seconds."),
	.fail_note = N_("Nothing is lost: trying again goes on from where it stopped."),
};
static const struct done_param done = {
	.draw = draw_done,
	.token_in = true,
	.follow = N_("Track my orders"),
	.follow_go = flow_follow_orders,
};

#define TITLE N_("Unlock a UKey")
#define ONE NEED_ONE_TOKEN
#define WHO (NEED_SUBJECT | NEED_SMS)

static const struct step steps[ST_COUNT] = {
	[ST_INSERT] = {"unlock-insert", TITLE, STEP_INSERT, 0, 0, ONE, FLOW_EXIT, &insert,
		       NULL},
	[ST_STATE] = {"unlock-state", TITLE, STEP_CONFIRM, 0, ONE, 0, FLOW_EXIT, &state,
		      NULL},
	[ST_IDENTIFY] = {"unlock-identify", N_("Verify identity"), STEP_IDENTIFY, 1, ONE,
			 NEED_SUBJECT, ST_STATE, &identify, NULL},
	[ST_SMS] = {"unlock-sms", N_("Verify identity"), STEP_SMS, 1, ONE | NEED_SUBJECT,
		    NEED_SMS, ST_IDENTIFY, &sms, NULL},
	[ST_ORDER] = {"unlock-order", N_("Verify identity"), STEP_CONFIRM, 1, ONE | WHO,
		      NEED_ORDER, ST_IDENTIFY, &order, NULL},
	[ST_VERIFY] = {"unlock-verify", N_("Verify identity"), STEP_VERIFY, 1,
		       ONE | WHO | NEED_ORDER, 0, ST_IDENTIFY, &verify, NULL},
	[ST_AUTH] = {"unlock-auth", N_("Get authorization"), STEP_CONFIRM, 2,
		     ONE | WHO | NEED_ORDER, 0, ST_VERIFY, &auth, NULL},
	[ST_NEWPIN] = {"unlock-newpin", N_("Set a new PIN"), STEP_NEWPIN, 3,
		       ONE | WHO | NEED_ORDER, 0, FLOW_EXIT, &newpin, NULL},
	[ST_WORK] = {"unlock-work", N_("Set a new PIN"), STEP_WORK, 3, ONE | NEED_ORDER,
		     0, ST_INSERT, &work, NULL, ST_NEWPIN},
	[ST_DONE] = {"unlock-done", N_("Set a new PIN"), STEP_DONE, 3, 0, 0, FLOW_HOME,
		     &done, NULL},
};

const struct flow_table unlock_flow = {SVC_UNLOCK, steps, ST_COUNT, NULL};
