/*
 * pay_draw.c - the payment screen drawn (pay.c): the channels, the QR code
 * with its countdown, a UKey taken out, the outcome, and the question and
 * page of an order kept to pay later.
 */
#include <stdio.h>

#include "i18n.h"
#include "keys.h"
#include "loop.h"
#include "pay_int.h"
#include "screen.h"
#include "ui.h"

static const char *const channel_name[] = {N_("Alipay"), N_("WeChat Pay")};
/* The phone app that scans: "请用微信扫码支付", not "微信支付扫码". */
static const char *const channel_app[] = {N_("the Alipay app"), N_("the WeChat app")};

static void
draw_summary(const struct pay *p, int y, int x, int w)
{
	char line[256], money[32], sum[64];

	pay_money(p->req.amount, money, sizeof money);
	snprintf(sum, sizeof sum, "%s %s", money, _("CNY"));
	ui_put(y, x, w, UI_TITLE, ui_labelled(line, sizeof line, _("Amount:"), sum));
	ui_labelled(line, sizeof line, _("Order number:"), p->req.order_id);
	ui_put(y + 1, x, w, UI_NORMAL, line);
}

/* The UKey is out: what that means for this payment, in three short lines. */
static void
draw_ukey_out(const struct pay *p, struct rect r)
{
	ui_put(r.y, r.x, r.w, UI_ERROR, _("The UKey was taken out."));
	r.y += 1 + ui_wrap((struct rect){r.y + 1, r.x, 2, r.w}, UI_WARN,
			   p->state == P_PAID
				   ? _("The payment has been made and is kept.")
				   : _("The payment is still open; you can still pay."));
	ui_wrap((struct rect){r.y, r.x, 2, r.w}, UI_TITLE,
		_("Put the same UKey back in to finish the renewal."));
}

static void
draw_showing(const struct pay *p, struct rect b)
{
	char line[256];
	int qx = b.x + 1, tx, tw;
	int64_t left = (p->deadline - loop_now() + 999) / 1000;

	for (int i = 0; i < p->qr.rows && i < b.h; i++)
		ui_put(b.y + i, qx, p->qr.modules, UI_BUTTON, p->qr.lines[i]);
	tx = qx + p->qr.modules + 3;
	tw = b.x + b.w - tx;
	snprintf(line, sizeof line, _("Scan with %s to pay"), _(channel_app[p->channel]));
	ui_put(b.y + 1, tx, tw, UI_TITLE, line);
	draw_summary(p, b.y + 3, tx, tw);
	if (left < 0)
		left = 0;
	snprintf(line, sizeof line, _("Time left: %d:%02d"), (int)(left / 60),
		 (int)(left % 60));
	ui_put(b.y + 6, tx, tw, left < 60 ? UI_WARN : UI_NORMAL, line);
	ui_put(b.y + 8, tx, tw, UI_ACCENT,
	       ui_busy(line, sizeof line, _("Waiting for the payment...")));
	if (p->poll_trouble)
		ui_wrap((struct rect){b.y + 9, tx, 2, tw}, UI_WARN,
			_("The connection to the backend is slow; still checking."));
	if (p->ukey_out)
		draw_ukey_out(p, (struct rect){b.y + 12, tx, 5, tw});
	else
		ui_wrap((struct rect){b.y + 12, tx, 3, tw}, UI_DIM,
			_("Open the app on your phone and scan the code. The screen "
			  "moves on by itself when the payment arrives."));
	ui_button(b.y + b.h - 1, tx, _("Cancel payment"), K_ESC, false);
}

/* Esc while paying an order the customer worked for: keep it, cancel it,
 * or go on paying. */
static void
draw_ask(struct rect b)
{
	int x, y = ui_question(b, 66,
			       _("Leave the payment? The order is confirmed and nothing "
				 "is lost if you keep it: pay it later. Or cancel it; "
				 "nothing is charged."),
			       &x);

	x += ui_button(y, x, _("Keep it, pay later"), K_KEEP, true) + 2;
	x += ui_button(y, x, _("Cancel the order"), K_CANCEL, false) + 2;
	ui_button(y, x, _("Go on paying"), K_ESC, false);
}

static void
draw_kept(const struct pay *p, int y, int x, int w)
{
	ui_put(y, x, w, UI_OK, _("The order is kept. Nothing was charged."));
	draw_summary(p, y + 2, x, w);
	y += 5;
	y += ui_wrap((struct rect){y, x, 4, w}, UI_NORMAL, _(p->kept)) + 1;
	ui_wrap((struct rect){y, x, 2, w}, UI_DIM,
		_("Unpaid, it can also be cancelled there. This page closes by itself "
		  "in a minute."));
	ui_button(y + 3, x, _("Finish"), K_ENTER, true);
}

void
pay_draw(void *state)
{
	struct pay *p = state;
	struct rect b = ui_body();
	char line[256];
	int y = b.y + 1, x = b.x + 2, w = b.w - 4;

	switch (p->state) {
	case P_CHOOSE:
		draw_summary(p, y, x, w);
		ui_put(y + 3, x, w, UI_NORMAL, _("Choose how to pay:"));
		for (int i = 0; i < 2; i++) {
			bool focus = i == p->focus;

			snprintf(line, sizeof line, " %d  %s", i + 1, _(channel_name[i]));
			ui_fill((struct rect){y + 5 + 2 * i, x, 1, 30},
				focus ? UI_FOCUS : UI_NORMAL);
			ui_put(y + 5 + 2 * i, x, 30, focus ? UI_FOCUS : UI_TITLE, line);
			ui_hit(y + 5 + 2 * i, x, 1, 30, K_ITEM(i));
		}
		if (p->ukey_out)
			draw_ukey_out(p, (struct rect){y + 10, x, 5, w});
		ui_button(b.y + b.h - 1, x, _("Back"), K_ESC, false);
		break;
	case P_CREATING:
		ui_put_center(b.y + b.h / 2, b, UI_ACCENT,
			      ui_busy(line, sizeof line, _("Preparing the payment...")));
		break;
	case P_SHOWING:
		draw_showing(p, b);
		break;
	case P_PAID:
		ui_put_center(b.y + b.h / 2 - 2, b, UI_OK, _("Paid. Thank you."));
		if (p->ukey_out) {
			draw_ukey_out(p, (struct rect){b.y + b.h / 2, x, 5, w});
			break;
		}
		ui_put_center(b.y + b.h / 2, b, UI_ACCENT,
			      ui_busy(line, sizeof line,
				      _("Getting ready... do not remove the UKey.")));
		break;
	case P_ENDING:
		ui_put_center(b.y + b.h / 2, b, UI_ACCENT,
			      ui_busy(line, sizeof line, _("Cancelling the payment...")));
		break;
	case P_ENDED:
		ui_wrap((struct rect){y + 1, x, 3, w}, UI_WARN,
			p->end == END_EXPIRED
				? _("The time for paying ran out, so the payment was "
				    "cancelled. Nothing was charged.")
				: _("The payment was cancelled. Nothing was charged."));
		if (p->discard != NULL) {
			ui_put(y + 5, x, w, UI_ACCENT,
			       ui_busy(line, sizeof line, _("Tidying up the UKey...")));
		} else {
			ui_button(y + 5, x, _("Back"), K_ENTER, true);
		}
		break;
	case P_FAILED:
		ui_wrap((struct rect){y + 1, x, 3, w}, UI_ERROR, _(p->reason));
		x += ui_button(y + 5, x, _("Try again"), K_ENTER, true) + 2;
		ui_button(y + 5, x, _("Back"), K_ESC, false);
		break;
	case P_KEPT:
		draw_kept(p, y, x, w);
		break;
	}
	if (p->asking)
		draw_ask(b);
}
