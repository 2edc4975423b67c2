/*
 * call.c - F12: the customer calls a member of staff.
 *
 * The call goes to the backend with this terminal and the screen the
 * customer is on (the argument); staff see it on the staff screen of any
 * kiosk and with `cakiosk-ra calls`.  "Staff have been called" is said only
 * once the backend has the call; when it cannot be reached, the customer
 * is told to go to the counter instead.  A terminal has one open call, so
 * pressing F12 again says it was made already and calls no one twice.
 */
#include <stdio.h>
#include <stdlib.h>

#include "api.h"
#include "i18n.h"
#include "keys.h"
#include "log.h"
#include "loop.h"
#include "screen.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

struct call {
	struct job *job;  /* running, or NULL */
	const char *said; /* message id once the backend answered, or failed */
	int color;
};

static void *
call_enter(const void *arg)
{
	struct call *c = xcalloc(1, sizeof *c);

	c->job = api_job_staff(API_STAFF_CALL, NULL, arg, NULL, 0);
	loop_submit(c->job);
	return c;
}

static void
call_leave(void *state)
{
	free(state);
}

static void
call_draw(void *state)
{
	struct call *c = state;

	if (c->job != NULL) {
		char line[256];

		ui_note(ui_busy(line, sizeof line, _("Calling a member of staff...")),
			UI_ACCENT, false);
	} else {
		ui_note(_(c->said), c->color, true);
	}
}

static struct result
call_key(void *state, int key)
{
	(void)state;
	/* Closing while it is under way drops the answer, not the call. */
	if (key == K_ENTER || key == K_ESC || key == ' ')
		return RESULT(ACT_POP);
	return RESULT(ACT_NONE);
}

static struct result
call_done(void *state, struct job *job)
{
	struct call *c = state;
	const struct api_err *e = api_job_staff_err(job);

	if (job != c->job)
		return RESULT(ACT_NONE);
	c->job = NULL;
	if (e->err == BACKEND_OK) {
		const struct api_call *call = api_job_staff_call(job);

		log_info("staff called: call %ld%s", call->id,
			 call->again ? " (open already)" : "");
		c->said = call->again ? N_("Staff have been called already and will be "
					   "with you shortly.")
				      : N_("A member of staff has been called and will "
					   "be with you shortly.");
		c->color = UI_OK;
	} else {
		log_warn("the call for staff did not reach the backend: %s",
			 backend_err_name(e->err));
		c->said = N_("The call could not reach the staff: the service centre "
			     "cannot be reached now. Please go to the counter, or wave "
			     "to a member of staff.");
		c->color = UI_ERROR;
	}
	return RESULT(ACT_REDRAW);
}

static struct result
call_tick(void *state, int64_t now)
{
	struct call *c = state;

	(void)now;
	return c->job != NULL ? RESULT(ACT_REDRAW) : RESULT(ACT_NONE);
}

const struct screen_ops screen_call = {
	.name = "call",
	.title = N_("Call staff"),
	.help = N_("The kiosk calls a member of staff to this kiosk. Press Enter "
		   "to close this message; the call stays open until staff come."),
	.flags = SCREEN_DIALOG | SCREEN_NO_STAFF_CALL,
	.footer = FOOT_ENTER,
	.enter = call_enter,
	.leave = call_leave,
	.draw = call_draw,
	.key = call_key,
	.tick = call_tick,
	.job_done = call_done,
};
