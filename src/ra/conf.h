/*
 * conf.h - the configuration file of cakiosk-ra (/etc/cakiosk/cakiosk-ra.conf,
 * INI): every option of "serve", "terminals" and "purge" as a key; the
 * command line wins over it.
 */
#ifndef CAKIOSK_RA_CONF_H
#define CAKIOSK_RA_CONF_H

#include <stdbool.h>
#include <stdio.h>

#define RA_CONF_DEFAULT "/etc/cakiosk/cakiosk-ra.conf"

/* What a key sets: the option code of main.c and its argument (NULL for a
 * flag); NULL, or what is wrong with the value ("wants 0..86400 seconds"). */
typedef const char *(*ra_conf_set)(void *ctx, int code, const char *arg);

/* The option codes the keys stand for (main.c's codes for them). */
struct ra_conf_codes {
	int listen, public_url, db, ca_dir, port_file, instance, metrics_listen,
		access_log, no_access_log, verbose, no_verbose, sms_limit, sandbox,
		no_sandbox, demo, no_demo, pay_delay, pay_ttl, gateway, tls_cert, tls_key,
		public_listen, public_cert, public_key, silent_after, documents_days,
		threads;
};

struct ra_conf {
	char **strings; /* the values handed to set (they live until ra_conf_free) */
	int nstrings;
	int nerrors;
};

/* Reads path (or the default file when path is NULL: its absence is no
 * error), calling set for each key; every error is printed to err as
 * "cakiosk-ra: FILE:LINE: message".  The number of errors (0: all fine). */
int ra_conf_load(struct ra_conf *rc, const char *path, const struct ra_conf_codes *codes,
		 ra_conf_set set, void *ctx, FILE *err);
void ra_conf_free(struct ra_conf *rc);
/* Prints a commented file with every key, its default and what it does. */
void ra_conf_print_reference(FILE *out);

#endif
