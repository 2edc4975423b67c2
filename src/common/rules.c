/*
 * rules.c - renewal eligibility and the renewed validity (see rules.h).
 */
#include "i18n.h"
#include "rules.h"

enum renew_verdict
rules_renew(int days_left, bool expired)
{
	if (!expired)
		return days_left < RULES_RENEW_WITHIN_DAYS ? RENEW_DUE : RENEW_TOO_EARLY;
	return -days_left <= RULES_RENEW_EXPIRED_DAYS ? RENEW_EXPIRED : RENEW_TOO_LATE;
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
		return N_("This certificate expired more than a year ago and can no "
			  "longer be renewed; please apply for a new one.");
	}
	return N_("This certificate cannot be renewed.");
}

void
rules_new_validity(time_t old_not_after, time_t now, int years, time_t *start,
		   time_t *end)
{
	struct tm tm;
	int mday;

	*start = old_not_after > now ? old_not_after : now;
	gmtime_r(start, &tm);
	mday = tm.tm_mday;
	tm.tm_year += years;
	/* 29 February plus whole years is 28 February, not 1 March. */
	if (tm.tm_mon == 1 && mday == 29) {
		int y = tm.tm_year + 1900;

		if (!((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
			tm.tm_mday = 28;
	}
	*end = timegm(&tm);
}
