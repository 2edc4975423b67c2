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
	assert_int_equal(rules_renew(200, false), RENEW_TOO_EARLY);
	assert_int_equal(rules_renew(90, false), RENEW_TOO_EARLY);
	assert_int_equal(rules_renew(89, false), RENEW_DUE);
	assert_int_equal(rules_renew(30, false), RENEW_DUE);
	assert_int_equal(rules_renew(1, false), RENEW_DUE);
	assert_int_equal(rules_renew(0, true), RENEW_EXPIRED);
	assert_int_equal(rules_renew(-100, true), RENEW_EXPIRED);
	assert_int_equal(rules_renew(-365, true), RENEW_EXPIRED);
	assert_int_equal(rules_renew(-366, true), RENEW_TOO_LATE);
	assert_int_equal(rules_renew(-400, true), RENEW_TOO_LATE);
	for (int v = RENEW_TOO_EARLY; v <= RENEW_TOO_LATE; v++)
		assert_non_null(rules_renew_reason((enum renew_verdict)v));
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
		cmocka_unit_test(test_validity_continues_when_not_expired),
		cmocka_unit_test(test_validity_starts_now_when_expired),
		cmocka_unit_test(test_validity_leap_day),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
