/*
 * termcert.c - this terminal's certificate and key files (see termcert.h).
 */
#include "termcert.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "codec.h"

static int
check_pair(X509 *x, const char *key_file, struct termcert *out, char *why, size_t whylen)
{
	FILE *f = fopen(key_file, "re");
	EVP_PKEY *key = f != NULL ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
	BIGNUM *bn = sn != NULL ? ASN1_INTEGER_to_BN(sn, NULL) : NULL;
	char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
	struct tm tm;
	int rc = -1;

	if (f != NULL)
		fclose(f);
	memset(out, 0, sizeof *out);
	if (key == NULL) {
		snprintf(why, whylen, "%s: not a PEM private key", key_file);
		goto out;
	}
	if (X509_check_private_key(x, key) != 1) {
		snprintf(why, whylen, "%s: this key is not the certificate's", key_file);
		goto out;
	}
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, out->cn,
				      sizeof out->cn) <= 0) {
		snprintf(why, whylen, "the certificate has no CN");
		goto out;
	}
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) != 1) {
		snprintf(why, whylen, "the certificate's end date cannot be read");
		goto out;
	}
	out->not_after = (long long)timegm(&tm);
	snprintf(out->serial, sizeof out->serial, "%s", hex != NULL ? hex : "");
	for (char *p = out->serial; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	rc = 0;
out:
	OPENSSL_free(hex);
	BN_free(bn);
	EVP_PKEY_free(key);
	return rc;
}

int
termcert_read(const char *cert_file, const char *key_file, struct termcert *out,
	      char *why, size_t whylen)
{
	FILE *f = fopen(cert_file, "re");
	X509 *x = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	int rc = -1;

	if (f != NULL)
		fclose(f);
	if (x == NULL)
		snprintf(why, whylen, "%s: not a PEM certificate", cert_file);
	else
		rc = check_pair(x, key_file, out, why, whylen);
	X509_free(x);
	return rc;
}

int
termcert_check_pem(const char *cert_pem, const char *key_file, struct termcert *out,
		   char *why, size_t whylen)
{
	BIO *b = BIO_new_mem_buf(cert_pem, -1);
	X509 *x = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	int rc = -1;

	BIO_free(b);
	if (x == NULL)
		snprintf(why, whylen, "the backend's answer is not a PEM certificate");
	else
		rc = check_pair(x, key_file, out, why, whylen);
	X509_free(x);
	return rc;
}

long
termcert_days_left(const struct termcert *tc, time_t now)
{
	long long d = tc->not_after - (long long)now;

	return (long)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400));
}

bool
termcert_fingerprint_is(const char *given, const char *hex)
{
	unsigned char a[32], b[32];

	return codec_unhex(given, a, sizeof a) == (long)sizeof a &&
	       codec_unhex(hex, b, sizeof b) == (long)sizeof b &&
	       memcmp(a, b, sizeof a) == 0;
}

int
termcert_file_fingerprint(const char *file, char out[65])
{
	FILE *f = fopen(file, "re");
	X509 *x = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	unsigned char *der = NULL;
	int len = x != NULL ? i2d_X509(x, &der) : -1;

	if (f != NULL)
		fclose(f);
	if (len > 0)
		codec_sha256_hex(der, (size_t)len, out);
	OPENSSL_free(der);
	X509_free(x);
	return len > 0 ? 0 : -1;
}
