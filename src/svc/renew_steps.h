/*
 * renew_steps.h - the parts of the renewal's table (screens/svc/renew.c)
 * that the change of details (信息变更, screens/svc/change.c) takes as
 * they are: whose UKey and certificate, asking the CA for an unfinished
 * order, the page that finishes one, the install after the payment (the
 * new key, the certificate and seal written, the old pair removed).  Their
 * state is renew.h's.
 */
#ifndef CAKIOSK_RENEW_STEPS_H
#define CAKIOSK_RENEW_STEPS_H

#include "steps.h"
#include "ui.h"

extern const struct work_param renew_install_step;

/* Vendor, certificate name and validity; returns the next free row. */
int renew_draw_token(struct rect b);

/* What stays after the work (the PIN; the decryption key, and why) from
 * row y; returns the next free row. */
int renew_draw_kept(int y, int x, int w);

/* The unfinished order found, to be finished now (not paid again). */
int renew_draw_resume(struct rect b);

/* Asking the CA (renew_check_job): the job and its stage. */
struct job *renew_check_start(void);
const char *renew_check_stage(const struct job *job);

#endif
