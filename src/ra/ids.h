/*
 * ids.h - the identity numbers the backend checks and makes: unified social
 * credit codes (GB 32100-2015, with the GB 11714 organization code check
 * inside), resident identity numbers (GB 11643-1999), mobile numbers, and
 * the masked forms shown to a kiosk.
 */
#ifndef CAKIOSK_RA_IDS_H
#define CAKIOSK_RA_IDS_H

#include <stdbool.h>
#include <stddef.h>

/* Check character for the first 17 characters of a credit code, or 0. */
char ids_credit_check(const char *first17);
/* Check character of an 8-character organization code body, or 0. */
char ids_orgcode_check(const char *first8);
/* Check character (0-9 or X) for the first 17 digits of a resident ID, or 0. */
char ids_resident_check(const char *first17);

bool ids_valid_credit_code(const char *s);
bool ids_valid_resident_id(const char *s);
bool ids_valid_mobile(const char *s);
bool ids_valid_email(const char *s);
bool ids_valid_postcode(const char *s);
/* Luhn check, 12 to 19 digits. */
bool ids_valid_bank_card(const char *s);

/* "138****8000" into out (size >= 16); anything shorter than 7 is all '*'. */
void ids_mask_mobile(const char *m, char *out, size_t size);
/* "430102********0021": first 6 and last 4 kept. */
void ids_mask_id(const char *id, char *out, size_t size);
/* "6222 **** **** 1234"-like: last 4 kept. */
void ids_mask_account(const char *acct, char *out, size_t size);

#endif
