/*
 * orderpage.h - what the order pages of every paid service share: the
 * term field's check, the price of a term from the backend's list, and
 * the label-value rows of a confirm page.
 */
#ifndef CAKIOSK_ORDERPAGE_H
#define CAKIOSK_ORDERPAGE_H

#include "validate.h"

/* The term field: 1, 2 or 3 (years). */
enum valid orderpage_term(const char *v);

/* "Price for 2 year(s): 700.00 CNY" at row y (a form's extra line); nothing
 * when the term is not one the backend prices. */
void orderpage_price_line(const char *kind, int term, int y, int x, int w);

/* One row of a confirm page: the label greyed in a column, the value. */
void orderpage_row(int y, int x, int w, const char *label, const char *value);

/* The price row of a confirm page ("700.00 CNY", or when it is said). */
void orderpage_price_row(const char *kind, int term, int y, int x, int w);

#endif
