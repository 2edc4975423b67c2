/*
 * ca.h - the backend's certificate authority, on OpenSSL: the CA key and
 * certificate (created on first start), the server's TLS certificate, the
 * demo terminal and staff client certificates, issuing certificates from
 * CSRs, CRLs, signatures for seals and proofs, and encryption of escrowed
 * SO PINs.  The only module that includes OpenSSL's X.509 headers.
 */
#ifndef CAKIOSK_RA_CA_H
#define CAKIOSK_RA_CA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct ca;

enum ca_profile {
	CA_PROFILE_CUSTOMER, /* a customer's signing certificate on a UKey */
	CA_PROFILE_TERMINAL, /* a kiosk terminal's mTLS client certificate */
};

/* Subject of a certificate to issue; NULL fields are left out. */
struct ca_subject {
	const char *cn;
	const char *o;
	const char *ou;
	const char *serial_number; /* credit code / resident ID number */
};

/* One issued certificate. */
struct ca_issued {
	char serial[41]; /* uppercase hex */
	char *pem;
	char *dn; /* one-line RFC 2253 form, UTF-8 */
	unsigned char *der;
	size_t der_len;
	int64_t not_before;
	int64_t not_after;
};

/* Whose CA: the demo's root is named "cakiosk Demo Root CA" and only it
 * has the demo terminal and staff certificates, whose keys anyone with the
 * demo may hold; it is refused outside the demo, and the demo refuses any
 * other (nobody mixes the two). */
enum ca_open_mode {
	CA_OPEN_ANY,  /* staff subcommands: whichever is there */
	CA_OPEN_DEMO, /* the demo: its root and its client certificates */
	CA_OPEN_OWN,  /* production and --no-demo: a root of its own only */
};
#define CA_DEMO_ROOT_CN "cakiosk Demo Root CA"

/*
 * Opens the CA in dir, creating the directory, the CA and the server
 * certificate (for localhost, 127.0.0.1 and extra_host when not NULL) when
 * they are missing, and in the demo the demo's client certificates.
 * crl_url goes into every issued certificate's CRL distribution point.
 */
struct ca *ca_open(const char *dir, const char *extra_host, const char *crl_url,
		   enum ca_open_mode mode, char **err);
void ca_close(struct ca *ca);

/* The CA's issuing key in a PKCS#11 token (ca_hsm.c). */
struct ca_init_opts {
	const char *module;  /* the PKCS#11 module's path */
	const char *token;   /* the token's label */
	const char *ca_dir;  /* made by ca init: must be missing or empty */
	const char *subject; /* the organisation in the CA names, or NULL */
};
/* Generates the issuing key in the token, an offline root (its key
 * discarded) and the intermediate, and writes ca_dir whole: root.crt,
 * ca.crt (the intermediate), chain.pem and hsm.conf.  0, or -1 + *err with
 * nothing left in ca_dir or the token. */
int ca_init(const struct ca_init_opts *o, char **err);
/* The file the token's PIN is read from (its first line); NULL: the
 * environment's CAKIOSK_RA_PIN.  Set before opening a CA. */
void ca_set_pin_file(const char *path);
/* Whether certificates of the customer profile can be issued: false when
 * OpenSSL refused the CRL URL for the distribution point. */
bool ca_customer_ready(struct ca *ca);

const char *ca_cert_pem(const struct ca *ca);
/* The issuing certificate then, when it is an intermediate, the root. */
const char *ca_chain_pem(const struct ca *ca);
const char *ca_server_cert_pem(const struct ca *ca);
const char *ca_server_key_pem(const struct ca *ca);

/*
 * A customer's certificate request, read once: parsed from PEM, its
 * self-signature checked, its key of a type and size accepted (RSA
 * 2048..4096 or EC P-256).  NULL with *code (a protocol error code) and a
 * new *msg when it is refused.
 */
struct ca_csr;
struct ca_csr *ca_csr_parse(const char *csr_pem, const char **code, char **msg);
void ca_csr_free(struct ca_csr *c);
/* SHA-256 (hex) of the request's DER. */
void ca_csr_hash(const struct ca_csr *c, char out[65]);

/* Issues a certificate for a checked request.  0 or -1 + *msg. */
int ca_issue(struct ca *ca, const struct ca_csr *csr, const struct ca_subject *subj,
	     int64_t not_before, int64_t not_after, enum ca_profile profile,
	     struct ca_issued *out, char **msg);
void ca_issued_free(struct ca_issued *is);

/* Serial, validity and whether our CA issued it, of a PEM certificate. */
int ca_cert_info(const struct ca *ca, const char *pem, char serial[41],
		 int64_t *not_before, int64_t *not_after, bool *ours);
/* The subject's common name of a PEM certificate (new UTF-8 string), or NULL. */
char *ca_cert_cn(const char *pem);
/* The subject's common name of a request (new UTF-8 string), or NULL when
 * it has none or more than one. */
char *ca_csr_cn(const struct ca_csr *c);
/* DER of the CA's certificate (the CA's own buffer). */
const unsigned char *ca_cert_der_of(const struct ca *ca, size_t *len);

/* Verifies sig over data (SHA-256) with the public key of cert_pem.
 * 1 good, 0 bad, -1 unusable input. */
int ca_verify_with_cert(const char *cert_pem, const void *data, size_t len,
			const unsigned char *sig, size_t siglen);

/* Signs data (SHA-256) with the CA key; new DER signature in *sig. */
int ca_sign(struct ca *ca, const void *data, size_t len, unsigned char **sig,
	    size_t *siglen);

/* A CRL over revoked (array of {"serial": hex, "revoked_at": int,
 * "revoke_reason": the store's words or null}).
 * New PEM (der == false) or DER buffer; NULL on failure. */
/* The RFC 5280 reason code of a stored revocation reason, or -1. */
int crl_reason_code(const char *why);
unsigned char *ca_crl(struct ca *ca, json_t *revoked, int64_t now, int64_t number,
		      bool der, size_t *len);

/* A keyed digest (HMAC-SHA-256 with a key derived from the escrow key) of
 * data, for what is kept to recognise a request that may hold a secret. */
void ca_mac_hex(const struct ca *ca, const void *data, size_t len, char out[65]);
/* Authenticated encryption of a short secret with the escrow key:
 * base64(iv | tag | ciphertext). */
char *ca_escrow_seal(struct ca *ca, const char *secret);
/* The secret back (new string, wipe after use), or NULL if tampered. */
char *ca_escrow_open(struct ca *ca, const char *sealed);

/* Common name, OU and serial of a DER client certificate; 0 only when it
 * is signed by our CA and within its validity at now. */
int ca_client_identity(const struct ca *ca, const unsigned char *der, size_t len,
		       int64_t now, char *cn, size_t cn_size, char *ou, size_t ou_size,
		       char serial[41]);

/* Benchmark: issues n certificates for one EC P-256 CSR; returns the
 * certificates per second (-1 on failure). */
double ca_bench_issue(struct ca *ca, int n);

#endif
