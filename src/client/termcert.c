/*
 * termcert.c - this terminal's certificate and key files (see termcert.h).
 */
#include "termcert.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "codec.h"
#include "xmem.h"

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

int
termcert_write(const char *path, const char *data, size_t len, unsigned mode, char *why,
	       size_t whylen)
{
	char *tmp = xasprintf("%s.tmp", path);
	int fd, rc = -1;

	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  (mode_t)mode);
	if (fd < 0 || fchmod(fd, (mode_t)mode) != 0 ||
	    write(fd, data, len) != (ssize_t)len || fsync(fd) != 0) {
		snprintf(why, whylen, "cannot write %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		snprintf(why, whylen, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	return rc;
}

/* The key in key_file, or a new EC P-256 key written there (0600). */
static EVP_PKEY *
key_load_or_make(const char *key_file, char *why, size_t whylen)
{
	FILE *in = fopen(key_file, "re");
	EVP_PKEY *k = in != NULL ? PEM_read_PrivateKey(in, NULL, NULL, NULL) : NULL;
	BIO *o;
	char *p;
	long n;

	if (in != NULL)
		fclose(in);
	if (k != NULL)
		return k;
	if ((k = EVP_EC_gen("P-256")) == NULL) {
		snprintf(why, whylen, "cannot make a key");
		return NULL;
	}
	o = BIO_new(BIO_s_secmem());
	PEM_write_bio_PrivateKey(o, k, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(o, &p);
	if (termcert_write(key_file, p, (size_t)n, 0600, why, whylen) != 0) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	BIO_free(o);
	return k;
}

char *
termcert_csr(const char *key_file, const char *cn, char *why, size_t whylen)
{
	EVP_PKEY *k = key_load_or_make(key_file, why, whylen);
	X509_REQ *r = k != NULL ? X509_REQ_new() : NULL;
	BIO *o = r != NULL ? BIO_new(BIO_s_mem()) : NULL;
	char *p, *out = NULL;

	if (o != NULL &&
	    X509_NAME_add_entry_by_NID(X509_REQ_get_subject_name(r), NID_commonName,
				       MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
				       0) == 1 &&
	    X509_REQ_set_pubkey(r, k) == 1 && X509_REQ_sign(r, k, EVP_sha256()) > 0 &&
	    PEM_write_bio_X509_REQ(o, r) == 1) {
		long n = BIO_get_mem_data(o, &p);

		out = xstrndup(p, (size_t)n);
	} else if (k != NULL) {
		snprintf(why, whylen, "cannot make the certificate request");
	}
	BIO_free(o);
	X509_REQ_free(r);
	EVP_PKEY_free(k);
	return out;
}
