/*
 * rules.c - renewal eligibility and the renewed validity (see rules.h).
 */
#include "rules.h"

#include "i18n.h"

enum renew_verdict
rules_renew_at(int64_t not_after, int64_t now)
{
	if (now < not_after)
		return not_after - now < (int64_t)RULES_RENEW_WITHIN_DAYS * RULES_DAY
			       ? RENEW_DUE
			       : RENEW_TOO_EARLY;
	return now - not_after <= (int64_t)RULES_RENEW_EXPIRED_DAYS * RULES_DAY
		       ? RENEW_EXPIRED
		       : RENEW_TOO_LATE;
}

bool
rules_renewable(enum renew_verdict v)
{
	return v == RENEW_DUE || v == RENEW_EXPIRED;
}

const char *
rules_renew_reason(enum renew_verdict v)
{
	switch (v) {
	case RENEW_TOO_EARLY:
		return N_("It is too early to renew: renewal opens when fewer than 90 "
			  "days are left.");
	case RENEW_DUE:
		return N_("This certificate can be renewed; the new validity continues "
			  "from its end date.");
	case RENEW_EXPIRED:
		return N_("This certificate has expired and can still be renewed; the "
			  "new validity starts on the day it is written.");
	case RENEW_TOO_LATE:
		/* What to do instead is the caller's: the service that fits. */
		return N_("This certificate expired more than a year ago and can no "
			  "longer be renewed.");
	}
	return N_("This certificate cannot be renewed.");
}

int64_t
rules_add_years(int64_t t, int years)
{
	time_t tt = (time_t)t;
	struct tm tm;
	int y;
	bool leap;

	gmtime_r(&tt, &tm);
	tm.tm_year += years;
	y = tm.tm_year + 1900;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (tm.tm_mon == 1 && tm.tm_mday == 29 && !leap)
		tm.tm_mday = 28;
	return (int64_t)timegm(&tm);
}

void
rules_new_validity(time_t old_not_after, time_t now, int years, time_t *start,
		   time_t *end)
{
	*start = old_not_after > now ? old_not_after : now;
	*end = (time_t)rules_add_years((int64_t)*start, years);
}
