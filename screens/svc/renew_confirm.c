/*
 * renew_confirm.c - renewal, confirm the order (确认订单): the certificate,
 * the new validity, the term, the price and the e-mail address once more.
 * "确认订单" makes and confirms the order at the backend and opens the
 * payment; "返回修改" goes back to the form with everything kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "i18n.h"
#include "keys.h"
#include "loop.h"
#include "payflow.h"
#include "renew.h"
#include "rules.h"
#include "screen.h"
#include "service.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

#define K_MODIFY 'm'

struct rc {
	struct job *job;
	const char *reason;
	bool not_eligible;
};

static void *
rc_enter(const void *arg)
{
	(void)arg;
	return xcalloc(1, sizeof(struct rc));
}

static void
rc_leave(void *state)
{
	free(state);
}

static void
row(int y, int x, int w, const char *label, const char *value)
{
	/* Wide enough for the longest label, "E-mail for the e-invoice". */
	enum { LABEL_W = 26 };

	ui_put(y, x, LABEL_W - 1, UI_DIM, label);
	ui_put(y, x + LABEL_W, w - LABEL_W, UI_NORMAL, value);
}

static void
rc_draw(void *state)
{
	struct rc *s = state;
	struct rect b = ui_body();
	const struct renew_cert *c = renew_cert();
	char line[512], a[16], z[16];
	long fen;
	int y = b.y + 1, x = b.x + 2, w = b.w - 4;
	time_t from, to;

	ui_put(y, x, w, UI_TITLE, _("Please check the order once more."));
	y += 2;
	row(y++, x, w, _("Certificate"), c->cn);
	/* As the certificate will say: usable from today, to the new end. */
	rules_new_validity(c->not_after, time(NULL), renew_state.term, &from, &to);
	ui_date(time(NULL), a, sizeof a);
	ui_date(to, z, sizeof z);
	snprintf(line, sizeof line, _("%s to %s"), a, z);
	row(y++, x, w, _("New validity"), line);
	snprintf(line, sizeof line, _("%d year(s)"), renew_state.term);
	row(y++, x, w, _("Term"), line);
	if (api_price("renew", renew_state.unit, renew_state.term, &fen)) {
		char money[32];

		pay_money(fen, money, sizeof money);
		snprintf(line, sizeof line, "%s %s", money, _("CNY"));
	} else {
		snprintf(line, sizeof line, "%s", _("shown before you pay"));
	}
	row(y++, x, w, _("Price"), line);
	row(y++, x, w, _("E-mail for the e-invoice"), renew_state.email);
	if (renew_state.mobile[0] != '\0')
		row(y++, x, w, _("Mobile"), renew_state.mobile);
	if (renew_state.contact[0] != '\0')
		row(y++, x, w, _("Contact name"), renew_state.contact);
	y++;
	if (s->job != NULL) {
		ui_put(y + 1, x, w, UI_ACCENT,
		       ui_busy(line, sizeof line, _("Placing the order...")));
		return;
	}
	if (s->reason != NULL) {
		y += ui_wrap((struct rect){y, x, 3, w}, UI_ERROR, _(s->reason));
		if (s->not_eligible)
			return;
	}
	x += ui_button(y + 1, x, _("Confirm order"), K_ENTER, true) + 2;
	ui_button(y + 1, x, _("Back to edit"), K_MODIFY, false);
}

static struct result
rc_key(void *state, int key)
{
	struct rc *s = state;

	if (s->job != NULL)
		return RESULT(ACT_NONE);
	if (key == K_ESC || key == K_MODIFY)
		return RESULT_REPLACE(SCR_RENEW_FORM, NULL);
	if (key == K_ENTER && !s->not_eligible) {
		/* A new order after a cancelled payment; the same one on a retry. */
		if (renew_state.order_id[0] != '\0' && s->reason == NULL) {
			backend_new_key(renew_state.idem_order);
			backend_new_key(renew_state.idem_confirm);
		}
		s->reason = NULL;
		s->job = renew_order_job();
		loop_submit(s->job);
		return RESULT(ACT_REDRAW);
	}
	return RESULT(ACT_NONE);
}

static struct result
rc_job_done(void *state, struct job *job)
{
	struct rc *s = state;

	if (job != s->job)
		return RESULT(ACT_NONE);
	s->job = NULL;
	s->reason = renew_order_result(job, &s->not_eligible);
	if (s->reason != NULL)
		return RESULT(ACT_REDRAW);
	return RESULT_REPLACE(SCR_PAY, renew_pay_request());
}

static struct result
rc_tick(void *state, int64_t now)
{
	const struct rc *s = state;

	(void)now;
	return s->job != NULL ? RESULT(ACT_REDRAW) : RESULT(ACT_NONE);
}

static int
rc_steps(void *state, const char *const **steps)
{
	(void)state;
	*steps = service_get(SVC_RENEW)->steps;
	return 2;
}

const struct screen_ops screen_renew_confirm = {
	.name = "renew-confirm",
	.title = N_("Confirm order"),
	.help = N_("Check the order. \"Confirm order\" goes on to the payment; \"Back "
		   "to edit\" (or Esc) goes back to the form with what you typed."),
	.footer = FOOT_ENTER | FOOT_ESC,
	.enter = rc_enter,
	.leave = rc_leave,
	.draw = rc_draw,
	.key = rc_key,
	.tick = rc_tick,
	.job_done = rc_job_done,
	.steps = rc_steps,
};
