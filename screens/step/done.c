/*
 * done.c - the step "done": the outcome (the service draws it), a QR code
 * of a link (the e-invoice) beside it or alone, and Finish.  The visit
 * ends on Finish, and when the UKey is taken out: the next customer never
 * finds the last one's company name and order number on the screen.
 */
#include <stdlib.h>

#include "flow.h"
#include "i18n.h"
#include "keys.h"
#include "qr.h"
#include "screen.h"
#include "steps.h"
#include "token.h"
#include "token_watch.h"
#include "ui.h"
#include "xmem.h"

#define K_INVOICE 'i'
#define K_FOLLOW 'q'

struct dn {
	const struct done_param *p;
	struct qr qr;
	bool show_qr; /* the QR alone, when it does not fit beside */
};

static void *
dn_enter(const void *arg)
{
	struct dn *s = xcalloc(1, sizeof *s);
	const struct step *st = arg;
	const char *url;

	s->p = st->param;
	url = s->p->qr_url != NULL ? s->p->qr_url() : NULL;
	if (url != NULL && url[0] != '\0')
		qr_make(url, &s->qr);
	return s;
}

static void
dn_leave(void *state)
{
	struct dn *s = state;

	qr_free(&s->qr);
	secure_wipe(s, sizeof *s);
	free(s);
}

static const char *
note(const struct dn *s)
{
	return s->p->qr_note_now != NULL ? s->p->qr_note_now() : s->p->qr_note;
}

static void
dn_draw(void *state)
{
	struct dn *s = state;
	struct rect b = ui_body();
	int y = b.y + 1, x = b.x + 2, w = b.w - 4;
	bool beside = s->qr.rows > 0 && s->qr.rows <= b.h && s->qr.modules + 40 < b.w;

	if (s->show_qr) {
		int nx = x + s->qr.modules + 4;

		for (int i = 0; i < s->qr.rows && i < b.h; i++)
			ui_put(b.y + i, x, s->qr.modules, UI_BUTTON, s->qr.lines[i]);
		/* The code alone says what it is, as on the payment screen. */
		if (note(s) != NULL && b.x + b.w - nx >= 16)
			ui_wrap((struct rect){b.y + 1, nx, 4, b.x + b.w - nx - 1},
				UI_NORMAL, _(note(s)));
		ui_button(b.y + b.h - 1, x + s->qr.modules + 2, _("Back"), K_INVOICE,
			  true);
		return;
	}
	if (s->qr.rows > 0 && !beside)
		ui_put(y + 13, x, w, UI_DIM,
		       s->p->qr_hint_now != NULL
			       ? _(s->p->qr_hint_now())
			       : _("Press i to show the QR code of the e-invoice."));
	if (beside) {
		int qx = b.x + b.w - s->qr.modules - 1;

		for (int i = 0; i < s->qr.rows; i++)
			ui_put(b.y + i, qx, s->qr.modules, UI_BUTTON, s->qr.lines[i]);
		w = qx - x - 2;
	}
	y = s->p->draw((struct rect){y, x, b.h - 2, w});
	if (beside && note(s) != NULL)
		y += ui_wrap((struct rect){y + 1, x, 3, w}, UI_DIM, _(note(s))) + 1;
	x += ui_button(y + 2, x, _("Finish"), K_ENTER, true) + 2;
	if (s->p->follow != NULL)
		ui_button(y + 2, x, _(s->p->follow), K_FOLLOW, false);
}

static struct result
dn_key(void *state, int key)
{
	struct dn *s = state;

	if (key == K_INVOICE && s->qr.rows > 0) {
		s->show_qr = !s->show_qr;
		return RESULT(ACT_REDRAW);
	}
	if (s->show_qr && (key == K_ENTER || key == K_ESC)) {
		s->show_qr = false;
		return RESULT(ACT_REDRAW);
	}
	if (key == K_ENTER || key == K_ESC)
		return RESULT_FLOW(FLOW_HOME);
	if (key == K_FOLLOW && s->p->follow_go != NULL)
		return s->p->follow_go();
	return RESULT(ACT_NONE);
}

static struct result
dn_tokens(void *state)
{
	struct dn *s = state;

	/* The UKey taken: the customer has gone with it. */
	if (s->p->token_in && token_watch_state(NULL) == 0)
		return RESULT_FLOW(FLOW_HOME);
	return RESULT(ACT_REDRAW);
}

const struct screen_ops screen_step_done = {
	.name = "step-done",
	.title = N_("Done"),
	.help = N_("The service is done. Finish (or taking the UKey out) ends your "
		   "visit and clears what you entered."),
	.footer = FOOT_ENTER,
	.enter = dn_enter,
	.leave = dn_leave,
	.draw = dn_draw,
	.key = dn_key,
	.steps = flow_steps,
	.title_now = flow_title,
	.tokens = dn_tokens,
};
