/*
 * payflow.h - what every paid service shares: the request a service hands
 * to the payment screen (whose backend calls are the client's, api.h).
 *
 * A service (renewal first, the others later) fills a struct pay_request
 * for its STEP_PAY step (steps.h).  The payment screen lets the customer
 * choose Alipay or WeChat Pay, draws the QR code, polls until the order is
 * paid, and goes on to the next step of the service's table.  While the
 * customer pays, the service may have the worker do slow preparation (a key
 * pair on the token): bg_start makes that job, bg_done hears its result, and
 * bg_discard undoes it when the customer does not pay.
 */
#ifndef CAKIOSK_PAYFLOW_H
#define CAKIOSK_PAYFLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "backend.h"
#include "screen.h"
#include "token.h"

#define PAY_ORDER_ID_MAX 64

struct job;

struct pay_request {
	char order_id[PAY_ORDER_ID_MAX];
	long amount; /* fen, as the backend priced it */
	/* The UKey the service writes to once paid (token_ref serial), or "":
	 * the payment screen says at once when it is taken out. */
	char token_serial[TOKEN_TEXT_MAX];
	struct job *(*bg_start)(void);
	void (*bg_done)(struct job *job);
	struct job *(*bg_discard)(void);
};

/* "300.00" for 30000 fen. */
void pay_money(long fen, char *buf, size_t len);

#endif
