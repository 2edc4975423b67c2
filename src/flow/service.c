/*
 * service.c - the table of services (see service.h).  The steps and the
 * rules in the guide texts are the operation manual's.
 */
#include <stddef.h>
#include <string.h>

#include "i18n.h"
#include "service.h"

static const char *const apply_steps[] = {
	N_("Fill in the application"), N_("Pay online"),           N_("Review"),
	N_("Make the certificate"),    N_("Post the certificate"), NULL};
static const char *const renew_steps[] = {N_("Insert UKey and log in"),
					  N_("Order details"),
					  N_("Confirm order"),
					  N_("Pay"),
					  N_("Download certificate and seal"),
					  NULL};
static const char *const unlock_steps[] = {N_("Insert UKey"), N_("Verify identity"),
					   N_("Get authorization"), N_("Set a new PIN"),
					   NULL};
static const char *const pinchange_steps[] = {N_("Insert UKey and log in"),
					      N_("Change the PIN"), NULL};
static const char *const reissue_steps[] = {
	N_("Find the certificate"), N_("Fill in the application"),
	N_("Pay online"),           N_("Review"),
	N_("Post the certificate"), NULL};
static const char *const change_steps[] = {N_("Insert UKey and log in"),
					   N_("Change details"), N_("Confirm"),
					   N_("Download certificate"), NULL};
static const char *const query_steps[] = {N_("Identify"), N_("SMS code"),
					  N_("Order history"), NULL};
static const char *const check_steps[] = {N_("Insert UKey"), N_("Read it"), NULL};

static const struct service services[SVC_COUNT] = {
	[SVC_APPLY] =
		{
			N_("Apply for a certificate"),
			N_("A new UKey certificate for a unit or a person"),
			apply_steps,
			N_("For a unit: a scan of the business licence (stamped copy), "
			   "the "
			   "agent's ID card (portrait and emblem side) and the seal "
			   "sample form. "
			   "For a person: both sides of the ID card and the personal "
			   "signature "
			   "sample form. Registered data comes from the registration "
			   "platform "
			   "and cannot be changed here. The unit is verified by the "
			   "legal "
			   "representative's mobile, the corporate account (0.01 CNY "
			   "transfer "
			   "with a memo) or the legal representative's bank card. After "
			   "payment "
			   "staff review the documents within 3 to 5 working days; the "
			   "result "
			   "comes by SMS and the UKey by post. The e-invoice is "
			   "e-mailed."),
			SERVICE_FLOW,
		},
	[SVC_RENEW] =
		{
			N_("Renew a certificate"),
			N_("Extend the certificate on your UKey"),
			renew_steps,
			N_("Renewal is possible when fewer than 90 days are left, or "
			   "when the "
			   "certificate expired no more than 365 days ago. A certificate "
			   "that "
			   "has not expired continues from its old end date; an expired "
			   "one "
			   "starts from the day the new certificate is written. Insert "
			   "only the "
			   "one UKey to renew and do not pull it out until the kiosk "
			   "says so. "
			   "Your PIN stays the same."),
			SERVICE_FLOW,
		},
	[SVC_UNLOCK] =
		{
			N_("Unlock a UKey"),
			N_("Forgotten PIN, or locked after wrong tries"),
			unlock_steps,
			N_("If you forgot the PIN or the UKey locked itself after wrong "
			   "tries, "
			   "verify your identity (mobile, bank card or a 0.01 CNY "
			   "transfer) and "
			   "choose a new PIN. The certificate on the UKey stays as it "
			   "is."),
			SERVICE_FLOW,
		},
	[SVC_PINCHANGE] =
		{
			N_("Change the PIN"),
			N_("You know the PIN and want another one"),
			pinchange_steps,
			N_("Insert the UKey, type its PIN, then the new PIN twice. A "
			   "PIN anyone would guess (123456, 000000 and the like) is "
			   "refused. The certificates and the seal stay as they are."),
			SERVICE_FLOW,
		},
	[SVC_REISSUE] =
		{
			N_("Replace a lost or damaged UKey"),
			N_("The old certificate is revoked, a new one posted"),
			reissue_steps,
			N_("Give the unit's credit code or the person's ID number and "
			   "the SMS "
			   "code, choose the certificate to replace, and fill in the "
			   "application "
			   "as for a new one. The lost certificate is revoked so nobody "
			   "else "
			   "can use it."),
			SERVICE_FLOW,
		},
	[SVC_CHANGE] =
		{
			N_("Change certificate details"),
			N_("For example after a unit changed its name"),
			change_steps,
			N_("Change the name on the registration platform first: the new "
			   "certificate takes it from there. Insert the UKey, log in "
			   "with "
			   "its PIN, confirm with the SMS code, upload the new business "
			   "licence and seal sample form from your phone, pay; once "
			   "staff "
			   "approve, the new certificate and seal are written onto the "
			   "same UKey at any kiosk. The PIN and the decryption key "
			   "stay."),
			SERVICE_FLOW,
		},
	[SVC_QUERY] =
		{
			N_("Track my orders"),
			N_("Progress, invoices, and unfinished orders"),
			query_steps,
			N_("Give the credit code or ID number and the SMS code to see "
			   "your "
			   "orders, how the PIN is delivered, and the invoice. An "
			   "unfinished "
			   "order continues where it stopped."),
			SERVICE_FLOW,
		},
	[SVC_CHECK] =
		{
			N_("Check my UKey"),
			N_("What is on it, how long it is valid, PIN state"),
			check_steps,
			N_("Insert the UKey to see its certificates, their validity, the "
			   "electronic seal and the PIN state, and which services "
			   "apply."),
			SCR_CHECK,
		},
};

const struct service *
service_get(enum service_id id)
{
	return &services[id];
}

bool
service_sub(enum service_id id)
{
	/* Under Unlock once it is offered; alone before. */
	return id == SVC_PINCHANGE && services[SVC_UNLOCK].entry != SERVICE_NOT_BUILT;
}

const char *
service_offered(char *buf, size_t len, const char *sep)
{
	size_t used = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (int i = 0; i < SVC_COUNT; i++) {
		const char *name;
		size_t need;

		if (services[i].entry == SERVICE_NOT_BUILT)
			continue;
		name = _(services[i].name);
		need = (used > 0 ? strlen(sep) : 0) + strlen(name);
		if (used + need >= len)
			break;
		if (used > 0) {
			memcpy(buf + used, sep, strlen(sep));
			used += strlen(sep);
		}
		memcpy(buf + used, name, strlen(name));
		used += strlen(name);
		buf[used] = '\0';
	}
	return buf;
}
