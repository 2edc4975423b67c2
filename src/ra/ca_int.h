/*
 * ca_int.h - what the CA's files (ca*.c) share with each other and nobody
 * else: the CA's state and the helpers that make and read certificates.
 */
#ifndef CAKIOSK_RA_CA_INT_H
#define CAKIOSK_RA_CA_INT_H

#include "ra/ca.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ra/util.h"
#include "common/codec.h"

struct ca {
	char *dir;
	char *crl_url;
	EVP_PKEY *key;
	X509 *cert;
	char *cert_pem;
	char *server_cert_pem;
	char *server_key_pem;
	unsigned char escrow_key[32];
	unsigned char *cert_der;
	size_t cert_der_len;
	/* The extensions every certificate of a profile has after its subject
	 * key identifier, made once (the CRL's URL is in the customer's).
	 * fixed_lock guards the two pointers and the lists' use: issuance
	 * runs on the server's threads without the store's lock, and
	 * ca_set_crl_url may replace the lists once they run. */
	STACK_OF(X509_EXTENSION) * fixed[2]; /* by enum ca_profile */
	pthread_mutex_t fixed_lock;
};

enum cert_kind { KIND_ROOT, KIND_SERVER, KIND_CLIENT };

char *ca_openssl_error(const char *what);
char *pem_of_cert(X509 *x);
X509 *cert_of_pem(const char *pem);
int name_add(X509_NAME *n, const char *field, const char *value);
void random_serial(ASN1_INTEGER *ai, char out[41]);
/* A checked request's subject, and its key set into x (no decoding or
 * encoding: the bits as the request has them) with the SHA-1 of the key's
 * bits (the subject key identifier) in ski.  ca_csr.c */
X509_NAME *csr_subject(const struct ca_csr *c);
int csr_set_key(const struct ca_csr *c, X509 *x, unsigned char ski[SHA_DIGEST_LENGTH]);
/* The public key of a PEM certificate (new), or NULL.  ca_csr.c */
EVP_PKEY *cert_key_of_pem(const char *pem);
X509 *make_cert(struct ca *ca, EVP_PKEY *pubkey, X509_NAME *subject, enum cert_kind kind,
		int64_t not_before, int64_t not_after, const char *sans, char serial[41]);

#endif
