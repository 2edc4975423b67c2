/*
 * rules.h - the manual's business rules, as pure functions.
 *
 * Renewal (证书更新): possible while fewer than 90 days are left, and until
 * 365 days after the certificate ended.  Both counted in seconds from the
 * certificate's notAfter: 90 days left is 90 * 86400 s, and one second less
 * is renewable.  The new certificate continues from the old end date when
 * the old one has not ended, and starts on the day it is issued when it
 * has.
 *
 * One copy, linked into the kiosk and the reference backend: the backend
 * decides with it when an order is made, the kiosk predicts with it what to
 * say before the PIN, and the two cannot disagree on a boundary day.
 */
#ifndef CAKIOSK_RULES_H
#define CAKIOSK_RULES_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define RULES_DAY 86400
#define RULES_RENEW_WITHIN_DAYS 90
#define RULES_RENEW_EXPIRED_DAYS 365

enum renew_verdict {
	RENEW_TOO_EARLY, /* 90 days (in seconds) or more left: not yet */
	RENEW_DUE,       /* fewer than 90 days left */
	RENEW_EXPIRED,   /* ended, at most 365 days ago */
	RENEW_TOO_LATE,  /* ended more than 365 days ago: apply anew */
};

/* The verdict at now for a certificate whose notAfter is not_after
 * (seconds since the epoch).  It has ended when now >= not_after. */
enum renew_verdict rules_renew_at(int64_t not_after, int64_t now);
/* RENEW_DUE or RENEW_EXPIRED. */
bool rules_renewable(enum renew_verdict v);
/* Message id explaining a verdict to the customer. */
const char *rules_renew_reason(enum renew_verdict v);

/* t plus whole calendar years (UTC); 29 February plus a year that is not
 * a leap year is 28 February. */
int64_t rules_add_years(int64_t t, int years);

/*
 * Validity of the renewed certificate for a term of years: from the old
 * end date when not ended at now, else from now; the end is the start plus
 * the term (rules_add_years).
 */
void rules_new_validity(time_t old_not_after, time_t now, int years, time_t *start,
			time_t *end);

#endif
