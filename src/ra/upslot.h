/*
 * upslot.h - the uploads whose bodies the server is receiving at once.  An
 * upload link is a bearer token that whoever sees the kiosk's QR code
 * holds, and each upload may be 12 MiB: one upload per link is received at
 * a time and UPSLOT_MAX in all, so their bodies together stay bounded.  A
 * place is taken when an upload's headers are in, before its body is read.
 */
#ifndef CAKIOSK_RA_UPSLOT_H
#define CAKIOSK_RA_UPSLOT_H

#include <pthread.h>

#define UPSLOT_MAX 8

struct upslots {
	pthread_mutex_t mu;
	const char *path[UPSLOT_MAX]; /* the link of each place taken, or NULL */
};

void upslots_init(struct upslots *s);
void upslots_fini(struct upslots *s);
/* A place for an upload to path (kept, not copied, until given back): 0 and
 * *slot set, 409 when an upload to path is being received, 503 when
 * UPSLOT_MAX are. */
int upslot_take(struct upslots *s, const char *path, int *slot);
/* Gives the place of *slot back (none when 0) and clears it. */
void upslot_give_back(struct upslots *s, int *slot);

#endif
