/*
 * pin.h - the one PIN step: a UKey login that protects the retry budget.
 *
 * Every service that logs in to a UKey uses this, so a try is spent only on
 * a PIN that could be the PIN, and the last try only after an explicit yes:
 *
 *  - only printable ASCII is accepted; a CJK character or an emoji, typed or
 *    in a paste, is refused at the keyboard with a sentence, the field is
 *    emptied and the rest of that paste dropped: nothing reaches the token;
 *  - the length is checked against the token's own limits (CK_TOKEN_INFO)
 *    before anything is sent;
 *  - a PIN-pad reader (CKF_PROTECTED_AUTHENTICATION_PATH) gets no field: the
 *    PIN is entered on the reader, the login goes with a NULL PIN;
 *  - the tries left are said in words from the live token flags;
 *  - the final try is spent only after a dialog whose default is "do not";
 *  - a locked token gets the Unlock offer at once, the UKey staying in
 *    (offer.h: the counter of this hall until Unlock is built);
 *  - the PIN is wiped as soon as the login job has its copy; never logged.
 *
 * A screen embeds a struct pin_step: it starts it from a token it has read
 * (pin_begin) or lets it read one (pin_begin_read), hands it keys and the
 * jobs it started, draws it in a part of the body, and acts on its events.
 * The step's jobs are submitted on the embedding screen's behalf.
 */
#ifndef CAKIOSK_PIN_H
#define CAKIOSK_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "form.h"
#include "token.h"
#include "ui.h"

struct job;

/* Longest PIN the field takes (PKCS#11 tokens stay well below). */
#define PIN_MAX_CHARS 64
/*
 * After a refused character, the rest of its burst is dropped: keys that
 * follow each other within this many ms came from one paste, not from a
 * person typing (tens of ms apart at the very fastest).
 */
#define PIN_BURST_MS 25

/* ---- the rules, pure ------------------------------------------------- */

/* May this key be part of a PIN?  Printable ASCII only. */
bool pin_char_ok(int key);

enum pin_len { PIN_LEN_OK, PIN_LEN_SHORT, PIN_LEN_LONG };
/*
 * len characters against the token's ulMinPinLen/ulMaxPinLen; a limit the
 * token does not give (0 for the maximum, CK_UNAVAILABLE_INFORMATION for
 * either) does not apply; the field's own PIN_MAX_CHARS always does.
 */
enum pin_len pin_len_check(size_t len, unsigned long min, unsigned long max);
/* The limits to say to the customer, the unknown ones filled in. */
void pin_limits(unsigned long min, unsigned long max, unsigned long *lo,
		unsigned long *hi);

/* The tries left in words (message id), NULL when there is nothing to say. */
const char *pin_state_words(enum token_pin_state state);

/* ---- the step ------------------------------------------------------ */

enum pin_phase {
	PIN_IDLE,    /* not started */
	PIN_READING, /* reading the token's live PIN state */
	PIN_ASK,     /* the field, or the PIN-pad prompt */
	PIN_CONFIRM, /* "this is the last try" */
	PIN_LOGIN,   /* the login runs (on a PIN-pad: the reader asks) */
	PIN_DONE,    /* logged in */
	PIN_LOCKED,  /* locked: the Unlock offer */
	PIN_FAILED,  /* the token went away or failed: pin_reason() */
};

enum pin_event {
	PIN_EV_NONE,   /* not the step's key or job: the screen may use it */
	PIN_EV_REDRAW, /* taken; draw again */
	PIN_EV_DONE,   /* logged in */
	PIN_EV_LOCKED, /* the token is locked; pin_draw() shows the offer */
	PIN_EV_FAILED, /* pin_reason() says why; read the token again */
	PIN_EV_UNLOCK, /* the customer took the Unlock offer: go to offer.screen */
};

enum pin_note {
	PIN_NOTE_NONE,
	PIN_NOTE_CHARS,
	PIN_NOTE_LENGTH,
	PIN_NOTE_KEPT,
	PIN_NOTE_TOKEN
};

struct pin_step {
	enum pin_phase phase;
	struct job *job;
	struct token_ref ref;
	enum token_pin_state state; /* live, updated after every try */
	bool pinpad;
	unsigned long min_len, max_len;
	struct form form;
	enum pin_note note; /* why the last PIN or key was refused */
	int note_len;       /* PIN_NOTE_LENGTH: how many characters were typed */
	enum token_err err; /* PIN_NOTE_TOKEN, PIN_FAILED */
	int tries_left;
	bool yes_focus;   /* PIN_CONFIRM: focus on "try it" */
	bool dropping;    /* in the rest of a refused paste */
	int64_t last_key; /* loop_now() of the last key dropped or refused */
	/* A service that needs the PIN again (a PIN change: C_SetPIN wants
	 * the old one) gives a buffer of PIN_MAX_CHARS + 1: it gets the PIN
	 * that logged in, and is wiped when a login fails.  Set after
	 * pin_begin*(), which clear it. */
	char *keep;
};

/* Start from a token just read (its live state); no job. */
void pin_begin(struct pin_step *p, const struct token_info *info);
/* Start by reading the token (ref NULL: the one inserted) on the worker. */
void pin_begin_read(struct pin_step *p, const struct token_ref *ref);
/* Wipe the PIN and everything else; a running job is cancelled. */
void pin_wipe(struct pin_step *p);

enum pin_event pin_key(struct pin_step *p, int key);
/* PIN_EV_NONE when job is not the step's. */
enum pin_event pin_job_done(struct pin_step *p, struct job *job);
/* A job runs (tick: redraw for the spinner). */
bool pin_busy(const struct pin_step *p);
/* Message id for PIN_FAILED. */
const char *pin_reason(const struct pin_step *p);

/* Draw in r (8 rows or more); the confirmation dialog over the body. */
void pin_draw(const struct pin_step *p, struct rect r);

#endif
