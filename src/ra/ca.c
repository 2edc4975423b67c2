/*
 * ca.c - the certificate authority on OpenSSL 3 (see ca.h).
 *
 * Keys are EC P-256 throughout (the CA, the server, the demo clients);
 * customer CSRs may carry RSA 2048..4096 or EC P-256 keys.  Private key
 * files are written with mode 0600 and atomically.
 */
#include "ra/ca.h"

#include <errno.h>
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
};

enum cert_kind { KIND_ROOT, KIND_SERVER, KIND_CLIENT, KIND_CUSTOMER };

static char *
ca_path(const struct ca *ca, const char *name)
{
	return util_xasprintf("%s/%s", ca->dir, name);
}

static char *
ca_openssl_error(const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "";
	if (e)
		ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return util_xasprintf("%s%s%s", what, e ? ": " : "", buf);
}

static char *
pem_of_key(EVP_PKEY *key)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL, *p;
	if (PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL) == 1) {
		long n = BIO_get_mem_data(b, &p);
		out = util_xmalloc((size_t)n + 1);
		memcpy(out, p, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(b);
	return out;
}

static char *
pem_of_cert(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL, *p;
	if (PEM_write_bio_X509(b, x) == 1) {
		long n = BIO_get_mem_data(b, &p);
		out = util_xmalloc((size_t)n + 1);
		memcpy(out, p, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(b);
	return out;
}

static X509 *
cert_of_pem(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	ERR_clear_error();
	return x;
}

static EVP_PKEY *
key_of_pem(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	ERR_clear_error();
	return k;
}

static X509_REQ *
csr_of_pem(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509_REQ *r = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
	BIO_free(b);
	ERR_clear_error();
	return r;
}

static int
add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	if (!ext)
		return -1;
	int ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : -1;
}

static int
name_add(X509_NAME *n, const char *field, const char *value)
{
	if (!value || !*value)
		return 0;
	return X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8,
					  (const unsigned char *)value, -1, -1, 0) == 1
		       ? 0
		       : -1;
}

static void
random_serial(ASN1_INTEGER *ai, char out[41])
{
	unsigned char b[16];
	util_random(b, sizeof b);
	b[0] &= 0x7f; /* positive */
	b[0] |= 0x40; /* and always 16 bytes long */
	BIGNUM *bn = BN_bin2bn(b, sizeof b, NULL);
	BN_to_ASN1_INTEGER(bn, ai);
	char *hex = BN_bn2hex(bn);
	snprintf(out, 41, "%s", hex);
	OPENSSL_free(hex);
	BN_free(bn);
}

/*
 * Builds and signs a certificate for pubkey.  issuer_cert NULL means
 * self-signed (the root).  sans is a subjectAltName value or NULL.
 */
static X509 *
make_cert(struct ca *ca, EVP_PKEY *pubkey, X509_NAME *subject, enum cert_kind kind,
	  int64_t not_before, int64_t not_after, const char *sans, char serial[41])
{
	X509 *x = X509_new();
	X509 *issuer = kind == KIND_ROOT ? x : ca->cert;
	EVP_PKEY *signer = kind == KIND_ROOT ? pubkey : ca->key;
	X509V3_CTX ctx;
	char dummy[41];
	if (!x)
		return NULL;
	X509_set_version(x, 2);
	random_serial(X509_get_serialNumber(x), serial ? serial : dummy);
	if (!ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before) ||
	    !ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after))
		goto fail;
	X509_set_subject_name(x, subject);
	X509_set_issuer_name(x, X509_get_subject_name(issuer));
	X509_set_pubkey(x, pubkey);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_subject_key_identifier, "hash") != 0)
		goto fail;
	if (kind != KIND_ROOT &&
	    add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always") != 0)
		goto fail;
	switch (kind) {
	case KIND_ROOT:
		if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE") != 0 ||
		    add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") != 0)
			goto fail;
		break;
	case KIND_SERVER:
		if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
		    add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature") != 0 ||
		    add_ext(x, &ctx, NID_ext_key_usage, "serverAuth") != 0 ||
		    add_ext(x, &ctx, NID_subject_alt_name, sans) != 0)
			goto fail;
		break;
	case KIND_CLIENT:
		if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
		    add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature") != 0 ||
		    add_ext(x, &ctx, NID_ext_key_usage, "clientAuth") != 0)
			goto fail;
		break;
	case KIND_CUSTOMER: {
		char *dp = util_xasprintf("URI:%s", ca->crl_url);
		int bad = add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") !=
				  0 ||
			  add_ext(x, &ctx, NID_key_usage,
				  "critical,digitalSignature,nonRepudiation") != 0 ||
			  add_ext(x, &ctx, NID_ext_key_usage,
				  "clientAuth,emailProtection") != 0 ||
			  add_ext(x, &ctx, NID_crl_distribution_points, dp) != 0;
		free(dp);
		if (bad)
			goto fail;
		break;
	}
	}
	if (X509_sign(x, signer, EVP_sha256()) <= 0)
		goto fail;
	return x;
fail:
	X509_free(x);
	return NULL;
}

static int
write_pair(struct ca *ca, const char *base, EVP_PKEY *key, X509 *x)
{
	char *kname = util_xasprintf("%s.key", base),
	     *cname = util_xasprintf("%s.crt", base);
	char *kpath = ca_path(ca, kname), *cpath = ca_path(ca, cname);
	char *kpem = pem_of_key(key), *cpem = pem_of_cert(x);
	int rc = -1;
	if (kpem && cpem && util_write_file(kpath, kpem, strlen(kpem), 0600) == 0 &&
	    util_write_file(cpath, cpem, strlen(cpem), 0600) == 0)
		rc = 0;
	if (kpem)
		util_wipe_str(kpem);
	free(kpem);
	free(cpem);
	free(kpath);
	free(cpath);
	free(kname);
	free(cname);
	return rc;
}

static int
file_exists(const struct ca *ca, const char *name)
{
	char *p = ca_path(ca, name);
	struct stat sb;
	int r = stat(p, &sb) == 0;
	free(p);
	return r;
}

/* Creates base.key/base.crt signed by the CA unless they exist. */
static int
ensure_leaf(struct ca *ca, const char *base, enum cert_kind kind, const char *cn,
	    const char *ou, const char *sans, char **err)
{
	char *crt = util_xasprintf("%s.crt", base);
	int have = file_exists(ca, crt);
	free(crt);
	if (have)
		return 0;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509_NAME *n = X509_NAME_new();
	X509 *x = NULL;
	int rc = -1;
	int64_t now = util_now();
	if (!key || !n)
		goto out;
	name_add(n, "C", "CN");
	name_add(n, "O", "cakiosk reference RA");
	name_add(n, "OU", ou);
	name_add(n, "CN", cn);
	x = make_cert(ca, key, n, kind, now - 3600, now + 5 * 365 * 86400LL, sans, NULL);
	if (!x || write_pair(ca, base, key, x) != 0)
		goto out;
	log_info("ca: created %s (%s)", base, cn);
	rc = 0;
out:
	if (rc != 0)
		*err = ca_openssl_error("cannot create certificate");
	X509_free(x);
	X509_NAME_free(n);
	EVP_PKEY_free(key);
	return rc;
}

static int
ensure_root(struct ca *ca, bool demo, char **err)
{
	if (file_exists(ca, "ca.crt"))
		return 0;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509_NAME *n = X509_NAME_new();
	X509 *x = NULL;
	int rc = -1;
	int64_t now = util_now();
	if (!key || !n)
		goto out;
	name_add(n, "C", "CN");
	name_add(n, "O", "cakiosk reference RA");
	name_add(n, "CN", demo ? CA_DEMO_ROOT_CN : "cakiosk-ra Root CA");
	x = make_cert(ca, key, n, KIND_ROOT, now - 3600, now + 20 * 365 * 86400LL, NULL,
		      NULL);
	if (!x || write_pair(ca, "ca", key, x) != 0)
		goto out;
	log_info("ca: created a new root CA in %s", ca->dir);
	rc = 0;
out:
	if (rc != 0)
		*err = ca_openssl_error("cannot create the CA");
	X509_free(x);
	X509_NAME_free(n);
	EVP_PKEY_free(key);
	return rc;
}

static int
ensure_escrow_key(struct ca *ca, char **err)
{
	char *p = ca_path(ca, "escrow.key");
	size_t len = 0;
	char *hex = util_read_file(p, &len);
	int rc = -1;
	if (!hex) {
		char fresh[65];
		util_random_hex(fresh, 32);
		if (util_write_file(p, fresh, 64, 0600) != 0) {
			*err = util_xasprintf("cannot write %s", p);
			goto out;
		}
		hex = util_xstrdup(fresh);
		len = 64;
		util_wipe(fresh, sizeof fresh);
	}
	if (len < 64) {
		*err = util_xasprintf("%s is damaged", p);
		goto out;
	}
	hex[64] = '\0'; /* a newline after the 64 digits is fine */
	if (codec_unhex(hex, ca->escrow_key, 32) != 32) {
		*err = util_xasprintf("%s is damaged", p);
		goto out;
	}
	rc = 0;
out:
	if (hex)
		util_wipe(hex, len);
	free(hex);
	free(p);
	return rc;
}

static int
is_ip(const char *h)
{
	return strspn(h, "0123456789.") == strlen(h) || strchr(h, ':') != NULL;
}

/* Is the root the demo's?  Then its client certificates' keys are public. */
static bool
is_demo_root(X509 *x)
{
	char cn[128] = "";
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
				  sizeof cn);
	return strcmp(cn, CA_DEMO_ROOT_CN) == 0;
}

static int
check_whose(struct ca *ca, enum ca_open_mode mode, char **err)
{
	bool demo = is_demo_root(ca->cert);
	if (mode == CA_OPEN_OWN && demo) {
		*err = util_xasprintf(
			"the CA in %s is the demo's (\"%s\"), whose terminal and staff "
			"keys anyone with the demo may have: outside the demo give the "
			"server a CA directory of its own",
			ca->dir, CA_DEMO_ROOT_CN);
		return -1;
	}
	if (mode == CA_OPEN_DEMO && !demo) {
		*err = util_xasprintf("the CA in %s is not the demo's: the demo makes its "
				      "own CA in a directory of its own",
				      ca->dir);
		return -1;
	}
	return 0;
}

struct ca *
ca_open(const char *dir, const char *extra_host, const char *crl_url,
	enum ca_open_mode mode, char **err)
{
	struct ca *ca = util_xcalloc(1, sizeof *ca);
	char *p = NULL, *sans = NULL;
	ca->dir = util_xstrdup(dir);
	ca->crl_url = util_xstrdup(crl_url);
	/* It holds the CA's keys: the server's alone, also when it existed. */
	if ((mkdir(dir, 0700) != 0 && errno != EEXIST) || chmod(dir, 0700) != 0) {
		*err = util_xasprintf("cannot create %s as a private directory: %s", dir,
				      strerror(errno));
		goto fail;
	}
	if (ensure_root(ca, mode == CA_OPEN_DEMO, err) != 0 ||
	    ensure_escrow_key(ca, err) != 0)
		goto fail;
	p = ca_path(ca, "ca.key");
	char *kpem = util_read_file(p, NULL);
	free(p);
	p = ca_path(ca, "ca.crt");
	ca->cert_pem = util_read_file(p, NULL);
	free(p);
	p = NULL;
	if (kpem) {
		ca->key = key_of_pem(kpem);
		util_wipe_str(kpem);
		free(kpem);
	}
	ca->cert = ca->cert_pem ? cert_of_pem(ca->cert_pem) : NULL;
	if (!ca->key || !ca->cert || X509_check_private_key(ca->cert, ca->key) != 1) {
		*err = util_xasprintf(
			"the CA in %s is unreadable or its key does not match", dir);
		goto fail;
	}
	if (check_whose(ca, mode, err) != 0)
		goto fail;
	if (extra_host && *extra_host && strcmp(extra_host, "localhost") != 0 &&
	    strcmp(extra_host, "127.0.0.1") != 0)
		sans = util_xasprintf("DNS:localhost,IP:127.0.0.1,%s:%s",
				      is_ip(extra_host) ? "IP" : "DNS", extra_host);
	else
		sans = util_xstrdup("DNS:localhost,IP:127.0.0.1");
	if (ensure_leaf(ca, "server", KIND_SERVER, "localhost", "server", sans, err) !=
		    0 ||
	    (mode == CA_OPEN_DEMO &&
	     (ensure_leaf(ca, "terminal-demo", KIND_CLIENT, "DEMO-T01", "terminal",
			  NULL, err) != 0 ||
	      ensure_leaf(ca, "staff-demo", KIND_CLIENT, "staff-demo", "staff", NULL,
			  err) != 0)))
		goto fail;
	p = ca_path(ca, "server.crt");
	ca->server_cert_pem = util_read_file(p, NULL);
	free(p);
	p = ca_path(ca, "server.key");
	ca->server_key_pem = util_read_file(p, NULL);
	free(p);
	if (!ca->server_cert_pem || !ca->server_key_pem) {
		*err = util_xasprintf("cannot read the server certificate in %s", dir);
		goto fail;
	}
	free(sans);
	return ca;
fail:
	free(sans);
	ca_close(ca);
	return NULL;
}

void
ca_close(struct ca *ca)
{
	if (!ca)
		return;
	EVP_PKEY_free(ca->key);
	X509_free(ca->cert);
	free(ca->cert_pem);
	free(ca->server_cert_pem);
	if (ca->server_key_pem)
		util_wipe_str(ca->server_key_pem);
	free(ca->server_key_pem);
	util_wipe(ca->escrow_key, sizeof ca->escrow_key);
	free(ca->dir);
	free(ca->crl_url);
	free(ca);
}

void
ca_set_crl_url(struct ca *ca, const char *crl_url)
{
	free(ca->crl_url);
	ca->crl_url = util_xstrdup(crl_url);
}

const char *
ca_cert_pem(const struct ca *ca)
{
	return ca->cert_pem;
}

const char *
ca_server_cert_pem(const struct ca *ca)
{
	return ca->server_cert_pem;
}

const char *
ca_server_key_pem(const struct ca *ca)
{
	return ca->server_key_pem;
}

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

char *
ca_cert_cn(const char *pem)
{
	X509 *x = pem ? cert_of_pem(pem) : NULL;
	if (!x)
		return NULL;
	const X509_NAME *name = X509_get_subject_name(x);
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	const ASN1_STRING *v =
		i >= 0 ? X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)) : NULL;
	unsigned char *utf8 = NULL;
	char *ret = NULL;
	if (v && ASN1_STRING_to_UTF8(&utf8, v) >= 0)
		ret = util_xstrdup((const char *)utf8);
	OPENSSL_free(utf8);
	X509_free(x);
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

int
ca_verify_with_cert(const char *cert_pem, const void *data, size_t len,
		    const unsigned char *sig, size_t siglen)
{
	X509 *x = cert_of_pem(cert_pem);
	if (!x)
		return -1;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int r = -1;
	if (md &&
	    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, X509_get0_pubkey(x)) == 1)
		r = EVP_DigestVerify(md, sig, siglen, data, len) == 1 ? 1 : 0;
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	X509_free(x);
	return r;
}

int
ca_sign(struct ca *ca, const void *data, size_t len, unsigned char **sig, size_t *siglen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc = -1;
	size_t n = 0;
	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, ca->key) != 1 ||
	    EVP_DigestSign(md, NULL, &n, data, len) != 1)
		goto out;
	*sig = util_xmalloc(n);
	if (EVP_DigestSign(md, *sig, &n, data, len) != 1) {
		free(*sig);
		*sig = NULL;
		goto out;
	}
	*siglen = n;
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	return rc;
}

unsigned char *
ca_crl(struct ca *ca, json_t *revoked, int64_t now, int64_t number, bool der, size_t *len)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	unsigned char *out = NULL;
	X509V3_CTX ctx;
	if (!crl || !t)
		goto out;
	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert));
	ASN1_TIME_set(t, (time_t)now);
	X509_CRL_set1_lastUpdate(crl, t);
	ASN1_TIME_set(t, (time_t)(now + 7 * 86400));
	X509_CRL_set1_nextUpdate(crl, t);
	for (size_t i = 0; i < json_array_size(revoked); i++) {
		json_t *r = json_array_get(revoked, i);
		X509_REVOKED *rv = X509_REVOKED_new();
		BIGNUM *bn = NULL;
		ASN1_INTEGER *ai = NULL;
		ASN1_TIME *rt = ASN1_TIME_new();
		if (!rv || !rt ||
		    !BN_hex2bn(&bn, json_string_value(json_object_get(r, "serial"))) ||
		    !(ai = BN_to_ASN1_INTEGER(bn, NULL))) {
			X509_REVOKED_free(rv);
			ASN1_TIME_free(rt);
			BN_free(bn);
			continue;
		}
		ASN1_TIME_set(
			rt, (time_t)json_integer_value(json_object_get(r, "revoked_at")));
		X509_REVOKED_set_serialNumber(rv, ai);
		X509_REVOKED_set_revocationDate(rv, rt);
		ASN1_ENUMERATED *reason = ASN1_ENUMERATED_new();
		ASN1_ENUMERATED_set(reason, 1 /* keyCompromise: the token was lost */);
		X509_REVOKED_add1_ext_i2d(rv, NID_crl_reason, reason, 0, 0);
		ASN1_ENUMERATED_free(reason);
		X509_CRL_add0_revoked(crl, rv);
		ASN1_INTEGER_free(ai);
		ASN1_TIME_free(rt);
		BN_free(bn);
	}
	X509V3_set_ctx(&ctx, ca->cert, NULL, NULL, crl, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(
		NULL, &ctx, NID_authority_key_identifier, "keyid:always");
	if (ext) {
		X509_CRL_add_ext(crl, ext, -1);
		X509_EXTENSION_free(ext);
	}
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	ASN1_INTEGER_set_int64(num, number);
	X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0);
	ASN1_INTEGER_free(num);
	X509_CRL_sort(crl);
	if (X509_CRL_sign(crl, ca->key, EVP_sha256()) <= 0)
		goto out;
	if (der) {
		unsigned char *p = NULL;
		int n = i2d_X509_CRL(crl, &p);
		if (n > 0) {
			out = util_xmalloc((size_t)n);
			memcpy(out, p, (size_t)n);
			*len = (size_t)n;
		}
		OPENSSL_free(p);
	} else {
		BIO *b = BIO_new(BIO_s_mem());
		char *p;
		if (PEM_write_bio_X509_CRL(b, crl) == 1) {
			long n = BIO_get_mem_data(b, &p);
			out = util_xmalloc((size_t)n + 1);
			memcpy(out, p, (size_t)n);
			out[n] = '\0';
			*len = (size_t)n;
		}
		BIO_free(b);
	}
out:
	ERR_clear_error();
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
	return out;
}

void
ca_mac_hex(const struct ca *ca, const void *data, size_t len, char out[65])
{
	/* A key of its own, derived from the escrow key. */
	static const char label[] = "cakiosk-ra request digest";
	unsigned char key[32], md[32];
	unsigned char in[sizeof label + 32];
	size_t mdlen = 0;
	memcpy(in, label, sizeof label);
	memcpy(in + sizeof label, ca->escrow_key, 32);
	if (EVP_Digest(in, sizeof in, key, NULL, EVP_sha256(), NULL) != 1 ||
	    !EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, sizeof key, data, len,
		       md, sizeof md, &mdlen) ||
	    mdlen != sizeof md)
		util_random(md, sizeof md); /* matches nothing: no replay */
	codec_hex(md, sizeof md, out);
	util_wipe(key, sizeof key);
	util_wipe(in, sizeof in);
}

char *
ca_escrow_seal(struct ca *ca, const char *secret)
{
	size_t n = strlen(secret);
	unsigned char *buf = util_xmalloc(12 + 16 + n);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	char *out = NULL;
	int l = 0;
	util_random(buf, 12);
	if (!c ||
	    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, ca->escrow_key, buf) != 1 ||
	    EVP_EncryptUpdate(c, buf + 28, &l, (const unsigned char *)secret, (int)n) !=
		    1 ||
	    EVP_EncryptFinal_ex(c, buf + 28 + l, &l) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, buf + 12) != 1)
		goto out;
	out = codec_base64_encode(buf, 28 + n);
out:
	EVP_CIPHER_CTX_free(c);
	util_wipe(buf, 28 + n);
	free(buf);
	return out;
}

char *
ca_escrow_open(struct ca *ca, const char *sealed)
{
	unsigned char *buf = NULL;
	size_t n = 0;
	char *out = NULL;
	EVP_CIPHER_CTX *c = NULL;
	int l = 0, l2 = 0;
	if (codec_base64_decode(sealed, &buf, &n) != 0 || n < 28)
		goto out;
	out = util_xcalloc(1, n - 28 + 1);
	c = EVP_CIPHER_CTX_new();
	if (!c ||
	    EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, ca->escrow_key, buf) != 1 ||
	    EVP_DecryptUpdate(c, (unsigned char *)out, &l, buf + 28, (int)(n - 28)) !=
		    1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, buf + 12) != 1 ||
	    EVP_DecryptFinal_ex(c, (unsigned char *)out + l, &l2) != 1) {
		util_wipe(out, n - 28);
		free(out);
		out = NULL;
	}
out:
	EVP_CIPHER_CTX_free(c);
	if (buf)
		util_wipe(buf, n);
	free(buf);
	return out;
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
