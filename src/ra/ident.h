/*
 * ident.h - who the customer is: registration records, SMS codes and
 * sessions.  The order and issuing endpoints check a request's session and
 * subject through here.
 */
#ifndef CAKIOSK_RA_IDENT_H
#define CAKIOSK_RA_IDENT_H

#include <stdbool.h>

#include "ra/app.h"

/* An SMS code is good for SMS_TTL seconds; the codes sent within the last
 * SMS_COUNT_WINDOW seconds count towards the hourly limits per customer and
 * per terminal, so a code row is kept that long (purge.h). */
#define SMS_TTL 300
#define SMS_COUNT_WINDOW 3600
/* A customer's session lives SESSION_TTL seconds. */
#define SESSION_TTL 900

/* The registration record of a subject as a new JSON object, or NULL.
 * full: with unmasked numbers (server-side use only). */
json_t *ident_subject(struct app *app, const char *type, const char *id, bool full);
/* Validates subject_type / subject_id members of the body or answers 400/404. */
bool ident_body_subject(struct req *r, const char **type, const char **id);
/* The session of the request (Authorization: Bearer ...), bound to this
 * terminal; answers 401 and returns NULL if absent or expired. */
json_t *ident_session(struct req *r);
/* Does the session belong to the subject? Answers 403 if not. */
bool ident_session_owns(struct req *r, json_t *session, const char *type, const char *id);
/* The request carries a live session of that subject (else answered: 401
 * without one, 403 for another customer's). */
bool ident_session_is(struct req *r, const char *type, const char *id);

void h_unit(struct req *r);
void h_person(struct req *r);
void h_sms_send(struct req *r);
void h_session_create(struct req *r);

#endif
