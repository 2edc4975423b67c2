/*
 * pinchange.c - PIN change (修改证书密码) as a table of steps: insert the
 * UKey, its PIN (the one PIN step: the retry budget protected, the PIN
 * kept for C_SetPIN), the new PIN twice, the change with a login by the
 * new PIN as its proof, done.  The work is src/svc/pinchange.c's.
 */
#include <stdio.h>
#include <string.h>

#include "flow.h"
#include "i18n.h"
#include "pinchange.h"
#include "service.h"
#include "session.h"
#include "steps.h"
#include "token.h"
#include "ui.h"
#include "xmem.h"

enum { ST_INSERT, ST_PIN, ST_NEWPIN, ST_WORK, ST_DONE, ST_COUNT };

/* Any UKey whose PIN is set: the PIN step says what else is wrong. */
static const char *
take_token(const struct token_info *info)
{
	const char *vendor = token_vendor_name(info->vendor);
	struct session *s = session_get();

	snprintf(s->vendor, sizeof s->vendor, "%s", vendor != NULL ? vendor : "");
	return NULL;
}

static int
draw_head(struct rect b)
{
	const struct session *s = session_get();
	char line[512];

	ui_labelled(line, sizeof line, _("Vendor:"),
		    s->vendor[0] ? s->vendor : _("not recognised"));
	ui_put(b.y, b.x, b.w, UI_NORMAL, line);
	return b.y + 2;
}

static char *
keep_old(void)
{
	return pinchange_get()->old_pin;
}

static void
take_new(const char *pin)
{
	struct pinchange *pc = pinchange_get();

	pc->pinpad = pin == NULL;
	snprintf(pc->new_pin, sizeof pc->new_pin, "%s", pin != NULL ? pin : "");
}

static struct job *
work_start(void)
{
	return pinchange_job();
}

static const char *
work_stage(const struct job *job)
{
	if (session_get()->pinpad)
		return N_(
			"Type the old PIN, then the new PIN twice, on the card reader.");
	return pinchange_stage(job) == PC_STAGE_PROOF ? N_("Checking the new PIN...")
						      : N_("Setting the new PIN...");
}

static enum work_out
work_result(struct job *job, const char **reason, int *go)
{
	enum pinchange_stage at;
	enum token_err err = pinchange_result(job, &at);
	struct pinchange *pc = pinchange_get();

	(void)go;
	if (err == TOKEN_OK) {
		secure_wipe(pc, sizeof *pc);
		return WORK_NEXT;
	}
	if (at == PC_STAGE_PROOF) {
		/* Set, but not proven: the customer must know which PIN holds. */
		secure_wipe(pc, sizeof *pc);
		*reason =
			N_("The new PIN was set, but the check with it did not finish. "
			   "From now on use the new PIN; if it does not work, please ask "
			   "the staff.");
		return WORK_STOP;
	}
	if (err == TOKEN_ERR_REMOVED || err == TOKEN_ERR_NONE || err == TOKEN_ERR_MANY ||
	    err == TOKEN_ERR_NOT_LOGGED_IN)
		return WORK_TOKEN;
	*reason = token_err_reason(err, -1);
	if (err == TOKEN_ERR_PIN_INVALID || err == TOKEN_ERR_PIN_LENGTH)
		return WORK_STOP; /* back: another new PIN */
	return WORK_RETRY;
}

static int
draw_done(struct rect b)
{
	int y = b.y;

	ui_put(y, b.x, b.w, UI_OK, _("The PIN was changed."));
	y += 2;
	y += ui_wrap((struct rect){y, b.x, 3, b.w}, UI_NORMAL,
		     _("Your new PIN works; your certificates and seal are untouched."));
	ui_put(y + 1, b.x, b.w, UI_ACCENT, _("Please take your UKey."));
	return y + 2;
}

static const struct insert_param insert = {
	.ask = N_("Please insert the UKey whose PIN you want to change."),
	.hint = N_("Insert only that one, and leave it in until the kiosk says it is "
		   "done."),
	.many = N_("Please leave only the one whose PIN you change in the reader."),
	.take = take_token,
};
static const struct pin_param pin = {
	.head = draw_head,
	.keep = keep_old,
};
static const struct newpin_param newpin = {
	.head = draw_head,
	.take = take_new,
	.button = N_("Set the new PIN"),
};
static const struct work_param work = {
	.start = work_start,
	.stage = work_stage,
	.result = work_result,
	.keep_token = true,
};
static const struct done_param done = {
	.draw = draw_done,
	.token_in = true,
	.follow = N_("Track my orders"),
	.follow_go = flow_follow_orders,
};

#define TITLE N_("Change the PIN")
#define TOKEN (NEED_ONE_TOKEN | NEED_LOGIN)

static const struct step steps[ST_COUNT] = {
	[ST_INSERT] = {"pinchange-insert", TITLE, STEP_INSERT, 0, 0, NEED_ONE_TOKEN,
		       FLOW_EXIT, &insert, NULL},
	[ST_PIN] = {"pinchange-pin", TITLE, STEP_PIN, 0, NEED_ONE_TOKEN, NEED_LOGIN,
		    FLOW_EXIT, &pin, NULL},
	[ST_NEWPIN] = {"pinchange-newpin", TITLE, STEP_NEWPIN, 1, TOKEN, 0, FLOW_EXIT,
		       &newpin, NULL},
	[ST_WORK] = {"pinchange-work", TITLE, STEP_WORK, 1, TOKEN, 0, ST_NEWPIN, &work,
		     NULL},
	[ST_DONE] = {"pinchange-done", TITLE, STEP_DONE, 1, 0, 0, FLOW_HOME, &done, NULL},
};

const struct flow_table pinchange_flow = {SVC_PINCHANGE, steps, ST_COUNT, NULL};
