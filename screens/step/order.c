/*
 * order.c - the step "order" (STEP_ORDER): the session's order as the
 * backend has it now: its service and state in plain words, its steps so
 * far on the step bar, date and amount, how the certificate PIN is
 * delivered, the tracking number once posted, the e-invoice as a QR link.
 * An unpaid order can be cancelled (asked first); an unfinished one
 * continues where it stopped (resume.h: pay it here, or finish a paid
 * renewal with its UKey).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "backend.h"
#include "flow.h"
#include "i18n.h"
#include "keys.h"
#include "loop.h"
#include "payflow.h"
#include "qr.h"
#include "resume.h"
#include "screen.h"
#include "service.h"
#include "session.h"
#include "steps.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

#define K_CANCEL 'c'
#define K_INVOICE 'i'
#define K_KEEP 'k'
#define K_STATUS 'p'

enum od_state { O_LOADING, O_SHOWN, O_FAILED, O_ASK, O_CANCELLING };

struct od {
	const struct order_param *p;
	enum od_state state;
	struct job *job;
	struct api_order o;
	const char *reason;
	struct qr qr, status_qr; /* the e-invoice's, the status page's */
	const struct qr *shown;  /* the one shown alone, or NULL */
	char idem[BACKEND_IDEM_KEY_LEN + 1];
};

static void
fetch(struct od *s)
{
	const struct session *ses = session_get();

	s->state = O_LOADING;
	s->job = api_job_order_view(ses->order_id, ses->sms_session);
	loop_submit(s->job);
}

static void *
od_enter(const void *arg)
{
	struct od *s = xcalloc(1, sizeof *s);
	const struct step *st = arg;

	s->p = st->param;
	fetch(s);
	return s;
}

static void
od_leave(void *state)
{
	struct od *s = state;

	qr_free(&s->qr);
	qr_free(&s->status_qr);
	secure_wipe(s, sizeof *s);
	free(s);
}

static const struct flow_resume *
resume(const struct od *s)
{
	return s->state == O_SHOWN ? flow_resume_find(s->o.kind, s->o.state, s->o.price)
				   : NULL;
}

/* How the certificate PIN reaches the customer, in words. */
static void
pin_words(const struct api_order *o, char *buf, size_t len)
{
	if (strncmp(o->pin_delivery, "sms:", 4) == 0)
		snprintf(buf, len, _("by SMS to %s"), o->pin_delivery + 4);
	else if (strncmp(o->pin_delivery, "memo:", 5) == 0)
		snprintf(buf, len,
			 _("in the memo of a 0.01 CNY transfer to the account %s"),
			 o->pin_delivery + 5);
	else if (strcmp(o->kind, "renew") == 0 || strcmp(o->kind, "change") == 0)
		snprintf(buf, len, "%s", _("unchanged: the UKey keeps its PIN"));
	else if (strcmp(o->kind, "unlock") == 0)
		snprintf(buf, len, "%s", _("the new PIN you chose at the kiosk"));
	else
		snprintf(buf, len, "%s",
			 _("sent once the order is approved, the way the identity "
			   "check chose"));
}

enum { LABEL_W = 18 };

static void
row(int y, int x, int w, const char *label, const char *value, int color)
{
	ui_put(y, x, LABEL_W - 1, UI_DIM, label);
	ui_put(y, x + LABEL_W, w - LABEL_W, color, value);
}

static int
draw_details(const struct od *s, int y, int x, int w)
{
	const struct api_order *o = &s->o;
	int svc = order_kind_service(o->kind);
	char v[256], money[32];

	row(y++, x, w, _("Order number"), o->id, UI_TITLE);
	row(y++, x, w, _("Service"),
	    svc >= 0 ? _(service_get((enum service_id)svc)->name) : o->kind, UI_NORMAL);
	row(y++, x, w, _("State"), _(order_state_words(o->kind, o->state)), UI_ACCENT);
	if (strcmp(o->state, "rejected") == 0 && o->reject_reason[0] != '\0') {
		/* the reviewer's words (sanitized when read), up to three lines */
		ui_put(y, x, LABEL_W - 1, UI_DIM, _("Reason"));
		y += ui_wrap((struct rect){y, x + LABEL_W, 3, w - LABEL_W}, UI_ERROR,
			     o->reject_reason);
	}
	ui_date((time_t)o->created, v, sizeof v);
	row(y++, x, w, _("Date"), v, UI_NORMAL);
	pay_money(o->price, money, sizeof money);
	snprintf(v, sizeof v, "%s %s", money, _("CNY"));
	row(y++, x, w, _("Amount"), v, UI_NORMAL);
	pin_words(o, v, sizeof v);
	row(y++, x, w, _("Certificate PIN"), v, UI_NORMAL);
	if (o->tracking[0] != '\0')
		row(y++, x, w, _("Tracking number"), o->tracking, UI_TITLE);
	if (o->cert_serial[0] != '\0')
		row(y++, x, w, _("Certificate"), o->cert_serial, UI_NORMAL);
	return y;
}

static void
draw_ask(struct rect b)
{
	int x, y = ui_question(b, 60,
			       _("Cancel this order? It has not been paid, so nothing is "
				 "charged. A cancelled order cannot be continued."),
			       &x);

	x += ui_button(y, x, _("Cancel the order"), K_ENTER, true) + 2;
	ui_button(y, x, _("Keep it"), K_KEEP, false);
}

static void
od_draw(void *state)
{
	struct od *s = state;
	struct rect b = ui_body();
	const struct flow_resume *r = resume(s);
	char line[256];
	int y = b.y + 1, x = b.x + 2, w = b.w - 4;

	if (s->shown != NULL) {
		const struct qr *q = s->shown;

		for (int i = 0; i < q->rows && i < b.h; i++)
			ui_put(b.y + i, x, q->modules, UI_BUTTON, q->lines[i]);
		ui_wrap((struct rect){b.y + 1, x + q->modules + 3, 4,
				      b.w - q->modules - 6},
			UI_NORMAL,
			q == &s->qr
				? _("Scan the code to view or download the e-invoice.")
				: _("Scan the code to follow this order on your phone."));
		ui_button(b.y + b.h - 1, x + q->modules + 2, _("Back"), K_ESC, true);
		return;
	}
	if (s->state == O_LOADING) {
		ui_put(y, x, w, UI_ACCENT,
		       ui_busy(line, sizeof line, _("Fetching the order...")));
		return;
	}
	if (s->state == O_FAILED && s->o.id[0] == '\0') {
		y += ui_wrap((struct rect){y, x, 3, w}, UI_ERROR, _(s->reason));
		x += ui_button(y + 1, x, _("Try again"), K_ENTER, true) + 2;
		ui_button(y + 1, x, _("Back"), K_ESC, false);
		return;
	}
	y = draw_details(s, y, x, w) + 1;
	if (s->reason != NULL)
		y += ui_wrap((struct rect){y, x, 2, w}, UI_ERROR, _(s->reason));
	if (r != NULL)
		y += ui_wrap((struct rect){y, x, 3, w}, UI_NORMAL, _(r->note));
	else if (strcmp(s->o.state, "draft") == 0)
		y += ui_wrap((struct rect){y, x, 3, w}, UI_NORMAL,
			     _("This order was not finished. It cannot be continued at "
			       "this kiosk yet; the staff can help."));
	else if (strcmp(s->o.state, "rejected") == 0)
		y += ui_wrap((struct rect){y, x, 3, w}, UI_NORMAL,
			     _("The payment goes back the way it was paid. To apply "
			       "again, start a new application with what the reason "
			       "asks for."));
	if (s->o.invoice_url[0] != '\0')
		ui_put(y++, x, w, UI_DIM,
		       _("Press i to show the QR code of the e-invoice."));
	if (s->status_qr.rows > 0)
		ui_put(y++, x, w, UI_DIM,
		       _("Press p for a QR code of this order for your phone."));
	if (s->state == O_CANCELLING) {
		ui_put(y + 1, x, w, UI_ACCENT,
		       ui_busy(line, sizeof line, _("Cancelling the order...")));
		return;
	}
	y++;
	if (r != NULL)
		x += ui_button(y, x, _(r->button), K_ENTER, true) + 2;
	if (s->p->cancel && order_cancellable(s->o.state))
		x += ui_button(y, x, _("Cancel the order"), K_CANCEL, false) + 2;
	ui_button(y, x, _("Back"), K_ESC, r == NULL);
	if (s->state == O_ASK)
		draw_ask(b);
}

static struct result
od_key(void *state, int key)
{
	struct od *s = state;
	const struct flow_resume *r = resume(s);

	if (s->shown != NULL) {
		if (key == K_INVOICE || key == K_STATUS || key == K_ENTER || key == K_ESC)
			s->shown = NULL;
		return RESULT(ACT_REDRAW);
	}
	switch (s->state) {
	case O_LOADING:
	case O_CANCELLING:
		return RESULT(ACT_NONE);
	case O_ASK:
		if (key == K_ENTER) {
			const struct session *ses = session_get();

			s->state = O_CANCELLING;
			s->reason = NULL;
			backend_new_key(s->idem);
			s->job = api_job_order_cancel(s->o.id, s->idem, ses->sms_session);
			loop_submit(s->job);
		} else if (key == K_ESC || key == K_KEEP) {
			s->state = O_SHOWN;
		}
		return RESULT(ACT_REDRAW);
	case O_FAILED:
		if (key == K_ENTER && s->o.id[0] == '\0') {
			fetch(s);
			return RESULT(ACT_REDRAW);
		}
		break;
	case O_SHOWN:
		break;
	}
	if (key == K_ESC)
		return RESULT_FLOW(FLOW_BACK);
	if (key == K_INVOICE && s->qr.rows > 0) {
		s->shown = &s->qr;
		return RESULT(ACT_REDRAW);
	}
	if (key == K_STATUS && s->status_qr.rows > 0) {
		s->shown = &s->status_qr;
		return RESULT(ACT_REDRAW);
	}
	if (key == K_CANCEL && s->p->cancel && order_cancellable(s->o.state)) {
		s->state = O_ASK;
		return RESULT(ACT_REDRAW);
	}
	if (key == K_ENTER && r != NULL) {
		struct session *ses = session_get();
		const struct flow_table *t = flow_table(r->service);

		ses->price = s->o.price;
		if (r->keep_order && t != NULL && t->resume != NULL)
			t->resume(&s->o);
		return flow_continue(r->service, r->step, r->keep_order);
	}
	return RESULT(ACT_NONE);
}

static struct result
od_job_done(void *state, struct job *job)
{
	struct od *s = state;
	const struct api_err *e = api_job_err(job);

	if (job != s->job)
		return RESULT(ACT_NONE);
	s->job = NULL;
	if (e->err == BACKEND_OK) {
		if (s->state == O_CANCELLING)
			s->reason = NULL;
		s->o = *api_job_order(job);
		s->state = O_SHOWN;
		qr_free(&s->qr);
		if (s->o.invoice_url[0] != '\0')
			qr_make(s->o.invoice_url, &s->qr);
		/* A cancel's answer has none: the link made with the order stays. */
		if (s->o.status_url[0] != '\0') {
			qr_free(&s->status_qr);
			qr_make(s->o.status_url, &s->status_qr);
		}
		return RESULT(ACT_REDRAW);
	}
	/* The backend let the session go: a new SMS code. */
	if (e->err == BACKEND_REFUSED && session_sms_lost(e->code))
		return RESULT_FLOW(FLOW_AGAIN);
	/* A cancel the backend refused: the order as it stands now. */
	s->state = s->o.id[0] != '\0' ? O_SHOWN : O_FAILED;
	s->reason = api_reason(e);
	if (api_refused(e, "wrong_state")) {
		s->reason = N_("This order can no longer be cancelled: it has moved on.");
		fetch(s);
	}
	return RESULT(ACT_REDRAW);
}

static struct result
od_tick(void *state, int64_t now)
{
	const struct od *s = state;

	(void)now;
	return s->job != NULL ? RESULT(ACT_REDRAW) : RESULT(ACT_NONE);
}

/* The order's own service's steps, where it stands on them. */
static int
od_steps(void *state, const char *const **steps)
{
	const struct od *s = state;
	int svc = s->o.id[0] != '\0' ? order_kind_service(s->o.kind) : -1;

	if (svc < 0)
		return flow_steps(state, steps);
	*steps = service_get((enum service_id)svc)->steps;
	return order_bar(s->o.kind, s->o.state);
}

const struct screen_ops screen_step_order = {
	.name = "step-order",
	.title = N_("Order in detail"),
	.help = N_("The order as the service centre has it now. The step bar shows "
		   "how far it has come. An unpaid order can be paid or cancelled; a "
		   "paid renewal is finished with its UKey. Press i for the e-invoice "
		   "QR code, p for a QR code of the order's page on your phone."),
	.footer = FOOT_ENTER | FOOT_ESC,
	.enter = od_enter,
	.leave = od_leave,
	.draw = od_draw,
	.key = od_key,
	.tick = od_tick,
	.job_done = od_job_done,
	.steps = od_steps,
	.title_now = flow_title,
};
