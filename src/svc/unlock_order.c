/*
 * unlock_order.c - the unlock's order (see unlock_order.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "backend.h"
#include "i18n.h"
#include "log.h"
#include "session.h"
#include "unlock.h"
#include "unlock_order.h"
#include "worker.h"
#include "xmem.h"

struct uojob {
	struct job job; /* first */
	bool confirm;
	bool unit;
	char subject[SESSION_SUBJECT_MAX];
	char serial[TOKEN_TEXT_MAX];
	char order[PAY_ORDER_ID_MAX];
	char bearer[SESSION_SMS_MAX];
	char idem[BACKEND_IDEM_KEY_LEN + 1];
	struct api_order out;
	struct api_err err;
};

static void
uo_run(struct job *job)
{
	struct uojob *j = (struct uojob *)job;

	if (j->confirm)
		api_order_confirm_as(j->order, j->idem, j->bearer, job, &j->out, &j->err);
	else
		api_unlock_order(j->unit, j->subject, j->serial, j->idem, j->bearer, job,
				 &j->out, &j->err);
}

static void
uo_release(struct job *job)
{
	secure_wipe(job, sizeof(struct uojob));
	free(job);
}

static struct job *
uo_new(bool confirm, const char *idem)
{
	struct uojob *j = xcalloc(1, sizeof *j);
	const struct session *s = session_get();

	job_init(&j->job, confirm ? "unlock-confirm" : "unlock-order", uo_run,
		 uo_release);
	j->confirm = confirm;
	j->unit = s->unit;
	snprintf(j->subject, sizeof j->subject, "%s", s->subject_id);
	snprintf(j->serial, sizeof j->serial, "%s", s->token_serial);
	snprintf(j->order, sizeof j->order, "%s", s->order_id);
	snprintf(j->bearer, sizeof j->bearer, "%s", s->sms_session);
	snprintf(j->idem, sizeof j->idem, "%s", idem);
	j->err.err = BACKEND_CANCELLED;
	return &j->job;
}

struct job *
unlock_order_job(bool retry)
{
	struct session *s = session_get();

	/* A new unlock: new keys, and the order and work of an earlier one
	 * in this visit gone; a retry sends the same request again. */
	if (!retry || s->idem_order[0] == '\0') {
		/* The service's part and order restart; the customer, the
		 * UKey and the SMS session stay. */
		unlock_begin();
		backend_new_key(s->idem_order);
		backend_new_key(s->idem_confirm);
	}
	return uo_new(false, s->idem_order);
}

struct job *
unlock_confirm_job(bool retry)
{
	(void)retry; /* the order's one key: a retry is the same request */
	return uo_new(true, session_get()->idem_confirm);
}

const char *
unlock_order_result(struct job *job, bool *dead)
{
	struct uojob *j = (struct uojob *)job;
	const struct api_err *e = &j->err;

	*dead = false;
	if (e->err == BACKEND_OK) {
		if (!j->confirm)
			snprintf(session_get()->order_id, sizeof session_get()->order_id,
				 "%s", j->out.id);
		log_info("unlock: order %s %s", j->out.id, j->out.state);
		return NULL;
	}
	if (api_refused(e, "not_owner")) {
		*dead = true;
		return N_(
			"This UKey is registered to another customer, so it cannot be "
			"unlocked for you here. Please go to the counter of this hall.");
	}
	if (api_refused(e, "unknown_token")) {
		*dead = true;
		return N_(
			"This UKey was not issued by this CA; please go to the counter.");
	}
	if (api_refused(e, "session_expired") || api_refused(e, "session_invalid") ||
	    api_refused(e, "session_required")) {
		*dead = true;
		return N_(
			"The SMS confirmation has run out. Please go back and ask for a "
			"new code.");
	}
	if (api_refused(e, "verification_required")) {
		*dead = true;
		return N_("Your identity is not verified yet. Please go back and verify "
			  "it.");
	}
	return api_reason(e);
}
