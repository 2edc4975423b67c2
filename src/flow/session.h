/*
 * session.h - everything the kiosk knows about the customer at the screen,
 * in one place, wiped when the visit ends.
 *
 * One struct for what every service shares (the UKey, the login, the
 * subject, the SMS session, the order and its idempotency keys) and one
 * per-service part the service asks for by size, with its own wipe.  No
 * service keeps customer data in a global of its own: session_end() is
 * the one wipe, run by the loop when the visit ends (Finish, Esc out of
 * the first screen, the idle countdown, a staff release).
 */
#ifndef CAKIOSK_SESSION_H
#define CAKIOSK_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "payflow.h"
#include "token.h"

#define SESSION_SMS_MAX 80
#define SESSION_SUBJECT_MAX 64
#define SESSION_NAME_MAX 128

struct session {
	/* the UKey this visit is about */
	bool have_token;
	struct token_ref ref;
	char token_serial[TOKEN_TEXT_MAX];
	char vendor[TOKEN_NAME_MAX];
	bool logged_in;
	/* its PIN state when it was read (token.h), for the PIN step */
	bool initialized;
	enum token_pin_state pin;
	int tries_left;
	bool pinpad;
	unsigned long min_pin, max_pin;
	/* whose certificate: a unit (credit code) or a person (ID number) */
	bool unit;
	char subject_id[SESSION_SUBJECT_MAX];
	char subject_name[SESSION_NAME_MAX]; /* as registered */
	/* the SMS session the backend gave after a code was checked */
	char sms_session[SESSION_SMS_MAX];
	int64_t sms_expires_ms; /* loop_now() clock; 0: none */
	/* the order */
	char order_id[PAY_ORDER_ID_MAX];
	long price;
	bool paid;
	bool resumed; /* an earlier visit's order, found again */
	char idem_order[BACKEND_IDEM_KEY_LEN + 1];
	char idem_confirm[BACKEND_IDEM_KEY_LEN + 1];
	/* where the customer is in a service's table (flow.c) */
	int service; /* enum service_id, -1: none */
	int step;
	/* the service's own part */
	int part_owner;
	void *part;
	size_t part_size;
	void (*part_wipe)(void *part);
};

/* The one session (the UI thread's). */
struct session *session_get(void);

/*
 * The per-service part of service svc: zeroed on first use, kept until the
 * session ends or another service asks for its own.  wipe (may be NULL)
 * frees what the part points to; the part itself is wiped after it.
 */
void *session_part(int svc, size_t size, void (*wipe)(void *part));

/* A new service starts in this visit: its order and its part go. */
void session_restart(void);

/* The UKeys changed: the login may be gone (the UKey stays bound). */
void session_token_gone(void);

/* The backend refused the SMS session (its code "session_..."): it is
 * dropped, so the flow sends the customer to the SMS step again.  True
 * when code was such a refusal. */
bool session_sms_lost(const char *code);

/* Is the SMS session still valid at now_ms? */
bool session_sms_valid(int64_t now_ms);

/* The end of the visit: everything wiped (a loop_on_session_end hook). */
void session_end(void);

#endif
