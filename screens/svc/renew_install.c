/*
 * renew_install.c - renewal, the last step (下载证书及印章): "do not remove
 * the UKey" while the kiosk makes the request, receives the certificate and
 * the electronic seal and writes both (saying whether the seal was renewed
 * or is the UKey's first); then the outcome: the new
 * validity, the order number, a QR link to the e-invoice, and "your PIN is
 * unchanged".  Any failure (a pulled UKey, a slow backend) leaves the order
 * paid; putting the UKey back and the PIN again (the one PIN step, final
 * try and PIN-pad included) finishes it.
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
#include "qr.h"
#include "renew.h"
#include "screen.h"
#include "service.h"
#include "token.h"
#include "token_job.h"
#include "token_watch.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

enum in_state { IN_RUNNING, IN_FAILED, IN_INSERT, IN_PIN, IN_DONE };

struct ri {
	enum in_state state;
	struct job *job;
	enum renew_stage stage;
	const char *reason;
	bool token_problem; /* the UKey must come back (and the PIN) */
	struct pin_step pin;
	struct qr qr;
	bool show_qr; /* the invoice QR alone, when it does not fit beside */
};

#define K_INVOICE 'i'

static void
ri_run(struct ri *s)
{
	s->state = IN_RUNNING;
	s->stage = RS_CHECKING;
	s->job = renew_install_job();
	loop_submit(s->job);
}

static void *
ri_enter(const void *arg)
{
	struct ri *s = xcalloc(1, sizeof *s);

	(void)arg;
	ri_run(s);
	return s;
}

static void
ri_leave(void *state)
{
	struct ri *s = state;

	pin_wipe(&s->pin);
	qr_free(&s->qr);
	secure_wipe(s, sizeof *s);
	free(s);
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

static void
draw_done(struct ri *s, struct rect b)
{
	char line[512], a[16], z[16];
	int y = b.y + 1, x = b.x + 2, w = b.w - 4;

	bool beside = s->qr.rows > 0 && s->qr.rows <= b.h && s->qr.modules + 40 < b.w;

	if (s->show_qr || (s->qr.rows > 0 && !beside)) {
		if (!s->show_qr) {
			ui_put(y + 13, x, w, UI_DIM,
			       _("Press i to show the QR code of the e-invoice."));
		} else {
			for (int i = 0; i < s->qr.rows && i < b.h; i++)
				ui_put(b.y + i, x, s->qr.modules, UI_BUTTON,
				       s->qr.lines[i]);
			ui_button(b.y + b.h - 1, x + s->qr.modules + 2, _("Back"),
				  K_INVOICE, true);
			return;
		}
	}
	if (beside) {
		int qx = b.x + b.w - s->qr.modules - 1;

		for (int i = 0; i < s->qr.rows; i++)
			ui_put(b.y + i, qx, s->qr.modules, UI_BUTTON, s->qr.lines[i]);
		w = qx - x - 2;
	}
	ui_put(y, x, w, UI_OK, _("The certificate was renewed."));
	y += 2;
	ui_date(renew_state.new_from, a, sizeof a);
	ui_date(renew_state.new_to, z, sizeof z);
	snprintf(line, sizeof line, _("New validity: %s to %s"), a, z);
	ui_put(y++, x, w, UI_TITLE, line);
	ui_labelled(line, sizeof line, _("Order number:"), renew_state.order_id);
	ui_put(y++, x, w, UI_NORMAL, line);
	y += ui_wrap((struct rect){y, x, 2, w}, UI_NORMAL,
		     _(seal_text(renew_state.seal)));
	y++;
	ui_put(y++, x, w, UI_ACCENT, _("Your PIN is unchanged. Please take your UKey."));
	if (renew_state.has_enc)
		y += ui_wrap((struct rect){y, x, 3, w}, UI_NORMAL,
			     _("The encryption key stays on the UKey, so bids sealed "
			       "to your old certificate still open."));
	if (beside)
		y += ui_wrap((struct rect){y + 1, x, 3, w}, UI_DIM,
			     _("Scan the code to view the e-invoice; it was also "
			       "e-mailed to you.")) +
		     1;
	ui_button(y + 2, x, _("Finish"), K_ENTER, true);
}

static void
ri_draw(void *state)
{
	struct ri *s = state;
	struct rect b = ui_body();
	char line[256];
	const char *what;
	int x = b.x + 2, w = b.w - 4, py;

	switch (s->state) {
	case IN_RUNNING:
		ui_put_center(b.y + b.h / 2 - 3, b, UI_ERROR,
			      _("Do not remove the UKey."));
		what = _(renew_stage_text(s->stage));
		ui_put_center(b.y + b.h / 2 - 1, b, UI_ACCENT,
			      ui_busy(line, sizeof line, what));
		ui_put_center(b.y + b.h / 2 + 1, b, UI_DIM,
			      _("This takes a few seconds. The order is paid."));
		break;
	case IN_FAILED:
		ui_wrap((struct rect){b.y + 1, x, 4, w}, UI_ERROR, _(s->reason));
		ui_wrap((struct rect){b.y + 5, x, 3, w}, UI_NORMAL,
			_("The order stays paid; nothing is charged again. You can try "
			  "again now, or later at any kiosk with this UKey."));
		ui_button(b.y + 9, x, _("Try again"), K_ENTER, true);
		break;
	case IN_INSERT:
		ui_wrap((struct rect){b.y + 1, x, 4, w}, UI_WARN,
			_("The UKey was removed before the renewal was finished."));
		ui_wrap((struct rect){b.y + 4, x, 4, w}, UI_TITLE,
			_("Please insert the same UKey again (only that one). The paid "
			  "renewal will then be finished."));
		break;
	case IN_PIN:
		/* Asked once the step can take it (not while it reads the UKey). */
		if (s->pin.phase != PIN_READING && s->pin.phase != PIN_LOCKED)
			ui_wrap((struct rect){b.y + 1, x, 3, w}, UI_TITLE,
				_("Type the PIN again to finish the paid renewal."));
		py = s->pin.phase == PIN_LOCKED ? b.y + 1 : b.y + 4;
		pin_draw(&s->pin, (struct rect){py, x, b.y + b.h - py, w});
		if (s->pin.phase == PIN_LOCKED) {
			/* Locked, the visit can end: the paid order waits. */
			ui_wrap((struct rect){b.y + b.h - 4, x, 2, w}, UI_NORMAL,
				_("The order stays paid; nothing is charged again. Once "
				  "the UKey is unlocked, the renewal is finished at any "
				  "kiosk with it."));
			ui_button(b.y + b.h - 1, x, _("Finish"), K_ENTER, true);
		}
		break;
	case IN_DONE:
		draw_done(s, b);
		break;
	}
}

static struct result
ri_follow(struct ri *s)
{
	size_t n = token_watch_state(NULL);

	if (s->state != IN_INSERT && s->state != IN_PIN && s->state != IN_FAILED)
		return RESULT(ACT_NONE);
	if (n == 1 && s->token_problem) {
		/* Its live PIN state first: the final try is asked for, not lost. */
		s->state = IN_PIN;
		pin_begin_read(&s->pin, NULL);
	} else if (s->token_problem) {
		s->state = IN_INSERT;
	}
	return RESULT(ACT_REDRAW);
}

/* The PIN step's outcome: logged in again, the paid work goes on. */
static struct result
pin_event(struct ri *s, enum pin_event ev)
{
	switch (ev) {
	case PIN_EV_NONE:
		return RESULT(ACT_NONE);
	case PIN_EV_DONE:
		s->token_problem = false;
		ri_run(s);
		break;
	case PIN_EV_FAILED:
		/* Pulled again: "insert the same UKey"; else say why, Enter retries. */
		if (token_watch_state(NULL) != 1) {
			s->state = IN_INSERT;
		} else {
			s->reason = pin_reason(&s->pin);
			s->state = IN_FAILED;
		}
		break;
	case PIN_EV_UNLOCK:
		return RESULT_REPLACE(offer_for(SVC_UNLOCK).screen, NULL);
	case PIN_EV_LOCKED:
	case PIN_EV_REDRAW:
		break;
	}
	return RESULT(ACT_REDRAW);
}

static struct result
ri_key(void *state, int key)
{
	struct ri *s = state;

	switch (s->state) {
	case IN_DONE:
		if (key == K_INVOICE && s->qr.rows > 0) {
			s->show_qr = !s->show_qr;
			return RESULT(ACT_REDRAW);
		}
		if (s->show_qr && (key == K_ENTER || key == K_ESC)) {
			s->show_qr = false;
			return RESULT(ACT_REDRAW);
		}
		if (key == K_ENTER || key == K_ESC)
			return RESULT(ACT_HOME);
		break;
	case IN_FAILED:
		if (key == K_ENTER) {
			if (s->token_problem)
				return ri_follow(s);
			ri_run(s);
			return RESULT(ACT_REDRAW);
		}
		break;
	case IN_PIN: {
		enum pin_event ev = pin_key(&s->pin, key);

		if (ev == PIN_EV_NONE && key == K_ENTER && s->pin.phase == PIN_LOCKED)
			return RESULT(ACT_HOME);
		return pin_event(s, ev);
	}
	default:
		break;
	}
	return RESULT(ACT_NONE);
}

static struct result
ri_job_done(void *state, struct job *job)
{
	struct ri *s = state;
	enum token_err terr;

	if (s->state == IN_PIN && job == s->pin.job)
		return pin_event(s, pin_job_done(&s->pin, job));
	if (job != s->job)
		return RESULT(ACT_NONE);
	s->job = NULL;
	s->reason = renew_install_result(job, &terr);
	if (s->reason == NULL) {
		s->state = IN_DONE;
		if (renew_state.invoice_url[0] != '\0')
			qr_make(renew_state.invoice_url, &s->qr);
		return RESULT(ACT_REDRAW);
	}
	s->token_problem = terr == TOKEN_ERR_REMOVED || terr == TOKEN_ERR_NONE ||
			   terr == TOKEN_ERR_NOT_LOGGED_IN || terr == TOKEN_ERR_MANY;
	s->state = IN_FAILED;
	if (s->token_problem) {
		s->state = IN_INSERT;
		return ri_follow(s);
	}
	return RESULT(ACT_REDRAW);
}

static struct result
ri_tokens(void *state)
{
	struct ri *s = state;

	if (s->state == IN_RUNNING || (s->state == IN_PIN && pin_busy(&s->pin))) {
		/* Pulled mid-way: the job fails on its own; say so meanwhile. */
		if (token_watch_state(NULL) == 0)
			s->token_problem = true;
		return RESULT(ACT_REDRAW);
	}
	if (s->state == IN_PIN && token_watch_state(NULL) != 1) {
		pin_wipe(&s->pin);
		s->state = IN_INSERT;
		return RESULT(ACT_REDRAW);
	}
	return ri_follow(s);
}

static struct result
ri_tick(void *state, int64_t now)
{
	struct ri *s = state;

	(void)now;
	if (s->state == IN_PIN)
		return pin_busy(&s->pin) ? RESULT(ACT_REDRAW) : RESULT(ACT_NONE);
	if (s->job == NULL)
		return RESULT(ACT_NONE);
	if (s->state == IN_RUNNING)
		s->stage = renew_install_stage(s->job);
	return RESULT(ACT_REDRAW);
}

/* "Enter" only where it does something: not while the UKey is written. */
static unsigned
ri_footer(void *state)
{
	const struct ri *s = state;

	return s->state == IN_RUNNING || s->state == IN_INSERT ||
			       (s->state == IN_PIN && pin_busy(&s->pin))
		       ? 0
		       : FOOT_ENTER;
}

static int
ri_steps(void *state, const char *const **steps)
{
	const struct ri *s = state;

	int n = 0;

	*steps = service_get(SVC_RENEW)->steps;
	while ((*steps)[n] != NULL)
		n++;
	/* Done: every step behind the customer, the last one named. */
	return s->state == IN_DONE ? n : 4;
}

const struct screen_ops screen_renew_install = {
	.name = "renew-install",
	.title = N_("Download certificate and seal"),
	.help = N_("The kiosk writes the new certificate and electronic seal onto "
		   "your UKey. Do not remove it until the kiosk says it is done. If "
		   "anything stops the work, the order stays paid and is finished "
		   "when the UKey is inserted again."),
	.flags = SCREEN_NO_IDLE,
	.footer = FOOT_ENTER,
	.enter = ri_enter,
	.leave = ri_leave,
	.draw = ri_draw,
	.key = ri_key,
	.tick = ri_tick,
	.job_done = ri_job_done,
	.steps = ri_steps,
	.tokens = ri_tokens,
	.footer_now = ri_footer,
};
