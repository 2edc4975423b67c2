/*
 * opts.h - cakiosk-ra's options, from the command line and the
 * configuration file (main.c reads them), and the server they start
 * (serve.c).
 */
#ifndef CAKIOSK_RA_OPTS_H
#define CAKIOSK_RA_OPTS_H

#include <stdbool.h>

#define MAX_GATEWAYS 8

struct opts {
	const char *db;
	const char *ca_dir;
	const char *listen;
	const char *metrics_listen;
	const char *instance;
	bool no_access_log;
	const char *public_url;
	const char *tls_cert, *tls_key;       /* the terminal API's, or the CA's own */
	const char *public_listen;            /* the public pages' own listener */
	const char *public_cert, *public_key; /* ... and its certificate */
	const char *port_file;
	const char *reason;
	const char *state;
	const char *name;
	bool json;
	int silent_after;
	int documents_days;
	bool dry_run;
	bool sandbox;
	bool no_demo;
	bool demo;
	const char *gateways[MAX_GATEWAYS];
	int ngateways;
	int pay_delay;
	int pay_ttl;
	int sms_limit;
	int threads;   /* serve: worker threads of each listener */
	int file_demo; /* the file's demo key: 1 yes, 0 no, -1 not given */
	const char *file_gateways[4];
	int nfile_gateways;
	const char *module;   /* ca init: the PKCS#11 module */
	const char *token;    /* ca init: the token's label */
	const char *pin_file; /* the PIN of a CA key's token (else CAKIOSK_RA_PIN) */
	const char *subject;  /* ca init: the organisation in the CA's names */
};

/* serve: binds the listeners, opens the store and the CA, answers until
 * SIGINT/SIGTERM/SIGHUP; the exit status (0, 1 on a failure to start, 2
 * for options that do not go together). */
int serve_run(const struct opts *o);

#endif
