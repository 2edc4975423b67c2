/*
 * pay_int.h - what the payment screen's files (pay.c, pay_draw.c) share
 * with each other and nobody else.
 */
#ifndef CAKIOSK_PAY_INT_H
#define CAKIOSK_PAY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "payflow.h"
#include "qr.h"

struct job;

#define K_KEEP 'k'
#define K_CANCEL 'c'

enum pay_state {
	P_CHOOSE,   /* which channel */
	P_CREATING, /* asking the backend for a payment */
	P_SHOWING,  /* QR code up, polling */
	P_PAID,     /* paid; the preparation is still running */
	P_ENDING,   /* cancelling the order, undoing the preparation */
	P_ENDED,    /* cancelled or timed out */
	P_FAILED,   /* the payment could not be made */
	P_KEPT,     /* the customer left it unpaid, the order kept */
};

enum pay_end { END_CANCELLED, END_EXPIRED };

struct pay {
	struct pay_request req;
	enum pay_state state;
	enum pay_end end;
	int focus;
	int channel;         /* 0 Alipay, 1 WeChat */
	struct job *job;     /* create, poll or cancel */
	struct job *bg;      /* the service's preparation */
	struct job *discard; /* undoing it */
	bool bg_started, bg_finished;
	char payment_id[64];
	char code_url[512];
	struct qr qr;
	int64_t deadline; /* loop_now() when the payment runs out */
	int64_t next_poll;
	bool poll_trouble;
	bool ukey_out;      /* the service's UKey is not in the reader */
	bool asking;        /* Esc: keep, cancel or go on (pay_param kept) */
	int64_t kept_at;    /* loop_now() when the order was kept */
	const char *kept;   /* where the kept order is found (message id) */
	const char *reason; /* message id of a failure */
	char idem_create[BACKEND_IDEM_KEY_LEN + 1];
};

/* The screen as it stands (screen_ops draw). */
void pay_draw(void *state);

#endif
