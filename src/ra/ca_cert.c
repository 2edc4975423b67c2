/*
 * ca_cert.c - certificates (see ca.h): checking a customer's request,
 * issuing, reading a certificate's fields, and the terminal's identity from
 * its client certificate.
 */
#include "ra/ca_int.h"

static void
spki_hash(EVP_PKEY *k, char out[65])
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k, &der);
	if (n > 0)
		codec_sha256_hex(der, (size_t)n, out);
	else
		out[0] = '\0';
	OPENSSL_free(der);
}
/* True when the CSR's EC key names its curve by OID.  Explicit parameters
 * would be copied into the certificate as they are, and relying parties
 * that take them at their word can be given a curve of the sender's making. */
static bool
csr_curve_named(X509_REQ *req)
{
	X509_PUBKEY *xpk = X509_REQ_get_X509_PUBKEY(req);
	X509_ALGOR *alg = NULL;
	const void *pval = NULL;
	int ptype = V_ASN1_UNDEF;
	if (!xpk || X509_PUBKEY_get0_param(NULL, NULL, NULL, &alg, xpk) != 1 || !alg)
		return false;
	X509_ALGOR_get0(NULL, &ptype, &pval, alg);
	return ptype == V_ASN1_OBJECT && pval != NULL;
}
int
ca_csr_check(const char *csr_pem, char pubkey_sha256[65], const char **code, char **msg)
{
	X509_REQ *req = NULL;
	int rc = -1;
	if (!csr_pem || strlen(csr_pem) > 16384 || !(req = csr_of_pem(csr_pem))) {
		*code = "csr_invalid";
		*msg = util_xstrdup("the CSR is not a PEM certificate request");
		goto out;
	}
	EVP_PKEY *pk = X509_REQ_get0_pubkey(req);
	if (!pk) {
		*code = "csr_invalid";
		*msg = util_xstrdup("the CSR has no usable public key");
		goto out;
	}
	if (X509_REQ_verify(req, pk) != 1) {
		ERR_clear_error();
		*code = "csr_signature";
		*msg = util_xstrdup(
			"the CSR's signature does not verify with its own key");
		goto out;
	}
	int bits = EVP_PKEY_get_bits(pk);
	if (EVP_PKEY_is_a(pk, "RSA")) {
		if (bits < 2048 || bits > 4096) {
			*code = "csr_key_size";
			*msg = util_xasprintf(
				"RSA keys must have 2048 to 4096 bits, not %d", bits);
			goto out;
		}
	} else if (EVP_PKEY_is_a(pk, "EC")) {
		if (!csr_curve_named(req)) {
			*code = "csr_key_type";
			*msg = util_xstrdup("an EC key must name its curve; explicit "
					    "curve parameters are not accepted");
			goto out;
		}
		char group[64] = "";
		size_t gl = 0;
		EVP_PKEY_get_utf8_string_param(pk, "group", group, sizeof group, &gl);
		if (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0) {
			*code = "csr_key_size";
			*msg = util_xasprintf("EC keys must be on P-256, not %s", group);
			goto out;
		}
	} else {
		*code = "csr_key_type";
		*msg = util_xstrdup("only RSA and EC P-256 keys are accepted");
		goto out;
	}
	if (pubkey_sha256)
		spki_hash(pk, pubkey_sha256);
	rc = 0;
out:
	X509_REQ_free(req);
	return rc;
}
int
ca_csr_hash(const char *csr_pem, char out[65])
{
	X509_REQ *req = csr_of_pem(csr_pem);
	if (!req)
		return -1;
	unsigned char *der = NULL;
	int n = i2d_X509_REQ(req, &der);
	X509_REQ_free(req);
	if (n <= 0)
		return -1;
	codec_sha256_hex(der, (size_t)n, out);
	OPENSSL_free(der);
	return 0;
}
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
int
ca_issue(struct ca *ca, const char *csr_pem, const struct ca_subject *subj,
	 int64_t not_before, int64_t not_after, enum ca_profile profile,
	 struct ca_issued *out, char **msg)
{
	X509_REQ *req = csr_of_pem(csr_pem);
	X509_NAME *n = X509_NAME_new();
	X509 *x = NULL;
	int rc = -1;
	memset(out, 0, sizeof *out);
	if (!req || !n) {
		*msg = util_xstrdup("the CSR does not parse");
		goto out;
	}
	if (name_add(n, "C", "CN") != 0 || name_add(n, "O", subj->o) != 0 ||
	    name_add(n, "OU", subj->ou) != 0 || name_add(n, "CN", subj->cn) != 0 ||
	    name_add(n, "serialNumber", subj->serial_number) != 0) {
		*msg = ca_openssl_error("bad subject");
		goto out;
	}
	x = make_cert(ca, X509_REQ_get0_pubkey(req), n,
		      profile == CA_PROFILE_TERMINAL ? KIND_CLIENT : KIND_CUSTOMER,
		      not_before, not_after, NULL, out->serial);
	if (!x) {
		*msg = ca_openssl_error("signing failed");
		goto out;
	}
	out->pem = pem_of_cert(x);
	out->dn = name_oneline(n);
	out->not_before = not_before;
	out->not_after = not_after;
	rc = 0;
out:
	X509_free(x);
	X509_NAME_free(n);
	X509_REQ_free(req);
	return rc;
}
void
ca_issued_free(struct ca_issued *is)
{
	free(is->pem);
	free(is->dn);
	is->pem = is->dn = NULL;
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
ca_csr_cn(const char *csr_pem)
{
	X509_REQ *req = csr_pem ? csr_of_pem(csr_pem) : NULL;
	if (!req)
		return NULL;
	char *ret = name_cn(X509_REQ_get_subject_name(req));
	X509_REQ_free(req);
	return ret;
}
int
ca_cert_der(const char *pem, unsigned char **der, size_t *len)
{
	X509 *x = cert_of_pem(pem);
	if (!x)
		return -1;
	unsigned char *p = NULL;
	int n = i2d_X509(x, &p);
	X509_free(x);
	if (n <= 0)
		return -1;
	*der = util_xmalloc((size_t)n);
	memcpy(*der, p, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(p);
	return 0;
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
		char *msg = NULL, spki[65];
		const char *code;
		if (ca_csr_check(pem, spki, &code, &msg) != 0 ||
		    ca_issue(ca, pem, &cs, util_now(), util_now() + 86400,
			     CA_PROFILE_CUSTOMER, &is, &msg) != 0) {
			free(msg);
			goto out;
		}
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
