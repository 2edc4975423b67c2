/*
 * test_ui_logic.c - the pure parts of the screen: step bar fitting, the
 * form widget's typing rules and wipe, staff PIN hashes, log masking.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <string.h>

#include "form.h"
#include "keys.h"
#include "log.h"
#include "staffauth.h"
#include "stepbar.h"

static void
test_stepbar_all_fit(void **state)
{
	int w[5] = {10, 6, 6, 6, 6}, shown[5];

	(void)state;
	stepbar_plan(w, 5, 2, 80, shown);
	for (int i = 0; i < 5; i++)
		assert_int_equal(shown[i], w[i] - 2);
}

static void
test_stepbar_current_first(void **state)
{
	/* 5 steps of 20 columns: 4*3 + 5*2 = 22 for the numbers, 18 a name. */
	int w[5] = {20, 20, 20, 20, 20}, shown[5];

	(void)state;
	/* 40: the current whole, and no room to name the 4 others (3 each). */
	stepbar_plan(w, 5, 0, 40, shown);
	assert_int_equal(shown[0], 18);
	assert_int_equal(shown[1], 0);
	/* 30: not even the current fits whole: it is cut to the room there is. */
	stepbar_plan(w, 5, 0, 30, shown);
	assert_int_equal(shown[0], 8);
	assert_int_equal(shown[1] + shown[2] + shown[3] + shown[4], 0);
	/* Past the last step (a service done): the last one counts as current. */
	stepbar_plan(w, 5, 5, 40, shown);
	assert_int_equal(shown[4], 18);
	assert_int_equal(shown[0], 0);
}

static void
test_stepbar_every_step_named(void **state)
{
	/* 5 steps of 20 columns: 22 for numbers and separators, 18 a name. */
	int w[5] = {20, 20, 20, 20, 20}, shown[5];
	/* Apply in English at 80x24 (76 columns): number + name widths. */
	int en[5] = {25, 12, 8, 22, 22};

	(void)state;
	/* 60: the current (3) whole, 20 left: 5 for each other, none bare. */
	stepbar_plan(w, 5, 3, 60, shown);
	assert_int_equal(shown[3], 18);
	for (int i = 0; i < 5; i++)
		if (i != 3)
			assert_int_equal(shown[i], 5);
	/* 63: the 3 odd columns to the nearest: 4 and 2, then 1. */
	stepbar_plan(w, 5, 3, 63, shown);
	assert_int_equal(shown[4], 6);
	assert_int_equal(shown[2], 6);
	assert_int_equal(shown[1], 6);
	assert_int_equal(shown[0], 5);
	/* At the first step, the last one too gets a name, not a bare "5.". */
	stepbar_plan(en, 5, 0, 76, shown);
	assert_int_equal(shown[0], 23);
	assert_int_equal(shown[1], 9); /* 8 each, the odd column to the nearest */
	assert_int_equal(shown[2], 6); /* a short name stays whole */
	assert_int_equal(shown[3], 8);
	assert_int_equal(shown[4], 8);
	/* At the fourth step, the first is named too. */
	stepbar_plan(en, 5, 3, 76, shown);
	assert_int_equal(shown[3], 20);
	assert_int_equal(shown[0], 9);
	assert_int_equal(shown[1], 9);
	assert_int_equal(shown[2], 6);
	assert_int_equal(shown[4], 10);
}

static const struct field_def defs[] = {
	{"Number", FIELD_REQUIRED, CHARS_DIGITS, 4, NULL, NULL},
	{"Name", 0, CHARS_ANY, 3, NULL, NULL},
	{"Registered", FIELD_READONLY, CHARS_ANY, 10, NULL, NULL},
	{"ID", FIELD_REQUIRED, CHARS_ID, 18, validate_resident_id, NULL},
};

static void
type(struct form *f, const char *s)
{
	for (; *s != '\0'; s++)
		form_key(f, (unsigned char)*s);
}

static void
test_form_typing_rules(void **state)
{
	struct form f;

	(void)state;
	form_init(&f, defs, 4);
	assert_int_equal(f.focus, 0);
	/* Letters are not digits; the field holds at most 4. */
	assert_int_equal(form_key(&f, 'a'), FORM_NONE);
	type(&f, "123456");
	assert_string_equal(form_get(&f, 0), "1234");
	form_key(&f, K_BACKSPACE);
	assert_string_equal(form_get(&f, 0), "123");
	/* CJK counts as one character each. */
	form_key(&f, K_TAB);
	assert_int_equal(f.focus, 1);
	form_key(&f, 0x5f20); /* 张 */
	form_key(&f, 0x4e09); /* 三 */
	form_key(&f, 0x1b);   /* ESC is not text */
	form_key(&f, 0x03);   /* nor is ^C */
	assert_string_equal(form_get(&f, 1), "张三");
	form_key(&f, K_BACKSPACE);
	assert_string_equal(form_get(&f, 1), "张");
	/* Tab skips the read-only field. */
	form_key(&f, K_TAB);
	assert_int_equal(f.focus, 3);
	/* Lower-case x is folded to the X of ID numbers. */
	type(&f, "11010519491231002x");
	assert_string_equal(form_get(&f, 3), "11010519491231002X");
	/* A click on a field focuses it; not on a read-only one. */
	assert_int_equal(form_key(&f, K_FIELD(2)), FORM_NONE);
	assert_int_equal(form_key(&f, K_FIELD(0)), FORM_CHANGED);
	assert_int_equal(f.focus, 0);
	form_wipe(&f);
}

static void
test_form_validation_and_submit(void **state)
{
	struct form f;

	(void)state;
	form_init(&f, defs, 4);
	/* Enter walks down, and from the last field checks everything. */
	assert_int_equal(form_key(&f, K_ENTER), FORM_CHANGED);
	assert_int_equal(f.focus, 1);
	form_key(&f, K_FIELD(3));
	type(&f, "110105194912310021");
	assert_int_equal(form_key(&f, K_ENTER), FORM_CHANGED);
	/* The first bad field gets the focus: the empty required one. */
	assert_int_equal(f.focus, 0);
	assert_int_equal(f.f[0].error, VALID_EMPTY);
	assert_int_equal(f.f[3].error, VALID_CHECKSUM);
	type(&f, "42");
	form_key(&f, K_FIELD(3));
	form_key(&f, K_BACKSPACE);
	type(&f, "X");
	assert_int_equal(f.f[3].error, VALID_OK);
	assert_int_equal(form_key(&f, K_ENTER), FORM_SUBMIT);
	form_wipe(&f);
}

static void
test_form_wipe(void **state)
{
	struct form f;

	(void)state;
	form_init(&f, defs, 4);
	type(&f, "9876");
	form_set(&f, 2, "湖南某某有限公司\x1b[2J");
	assert_string_equal(form_get(&f, 2), "湖南某某有限公司");
	form_wipe(&f);
	/* Every byte of every buffer is zero, not just the first. */
	for (int i = 0; i < FORM_MAX_FIELDS; i++) {
		for (size_t j = 0; j < FORM_VALUE_MAX; j++)
			if (f.f[i].value[j] != 0)
				fail_msg("field %d byte %zu not wiped", i, j);
		assert_int_equal(f.f[i].len, 0);
	}
}

static void
test_staffauth(void **state)
{
	char h[STAFFAUTH_HASH_MAX], h2[STAFFAUTH_HASH_MAX];

	(void)state;
	assert_int_equal(staffauth_hash("123456", h, sizeof h), 0);
	assert_int_equal(strncmp(h, "pbkdf2-sha256$200000$", 21), 0);
	assert_true(staffauth_verify("123456", h));
	assert_false(staffauth_verify("123457", h));
	assert_false(staffauth_verify("", h));
	/* Fresh salt every time. */
	assert_int_equal(staffauth_hash("123456", h2, sizeof h2), 0);
	assert_string_not_equal(h, h2);
	assert_false(staffauth_verify("123456", "pbkdf2-sha256$200000$zz$00"));
	assert_false(staffauth_verify("123456", "plain"));
	assert_false(staffauth_verify("123456", NULL));
}

static void
test_log_mask(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(log_mask_id("11010519491231002X", buf, sizeof buf),
			    "110*************2X");
	assert_string_equal(log_mask_id("1234", buf, sizeof buf), "****");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stepbar_all_fit),
		cmocka_unit_test(test_stepbar_current_first),
		cmocka_unit_test(test_stepbar_every_step_named),
		cmocka_unit_test(test_form_typing_rules),
		cmocka_unit_test(test_form_validation_and_submit),
		cmocka_unit_test(test_form_wipe),
		cmocka_unit_test(test_staffauth),
		cmocka_unit_test(test_log_mask),
	};

	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
