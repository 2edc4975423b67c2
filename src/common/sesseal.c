/*
 * sesseal.c - the electronic seal's ASN.1 templates and what both programs
 * do with them (see sesseal.h).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "sesseal.h"

/* The templates, laid out as the ASN.1 above them reads. */
/* clang-format off */
ASN1_SEQUENCE(SES_Header) = {
	ASN1_SIMPLE(SES_Header, id, ASN1_IA5STRING),
	ASN1_SIMPLE(SES_Header, version, ASN1_INTEGER),
	ASN1_SIMPLE(SES_Header, vid, ASN1_IA5STRING),
} static_ASN1_SEQUENCE_END(SES_Header)

ASN1_SEQUENCE(SES_ESPropertyInfo) = {
	ASN1_SIMPLE(SES_ESPropertyInfo, type, ASN1_INTEGER),
	ASN1_SIMPLE(SES_ESPropertyInfo, name, ASN1_UTF8STRING),
	ASN1_SEQUENCE_OF(SES_ESPropertyInfo, certList, ASN1_OCTET_STRING),
	ASN1_SIMPLE(SES_ESPropertyInfo, createDate, ASN1_UTCTIME),
	ASN1_SIMPLE(SES_ESPropertyInfo, validStart, ASN1_UTCTIME),
	ASN1_SIMPLE(SES_ESPropertyInfo, validEnd, ASN1_UTCTIME),
} static_ASN1_SEQUENCE_END(SES_ESPropertyInfo)

ASN1_SEQUENCE(SES_ESPictureInfo) = {
	ASN1_SIMPLE(SES_ESPictureInfo, type, ASN1_IA5STRING),
	ASN1_SIMPLE(SES_ESPictureInfo, data, ASN1_OCTET_STRING),
	ASN1_SIMPLE(SES_ESPictureInfo, width, ASN1_INTEGER),
	ASN1_SIMPLE(SES_ESPictureInfo, height, ASN1_INTEGER),
} static_ASN1_SEQUENCE_END(SES_ESPictureInfo)

/* _enc: a parsed esealInfo keeps its bytes, so the signature is checked
 * over what was signed, not over a re-encoding of it. */
ASN1_SEQUENCE_enc(SES_SealInfo, enc, NULL) = {
	ASN1_SIMPLE(SES_SealInfo, header, SES_Header),
	ASN1_SIMPLE(SES_SealInfo, esID, ASN1_IA5STRING),
	ASN1_SIMPLE(SES_SealInfo, property, SES_ESPropertyInfo),
	ASN1_SIMPLE(SES_SealInfo, picture, SES_ESPictureInfo),
} ASN1_SEQUENCE_END_enc(SES_SealInfo, SES_SealInfo)

ASN1_SEQUENCE(SES_SignInfo) = {
	ASN1_SIMPLE(SES_SignInfo, cert, ASN1_OCTET_STRING),
	ASN1_SIMPLE(SES_SignInfo, signatureAlgorithm, ASN1_OBJECT),
	ASN1_SIMPLE(SES_SignInfo, signData, ASN1_BIT_STRING),
} static_ASN1_SEQUENCE_END(SES_SignInfo)

ASN1_SEQUENCE(SES_Seal) = {
	ASN1_SIMPLE(SES_Seal, esealInfo, SES_SealInfo),
	ASN1_SIMPLE(SES_Seal, signInfo, SES_SignInfo),
} ASN1_SEQUENCE_END(SES_Seal)

IMPLEMENT_ASN1_FUNCTIONS(SES_Seal)
IMPLEMENT_ASN1_FUNCTIONS(SES_SealInfo)
						/* clang-format on */

						static void *
						must(void *p)
{
	if (p == NULL)
		abort();
	return p;
}

static void
set_str(ASN1_STRING *s, const void *v, size_t n)
{
	if (ASN1_STRING_set(s, v, (int)n) != 1)
		abort();
}

static void
set_int(ASN1_INTEGER *i, int64_t v)
{
	if (ASN1_INTEGER_set_int64(i, v) != 1)
		abort();
}

/* UTCTime, YYMMDDHHMMSSZ, as X.680 has it (years 1950..2049). */
static void
set_time(ASN1_UTCTIME *t, int64_t when)
{
	if (ASN1_UTCTIME_set(t, (time_t)when) == NULL)
		abort();
}

SES_Seal *
sesseal_new(const struct sesseal_fields *f)
{
	SES_Seal *s = must(SES_Seal_new());
	SES_SealInfo *in = s->esealInfo;
	SES_ESPropertyInfo *p = in->property;
	SES_ESPictureInfo *pic = in->picture;
	ASN1_OCTET_STRING *cert = must(ASN1_OCTET_STRING_new());

	set_str(in->header->id, "ES", 2);
	set_int(in->header->version, 4);
	set_str(in->header->vid, f->vid, strlen(f->vid));
	set_str(in->esID, f->es_id, strlen(f->es_id));
	set_int(p->type, f->type);
	set_str(p->name, f->name, strlen(f->name));
	set_str(cert, f->cert, f->cert_len);
	if (sk_ASN1_OCTET_STRING_push(p->certList, cert) <= 0)
		abort();
	set_time(p->createDate, f->created);
	set_time(p->validStart, f->start);
	set_time(p->validEnd, f->end);
	set_str(pic->type, f->picture_type, strlen(f->picture_type));
	set_str(pic->data, f->picture, f->picture_len);
	set_int(pic->width, f->width);
	set_int(pic->height, f->height);
	return s;
}

/* i2d into a new buffer of its own size. */
static unsigned char *
encode(const void *v, const ASN1_ITEM *it, size_t *len)
{
	unsigned char *buf = NULL;
	int n = ASN1_item_i2d((const ASN1_VALUE *)v, &buf, it);

	if (n <= 0)
		abort();
	*len = (size_t)n;
	return buf;
}

/* OpenSSL's buffer into one of malloc's: callers free() what they get. */
static unsigned char *
own(unsigned char *ossl, size_t len)
{
	unsigned char *out = must(malloc(len > 0 ? len : 1));

	memcpy(out, ossl, len);
	OPENSSL_free(ossl);
	return out;
}

unsigned char *
sesseal_tbs(const SES_Seal *s, size_t *len)
{
	unsigned char *der = encode(s->esealInfo, ASN1_ITEM_rptr(SES_SealInfo), len);

	return own(der, *len);
}

unsigned char *
sesseal_der(const SES_Seal *s, size_t *len)
{
	unsigned char *der = encode(s, ASN1_ITEM_rptr(SES_Seal), len);

	return own(der, *len);
}

int
sesseal_set_signature(SES_Seal *s, const unsigned char *signer, size_t signer_len,
		      const char *oid, const unsigned char *sig, size_t sig_len)
{
	SES_SignInfo *si = s->signInfo;
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);

	if (obj == NULL)
		return -1;
	ASN1_OBJECT_free(si->signatureAlgorithm);
	si->signatureAlgorithm = obj;
	set_str(si->cert, signer, signer_len);
	set_str(si->signData, sig, sig_len);
	/* No unused bits: said, or the encoder would count trailing zeros. */
	si->signData->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	si->signData->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	return 0;
}

int
sesseal_sign(SES_Seal *s, EVP_PKEY *key, const unsigned char *signer, size_t signer_len)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *tbs, *sig = NULL;
	size_t tlen, slen = 0;
	int rc = -1;

	tbs = sesseal_tbs(s, &tlen);
	if (md != NULL && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestSign(md, NULL, &slen, tbs, tlen) == 1) {
		sig = must(malloc(slen));
		if (EVP_DigestSign(md, sig, &slen, tbs, tlen) == 1)
			rc = sesseal_set_signature(s, signer, signer_len,
						   EVP_PKEY_get_base_id(key) ==
								   EVP_PKEY_EC
							   ? SESSEAL_ECDSA_SHA256
							   : "1.2.840.113549.1.1.11",
						   sig, slen);
	}
	EVP_MD_CTX_free(md);
	free(sig);
	free(tbs);
	return rc;
}

SES_Seal *
sesseal_read(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	SES_Seal *s;
	const SES_Header *h;
	int64_t version = 0;

	if (len > 16 * 1024 * 1024)
		return NULL;
	s = d2i_SES_Seal(NULL, &p, (long)len);
	if (s == NULL)
		return NULL;
	h = s->esealInfo->header;
	if (p != der + len || ASN1_STRING_length(h->id) != 2 ||
	    memcmp(ASN1_STRING_get0_data(h->id), "ES", 2) != 0 ||
	    ASN1_INTEGER_get_int64(&version, h->version) != 1 || version != 4) {
		SES_Seal_free(s);
		return NULL;
	}
	return s;
}

/* The signature's bytes: a BIT STRING with no unused bits. */
static int
sig_bytes(const ASN1_BIT_STRING *b, const unsigned char **p, size_t *n)
{
	if ((b->flags & ASN1_STRING_FLAG_BITS_LEFT) && (b->flags & 0x07) != 0)
		return -1;
	*p = ASN1_STRING_get0_data(b);
	*n = (size_t)ASN1_STRING_length(b);
	return *n > 0 ? 0 : -1;
}

int
sesseal_verify(const SES_Seal *s, EVP_PKEY *key)
{
	int md_nid = NID_undef, pk_nid = NID_undef, ok = 0;
	const unsigned char *sig;
	size_t sig_len, tlen;
	unsigned char *tbs;
	const EVP_MD *md;
	EVP_MD_CTX *ctx;

	if (key == NULL || sig_bytes(s->signInfo->signData, &sig, &sig_len) != 0 ||
	    !OBJ_find_sigid_algs(OBJ_obj2nid(s->signInfo->signatureAlgorithm), &md_nid,
				 &pk_nid) ||
	    (md = EVP_get_digestbynid(md_nid)) == NULL ||
	    EVP_PKEY_get_base_id(key) != pk_nid)
		return 0;
	/* With the bytes received (ASN1_SEQUENCE_enc keeps them). */
	tbs = sesseal_tbs(s, &tlen);
	ctx = EVP_MD_CTX_new();
	if (ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
	    EVP_DigestVerify(ctx, sig, sig_len, tbs, tlen) == 1)
		ok = 1;
	EVP_MD_CTX_free(ctx);
	free(tbs);
	return ok;
}
