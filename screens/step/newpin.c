/*
 * newpin.c - the step "new PIN twice": the new PIN typed twice, never
 * shown, held against the rules of newpin.h (printable ASCII only, within
 * the token's length limits, nothing anyone would guess, both the same),
 * each refusal with its reason; the PIN goes to the service (newpin_param
 * .take) and the screen's copies are wiped at once.  On a PIN-pad reader
 * the customer types the new PIN on the reader when the token asks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "form.h"
#include "i18n.h"
#include "keys.h"
#include "newpin.h"
#include "pin.h"
#include "screen.h"
#include "session.h"
#include "steps.h"
#include "ui.h"
#include "xmem.h"

enum { F_PIN, F_AGAIN, F_COUNT };

static const struct field_def fields[F_COUNT] = {
	[F_PIN] = {N_("New PIN"), FIELD_REQUIRED | FIELD_MASKED, CHARS_EMAIL,
		   PIN_MAX_CHARS, NULL,
		   N_("Choose a PIN only you know. It is not shown.")},
	[F_AGAIN] = {N_("New PIN again"), FIELD_REQUIRED | FIELD_MASKED, CHARS_EMAIL,
		     PIN_MAX_CHARS, NULL, N_("Type the same PIN once more.")},
};

struct np {
	const struct newpin_param *p;
	struct form form;
	enum newpin_verdict verdict; /* why the last try was refused */
};

static void *
np_enter(const void *arg)
{
	struct np *s = xcalloc(1, sizeof *s);
	const struct step *st = arg;

	s->p = st->param;
	form_init(&s->form, fields, F_COUNT);
	return s;
}

static void
np_leave(void *state)
{
	struct np *s = state;

	form_wipe(&s->form);
	secure_wipe(s, sizeof *s);
	free(s);
}

static void
limits(unsigned long *lo, unsigned long *hi)
{
	const struct session *se = session_get();

	pin_limits(se->min_pin, se->max_pin, lo, hi);
}

static void
np_draw(void *state)
{
	struct np *s = state;
	struct rect b = ui_body();
	int y = b.y + 1, x = b.x + 2, w = b.w - 4;
	unsigned long lo, hi;
	char line[512];

	if (s->p->head != NULL)
		y = s->p->head((struct rect){y, x, 3, w});
	if (session_get()->pinpad) {
		y += 1 + ui_wrap((struct rect){y, x, 3, w}, UI_ACCENT,
				 _("This card reader has its own keypad: you will type "
				   "the new PIN twice on the reader when it asks. Press "
				   "Enter to go on."));
		ui_button(y + 1, x, _(s->p->button), K_ENTER, true);
		return;
	}
	limits(&lo, &hi);
	snprintf(line, sizeof line,
		 _("Type the new PIN twice: %lu to %lu English letters, digits or signs. "
		   "Not 123456, 000000 or the like."),
		 lo, hi);
	y += 1 + ui_wrap((struct rect){y, x, 2, w}, UI_NORMAL, line);
	y += form_draw(&s->form, (struct rect){y, x, 5, w});
	if (s->verdict != NEWPIN_OK) {
		const char *why = newpin_reason(s->verdict);

		if (s->verdict == NEWPIN_SHORT || s->verdict == NEWPIN_LONG)
			snprintf(line, sizeof line,
				 _("The new PIN must have %lu to %lu characters."), lo,
				 hi);
		else
			snprintf(line, sizeof line, "%s", _(why));
		ui_wrap((struct rect){y, x, 2, w}, UI_ERROR, line);
	}
	x += ui_button(y + 3, x, _(s->p->button), K_ENTER, false) + 2;
	ui_button(y + 3, x, _("Back"), K_ESC, false);
}

/* Both typed: the rules, then the service takes it; ours goes. */
static struct result
submit(struct np *s)
{
	const struct session *se = session_get();

	s->verdict = newpin_check2(form_get(&s->form, F_PIN), form_get(&s->form, F_AGAIN),
				   se->min_pin, se->max_pin);
	if (s->verdict != NEWPIN_OK) {
		/* Typed again from the start: nothing half-kept. */
		form_clear(&s->form, F_PIN);
		form_clear(&s->form, F_AGAIN);
		s->form.focus = F_PIN;
		return RESULT(ACT_REDRAW);
	}
	s->p->take(form_get(&s->form, F_PIN));
	form_wipe(&s->form);
	return RESULT_FLOW(FLOW_NEXT);
}

static struct result
np_key(void *state, int key)
{
	struct np *s = state;
	bool typed = key >= 0x20 && key != K_BACKSPACE && !K_IS_FN(key) && key < 0x110000;

	if (key == K_ESC) {
		form_wipe(&s->form);
		return RESULT_FLOW(FLOW_BACK);
	}
	if (session_get()->pinpad) {
		if (key != K_ENTER)
			return RESULT(ACT_NONE);
		s->p->take(NULL);
		return RESULT_FLOW(FLOW_NEXT);
	}
	if (typed && !pin_char_ok(key)) {
		/* A CJK character or an emoji is no part of a PIN. */
		form_clear(&s->form, s->form.focus);
		s->verdict = NEWPIN_CHARS;
		return RESULT(ACT_REDRAW);
	}
	if (typed && strlen(form_get(&s->form, s->form.focus)) >= PIN_MAX_CHARS) {
		s->verdict = NEWPIN_LONG;
		return RESULT(ACT_REDRAW);
	}
	if (key == K_ENTER && s->form.focus == F_AGAIN)
		return submit(s);
	if (key == K_ENTER && s->form.focus == F_PIN) {
		/* The first one alone can be judged before it is typed again. */
		const struct session *se = session_get();
		enum newpin_verdict v =
			newpin_check(form_get(&s->form, F_PIN), se->min_pin, se->max_pin);

		if (v != NEWPIN_OK) {
			s->verdict = v;
			form_clear(&s->form, F_PIN);
			return RESULT(ACT_REDRAW);
		}
	}
	switch (form_key(&s->form, key)) {
	case FORM_SUBMIT:
		return submit(s);
	case FORM_CHANGED:
		if (typed)
			s->verdict = NEWPIN_OK;
		return RESULT(ACT_REDRAW);
	case FORM_NONE:
		break;
	}
	return RESULT(ACT_NONE);
}

static struct result
np_tokens(void *state)
{
	struct np *s = state;

	if (flow_tokens_ok())
		return RESULT(ACT_REDRAW);
	form_wipe(&s->form);
	return RESULT_FLOW(FLOW_AGAIN);
}

const struct screen_ops screen_step_newpin = {
	.name = "step-newpin",
	.title = N_("Set a new PIN"),
	.help = N_("Type the new PIN, press Enter, and type it once more. It is not "
		   "shown. A PIN anyone would guess (123456, 000000, 654321 and the "
		   "like) is refused. Esc goes back."),
	.footer = FOOT_ENTER | FOOT_TAB | FOOT_ESC,
	.enter = np_enter,
	.leave = np_leave,
	.draw = np_draw,
	.key = np_key,
	.steps = flow_steps,
	.title_now = flow_title,
	.tokens = np_tokens,
};
