/*
 * validate.c - checks for the numbers and addresses the manual's forms ask for.
 *
 * Catches typing mistakes at the kiosk, before a customer waits for the RA
 * backend to turn an application down: a wrong check digit on a resident ID,
 * a birth date that cannot be, a credit code copied with an O for a 0.
 * Passing these checks says only that the text is well formed; whether the
 * person or organization exists is for the backend to find out.
 *
 * Every validator looks at the text in the same order and reports the first
 * problem it finds: empty, a character outside the field's alphabet, the
 * number of characters, the shape, the date, the check character.  Looking
 * at the characters before counting them means a customer who typed a space
 * or a full-width digit hears about that character rather than being told
 * the length is wrong.
 */
#include "validate.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "i18n.h"

#define DIGITS "0123456789"

/* GB 32100-2015 alphabet: no I, O, S, V or Z, too easily misread. */
static const char credit_charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* Length of s if every character of it is in set, or -1 if one is not. */
static long
all_in(const char *s, const char *set)
{
	size_t n = strspn(s, set);

	if (s[n] != '\0')
		return -1;
	return (long)n;
}

/*
 * The opening every check shares: empty, a character outside set, or a
 * length outside min..max; VALID_OK when the check may go on.
 */
static enum valid
opening(const char *s, const char *set, long min, long max)
{
	long len;

	if (s == NULL || *s == '\0')
		return VALID_EMPTY;
	len = all_in(s, set);
	if (len < 0)
		return VALID_CHARSET;
	if (len < min || len > max)
		return VALID_LENGTH;
	return VALID_OK;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Value of the n digits at s; the caller has made sure they are digits. */
static int
digits_value(const char *s, int n)
{
	int v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * Today as YYYYMMDD, or 0 if the clock cannot be read.  Local time, not
 * UTC: before 08:00 Beijing time UTC is still on yesterday and would turn
 * away a baby born today.
 */
static long
today_yyyymmdd(void)
{
	time_t now = time(NULL);
	struct tm tm;

	if (now == (time_t)-1 || localtime_r(&now, &tm) == NULL)
		return 0;
	return (tm.tm_year + 1900L) * 10000L + (tm.tm_mon + 1L) * 100L + tm.tm_mday;
}

/* s points at 8 digits, YYYYMMDD. */
static bool
birth_date_ok(const char *s)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y = digits_value(s, 4);
	int m = digits_value(s + 4, 2);
	int d = digits_value(s + 6, 2);
	long today;

	/* The 18-digit number dates from 1999, so a year before 1900 is a
	 * typo, not a customer. */
	if (y < 1900 || m < 1 || m > 12 || d < 1)
		return false;
	if (d > mdays[m - 1] + (m == 2 && is_leap(y)))
		return false;
	/* Without a clock a future date cannot be told from a past one; let
	 * the backend decide rather than turn every customer away. */
	today = today_yyyymmdd();
	return today == 0 || (long)y * 10000L + m * 100L + d <= today;
}

/* GB 11643-1999 check character (ISO 7064 MOD 11-2) for 17 digits. */
char
validate_resident_check(const char *s)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;

	for (int i = 0; i < 17; i++) {
		if (!is_digit(s[i]))
			return 0;
		sum += (s[i] - '0') * w[i];
	}
	return "10X98765432"[sum % 11];
}

enum valid
validate_resident_id(const char *s)
{
	enum valid r = opening(s, DIGITS "X", 18, 18);

	if (r != VALID_OK)
		return r;
	/* X stands for 10 and only the check position can hold a 10. */
	if (strspn(s, DIGITS) < 17)
		return VALID_CHARSET;
	/* Region codes start 1-6 on the mainland, 7 and 8 for Taiwan, Hong
	 * Kong and Macao residence permits. */
	if (s[0] < '1' || s[0] > '8')
		return VALID_FORMAT;
	if (!birth_date_ok(s + 6))
		return VALID_DATE;
	if (s[17] != validate_resident_check(s))
		return VALID_CHECKSUM;
	return VALID_OK;
}

/* Value of c in the credit code alphabet, or -1. */
static int
credit_value(char c)
{
	const char *p = c != '\0' ? strchr(credit_charset, c) : NULL;

	return p != NULL ? (int)(p - credit_charset) : -1;
}

/* GB 32100-2015 check character for the first 17 characters (mod 31). */
char
validate_credit_check(const char *s)
{
	static const int w[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
				  29, 25, 13, 8,  24, 10, 30, 28};
	int sum = 0;

	for (int i = 0; i < 17; i++) {
		int v = credit_value(s[i]);

		if (v < 0)
			return 0;
		sum += v * w[i];
	}
	return credit_charset[(31 - sum % 31) % 31];
}

/*
 * GB 11714-1997 organization code check character for 8 body characters.
 * The standard numbers letters A-Z as 10-35, I, O, S, V and Z included,
 * unlike GB 32100; the credit code's alphabet just never hands us those.
 */
char
validate_orgcode_check(const char *s)
{
	static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;
	int c;

	for (int i = 0; i < 8; i++) {
		int v;

		if (is_digit(s[i]))
			v = s[i] - '0';
		else if (s[i] >= 'A' && s[i] <= 'Z')
			v = s[i] - 'A' + 10;
		else
			return 0;
		sum += v * w[i];
	}
	c = 11 - sum % 11;
	if (c == 10)
		return 'X';
	if (c == 11)
		return '0';
	return (char)('0' + c);
}

enum valid
validate_credit_code(const char *s)
{
	enum valid r = opening(s, credit_charset, 18, 18);

	if (r != VALID_OK)
		return r;
	if (s[17] != validate_credit_check(s))
		return VALID_CHECKSUM;
	/* Characters 9-17 are the organization code, which carries its own
	 * check character; a typo there that the mod-31 sum happens to
	 * miss is still caught. */
	if (s[16] != validate_orgcode_check(s + 8))
		return VALID_CHECKSUM;
	return VALID_OK;
}

enum valid
validate_mobile(const char *s)
{
	enum valid r = opening(s, DIGITS, 11, 11);

	if (r != VALID_OK)
		return r;
	/* Mainland mobile blocks are 13x-19x; 10x-12x are not mobile numbers. */
	if (s[0] != '1' || s[1] < '3')
		return VALID_FORMAT;
	return VALID_OK;
}

#define EMAIL_MAX 254 /* RFC 5321 path limit minus the angle brackets */
#define LOCAL_MAX 64
#define LABEL_MAX 63

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" DIGITS
/* RFC 5322 dot-atom characters; quoted local parts are not accepted. */
#define LOCAL_CHARS ALNUM ".!#$%&'*+/=?^_`{|}~-"
#define DOMAIN_CHARS ALNUM ".-"

static enum valid
email_local(const char *s, size_t len)
{
	if (len == 0)
		return VALID_FORMAT;
	if (len > LOCAL_MAX)
		return VALID_LENGTH;
	if (s[0] == '.' || s[len - 1] == '.')
		return VALID_FORMAT;
	for (size_t i = 1; i < len; i++) {
		if (s[i] == '.' && s[i - 1] == '.')
			return VALID_FORMAT;
	}
	return VALID_OK;
}

static enum valid
email_domain(const char *s)
{
	size_t labels = 0;
	const char *last = s;

	if (s[strspn(s, DOMAIN_CHARS)] != '\0')
		return VALID_CHARSET;
	for (;;) {
		size_t n = strcspn(s, ".");

		if (n == 0 || s[0] == '-' || s[n - 1] == '-')
			return VALID_FORMAT;
		if (n > LABEL_MAX)
			return VALID_LENGTH;
		labels++;
		last = s;
		if (s[n] == '\0')
			break;
		s += n + 1;
	}
	/* A dotless domain only works inside an intranet, and an all-digit
	 * last label is an IP address typed by mistake; neither can receive
	 * the certificate notice. */
	if (labels < 2 || strlen(last) < 2)
		return VALID_FORMAT;
	for (; *last != '\0'; last++) {
		if (!is_alpha(*last))
			return VALID_FORMAT;
	}
	return VALID_OK;
}

enum valid
validate_email(const char *s)
{
	const char *at;
	enum valid r = opening(s, LOCAL_CHARS "@", 1, EMAIL_MAX);

	if (r != VALID_OK)
		return r;
	at = strchr(s, '@');
	if (at == NULL || strchr(at + 1, '@') != NULL)
		return VALID_FORMAT;
	r = email_local(s, (size_t)(at - s));
	if (r != VALID_OK)
		return r;
	return email_domain(at + 1);
}

enum valid
validate_postcode(const char *s)
{
	return opening(s, DIGITS, 6, 6);
}

static bool
luhn_ok(const char *s, size_t len)
{
	int sum = 0;
	bool dbl = false;

	/* From the right, so that the check digit is never doubled whatever
	 * the length. */
	while (len-- > 0) {
		int d = s[len] - '0';

		if (dbl) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
		dbl = !dbl;
	}
	return sum % 10 == 0;
}

enum valid
validate_bank_card(const char *s)
{
	/* Spaces are refused, not skipped: the field shows the digits in
	 * groups itself, so a space here means the number was mistyped. */
	enum valid r = opening(s, DIGITS, 12, 19);

	if (r != VALID_OK)
		return r;
	if (!luhn_ok(s, strlen(s)))
		return VALID_CHECKSUM;
	return VALID_OK;
}

const char *
validate_reason(enum valid r)
{
	/* No default: -Wswitch then points here when a reason is added. */
	switch (r) {
	case VALID_OK:
		return NULL;
	case VALID_EMPTY:
		/* TRANSLATORS: shown under a form field; keep these short. */
		return N_("Please fill in this field.");
	case VALID_LENGTH:
		return N_("This has too many or too few characters.");
	case VALID_CHARSET:
		return N_("This contains a character that cannot be used here.");
	case VALID_FORMAT:
		return N_("This is not written the right way; please check it.");
	case VALID_DATE:
		/* TRANSLATORS: digits 7-14 of the ID number are the birth date. */
		return N_("The date of birth in this number is not possible; please "
			  "check it.");
	case VALID_CHECKSUM:
		/* TRANSLATORS: ID or bank card; licence = business licence. */
		return N_("This number does not check out; please compare it with your "
			  "card or licence.");
	case VALID_COUNT:
		break;
	}
	/* A value outside the enum still gets a sentence, never a NULL the
	 * caller would print as "(null)". */
	return N_("Please check this entry.");
}

/* ---- what each field expects ------------------------------------------ */

#define ID_SHAPE N_("An ID card number has 18 digits; the last may be X.")
const char *const validate_resident_id_reasons[VALID_COUNT] = {
	[VALID_LENGTH] = ID_SHAPE,
	[VALID_CHARSET] = ID_SHAPE,
	[VALID_FORMAT] = N_("An ID card number starts with 1 to 8 (the region)."),
};

const char *const validate_credit_code_reasons[VALID_COUNT] = {
	[VALID_LENGTH] = N_("A credit code has 18 digits and capital letters."),
	[VALID_CHARSET] = N_("A credit code never has I, O, S, V or Z in it."),
};

#define MOBILE_SHAPE N_("A mobile number has 11 digits (+86 is fine).")
const char *const validate_mobile_reasons[VALID_COUNT] = {
	[VALID_LENGTH] = MOBILE_SHAPE,
	[VALID_CHARSET] = MOBILE_SHAPE,
	[VALID_FORMAT] = N_("A mainland mobile number starts with 13 to 19."),
};

#define EMAIL_SHAPE N_("Write the e-mail address like name@example.cn.")
const char *const validate_email_reasons[VALID_COUNT] = {
	[VALID_LENGTH] = N_("This e-mail address is too long."),
	[VALID_CHARSET] = N_("E-mail: letters, digits and . _ - + @ only."),
	[VALID_FORMAT] = EMAIL_SHAPE,
};

#define POSTCODE_SHAPE N_("A postal code has 6 digits.")
const char *const validate_postcode_reasons[VALID_COUNT] = {
	[VALID_LENGTH] = POSTCODE_SHAPE,
	[VALID_CHARSET] = POSTCODE_SHAPE,
};

const char *const validate_bank_card_reasons[VALID_COUNT] = {
	[VALID_LENGTH] = N_("A bank card number has 12 to 19 digits."),
	[VALID_CHARSET] = N_("A bank card number is digits only, no spaces."),
};

const char *
validate_reason_in(const char *const *reasons, enum valid r)
{
	if (reasons != NULL && r > VALID_OK && r < VALID_COUNT && reasons[r] != NULL)
		return reasons[r];
	return validate_reason(r);
}

static const struct {
	validate_fn *check;
	const char *const *reasons;
	void (*tidy)(char *s);
} known[] = {
	{validate_resident_id, validate_resident_id_reasons, NULL},
	{validate_credit_code, validate_credit_code_reasons, NULL},
	{validate_mobile, validate_mobile_reasons, validate_mobile_tidy},
	{validate_email, validate_email_reasons, NULL},
	{validate_postcode, validate_postcode_reasons, NULL},
	{validate_bank_card, validate_bank_card_reasons, NULL},
};

const char *const *
/* cppcheck-suppress constParameter ; check is a function, not data */
validate_reasons_of(validate_fn *check)
{
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (known[i].check == check)
			return known[i].reasons;
	return NULL;
}

void
/* cppcheck-suppress constParameter ; check is a function, not data */
validate_tidy(validate_fn *check, char *s)
{
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (known[i].check == check && known[i].tidy != NULL)
			known[i].tidy(s);
}

void
validate_mobile_tidy(char *s)
{
	char out[64];
	size_t n = 0;
	const char *p = s;

	if (s == NULL)
		return;
	for (; *p != '\0'; p++) {
		if (*p == ' ' || *p == '-')
			continue;
		if (n + 1 >= sizeof out)
			return;
		out[n++] = *p;
	}
	out[n] = '\0';
	p = out;
	if (strncmp(p, "+86", 3) == 0)
		p += 3;
	else if (strncmp(p, "0086", 4) == 0)
		p += 4;
	else if (n == 13 && strncmp(p, "86", 2) == 0)
		p += 2;
	/* Only a plain number replaces what was typed. */
	if (all_in(p, DIGITS) == 11)
		memmove(s, p, 12);
}
