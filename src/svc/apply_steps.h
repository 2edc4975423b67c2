/*
 * apply_steps.h - the steps of Apply (screens/svc/apply.c) that Reissue
 * (丢失补办) takes as they are: "then as in Apply" (the mailing address,
 * the e-invoice and term, the identity, the agent, the documents, the
 * application confirmed, the payment, review).  Their state is apply.h's.
 */
#ifndef CAKIOSK_APPLY_STEPS_H
#define CAKIOSK_APPLY_STEPS_H

#include <stdbool.h>

#include "session.h"
#include "steps.h"
#include "ui.h"

extern const struct form_param apply_address_step, apply_invoice_step;
extern const struct verify_param apply_verify_step, apply_agent_step;
extern const struct upload_param apply_upload_step;
extern const struct work_param apply_submit_step, apply_review_step;
extern const struct pay_param apply_pay_step;

/* The order's rows (who, the address, the e-invoice, term, price); returns
 * the next free row. */
int apply_draw_order(struct rect b);
/* The confirm step's action: the order made (a draft). */
struct job *apply_order_start(bool retry);
/* The identity checked before this visit (a draft continued from Order
 * query): the identity step passed over. */
bool apply_subject_before(const struct session *s);
/* A person has no agent, and a unit's agent checked before is not asked
 * again: the agent step passed over. */
bool apply_no_agent_step(const struct session *s);

#endif
