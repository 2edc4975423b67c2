/*
 * pay.c - the payment screen every paid service shares (在线支付).
 *
 * The customer picks Alipay or WeChat Pay; the backend makes a payment and
 * gives its code URL, drawn here as a QR code in half blocks; the screen
 * polls the payment until it is paid, counts down to its expiry, and can be
 * cancelled.  The backend decides: a cancel that finds the order already
 * paid goes on as paid, so a customer who paid is never asked twice.  While
 * the customer pays, the service's slow preparation (a key pair on the
 * token) runs on the worker; if they do not pay, it is undone.  A service
 * whose order is worth keeping asks first when the customer leaves it
 * (keep it to pay later, cancel it, go on); pay_draw.c draws it all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "backend.h"
#include "flow.h"
#include "i18n.h"
#include "keys.h"
#include "log.h"
#include "loop.h"
#include "now.h"
#include "pay_int.h"
#include "payflow.h"
#include "qr.h"
#include "screen.h"
#include "session.h"
#include "steps.h"
#include "token_watch.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

#define POLL_MS 1500
#define MAX_WAIT_S (15 * 60)
#define KEPT_MS (60 * 1000) /* the kept page ends the visit by itself */

static const char *const channel_id[] = {"alipay", "wechat"};

static void
pay_submit(struct pay *p, struct job *job)
{
	p->job = job;
	loop_submit(job);
}

/* The customer's session, when they have one: an order of another kiosk
 * is paid with it (Order query). */
static const char *
bearer(void)
{
	const struct session *s = session_get();

	return session_sms_valid(now_ms()) ? s->sms_session : NULL;
}

static void
pay_create(struct pay *p)
{
	p->state = P_CREATING;
	pay_submit(p, api_job_payment_create(p->req.order_id, channel_id[p->channel],
					     p->idem_create, bearer()));
}

static void
pay_poll(struct pay *p)
{
	pay_submit(p, api_job_payment_get(p->payment_id, bearer()));
}

/* The customer did not pay (cancel, timeout): cancel the order at the backend. */
static void
pay_end(struct pay *p, enum pay_end why)
{
	char idem[BACKEND_IDEM_KEY_LEN + 1];

	if (p->job != NULL) {
		job_cancel(p->job);
		p->job = NULL;
	}
	p->end = why;
	p->state = P_ENDING;
	p->asking = false;
	backend_new_key(idem);
	pay_submit(p, api_job_order_cancel(p->req.order_id, idem, bearer()));
}

static void
pay_discard(struct pay *p)
{
	if (p->bg_started && p->bg_finished && p->discard == NULL &&
	    p->req.bg_discard != NULL) {
		p->discard = p->req.bg_discard();
		p->bg_started = false;
		if (p->discard != NULL)
			loop_submit(p->discard);
	}
}

static struct result
pay_paid(struct pay *p)
{
	log_info("order %s paid", p->req.order_id);
	session_get()->paid = true;
	/* Shown while a dialog holds the next screen back, too. */
	p->state = P_PAID;
	p->asking = false;
	if (p->bg != NULL)
		return RESULT(ACT_REDRAW);
	return RESULT_FLOW(FLOW_NEXT);
}

/* Is the UKey the service writes to in a reader? */
static bool
ukey_here(const struct pay *p)
{
	struct token_watch w;
	size_t n = token_watch_state(&w);

	if (p->req.token_serial[0] == '\0')
		return true;
	for (size_t i = 0; i < n && i < TOKEN_WATCH_MAX; i++)
		if (strcmp(w.tokens[i].ref.serial, p->req.token_serial) == 0)
			return true;
	return false;
}

static struct result
pay_tokens(void *state)
{
	struct pay *p = state;
	bool out = !ukey_here(p);

	if (out != p->ukey_out)
		log_info("order %s: UKey %s while paying", p->req.order_id,
			 out ? "taken out" : "back");
	p->ukey_out = out;
	return RESULT(ACT_REDRAW);
}

static void *
pay_enter(const void *arg)
{
	struct pay *p = xcalloc(1, sizeof *p);
	const struct step *st = arg;
	const struct pay_param *pp = st->param;

	p->req = *pp->request();
	p->kept = pp->kept;
	backend_new_key(p->idem_create);
	p->ukey_out = !ukey_here(p);
	return p;
}

static void
pay_leave(void *state)
{
	struct pay *p = state;

	qr_free(&p->qr);
	secure_wipe(p, sizeof *p);
	free(p);
}

/* Esc on the channels or the QR code: the order cancelled, or asked first. */
static struct result
pay_leave_key(struct pay *p)
{
	if (p->kept != NULL)
		p->asking = true;
	else
		pay_end(p, END_CANCELLED);
	return RESULT(ACT_REDRAW);
}

/* The customer keeps the order to pay later.  A payment already asked for
 * runs out at the backend; until the page closes it is still watched: a
 * phone that paid at the last moment moves the kiosk on as paid. */
static struct result
pay_keep(struct pay *p)
{
	p->asking = false;
	p->state = P_KEPT;
	p->kept_at = loop_now();
	log_info("order %s: kept unpaid", p->req.order_id);
	pay_discard(p);
	return RESULT(ACT_REDRAW);
}

static struct result
ask_key(struct pay *p, int key)
{
	if (key == K_ENTER || key == K_KEEP)
		return pay_keep(p);
	if (key == K_CANCEL) {
		pay_end(p, END_CANCELLED);
		return RESULT(ACT_REDRAW);
	}
	if (key == K_ESC) {
		p->asking = false;
		return RESULT(ACT_REDRAW);
	}
	return RESULT(ACT_NONE);
}

static struct result
pay_key(void *state, int key)
{
	struct pay *p = state;

	if (p->asking)
		return ask_key(p, key);
	switch (p->state) {
	case P_CHOOSE:
		switch (ui_list_key(&p->focus, 2, key)) {
		case LIST_CHOSEN:
			p->channel = p->focus;
			pay_create(p);
			return RESULT(ACT_REDRAW);
		case LIST_MOVED:
			return RESULT(ACT_REDRAW);
		case LIST_NONE:
			break;
		}
		/* The order is confirmed: going back cancels it, as on the QR
		 * (or asks first). */
		if (key == K_ESC)
			return pay_leave_key(p);
		break;
	case P_SHOWING:
		if (key == K_ESC)
			return pay_leave_key(p);
		break;
	case P_KEPT:
		if (key == K_ENTER || key == K_ESC)
			return RESULT_FLOW(FLOW_HOME);
		break;
	case P_ENDED:
		if ((key == K_ENTER || key == K_ESC) && p->discard == NULL)
			return RESULT_FLOW(FLOW_BACK);
		break;
	case P_FAILED:
		if (key == K_ENTER) {
			pay_create(p);
			return RESULT(ACT_REDRAW);
		}
		if (key == K_ESC)
			return RESULT_FLOW(FLOW_BACK);
		break;
	default:
		break;
	}
	return RESULT(ACT_NONE);
}

static struct result
created(struct pay *p, struct job *job)
{
	const struct api_payment *pm = api_job_payment(job);
	long long expires, left;

	if (api_job_err(job)->err != BACKEND_OK) {
		p->reason = api_reason(api_job_err(job));
		p->state = P_FAILED;
		return RESULT(ACT_REDRAW);
	}
	snprintf(p->payment_id, sizeof p->payment_id, "%s", pm->id);
	snprintf(p->code_url, sizeof p->code_url, "%s", pm->code_url);
	qr_free(&p->qr);
	if (qr_make(p->code_url, &p->qr) != 0) {
		p->reason = backend_err_reason(BACKEND_GARBAGE, NULL);
		p->state = P_FAILED;
		return RESULT(ACT_REDRAW);
	}
	p->req.amount = pm->amount;
	expires = pm->expires;
	left = expires - (long long)time(NULL);
	if (left > MAX_WAIT_S || left <= 0)
		left = MAX_WAIT_S;
	p->deadline = loop_now() + left * 1000;
	p->next_poll = loop_now() + POLL_MS;
	p->state = P_SHOWING;
	log_info("payment %s for order %s: %s", p->payment_id, p->req.order_id,
		 channel_id[p->channel]);
	/* The customer is busy with the phone: time to prepare. */
	if (!p->bg_started && p->req.bg_start != NULL) {
		p->bg = p->req.bg_start();
		if (p->bg != NULL) {
			p->bg_started = true;
			p->bg_finished = false;
			loop_submit(p->bg);
		}
	}
	return RESULT(ACT_REDRAW);
}

static struct result
polled(struct pay *p, struct job *job)
{
	enum api_pay_state st = api_job_payment(job)->state;

	if (p->state != P_SHOWING)
		return RESULT(ACT_NONE);
	p->next_poll = loop_now() + POLL_MS;
	if (api_job_err(job)->err != BACKEND_OK) {
		p->poll_trouble = true;
		return RESULT(ACT_REDRAW);
	}
	p->poll_trouble = false;
	if (st == PAY_PAID)
		return pay_paid(p);
	if (st == PAY_EXPIRED || st == PAY_CANCELLED)
		pay_end(p, END_EXPIRED);
	return RESULT(ACT_REDRAW);
}

static struct result
cancelled(struct pay *p, struct job *job)
{
	const struct api_err *e = api_job_err(job);

	/* Paid after all (at the last moment): the backend's word counts. */
	if (api_refused(e, "wrong_state") &&
	    (strcmp(e->state, "paid") == 0 || strcmp(e->state, "issued") == 0))
		return pay_paid(p);
	log_info("order %s: payment %s", p->req.order_id,
		 p->end == END_EXPIRED ? "timed out" : "cancelled");
	p->state = P_ENDED;
	pay_discard(p);
	return RESULT(ACT_REDRAW);
}

static struct result
pay_job_done(void *state, struct job *job)
{
	struct pay *p = state;

	if (job == p->bg) {
		p->bg = NULL;
		p->bg_finished = true;
		if (p->req.bg_done != NULL)
			p->req.bg_done(job);
		if (p->state == P_PAID)
			return RESULT_FLOW(FLOW_NEXT);
		if (p->state == P_ENDED || p->state == P_KEPT)
			pay_discard(p);
		return RESULT(ACT_REDRAW);
	}
	if (job == p->discard) {
		p->discard = NULL;
		return RESULT(ACT_REDRAW);
	}
	if (job != p->job)
		return RESULT(ACT_NONE);
	p->job = NULL;
	switch (p->state) {
	case P_CREATING:
		return created(p, job);
	case P_SHOWING:
		return polled(p, job);
	case P_ENDING:
		return cancelled(p, job);
	case P_KEPT:
		if (api_job_err(job)->err == BACKEND_OK &&
		    api_job_payment(job)->state == PAY_PAID)
			return pay_paid(p);
		p->next_poll = loop_now() + POLL_MS;
		return RESULT(ACT_NONE);
	default:
		break;
	}
	return RESULT(ACT_NONE);
}

static struct result
pay_tick(void *state, int64_t now)
{
	struct pay *p = state;

	if (p->state == P_KEPT && now - p->kept_at >= KEPT_MS)
		return RESULT_FLOW(FLOW_HOME);
	if (p->state == P_KEPT && p->payment_id[0] != '\0' && p->job == NULL &&
	    now >= p->next_poll)
		pay_poll(p);
	if (p->state != P_SHOWING)
		return p->state == P_CHOOSE || p->state == P_FAILED || p->state == P_KEPT
			       ? RESULT(ACT_NONE)
			       : RESULT(ACT_REDRAW);
	if (now >= p->deadline && p->job == NULL) {
		pay_end(p, END_EXPIRED);
		return RESULT(ACT_REDRAW);
	}
	if (p->job == NULL && now >= p->next_poll)
		pay_poll(p);
	return RESULT(ACT_REDRAW);
}

/* Only what works now: no "Enter" under a QR code, no keys while waiting. */
static unsigned
pay_footer(void *state)
{
	const struct pay *p = state;

	switch (p->state) {
	case P_CHOOSE:
		return FOOT_ENTER | FOOT_CANCEL;
	case P_SHOWING:
		return FOOT_CANCEL;
	case P_ENDED:
		return p->discard == NULL ? FOOT_ENTER : 0;
	case P_FAILED:
		return FOOT_ENTER | FOOT_ESC;
	case P_KEPT:
		return FOOT_ENTER;
	case P_CREATING:
	case P_PAID:
	case P_ENDING:
		break;
	}
	return 0;
}

const struct screen_ops screen_pay = {
	.name = "pay",
	.title = N_("Pay"),
	.help = N_("Choose Alipay or WeChat Pay, then scan the QR code with that app "
		   "on your phone. The kiosk sees the payment by itself. Esc stops "
		   "paying: an application asks whether to keep the order to pay "
		   "later; anything else is cancelled. Nothing is charged then."),
	.flags = SCREEN_NO_IDLE,
	.footer = FOOT_ENTER | FOOT_CANCEL,
	.enter = pay_enter,
	.leave = pay_leave,
	.draw = pay_draw,
	.key = pay_key,
	.tick = pay_tick,
	.job_done = pay_job_done,
	.steps = flow_steps,
	.title_now = flow_title,
	.footer_now = pay_footer,
	.tokens = pay_tokens,
};
