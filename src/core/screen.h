/*
 * screen.h - what a screen is, and what it may ask the loop to do.
 *
 * Each screens/NAME.c fills one struct screen_ops and exports nothing else
 * (htop's panel classes, tmux's window modes).  Handlers never switch
 * screens themselves: they return a struct result and the loop acts on it.
 * Draw renders state; key and tick change it.
 */
#ifndef CAKIOSK_SCREEN_H
#define CAKIOSK_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct job;

enum screen_id {
	SCR_WELCOME,
	SCR_MENU,
	SCR_HELP,
	SCR_IDLE,
	SCR_MESSAGE,
	SCR_STAFF_LOGIN,
	SCR_STAFF,
	SCR_TOO_SMALL,
	SCR_GUIDE,
	SCR_CHECK,
	/* the step screens of services built on tables (flow.h) */
	SCR_STEP_INSERT,
	SCR_STEP_PIN,
	SCR_STEP_FORM,
	SCR_STEP_CONFIRM,
	SCR_PAY,
	SCR_STEP_WORK,
	SCR_STEP_DONE,
	SCR_STEP_IDENTIFY,
	SCR_STEP_SMS,
	SCR_STEP_ORDERS,
	SCR_STEP_ORDER,
	SCR_STEP_NEWPIN,
	SCR_STEP_VERIFY,
	SCR_STEP_UPLOAD,
	SCR_CALL, /* F12: the call for staff, said once the backend has it */
	SCR_STEP_CERTS,
	SCR_STAFF_PERSONALIZE, /* counter staff: a blank UKey made on the spot */
	SCR_STAFF_DIAG,        /* counter staff: what a UKey holds */
	SCR_COUNT
};

enum action {
	ACT_NONE,    /* nothing changed */
	ACT_REDRAW,  /* state changed, draw again */
	ACT_PUSH,    /* open target on top, with arg */
	ACT_POP,     /* close this screen, back to the one below */
	ACT_REPLACE, /* close this screen and open target in its place */
	ACT_HOME,    /* end the customer's session: wipe, back to welcome */
	ACT_MENU,    /* close everything above the main menu */
	ACT_FLOW,    /* a step of a service: next, back, go-to (flow.h, go) */
};

struct result {
	enum action action;
	enum screen_id target;
	const void *arg;
	int go; /* ACT_FLOW: where to, in the service's table */
};

#define RESULT(a) ((struct result){.action = (a)})
#define RESULT_PUSH(t, a) ((struct result){.action = ACT_PUSH, .target = (t), .arg = (a)})
#define RESULT_REPLACE(t, a)                                                             \
	((struct result){.action = ACT_REPLACE, .target = (t), .arg = (a)})

/* Footer keys a screen offers (the loop adds F1, F2, F12 everywhere). */
#define FOOT_ENTER 0x1
#define FOOT_ESC 0x2
#define FOOT_TAB 0x4
#define FOOT_CANCEL 0x8 /* Esc means "cancel" rather than "back" */

/* Flags */
#define SCREEN_NO_IDLE 0x1   /* the idle countdown never starts here */
#define SCREEN_DIALOG 0x2    /* drawn over the screen below it */
#define SCREEN_NO_GLOBAL 0x4 /* F1/F2/F12 are not handled here (help itself) */
#define SCREEN_NO_STAFF_CALL 0x8
#define SCREEN_OVER 0x10  /* covers the screen below, which goes on working (help) */
#define SCREEN_STAFF 0x20 /* counter staff's: no F12, and none in the footer */

#define STEPS_NONE_CURRENT 0x7fff

struct screen_ops {
	const char *name;  /* for logs and tests */
	const char *title; /* message id, shown under the header */
	const char *help;  /* message id, the F1 text for this screen */
	unsigned flags;
	unsigned footer; /* FOOT_* */

	/* Make the screen's state from arg; NULL is fine for stateless screens. */
	void *(*enter)(const void *arg);
	/* Wipe and free the state. */
	void (*leave)(void *state);
	/* Render state into the body (ui_body()); register click targets. */
	void (*draw)(void *state);
	struct result (*key)(void *state, int key);
	/* Called about four times a second with a monotonic clock. */
	struct result (*tick)(void *state, int64_t now_ms);
	/* A job this screen started has finished (or was cancelled). */
	struct result (*job_done)(void *state, struct job *job);
	/*
	 * Steps of the service this screen belongs to, for the step bar: sets
	 * *steps (message ids, NULL-terminated) and returns the current one,
	 * STEPS_NONE_CURRENT, or -1 for no step bar; the number of steps when all
	 * are done.
	 */
	int (*steps)(void *state, const char *const **steps);
	/* The set of inserted UKeys changed (token_watch_state() has it). */
	struct result (*tokens)(void *state);
	/* The keys the footer offers now (FOOT_*), when they change with the
	 * screen's state; NULL: always .footer. */
	unsigned (*footer_now)(void *state);
	/* The F1 text made now, translated, into buf, when it depends on the
	 * kiosk (the services it offers); NULL: always .help. */
	const char *(*help_now)(char *buf, size_t len);
	/* The title now (message id), when it is not always .title. */
	const char *(*title_now)(void *state);
};

/* The registry: one row per screen, in src/screens.c. */
const struct screen_ops *screen_get(enum screen_id id);

#endif

/* One per file in screens/; the registry in src/screens.c lists them. */
extern const struct screen_ops screen_welcome, screen_menu, screen_help, screen_idle,
	screen_message, screen_staff_login, screen_staff, screen_too_small, screen_guide,
	screen_check, screen_pay, screen_step_insert, screen_step_pin, screen_step_form,
	screen_step_confirm, screen_step_work, screen_step_done, screen_step_identify,
	screen_step_sms, screen_step_orders, screen_step_order, screen_step_certs;
extern const struct screen_ops screen_step_newpin, screen_step_verify, screen_step_upload,
	screen_call, screen_staff_personalize, screen_staff_diag;
