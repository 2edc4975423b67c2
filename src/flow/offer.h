/*
 * offer.h - pointing a customer to the service that fits.
 *
 * A locked UKey needs Unlock, a certificate expired too long ago needs
 * Apply.  Whether this kiosk offers that service comes from the service
 * table (its entry screen); until it does, the offer is a plain sentence
 * sending the customer to the counter of this hall, never to a menu entry
 * that does not exist.  When a service lands, its row in the service table
 * gets an entry screen and every offer of it becomes a button at once.
 */
#ifndef CAKIOSK_OFFER_H
#define CAKIOSK_OFFER_H

#include <stdbool.h>

#include "service.h"

struct offer {
	const char *text;   /* message id: what to do, in one sentence */
	const char *button; /* message id of the button, NULL when not offered here */
	int screen;         /* enum screen_id to go to, or SERVICE_NOT_BUILT */
};

/* The offer of service svc (SVC_UNLOCK, SVC_APPLY) to a customer here. */
struct offer offer_for(enum service_id svc);

/* Taking it: the service's first screen in place of the one offering it,
 * the inserted UKey kept (a service built on steps reads it at once). */
struct result offer_take(enum service_id svc);

#endif
