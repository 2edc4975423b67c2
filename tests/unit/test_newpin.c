/*
 * test_newpin.c - the rules of a new PIN (newpin.h): what is refused and
 * why (000000, 123456, 111111, 654321, all-same, straight runs, short
 * patterns, the first PINs anybody tries), the token's length limits,
 * printable ASCII only, the second typing; and the verify reply's shape
 * (api_parse_verify).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <string.h>

#include <jansson.h>

#include "api.h"
#include "newpin.h"

#define ANY ULONG_MAX /* CK_UNAVAILABLE_INFORMATION */

static enum newpin_verdict
v(const char *pin)
{
	return newpin_check(pin, 6, 16);
}

static void
test_named_in_the_issue(void **state)
{
	(void)state;
	assert_int_equal(v("000000"), NEWPIN_SAME);
	assert_int_equal(v("111111"), NEWPIN_SAME);
	assert_int_equal(v("123456"), NEWPIN_RUN);
	assert_int_equal(v("654321"), NEWPIN_RUN);
}

static void
test_and_the_like(void **state)
{
	(void)state;
	assert_int_equal(v("aaaaaaaa"), NEWPIN_SAME);
	assert_int_equal(v("23456789"), NEWPIN_RUN);
	assert_int_equal(v("987654"), NEWPIN_RUN);
	assert_int_equal(v("abcdef"), NEWPIN_RUN);
	assert_int_equal(v("fedcba"), NEWPIN_RUN);
	assert_int_equal(v("121212"), NEWPIN_PATTERN);
	assert_int_equal(v("123123"), NEWPIN_PATTERN);
	assert_int_equal(v("abab abab "), NEWPIN_OK); /* period 5: not caught */
	assert_int_equal(v("147258"), NEWPIN_COMMON);
	assert_int_equal(v("112233"), NEWPIN_COMMON);
	assert_int_equal(v("password"), NEWPIN_COMMON);
	/* What a person chooses passes. */
	assert_int_equal(v("135790"), NEWPIN_OK);
	assert_int_equal(v("246813"), NEWPIN_OK);
	assert_int_equal(v("Kx9#pQ2!"), NEWPIN_OK);
	assert_int_equal(v("123457"), NEWPIN_OK); /* a run broken at the end */
}

static void
test_length_and_chars(void **state)
{
	(void)state;
	assert_int_equal(v(""), NEWPIN_EMPTY);
	assert_int_equal(v(NULL), NEWPIN_EMPTY);
	assert_int_equal(v("13579"), NEWPIN_SHORT);
	assert_int_equal(v("13579135791357913"), NEWPIN_LONG);
	/* Limits the token does not give: the field's own. */
	assert_int_equal(newpin_check("1357", ANY, ANY), NEWPIN_OK);
	assert_int_equal(newpin_check("1357", 0, 0), NEWPIN_OK);
	/* Not printable ASCII: refused whatever else it is. */
	assert_int_equal(v("13579\t2"), NEWPIN_CHARS);
	assert_int_equal(v("密码135790"), NEWPIN_CHARS);
	assert_int_equal(v("135790\x7f"), NEWPIN_CHARS);
	/* The characters are named before the length. */
	assert_int_equal(v("密"), NEWPIN_CHARS);
}

static void
test_twice(void **state)
{
	(void)state;
	assert_int_equal(newpin_check2("135790", "135790", 6, 16), NEWPIN_OK);
	assert_int_equal(newpin_check2("135790", "135791", 6, 16), NEWPIN_MISMATCH);
	assert_int_equal(newpin_check2("135790", "", 6, 16), NEWPIN_MISMATCH);
	assert_int_equal(newpin_check2("135790", NULL, 6, 16), NEWPIN_MISMATCH);
	/* The first's own fault is said before the mismatch. */
	assert_int_equal(newpin_check2("123456", "654321", 6, 16), NEWPIN_RUN);
}

static void
test_every_refusal_has_a_reason(void **state)
{
	(void)state;
	assert_null(newpin_reason(NEWPIN_OK));
	for (int i = NEWPIN_OK + 1; i < NEWPIN_VERDICT_COUNT; i++)
		assert_non_null(newpin_reason((enum newpin_verdict)i));
	/* The trivial ones say why, with an example. */
	assert_non_null(strstr(newpin_reason(NEWPIN_RUN), "123456"));
	assert_non_null(strstr(newpin_reason(NEWPIN_SAME), "000000"));
}

static bool
parse(const char *text, struct api_verify *out, struct api_err *e)
{
	json_t *j = json_loads(text, 0, NULL);
	bool ok;

	memset(e, 0, sizeof *e);
	ok = api_parse_verify(j, out, e);
	json_decref(j);
	return ok;
}

static void
test_verify_reply(void **state)
{
	struct api_verify out;
	struct api_err e;

	(void)state;
	assert_true(
		parse("{\"party\":\"unit\",\"method\":\"mobile\",\"state\":\"verified\"}",
		      &out, &e));
	assert_true(out.verified);
	assert_false(out.pending);
	assert_true(parse("{\"state\":\"pending\",\"amount\":1,\"account_masked\":\"**** "
			  "0011\"}",
			  &out, &e));
	assert_true(out.pending);
	assert_int_equal(out.amount, 1);
	assert_string_equal(out.account_masked, "**** 0011");
	/* Whatever else: not used, a plain sentence. */
	assert_false(parse("{\"state\":\"failed\"}", &out, &e));
	assert_int_equal(e.err, BACKEND_GARBAGE);
	assert_false(parse("{}", &out, &e));
	assert_false(parse("[]", &out, &e));
	assert_false(parse("{\"state\":\"pending\"}", &out, &e));
	assert_false(
		parse("{\"state\":\"pending\",\"amount\":-1,\"account_masked\":\"x\"}",
		      &out, &e));
	assert_false(parse("{\"state\":\"pending\",\"amount\":1,\"account_masked\":7}",
			   &out, &e));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_named_in_the_issue),
		cmocka_unit_test(test_and_the_like),
		cmocka_unit_test(test_length_and_chars),
		cmocka_unit_test(test_twice),
		cmocka_unit_test(test_every_refusal_has_a_reason),
		cmocka_unit_test(test_verify_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
