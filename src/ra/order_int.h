/*
 * order_int.h - what the order files (order*.c) share with each other and
 * nobody else.
 */
#ifndef CAKIOSK_RA_ORDER_INT_H
#define CAKIOSK_RA_ORDER_INT_H

#include "ra/order.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ra/ident.h"
#include "ra/gw.h"
#include "ra/ids.h"
#include "ra/limits.h"
#include "ra/owner.h"
#include "ra/util.h"
#include "common/codec.h"
#include "common/rules.h"
#include "common/validate.h"

#define S(o, k) json_string_value(json_object_get((o), (k)))
#define I(o, k) json_integer_value(json_object_get((o), (k)))

#define DAY 86400LL
#define UPLOAD_TTL 1800
#define DOC_LIMIT (5 * 1024 * 1024)
#define MEMO_TRIES 5

/* The head of every phone page; %s is the title. */
#define PAGE_HEAD                                                                        \
	"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"             \
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"       \
	"<title>%s</"                                                                    \
	"title><style>body{font-family:sans-serif;margin:1.5em;max-width:34em}"          \
	"label{display:block;margin:1em 0 .3em}button{font-size:1.2em;padding:.5em 2em;" \
	"margin-top:1em}.ok{color:#070}.bad{color:#a00}</style></head><body>"

/* The kinds of order, NULL-terminated. */
extern const char *const order_kinds[];
/* The documents a subject type must upload (NULL-terminated). */
const char *const *docs_for(const char *subject_type);
/* Does an order of this kind need documents? */
bool kind_needs_docs(const char *kind);
/* The price of an order, in fen. */
int64_t order_price(const char *kind, const char *type, int64_t years);
bool valid_mobile(const char *s);
/* What follows a paid order (review, or issuance straight away). */
void after_paid(struct store *st, json_t *o);

#endif
