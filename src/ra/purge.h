/*
 * purge.h - cakiosk-ra purge: deletes from the store what has outlived its
 * use (PROTOCOL.md, "Retention"), beside a running server.
 *
 * What goes: idempotency answers a day old (no client retries a request
 * that long: a kiosk keeps a key for one customer's visit); sessions,
 * staff sessions, upload links, status links and enrolment codes past
 * their expiry; SMS codes out of the hour the SMS limits count them in
 * (their 5 minutes of use are long over); failures out of the try limits'
 * window (limits.h: they count for nothing, as the server itself forgets
 * them); and, documents_days after an order reached a state that no step
 * reads its documents in (ORDER_DONE_STATES), its documents and the
 * record of files its upload page refused.
 *
 * What stays: orders and their events, verifications (their try counts),
 * payments and invoices, certificates, seals, escrowed SO PINs, staff
 * accounts (their lockouts), the audit, calls, terminals, and every row a
 * live check still reads: a failure within its window, an SMS code within
 * its hour.  No try limit opens sooner for a purge.
 */
#ifndef CAKIOSK_RA_PURGE_H
#define CAKIOSK_RA_PURGE_H

#include <stdbool.h>
#include <stdio.h>

#include "ra/store.h"

#define PURGE_IDEM_KEEP (24 * 3600)
#define PURGE_DOCUMENTS_DAYS 30
#define PURGE_NEVER (-1) /* documents_days: keep documents for ever */

/* Deletes (dry_run: counts) what has outlived its use as of now, in short
 * transactions; one line per kind to out.  documents_days >= 1 or
 * PURGE_NEVER.  0, or -1 on a store error (its message on stderr). */
int purge_run(struct store *st, int64_t now, int documents_days, bool dry_run, FILE *out);

#endif
