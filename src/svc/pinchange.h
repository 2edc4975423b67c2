/*
 * pinchange.h - PIN change (修改证书密码) for a customer who knows the PIN:
 * insert the UKey, log in (the PIN step, which protects the retry budget
 * and keeps the PIN that logged in), the new PIN twice, C_SetPIN, and a
 * login with the new PIN that proves it.  The table is
 * screens/svc/pinchange.c; the work on the worker is here.
 */
#ifndef CAKIOSK_PINCHANGE_H
#define CAKIOSK_PINCHANGE_H

#include <stdbool.h>

#include "pin.h"
#include "token.h"

/* The service's part of the customer's session (wiped with it). */
struct pinchange {
	char old_pin[PIN_MAX_CHARS + 1]; /* the PIN that logged in */
	char new_pin[PIN_MAX_CHARS + 1];
	bool pinpad;  /* both are typed on the reader: NULL passed */
	bool changed; /* C_SetPIN went through (the proof may not have) */
};

struct pinchange *pinchange_get(void);

enum pinchange_stage { PC_STAGE_CHANGE, PC_STAGE_PROOF };

/* C_SetPIN(old, new), log out, log in with the new PIN: on the session's
 * UKey, with the part's PINs (copied into the job, wiped there). */
struct job *pinchange_job(void);
enum pinchange_stage pinchange_stage(const struct job *job);
/* The outcome: TOKEN_OK, or what failed and at which stage. */
enum token_err pinchange_result(const struct job *job, enum pinchange_stage *at);

#endif
