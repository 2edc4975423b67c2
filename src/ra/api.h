/*
 * api.h - the protocol's endpoints (documented in PROTOCOL.md): the route
 * table, opening the backend's state, the staff subcommands, and the
 * handlers of each module.
 */
#ifndef CAKIOSK_RA_API_H
#define CAKIOSK_RA_API_H

#include "ra/app.h"
#include "ra/http.h"

extern const struct route api_routes[];

/* Opens the store and the CA for serving (with the demo's data, terminal,
 * staff and root when app->demo), and records the gateways chosen in the
 * store for the staff subcommands.  0 or -1 + *err. */
int api_open(struct app *app, const char *db, const char *ca_dir, const char *host,
	     const char *public_url, int port, char **err);
void api_close(struct app *app);

struct admin_opts {
	const char *db;
	const char *ca_dir;
	const char *reason;
	const char *state;
};
/* A staff subcommand; 0 done, 1 failed, 2 usage error. */
int admin_run(const char *cmd, int argc, char **argv, const struct admin_opts *o);

/* ---- functions shared by the handler modules (api.c) ---- */

/* The registration record of a subject as a new JSON object, or NULL.
 * full: with unmasked numbers (server-side use only). */
json_t *api_subject(struct app *app, const char *type, const char *id, bool full);
/* Validates subject_type / subject_id members of the body or answers 400/404. */
bool api_body_subject(struct req *r, const char **type, const char **id);
/* The session of the request (Authorization: Bearer ...), bound to this
 * terminal; answers 401 and returns NULL if absent or expired. */
json_t *api_session(struct req *r);
/* Does the session belong to the subject? Answers 403 if not. */
bool api_session_owns(struct req *r, json_t *session, const char *type, const char *id);

/* ---- handlers ---- */
void h_health(struct req *r);
void h_unit(struct req *r);
void h_person(struct req *r);
void h_sms_send(struct req *r);
void h_session_create(struct req *r);
void h_sandbox_sms(struct req *r);
void h_sandbox_mails(struct req *r);
void h_sandbox_payments(struct req *r);
void h_sandbox_bank(struct req *r);
void h_sandbox_clock(struct req *r);

#endif
