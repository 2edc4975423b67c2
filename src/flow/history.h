/*
 * history.h - the customer's orders and certificates, as Order query's list
 * and Reissue's certificate list both fetch them: with the customer's SMS
 * session, a session the backend let go sending the customer back to the
 * SMS code.
 */
#ifndef CAKIOSK_HISTORY_H
#define CAKIOSK_HISTORY_H

#include "flow.h"

struct api_history;
struct job;

/* Ask for the session's subject's history: *job submitted, *reason cleared. */
void history_fetch(struct job **job, const char **reason);
/*
 * The history job ended: the answer into a new *h (history_free frees it);
 * a session the backend let go: FLOW_AGAIN (a new SMS code); else *reason
 * says why, for the screen.  *job is cleared.
 */
struct result history_take(struct job **job, struct api_history **h, const char **reason);
/* The answer wiped and freed (it holds the customer's orders). */
void history_free(struct api_history **h);

#endif
