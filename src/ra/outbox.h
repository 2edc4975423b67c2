/*
 * outbox.h - messages to a real provider (an SMS, a mail, a bank transfer
 * with a memo) sent once, and only when the request that made them was
 * kept.
 *
 * A handler runs inside a transaction that may be rolled back or run again
 * from the start (http_run.c): a message it sent at once would leave for a
 * run that is then forgotten, or twice.  So the exec: providers only add
 * the message to the outbox table, in the handler's transaction; once that
 * transaction is committed the request's own thread hands it to the
 * adaptor (outbox_flush), and a background sender retries what failed or
 * was left when a server stopped, with growing waits, a bounded number of
 * times.  A message is claimed in the store before it is handed over, so
 * two instances on one store do not both send it; each carries a message id
 * that stays the same for every try (PROTOCOL.md).  The text may hold a
 * code: it is sealed with the escrow key in the store, wiped once sent or
 * given up, and never logged.
 */
#ifndef CAKIOSK_RA_OUTBOX_H
#define CAKIOSK_RA_OUTBOX_H

#include <jansson.h>

#include "ra/app.h"
#include "ra/store.h"

/* How often a message is tried before it is given up ("failed"). */
#define OUTBOX_TRIES 8

/* Adds the message op ("sms", "mail" or "transfer", the adaptor's
 * operation) with the adaptor's input in (taken, its strings wiped) to the
 * outbox, inside the caller's transaction; remembered by this thread for
 * outbox_flush.  0 or -1. */
int outbox_add(struct store *st, const char *op, json_t *in);
/* The messages this thread added are forgotten: their transaction was
 * rolled back (or runs again). */
void outbox_forget(void);
/* The messages this thread added, whose transaction was committed, are
 * handed to the adaptor now (without the store's lock held). */
void outbox_flush(struct store *st);

/* How a message is handed to its provider (gw.c gives it once the
 * gateways are chosen): 0 once the provider took in, -1 otherwise. */
void outbox_deliver_with(int (*deliver)(const char *op, json_t *in));
/* The CA whose escrow key seals the texts in the store (NULL: kept
 * plain, for a staff subcommand that opens no CA and sends no secret). */
void outbox_seal(struct ca *ca);
/* The background sender, on app's store; seals with app's CA. */
void outbox_start(struct app *app);
void outbox_stop(void);

#endif
