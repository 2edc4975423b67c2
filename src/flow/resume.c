/*
 * resume.c - orders as Order query shows them, and where an unfinished
 * one continues (see resume.h).  The words are the manual's steps.
 */
#include <stddef.h>
#include <string.h>

#include "flow.h"
#include "i18n.h"
#include "resume.h"
#include "screen.h"
#include "service.h"

const struct flow_resume flow_resumes[] = {
	/* Confirmed and unpaid, whatever it is: paid here, at any kiosk. */
	{NULL, "confirmed", SVC_QUERY, "query-pay", true, true, N_("Pay now"),
	 N_("The order is confirmed and waits for its payment. You can pay it "
	    "here now.")},
	/* A paid renewal not yet on the UKey: the renewal finds it by the
	 * certificate on the UKey (at any kiosk) and finishes it. */
	{"renew", "paid", SVC_RENEW, "renew-insert", false, false,
	 N_("Finish with the UKey"),
	 N_("The renewal is paid but not yet written onto the UKey. Put the UKey "
	    "in to finish it; you do not pay again.")},
	{"renew", "issued", SVC_RENEW, "renew-insert", false, false,
	 N_("Finish with the UKey"),
	 N_("The renewal is paid but not yet written onto the UKey. Put the UKey "
	    "in to finish it; you do not pay again.")},
	/* An approved change of details, like a paid renewal: the change
	 * finds it by the certificate on the UKey and writes the new one. */
	{"change", "approved", SVC_CHANGE, "change-insert", false, false,
	 N_("Finish with the UKey"),
	 N_("The change was approved but the new certificate is not yet on the "
	    "UKey. Put the UKey in to finish it; you do not pay again.")},
	{"change", "issued", SVC_CHANGE, "change-insert", false, false,
	 N_("Finish with the UKey"),
	 N_("The change was approved but the new certificate is not yet on the "
	    "UKey. Put the UKey in to finish it; you do not pay again.")},
	/* An application not yet confirmed: back at its form with what was
	 * typed (the order's form, apply_flow's resume), the identity checks
	 * it passed not asked again, then the documents, the SMS code that
	 * confirms it and the payment, at any kiosk. */
	{"apply", "draft", SVC_APPLY, "apply-address", true, false,
	 N_("Continue the application"),
	 N_("The application is not confirmed yet. Continue it here: its form as "
	    "it was typed, the checks not yet passed, the documents, the SMS code "
	    "that confirms it, then the payment.")},
	{"reissue", "draft", SVC_REISSUE, "reissue-upload", true, false,
	 N_("Continue the reissue"),
	 N_("The reissue is not confirmed yet and the old certificate still works. "
	    "Continue it here: the documents, the SMS code that confirms it (the "
	    "old certificate is then revoked), then the payment.")},
};
const int flow_nresumes = sizeof flow_resumes / sizeof flow_resumes[0];

const struct flow_resume *
flow_resume_find(const char *kind, const char *state, long price)
{
	for (int i = 0; i < flow_nresumes; i++) {
		const struct flow_resume *r = &flow_resumes[i];

		if ((r->kind == NULL || strcmp(r->kind, kind) == 0) &&
		    strcmp(r->state, state) == 0 && (!r->needs_price || price > 0) &&
		    flow_find(flow_table(r->service), r->step) >= 0)
			return r;
	}
	return NULL;
}

static const struct {
	const char *kind;
	int service;
} kinds[] = {
	{"apply", SVC_APPLY},     {"renew", SVC_RENEW},   {"unlock", SVC_UNLOCK},
	{"reissue", SVC_REISSUE}, {"change", SVC_CHANGE},
};

int
order_kind_service(const char *kind)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return kinds[i].service;
	return -1;
}

static bool
is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

const char *
order_state_words(const char *kind, const char *state)
{
	bool onto = is(kind, "renew") || is(kind, "change");

	if (is(state, "draft"))
		return N_("Not submitted yet");
	if (is(state, "confirmed"))
		return is(kind, "unlock") ? N_("Confirmed")
					  : N_("Confirmed, not paid yet");
	if (is(state, "paid"))
		return onto ? N_("Paid, not yet on the UKey") : N_("Paid");
	if (is(state, "under_review"))
		return N_("Under review (3 to 5 working days)");
	if (is(state, "approved"))
		return onto ? N_("Approved, not yet on the UKey")
			    : N_("Approved; the certificate is being made");
	if (is(state, "rejected"))
		return N_("Not approved");
	if (is(state, "issued"))
		return onto ? N_("Issued, not yet on the UKey")
			    : N_("Certificate issued");
	if (is(state, "installed") || is(state, "completed"))
		return N_("Done");
	if (is(state, "cancelled"))
		return N_("Cancelled");
	if (is(state, "made"))
		return N_("UKey made, to be posted");
	if (is(state, "posted"))
		return N_("Posted");
	if (is(state, "authorized"))
		return N_("Unlock authorized");
	return N_("Unknown");
}

/* Per kind: the step of its bar (service.c) at each state, in order of
 * the states below; -1: that kind never has it. */
static const char *const bar_states[] = {
	"draft",  "confirmed", "paid",   "under_review", "rejected",   "approved",
	"issued", "made",      "posted", "installed",    "authorized", "completed"};
static const struct {
	const char *kind;
	signed char at[12];
} bars[] = {
	{"apply", {0, 1, 2, 2, 2, 3, 4, 4, 5, 5, -1, -1}},
	{"reissue", {1, 2, 3, 3, 3, 4, 4, 4, 5, 5, -1, -1}},
	{"renew", {2, 3, 4, -1, -1, -1, 4, -1, -1, 5, -1, -1}},
	{"unlock", {1, 2, -1, -1, -1, -1, -1, -1, -1, -1, 3, 4}},
	{"change", {1, 2, 2, 2, 2, 3, 3, -1, -1, 4, -1, -1}},
};

int
order_bar(const char *kind, const char *state)
{
	for (size_t k = 0; k < sizeof bars / sizeof bars[0]; k++) {
		if (!is(bars[k].kind, kind))
			continue;
		for (size_t i = 0; i < sizeof bar_states / sizeof bar_states[0]; i++)
			if (is(bar_states[i], state) && bars[k].at[i] >= 0)
				return bars[k].at[i];
	}
	return STEPS_NONE_CURRENT;
}

bool
order_cancellable(const char *state)
{
	return is(state, "draft") || is(state, "confirmed");
}
