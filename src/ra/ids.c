/*
 * ids.c - masks of identity numbers (see ids.h).
 */
#include "ra/ids.h"

#include <stdio.h>
#include <string.h>

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
