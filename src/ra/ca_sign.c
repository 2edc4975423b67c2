/*
 * ca_sign.c - what the CA's keys do besides certificates (see ca.h):
 * signatures and their check, the revocation list, MACs, and sealing the
 * escrowed SO PINs.
 */
#include "ra/ca_int.h"

void
ca_sign_lock(struct ca *ca)
{
	if (ca->hsm)
		pthread_mutex_lock(&ca->sign_lock);
}

void
ca_sign_unlock(struct ca *ca)
{
	if (ca->hsm)
		pthread_mutex_unlock(&ca->sign_lock);
}

int
sign_cert(struct ca *ca, X509 *x, EVP_PKEY *key)
{
	ca_sign_lock(ca);
	int ok = X509_sign(x, key, EVP_sha256()) > 0;
	ca_sign_unlock(ca);
	return ok ? 0 : -1;
}

int
ca_verify_with_cert(const char *cert_pem, const void *data, size_t len,
		    const unsigned char *sig, size_t siglen)
{
	EVP_PKEY *k = cert_pem ? cert_key_of_pem(cert_pem) : NULL;
	if (!k)
		return -1;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int r = -1;
	if (md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1)
		r = EVP_DigestVerify(md, sig, siglen, data, len) == 1 ? 1 : 0;
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return r;
}
int
ca_sign(struct ca *ca, const void *data, size_t len, unsigned char **sig, size_t *siglen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc = -1;
	size_t n = 0;
	ca_sign_lock(ca);
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
	ca_sign_unlock(ca);
	EVP_MD_CTX_free(md);
	return rc;
}
/*
 * The CRL reason (RFC 5280, 5.3.1) of a revocation as the store words it
 * (order_revoke): a lost UKey still holds its key somewhere, a damaged one
 * does not and is replaced, a change of information replaces the
 * certificate whose subject changed.  -1: no reason code (RFC 5280 asks
 * that "unspecified" be left out rather than stated).
 */
int
crl_reason_code(const char *why)
{
	static const struct {
		const char *prefix;
		int code;
	} reasons[] = {
		{"lost", 1},       /* keyCompromise */
		{"damaged", 4},    /* superseded */
		{"superseded", 4}, /* superseded: a renewal */
		{"change", 3},     /* affiliationChanged */
	};
	for (size_t i = 0; why != NULL && i < sizeof reasons / sizeof reasons[0]; i++)
		if (strncmp(why, reasons[i].prefix, strlen(reasons[i].prefix)) == 0)
			return reasons[i].code;
	return -1;
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
		int code = crl_reason_code(
			json_string_value(json_object_get(r, "revoke_reason")));
		if (code >= 0) {
			ASN1_ENUMERATED *reason = ASN1_ENUMERATED_new();
			ASN1_ENUMERATED_set(reason, code);
			X509_REVOKED_add1_ext_i2d(rv, NID_crl_reason, reason, 0, 0);
			ASN1_ENUMERATED_free(reason);
		}
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
	ca_sign_lock(ca);
	int signed_ok = X509_CRL_sign(crl, ca->key, EVP_sha256()) > 0;
	ca_sign_unlock(ca);
	if (!signed_ok)
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
	    !EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, sizeof key, data, len, md,
		       sizeof md, &mdlen) ||
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

int
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
