/*
 * enrol.h - enrolling this terminal: cakiosk --enrol for mass provisioning,
 * and the first-run setup on the screen, through the one implementation.
 *
 * The backend CA is fetched and held against the operator's SHA-256
 * fingerprint before the code or anything else of the terminal's is sent;
 * the terminal's key is made here (EC P-256, a 0600 file), its CSR goes
 * with the one-time code to POST /v1/enrol over the now verified
 * connection, and the certificate that comes back must carry the terminal
 * id and the key.  Then the configuration names the three files.  Run
 * again on an enrolled terminal it changes nothing and uses no code.
 */
#ifndef CAKIOSK_ENROL_H
#define CAKIOSK_ENROL_H

#include <stdbool.h>

#include "termcert.h"

/* Exit statuses a provisioning script can act on. */
enum enrol_status {
	ENROL_OK = 0,          /* enrolled now, or already */
	ENROL_LOCAL = 1,       /* a file here cannot be read or written */
	ENROL_USAGE = 2,       /* an argument is missing or malformed */
	ENROL_FINGERPRINT = 3, /* the backend's CA is not the one given: nothing sent */
	ENROL_CODE = 4,    /* the code is unknown, expired, used or another terminal's */
	ENROL_LIMITED = 5, /* too many failed enrolments: try later */
	ENROL_BACKEND = 6, /* the backend cannot be reached or failed: try again */
};

struct enrol_args {
	const char *url;
	const char *fingerprint;
	char *code; /* wiped when done */
	const char *terminal_id;
	const char *config_path;
	/* The setup screen's run: nothing printed (each sentence kept in
	 * detail instead) and no configuration written (the setup writes
	 * its own with what the operator chose, enrol_write_config()). */
	bool quiet;
	/* The configuration at config_path is being replaced: the files go
	 * beside it, whatever it names. */
	bool fresh;
	/* out */
	char detail[512];    /* the last sentence said, sanitized */
	char ca_seen[65];    /* ENROL_FINGERPRINT: the fingerprint of the CA sent */
	struct termcert got; /* ENROL_OK: the terminal's certificate */
	bool already;        /* ENROL_OK: it was enrolled before, no code used */
};

/* The whole enrolment (CA, key, CSR, certificate, configuration). */
enum enrol_status enrol_run(struct enrol_args *a);
/* Its first step alone: the backend's CA fetched, held against the
 * fingerprint and written beside the configuration; nothing of this
 * terminal's is sent.  The code is neither needed nor touched. */
enum enrol_status enrol_check_ca(struct enrol_args *a);
/* What a status means for the operator, one plain sentence (a message
 * id: translate it with gettext). */
const char *enrol_status_text(enum enrol_status st);

/* What the setup chose, besides the backend, for the configuration. */
struct enrol_conf {
	const char *language; /* "zh_CN" / "en" */
	int idle_timeout;
	const char *vendor;  /* [vendor NAME], or NULL for none */
	const char *display; /* its display_name */
	const char *module;  /* its module's path */
};

/* Write the configuration at a->config_path naming the terminal's three
 * files beside it (and extra's keys when not NULL), through a temporary
 * file and a rename, with mode; then load it back as the kiosk would. */
enum enrol_status enrol_write_config(struct enrol_args *a, const struct enrol_conf *extra,
				     unsigned mode);

#endif
