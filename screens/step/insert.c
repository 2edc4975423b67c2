/*
 * insert.c - the step "insert the UKey": exactly one, read, and handed to
 * the service (insert_param.take).  With a paid order the UKey is bound to
 * it: only that one is taken, and the customer may finish now (put it back)
 * or later (the order finishes the next time the UKey is put into any
 * kiosk); Esc and the idle timeout then end the visit, and counter staff
 * can log in from here (F11 or the button) to release the kiosk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "i18n.h"
#include "keys.h"
#include "loop.h"
#include "screen.h"
#include "session.h"
#include "steps.h"
#include "presence.h"
#include "token.h"
#include "token_job.h"
#include "token_watch.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

/* Staff log in from the screen that waits for a paid order's UKey. */
#define K_STAFF K_F(11)

enum ins_state { INS_WAIT, INS_MANY, INS_READING, INS_OTHER, INS_DEAD, INS_FAILED };

struct ins {
	const struct insert_param *p;
	enum ins_state state;
	struct job *job;
	const char *reason;
};

static struct result
ins_follow(struct ins *s)
{
	static const enum ins_state state[] = {
		[PRESENCE_NONE] = INS_WAIT,
		[PRESENCE_MANY] = INS_MANY,
		[PRESENCE_READING] = INS_READING,
	};

	s->state = state[presence_follow(&s->job, 0, NULL)];
	return RESULT(ACT_REDRAW);
}

static void *
ins_enter(const void *arg)
{
	struct ins *s = xcalloc(1, sizeof *s);
	const struct step *st = arg;

	s->p = st->param;
	ins_follow(s);
	return s;
}

static void
ins_leave(void *state)
{
	secure_wipe(state, sizeof(struct ins));
	free(state);
}

static bool
paid(void)
{
	return session_get()->paid;
}

static void
ins_draw(void *state)
{
	struct ins *s = state;
	struct rect b = ui_body();
	struct rect in = {b.y + 1, b.x + 2, b.h - 2, b.w - 4};
	char line[256];

	switch (s->state) {
	case INS_WAIT:
	case INS_OTHER:
		if (paid()) {
			int y = in.y;

			y += ui_wrap((struct rect){y, in.x, 3, in.w}, UI_WARN,
				     _(s->p->paid_gone));
			y += 1 + ui_wrap((struct rect){y + 1, in.x, 3, in.w}, UI_TITLE,
					 _(s->p->paid_ask));
			if (s->state == INS_OTHER)
				y += 1 + ui_wrap((struct rect){y + 1, in.x, 2, in.w},
						 UI_ERROR,
						 _("This is another UKey. Please insert "
						   "the one being renewed."));
			ui_wrap((struct rect){y + 1, in.x, 3, in.w}, UI_NORMAL,
				_(s->p->paid_later));
			int bx = b.x + 2;

			bx += ui_button(b.y + b.h - 1, bx, _("Finish later"), K_ESC,
					false);
			ui_button(b.y + b.h - 1, bx + 2, _("Staff"), K_STAFF, false);
			return;
		}
		ui_put_center(b.y + b.h / 2 - 2, b, UI_TITLE, _(s->p->ask));
		ui_put_center(b.y + b.h / 2, b, UI_DIM, _(s->p->hint));
		break;
	case INS_MANY:
		ui_put_center(b.y + b.h / 2 - 2, b, UI_WARN,
			      _("More than one UKey is inserted."));
		ui_put_center(b.y + b.h / 2, b, UI_NORMAL, _(s->p->many));
		break;
	case INS_READING:
		ui_put_center(b.y + b.h / 2, b, UI_ACCENT,
			      ui_busy(line, sizeof line,
				      _(token_stage_text(TOKEN_STAGE_READING))));
		break;
	case INS_DEAD:
		ui_wrap(in, UI_WARN, _(s->reason));
		break;
	case INS_FAILED:
		ui_wrap((struct rect){in.y, in.x, 4, in.w}, UI_ERROR, _(s->reason));
		ui_button(in.y + 5, in.x, _("Try again"), K_ENTER, true);
		break;
	}
	ui_button(b.y + b.h - 1, b.x + 2, _("Back"), K_ESC, s->state == INS_DEAD);
}

static struct result
ins_key(void *state, int key)
{
	struct ins *s = state;

	if (key == K_ESC)
		return RESULT_FLOW(paid() ? FLOW_HOME : FLOW_BACK);
	if (key == K_STAFF && paid() && (s->state == INS_WAIT || s->state == INS_OTHER))
		return RESULT_PUSH(SCR_STAFF_LOGIN, NULL);
	if (key == K_ENTER && s->state == INS_FAILED)
		return ins_follow(s);
	/* Nothing to go on with here: Enter takes the one way, back. */
	if (key == K_ENTER && s->state == INS_DEAD)
		return RESULT_FLOW(FLOW_BACK);
	return RESULT(ACT_NONE);
}

static struct result
read_done(struct ins *s, struct job *job)
{
	struct session *se = session_get();
	enum token_err err = token_job_err(job);
	const struct token_info *info;

	if (err == TOKEN_ERR_NONE || err == TOKEN_ERR_MANY) {
		s->state = err == TOKEN_ERR_NONE ? INS_WAIT : INS_MANY;
		return RESULT(ACT_REDRAW);
	}
	if (err != TOKEN_OK || token_job_ninfo(job) == 0) {
		s->reason = token_err_reason(err, -1);
		s->state = INS_FAILED;
		return RESULT(ACT_REDRAW);
	}
	info = token_job_info(job, 0);
	if (se->paid && se->have_token &&
	    strcmp(info->ref.serial, se->token_serial) != 0) {
		/* A paid order is finished on its own UKey only. */
		s->state = INS_OTHER;
		return RESULT(ACT_REDRAW);
	}
	se->initialized = info->initialized;
	se->pin = info->pin;
	se->tries_left = info->tries_left;
	se->pinpad = info->pinpad;
	se->min_pin = info->min_pin;
	se->max_pin = info->max_pin;
	se->logged_in = false;
	if (!se->paid) {
		s->reason = s->p->take(info);
		if (s->reason != NULL) {
			s->state = INS_DEAD;
			return RESULT(ACT_REDRAW);
		}
	}
	se->have_token = true;
	se->ref = info->ref;
	snprintf(se->token_serial, sizeof se->token_serial, "%s", info->ref.serial);
	return RESULT_FLOW(FLOW_NEXT);
}

static struct result
ins_job_done(void *state, struct job *job)
{
	struct ins *s = state;

	if (job != s->job)
		return RESULT(ACT_NONE);
	s->job = NULL;
	return read_done(s, job);
}

static struct result
ins_tokens(void *state)
{
	return ins_follow(state);
}

static struct result
ins_tick(void *state, int64_t now)
{
	const struct ins *s = state;

	(void)now;
	return s->job != NULL ? RESULT(ACT_REDRAW) : RESULT(ACT_NONE);
}

static unsigned
ins_footer(void *state)
{
	const struct ins *s = state;

	return s->state == INS_FAILED || s->state == INS_DEAD ? FOOT_ENTER | FOOT_ESC
							      : FOOT_ESC;
}

const struct screen_ops screen_step_insert = {
	.name = "step-insert",
	.title = N_("Insert the UKey"),
	.help = N_("Insert the one UKey this service is for, and leave it in until the "
		   "kiosk says it is done. Esc goes back."),
	.footer = FOOT_ENTER | FOOT_ESC,
	.enter = ins_enter,
	.leave = ins_leave,
	.draw = ins_draw,
	.key = ins_key,
	.tick = ins_tick,
	.job_done = ins_job_done,
	.steps = flow_steps,
	.title_now = flow_title,
	.tokens = ins_tokens,
	.footer_now = ins_footer,
};
