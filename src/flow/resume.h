/*
 * resume.h - an order as Order query shows it, and where an unfinished
 * one continues: (order kind, order state) -> (service, step).
 *
 * The rows name a step of a service's table by its name; a row whose
 * service has no table yet (or no such step) is not offered, so a service
 * that is built later adds its rows here (Apply: a draft back to its form,
 * documents missing to its upload step) and nothing else changes.
 */
#ifndef CAKIOSK_RESUME_H
#define CAKIOSK_RESUME_H

#include <stdbool.h>

struct flow_resume {
	const char *kind;   /* the order's kind; NULL: any kind */
	const char *state;  /* the order's state */
	int service;        /* enum service_id that continues it */
	const char *step;   /* the name of that service's step */
	bool keep_order;    /* the order goes along (flow_continue) */
	bool needs_price;   /* only an order with something to pay */
	const char *button; /* message id: "Pay now" */
	const char *note;   /* message id: what happens then */
};

/* Every row, for the unit test. */
extern const struct flow_resume flow_resumes[];
extern const int flow_nresumes;

/* Where an order of kind in state continues at this kiosk, or NULL. */
const struct flow_resume *flow_resume_find(const char *kind, const char *state,
					   long price);

/* The service (enum service_id) of an order kind; -1 when unknown. */
int order_kind_service(const char *kind);
/* An order's state in plain words (message id). */
const char *order_state_words(const char *kind, const char *state);
/* Where the order stands on its service's step bar: the step it is at,
 * the number of steps when all are done, STEPS_NONE_CURRENT (cancelled). */
int order_bar(const char *kind, const char *state);
/* Can the customer still cancel it? */
bool order_cancellable(const char *state);

#endif
