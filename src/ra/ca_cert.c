/*
 * ca_cert.c - certificates (see ca.h): checking a customer's request,
 * issuing, reading a certificate's fields, and the terminal's identity from
 * its client certificate.
 */
#include "ra/ca_int.h"

static char *
name_oneline(X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *out;
	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	long len = BIO_get_mem_data(b, &p);
	out = util_xmalloc((size_t)len + 1);
	memcpy(out, p, (size_t)len);
	out[len] = '\0';
	BIO_free(b);
	return out;
}
/* The extensions of a certificate: the subject key identifier, then the
 * profile's fixed ones (made once, ca.c) in the order OpenSSL's
 * configuration made them. */
static int
add_exts(struct ca *ca, X509 *x, const unsigned char ski[SHA_DIGEST_LENGTH],
	 enum ca_profile profile)
{
	/* X509_add_ext copies: the list is used under the lock only. */
	pthread_mutex_lock(&ca->fixed_lock);
	STACK_OF(X509_EXTENSION) *fixed = ca->fixed[profile];
	ASN1_OCTET_STRING *id = fixed ? ASN1_OCTET_STRING_new() : NULL;
	int ok = id && ASN1_OCTET_STRING_set(id, ski, SHA_DIGEST_LENGTH) == 1 &&
		 X509_add1_ext_i2d(x, NID_subject_key_identifier, id, 0,
				   X509V3_ADD_DEFAULT) == 1;
	ASN1_OCTET_STRING_free(id);
	for (int i = 0; ok && i < sk_X509_EXTENSION_num(fixed); i++)
		ok = X509_add_ext(x, sk_X509_EXTENSION_value(fixed, i), -1) == 1;
	pthread_mutex_unlock(&ca->fixed_lock);
	return ok ? 0 : -1;
}

int
ca_issue(struct ca *ca, const struct ca_csr *csr, const struct ca_subject *subj,
	 int64_t not_before, int64_t not_after, enum ca_profile profile,
	 struct ca_issued *out, char **msg)
{
	X509_NAME *n = X509_NAME_new();
	X509 *x = X509_new();
	unsigned char ski[SHA_DIGEST_LENGTH], *der = NULL;
	int rc = -1, dl;
	memset(out, 0, sizeof *out);
	if (!n || !x || name_add(n, "C", "CN") != 0 || name_add(n, "O", subj->o) != 0 ||
	    name_add(n, "OU", subj->ou) != 0 || name_add(n, "CN", subj->cn) != 0 ||
	    name_add(n, "serialNumber", subj->serial_number) != 0) {
		*msg = ca_openssl_error("bad subject");
		goto out;
	}
	X509_set_version(x, 2);
	random_serial(X509_get_serialNumber(x), out->serial);
	if (!ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before) ||
	    !ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after) ||
	    X509_set_subject_name(x, n) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) != 1 ||
	    csr_set_key(csr, x, ski) != 0 || add_exts(ca, x, ski, profile) != 0 ||
	    sign_cert(ca, x, ca->key) != 0 || (dl = i2d_X509(x, &der)) <= 0) {
		*msg = ca_openssl_error("signing failed");
		goto out;
	}
	out->pem = pem_of_cert(x);
	out->der = util_xmalloc((size_t)dl);
	memcpy(out->der, der, (size_t)dl);
	out->der_len = (size_t)dl;
	out->dn = name_oneline(n);
	out->not_before = not_before;
	out->not_after = not_after;
	rc = 0;
out:
	OPENSSL_free(der);
	X509_free(x);
	X509_NAME_free(n);
	return rc;
}
void
ca_issued_free(struct ca_issued *is)
{
	free(is->pem);
	free(is->dn);
	free(is->der);
	is->pem = is->dn = NULL;
	is->der = NULL;
}
static int64_t
asn1_time_to_epoch(const ASN1_TIME *t)
{
	struct tm tm;
	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}
int
ca_cert_info(const struct ca *ca, const char *pem, char serial[41], int64_t *not_before,
	     int64_t *not_after, bool *ours)
{
	X509 *x = pem && strlen(pem) < 16384 ? cert_of_pem(pem) : NULL;
	if (!x)
		return -1;
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	snprintf(serial, 41, "%s", hex ? hex : "");
	OPENSSL_free(hex);
	BN_free(bn);
	if (not_before)
		*not_before = asn1_time_to_epoch(X509_get0_notBefore(x));
	if (not_after)
		*not_after = asn1_time_to_epoch(X509_get0_notAfter(x));
	if (ours) {
		EVP_PKEY *capub = X509_get0_pubkey(ca->cert);
		*ours = X509_verify(x, capub) == 1;
		ERR_clear_error();
	}
	X509_free(x);
	return 0;
}
/* The only common name of a subject (new UTF-8 string); NULL when it has
 * none or more than one. */
static char *
name_cn(const X509_NAME *name)
{
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	const ASN1_STRING *v =
		i >= 0 ? X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)) : NULL;
	unsigned char *utf8 = NULL;
	char *ret = NULL;
	if (v && X509_NAME_get_index_by_NID(name, NID_commonName, i) < 0 &&
	    ASN1_STRING_to_UTF8(&utf8, v) >= 0)
		ret = util_xstrdup((const char *)utf8);
	OPENSSL_free(utf8);
	return ret;
}

char *
ca_cert_cn(const char *pem)
{
	X509 *x = pem ? cert_of_pem(pem) : NULL;
	if (!x)
		return NULL;
	char *ret = name_cn(X509_get_subject_name(x));
	X509_free(x);
	return ret;
}

char *
ca_csr_cn(const struct ca_csr *c)
{
	return name_cn(csr_subject(c));
}
static void
name_field(X509_NAME *n, int nid, char *out, size_t size)
{
	out[0] = '\0';
	int idx = X509_NAME_get_index_by_NID(n, nid, -1);
	if (idx < 0)
		return;
	ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, idx));
	unsigned char *u = NULL;
	int len = ASN1_STRING_to_UTF8(&u, s);
	if (len > 0)
		snprintf(out, size, "%.*s", len, (const char *)u);
	OPENSSL_free(u);
}
int
ca_client_identity(const struct ca *ca, const unsigned char *der, size_t len, int64_t now,
		   char *cn, size_t cn_size, char *ou, size_t ou_size, char serial[41])
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	int rc = -1;
	if (!x)
		goto out;
	if (X509_verify(x, X509_get0_pubkey(ca->cert)) != 1)
		goto out;
	if (asn1_time_to_epoch(X509_get0_notBefore(x)) > now + 300 ||
	    asn1_time_to_epoch(X509_get0_notAfter(x)) < now)
		goto out;
	name_field(X509_get_subject_name(x), NID_commonName, cn, cn_size);
	name_field(X509_get_subject_name(x), NID_organizationalUnitName, ou, ou_size);
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	snprintf(serial, 41, "%s", hex ? hex : "");
	OPENSSL_free(hex);
	BN_free(bn);
	rc = cn[0] ? 0 : -1;
out:
	ERR_clear_error();
	X509_free(x);
	return rc;
}
double
ca_bench_issue(struct ca *ca, int n)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509_REQ *req = X509_REQ_new();
	BIO *b = BIO_new(BIO_s_mem());
	char *pem = NULL, *p;
	double rate = -1;
	struct ca_subject cs = {.cn = "bench", .o = "bench"};
	if (!k || !req || !b || !X509_REQ_set_pubkey(req, k) ||
	    X509_REQ_sign(req, k, EVP_sha256()) <= 0 ||
	    PEM_write_bio_X509_REQ(b, req) != 1)
		goto out;
	long len = BIO_get_mem_data(b, &p);
	pem = util_xmalloc((size_t)len + 1);
	memcpy(pem, p, (size_t)len);
	pem[len] = '\0';
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		struct ca_issued is;
		char *msg = NULL;
		const char *code;
		struct ca_csr *c = ca_csr_parse(pem, &code, &msg);
		if (!c || ca_issue(ca, c, &cs, util_now(), util_now() + 86400,
				   CA_PROFILE_CUSTOMER, &is, &msg) != 0) {
			ca_csr_free(c);
			free(msg);
			goto out;
		}
		ca_csr_free(c);
		ca_issued_free(&is);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rate = n / ((double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
out:
	free(pem);
	BIO_free(b);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
	return rate;
}
