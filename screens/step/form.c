/*
 * form.c - the step "form": the service's fields (form_param), loaded from
 * and saved to the session, so "back to edit" on the confirm step comes
 * back here with everything kept.  Esc asks before leaving the service;
 * "no" keeps what was typed.
 */
#include <stdlib.h>

#include "flow.h"
#include "form.h"
#include "i18n.h"
#include "keys.h"
#include "screen.h"
#include "steps.h"
#include "ui.h"
#include "xmem.h"

#define K_STAY 's'

struct fs {
	const struct form_param *p;
	struct form form;
	bool asking; /* "leave the service?" */
};

static void *
fs_enter(const void *arg)
{
	struct fs *s = xcalloc(1, sizeof *s);
	const struct step *st = arg;

	s->p = st->param;
	form_init(&s->form, s->p->fields, s->p->nfields);
	if (s->p->load != NULL)
		s->p->load(&s->form);
	s->form.focus = s->p->focus;
	return s;
}

static void
fs_leave(void *state)
{
	struct fs *s = state;

	form_wipe(&s->form);
	secure_wipe(s, sizeof *s);
	free(s);
}

static void
fs_draw(void *state)
{
	struct fs *s = state;
	struct rect b = ui_body();
	int y = b.y + 1, x = b.x + 2, w = b.w - 4;

	if (s->p->head != NULL)
		y = s->p->head((struct rect){y, x, 2, w});
	ui_put(y, x, w, UI_DIM, _("Fields marked * are required."));
	y += 2;
	y += form_draw(&s->form, (struct rect){y, x, b.y + b.h - y - 4, w});
	if (s->p->extra != NULL)
		s->p->extra(&s->form, y + 1, x, w);
	x += ui_button(y + 3, x, _("Next"), K_ENTER, false) + 2;
	ui_button(y + 3, x, _("Back"), K_ESC, false);
	if (s->asking)
		ui_ask(s->p->leave_ask, N_("Leave"), N_("Keep editing"), K_STAY);
}

static struct result
fs_key(void *state, int key)
{
	struct fs *s = state;

	if (s->asking) {
		if (key == K_ENTER)
			return RESULT_FLOW(FLOW_BACK);
		if (key == K_ESC || key == K_STAY) {
			s->asking = false;
			return RESULT(ACT_REDRAW);
		}
		return RESULT(ACT_NONE);
	}
	if (key == K_ESC) {
		if (s->p->leave_ask == NULL)
			return RESULT_FLOW(FLOW_BACK);
		s->asking = true;
		return RESULT(ACT_REDRAW);
	}
	switch (form_key(&s->form, key)) {
	case FORM_SUBMIT:
		if (s->p->save != NULL)
			s->p->save(&s->form);
		return RESULT_FLOW(FLOW_NEXT);
	case FORM_CHANGED:
		return RESULT(ACT_REDRAW);
	case FORM_NONE:
		break;
	}
	return RESULT(ACT_NONE);
}

static struct result
fs_tokens(void *state)
{
	struct fs *s = state;

	if (flow_tokens_ok())
		return RESULT(ACT_REDRAW);
	/* Pulled: what was typed is kept in the session, and the flow sends
	 * to the step that fixes it. */
	if (s->p->save != NULL)
		s->p->save(&s->form);
	return RESULT_FLOW(FLOW_AGAIN);
}

const struct screen_ops screen_step_form = {
	.name = "step-form",
	.title = N_("Order details"),
	.help = N_("Fill in the fields; those marked * are required. Tab moves "
		   "between fields; Enter goes on. Esc asks before leaving, and "
		   "keeps what you typed if you stay."),
	.footer = FOOT_ENTER | FOOT_TAB | FOOT_ESC,
	.enter = fs_enter,
	.leave = fs_leave,
	.draw = fs_draw,
	.key = fs_key,
	.steps = flow_steps,
	.title_now = flow_title,
	.tokens = fs_tokens,
};
