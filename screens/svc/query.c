/*
 * query.c - Order query (订单查询) as a table of steps: unit or person and
 * the ID number -> an SMS code to the registered mobile (the agent's, for a
 * unit) -> the customer's orders and certificates -> one order: details,
 * cancel, or continue where it stopped (resume.h): confirmed and unpaid is
 * paid here; a paid renewal goes to the renewal, which finishes it with
 * the UKey.
 */
#include <stddef.h>
#include <stdio.h>

#include "flow.h"
#include "i18n.h"
#include "payflow.h"
#include "service.h"
#include "session.h"
#include "steps.h"
#include "ui.h"

enum { ST_IDENTIFY, ST_SMS, ST_ORDERS, ST_ORDER, ST_PAY, ST_DONE, ST_COUNT };

/* The order chosen, as the payment step takes it (in the session's part:
 * wiped with the visit). */
static const struct pay_request *
pay_request(void)
{
	struct pay_request *req = session_part(SVC_QUERY, sizeof *req, NULL);
	const struct session *s = session_get();

	snprintf(req->order_id, sizeof req->order_id, "%s", s->order_id);
	req->amount = s->price;
	req->token_serial[0] = '\0';
	return req;
}

static int
draw_done(struct rect b)
{
	char line[256];
	int y = b.y;

	ui_put(y, b.x, b.w, UI_OK, _("The order is paid."));
	y += 2;
	ui_labelled(line, sizeof line, _("Order number:"), session_get()->order_id);
	ui_put(y++, b.x, b.w, UI_NORMAL, line);
	y++;
	y += ui_wrap((struct rect){y, b.x, 4, b.w}, UI_NORMAL,
		     _("What comes next depends on the service: an application is "
		       "reviewed by staff within 3 to 5 working days and the result "
		       "comes by SMS; a renewal is finished by putting its UKey into "
		       "a kiosk and choosing Renew. The e-invoice is e-mailed. Order "
		       "query shows how the order stands."));
	return y;
}

static const struct identify_param identify = {
	.kinds = IDENT_UNIT | IDENT_PERSON,
	.why = N_("To see your orders, say whose certificate it is and give its "
		  "number. A code is then sent to the registered mobile."),
};
static const struct sms_param sms = {
	.purpose = "query",
	.to = SMS_TO_AGENT,
	.why = N_("The code shows that the orders are yours."),
};
static const struct orders_param orders = {
	.empty = N_("No orders yet."),
};
static const struct order_param order = {.cancel = true};
/* The customer came to pay it: Esc does not cancel it unasked. */
static const struct pay_param pay = {
	.request = pay_request,
	.kept = N_("It stays among your orders: to pay it later, open it in \"Track "
		   "my orders\" at any kiosk and choose \"Pay now\"."),
};
static const struct done_param done = {.draw = draw_done};

#define TITLE N_("Track my orders")

static const struct step steps[ST_COUNT] = {
	[ST_IDENTIFY] = {"query-identify", TITLE, STEP_IDENTIFY, 0, 0, NEED_SUBJECT,
			 FLOW_EXIT, &identify, NULL},
	[ST_SMS] = {"query-sms", TITLE, STEP_SMS, 1, NEED_SUBJECT, NEED_SMS, ST_IDENTIFY,
		    &sms, NULL},
	[ST_ORDERS] = {"query-orders", N_("Order history"), STEP_ORDERS, 2,
		       NEED_SUBJECT | NEED_SMS, NEED_ORDER, FLOW_EXIT, &orders, NULL},
	[ST_ORDER] = {"query-order", N_("Order in detail"), STEP_ORDER, 2,
		      NEED_SUBJECT | NEED_SMS | NEED_ORDER, 0, ST_ORDERS, &order, NULL},
	[ST_PAY] = {"query-pay", N_("Pay"), STEP_PAY, 2, NEED_SMS | NEED_ORDER, NEED_PAID,
		    ST_ORDER, &pay, NULL},
	[ST_DONE] = {"query-done", N_("Pay"), STEP_DONE, 2, 0, 0, FLOW_HOME, &done, NULL},
};

const struct flow_table query_flow = {SVC_QUERY, steps, ST_COUNT, NULL};
