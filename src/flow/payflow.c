/*
 * payflow.c - small helpers the paid services share (see payflow.h).  The
 * backend calls themselves are the client's (api.h).
 */
#include <stdio.h>

#include "payflow.h"

void
pay_money(long fen, char *buf, size_t len)
{
	snprintf(buf, len, "%ld.%02ld", fen / 100, fen % 100);
}
