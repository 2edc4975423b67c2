/*
 * newpin.c - the rules of a new PIN (see newpin.h).
 */
#include <stddef.h>
#include <string.h>

#include "i18n.h"
#include "newpin.h"
#include "pin.h"

/* The first PINs anybody tries that no rule below already catches. */
static const char *const common[] = {
	"147258", "147258369", "159357", "112233",   "123123",   "520520", "131420",
	"qwerty", "asdfgh",    "abc123", "password", "admin123", NULL};

/* Every character one more (step 1) or one less (step -1) than the last. */
static bool
straight(const char *s, size_t n, int step)
{
	for (size_t i = 1; i < n; i++)
		if ((int)(unsigned char)s[i] - (int)(unsigned char)s[i - 1] != step)
			return false;
	return true;
}

/* The whole PIN a pattern of period p (p < n) over and over. */
static bool
periodic(const char *s, size_t n, size_t p)
{
	if (p >= n || n % p != 0)
		return false;
	for (size_t i = p; i < n; i++)
		if (s[i] != s[i - p])
			return false;
	return true;
}

static bool
is_common(const char *s)
{
	for (size_t i = 0; common[i] != NULL; i++)
		if (strcmp(s, common[i]) == 0)
			return true;
	return false;
}

enum newpin_verdict
newpin_check(const char *pin, unsigned long min, unsigned long max)
{
	size_t n = pin != NULL ? strlen(pin) : 0;

	if (n == 0)
		return NEWPIN_EMPTY;
	for (size_t i = 0; i < n; i++)
		if (!pin_char_ok((unsigned char)pin[i]))
			return NEWPIN_CHARS;
	switch (pin_len_check(n, min, max)) {
	case PIN_LEN_SHORT:
		return NEWPIN_SHORT;
	case PIN_LEN_LONG:
		return NEWPIN_LONG;
	case PIN_LEN_OK:
		break;
	}
	if (n > 1 && periodic(pin, n, 1))
		return NEWPIN_SAME;
	if (n > 2 && (straight(pin, n, 1) || straight(pin, n, -1)))
		return NEWPIN_RUN;
	for (size_t p = 2; p <= 3; p++)
		if (n >= 2 * p && periodic(pin, n, p))
			return NEWPIN_PATTERN;
	if (is_common(pin))
		return NEWPIN_COMMON;
	return NEWPIN_OK;
}

enum newpin_verdict
newpin_check2(const char *pin, const char *again, unsigned long min, unsigned long max)
{
	enum newpin_verdict v = newpin_check(pin, min, max);

	if (v != NEWPIN_OK)
		return v;
	if (again == NULL || strcmp(pin, again) != 0)
		return NEWPIN_MISMATCH;
	return NEWPIN_OK;
}

const char *
newpin_reason(enum newpin_verdict v)
{
	switch (v) {
	case NEWPIN_OK:
		return NULL;
	case NEWPIN_EMPTY:
		return N_("Please type the new PIN.");
	case NEWPIN_CHARS:
		return N_("A PIN has only English letters, digits and signs. Switch the "
			  "keyboard to English and type it again.");
	case NEWPIN_SHORT:
	case NEWPIN_LONG:
		return N_("The new PIN must have %lu to %lu characters.");
	case NEWPIN_SAME:
		return N_("All its characters are the same (like 000000 or 111111): "
			  "anyone would guess it. Please choose another PIN.");
	case NEWPIN_RUN:
		return N_("It runs straight up or down (like 123456 or 654321): anyone "
			  "would guess it. Please choose another PIN.");
	case NEWPIN_PATTERN:
		return N_("It repeats a short pattern (like 121212): anyone would guess "
			  "it. Please choose another PIN.");
	case NEWPIN_COMMON:
		return N_("This is one of the first PINs anybody tries. Please choose "
			  "another PIN.");
	case NEWPIN_MISMATCH:
		return N_("The two PINs are not the same. Please type the new PIN twice "
			  "again.");
	case NEWPIN_VERDICT_COUNT:
		break;
	}
	return NULL;
}
