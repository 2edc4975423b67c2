/*
 * test_log.c - the last problem the heartbeat reports (src/core/log.c): the
 * last warning or error, and at a visit's end none of its words kept.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "log.h"

static void
test_last_problem(void **state)
{
	char buf[LOG_PROBLEM_MAX];
	long long at = 0;

	(void)state;
	log_info("renew: an info line is not a problem");
	assert_false(log_last_problem(buf, sizeof buf, &at));
	log_warn("renew: order %s stopped at stage %d: %s", "20261202000123", 3,
		 "token gone");
	assert_true(log_last_problem(buf, sizeof buf, &at));
	assert_string_equal(buf,
			    "renew: order 20261202000123 stopped at stage 3: token gone");
	assert_true(at > 0);
}

static void
test_visit_end_keeps_no_customer_word(void **state)
{
	char buf[LOG_PROBLEM_MAX];
	long long at = 0, at2 = 0;

	(void)state;
	log_warn("unlock: order %s stopped at %s", "20261202000456", "the SO PIN step");
	assert_true(log_last_problem(buf, sizeof buf, &at));
	log_visit_end();
	assert_true(log_last_problem(buf, sizeof buf, &at2));
	assert_null(strstr(buf, "20261202000456"));
	assert_string_equal(buf,
			    "unlock: a problem during a visit (the kiosk's log has it)");
	assert_true(at2 == at);
	/* A line with no source of its own keeps nothing of itself. */
	log_error("order 20261202000789 refused");
	log_visit_end();
	assert_true(log_last_problem(buf, sizeof buf, &at));
	assert_string_equal(buf, "a problem during a visit (the kiosk's log has it)");
	/* Ended twice: the same words. */
	log_visit_end();
	assert_true(log_last_problem(buf, sizeof buf, &at));
	assert_string_equal(buf, "a problem during a visit (the kiosk's log has it)");
}

int
main(void)
{
	char err[128];

	/* Nowhere: the last problem is kept whatever the target. */
	if (log_open("none", LOG_LVL_DEBUG, err, sizeof err) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_last_problem),
		cmocka_unit_test(test_visit_end_keeps_no_customer_word),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
