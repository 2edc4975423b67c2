/*
 * terminal.h - a terminal looking after itself (see PROTOCOL.md, "Terminal
 * certificates and heartbeat"): the renewal of its mTLS certificate over
 * the certificate it holds, its heartbeat, and the operator's list of
 * terminals (cakiosk-ra terminals).
 */
#ifndef CAKIOSK_RA_TERMINAL_H
#define CAKIOSK_RA_TERMINAL_H

#include <stdbool.h>
#include <stdio.h>

#include "ra/app.h"

/* Renewals (terminal certificates issued, the enrolment's included) one
 * terminal may have within TERMINAL_RENEW_WINDOW seconds. */
#define TERMINAL_RENEW_MAX 3
#define TERMINAL_RENEW_WINDOW (24 * 3600)
/* A certificate with this many days left or fewer is "expiring". */
#define TERMINAL_EXPIRING_DAYS 30
/* Not heard from for longer than this: "silent" (cakiosk-ra terminals). */
#define TERMINAL_SILENT_MINUTES 15

void h_terminal_renew(struct req *r);
void h_terminal_heartbeat(struct req *r);

/* cakiosk-ra terminals: every terminal, one line each (or a JSON array);
 * silent_min: minutes without a heartbeat before "silent".  0 or 1. */
int terminal_list(struct store *st, bool json, int silent_min, FILE *out);

#define TERMINAL_ROUTES                                                                  \
	{"POST", "/v1/terminal/renew", 0, h_terminal_renew},                             \
		{"POST", "/v1/terminal/heartbeat", R_NO_IDEM, h_terminal_heartbeat},

#endif
