/*
 * ids.c - check characters and masks of identity numbers (see ids.h).
 */
#include "ra/ids.h"

#include <stdio.h>
#include <string.h>

static const char credit_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int
credit_value(char c)
{
	const char *p = c ? strchr(credit_chars, c) : NULL;
	return p ? (int)(p - credit_chars) : -1;
}

char
ids_credit_check(const char *s)
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
	int c = 31 - sum % 31;
	return credit_chars[c == 31 ? 0 : c];
}

char
ids_orgcode_check(const char *s)
{
	static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;
	for (int i = 0; i < 8; i++) {
		int v;
		if (s[i] >= '0' && s[i] <= '9')
			v = s[i] - '0';
		else if (s[i] >= 'A' && s[i] <= 'Z')
			v = s[i] - 'A' + 10;
		else
			return 0;
		sum += v * w[i];
	}
	int c = 11 - sum % 11;
	return c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
}

char
ids_resident_check(const char *s)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char map[] = "10X98765432";
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		sum += (s[i] - '0') * w[i];
	}
	return map[sum % 11];
}

bool
ids_valid_credit_code(const char *s)
{
	if (!s || strlen(s) != 18)
		return false;
	for (int i = 0; i < 18; i++)
		if (credit_value(s[i]) < 0)
			return false;
	return ids_credit_check(s) == s[17];
}

static bool
all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool
ids_valid_resident_id(const char *s)
{
	if (!s || strlen(s) != 18 || !all_digits(s, 17))
		return false;
	int month = (s[10] - '0') * 10 + (s[11] - '0');
	int day = (s[12] - '0') * 10 + (s[13] - '0');
	if (month < 1 || month > 12 || day < 1 || day > 31)
		return false;
	return ids_resident_check(s) == s[17];
}

bool
ids_valid_mobile(const char *s)
{
	return s && strlen(s) == 11 && all_digits(s, 11) && s[0] == '1' && s[1] >= '3';
}

bool
ids_valid_email(const char *s)
{
	if (!s)
		return false;
	size_t n = strlen(s);
	const char *at = strchr(s, '@');
	if (n < 5 || n > 254 || !at || at == s || strchr(at + 1, '@'))
		return false;
	const char *dot = strrchr(at, '.');
	if (!dot || dot == at + 1 || dot[1] == '\0')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

bool
ids_valid_postcode(const char *s)
{
	return s && strlen(s) == 6 && all_digits(s, 6);
}

bool
ids_valid_bank_card(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 12 || n > 19 || !all_digits(s, n))
		return false;
	int sum = 0;
	for (size_t i = 0; i < n; i++) {
		int d = s[n - 1 - i] - '0';
		if (i % 2 == 1) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return sum % 10 == 0;
}

void
ids_mask_mobile(const char *m, char *out, size_t size)
{
	size_t n = m ? strlen(m) : 0;
	if (n < 7)
		snprintf(out, size, "****");
	else
		snprintf(out, size, "%.3s****%s", m, m + n - 4);
}

void
ids_mask_id(const char *id, char *out, size_t size)
{
	size_t n = id ? strlen(id) : 0;
	if (n < 10)
		snprintf(out, size, "****");
	else
		snprintf(out, size, "%.6s********%s", id, id + n - 4);
}

void
ids_mask_account(const char *acct, char *out, size_t size)
{
	size_t n = acct ? strlen(acct) : 0;
	if (n < 4)
		snprintf(out, size, "****");
	else
		snprintf(out, size, "**** **** %s", acct + n - 4);
}
