/*
 * unlock_order.h - the unlock's order before its job (unlock.h): made for
 * the session's UKey and customer, then confirmed with the SMS session
 * (the customer's "unlock this UKey": the authorization asked for).  Each
 * a worker job for a confirm step, its outcome a sentence or NULL.
 */
#ifndef CAKIOSK_UNLOCK_ORDER_H
#define CAKIOSK_UNLOCK_ORDER_H

#include <stdbool.h>

struct job;

/* POST /v1/orders (kind unlock); retry: the same request (same key). */
struct job *unlock_order_job(bool retry);
/* POST /v1/orders/{id}/confirm with the session. */
struct job *unlock_confirm_job(bool retry);
/* NULL when it worked (the session's order set); else a message id, *dead
 * when trying again cannot help. */
const char *unlock_order_result(struct job *job, bool *dead);

#endif
