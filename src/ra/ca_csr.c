/*
 * ca_csr.c - a customer's certificate request read once (see ca.h): parsed
 * from PEM, its public key made from the key's own bytes, its signature,
 * key type and size checked; and the public key of a certificate read the
 * same way for a signature's check.
 *
 * OpenSSL 3.0 decodes every SubjectPublicKeyInfo it parses (d2i_X509_REQ,
 * d2i_X509) with its generic decoder, which costs more than checking the
 * signature, and encodes it again with its generic encoder for
 * X509_set_pubkey and i2d_PUBKEY.  Here the request is parsed with the
 * templates of X509_REQ (x_req.c) but its key kept as algorithm and bits;
 * RSA and EC P-256 keys are made from those bits directly, any other key by
 * the generic decoder (it is refused after its signature is checked).
 */
#include "ra/ca_int.h"

#include <openssl/asn1t.h>

typedef struct {
	X509_ALGOR *algor;
	ASN1_BIT_STRING *key;
} RAW_SPKI;

ASN1_SEQUENCE(RAW_SPKI) =
	{
		ASN1_SIMPLE(RAW_SPKI, algor, X509_ALGOR),
		ASN1_SIMPLE(RAW_SPKI, key, ASN1_BIT_STRING),
} static_ASN1_SEQUENCE_END(RAW_SPKI)

		typedef struct {
	ASN1_ENCODING enc;     /* the bytes as received: the signature is over them */
	ASN1_INTEGER *version; /* cppcheck-suppress unusedStructMember */
	X509_NAME *subject;
	RAW_SPKI *spki;
	/* cppcheck-suppress unusedStructMember */
	STACK_OF(X509_ATTRIBUTE) * attributes;
} RAW_REQ_INFO;

ASN1_SEQUENCE_enc(RAW_REQ_INFO, enc, NULL) =
	{
		ASN1_SIMPLE(RAW_REQ_INFO, version, ASN1_INTEGER),
		ASN1_SIMPLE(RAW_REQ_INFO, subject, X509_NAME),
		ASN1_SIMPLE(RAW_REQ_INFO, spki, RAW_SPKI),
		ASN1_IMP_SET_OF_OPT(RAW_REQ_INFO, attributes, X509_ATTRIBUTE, 0),
} static_ASN1_SEQUENCE_END_ref(RAW_REQ_INFO, RAW_REQ_INFO)

		typedef struct {
	RAW_REQ_INFO *info;
	X509_ALGOR *sig_alg;
	ASN1_BIT_STRING *signature;
} RAW_REQ;

ASN1_SEQUENCE(RAW_REQ) =
	{
		ASN1_SIMPLE(RAW_REQ, info, RAW_REQ_INFO),
		ASN1_SIMPLE(RAW_REQ, sig_alg, X509_ALGOR),
		ASN1_SIMPLE(RAW_REQ, signature, ASN1_BIT_STRING),
} static_ASN1_SEQUENCE_END(RAW_REQ)

		struct ca_csr {
	RAW_REQ *req;
	EVP_PKEY *key;
	/* The certificate's subjectPublicKey: the key's bits as the generic
	 * encoder would write them (RSA: the RSAPublicKey DER, with NULL
	 * parameters; EC: the point as sent, with the curve's name). */
	unsigned char *bits;
	int nbits;
	bool rsa;
};

static EVP_PKEY *
ec_p256_key(const unsigned char *point, int len)
{
	EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *k = NULL;
	char group[] = "prime256v1";
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string("group", group, 0),
		OSSL_PARAM_construct_octet_string("pub", (void *)point, (size_t)len),
		OSSL_PARAM_construct_end(),
	};
	if (!kc || EVP_PKEY_fromdata_init(kc) != 1 ||
	    EVP_PKEY_fromdata(kc, &k, EVP_PKEY_PUBLIC_KEY, p) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(kc);
	return k;
}

/*
 * The key of spki (whose DER is der, or NULL to encode it) and whether it
 * is RSA.  RSA and EC P-256 by name are made from their bits; any other
 * key by the generic decoder.  NULL: it is no usable key.
 */
static EVP_PKEY *
key_of_spki(const RAW_SPKI *s, const unsigned char *der, long derlen, bool *rsa)
{
	const ASN1_OBJECT *obj = NULL;
	const void *pval = NULL;
	int ptype = V_ASN1_UNDEF;
	const unsigned char *bits = ASN1_STRING_get0_data(s->key);
	int n = ASN1_STRING_length(s->key);
	X509_ALGOR_get0(&obj, &ptype, &pval, s->algor);
	int nid = OBJ_obj2nid(obj);
	*rsa = nid == NID_rsaEncryption;
	if (*rsa)
		return d2i_PublicKey(EVP_PKEY_RSA, NULL, &bits, n);
	if (nid == NID_X9_62_id_ecPublicKey && ptype == V_ASN1_OBJECT &&
	    OBJ_obj2nid(pval) == NID_X9_62_prime256v1)
		return ec_p256_key(bits, n);
	unsigned char *mine = NULL;
	if (!der) {
		derlen = ASN1_item_i2d((const ASN1_VALUE *)s, &mine,
				       ASN1_ITEM_rptr(RAW_SPKI));
		der = mine;
	}
	const unsigned char *p = der;
	EVP_PKEY *k = derlen > 0 ? d2i_PUBKEY(NULL, &p, derlen) : NULL;
	OPENSSL_free(mine);
	ERR_clear_error();
	return k;
}

void
ca_csr_free(struct ca_csr *c)
{
	if (!c)
		return;
	ASN1_item_free((ASN1_VALUE *)c->req, ASN1_ITEM_rptr(RAW_REQ));
	EVP_PKEY_free(c->key);
	OPENSSL_free(c->bits);
	free(c);
}

/* DER of the PEM block named name (or its older names), as
 * PEM_read_bio_X509_REQ / _X509 read it; NULL when there is none. */
static unsigned char *
der_of_pem(const char *pem, const char *name, long *len)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	unsigned char *der = NULL;
	if (!b || PEM_bytes_read_bio(&der, len, NULL, name, b, NULL, NULL) != 1)
		der = NULL;
	BIO_free(b);
	ERR_clear_error();
	return der;
}

static int
csr_refuse(struct ca_csr *c, const char **code, char **msg, const char *why, char *text)
{
	ca_csr_free(c);
	*code = why;
	*msg = text;
	return -1;
}

/* The key's type and size: RSA 2048..4096 or EC P-256 by name. */
static int
csr_key_ok(struct ca_csr *c, const char **code, char **msg)
{
	EVP_PKEY *pk = c->key;
	int bits = EVP_PKEY_get_bits(pk);
	if (EVP_PKEY_is_a(pk, "RSA")) {
		if (bits < 2048 || bits > 4096)
			return csr_refuse(c, code, msg, "csr_key_size",
					  util_xasprintf("RSA keys must have 2048 to "
							 "4096 bits, not %d",
							 bits));
		return 0;
	}
	if (!EVP_PKEY_is_a(pk, "EC"))
		return csr_refuse(
			c, code, msg, "csr_key_type",
			util_xstrdup("only RSA and EC P-256 keys are accepted"));
	/* Explicit parameters would be copied into the certificate as they
	 * are, and relying parties that take them at their word can be given
	 * a curve of the sender's making. */
	int ptype = V_ASN1_UNDEF;
	X509_ALGOR_get0(NULL, &ptype, NULL, c->req->info->spki->algor);
	if (ptype != V_ASN1_OBJECT)
		return csr_refuse(c, code, msg, "csr_key_type",
				  util_xstrdup("an EC key must name its curve; explicit "
					       "curve parameters are not accepted"));
	char group[64] = "";
	size_t gl = 0;
	EVP_PKEY_get_utf8_string_param(pk, "group", group, sizeof group, &gl);
	if (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0)
		return csr_refuse(
			c, code, msg, "csr_key_size",
			util_xasprintf("EC keys must be on P-256, not %s", group));
	return 0;
}

struct ca_csr *
ca_csr_parse(const char *csr_pem, const char **code, char **msg)
{
	struct ca_csr *c = util_xcalloc(1, sizeof *c);
	long len = 0;
	unsigned char *der = csr_pem && strlen(csr_pem) <= 16384
				     ? der_of_pem(csr_pem, PEM_STRING_X509_REQ, &len)
				     : NULL;
	const unsigned char *p = der;
	c->req = der ? (RAW_REQ *)ASN1_item_d2i(NULL, &p, len, ASN1_ITEM_rptr(RAW_REQ))
		     : NULL;
	OPENSSL_free(der);
	ERR_clear_error();
	if (!c->req) {
		csr_refuse(c, code, msg, "csr_invalid",
			   util_xstrdup("the CSR is not a PEM certificate request"));
		return NULL;
	}
	c->key = key_of_spki(c->req->info->spki, NULL, 0, &c->rsa);
	if (!c->key) {
		csr_refuse(c, code, msg, "csr_invalid",
			   util_xstrdup("the CSR has no usable public key"));
		return NULL;
	}
	if (ASN1_item_verify(ASN1_ITEM_rptr(RAW_REQ_INFO), c->req->sig_alg,
			     c->req->signature, c->req->info, c->key) != 1) {
		ERR_clear_error();
		csr_refuse(c, code, msg, "csr_signature",
			   util_xstrdup("the CSR's signature does not verify with its "
					"own key"));
		return NULL;
	}
	if (csr_key_ok(c, code, msg) != 0)
		return NULL;
	if (c->rsa) {
		c->nbits = i2d_PublicKey(c->key, &c->bits);
	} else {
		const ASN1_BIT_STRING *k = c->req->info->spki->key;
		c->nbits = ASN1_STRING_length(k);
		c->bits = OPENSSL_memdup(ASN1_STRING_get0_data(k), (size_t)c->nbits);
	}
	if (c->nbits <= 0 || !c->bits) {
		csr_refuse(c, code, msg, "csr_invalid",
			   util_xstrdup("the CSR has no usable public key"));
		return NULL;
	}
	return c;
}

void
ca_csr_hash(const struct ca_csr *c, char out[65])
{
	unsigned char *der = NULL;
	int n = ASN1_item_i2d((const ASN1_VALUE *)c->req, &der, ASN1_ITEM_rptr(RAW_REQ));
	if (n > 0)
		codec_sha256_hex(der, (size_t)n, out);
	else
		out[0] = '\0';
	OPENSSL_free(der);
}

X509_NAME *
csr_subject(const struct ca_csr *c)
{
	return c->req->info->subject;
}

int
csr_set_key(const struct ca_csr *c, X509 *x, unsigned char ski[SHA_DIGEST_LENGTH])
{
	X509_PUBKEY *xpk = X509_get_X509_PUBKEY(x);
	unsigned char *bits = OPENSSL_memdup(c->bits, (size_t)c->nbits);
	ASN1_OBJECT *alg =
		OBJ_nid2obj(c->rsa ? NID_rsaEncryption : NID_X9_62_id_ecPublicKey);
	ASN1_OBJECT *curve = c->rsa ? NULL : OBJ_nid2obj(NID_X9_62_prime256v1);
	if (!bits || !xpk ||
	    X509_PUBKEY_set0_param(xpk, alg, c->rsa ? V_ASN1_NULL : V_ASN1_OBJECT, curve,
				   bits, c->nbits) != 1) {
		OPENSSL_free(bits);
		return -1;
	}
	/* RFC 5280 4.2.1.2 (1), as OpenSSL's "hash": SHA-1 of the key's bits. */
	return EVP_Digest(c->bits, (size_t)c->nbits, ski, NULL, EVP_sha1(), NULL) == 1
		       ? 0
		       : -1;
}

/* The SubjectPublicKeyInfo inside a certificate's DER: the sixth field of
 * tbsCertificate after its version.  NULL when the DER is not so. */
static const unsigned char *
cert_spki(const unsigned char *der, long len, long *spki_len)
{
	const unsigned char *p = der, *end;
	long l = 0;
	int tag = 0, cls = 0;
	for (int depth = 0; depth < 2; depth++) {
		int r = ASN1_get_object(&p, &l, &tag, &cls, len - (p - der));
		if ((r & 0x81) || tag != V_ASN1_SEQUENCE)
			return NULL;
	}
	end = p + l;
	const unsigned char *first = p;
	for (int field = 0; p < end;) {
		const unsigned char *start = p;
		int r = ASN1_get_object(&p, &l, &tag, &cls, end - p);
		if (r & 0x81)
			return NULL;
		bool version =
			start == first && cls == V_ASN1_CONTEXT_SPECIFIC && tag == 0;
		if (!version && field++ == 5) {
			*spki_len = (p - start) + l;
			return start;
		}
		p += l;
	}
	return NULL;
}

EVP_PKEY *
cert_key_of_pem(const char *pem)
{
	long len = 0, slen = 0;
	unsigned char *der = der_of_pem(pem, PEM_STRING_X509, &len);
	const unsigned char *spki = der ? cert_spki(der, len, &slen) : NULL, *p = spki;
	RAW_SPKI *s =
		spki ? (RAW_SPKI *)ASN1_item_d2i(NULL, &p, slen, ASN1_ITEM_rptr(RAW_SPKI))
		     : NULL;
	bool rsa;
	EVP_PKEY *k = s ? key_of_spki(s, spki, slen, &rsa) : NULL;
	ASN1_item_free((ASN1_VALUE *)s, ASN1_ITEM_rptr(RAW_SPKI));
	OPENSSL_free(der);
	ERR_clear_error();
	if (!k) { /* not as expected: the certificate as OpenSSL reads it */
		X509 *x = cert_of_pem(pem);
		k = x ? X509_get_pubkey(x) : NULL;
		X509_free(x);
	}
	return k;
}
