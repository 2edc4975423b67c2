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
	 * runs on the server's threads without the store's lock (the lists
	 * are made before any thread runs: the port is bound first). */
	STACK_OF(X509_EXTENSION) * fixed[2]; /* by enum ca_profile */
	pthread_mutex_t fixed_lock;
	/* A key in a token (NULL: a PEM file).  Its module may not sign from
	 * several threads at once, and libp11 signs on one session of the
	 * slot: every signature with it is made under sign_lock. */
	struct ca_hsm *hsm;
	pthread_mutex_t sign_lock;
	char *chain_pem; /* the issuing certificate, then the root's if other */
};

enum cert_kind { KIND_ROOT, KIND_SUBCA, KIND_SERVER, KIND_CLIENT };

/* The file of a CA directory naming the token and key (ca_hsm.c). */
#define CA_HSM_FILE "hsm.conf"
bool ca_hsm_present(const char *dir);
/* Logs in to the token of dir's hsm.conf; its key in *key (free it before
 * closing).  NULL + *err in one sentence. */
struct ca_hsm *ca_hsm_open(const char *dir, EVP_PKEY **key, char **err);
void ca_hsm_close(struct ca_hsm *h);
/* Whether ca->key (in the token) is the key of ca->cert_pem. */
bool ca_hsm_key_matches(struct ca *ca);
/* Around every signature with ca->key (a no-op for a key of a file). */
void ca_sign_lock(struct ca *ca);
void ca_sign_unlock(struct ca *ca);

char *ca_openssl_error(const char *what);
/* dir/name of the CA's directory (new string). */
char *ca_path(const struct ca *ca, const char *name);
/* Reads escrow.key, making it when missing.  ca_sign.c */
int ensure_escrow_key(struct ca *ca, char **err);
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
/* Signs x (SHA-256) with key, under the signing lock.  0 or -1. */
int sign_cert(struct ca *ca, X509 *x, EVP_PKEY *key);
X509 *make_cert(struct ca *ca, EVP_PKEY *pubkey, X509_NAME *subject, enum cert_kind kind,
		int64_t not_before, int64_t not_after, const char *sans, char serial[41]);

#endif
