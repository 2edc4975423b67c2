/*
 * termrenew.h - this terminal renewing its own certificate (POST
 * /v1/terminal/renew over the certificate it holds), and finishing a
 * replacement of its files that a stop cut short.
 *
 * The files: the new key is made in KEY.next (0600) before its CSR
 * leaves, the certificate that comes back (for that key, naming this
 * terminal) is written to CERT.next, then KEY.next is renamed over KEY
 * and CERT.next over CERT.  Cut anywhere, the kiosk starts with a working
 * pair: before the first rename it has the old pair (the old certificate
 * stays valid at the backend), after it termrenew_recover() finds the new
 * certificate beside the new key and finishes.
 */
#ifndef CAKIOSK_TERMRENEW_H
#define CAKIOSK_TERMRENEW_H

#include <stddef.h>

#include "termcert.h"

struct job;

enum termrenew_result {
	TERMRENEW_NOT_DUE,   /* more days left than asked */
	TERMRENEW_DONE,      /* the new pair is in place and in use */
	TERMRENEW_FAILED,    /* why says what; the old pair is untouched */
	TERMRENEW_CANCELLED, /* the job was cancelled before the backend answered */
};

/* Finish (or clear away) a replacement cut short; at start, before the
 * files are checked.  Says what it did in why ("" when nothing);
 * 0, or -1 when a rename failed. */
int termrenew_recover(const char *cert_file, const char *key_file, char *why,
		      size_t whylen);

/*
 * On the worker: when the certificate in cert_file has days_before days
 * left or fewer, renew it as above, then tell the client
 * (backend_identity_changed).  *now gets the certificate in use at the
 * end (the new one when DONE); api_err (may be NULL) the backend's answer.
 */
struct api_err;
enum termrenew_result termrenew_run(const char *cert_file, const char *key_file,
				    const char *terminal_id, int days_before,
				    struct job *job, struct termcert *now,
				    struct api_err *e, char *why, size_t whylen);

#endif
