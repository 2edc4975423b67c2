/*
 * termcert.h - this terminal's own certificate and key files, as enrolment
 * writes them and the self-test and --check-config read them: that they
 * parse, that the key is the certificate's, whose name it carries and how
 * long it lasts; and SHA-256 fingerprints of certificates, the way an
 * operator is given the backend CA's (openssl x509 -fingerprint -sha256).
 */
#ifndef CAKIOSK_TERMCERT_H
#define CAKIOSK_TERMCERT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct termcert {
	char cn[65];         /* the subject's CN: the terminal id */
	char serial[65];     /* hex */
	long long not_after; /* seconds since the epoch */
};

/* Read cert_file (PEM) and key_file (PEM) and check that the key belongs
 * to the certificate.  0, or -1 with a sentence in why. */
int termcert_read(const char *cert_file, const char *key_file, struct termcert *out,
		  char *why, size_t whylen);
/* The same for a certificate already in memory against a key file. */
int termcert_check_pem(const char *cert_pem, const char *key_file, struct termcert *out,
		       char *why, size_t whylen);
/* Whole days from now to notAfter; negative once expired. */
long termcert_days_left(const struct termcert *tc, time_t now);

/* Whether the operator's fingerprint (hex, any case, colons allowed)
 * is this one; false for anything that is not 32 bytes in hex. */
bool termcert_fingerprint_is(const char *given, const char *hex);
/* Fingerprint of the first certificate of a PEM file; 0 or -1. */
int termcert_file_fingerprint(const char *file, char out[65]);

/* data written to path through path.tmp (mode from its first byte on,
 * synced) renamed over it: path holds the old or the new whole, never a
 * part.  0, or -1 with a sentence in why. */
int termcert_write(const char *path, const char *data, size_t len, unsigned mode,
		   char *why, size_t whylen);
/* A CSR (new PEM string) naming cn, signed with the key in key_file: the
 * one there, or a new EC P-256 key written there (0600) first.  NULL with
 * a sentence in why. */
char *termcert_csr(const char *key_file, const char *cn, char *why, size_t whylen);

#endif
