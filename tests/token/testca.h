/*
 * testca.h - certificates from the token bed's test CA (tests/token/mkbed.sh
 * makes CADIR/ca.pem and CADIR/ca.key), for the C token tests and the token
 * benchmark: a DER request in, a DER X.509 v3 certificate out.
 */
#ifndef CAKIOSK_TESTCA_H
#define CAKIOSK_TESTCA_H

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "xmem.h"

/*
 * A certificate for csr, valid from now for days, with this serial, signed
 * by the CA in cadir.  NULL when the request or the CA cannot be read.
 */
static inline unsigned char *
testca_issue(const char *cadir, const unsigned char *csr, size_t csr_len, long serial,
	     int days, size_t *len)
{
	char path[4200];
	const unsigned char *p = csr;
	X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)csr_len);
	X509 *ca = NULL, *x = X509_new();
	EVP_PKEY *cakey = NULL;
	FILE *f;
	unsigned char *der = NULL, *out = NULL;

	snprintf(path, sizeof path, "%s/ca.pem", cadir);
	if ((f = fopen(path, "r")) != NULL) {
		ca = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	snprintf(path, sizeof path, "%s/ca.key", cadir);
	if ((f = fopen(path, "r")) != NULL) {
		cakey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (req != NULL && ca != NULL && cakey != NULL && x != NULL) {
		X509_set_version(x, 2);
		ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
		X509_set_issuer_name(x, X509_get_subject_name(ca));
		X509_set_subject_name(x, X509_REQ_get_subject_name(req));
		X509_gmtime_adj(X509_getm_notBefore(x), 0);
		X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400);
		X509_set_pubkey(x, X509_REQ_get0_pubkey(req));
		int n = X509_sign(x, cakey, EVP_sha256()) > 0 ? i2d_X509(x, &der) : 0;

		if (n > 0) {
			out = xmalloc((size_t)n);
			memcpy(out, der, (size_t)n);
			*len = (size_t)n;
		}
	}
	OPENSSL_free(der);
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(cakey);
	X509_REQ_free(req);
	return out;
}

#endif
