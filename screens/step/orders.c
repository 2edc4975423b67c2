/*
 * orders.c - the step "orders" (STEP_ORDERS): the customer's orders,
 * newest first (service, state in plain words, date, amount), and their
 * certificates (serial, validity, status), fetched with the customer's
 * SMS session.  Choosing an order puts it into the session and goes on
 * (the order step).  A session the backend let expire sends the customer
 * back to the SMS code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "flow.h"
#include "history.h"
#include "i18n.h"
#include "keys.h"
#include "loop.h"
#include "payflow.h"
#include "resume.h"
#include "screen.h"
#include "service.h"
#include "session.h"
#include "steps.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

#define CERT_ROWS 3

struct ol {
	const struct orders_param *p;
	struct job *job;
	struct api_history *h; /* NULL until fetched */
	const char *reason;
	int focus, top;
};

static void
fetch(struct ol *s)
{
	history_fetch(&s->job, &s->reason);
}

static void *
ol_enter(const void *arg)
{
	struct ol *s = xcalloc(1, sizeof *s);
	const struct step *st = arg;

	s->p = st->param;
	fetch(s);
	return s;
}

static void
ol_leave(void *state)
{
	struct ol *s = state;

	history_free(&s->h);
	secure_wipe(s, sizeof *s);
	free(s);
}

/* The rows of the order list that fit in h rows. */
static int
order_rows(int h)
{
	return h - 7 - CERT_ROWS > 1 ? h - 7 - CERT_ROWS : 1;
}

static void
draw_order(const struct api_order_row *o, int y, int x, int w, bool focus)
{
	int svc = order_kind_service(o->kind);
	char date[16], money[32];
	int c = focus ? UI_FOCUS : UI_NORMAL;

	ui_date((time_t)o->created, date, sizeof date);
	pay_money(o->price, money, sizeof money);
	ui_fill((struct rect){y, x, 1, w}, c);
	ui_put(y, x + 1, 16, c, o->id);
	ui_put(y, x + 18, 14, c,
	       svc >= 0 ? _(service_get((enum service_id)svc)->name) : o->kind);
	ui_put(y, x + 33, w - 57 > 12 ? w - 57 : 12, c,
	       _(order_state_words(o->kind, o->state)));
	ui_put(y, x + w - 23, 10, c, date);
	ui_put(y, x + w - 11, 10, c, money);
}

static void
draw_cert(const struct api_cert_row *ce, int y, int x, int w)
{
	char a[16], z[16], line[256];
	time_t now = time(NULL);
	const char *st = ce->revoked                    ? _("Revoked")
			 : ce->not_after < (int64_t)now ? _("Expired")
							: _("Valid");

	ui_date((time_t)ce->not_before, a, sizeof a);
	ui_date((time_t)ce->not_after, z, sizeof z);
	ui_put(y, x + 1, 20, UI_NORMAL, ce->serial);
	snprintf(line, sizeof line, _("%s to %s"), a, z);
	ui_put(y, x + 23, 28, UI_NORMAL, line);
	ui_put(y, x + 52, w - 52, ce->revoked ? UI_ERROR : UI_NORMAL, st);
}

static void
ol_draw(void *state)
{
	struct ol *s = state;
	struct rect b = ui_body();
	const struct session *ses = session_get();
	char line[512];
	int y = b.y, x = b.x + 2, w = b.w - 4, n;

	ui_labelled(line, sizeof line, ses->unit ? _("Unit:") : _("Name:"),
		    ses->subject_name);
	ui_put(y++, x, w, UI_TITLE, line);
	if (s->h == NULL) {
		y++;
		if (s->job != NULL) {
			ui_put(y, x, w, UI_ACCENT,
			       ui_busy(line, sizeof line, _("Fetching your orders...")));
			return;
		}
		y += ui_wrap((struct rect){y, x, 3, w}, UI_ERROR,
			     _(s->reason != NULL ? s->reason : N_("No answer.")));
		x += ui_button(y + 1, x, _("Try again"), K_ENTER, true) + 2;
		ui_button(y + 1, x, _("Back"), K_ESC, false);
		return;
	}
	ui_put(y, x, w, UI_DIM, _("Orders, newest first (Enter opens one)"));
	y++;
	if (s->h->norders == 0)
		ui_put(y++, x + 1, w - 1, UI_NORMAL, _(s->p->empty));
	n = order_rows(b.h);
	if (s->focus < s->top)
		s->top = s->focus;
	if (s->focus >= s->top + n)
		s->top = s->focus - n + 1;
	for (int i = s->top; i < s->h->norders && i < s->top + n; i++, y++) {
		draw_order(&s->h->orders[i], y, x, w, i == s->focus);
		ui_hit(y, x, 1, w, K_ITEM(i));
	}
	if (s->h->norders > n) {
		snprintf(line, sizeof line, _("%d of %d shown; arrows scroll."), n,
			 s->h->norders);
		ui_put(y++, x + 1, w - 1, UI_DIM, line);
	}
	y++;
	ui_put(y++, x, w, UI_DIM, _("Certificates"));
	if (s->h->ncerts == 0)
		ui_put(y++, x + 1, w - 1, UI_NORMAL, _("No certificate yet."));
	for (int i = 0; i < s->h->ncerts && i < CERT_ROWS; i++)
		draw_cert(&s->h->certs[i], y++, x, w);
	if (s->h->ncerts > CERT_ROWS) {
		snprintf(line, sizeof line, _("and %d more"), s->h->ncerts - CERT_ROWS);
		ui_put(y++, x + 1, w - 1, UI_DIM, line);
	}
}

static struct result
open_order(struct ol *s, int i)
{
	struct session *ses = session_get();
	const struct api_order_row *o = &s->h->orders[i];

	snprintf(ses->order_id, sizeof ses->order_id, "%s", o->id);
	ses->price = o->price;
	ses->paid = false;
	return RESULT_FLOW(FLOW_NEXT);
}

static struct result
ol_key(void *state, int key)
{
	struct ol *s = state;

	if (s->job != NULL)
		return RESULT(ACT_NONE);
	if (key == K_ESC)
		return RESULT_FLOW(FLOW_BACK);
	if (s->h == NULL) {
		if (key != K_ENTER)
			return RESULT(ACT_NONE);
		fetch(s);
		return RESULT(ACT_REDRAW);
	}
	if (s->h->norders == 0)
		return RESULT(ACT_NONE);
	/* Digits and Tab are the list's; arrows too. */
	switch (ui_list_key(&s->focus, s->h->norders, key)) {
	case LIST_CHOSEN:
		return open_order(s, s->focus);
	case LIST_MOVED:
		return RESULT(ACT_REDRAW);
	case LIST_NONE:
		break;
	}
	return RESULT(ACT_NONE);
}

static struct result
/* cppcheck-suppress constParameter ; the screen_ops signature */
ol_job_done(void *state, struct job *job)
{
	struct ol *s = state;

	if (job != s->job)
		return RESULT(ACT_NONE);
	return history_take(&s->job, &s->h, &s->reason);
}

static struct result
ol_tick(void *state, int64_t now)
{
	const struct ol *s = state;

	(void)now;
	return s->job != NULL ? RESULT(ACT_REDRAW) : RESULT(ACT_NONE);
}

const struct screen_ops screen_step_orders = {
	.name = "step-orders",
	.title = N_("Order history"),
	.help = N_("Your orders, newest first, and your certificates. Choose an order "
		   "(arrows and Enter, its number, or touch it) to see its details, "
		   "how the PIN is delivered, the invoice, and to continue it."),
	.footer = FOOT_ENTER | FOOT_ESC,
	.enter = ol_enter,
	.leave = ol_leave,
	.draw = ol_draw,
	.key = ol_key,
	.tick = ol_tick,
	.job_done = ol_job_done,
	.steps = flow_steps,
	.title_now = flow_title,
};
