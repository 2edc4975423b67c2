/*
 * unlock.h - the unlock service's work (证书解锁): from the backend's
 * authorization to "the new PIN works", as one worker job the screens hand
 * to loop_submit() and run again after any failure, and that a test or a
 * benchmark runs without a screen.
 *
 * What the screens do first (screens/svc/unlock.c): the UKey read (the
 * session's ref and token_serial), the identity verified, the unlock order
 * made and confirmed with the customer's SMS session (session.h: order_id,
 * sms_session), the new PIN typed twice and checked (length within the
 * token's limits, not trivial).  Then unlock_set_pin() and unlock_job().
 *
 * The job reads the session's ref, token_serial, order_id, sms_session and
 * min_pin/max_pin (the new SO PIN is made within the token's limits).
 * The job's stages, each done once and skipped when run again:
 *
 *   UL_AUTHORIZING  POST /v1/orders/{id}/unlock-authorization: the token's
 *                   escrowed SO PIN and, after an earlier unlock stopped
 *                   half-way, the candidate that earlier unlock recorded
 *   UL_SO_LOGIN     security-officer login: the candidate first, then the
 *                   escrowed one (the login says which the token holds)
 *   UL_INIT_PIN     C_InitPIN with the new user PIN (the lock is gone)
 *   UL_RECORDING    a fresh random SO PIN recorded with the backend as this
 *                   order's candidate, before the token is changed
 *   UL_SETTING_SO   C_SetPIN of the SO PIN to the candidate
 *   UL_PROMOTING    the backend told the token holds the candidate now
 *   UL_PROVING      a user login with the new PIN
 *   UL_DONE
 *
 * Crash safety (PROTOCOL.md section 12): the token's SO PIN is only ever
 * one the backend holds, current or candidate; a job stopped anywhere is
 * finished by running it again in this visit, or by a new unlock at any
 * kiosk.  PIN-pad readers: unlock_set_pin(NULL); the customer types the new
 * PIN on the reader for C_InitPIN and for the proof (unlock_job_stage says
 * when: show token_stage_text(TOKEN_STAGE_PINPAD)).  Secrets (the new PIN,
 * both SO PINs) live in the session's unlock part, wiped at the end of the
 * visit and never logged.
 */
#ifndef CAKIOSK_UNLOCK_H
#define CAKIOSK_UNLOCK_H

#include <stdbool.h>

#include "token.h"

struct job;

enum unlock_stage {
	UL_AUTHORIZING,
	UL_SO_LOGIN,
	UL_INIT_PIN,
	UL_RECORDING,
	UL_SETTING_SO,
	UL_PROMOTING,
	UL_PROVING,
	UL_DONE,
	UL_STAGE_COUNT
};

/* What the screen does with the outcome of a run. */
enum unlock_outcome {
	UO_DONE,    /* the new PIN works; certificates and seal untouched */
	UO_AGAIN,   /* the UKey was pulled or the backend did not answer:
		       say reason, then unlock_job() again (nothing is lost) */
	UO_RESTART, /* the authorization was refused (session expired, order
		       no longer this kiosk's): verify the customer again */
	UO_COUNTER, /* neither SO PIN opens the token, its SO PIN is locked,
		       or the backend does not know the token: the counter */
	UO_PIN,     /* the token refused the new PIN (characters, length):
		       ask for another, unlock_set_pin(), unlock_job() again */
};

/*
 * The unlock's part of the customer's session (session_part(SVC_UNLOCK)):
 * the job's state, private to unlock.c, behind work.  Screens of the
 * unlock that keep state of their own add it here (never a second
 * session_part of SVC_UNLOCK: it would replace this one).
 */
struct unlock_work;
struct unlock {
	struct unlock_work *work;
};
struct unlock *unlock_get(void);

/* Start a new unlock in this visit (the session's order and keys reset). */
void unlock_begin(void);
/* The new user PIN (copied; the caller wipes its own).  NULL: PIN pad. */
void unlock_set_pin(const char *pin);
/* The stage a finished (or the next) run starts from. */
enum unlock_stage unlock_stage_now(void);

/* Everything from the authorization to the proof; safe to run again. */
struct job *unlock_job(void);
/* The stages before stop only (tests and benchmarks: a kiosk killed there). */
struct job *unlock_job_until(enum unlock_stage stop);
/* While it runs (poll in tick): the stage, for unlock_stage_text(). */
enum unlock_stage unlock_job_stage(const struct job *job);
/* In job_done: the outcome; *reason a message id for all but UO_DONE,
 * *token_err the token's error (TOKEN_OK when the backend failed). */
enum unlock_outcome unlock_result(struct job *job, const char **reason,
				  enum token_err *token_err);

/* A fresh random SO PIN into out (API_SO_PIN_MAX): letters and digits,
 * within the token's limits and the protocol's 4..32; false when the
 * system gives no randomness.  Also personalize.c's. */
bool unlock_new_so_pin(unsigned long min_pin, unsigned long max_pin, char *out);

/* Message id of a stage, for the "do not remove the UKey" screen. */
const char *unlock_stage_text(enum unlock_stage stage);
/* Short English name of a stage, for logs and tests ("SO_LOGIN"). */
const char *unlock_stage_name(enum unlock_stage stage);

#endif
