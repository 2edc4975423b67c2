/*
 * renew.c - renewal, first step: insert the UKey (exactly one), see whose
 * certificate it is, hear whether it can be renewed (before any PIN: the
 * certificate and the CA say so), log in through the one PIN step, and see
 * how long the new certificate will run.  An unfinished paid renewal of the
 * same UKey is found here and finished without a second payment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i18n.h"
#include "keys.h"
#include "loop.h"
#include "offer.h"
#include "pin.h"
#include "renew.h"
#include "rules.h"
#include "screen.h"
#include "service.h"
#include "token.h"
#include "token_job.h"
#include "token_watch.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

enum rn_state {
	RN_WAIT,
	RN_MANY,
	RN_READING,
	RN_NOCERT,
	RN_CHECKING,
	RN_PIN, /* the PIN step: field, final-try dialog, login, locked */
	RN_UNKNOWN,
	RN_RESUME,
	RN_INELIGIBLE,
	RN_VALIDITY,
	RN_FAILED,
};

struct rn {
	enum rn_state state;
	struct job *job;
	struct pin_step pin;
	const char *reason;
	enum renew_verdict verdict;
	bool resume; /* the CA knows a paid, unfinished renewal of this UKey */
};

static struct result
rn_follow(struct rn *s)
{
	struct token_watch w;
	size_t n = token_watch_state(&w);

	if (s->job != NULL) {
		job_cancel(s->job);
		s->job = NULL;
	}
	pin_wipe(&s->pin);
	s->resume = false;
	if (n == 0) {
		s->state = RN_WAIT;
	} else if (n > 1) {
		s->state = RN_MANY;
	} else {
		s->state = RN_READING;
		s->job = token_job_read(NULL, 0);
		loop_submit(s->job);
	}
	return RESULT(ACT_REDRAW);
}

static void *
rn_enter(const void *arg)
{
	struct rn *s = xcalloc(1, sizeof *s);

	(void)arg;
	renew_begin();
	rn_follow(s);
	return s;
}

static void
rn_leave(void *state)
{
	struct rn *s = state;

	pin_wipe(&s->pin);
	secure_wipe(s, sizeof *s);
	free(s);
}

/* A state where the customer can only go back (the button is focused). */
static bool
rn_dead_end(const struct rn *s)
{
	return s->state == RN_NOCERT || s->state == RN_UNKNOWN ||
	       s->state == RN_INELIGIBLE ||
	       (s->state == RN_PIN && s->pin.phase == PIN_LOCKED &&
		offer_for(SVC_UNLOCK).button == NULL);
}

/* Vendor and certificate name, as the manual has it ("显示证书名称"). */
static int
draw_token(struct rect b)
{
	const struct renew_cert *c = renew_cert();
	char line[512], to[16];
	int y = b.y;

	if (c == NULL)
		c = &renew_state.certs[0];
	ui_labelled(line, sizeof line, _("Vendor:"),
		    renew_state.vendor[0] ? renew_state.vendor : _("not recognised"));
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

static void
draw_validity(const struct rn *s, struct rect b, int y)
{
	const struct renew_cert *c = renew_cert();
	time_t now = time(NULL), from, to;
	char a[16], z[16], old[16], line[512];

	(void)s;
	/* The dates the new certificate will carry: it is usable from today. */
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
	ui_button(y + 1, b.x, _("Next"), K_ENTER, true);
}

static void
rn_draw(void *state)
{
	struct rn *s = state;
	struct rect b = ui_body();
	struct rect in = {b.y + 1, b.x + 2, b.h - 2, b.w - 4};
	char line[256];
	const char *what;
	int y;

	switch (s->state) {
	case RN_WAIT:
		ui_put_center(b.y + b.h / 2 - 2, b, UI_TITLE,
			      _("Please insert the UKey to renew."));
		ui_put_center(b.y + b.h / 2, b, UI_DIM,
			      _("Insert only that one, and leave it in until the kiosk "
				"says it is done."));
		break;
	case RN_MANY:
		ui_put_center(b.y + b.h / 2 - 2, b, UI_WARN,
			      _("More than one UKey is inserted."));
		ui_put_center(b.y + b.h / 2, b, UI_NORMAL,
			      _("Please leave only the one to renew in the reader."));
		break;
	case RN_READING:
	case RN_CHECKING:
		what = s->state == RN_READING
			       ? _(token_stage_text(TOKEN_STAGE_READING))
			       : _("Checking the certificate with the CA...");
		ui_put_center(b.y + b.h / 2, b, UI_ACCENT,
			      ui_busy(line, sizeof line, what));
		break;
	case RN_NOCERT:
		ui_wrap(in, UI_WARN,
			_("There is no signing certificate with its key on this UKey, so "
			  "there is nothing to renew. Please ask the staff."));
		break;
	case RN_PIN:
		y = draw_token(in);
		pin_draw(&s->pin, (struct rect){y, in.x, in.y + in.h - y, in.w});
		break;
	case RN_UNKNOWN:
		y = draw_token(in);
		ui_wrap((struct rect){y, in.x, 4, in.w}, UI_WARN,
			_("This certificate was not issued by this CA, so it cannot be "
			  "renewed here. Please ask the staff."));
		break;
	case RN_RESUME:
		y = draw_token(in);
		y += ui_wrap((struct rect){y, in.x, 4, in.w}, UI_ACCENT,
			     _("A paid renewal of this UKey was not finished. The kiosk "
			       "will finish it now; you do not pay again."));
		ui_labelled(line, sizeof line, _("Order number:"), renew_state.order_id);
		ui_put(y + 1, in.x, in.w, UI_NORMAL, line);
		ui_button(y + 3, in.x, _("Finish the renewal"), K_ENTER, true);
		break;
	case RN_INELIGIBLE:
		y = draw_token(in);
		y += ui_wrap((struct rect){y, in.x, 4, in.w}, UI_WARN,
			     _(rules_renew_reason(s->verdict)));
		/* The advice, once: the service that fits, or the counter. */
		if (s->verdict == RENEW_TOO_LATE)
			ui_wrap((struct rect){y + 1, in.x, 3, in.w}, UI_ACCENT,
				_(offer_for(SVC_APPLY).text));
		break;
	case RN_VALIDITY:
		y = draw_token(in);
		draw_validity(s, in, y);
		break;
	case RN_FAILED:
		ui_wrap((struct rect){in.y, in.x, 4, in.w}, UI_ERROR, _(s->reason));
		ui_button(in.y + 5, in.x, _("Try again"), K_ENTER, true);
		break;
	}
	ui_button(b.y + b.h - 1, b.x + 2, _("Back"), K_ESC, rn_dead_end(s));
}

static struct result
rn_check(struct rn *s)
{
	s->state = RN_CHECKING;
	s->job = renew_check_job();
	loop_submit(s->job);
	return RESULT(ACT_REDRAW);
}

/* What the PIN step's outcome means for the renewal. */
static struct result
pin_event(struct rn *s, enum pin_event ev)
{
	switch (ev) {
	case PIN_EV_NONE:
		return RESULT(ACT_NONE);
	case PIN_EV_DONE:
		s->state = s->resume ? RN_RESUME : RN_VALIDITY;
		return RESULT(ACT_REDRAW);
	case PIN_EV_FAILED:
		s->reason = pin_reason(&s->pin);
		s->state = RN_FAILED;
		return RESULT(ACT_REDRAW);
	case PIN_EV_UNLOCK:
		/* Unlock takes over with the UKey still in. */
		return RESULT_REPLACE(offer_for(SVC_UNLOCK).screen, NULL);
	case PIN_EV_LOCKED:
	case PIN_EV_REDRAW:
		break;
	}
	return RESULT(ACT_REDRAW);
}

static struct result
rn_key(void *state, int key)
{
	struct rn *s = state;

	if (s->state == RN_PIN) {
		/* The step first: Esc in its dialog means "do not try". */
		struct result r = pin_event(s, pin_key(&s->pin, key));

		if (r.action != ACT_NONE)
			return r;
	}
	if (key == K_ESC)
		return RESULT(ACT_POP);
	switch (s->state) {
	case RN_VALIDITY:
		if (key == K_ENTER)
			return RESULT_REPLACE(SCR_RENEW_FORM, NULL);
		break;
	case RN_RESUME:
		if (key == K_ENTER)
			return RESULT_REPLACE(SCR_RENEW_INSTALL, NULL);
		break;
	case RN_FAILED:
		if (key == K_ENTER)
			return rn_follow(s);
		break;
	default:
		/* Nothing to go on with here: Enter takes the one way, back. */
		if (key == K_ENTER && rn_dead_end(s))
			return RESULT(ACT_POP);
		break;
	}
	return RESULT(ACT_NONE);
}

static struct result
read_done(struct rn *s, struct job *job)
{
	enum token_err err = token_job_err(job);
	const struct token_info *info;

	if (err == TOKEN_ERR_NONE) {
		s->state = RN_WAIT;
		return RESULT(ACT_REDRAW);
	}
	if (err == TOKEN_ERR_MANY) {
		s->state = RN_MANY;
		return RESULT(ACT_REDRAW);
	}
	if (err != TOKEN_OK || token_job_ninfo(job) == 0) {
		s->reason = token_err_reason(err, -1);
		s->state = RN_FAILED;
		return RESULT(ACT_REDRAW);
	}
	info = token_job_info(job, 0);
	if (!renew_take_token(info)) {
		s->state = RN_NOCERT;
		return RESULT(ACT_REDRAW);
	}
	/* The PIN state as read now; the PIN is asked only if renewal can go on. */
	pin_begin(&s->pin, info);
	return rn_check(s);
}

static struct result
check_done(struct rn *s, struct job *job)
{
	const char *reason = NULL;
	const struct renew_cert *c;

	switch (renew_check_result(job, &reason)) {
	case RC_RESUME:
		/* Paid already: whatever the dates say now, finish it. */
		s->resume = true;
		s->state = RN_PIN;
		return RESULT(ACT_REDRAW);
	case RC_UNKNOWN_CERT:
		s->state = RN_UNKNOWN;
		return RESULT(ACT_REDRAW);
	case RC_FAILED:
		s->reason = reason;
		s->state = RN_FAILED;
		return RESULT(ACT_REDRAW);
	case RC_NEW:
		break;
	}
	c = renew_cert();
	s->verdict = rules_renew_at(c->not_after, time(NULL));
	s->state = rules_renewable(s->verdict) ? RN_PIN : RN_INELIGIBLE;
	return RESULT(ACT_REDRAW);
}

static struct result
rn_job_done(void *state, struct job *job)
{
	struct rn *s = state;

	if (s->state == RN_PIN && job == s->pin.job)
		return pin_event(s, pin_job_done(&s->pin, job));
	if (job != s->job)
		return RESULT(ACT_NONE);
	s->job = NULL;
	switch (s->state) {
	case RN_READING:
		return read_done(s, job);
	case RN_CHECKING:
		return check_done(s, job);
	default:
		break;
	}
	return RESULT(ACT_NONE);
}

static struct result
rn_tokens(void *state)
{
	return rn_follow(state);
}

static struct result
rn_tick(void *state, int64_t now)
{
	const struct rn *s = state;

	(void)now;
	return s->job != NULL || pin_busy(&s->pin) ? RESULT(ACT_REDRAW)
						   : RESULT(ACT_NONE);
}

static int
rn_steps(void *state, const char *const **steps)
{
	(void)state;
	*steps = service_get(SVC_RENEW)->steps;
	return 0;
}

const struct screen_ops screen_renew = {
	.name = "renew",
	.title = N_("Renew a certificate"),
	.help = N_("Insert the one UKey to renew and type its PIN. The kiosk says "
		   "whether the certificate can be renewed and how long the new one "
		   "will run. Esc goes back."),
	.footer = FOOT_ENTER | FOOT_ESC,
	.enter = rn_enter,
	.leave = rn_leave,
	.draw = rn_draw,
	.key = rn_key,
	.tick = rn_tick,
	.job_done = rn_job_done,
	.steps = rn_steps,
	.tokens = rn_tokens,
};
