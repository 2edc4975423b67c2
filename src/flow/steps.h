/*
 * steps.h - the parameters of each kind of step (struct step's param).
 *
 * A service's table fills these; the step screens in screens/step/ read
 * them.  What is truly the service's own (its first lines, its fields, the
 * work it hands to the worker) comes in as hooks; everything else (waiting
 * for the UKey, the PIN, a form, confirming, paying, a job in stages, the
 * outcome) is the step screen's, the same for every service.
 */
#ifndef CAKIOSK_STEPS_H
#define CAKIOSK_STEPS_H

#include <stdbool.h>

#include "form.h"
#include "payflow.h"
#include "screen.h"
#include "token.h"
#include "ui.h"

struct api_cert_row;
struct api_subject;
struct job;

/* STEP_INSERT: exactly one UKey, read. */
struct insert_param {
	const char *ask;  /* message id: "Please insert the UKey to renew." */
	const char *hint; /* message id, under it */
	const char *many; /* two inserted: "Please leave only the one to renew ..." */
	/* Take what was read; NULL, or the message id saying why it cannot be
	 * used (a dead end: the customer can only go back). */
	const char *(*take)(const struct token_info *info);
	/* With a paid order the UKey is bound to it: these say so. */
	const char *paid_gone;  /* "The UKey was removed before ... finished." */
	const char *paid_ask;   /* "Please insert the same UKey again ..." */
	const char *paid_later; /* "... finishes the next time this UKey ..." */
};

/* STEP_PIN: log in to the session's UKey (the PIN step of pin.h). */
struct pin_param {
	/* Lines above the PIN field (whose UKey, whose certificate); returns
	 * the next free row.  NULL: none. */
	int (*head)(struct rect r);
	const char *paid_ask; /* with a paid order: "Type the PIN again to finish" */
	/* With a paid order and the UKey locked: that the order waits. */
	const char *paid_locked;
	/* The service needs the PIN that logged in (pin.h's keep), or NULL. */
	char *(*keep)(void);
};

/* STEP_FORM: the service's fields, kept in the session across steps. */
struct form_param {
	const struct field_def *fields;
	int nfields;
	int focus;
	void (*load)(struct form *form);
	void (*save)(const struct form *form);
	/* Lines above the fields; returns the next free row.  NULL: none. */
	int (*head)(struct rect r);
	/* A line under the fields (a price), drawn at row y. */
	void (*extra)(const struct form *form, int y, int x, int w);
	/* Esc leaves the service: this question first (message id). */
	const char *leave_ask;
};

/* STEP_CONFIRM: what was given once more; an action on "confirm". */
struct confirm_param {
	/* The page; returns the next free row. */
	int (*draw)(struct rect r);
	const char *confirm; /* the button: "Confirm order", "Next" */
	const char *modify;  /* the second button ("Back to edit"), or NULL */
	/* The action (may be NULL, or return NULL: confirming just goes on);
	 * retry: the same request again after it failed. */
	struct job *(*start)(bool retry);
	const char *busy; /* while it runs */
	/* NULL when it succeeded, else a message id; *dead: no retry. */
	const char *(*result)(struct job *job, bool *dead);
};

/* STEP_PAY: the order's payment (screens/step/pay.c). */
struct pay_param {
	const struct pay_request *(*request)(void);
	/* Esc asks first: keep the order to pay later, cancel it, or go on
	 * paying; this sentence (message id) says where the kept order is
	 * found.  NULL: Esc cancels the order (nothing is lost that is not
	 * made again in a minute). */
	const char *kept;
};

/* What a STEP_WORK job came to. */
enum work_out {
	WORK_NEXT,  /* done: on to the next step (or *go) */
	WORK_STOP,  /* a dead end: *reason said, back is the only way */
	WORK_RETRY, /* failed: *reason said, "Try again" */
	WORK_TOKEN, /* the UKey went (or its login): the flow fixes it */
};

/* STEP_WORK: a job in named stages. */
struct work_param {
	struct job *(*start)(void);
	/* The stage the job is at, as a message id (from any thread). */
	const char *(*stage)(const struct job *job);
	/* The outcome; *go may name a step (a table index) instead of next. */
	enum work_out (*result)(struct job *job, const char **reason, int *go);
	bool keep_token;       /* "Do not remove the UKey" while it runs */
	const char *busy_note; /* under the stage, or NULL */
	const char *fail_note; /* under a failure's reason, or NULL */
	/* Lines above a dead end; returns the next free row.  NULL: none. */
	int (*head)(struct rect r);
	/* Under a dead end's reason: what to do instead (message id or NULL). */
	const char *(*stop_note)(void);
};

/* STEP_UPLOAD: the order's documents, from the customer's phone (a QR code
 * of its upload page) or the kiosk's scanner (docs.h). */
struct upload_param {
	const char *next; /* the button once all are in: "Confirm application" */
};

/* STEP_DONE: the outcome; the visit ends (Finish, the UKey taken). */
struct done_param {
	/* The outcome; returns the next free row.  w is what is left of the
	 * width beside the QR code. */
	int (*draw)(struct rect r);
	/* A link to show as a QR code (the e-invoice), or NULL/"". */
	const char *(*qr_url)(void);
	const char *qr_note; /* beside it */
	/* What the code is, and the key that shows it when it does not fit
	 * beside, when that depends on the link given (else qr_note and the
	 * e-invoice's key sentence). */
	const char *(*qr_note_now)(void);
	const char *(*qr_hint_now)(void);
	bool token_in; /* the UKey is in: taking it ends the visit */
	/* A second button (message id) and where it leads: following the
	 * order in Order query.  NULL: none. */
	const char *follow;
	struct result (*follow_go)(void);
};

/* Which customers a service takes (identify_param's kinds). */
#define IDENT_UNIT 0x1u   /* 单位: unified social credit code */
#define IDENT_PERSON 0x2u /* 个人: resident ID number */

/* STEP_IDENTIFY: unit or person, the ID number, the registration record
 * (fetched, shown greyed); gives NEED_SUBJECT. */
struct identify_param {
	unsigned kinds;  /* IDENT_UNIT | IDENT_PERSON */
	const char *why; /* message id: what the number is asked for, or NULL */
	/* The service keeps the record the customer went on with (the form
	 * takes its name, address, postcode and e-mail), or NULL. */
	void (*take)(const struct api_subject *rec);
};

/* Whose registered mobile a unit's code goes to (a person's: their own). */
enum sms_to { SMS_TO_AGENT, SMS_TO_LEGAL_REP };

/* STEP_SMS: a code to the registered mobile; gives NEED_SMS. */
struct sms_param {
	const char *purpose; /* PROTOCOL.md section 4: "query", "apply", ... */
	enum sms_to to;
	const char *why; /* message id: what the code confirms, or NULL */
};

/* STEP_ORDERS: the customer's orders (newest first) and certificates;
 * choosing an order puts it in the session (gives NEED_ORDER). */
struct orders_param {
	const char *empty; /* message id: there is none */
};

/* STEP_CERTS: the customer's certificates; the one chosen (a valid one)
 * and whether it was lost or damaged go to take. */
struct certs_param {
	const char *empty; /* message id: there is none */
	void (*take)(const struct api_cert_row *c, bool damaged);
};

/* STEP_ORDER: the session's order: details, cancel when unpaid, continue
 * where it stopped (resume.h: the rows name the step, in this table or in
 * another service's). */
struct order_param {
	bool cancel; /* an unpaid order may be cancelled here */
};

/* STEP_NEWPIN: a new PIN typed twice (screens/step/newpin.c, newpin.h). */
struct newpin_param {
	/* Lines above the fields; returns the next free row.  NULL: none. */
	int (*head)(struct rect r);
	/* Take the new PIN, checked and typed twice the same: the service
	 * copies it (and wipes its copy); NULL on a PIN-pad reader, where the
	 * customer types it on the reader when the token asks. */
	void (*take)(const char *pin);
	const char *button; /* message id: "Set the new PIN" */
};

/* STEP_VERIFY: identity verification, one method of the row's (verify.c). */
struct verify_method_row {
	int method;       /* enum api_verify_method */
	const char *name; /* message id, as the manual names it */
	/* How the certificate PIN then comes (message id), or NULL. */
	const char *pin_note;
};
/* Whose identity: the unit (its legal representative or the company's
 * account) or the person, or a unit's agent (经办人). */
enum verify_party { VERIFY_SUBJECT, VERIFY_AGENT };
struct verify_param {
	/* The methods offered, in the manual's order, for a unit (its legal
	 * representative or the company's account; the agent's for
	 * VERIFY_AGENT) and for a person. */
	const struct verify_method_row *unit;
	int nunit;
	const struct verify_method_row *person;
	int nperson;
	enum verify_party party;
	/* The row verified earlier in this visit for this party (back from a
	 * later step: it stands, "Next" goes on), -1: none; and the row just
	 * verified.  Both NULL: nothing is remembered. */
	int (*verified)(void);
	void (*took)(int row);
};

#endif
