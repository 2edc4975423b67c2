/*
 * test_rules.c - the manual's renewal rules: the edges of 90 and 365 days,
 * and where the renewed validity starts and ends.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <time.h>

#include "rules.h"

static time_t
utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900,
			.tm_mon = mo - 1,
			.tm_mday = d,
			.tm_hour = h,
			.tm_min = mi};

	return timegm(&tm);
}

static void
test_verdict_edges(void **state)
{
	(void)state;
	const time_t day = 86400, na = utc(2027, 3, 1, 9, 30);

	assert_int_equal(rules_renew_at(na, na - 200 * day), RENEW_TOO_EARLY);
	assert_int_equal(rules_renew_at(na, na - 90 * day), RENEW_TOO_EARLY);
	assert_int_equal(rules_renew_at(na, na - 89 * day), RENEW_DUE);
	assert_int_equal(rules_renew_at(na, na - 30 * day), RENEW_DUE);
	assert_int_equal(rules_renew_at(na, na - 1), RENEW_DUE);
	assert_int_equal(rules_renew_at(na, na), RENEW_EXPIRED);
	assert_int_equal(rules_renew_at(na, na + 100 * day), RENEW_EXPIRED);
	assert_int_equal(rules_renew_at(na, na + 365 * day), RENEW_EXPIRED);
	assert_int_equal(rules_renew_at(na, na + 366 * day), RENEW_TOO_LATE);
	assert_int_equal(rules_renew_at(na, na + 400 * day), RENEW_TOO_LATE);
	for (int v = RENEW_TOO_EARLY; v <= RENEW_TOO_LATE; v++)
		assert_non_null(rules_renew_reason((enum renew_verdict)v));
}

/* The verdict the kiosk shows for a certificate ending at not_after. */
static enum renew_verdict
kiosk_verdict(time_t not_after, time_t now)
{
	return rules_renew_at(not_after, now);
}

static bool
renewable(enum renew_verdict v)
{
	return rules_renewable(v);
}

/*
 * The boundary instants, in seconds as the backend judges them: renewable
 * while fewer than 90 days (90 * 86400 s) are left, and until exactly 365
 * days after the end.  The backend's order creation is pinned to the same
 * instants in tests/ra/test_renewal.sh.
 */
static void
test_boundary_instants(void **state)
{
	const time_t day = 86400, na = utc(2027, 3, 1, 9, 30);

	(void)state;
	assert_false(renewable(kiosk_verdict(na, na - 90 * day - 1)));
	assert_false(renewable(kiosk_verdict(na, na - 90 * day)));
	assert_true(renewable(kiosk_verdict(na, na - 90 * day + 1)));
	assert_true(renewable(kiosk_verdict(na, na + 365 * day - 1)));
	assert_true(renewable(kiosk_verdict(na, na + 365 * day)));
	assert_false(renewable(kiosk_verdict(na, na + 365 * day + 1)));
}

static void
test_validity_continues_when_not_expired(void **state)
{
	time_t start, end, old = utc(2026, 12, 25, 8, 0), now = utc(2026, 11, 25, 12, 0);

	(void)state;
	rules_new_validity(old, now, 1, &start, &end);
	assert_int_equal(start, old);
	assert_int_equal(end, utc(2027, 12, 25, 8, 0));
	rules_new_validity(old, now, 3, &start, &end);
	assert_int_equal(end, utc(2029, 12, 25, 8, 0));
}

static void
test_validity_starts_now_when_expired(void **state)
{
	time_t start, end, old = utc(2026, 8, 17, 0, 0), now = utc(2026, 11, 25, 12, 0);

	(void)state;
	rules_new_validity(old, now, 1, &start, &end);
	assert_int_equal(start, now);
	assert_int_equal(end, utc(2027, 11, 25, 12, 0));
}

static void
test_validity_leap_day(void **state)
{
	time_t start, end, old = utc(2028, 2, 29, 10, 0), now = utc(2028, 1, 1, 0, 0);

	(void)state;
	rules_new_validity(old, now, 1, &start, &end);
	assert_int_equal(end, utc(2029, 2, 28, 10, 0));
	rules_new_validity(old, now, 4, &start, &end);
	assert_int_equal(end, utc(2032, 2, 29, 10, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_edges),
		cmocka_unit_test(test_boundary_instants),
		cmocka_unit_test(test_validity_continues_when_not_expired),
		cmocka_unit_test(test_validity_starts_now_when_expired),
		cmocka_unit_test(test_validity_leap_day),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
