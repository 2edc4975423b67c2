/*
 * rules.h - the manual's business rules, as pure functions.
 *
 * Renewal (证书更新): possible when fewer than 90 days are left, or when the
 * certificate expired no more than 365 days ago.  The new certificate
 * continues from the old end date when the old one has not expired, and
 * starts on the day it is issued when it has.  The backend enforces the
 * same rules; the kiosk uses them to say so before anyone pays.
 */
#ifndef CAKIOSK_RULES_H
#define CAKIOSK_RULES_H

#include <stdbool.h>
#include <time.h>

#define RULES_RENEW_WITHIN_DAYS 90
#define RULES_RENEW_EXPIRED_DAYS 365

enum renew_verdict {
	RENEW_TOO_EARLY, /* 90 days or more left: not yet */
	RENEW_DUE,       /* fewer than 90 days left */
	RENEW_EXPIRED,   /* expired, at most 365 days ago */
	RENEW_TOO_LATE,  /* expired more than 365 days ago: apply anew */
};

/*
 * days_left as in struct token_cert: not expired, days until the end
 * (1 on the last day); expired, minus the whole days since (0 on the day).
 */
enum renew_verdict rules_renew(int days_left, bool expired);
/* Message id explaining a verdict to the customer. */
const char *rules_renew_reason(enum renew_verdict v);

/*
 * Validity of the renewed certificate for a term of years: from the old
 * end date when not expired at now, else from now.  A 29 February start
 * ends on 28 February.  Times are UTC.
 */
void rules_new_validity(time_t old_not_after, time_t now, int years, time_t *start,
			time_t *end);

#endif
