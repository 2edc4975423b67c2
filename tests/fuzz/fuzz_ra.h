/*
 * fuzz_ra.h - the backend's harnesses' shared bed (fuzz_ra.c).
 */
#ifndef CAKIOSK_FUZZ_RA_H
#define CAKIOSK_FUZZ_RA_H

#include <jansson.h>

#include "ra/app.h"

extern struct app fuzz_app;

/* Once per process: the demo's store and CA in a fresh directory (removed
 * at exit), with the sessions of the demo's first unit and person.  name
 * is the harness, for messages. */
void fuzz_ra_open(const char *name);

/* Runs the request lines of script (changed: split in place) as the demo
 * terminal; last gets the id of the last answer that had one (it may start
 * as a placeholder).  Returns the last answer (free it), or NULL.  No
 * transaction of its own: the caller begins and ends one. */
json_t *fuzz_ra_script(char *script, char last[128]);

#endif
