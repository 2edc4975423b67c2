/*
 * api.h - the protocol's endpoints (documented in PROTOCOL.md): the route
 * table, opening the backend's state, the staff subcommands, and the
 * handlers of health and the sandbox inspection.
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
	const char *name;   /* staff add: the staff member's name */
	bool json;          /* terminals: a JSON array */
	int silent_after;   /* terminals: minutes before "silent" */
	int documents_days; /* purge: days (or PURGE_NEVER) documents stay */
	bool dry_run;       /* purge: count, delete nothing */
	/* ca init: the token and the CA directory to make */
	struct ca_init_opts ca_init;
};
/* A staff subcommand; 0 done, 1 failed, 2 usage error. */
int admin_run(const char *cmd, int argc, char **argv, const struct admin_opts *o);

/* ---- handlers ---- */
void h_health(struct req *r);
void h_sandbox_sms(struct req *r);
void h_sandbox_mails(struct req *r);
void h_sandbox_payments(struct req *r);
void h_sandbox_bank(struct req *r);
void h_sandbox_clock(struct req *r);

#endif
