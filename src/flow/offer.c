/*
 * offer.c - pointing a customer to the service that fits (see offer.h).
 */
#include <stddef.h>

#include "flow.h"
#include "i18n.h"
#include "offer.h"

static const struct {
	const char *here;    /* the service is offered at this kiosk */
	const char *counter; /* it is not: the counter of this hall */
} texts[SVC_COUNT] = {
	[SVC_UNLOCK] = {N_("You can unlock it here now: keep the UKey in, verify who "
			   "you are and choose a new PIN."),
			N_("Unlocking is not offered at this kiosk yet. Please take this "
			   "UKey to the counter of this hall: the staff unlock it there "
			   "after checking who you are.")},
	[SVC_APPLY] = {N_("You can apply for a new certificate here."),
		       N_("New certificates are not applied for at this kiosk yet: "
			  "please apply at the counter of this hall.")},
};

struct offer
offer_for(enum service_id svc)
{
	const struct service *s = service_get(svc);
	struct offer o = {N_("Please ask at the counter of this hall."), NULL,
			  SERVICE_NOT_BUILT};

	if ((unsigned)svc >= SVC_COUNT || texts[svc].counter == NULL)
		return o;
	if (s->entry == SERVICE_NOT_BUILT) {
		o.text = texts[svc].counter;
		return o;
	}
	o.screen = s->entry;
	o.text = texts[svc].here;
	o.button = s->name;
	return o;
}

struct result
offer_take(enum service_id svc)
{
	const struct service *s = service_get(svc);

	if (s->entry == SERVICE_FLOW) {
		struct result r = flow_start(svc);

		if (r.action == ACT_PUSH)
			r.action = ACT_REPLACE;
		return r;
	}
	if (s->entry >= 0)
		return RESULT_REPLACE((enum screen_id)s->entry, NULL);
	return RESULT(ACT_NONE);
}
