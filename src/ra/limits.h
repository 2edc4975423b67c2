/*
 * limits.h - try limits of the guessable checks (mobile checks, bank-card
 * checks, transfer memos, SMS codes), stated here and in PROTOCOL.md
 * ("Try limits").  Every failed check is a row in the store's failures
 * table; a check is refused while the failures of its order, its customer
 * or its terminal within the window reach that scope's limit.  The window
 * slides over the failures themselves, so no new request (a new order, a
 * new transfer, a new SMS) and no restart resets it.
 */
#ifndef CAKIOSK_RA_LIMITS_H
#define CAKIOSK_RA_LIMITS_H

#include <stdbool.h>

#include "ra/app.h"

enum lim_check {
	LIM_MOBILE,    /* operator real-name check of a mobile number */
	LIM_BANK_CARD, /* bank-card check */
	LIM_MEMO,      /* the code in a 0.01 CNY transfer's memo */
	LIM_SMS_CODE,  /* an SMS code (per code: 5 tries besides, see api.c) */
	LIM_STAFF_PIN, /* a staff login (per account: the lockout of staff.h) */
};

/* failures allowed per scope within LIM_WINDOW seconds; 0: no such scope */
#define LIM_WINDOW (24 * 3600)
#define LIM_TABLE                                                                        \
	/* check        order  subject  terminal */                                      \
	{"mobile", {3, 5, 20}}, {"bank_card", {3, 5, 20}}, {"memo", {5, 10, 30}},        \
		{"sms_code", {0, 10, 30}}, {"staff_pin", {0, 0, 20}},

/*
 * The public checks that have no order, customer or terminal: failed
 * enrolments (POST /v1/enrol: an unknown, expired or used code, check
 * "enrol") and unknown or expired order status links (GET /s/{token},
 * check "status_link"), each counted in the same table: per source address
 * within LIM_ADDR_WINDOW, and across all addresses within
 * LIM_ADDR_GLOBAL_WINDOW, a short back-off that one address (at most
 * LIM_ADDR failures an hour) cannot keep closed alone.  Together at most
 * 30 guesses a minute reach the 10^12 codes of 12 random digits, or the
 * 2^128 status links.
 */
#define LIM_ADDR 10
#define LIM_ADDR_WINDOW 3600
#define LIM_ADDR_GLOBAL 30
#define LIM_ADDR_GLOBAL_WINDOW 60

/* Where a check stands: order may be NULL (SMS codes have none). */
struct lim_who {
	const char *order;
	const char *subject_type;
	const char *subject_id;
	const char *terminal;
};

/* May the check run?  If a scope is locked, answers 429 rate_limited with
 * retry_after and scope, and returns false. */
bool lim_allow(struct req *r, enum lim_check c, const struct lim_who *w);
/* Records one failure in every scope; returns the tries left before the
 * first scope locks (0: this was the last). */
int lim_fail(struct req *r, enum lim_check c, const struct lim_who *w);

/* May this address try check ("enrol", "status_link")?  As lim_allow
 * (scope "address" or "global"). */
bool lim_addr_allow(struct req *r, const char *check, const char *addr);
/* Records one failure of check by this address. */
void lim_addr_fail(struct req *r, const char *check, const char *addr);

#endif
