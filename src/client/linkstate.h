/*
 * linkstate.h - what the kiosk last saw of the backend, for the status line.
 *
 * Every backend call reports its outcome here the moment it ends (api.c),
 * the customer's calls and the background health check alike, from the
 * worker thread; the event loop reads it on the UI thread and redraws the
 * status line when it changed.  Lock-free: a few atomics.
 */
#ifndef CAKIOSK_LINKSTATE_H
#define CAKIOSK_LINKSTATE_H

#include <stdint.h>

enum link_state {
	LINK_UNKNOWN,      /* nothing heard yet */
	LINK_UP,           /* answered, and accepts this terminal */
	LINK_DOWN,         /* no connection, or no answer in time */
	LINK_UNTRUSTED,    /* the backend's certificate failed our check */
	LINK_CERT_EXPIRED, /* refuses this terminal: its certificate ran out */
	LINK_CERT_REFUSED, /* refuses this terminal's certificate (another's) */
	LINK_CERT_REVOKED, /* refuses this terminal's certificate: revoked */
	LINK_CONFIG,       /* this terminal's TLS files cannot be used */
};

void link_report(enum link_state state);
enum link_state link_get(void);
/* loop_now()-style milliseconds of the last report, 0 when none. */
int64_t link_reported_at(void);
/* Grows with every change of state: the loop redraws when it moved. */
unsigned link_changes(void);
/* The status line's words (message id) and whether they are good news. */
const char *link_text(enum link_state state, int *good);

#endif
