/*
 * tlspair.c - a listener's certificate and key from files (see tlspair.h).
 */
#include "ra/tlspair.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ra/util.h"

/* No passphrase is asked (the server runs unattended): an encrypted key
 * is refused rather than prompted for on a terminal. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static char *
day_of(const ASN1_TIME *t)
{
	struct tm tm;
	char buf[32];
	if (ASN1_TIME_to_tm(t, &tm) != 1 || !strftime(buf, sizeof buf, "%Y-%m-%d", &tm))
		return util_xstrdup("?");
	return util_xstrdup(buf);
}

/* The pair's problem (a new sentence), or NULL. */
static char *
check(const struct tls_pair *tp, const char *what, const char *cert_path,
      const char *key_path, int64_t now)
{
	BIO *cb = BIO_new_mem_buf(tp->cert_pem, -1);
	BIO *kb = BIO_new_mem_buf(tp->key_pem, -1);
	X509 *x = cb ? PEM_read_bio_X509(cb, NULL, no_passphrase, NULL) : NULL;
	EVP_PKEY *k = kb ? PEM_read_bio_PrivateKey(kb, NULL, no_passphrase, NULL) : NULL;
	time_t t = (time_t)now;
	char *bad = NULL, *day = NULL;
	if (!x)
		bad = util_xasprintf("%s's certificate %s holds no PEM certificate", what,
				     cert_path);
	else if (!k)
		bad = util_xasprintf("%s's key %s holds no PEM private key (or one with "
				     "a passphrase)",
				     what, key_path);
	else if (X509_check_private_key(x, k) != 1)
		bad = util_xasprintf("%s's key %s is not the key of its certificate %s",
				     what, key_path, cert_path);
	else if (X509_cmp_time(X509_get0_notAfter(x), &t) < 0)
		bad = util_xasprintf("%s's certificate %s expired on %s", what, cert_path,
				     day = day_of(X509_get0_notAfter(x)));
	else if (X509_cmp_time(X509_get0_notBefore(x), &t) > 0)
		bad = util_xasprintf("%s's certificate %s is not valid before %s", what,
				     cert_path, day = day_of(X509_get0_notBefore(x)));
	free(day);
	ERR_clear_error();
	EVP_PKEY_free(k);
	X509_free(x);
	BIO_free(kb);
	BIO_free(cb);
	return bad;
}

int
tls_pair_load(struct tls_pair *tp, const char *what, const char *cert_path,
	      const char *key_path, int64_t now, char **err)
{
	memset(tp, 0, sizeof *tp);
	if (!cert_path || !key_path) {
		*err = util_xasprintf("%s's certificate and key go together: give both",
				      what);
		return -1;
	}
	tp->cert_pem = util_read_file(cert_path, NULL);
	if (!tp->cert_pem) {
		*err = util_xasprintf("cannot read %s's certificate %s: %s", what,
				      cert_path, strerror(errno));
		return -1;
	}
	tp->key_pem = util_read_file(key_path, NULL);
	if (!tp->key_pem) {
		*err = util_xasprintf("cannot read %s's key %s: %s", what, key_path,
				      strerror(errno));
		tls_pair_free(tp);
		return -1;
	}
	if ((*err = check(tp, what, cert_path, key_path, now)) != NULL) {
		tls_pair_free(tp);
		return -1;
	}
	return 0;
}

void
tls_pair_free(struct tls_pair *tp)
{
	if (tp->key_pem)
		util_wipe_str(tp->key_pem);
	free(tp->key_pem);
	free(tp->cert_pem);
	memset(tp, 0, sizeof *tp);
}
