/*
 * gw.h - the outside gateways of the backend: SMS, e-mail and bank
 * transfers.  The reference backend's gateways are sandboxes: they record
 * what would be sent in the store (sms_outbox, mails, bank_memos), where
 * the sandbox inspection endpoints show it.  A real provider plugs in here.
 * The text of an SMS may hold a code: it goes to the outbox only, never to
 * the log.
 */
#ifndef CAKIOSK_RA_GW_H
#define CAKIOSK_RA_GW_H

#include <stdint.h>

#include "ra/store.h"

int gw_sms_send(struct store *st, const char *mobile, const char *text);
int gw_mail_send(struct store *st, const char *to, const char *subject, const char *body,
		 const char *order_id);
/* A transfer of amount fen to account with memo (e.g. 0.01 CNY + a code). */
int gw_bank_transfer(struct store *st, const char *account, int64_t amount,
		     const char *memo, const char *order_id);

#endif
