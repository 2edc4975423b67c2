/*
 * enrol.h - enrolling this terminal from the command line, for mass
 * provisioning (cakiosk --enrol).
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
};

enum enrol_status enrol_run(const struct enrol_args *a);

#endif
