/*
 * confirm.c - the step "confirm": the service draws what was given (or
 * what will happen) once more; the confirm button runs the service's
 * action (placing the order) or just goes on; the modify button ("返回修改")
 * goes back with everything kept.
 */
#include <stdlib.h>

#include "flow.h"
#include "i18n.h"
#include "keys.h"
#include "loop.h"
#include "screen.h"
#include "steps.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

#define K_MODIFY 'm'

struct cf {
	const struct confirm_param *p;
	struct job *job;
	const char *reason;
	bool dead;
};

static void *
cf_enter(const void *arg)
{
	struct cf *s = xcalloc(1, sizeof *s);
	const struct step *st = arg;

	s->p = st->param;
	return s;
}

static void
cf_leave(void *state)
{
	free(state);
}

static void
cf_draw(void *state)
{
	struct cf *s = state;
	struct rect b = ui_body();
	char line[256];
	int x = b.x + 2, w = b.w - 4;
	int y = s->p->draw((struct rect){b.y + 1, x, b.h - 2, w});

	if (s->job != NULL) {
		ui_put(y + 1, x, w, UI_ACCENT, ui_busy(line, sizeof line, _(s->p->busy)));
		return;
	}
	if (s->reason != NULL) {
		y += ui_wrap((struct rect){y, x, 3, w}, UI_ERROR, _(s->reason));
		if (s->dead)
			goto back;
	}
	x += ui_button(y + 1, x, _(s->p->confirm), K_ENTER, true) + 2;
	if (s->p->modify != NULL) {
		ui_button(y + 1, x, _(s->p->modify), K_MODIFY, false);
		return;
	}
back:
	ui_button(b.y + b.h - 1, b.x + 2, _("Back"), K_ESC, s->dead);
}

static struct result
cf_key(void *state, int key)
{
	struct cf *s = state;

	if (s->job != NULL)
		return RESULT(ACT_NONE);
	if (key == K_ESC || (key == K_MODIFY && s->p->modify != NULL) ||
	    (key == K_ENTER && s->dead))
		return RESULT_FLOW(FLOW_BACK);
	if (key != K_ENTER)
		return RESULT(ACT_NONE);
	if (s->p->start == NULL)
		return RESULT_FLOW(FLOW_NEXT);
	/* After a failure the same request again (the same keys); else anew. */
	s->job = s->p->start(s->reason != NULL);
	s->reason = NULL;
	/* Nothing to do this time (the order stands as it is): on. */
	if (s->job == NULL)
		return RESULT_FLOW(FLOW_NEXT);
	loop_submit(s->job);
	return RESULT(ACT_REDRAW);
}

static struct result
cf_job_done(void *state, struct job *job)
{
	struct cf *s = state;

	if (job != s->job)
		return RESULT(ACT_NONE);
	s->job = NULL;
	s->reason = s->p->result(job, &s->dead);
	return s->reason != NULL ? RESULT(ACT_REDRAW) : RESULT_FLOW(FLOW_NEXT);
}

static struct result
cf_tick(void *state, int64_t now)
{
	const struct cf *s = state;

	(void)now;
	return s->job != NULL ? RESULT(ACT_REDRAW) : RESULT(ACT_NONE);
}

static struct result
cf_tokens(void *state)
{
	struct cf *s = state;

	if (flow_tokens_ok() || s->job != NULL)
		return RESULT(ACT_REDRAW);
	return RESULT_FLOW(FLOW_AGAIN);
}

const struct screen_ops screen_step_confirm = {
	.name = "step-confirm",
	.title = N_("Confirm"),
	.help = N_("Check what is shown. The first button goes on; \"Back to edit\" "
		   "(or Esc) goes back with what you typed."),
	.footer = FOOT_ENTER | FOOT_ESC,
	.enter = cf_enter,
	.leave = cf_leave,
	.draw = cf_draw,
	.key = cf_key,
	.tick = cf_tick,
	.job_done = cf_job_done,
	.steps = flow_steps,
	.title_now = flow_title,
	.tokens = cf_tokens,
};
