/*
 * renew_int.h - what the renewal's two halves share (renew.c: the state, the
 * check, the order, the key made while paying; renew_install.c: the work
 * after the payment).  Not for other modules.
 */
#ifndef CAKIOSK_RENEW_INT_H
#define CAKIOSK_RENEW_INT_H

#include "renew.h"
#include "session.h"

struct job;

/* The renewal's part and the customer's session, in the worker-job code. */
#define R (*renew_get())
#define S (*session_get())

/* Release a job that holds customer data: wiped, then freed. */
void renew_job_release(struct job *job);

#endif
