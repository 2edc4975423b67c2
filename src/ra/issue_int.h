/*
 * issue_int.h - what the issuing files (issue*.c) share with each other and
 * nobody else.
 */
#ifndef CAKIOSK_RA_ISSUE_INT_H
#define CAKIOSK_RA_ISSUE_INT_H

#include "ra/issue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ra/ident.h"
#include "ra/gw.h"
#include "ra/ids.h"
#include "ra/order.h"
#include "ra/owner.h"
#include "ra/staff.h"
#include "ra/util.h"
#include "common/codec.h"
#include "common/rules.h"
#include "common/sesseal.h"

#define S(o, k) json_string_value(json_object_get((o), (k)))
#define I(o, k) json_integer_value(json_object_get((o), (k)))
#define DAY 86400LL
#define ENROL_TTL (7 * DAY)

char *seal_make(struct app *app, json_t *order, const struct ca_issued *is,
		const char *holder);

#endif
