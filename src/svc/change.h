/*
 * change.h - the change of a certificate's details (信息变更): the calls
 * of its own to the backend.  Everything else is the renewal's (renew.h):
 * the UKey and its certificates, the check for an unfinished order, the
 * key made while paying and the crash-safe install, whose part of the
 * session the change shares (renew.h's change fields).
 *
 * The new name is never typed: it is the one the registration record
 * holds now (the manual: change it on the registration platform first).
 */
#ifndef CAKIOSK_CHANGE_H
#define CAKIOSK_CHANGE_H

#include <stdbool.h>

struct job;

/* The change's calls, each a worker job. */
enum change_call {
	CC_RECORD,  /* the registration record of the certificate's subject */
	CC_ORDER,   /* the order (a draft), with the certificate on the UKey */
	CC_CONFIRM, /* the application confirmed (documents in, SMS session) */
	CC_STATUS,  /* the paid order read back: under review or approved */
};
struct job *change_job(enum change_call call);
/* What the job is doing (message id). */
const char *change_stage(const struct job *job);
/* NULL when it worked (kept in the session), else a message id; *dead:
 * no use trying again (the registry still holds the certificate's name). */
const char *change_result(struct job *job, bool *dead);

/* The registration record holds the certificate's name: nothing changes. */
bool change_nothing(void);
/* The paid change was approved: the certificate can be made now. */
bool change_approved(void);

#endif
