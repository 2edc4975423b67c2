/*
 * work.c - the step "work": a job in named stages (work_param), "do not
 * remove the UKey" where it matters.  A failure says why and offers to try
 * again; a dead end offers only the way back; a UKey pulled (or its login
 * lost) is handed to the flow, which sends the customer to the step that
 * fixes it.
 */
#include <stdlib.h>

#include "flow.h"
#include "i18n.h"
#include "keys.h"
#include "loop.h"
#include "screen.h"
#include "session.h"
#include "steps.h"
#include "token.h"
#include "token_watch.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

enum wk_state { WK_RUNNING, WK_FAILED, WK_STOP };

struct wk {
	const struct work_param *p;
	enum wk_state state;
	struct job *job;
	const char *stage;
	const char *reason;
	bool pulled; /* the UKey went while the job ran */
};

static void
wk_run(struct wk *s)
{
	s->state = WK_RUNNING;
	s->pulled = false;
	s->stage = NULL;
	s->job = s->p->start();
	loop_submit(s->job);
}

static void *
wk_enter(const void *arg)
{
	struct wk *s = xcalloc(1, sizeof *s);
	const struct step *st = arg;

	s->p = st->param;
	wk_run(s);
	return s;
}

static void
wk_leave(void *state)
{
	secure_wipe(state, sizeof(struct wk));
	free(state);
}

static void
wk_draw(void *state)
{
	struct wk *s = state;
	struct rect b = ui_body();
	char line[256];
	int x = b.x + 2, w = b.w - 4, y;

	switch (s->state) {
	case WK_RUNNING:
		if (s->p->keep_token)
			ui_put_center(b.y + b.h / 2 - 3, b, UI_ERROR,
				      _("Do not remove the UKey."));
		ui_put_center(
			b.y + b.h / 2 - 1, b, UI_ACCENT,
			ui_busy(line, sizeof line,
				s->stage != NULL ? _(s->stage) : _("Please wait...")));
		if (s->p->busy_note != NULL)
			ui_put_center(b.y + b.h / 2 + 1, b, UI_DIM, _(s->p->busy_note));
		break;
	case WK_FAILED:
		ui_wrap((struct rect){b.y + 1, x, 4, w}, UI_ERROR, _(s->reason));
		if (s->p->fail_note != NULL)
			ui_wrap((struct rect){b.y + 5, x, 3, w}, UI_NORMAL,
				_(s->p->fail_note));
		ui_button(b.y + 9, x, _("Try again"), K_ENTER, true);
		break;
	case WK_STOP:
		y = s->p->head != NULL ? s->p->head((struct rect){b.y + 1, x, b.h - 2, w})
				       : b.y + 1;
		y += ui_wrap((struct rect){y, x, 4, w}, UI_WARN, _(s->reason));
		if (s->p->stop_note != NULL && s->p->stop_note() != NULL)
			ui_wrap((struct rect){y + 1, x, 3, w}, UI_ACCENT,
				_(s->p->stop_note()));
		ui_button(b.y + b.h - 1, b.x + 2, _("Back"), K_ESC, true);
		break;
	}
}

static struct result
wk_key(void *state, int key)
{
	struct wk *s = state;

	switch (s->state) {
	case WK_RUNNING:
		break;
	case WK_FAILED:
		if (key == K_ENTER) {
			wk_run(s);
			return RESULT(ACT_REDRAW);
		}
		/* Before the payment, Esc leaves; after it, the visit ends and
		 * the order waits for the UKey at any kiosk. */
		if (key == K_ESC)
			return RESULT_FLOW(session_get()->paid ? FLOW_HOME : FLOW_BACK);
		break;
	case WK_STOP:
		if (key == K_ENTER || key == K_ESC)
			return RESULT_FLOW(FLOW_BACK);
		break;
	}
	return RESULT(ACT_NONE);
}

static struct result
wk_job_done(void *state, struct job *job)
{
	struct wk *s = state;
	int go = FLOW_NEXT;

	if (job != s->job)
		return RESULT(ACT_NONE);
	s->job = NULL;
	switch (s->p->result(job, &s->reason, &go)) {
	case WORK_NEXT:
		return RESULT_FLOW(go);
	case WORK_STOP:
		s->state = WK_STOP;
		return RESULT(ACT_REDRAW);
	case WORK_TOKEN:
		session_token_gone();
		return RESULT_FLOW(FLOW_AGAIN);
	case WORK_RETRY:
		break;
	}
	if (s->pulled) {
		/* It failed because the UKey went: the flow asks for it. */
		session_token_gone();
		return RESULT_FLOW(FLOW_AGAIN);
	}
	s->state = WK_FAILED;
	return RESULT(ACT_REDRAW);
}

static struct result
wk_tokens(void *state)
{
	struct wk *s = state;

	if (s->state == WK_RUNNING) {
		/* Pulled mid-way: the job fails on its own; then the flow. */
		if (token_watch_state(NULL) != 1)
			s->pulled = true;
		return RESULT(ACT_REDRAW);
	}
	return flow_tokens_ok() ? RESULT(ACT_REDRAW) : RESULT_FLOW(FLOW_AGAIN);
}

static struct result
wk_tick(void *state, int64_t now)
{
	struct wk *s = state;

	(void)now;
	if (s->job == NULL)
		return RESULT(ACT_NONE);
	if (s->p->stage != NULL)
		s->stage = s->p->stage(s->job);
	return RESULT(ACT_REDRAW);
}

/* Enter only where it does something: not while the work runs. */
static unsigned
wk_footer(void *state)
{
	const struct wk *s = state;

	return s->state == WK_RUNNING  ? 0
	       : s->state == WK_FAILED ? FOOT_ENTER | FOOT_ESC
				       : FOOT_ESC;
}

const struct screen_ops screen_step_work = {
	.name = "step-work",
	.title = N_("Please wait"),
	.help = N_("The kiosk is working. Where it says so, do not remove the UKey "
		   "until it says it is done. If anything stops the work, a paid "
		   "order stays paid and is finished when the UKey is inserted "
		   "again."),
	.footer = FOOT_ENTER,
	.enter = wk_enter,
	.leave = wk_leave,
	.draw = wk_draw,
	.key = wk_key,
	.tick = wk_tick,
	.job_done = wk_job_done,
	.steps = flow_steps,
	.title_now = flow_title,
	.tokens = wk_tokens,
	.footer_now = wk_footer,
};
