/*
 * history.c - the customer's orders and certificates (see history.h).
 */
#include "history.h"

#include <stdlib.h>

#include "api.h"
#include "loop.h"
#include "session.h"
#include "xmem.h"

void
history_fetch(struct job **job, const char **reason)
{
	const struct session *ses = session_get();

	*reason = NULL;
	*job = api_job_history(ses->unit, ses->subject_id, ses->sms_session);
	loop_submit(*job);
}

struct result
history_take(struct job **job, struct api_history **h, const char **reason)
{
	const struct api_err *e = api_job_err(*job);

	if (e->err == BACKEND_OK) {
		history_free(h);
		*h = xcalloc(1, sizeof **h);
		**h = *api_job_history_got(*job);
		*job = NULL;
		return RESULT(ACT_REDRAW);
	}
	*job = NULL;
	/* The backend let the session go: a new SMS code. */
	if (e->err == BACKEND_REFUSED && session_sms_lost(e->code))
		return RESULT_FLOW(FLOW_AGAIN);
	*reason = api_reason(e);
	return RESULT(ACT_REDRAW);
}

void
history_free(struct api_history **h)
{
	if (*h == NULL)
		return;
	secure_wipe(*h, sizeof **h);
	free(*h);
	*h = NULL;
}
