/*
 * demo.h - the demo data set a fresh store gets (units and persons of the
 * registration platform, with valid, checksummed numbers).
 */
#ifndef CAKIOSK_RA_DEMO_H
#define CAKIOSK_RA_DEMO_H

#include "ra/store.h"

/* Inserts the demo records unless they were loaded before.  0 or -1. */
int demo_load(struct store *st);
/* Prints the demo records (full numbers: for operators and test writers). */
void demo_print(void);

#endif
