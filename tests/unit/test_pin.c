/*
 * test_pin.c - the PIN step's rules: which keys can be part of a PIN, the
 * length against the token's limits (unknown limits included), the tries
 * left in words, and the Unlock/Apply offers while those services are not
 * built (the counter, no button).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <string.h>

#include "offer.h"
#include "pin.h"

static void
test_chars(void **state)
{
	(void)state;
	assert_true(pin_char_ok('0'));
	assert_true(pin_char_ok('a'));
	assert_true(pin_char_ok('Z'));
	assert_true(pin_char_ok('#'));
	assert_true(pin_char_ok(' '));
	assert_true(pin_char_ok('~'));
	assert_false(pin_char_ok(0x7f)); /* DEL */
	assert_false(pin_char_ok('\t'));
	assert_false(pin_char_ok(0xe9));    /* é */
	assert_false(pin_char_ok(0x4e2d));  /* 中 */
	assert_false(pin_char_ok(0xff11));  /* full-width １ */
	assert_false(pin_char_ok(0x1f600)); /* 😀 */
}

static void
test_length(void **state)
{
	unsigned long lo, hi;

	(void)state;
	assert_int_equal(pin_len_check(5, 6, 8), PIN_LEN_SHORT);
	assert_int_equal(pin_len_check(6, 6, 8), PIN_LEN_OK);
	assert_int_equal(pin_len_check(8, 6, 8), PIN_LEN_OK);
	assert_int_equal(pin_len_check(9, 6, 8), PIN_LEN_LONG);
	assert_int_equal(pin_len_check(0, 0, 0), PIN_LEN_SHORT); /* empty never */
	/* Unknown limits do not apply; the field's own maximum does. */
	assert_int_equal(pin_len_check(1, ULONG_MAX, ULONG_MAX), PIN_LEN_OK);
	assert_int_equal(pin_len_check(PIN_MAX_CHARS, 4, 0), PIN_LEN_OK);
	assert_int_equal(pin_len_check(PIN_MAX_CHARS + 1, 4, 255), PIN_LEN_LONG);
	pin_limits(4, 255, &lo, &hi);
	assert_int_equal(lo, 4);
	assert_int_equal(hi, PIN_MAX_CHARS);
	pin_limits(ULONG_MAX, 0, &lo, &hi);
	assert_int_equal(lo, 1);
	assert_int_equal(hi, PIN_MAX_CHARS);
}

static void
test_words(void **state)
{
	(void)state;
	assert_null(pin_state_words(TOKEN_PIN_OK));
	assert_non_null(pin_state_words(TOKEN_PIN_COUNT_LOW));
	assert_non_null(pin_state_words(TOKEN_PIN_FINAL_TRY));
	assert_non_null(pin_state_words(TOKEN_PIN_LOCKED));
	assert_string_not_equal(pin_state_words(TOKEN_PIN_COUNT_LOW),
				pin_state_words(TOKEN_PIN_FINAL_TRY));
}

static void
test_offers_until_built(void **state)
{
	struct offer u = offer_for(SVC_UNLOCK), a = offer_for(SVC_APPLY);

	(void)state;
	/* Unlock is built: a button that starts its flow, the UKey kept. */
	assert_int_equal(service_get(SVC_UNLOCK)->entry, SERVICE_FLOW);
	assert_non_null(u.button);
	assert_int_equal(u.screen, SERVICE_FLOW);
	assert_non_null(strstr(u.text, "here"));
	/* Apply is too: offered here, with its button. */
	assert_non_null(a.button);
	assert_int_equal(a.screen, SERVICE_FLOW);
	assert_non_null(strstr(a.text, "here"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chars),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_offers_until_built),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
