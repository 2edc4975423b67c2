/*
 * test_validate.c - unit tests for the identity numbers' checks in
 * src/common/validate.c: resident ID (GB 11643) and credit code (GB 32100).
 *
 * The "valid" literals are not produced by the code under test.  Each was
 * checked independently: the first resident ID and the first credit code by
 * hand (worked below), the rest with this Python, which shares nothing with
 * validate.c but the published weights:
 *
 *   W = [7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2]          # GB 11643
 *   rid = lambda s: "10X98765432"[sum(int(c)*w for c, w in zip(s, W)) % 11]
 *   CS = "0123456789ABCDEFGHJKLMNPQRTUWXY"              # GB 32100
 *   W2 = [1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28]
 *   ucc = lambda s: CS[(31 - sum(CS.index(c)*w for c, w in zip(s, W2)) % 31) % 31]
 *   v = lambda c: int(c) if c.isdigit() else ord(c) - 55  # GB 11714: A=10
 *   org = lambda s: "0123456789X0"[11 - sum(v(c)*w for c, w in
 *                                           zip(s, [3,7,9,10,5,8,4,2])) % 11]
 *
 * 11010519491231002X (the example printed in GB 11643):
 *   1*7 + 1*9 + 0*10 + 1*5 + 0*8 + 5*4 + 1*2 + 9*1 + 4*6 + 9*3 + 1*7 + 2*9
 *   + 3*10 + 1*5 + 0*8 + 0*4 + 2*2 = 167; 167 mod 11 = 2 -> "10X98765432"[2]
 *   = 'X'.
 *
 * 91350100M000100Y43 (widely published GB 32100 example), M=21, Y=30:
 *   9*1 + 1*3 + 3*9 + 5*27 + 0*19 + 1*26 + 0*16 + 0*17 + 21*20 + 0*29
 *   + 0*25 + 0*13 + 1*8 + 0*24 + 0*10 + 30*30 + 4*28 = 1640;
 *   1640 mod 31 = 28; 31 - 28 = 3 -> '3'.
 *   Organization code M000100Y-4 (GB 11714 numbering, M=22, Y=34):
 *   22*3 + 0*7 + 0*9 + 0*10 + 1*5 + 0*8 + 0*4 + 34*2 = 139;
 *   139 mod 11 = 7; 11 - 7 = 4 -> '4'.
 *
 * The other credit codes were copied from public listings of large
 * companies and one Foshan public institution (who owns which was not
 * checked and does not matter here); all pass both checks above, which a
 * made-up code does about one time in 341.
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

/* ---- resident identity card number ------------------------------------ */

static void
test_rid_published_example(void **state)
{
	(void)state;
	EXPECT(validate_resident_id, "11010519491231002X", VALID_OK);
}

static void
test_rid_valid(void **state)
{
	static const char *const ok[] = {
		"440305199602290019", /* Shenzhen Nanshan, 29 Feb 1996 */
		"310104200002291236", /* Shanghai Xuhui, 29 Feb 2000 (div. by 400) */
		"510107198807154323", /* Chengdu Wuhou */
		"420106197806240016", /* Wuhan Wuchang */
		"530127200411300020", /* Kunming Songming */
		"650102190001010032", /* Urumqi, earliest accepted year */
		"810000199001011230", /* Hong Kong residence permit */
		"830000198506200044", /* Taiwan residence permit */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		EXPECT(validate_resident_id, ok[i], VALID_OK);
}

static void
test_rid_empty(void **state)
{
	(void)state;
	assert_int_equal(validate_resident_id(""), VALID_EMPTY);
	assert_int_equal(validate_resident_id(NULL), VALID_EMPTY);
}

static void
test_rid_length(void **state)
{
	(void)state;
	EXPECT(validate_resident_id, "11010519491231002", VALID_LENGTH); /* 17 */
	EXPECT(validate_resident_id, "1101051949123100X", VALID_LENGTH); /* 17, X last */
	EXPECT(validate_resident_id, "11010519491231002X0", VALID_LENGTH); /* 19 */
	EXPECT(validate_resident_id, "110105491231002", VALID_LENGTH); /* old 15-digit */
}

static void
test_rid_charset(void **state)
{
	(void)state;
	EXPECT(validate_resident_id, "11010519491231002x",
	       VALID_CHARSET); /* lowercase x */
	EXPECT(validate_resident_id, "1101051949123100AX", VALID_CHARSET);
	EXPECT(validate_resident_id, "11010519491231X02X",
	       VALID_CHARSET); /* X not last */
	EXPECT(validate_resident_id, "110105 19491231002X", VALID_CHARSET);
	EXPECT(validate_resident_id, " 11010519491231002X", VALID_CHARSET);
	/* Full-width digit one: a character problem, not a length one. */
	EXPECT(validate_resident_id,
	       "\xef\xbc\x91"
	       "1010519491231002X",
	       VALID_CHARSET);
}

static void
test_rid_region(void **state)
{
	(void)state;
	/* Check digits are right, so only the region rule can object. */
	EXPECT(validate_resident_id, "010105194912310026", VALID_FORMAT);
	EXPECT(validate_resident_id, "910105194912310029", VALID_FORMAT);
}

static void
test_rid_impossible_dates(void **state)
{
	(void)state;
	/* All with correct check digits. */
	EXPECT(validate_resident_id, "220102190002290056",
	       VALID_DATE); /* 1900 not leap */
	EXPECT(validate_resident_id, "11010118991231001X", VALID_DATE); /* before 1900 */
	EXPECT(validate_resident_id, "110101199013010012", VALID_DATE); /* month 13 */
	EXPECT(validate_resident_id, "11010119900100001X", VALID_DATE); /* day 0 */
	EXPECT(validate_resident_id, "110101199004310013", VALID_DATE); /* 31 April */
	EXPECT(validate_resident_id, "11010519490132002X", VALID_DATE); /* 32 January */
}

static void
test_rid_future_date(void **state)
{
	(void)state;
	EXPECT(validate_resident_id, "110101209901010017", VALID_DATE); /* 2099 */
}

/*
 * Only the test of "today" and "tomorrow" computes its own check digit,
 * since those numbers change every day; the literals above do not rely on it.
 */
static void
make_rid(char out[19], const struct tm *tm)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;

	memcpy(out, "110101", 6);
	assert_int_equal(strftime(out + 6, 9, "%Y%m%d", tm), 8);
	memcpy(out + 14, "123", 3);
	for (int i = 0; i < 17; i++)
		sum += (out[i] - '0') * w[i];
	out[17] = "10X98765432"[sum % 11];
	out[18] = '\0';
}

static void
test_rid_born_today_and_tomorrow(void **state)
{
	char today[19], tomorrow[19];
	enum valid r_today, r_tomorrow;
	struct tm tm, after;
	time_t now;
	int day, tries = 0;

	(void)state;
	/* Redo if local midnight passed while we were looking. */
	do {
		now = time(NULL);
		assert_non_null(localtime_r(&now, &tm));
		day = tm.tm_mday;
		make_rid(today, &tm);
		tm.tm_mday++;
		tm.tm_isdst = -1;
		assert_true(mktime(&tm) != (time_t)-1);
		make_rid(tomorrow, &tm);
		r_today = validate_resident_id(today);
		r_tomorrow = validate_resident_id(tomorrow);
		now = time(NULL);
		assert_non_null(localtime_r(&now, &after));
	} while (after.tm_mday != day && ++tries < 3);

	if (r_today != VALID_OK)
		print_error("born today: %s = %d\n", today, (int)r_today);
	assert_int_equal(r_today, VALID_OK);
	if (r_tomorrow != VALID_DATE)
		print_error("born tomorrow: %s = %d\n", tomorrow, (int)r_tomorrow);
	assert_int_equal(r_tomorrow, VALID_DATE);
}

static void
test_rid_checksum(void **state)
{
	(void)state;
	EXPECT(validate_resident_id, "110105194912310020", VALID_CHECKSUM); /* X -> 0 */
	EXPECT(validate_resident_id, "11010519491231003X", VALID_CHECKSUM); /* 2 -> 3 */
	EXPECT(validate_resident_id, "11010519491231020X", VALID_CHECKSUM); /* swapped */
	EXPECT(validate_resident_id, "11011519491231002X", VALID_CHECKSUM); /* region */
	EXPECT(validate_resident_id, "44030519960229001X", VALID_CHECKSUM); /* 9 -> X */
}

/* ---- unified social credit code ---------------------------------------- */

static void
test_credit_valid(void **state)
{
	static const char *const ok[] = {
		"91350100M000100Y43", /* worked by hand above */
		"91110000802100433B", /* Beijing */
		"914403001922038216", /* Shenzhen */
		"91330100716105852F", /* Hangzhou */
		"9144030071526726XG", /* Shenzhen: organization check is X */
		"91110108551385082Q", /* Beijing Haidian */
		"12440600MB2C07549J", /* public institution, letters in the body */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		EXPECT(validate_credit_code, ok[i], VALID_OK);
}

static void
test_credit_empty(void **state)
{
	(void)state;
	assert_int_equal(validate_credit_code(""), VALID_EMPTY);
	assert_int_equal(validate_credit_code(NULL), VALID_EMPTY);
}

static void
test_credit_length(void **state)
{
	(void)state;
	EXPECT(validate_credit_code, "91350100M000100Y4", VALID_LENGTH);
	EXPECT(validate_credit_code, "91350100M000100Y433", VALID_LENGTH);
	EXPECT(validate_credit_code, "M000100Y4",
	       VALID_LENGTH); /* old organization code */
}

static void
test_credit_forbidden_letters(void **state)
{
	(void)state;
	EXPECT(validate_credit_code, "91350100I000100Y43", VALID_CHARSET);
	EXPECT(validate_credit_code, "91350100M0O0100Y43", VALID_CHARSET);
	EXPECT(validate_credit_code, "91350100M000100Z43", VALID_CHARSET);
	EXPECT(validate_credit_code, "91350100S000100Y43", VALID_CHARSET);
	EXPECT(validate_credit_code, "91350100M000100Y4V", VALID_CHARSET);
	EXPECT(validate_credit_code, "91350100m000100y43", VALID_CHARSET);
	EXPECT(validate_credit_code, "91350100M000100Y4-3", VALID_CHARSET);
}

static void
test_credit_wrong_check(void **state)
{
	(void)state;
	/* Organization part untouched: only the mod-31 check can object. */
	EXPECT(validate_credit_code, "91350100M000100Y44", VALID_CHECKSUM);
	EXPECT(validate_credit_code, "91110000802100433C", VALID_CHECKSUM);
	EXPECT(validate_credit_code, "914403001922038219", VALID_CHECKSUM);
	/* One body character changed; the organization check catches this
	 * too, either way it must not pass. */
	EXPECT(validate_credit_code, "91350100M000200Y43", VALID_CHECKSUM);
}

static void
test_credit_wrong_org_check(void **state)
{
	(void)state;
	/* Organization check 4 -> 5 with the mod-31 character recomputed
	 * (ucc("91350100M000100Y5") == '6'): only GB 11714 can object. */
	EXPECT(validate_credit_code, "91350100M000100Y56", VALID_CHECKSUM);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rid_published_example),
		cmocka_unit_test(test_rid_valid),
		cmocka_unit_test(test_rid_empty),
		cmocka_unit_test(test_rid_length),
		cmocka_unit_test(test_rid_charset),
		cmocka_unit_test(test_rid_region),
		cmocka_unit_test(test_rid_impossible_dates),
		cmocka_unit_test(test_rid_future_date),
		cmocka_unit_test(test_rid_born_today_and_tomorrow),
		cmocka_unit_test(test_rid_checksum),
		cmocka_unit_test(test_credit_valid),
		cmocka_unit_test(test_credit_empty),
		cmocka_unit_test(test_credit_length),
		cmocka_unit_test(test_credit_forbidden_letters),
		cmocka_unit_test(test_credit_wrong_check),
		cmocka_unit_test(test_credit_wrong_org_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
