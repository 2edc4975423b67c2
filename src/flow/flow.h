/*
 * flow.h - a service as a const table of steps, and the one place that
 * walks it.
 *
 * A step names its kind (insert the UKey, PIN, form, confirm, pay, work,
 * done, ...), its place in the step bar, what it needs before it may run,
 * what it establishes, its parameters and an optional hook choosing where
 * "next" goes.  Step screens return next / back / go-to (RESULT_FLOW());
 * only flow_resolve() maps a step to a screen and checks its needs, once:
 * a pulled UKey, a second UKey, a lost login, an expired SMS session or a
 * lost order sends the customer to the step that gives what is missing.
 * The loop calls flow_resolve() for an ACT_FLOW result and switches
 * screens as for any other result.
 */
#ifndef CAKIOSK_FLOW_H
#define CAKIOSK_FLOW_H

#include <stdbool.h>

#include "screen.h"
#include "session.h"

enum step_kind {
	STEP_INSERT,   /* exactly one UKey in, read */
	STEP_PIN,      /* its PIN, logged in */
	STEP_FORM,     /* fields of the service */
	STEP_CONFIRM,  /* what was given once more; an action on "confirm" */
	STEP_PAY,      /* the payment of the order */
	STEP_WORK,     /* a job in named stages */
	STEP_DONE,     /* the outcome; the visit ends */
	STEP_IDENTIFY, /* unit or person, ID number, the registration record */
	STEP_SMS,      /* an SMS code to the registered mobile: the session */
	STEP_ORDERS,   /* the customer's orders and certificates */
	STEP_ORDER,    /* one of them: details, cancel, continue */
	STEP_NEWPIN,   /* a new PIN, typed twice */
	STEP_VERIFY,   /* identity verification, one method of the row's */
	STEP_UPLOAD,   /* documents from the customer's phone (or a scanner) */
	STEP_CERTS,    /* the customer's certificates: one chosen, and why */
	STEP_KIND_COUNT
};

/* What a step needs before it runs, and what a step gives. */
#define NEED_ONE_TOKEN 0x01u /* exactly one UKey, the session's */
#define NEED_LOGIN 0x02u     /* logged in to it */
#define NEED_SMS 0x04u       /* a valid SMS session */
#define NEED_ORDER 0x08u     /* an order at the backend */
#define NEED_PAID 0x10u      /* the order is paid */
#define NEED_SUBJECT 0x20u   /* the customer is identified (session.h subject) */
#define NEED_LAST NEED_SUBJECT

/* Where a step screen wants to go (struct result's go, with ACT_FLOW). */
#define FLOW_NEXT (-1)  /* the next step (or the step's after hook) */
#define FLOW_BACK (-2)  /* the step's back */
#define FLOW_AGAIN (-3) /* this step again, needs checked anew */
#define FLOW_EXIT (-4)  /* out of the service, to the menu */
#define FLOW_HOME (-5)  /* the visit is over */
/* 0..n-1: go to that step of the table. */

#define RESULT_FLOW(g) ((struct result){.action = ACT_FLOW, .go = (g)})

struct step {
	const char *name;  /* logs and tests: "renew-form" */
	const char *title; /* message id, under the header */
	enum step_kind kind;
	int bar;        /* in the service's step bar; -1: none */
	unsigned needs; /* NEED_* checked before it runs */
	unsigned gives; /* NEED_* it establishes: where a missing need is fixed */
	int back;       /* step index, FLOW_EXIT or FLOW_HOME */
	const void *param;
	/* Where "next" goes, or FLOW_NEXT for the following step. */
	int (*after)(const struct session *s);
	/* The one other step (never the first) the step's outcome may name
	 * (a work step's *go); 0: none.  flow_target() refuses any other. */
	int alt;
	/* The step is not this customer's (a unit's agent, for a person):
	 * passed over in the direction travelled.  NULL: always taken. */
	bool (*pass)(const struct session *s);
};

struct api_order;

struct flow_table {
	int service; /* enum service_id */
	const struct step *steps;
	int nsteps;
	/* An unfinished order of the service continued from Order query with
	 * the order (resume.h keep_order): the service takes what the backend
	 * holds of it (a draft's form, its identity checks).  NULL: nothing. */
	void (*resume)(const struct api_order *o);
};

/* The table of a service, or NULL when it is not built on steps. */
const struct flow_table *flow_table(int service);

/* The index of t's step named name; -1: none (or t NULL). */
int flow_find(const struct flow_table *t, const char *name);

/* Start service svc for this customer: its first step (needs checked). */
struct result flow_start(int service);

/*
 * Continue an order in service svc at its step named step (an unfinished
 * order found by Order query, resume.h): keep_order keeps the session's
 * order (and its price) for that step; without it the session starts the
 * service afresh and the service finds the order itself (a paid renewal,
 * by the UKey's certificate).  ACT_NONE when the service has no such step.
 */
struct result flow_continue(int service, const char *step, bool keep_order);

/*
 * From a service's done page to Order query: this visit's order when the
 * customer is identified (the SMS code asked again if its session ran
 * out), else Order query from its start.  A done_param's follow_go.
 */
struct result flow_follow_orders(void);

/* The loop's half of ACT_FLOW: the concrete result for go. */
struct result flow_resolve(int go);

/* The step the customer is on, and its parameters (NULL: none). */
const struct step *flow_step(void);
const void *flow_param(void);

/*
 * The pure part, for the unit test: where go leads from step cur of t
 * given session s and the UKeys present (ntokens, first's serial), needs
 * checked.  Returns a step index, FLOW_EXIT or FLOW_HOME.
 */
int flow_target(const struct flow_table *t, int cur, int go, const struct session *s,
		size_t ntokens, const char *serial);
/* The first step of t giving what step i needs and s lacks; -1: none lacks. */
int flow_fix(const struct flow_table *t, int i, const struct session *s, size_t ntokens,
	     const char *serial);

/* A screen's .steps and .title_now for every step screen. */
int flow_steps(void *state, const char *const **steps);
const char *flow_title(void *state);

/* The UKeys changed: false when the current step's needs no longer hold. */
bool flow_tokens_ok(void);

#endif
