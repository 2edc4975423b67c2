/*
 * token_key.c - keys on a token (see token.h): generating a key pair,
 * signing with it (C_Sign) and making a certificate request around it.
 *
 * OpenSSL builds around the token's signature: public keys come from the
 * token's attributes, the request is assembled and checked with OpenSSL.
 * libp11's own key path is not used: in 0.4.12 it crashes when the token
 * goes away while it builds a key (see sign_data).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "token_int.h"
#include "xmem.h"

/* ---- keys -------------------------------------------------------------- */

enum token_err
token_gen_key(const struct token_ref *ref, enum token_key_type type, const char *label,
	      unsigned char *id, size_t *id_len, const struct token_ctl *ctl)
{
	static const unsigned char p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
					     0xce, 0x3d, 0x03, 0x01, 0x07};
	static const unsigned char e65537[] = {0x01, 0x00, 0x01};
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG bits = 2048;
	unsigned char newid[20];
	CK_MECHANISM mech = {0, NULL, 0};
	CK_ATTRIBUTE pub[8], priv[10];
	CK_ULONG npub = 0, npriv = 0;
	CK_OBJECT_HANDLE hpub = CK_INVALID_HANDLE, hpriv = CK_INVALID_HANDLE;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	struct tok t;
	enum token_err err;
	CK_RV rv;
	size_t lablen = label != NULL ? strlen(label) : 0;

	*id_len = 0;
	if (type != TOKEN_KEY_RSA && type != TOKEN_KEY_EC)
		return TOKEN_ERR_NOT_SUPPORTED;
	if (RAND_bytes(newid, sizeof newid) != 1)
		return TOKEN_ERR_DEVICE;
	err = tok_begin_rw(ref, &t, "generate key", ctl, true, &s);
	if (err != TOKEN_OK)
		goto out;
#define ATTR(arr, n, ty, p, l) (arr[n++] = (CK_ATTRIBUTE){(ty), (void *)(p), (l)})
	ATTR(pub, npub, CKA_TOKEN, &yes, sizeof yes);
	ATTR(pub, npub, CKA_VERIFY, &yes, sizeof yes);
	ATTR(pub, npub, CKA_ID, newid, sizeof newid);
	ATTR(priv, npriv, CKA_TOKEN, &yes, sizeof yes);
	ATTR(priv, npriv, CKA_PRIVATE, &yes, sizeof yes);
	ATTR(priv, npriv, CKA_SENSITIVE, &yes, sizeof yes);
	ATTR(priv, npriv, CKA_EXTRACTABLE, &no, sizeof no);
	ATTR(priv, npriv, CKA_SIGN, &yes, sizeof yes);
	ATTR(priv, npriv, CKA_ID, newid, sizeof newid);
	if (lablen > 0) {
		ATTR(pub, npub, CKA_LABEL, label, lablen);
		ATTR(priv, npriv, CKA_LABEL, label, lablen);
	}
	if (type == TOKEN_KEY_RSA) {
		mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		ATTR(pub, npub, CKA_MODULUS_BITS, &bits, sizeof bits);
		ATTR(pub, npub, CKA_PUBLIC_EXPONENT, e65537, sizeof e65537);
		ATTR(pub, npub, CKA_ENCRYPT, &yes, sizeof yes);
		ATTR(priv, npriv, CKA_DECRYPT, &yes, sizeof yes);
	} else {
		mech.mechanism = CKM_EC_KEY_PAIR_GEN;
		ATTR(pub, npub, CKA_EC_PARAMS, p256, sizeof p256);
		ATTR(priv, npriv, CKA_DERIVE, &yes, sizeof yes);
	}
#undef ATTR
	if (tok_cancelled(ctl)) {
		err = TOKEN_ERR_CANCELLED;
		goto out;
	}
	tok_stage(ctl, TOKEN_STAGE_GENERATING);
	rv = t.m->f->C_GenerateKeyPair(s, &mech, pub, npub, priv, npriv, &hpub, &hpriv);
	if (rv != CKR_OK) {
		err = tok_fail(&t, "C_GenerateKeyPair", rv);
		goto out;
	}
	if (tok_cancelled(ctl)) {
		/* Too late to stop the card; do not leave the key behind. */
		t.m->f->C_DestroyObject(s, hpriv);
		t.m->f->C_DestroyObject(s, hpub);
		err = TOKEN_ERR_CANCELLED;
		goto out;
	}
	memcpy(id, newid, sizeof newid);
	*id_len = sizeof newid;
	log_info("token: %s key generated",
		 type == TOKEN_KEY_RSA ? "RSA-2048" : "EC P-256");
out:
	tok_end(&t, s);
	return err;
}

/* A software EVP_PKEY from an RSA modulus and exponent. */
static EVP_PKEY *
rsa_from(const unsigned char *n, size_t nlen, const unsigned char *e, size_t elen)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL), *be = BN_bin2bn(e, (int)elen, NULL);
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pk = NULL;

	if (b != NULL && bn != NULL && be != NULL && ctx != NULL &&
	    OSSL_PARAM_BLD_push_BN(b, "n", bn) && OSSL_PARAM_BLD_push_BN(b, "e", be) &&
	    (params = OSSL_PARAM_BLD_to_param(b)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) == 1)
		EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	BN_free(bn);
	BN_free(be);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

/* A software EVP_PKEY from DER EC parameters and CKA_EC_POINT. */
static EVP_PKEY *
ec_from(const unsigned char *params, size_t plen, const unsigned char *point, size_t len)
{
	const unsigned char *p = params;
	ASN1_OBJECT *oid = d2i_ASN1_OBJECT(NULL, &p, (long)plen);
	const char *curve = oid != NULL ? OBJ_nid2sn(OBJ_obj2nid(oid)) : NULL;
	OSSL_PARAM ps[3];
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pk = NULL;

	/* CKA_EC_POINT is a DER OCTET STRING around the point (most modules). */
	if (len > 2 && point[0] == 0x04 && (size_t)point[1] == len - 2) {
		point += 2;
		len -= 2;
	} else if (len > 3 && point[0] == 0x04 && point[1] == 0x81 &&
		   (size_t)point[2] == len - 3) {
		point += 3;
		len -= 3;
	}
	if (curve != NULL && ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1) {
		ps[0] = OSSL_PARAM_construct_utf8_string("group", (char *)curve, 0);
		ps[1] = OSSL_PARAM_construct_octet_string("pub", (void *)point, len);
		ps[2] = OSSL_PARAM_construct_end();
		EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, ps);
	}
	ASN1_OBJECT_free(oid);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

/*
 * The public key of the pair with this id, as a software key: from the
 * public key object, else (RSA) the private key's modulus, else the
 * certificate.
 */
static enum token_err
raw_pubkey(struct tok *t, CK_SESSION_HANDLE s, const unsigned char *id, size_t id_len,
	   EVP_PKEY **pub)
{
	const CK_OBJECT_CLASS classes[3] = {CKO_PUBLIC_KEY, CKO_PRIVATE_KEY,
					    CKO_CERTIFICATE};

	*pub = NULL;
	for (int c = 0; c < 3 && *pub == NULL; c++) {
		CK_OBJECT_CLASS cls = classes[c];
		CK_ATTRIBUTE tmpl[2] = {{CKA_CLASS, &cls, sizeof cls},
					{CKA_ID, (void *)id, id_len}};
		CK_OBJECT_HANDLE h;
		CK_ULONG n = 0;
		enum token_err err = tok_find(t, s, tmpl, 2, &h, 1, &n);
		unsigned char *a = NULL, *b = NULL;
		size_t alen, blen;
		CK_RV rv = CKR_OK;

		if (err != TOKEN_OK)
			return err;
		if (n == 0)
			continue;
		if (cls == CKO_CERTIFICATE) {
			a = tok_attr(t, s, h, CKA_VALUE, &alen, &rv);
			if (a != NULL) {
				const unsigned char *p = a;
				X509 *x = d2i_X509(NULL, &p, (long)alen);

				if (x != NULL) {
					*pub = X509_get_pubkey(x);
					X509_free(x);
				}
			}
		} else if (tok_ulong(t, s, h, CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION) ==
			   CKK_RSA) {
			a = tok_attr(t, s, h, CKA_MODULUS, &alen, &rv);
			b = tok_attr(t, s, h, CKA_PUBLIC_EXPONENT, &blen, &rv);
			if (a != NULL && b != NULL)
				*pub = rsa_from(a, alen, b, blen);
		} else if (cls == CKO_PUBLIC_KEY) {
			a = tok_attr(t, s, h, CKA_EC_PARAMS, &alen, &rv);
			b = tok_attr(t, s, h, CKA_EC_POINT, &blen, &rv);
			if (a != NULL && b != NULL)
				*pub = ec_from(a, alen, b, blen);
		}
		free(a);
		free(b);
		if (rv != CKR_OK && tok_rv_removed(rv))
			return tok_fail(t, "C_GetAttributeValue", rv);
	}
	return *pub != NULL ? TOKEN_OK : TOKEN_ERR_NOT_FOUND;
}

/*
 * Signing is done here with C_Sign, not through libp11's EVP_PKEY: libp11
 * 0.4.12 frees a NULL object and crashes when the token goes away while it
 * builds the key (pkcs11_get_rsa, pkcs11_get_key), and its key cache keeps
 * objects deleted behind its back.
 */

/* The private key with this id and its key type, in session s. */
static enum token_err
private_key(struct tok *t, CK_SESSION_HANDLE s, const unsigned char *id, size_t id_len,
	    CK_OBJECT_HANDLE *h, CK_KEY_TYPE *kt)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[2] = {{CKA_CLASS, &cls, sizeof cls},
				{CKA_ID, (void *)id, id_len}};
	CK_ULONG n = 0;
	enum token_err err = tok_logged_in(t, s);

	if (err == TOKEN_OK)
		err = tok_find(t, s, tmpl, 2, h, 1, &n);
	if (err == TOKEN_OK && n == 0)
		err = TOKEN_ERR_NOT_FOUND;
	if (err == TOKEN_OK) {
		CK_ATTRIBUTE a = {CKA_KEY_TYPE, kt, sizeof *kt};
		CK_RV rv = t->m->f->C_GetAttributeValue(s, *h, &a, 1);

		if (rv != CKR_OK)
			err = tok_fail(t, "C_GetAttributeValue", rv);
		else if (*kt != CKK_RSA && *kt != CKK_EC)
			err = TOKEN_ERR_NOT_SUPPORTED;
	}
	return err;
}

/* One C_SignInit + C_Sign; *out malloc'd. */
static enum token_err
sign_once(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE mt,
	  const unsigned char *in, size_t len, unsigned char **out, size_t *outlen,
	  CK_RV *rvp)
{
	CK_MECHANISM mech = {mt, NULL, 0};
	CK_ULONG n = 0;
	CK_RV rv = t->m->f->C_SignInit(s, &mech, key);

	*out = NULL;
	if (rv == CKR_OK)
		rv = t->m->f->C_Sign(s, (CK_BYTE_PTR)in, len, NULL, &n);
	if (rv == CKR_OK) {
		*out = xmalloc(n > 0 ? n : 1);
		rv = t->m->f->C_Sign(s, (CK_BYTE_PTR)in, len, *out, &n);
	}
	*rvp = rv;
	if (rv != CKR_OK) {
		free(*out);
		*out = NULL;
		return tok_fail(t, "C_Sign", rv);
	}
	*outlen = n;
	return TOKEN_OK;
}

/*
 * data signed with the key, over SHA-256: RSA PKCS#1 v1.5 (CKM_SHA256_RSA_PKCS,
 * or CKM_RSA_PKCS over the DigestInfo where the card hashes nothing), ECDSA
 * (CKM_ECDSA over the digest; the card's r|s made DER).  *sig malloc'd.
 */
static enum token_err
sign_data(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_KEY_TYPE kt,
	  const unsigned char *data, size_t len, unsigned char **sig, size_t *siglen)
{
	/* DER DigestInfo prefix for SHA-256 (RFC 8017, 9.2). */
	static const unsigned char prefix[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
					       0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
					       0x01, 0x05, 0x00, 0x04, 0x20};
	unsigned char di[sizeof prefix + SHA256_DIGEST_LENGTH], *raw = NULL;
	size_t rawlen = 0;
	enum token_err err;
	CK_RV rv;

	SHA256(data, len, di + sizeof prefix);
	if (kt == CKK_RSA) {
		err = sign_once(t, s, key, CKM_SHA256_RSA_PKCS, data, len, sig, siglen,
				&rv);
		if (err != TOKEN_OK &&
		    (rv == CKR_MECHANISM_INVALID || rv == CKR_FUNCTION_NOT_SUPPORTED)) {
			memcpy(di, prefix, sizeof prefix);
			err = sign_once(t, s, key, CKM_RSA_PKCS, di, sizeof di, sig,
					siglen, &rv);
		}
		return err;
	}
	err = sign_once(t, s, key, CKM_ECDSA, di + sizeof prefix, SHA256_DIGEST_LENGTH,
			&raw, &rawlen, &rv);
	if (err == TOKEN_OK) {
		ECDSA_SIG *es = ECDSA_SIG_new();
		BIGNUM *r = BN_bin2bn(raw, (int)(rawlen / 2), NULL);
		BIGNUM *sv = BN_bin2bn(raw + rawlen / 2, (int)(rawlen / 2), NULL);
		unsigned char *der = NULL;
		int n = -1;

		if (es != NULL && r != NULL && sv != NULL && rawlen % 2 == 0 &&
		    ECDSA_SIG_set0(es, r, sv) == 1) {
			r = sv = NULL; /* es owns them */
			n = i2d_ECDSA_SIG(es, &der);
		}
		BN_free(r);
		BN_free(sv);
		ECDSA_SIG_free(es);
		if (n > 0) {
			*sig = xmalloc((size_t)n);
			memcpy(*sig, der, (size_t)n);
			*siglen = (size_t)n;
		} else {
			err = TOKEN_ERR_DEVICE;
		}
		OPENSSL_free(der);
	}
	free(raw);
	return err;
}

static void
add_entry(X509_NAME *name, int nid, const char *value)
{
	if (value != NULL && value[0] != '\0')
		X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
					   (const unsigned char *)value, -1, -1, 0);
}

/* Does der (a request) verify with its own public key, outside the token? */
static bool
csr_verifies(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509_REQ *r = d2i_X509_REQ(NULL, &p, (long)len);
	bool ok = r != NULL && X509_REQ_verify(r, X509_REQ_get0_pubkey(r)) == 1;

	X509_REQ_free(r);
	return ok;
}

enum token_err
token_make_csr(const struct token_ref *ref, const unsigned char *id, size_t id_len,
	       const struct token_dn *dn, unsigned char **der, size_t *der_len,
	       const struct token_ctl *ctl)
{
	struct tok t;
	enum token_err err;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE key;
	CK_KEY_TYPE kt;
	EVP_PKEY *pub = NULL;
	X509_REQ *req = NULL;
	X509_NAME *name = NULL;
	X509_ALGOR *alg = NULL;
	ASN1_BIT_STRING *bits = NULL;
	unsigned char *tbs = NULL, *sig = NULL, *out = NULL;
	size_t siglen = 0;
	int len;

	*der = NULL;
	*der_len = 0;
	if (id == NULL || id_len == 0 || id_len > TOKEN_ID_MAX || dn == NULL)
		return TOKEN_ERR_BAD_INPUT;
	tok_lock();
	err = tok_open(ref, &t, "make CSR", ctl);
	if (err == TOKEN_OK)
		err = tok_session(&t, false, &s);
	if (err == TOKEN_OK)
		err = private_key(&t, s, id, id_len, &key, &kt);
	if (err == TOKEN_OK)
		err = raw_pubkey(&t, s, id, id_len, &pub);
	if (err != TOKEN_OK)
		goto out;
	req = X509_REQ_new();
	name = X509_NAME_new();
	alg = X509_ALGOR_new();
	add_entry(name, NID_countryName, dn->country);
	add_entry(name, NID_stateOrProvinceName, dn->province);
	add_entry(name, NID_localityName, dn->locality);
	add_entry(name, NID_organizationName, dn->org);
	add_entry(name, NID_organizationalUnitName, dn->org_unit);
	add_entry(name, NID_commonName, dn->common_name);
	add_entry(name, NID_serialNumber, dn->serial);
	add_entry(name, NID_pkcs9_emailAddress, dn->email);
	if (req == NULL || name == NULL || alg == NULL || !X509_REQ_set_version(req, 0) ||
	    !X509_REQ_set_subject_name(req, name) || !X509_REQ_set_pubkey(req, pub) ||
	    !X509_ALGOR_set0(alg,
			     OBJ_nid2obj(kt == CKK_RSA ? NID_sha256WithRSAEncryption
						       : NID_ecdsa_with_SHA256),
			     kt == CKK_RSA ? V_ASN1_NULL : V_ASN1_UNDEF, NULL) ||
	    !X509_REQ_set1_signature_algo(req, alg) ||
	    (len = i2d_re_X509_REQ_tbs(req, &tbs)) <= 0) {
		err = TOKEN_ERR_BAD_INPUT;
		goto out;
	}
	if (tok_cancelled(ctl)) {
		err = TOKEN_ERR_CANCELLED;
		goto out;
	}
	tok_stage(ctl, TOKEN_STAGE_SIGNING);
	if ((err = sign_data(&t, s, key, kt, tbs, (size_t)len, &sig, &siglen)) !=
	    TOKEN_OK)
		goto out;
	bits = ASN1_BIT_STRING_new();
	if (bits == NULL || !ASN1_BIT_STRING_set(bits, sig, (int)siglen)) {
		err = TOKEN_ERR_DEVICE;
		goto out;
	}
	/* A signature uses every bit of its last byte. */
	bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	X509_REQ_set0_signature(req, bits);
	bits = NULL;
	len = i2d_X509_REQ(req, &out);
	if (len <= 0 || !csr_verifies(out, (size_t)len)) {
		log_error("token: the CSR the token signed does not verify");
		err = TOKEN_ERR_DEVICE;
		goto out;
	}
	*der = xmalloc((size_t)len);
	memcpy(*der, out, (size_t)len);
	*der_len = (size_t)len;
	log_info("token: CSR signed by the token");
out:
	if (s != CK_INVALID_HANDLE)
		tok_close(&t, s);
	OPENSSL_free(out);
	OPENSSL_free(tbs);
	free(sig);
	ASN1_BIT_STRING_free(bits);
	X509_ALGOR_free(alg);
	X509_NAME_free(name);
	X509_REQ_free(req);
	EVP_PKEY_free(pub);
	tok_unlock();
	return err;
}

enum token_err
token_sign(const struct token_ref *ref, const unsigned char *id, size_t id_len,
	   const unsigned char *data, size_t len, unsigned char **sig, size_t *sig_len,
	   const struct token_ctl *ctl)
{
	struct tok t;
	enum token_err err;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE key;
	CK_KEY_TYPE kt;

	*sig = NULL;
	*sig_len = 0;
	if (id == NULL || id_len == 0 || id_len > TOKEN_ID_MAX ||
	    (data == NULL && len > 0))
		return TOKEN_ERR_BAD_INPUT;
	tok_lock();
	err = tok_open(ref, &t, "sign", ctl);
	if (err == TOKEN_OK)
		err = tok_session(&t, false, &s);
	if (err == TOKEN_OK)
		err = private_key(&t, s, id, id_len, &key, &kt);
	if (err == TOKEN_OK && tok_cancelled(ctl))
		err = TOKEN_ERR_CANCELLED;
	if (err == TOKEN_OK) {
		tok_stage(ctl, TOKEN_STAGE_SIGNING);
		err = sign_data(&t, s, key, kt, data, len, sig, sig_len);
	}
	tok_end(&t, s);
	return err;
}
