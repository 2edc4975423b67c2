/*
 * pin.c - the step "PIN": log in to the session's UKey through the one PIN
 * step (pin.h: printable ASCII only, the token's length limits, PIN-pad
 * readers, the tries left in words, a dialog before the final try, the
 * Unlock offer for a locked UKey).  The service's lines above it say whose
 * UKey it is.  Logged in, the flow goes on; a pulled UKey sends the
 * customer back to the step that reads one.
 */
#include <stdlib.h>

#include "flow.h"
#include "i18n.h"
#include "keys.h"
#include "offer.h"
#include "pin.h"
#include "screen.h"
#include "session.h"
#include "steps.h"
#include "token_watch.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

struct ps {
	const struct pin_param *p;
	struct pin_step pin;
};

/* Start from the UKey as the insert step read it (its PIN state then); a
 * wrong PIN or a login updates it from the token's live flags. */
static void
pin_start(struct pin_step *pin)
{
	const struct session *se = session_get();
	struct token_info *info = xcalloc(1, sizeof *info);

	info->ref = se->ref;
	info->initialized = se->initialized;
	info->pin = se->pin;
	info->tries_left = se->tries_left;
	info->pinpad = se->pinpad;
	info->min_pin = se->min_pin;
	info->max_pin = se->max_pin;
	pin_begin(pin, info);
	secure_wipe(info, sizeof *info);
	free(info);
}

static void *
ps_enter(const void *arg)
{
	struct ps *s = xcalloc(1, sizeof *s);
	const struct step *st = arg;

	s->p = st->param;
	pin_start(&s->pin);
	if (s->p->keep != NULL)
		s->pin.keep = s->p->keep();
	return s;
}

static void
ps_leave(void *state)
{
	struct ps *s = state;

	pin_wipe(&s->pin);
	secure_wipe(s, sizeof *s);
	free(s);
}

static void
ps_draw(void *state)
{
	struct ps *s = state;
	struct rect b = ui_body();
	struct rect in = {b.y + 1, b.x + 2, b.h - 2, b.w - 4};
	bool paid = session_get()->paid;
	int y = in.y;

	if (paid && s->pin.phase == PIN_LOCKED) {
		/* Locked, the visit can end: the paid order waits for the UKey.
		 * Where Unlock is built, its button (Enter) takes it here, the
		 * UKey kept, and Finish is Esc. */
		bool unlock = offer_for(SVC_UNLOCK).screen != SERVICE_NOT_BUILT;

		pin_draw(&s->pin, (struct rect){y, in.x, in.h - 5, in.w});
		if (s->p->paid_locked != NULL)
			ui_wrap((struct rect){in.y + in.h - 4, in.x, 2, in.w}, UI_NORMAL,
				_(s->p->paid_locked));
		ui_button(b.y + b.h - 1, b.x + 2, _("Finish"), unlock ? K_ESC : K_ENTER,
			  !unlock);
		return;
	}
	if (paid && s->p->paid_ask != NULL)
		y += ui_wrap((struct rect){y, in.x, 3, in.w}, UI_TITLE,
			     _(s->p->paid_ask)) +
		     1;
	else if (s->p->head != NULL)
		y = s->p->head(in);
	pin_draw(&s->pin, (struct rect){y, in.x, in.y + in.h - y - 1, in.w});
	ui_button(b.y + b.h - 1, b.x + 2, _("Back"), K_ESC,
		  s->pin.phase == PIN_LOCKED || s->pin.phase == PIN_FAILED);
}

/* What the PIN step's outcome means for the flow. */
static struct result
ps_event(struct ps *s, enum pin_event ev)
{
	struct offer o;

	switch (ev) {
	case PIN_EV_NONE:
		return RESULT(ACT_NONE);
	case PIN_EV_DONE:
		session_get()->logged_in = true;
		return RESULT_FLOW(FLOW_NEXT);
	case PIN_EV_FAILED:
		/* The UKey went: the flow asks for it; else the reason stays up. */
		if (token_watch_state(NULL) != 1)
			return RESULT_FLOW(FLOW_AGAIN);
		return RESULT(ACT_REDRAW);
	case PIN_EV_UNLOCK:
		/* Unlock takes over with the UKey still in. */
		o = offer_for(SVC_UNLOCK);
		if (o.screen != SERVICE_NOT_BUILT) {
			pin_wipe(&s->pin);
			return offer_take(SVC_UNLOCK);
		}
		return RESULT_FLOW(FLOW_EXIT);
	case PIN_EV_LOCKED:
	case PIN_EV_REDRAW:
		break;
	}
	(void)s;
	return RESULT(ACT_REDRAW);
}

static struct result
ps_key(void *state, int key)
{
	struct ps *s = state;
	struct result r;

	/* Locked with a paid order: Enter ends the visit (the order waits),
	 * unless it takes Unlock (the step's own key, below). */
	if (session_get()->paid && s->pin.phase == PIN_LOCKED && key == K_ENTER &&
	    offer_for(SVC_UNLOCK).screen == SERVICE_NOT_BUILT)
		return RESULT_FLOW(FLOW_HOME);
	r = ps_event(s, pin_key(&s->pin, key));

	/* The step first: Esc in its dialog means "do not try". */
	if (r.action != ACT_NONE)
		return r;
	if (s->pin.phase == PIN_LOGIN || s->pin.phase == PIN_READING)
		return RESULT(ACT_NONE);
	if (key == K_ESC)
		return RESULT_FLOW(session_get()->paid ? FLOW_HOME : FLOW_BACK);
	if (key != K_ENTER)
		return RESULT(ACT_NONE);
	/* Nothing to go on with here: Enter takes the one way. */
	if (s->pin.phase == PIN_LOCKED)
		return RESULT_FLOW(session_get()->paid ? FLOW_HOME : FLOW_BACK);
	if (s->pin.phase == PIN_FAILED)
		return RESULT_FLOW(0);
	return RESULT(ACT_NONE);
}

static struct result
ps_job_done(void *state, struct job *job)
{
	struct ps *s = state;

	if (job != s->pin.job)
		return RESULT(ACT_NONE);
	return ps_event(s, pin_job_done(&s->pin, job));
}

static struct result
ps_tokens(void *state)
{
	struct ps *s = state;

	if (flow_tokens_ok() && !pin_busy(&s->pin))
		return RESULT(ACT_REDRAW);
	pin_wipe(&s->pin);
	return RESULT_FLOW(FLOW_AGAIN);
}

static struct result
ps_tick(void *state, int64_t now)
{
	const struct ps *s = state;

	(void)now;
	return pin_busy(&s->pin) ? RESULT(ACT_REDRAW) : RESULT(ACT_NONE);
}

const struct screen_ops screen_step_pin = {
	.name = "step-pin",
	.title = N_("Log in"),
	.help = N_("Type the PIN of the UKey and press Enter. The PIN is not shown. "
		   "Esc goes back."),
	.footer = FOOT_ENTER | FOOT_ESC,
	.enter = ps_enter,
	.leave = ps_leave,
	.draw = ps_draw,
	.key = ps_key,
	.tick = ps_tick,
	.job_done = ps_job_done,
	.steps = flow_steps,
	.title_now = flow_title,
	.tokens = ps_tokens,
};
