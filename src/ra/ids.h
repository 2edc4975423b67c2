/*
 * ids.h - the masked forms of identity numbers shown to a kiosk.  The
 * checks of the numbers themselves (GB 32100, GB 11643, mobile, e-mail,
 * postcode, Luhn) are the kiosk's own, shared: src/common/validate.h.
 */
#ifndef CAKIOSK_RA_IDS_H
#define CAKIOSK_RA_IDS_H

#include <stdbool.h>
#include <stddef.h>

/* "138****8000" into out (size >= 16); anything shorter than 7 is all '*'. */
void ids_mask_mobile(const char *m, char *out, size_t size);
/* "430102********0021": first 6 and last 4 kept. */
void ids_mask_id(const char *id, char *out, size_t size);
/* "6222 **** **** 1234"-like: last 4 kept. */
void ids_mask_account(const char *acct, char *out, size_t size);

#endif
