/*
 * validate.h - checks for the numbers and addresses the manual's forms ask for.
 *
 * Pure functions, no allocation, no locale: each takes the field's text as
 * typed (surrounding spaces not allowed) and says whether it is acceptable
 * and, if not, why - the form widget turns the reason into a sentence.
 * When several things are wrong, the first found is reported, looking in
 * this order: empty, characters, length, shape, date, check character
 * (characters before length, so that a stray space is named as such).
 * NULL counts as empty.
 *
 * Linked into the kiosk and the reference backend (src/ra/ra.mk): the
 * backend refuses with these what the kiosk would have refused.
 */
#ifndef CAKIOSK_VALIDATE_H
#define CAKIOSK_VALIDATE_H

enum valid {
	VALID_OK = 0,
	VALID_EMPTY,   /* nothing typed */
	VALID_LENGTH,  /* wrong number of characters */
	VALID_CHARSET, /* a character that cannot appear here */
	VALID_FORMAT,  /* right characters, wrong shape (e-mail, mobile prefix) */
	VALID_DATE, /* resident ID: the birth date does not exist or is in the future */
	VALID_CHECKSUM, /* check digit / check character / Luhn sum wrong */
	VALID_COUNT
};

/* Resident identity card number, GB 11643-1999: 17 digits + check (0-9 or X). */
enum valid validate_resident_id(const char *s);
/* Unified social credit code, GB 32100-2015: 18 characters, check mod 31. */
enum valid validate_credit_code(const char *s);
/* Mainland mobile number: 11 digits, 1[3-9]xxxxxxxxx. */
enum valid validate_mobile(const char *s);
/* E-mail address: local@domain.tld, ASCII, at most 254 characters. */
enum valid validate_email(const char *s);
/* Postal code: 6 digits. */
enum valid validate_postcode(const char *s);
/* Bank card number: 12 to 19 digits, Luhn check. */
enum valid validate_bank_card(const char *s);

/*
 * Check characters, for those who make numbers (the reference backend's
 * demo data): of the first 17 digits of a resident ID (0-9 or X), of the
 * first 17 characters of a credit code, of the 8 body characters of a
 * GB 11714 organization code.  0 when the input has a character that
 * cannot be there.
 */
char validate_resident_check(const char *first17);
char validate_credit_check(const char *first17);
char validate_orgcode_check(const char *first8);

/* English message id (for gettext) describing r, or NULL for VALID_OK. */
const char *validate_reason(enum valid r);

/*
 * What each kind of field expects, said when its check fails: message ids
 * indexed by enum valid ("A mobile number has 11 digits ..."); a NULL
 * entry falls back on validate_reason().  A form field names its table.
 */
extern const char *const validate_resident_id_reasons[VALID_COUNT];
extern const char *const validate_credit_code_reasons[VALID_COUNT];
extern const char *const validate_mobile_reasons[VALID_COUNT];
extern const char *const validate_email_reasons[VALID_COUNT];
extern const char *const validate_postcode_reasons[VALID_COUNT];
extern const char *const validate_bank_card_reasons[VALID_COUNT];
/* reasons[r] when there is one, else validate_reason(r). */
const char *validate_reason_in(const char *const *reasons, enum valid r);
/* One of the checks above, or a form field's own. */
typedef enum valid validate_fn(const char *s);
/* The table of one of the checks above (validate_mobile ->
 * validate_mobile_reasons), or NULL for any other function. */
const char *const *validate_reasons_of(validate_fn *check);
/* Make s plain in place the way check wants it (validate_mobile_tidy for
 * validate_mobile); nothing for other checks. */
void validate_tidy(validate_fn *check, char *s);

/*
 * A mobile number as people write it, made plain in place: spaces and
 * dashes go, and a leading +86 or 0086 (or the 86 of a lost "+") before 11
 * digits.  Anything else is left as typed, for validate_mobile() to name.
 */
void validate_mobile_tidy(char *s);

#endif
