/*
 * service.h - the services of the manual, as rows of one table.
 *
 * Each service is its steps (the manual's own words, for the step bar), its
 * guide text and, once it is built, the screen it starts on.  The main menu
 * shows a service only when it has an entry screen: nothing half-built ever
 * reaches a customer.
 */
#ifndef CAKIOSK_SERVICE_H
#define CAKIOSK_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "screen.h"

enum service_id {
	SVC_APPLY,
	SVC_RENEW,
	SVC_UNLOCK,
	SVC_PINCHANGE, /* drawn under Unlock, its group */
	SVC_REISSUE,
	SVC_CHANGE,
	SVC_QUERY,
	SVC_CHECK,
	SVC_COUNT
};

#define SERVICE_NOT_BUILT (-1)
#define SERVICE_FLOW (-2) /* built as a table of steps (flow.h) */

struct service {
	const char *name;         /* message id, the menu row */
	const char *summary;      /* message id, one line under the name */
	const char *const *steps; /* message ids, NULL-terminated */
	const char *guide;        /* message id: what it is, what to bring */
	int entry;                /* enum screen_id, SERVICE_FLOW or SERVICE_NOT_BUILT */
};

const struct service *service_get(enum service_id id);
/* Is id a row of the group of the service before it (PIN change under
 * Unlock)?  The menu draws it close under that one. */
bool service_sub(enum service_id id);

/*
 * The names of the services this kiosk offers (those built), translated,
 * joined by sep, into buf: what the welcome screen and its help promise.
 */
const char *service_offered(char *buf, size_t len, const char *sep);

#endif
