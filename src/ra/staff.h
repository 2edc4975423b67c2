/*
 * staff.h - counter staff held by the backend (PROTOCOL.md section 17):
 * accounts with a staff number and their own PIN (a PBKDF2 hash, never the
 * PIN), the login a kiosk asks for them and the staff session it buys, the
 * lockout after wrong PINs, the audit of every staff action with the real
 * staff number, and calls for staff (F12 at a kiosk).
 *
 * The rules, each tested in tests/ra/test_staff.sh:
 *   - STAFF_LOCK_AFTER wrong PINs in a row lock the account for
 *     STAFF_LOCK_SECONDS; each wrong PIN after that locks it again at once;
 *     STAFF_LOCK_HARD in a row lock it until `cakiosk-ra staff reset`.  The
 *     count is in the store: no restart, other terminal, other request or
 *     passing of time resets it; a right PIN outside a lock ends the run.
 *   - A wrong number and a wrong PIN get the same answer; a disabled account
 *     is said only to one who knows its PIN.  A terminal's failed logins
 *     are limited too (limits.h, "staff_pin"), so it cannot walk numbers.
 *   - Open calls are listed and closed only with a staff session (or a
 *     staff certificate); a terminal makes at most one open call.
 */
#ifndef CAKIOSK_RA_STAFF_H
#define CAKIOSK_RA_STAFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ra/app.h"

#define STAFF_LOCK_AFTER 5
#define STAFF_LOCK_HARD 10
#define STAFF_LOCK_SECONDS (15 * 60)
#define STAFF_SESSION_TTL (30 * 60)

#define STAFF_ROUTES                                                                     \
	{"POST", "/v1/staff/login", 0, h_staff_login},                                   \
		{"POST", "/v1/staff/logout", 0, h_staff_logout},                         \
		{"POST", "/v1/staff/actions", 0, h_staff_action},                        \
		{"GET", "/v1/calls", 0, h_calls_list}, {"POST", "/v1/calls", 0, h_call}, \
		{"POST", "/v1/calls/{id}/close", 0, h_call_close},

void h_staff_login(struct req *r);
void h_staff_logout(struct req *r);
void h_staff_action(struct req *r);
void h_calls_list(struct req *r);
void h_call(struct req *r);
void h_call_close(struct req *r);

/* Who does a staff action: the staff number of the request's staff
 * session (Authorization: Bearer, bound to the terminal), or "cert:CN" for
 * a staff certificate without one.  Into out; false with 401
 * staff_session_required / staff_session_invalid / staff_session_expired
 * answered. */
bool staff_actor(struct req *r, char *out, size_t size);
/* As staff_actor, but quiet and false when no staff session came along. */
bool staff_actor_opt(struct req *r, char *out, size_t size);
/* One audit line; -1 on a store error. */
int staff_audit(struct store *st, const char *staff_no, const char *terminal,
		const char *action, const char *detail);

/* s is lo..hi ASCII digits. */
bool staff_digits(const char *s, size_t lo, size_t hi);
/* Closes call id for who (a staff number, "admin") at terminal; NULL done,
 * else "unknown_call", "call_closed" or "internal". */
const char *staff_call_close(struct store *st, int64_t id, const char *who,
			     const char *terminal);

/* `cakiosk-ra staff|calls|audit ...` on the store (admin.c); 0, 1 or 2. */
int staff_admin(struct store *st, const char *cmd, int argc, char **argv,
		const char *name);
/* The demo's staff member 1001 (PIN 123456), in the demo's transaction. */
int staff_demo(struct store *st);

#endif
