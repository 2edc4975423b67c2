/*
 * test_validate_fields.c - unit tests for the other form field checks in
 * src/common/validate.c: mobile, e-mail, postcode, bank card (Luhn), the
 * reasons a check gives and the mobile number made plain.  (The identity
 * numbers: test_validate.c.)
 *
 * The valid bank card numbers were checked with this Python, which shares
 * nothing with validate.c:
 *
 *   luhn = lambda s: sum(int(c) if i % 2 == 0 else int(c)*2 - 9*(int(c) > 4)
 *                        for i, c in enumerate(reversed(s))) % 10 == 0
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "validate.h"
#include "validate_expect.h"

/* ---- mobile ------------------------------------------------------------ */

static void
test_mobile(void **state)
{
	(void)state;
	EXPECT(validate_mobile, "13800138000", VALID_OK);
	EXPECT(validate_mobile, "19912345678", VALID_OK);
	EXPECT(validate_mobile, "15012345678", VALID_OK);
	assert_int_equal(validate_mobile(NULL), VALID_EMPTY);
	EXPECT(validate_mobile, "", VALID_EMPTY);
	EXPECT(validate_mobile, "1380013800", VALID_LENGTH);   /* 10 digits */
	EXPECT(validate_mobile, "138001380000", VALID_LENGTH); /* 12 digits */
	EXPECT(validate_mobile, "1380013800O", VALID_CHARSET); /* letter O */
	EXPECT(validate_mobile, "138 0013 8000", VALID_CHARSET);
	EXPECT(validate_mobile, "+8613800138000", VALID_CHARSET);
	EXPECT(validate_mobile, "12345678901", VALID_FORMAT);
	EXPECT(validate_mobile, "10086100861", VALID_FORMAT);
	EXPECT(validate_mobile, "23800138000", VALID_FORMAT);
}

/* ---- e-mail ------------------------------------------------------------ */

static void
test_email_valid(void **state)
{
	(void)state;
	EXPECT(validate_email, "user@example.com", VALID_OK);
	EXPECT(validate_email, "a@b.co", VALID_OK);
	EXPECT(validate_email, "first.last+tag@mail.example.com.cn", VALID_OK);
	EXPECT(validate_email, "o'brien_99@sub-domain.example.org", VALID_OK);
	EXPECT(validate_email, "USER@EXAMPLE.CN", VALID_OK);
	EXPECT(validate_email, "x@1-2.example", VALID_OK);
}

static void
test_email_empty(void **state)
{
	(void)state;
	assert_int_equal(validate_email(NULL), VALID_EMPTY);
	EXPECT(validate_email, "", VALID_EMPTY);
}

static void
test_email_at_sign(void **state)
{
	(void)state;
	EXPECT(validate_email, "user.example.com", VALID_FORMAT);
	EXPECT(validate_email, "user@mail@example.com", VALID_FORMAT);
	EXPECT(validate_email, "@example.com", VALID_FORMAT);
	EXPECT(validate_email, "user@", VALID_FORMAT);
}

static void
test_email_local_part(void **state)
{
	(void)state;
	EXPECT(validate_email, ".user@example.com", VALID_FORMAT);
	EXPECT(validate_email, "user.@example.com", VALID_FORMAT);
	EXPECT(validate_email, "us..er@example.com", VALID_FORMAT);
	EXPECT(validate_email, "\"user\"@example.com", VALID_CHARSET);
	EXPECT(validate_email, "user name@example.com", VALID_CHARSET);
	EXPECT(validate_email, "user,name@example.com", VALID_CHARSET);
}

static void
test_email_domain(void **state)
{
	(void)state;
	EXPECT(validate_email, "user@localhost", VALID_FORMAT);   /* no TLD */
	EXPECT(validate_email, "user@example.c", VALID_FORMAT);   /* 1-letter TLD */
	EXPECT(validate_email, "user@example.123", VALID_FORMAT); /* digit TLD */
	EXPECT(validate_email, "user@192.168.1.1", VALID_FORMAT);
	EXPECT(validate_email, "user@.example.com", VALID_FORMAT);
	EXPECT(validate_email, "user@example..com", VALID_FORMAT);
	EXPECT(validate_email, "user@example.com.", VALID_FORMAT);
	EXPECT(validate_email, "user@-example.com", VALID_FORMAT);
	EXPECT(validate_email, "user@example-.com", VALID_FORMAT);
	EXPECT(validate_email, "user@exa_mple.com", VALID_CHARSET);
	EXPECT(validate_email, "user@exa+mple.com", VALID_CHARSET);
}

static void
test_email_non_ascii(void **state)
{
	(void)state;
	EXPECT(validate_email, "jos\xc3\xa9@example.com", VALID_CHARSET);
	EXPECT(validate_email, "\xe7\x94\xa8\xe6\x88\xb7@example.com", VALID_CHARSET);
	EXPECT(validate_email, "user@\xe4\xbe\x8b\xe5\xad\x90.cn", VALID_CHARSET);
	/* Full-width @ (U+FF20), easy to pick on a Chinese keyboard. */
	EXPECT(validate_email,
	       "user\xef\xbc\xa0"
	       "example.com",
	       VALID_CHARSET);
}

/* local (local_len 'a') @ 63 'b' . 63 'c' . last_len 'd' . com */
static void
make_long_email(char *buf, size_t local_len, size_t last_len)
{
	char *p = buf;

	memset(p, 'a', local_len);
	p += local_len;
	*p++ = '@';
	memset(p, 'b', 63);
	p += 63;
	*p++ = '.';
	memset(p, 'c', 63);
	p += 63;
	*p++ = '.';
	memset(p, 'd', last_len);
	p += last_len;
	memcpy(p, ".com", 5);
}

static void
test_email_lengths(void **state)
{
	char buf[400];

	(void)state;
	make_long_email(buf, 64, 57);
	assert_int_equal(strlen(buf), 254);
	EXPECT(validate_email, buf, VALID_OK);

	make_long_email(buf, 64, 58);
	assert_int_equal(strlen(buf), 255);
	EXPECT(validate_email, buf, VALID_LENGTH);

	make_long_email(buf, 65, 10); /* local part 65 */
	EXPECT(validate_email, buf, VALID_LENGTH);

	make_long_email(buf, 1, 64); /* a 64-character label */
	EXPECT(validate_email, buf, VALID_LENGTH);

	make_long_email(buf, 1, 63);
	EXPECT(validate_email, buf, VALID_OK);
}

/* ---- postcode ---------------------------------------------------------- */

static void
test_postcode(void **state)
{
	(void)state;
	EXPECT(validate_postcode, "100080", VALID_OK);
	EXPECT(validate_postcode, "518057", VALID_OK);
	assert_int_equal(validate_postcode(NULL), VALID_EMPTY);
	EXPECT(validate_postcode, "", VALID_EMPTY);
	EXPECT(validate_postcode, "10008", VALID_LENGTH);
	EXPECT(validate_postcode, "1000800", VALID_LENGTH);
	EXPECT(validate_postcode, "10008A", VALID_CHARSET);
	EXPECT(validate_postcode, "100 080", VALID_CHARSET);
	EXPECT(validate_postcode, "100080 ", VALID_CHARSET);
}

/* ---- bank card --------------------------------------------------------- */

static void
test_bank_card_valid(void **state)
{
	(void)state;
	EXPECT(validate_bank_card, "4111111111111111", VALID_OK);    /* 16 */
	EXPECT(validate_bank_card, "5555555555554444", VALID_OK);    /* 16 */
	EXPECT(validate_bank_card, "378282246310005", VALID_OK);     /* 15 */
	EXPECT(validate_bank_card, "488888888887", VALID_OK);        /* 12, shortest */
	EXPECT(validate_bank_card, "6222020200112233446", VALID_OK); /* 19, longest */
	EXPECT(validate_bank_card, "6217000010012345677", VALID_OK); /* 19 */
}

static void
test_bank_card_invalid(void **state)
{
	(void)state;
	assert_int_equal(validate_bank_card(NULL), VALID_EMPTY);
	EXPECT(validate_bank_card, "", VALID_EMPTY);
	/* Often quoted as a sample card number, but it fails Luhn (…446 passes). */
	EXPECT(validate_bank_card, "6222020200112233445", VALID_CHECKSUM);
	EXPECT(validate_bank_card, "4111111111111112", VALID_CHECKSUM);
	EXPECT(validate_bank_card, "4111111111111110", VALID_CHECKSUM);
	EXPECT(validate_bank_card, "488888888878", VALID_CHECKSUM); /* swapped */
	/* Luhn-valid, so only the length rule can object. */
	EXPECT(validate_bank_card, "79927398713", VALID_LENGTH);          /* 11 */
	EXPECT(validate_bank_card, "12345678901234567894", VALID_LENGTH); /* 20 */
	EXPECT(validate_bank_card, "4111 1111 1111 1111", VALID_CHARSET);
	EXPECT(validate_bank_card, "4111-1111-1111-1111", VALID_CHARSET);
	EXPECT(validate_bank_card, "411111111111111X", VALID_CHARSET);
}

/* ---- reasons ----------------------------------------------------------- */

static void
test_reason(void **state)
{
	static const enum valid errs[] = {
		VALID_EMPTY,  VALID_LENGTH, VALID_CHARSET,
		VALID_FORMAT, VALID_DATE,   VALID_CHECKSUM,
	};
	const size_t n = sizeof(errs) / sizeof(errs[0]);

	(void)state;
	assert_null(validate_reason(VALID_OK));
	for (size_t i = 0; i < n; i++) {
		const char *m = validate_reason(errs[i]);

		assert_non_null(m);
		assert_true(strlen(m) > 0);
		/* A sentence a customer reads: capital first, full stop last. */
		assert_true(m[0] >= 'A' && m[0] <= 'Z');
		assert_int_equal(m[strlen(m) - 1], '.');
		/* Each reason tells the customer something different. */
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(m, validate_reason(errs[j]));
	}
	assert_non_null(validate_reason((enum valid)99));
}

/*
 * Each field's failures say what it expects, not "wrong format": the
 * sentence names the shape ("11 digits", "1 to 8", "name@example.cn").
 */
static void
expect_says(const char *const *reasons, enum valid r, const char *what)
{
	const char *m = validate_reason_in(reasons, r);

	assert_non_null(m);
	assert_string_not_equal(m, validate_reason(VALID_FORMAT));
	assert_true(m[0] >= 'A' && m[0] <= 'Z');
	assert_int_equal(m[strlen(m) - 1], '.');
	if (strstr(m, what) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", m, what);
}

static void
test_field_reasons(void **state)
{
	(void)state;
	expect_says(validate_mobile_reasons, validate_mobile("1380013800"), "11 digits");
	expect_says(validate_mobile_reasons, validate_mobile("+8613800138000"), "+86");
	expect_says(validate_mobile_reasons, validate_mobile("12800138000"), "13 to 19");
	expect_says(validate_email_reasons, validate_email("agent.example.cn"),
		    "name@example.cn");
	expect_says(validate_email_reasons, validate_email("a b@example.cn"), "letters");
	expect_says(validate_resident_id_reasons, validate_resident_id("1101051949"),
		    "18 digits");
	expect_says(validate_resident_id_reasons,
		    validate_resident_id("010105194912310026"), "1 to 8");
	expect_says(validate_credit_code_reasons, validate_credit_code("91430100"),
		    "18 digits");
	expect_says(validate_credit_code_reasons,
		    validate_credit_code("91430100MA4L0001IK"), "I, O, S, V or Z");
	expect_says(validate_postcode_reasons, validate_postcode("41000"), "6 digits");
	expect_says(validate_bank_card_reasons, validate_bank_card("1234"),
		    "12 to 19 digits");
	expect_says(validate_bank_card_reasons, validate_bank_card("6222 0200"),
		    "spaces");
	/* No table, or no entry: the general sentence, never NULL. */
	assert_string_equal(validate_reason_in(NULL, VALID_FORMAT),
			    validate_reason(VALID_FORMAT));
	assert_string_equal(validate_reason_in(validate_mobile_reasons, VALID_EMPTY),
			    validate_reason(VALID_EMPTY));
	assert_null(validate_reason_in(validate_mobile_reasons, VALID_OK));
}

/* A number written as people write it becomes the 11 digits it is. */
static void
test_mobile_tidy(void **state)
{
	static const char *const same[][2] = {
		{"+8613800138000", "13800138000"},
		{"+86 138 0013 8000", "13800138000"},
		{"0086-138-0013-8000", "13800138000"},
		{"8613800138000", "13800138000"}, /* the + lost on the way */
		{"138 0013 8000", "13800138000"},
		{"13800138000", "13800138000"},
		/* Not a mainland number made plain: left for the check to name. */
		{"+1 555 0100", "+1 555 0100"},
		{"+86 138", "+86 138"},
		{"86138001380", "86138001380"},
		{"", ""},
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		snprintf(buf, sizeof buf, "%s", same[i][0]);
		validate_mobile_tidy(buf);
		assert_string_equal(buf, same[i][1]);
	}
	snprintf(buf, sizeof buf, "+86 138-0013-8000");
	validate_mobile_tidy(buf);
	assert_int_equal(validate_mobile(buf), VALID_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mobile),
		cmocka_unit_test(test_email_valid),
		cmocka_unit_test(test_email_empty),
		cmocka_unit_test(test_email_at_sign),
		cmocka_unit_test(test_email_local_part),
		cmocka_unit_test(test_email_domain),
		cmocka_unit_test(test_email_non_ascii),
		cmocka_unit_test(test_email_lengths),
		cmocka_unit_test(test_postcode),
		cmocka_unit_test(test_bank_card_valid),
		cmocka_unit_test(test_bank_card_invalid),
		cmocka_unit_test(test_reason),
		cmocka_unit_test(test_field_reasons),
		cmocka_unit_test(test_mobile_tidy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
