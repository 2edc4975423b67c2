/*
 * sesseal.h - the electronic seal's ASN.1, defined once: GM/T 0031-2014
 * SES_Seal as src/ra/PROTOCOL.md ("Electronic seals") has it, with
 * OpenSSL's ASN.1 templates.  The backend makes seals with it, the kiosk
 * reads and verifies them, the tests forge bad ones.
 *
 *   SES_Seal ::= SEQUENCE { esealInfo SES_SealInfo, signInfo SES_SignInfo }
 *   SES_SealInfo ::= SEQUENCE { header SES_Header, esID IA5String,
 *       property SES_ESPropertyInfo, picture SES_ESPictureInfo }
 *   SES_Header ::= SEQUENCE { ID IA5String, version INTEGER, Vid IA5String }
 *   SES_ESPropertyInfo ::= SEQUENCE { type INTEGER, name UTF8String,
 *       certList SEQUENCE OF OCTET STRING, createDate UTCTime,
 *       validStart UTCTime, validEnd UTCTime }
 *   SES_ESPictureInfo ::= SEQUENCE { type IA5String, data OCTET STRING,
 *       width INTEGER, height INTEGER }
 *   SES_SignInfo ::= SEQUENCE { cert OCTET STRING,
 *       signatureAlgorithm OBJECT IDENTIFIER, signData BIT STRING }
 *
 * signData is the signer's signature over the DER of esealInfo as it was
 * received (a parsed seal keeps those bytes).  Linked into both programs.
 * Functions that allocate abort when memory runs out, as codec.h's do.
 */
#ifndef CAKIOSK_SESSEAL_H
#define CAKIOSK_SESSEAL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/safestack.h>

/* certList's type: OpenSSL names no stack of OCTET STRINGs itself. */
/* cppcheck-suppress unknownMacro ; OpenSSL's stack template, defined in its headers */
DEFINE_STACK_OF(ASN1_OCTET_STRING)

typedef struct SES_Header_st {
	ASN1_IA5STRING *id;
	ASN1_INTEGER *version;
	ASN1_IA5STRING *vid;
} SES_Header;

typedef struct SES_ESPropertyInfo_st {
	ASN1_INTEGER *type;
	ASN1_UTF8STRING *name;
	STACK_OF(ASN1_OCTET_STRING) * certList;
	ASN1_UTCTIME *createDate;
	ASN1_UTCTIME *validStart;
	ASN1_UTCTIME *validEnd;
} SES_ESPropertyInfo;

typedef struct SES_ESPictureInfo_st {
	ASN1_IA5STRING *type;
	ASN1_OCTET_STRING *data;
	ASN1_INTEGER *width;
	ASN1_INTEGER *height;
} SES_ESPictureInfo;

typedef struct SES_SealInfo_st {
	SES_Header *header;
	ASN1_IA5STRING *esID;
	SES_ESPropertyInfo *property;
	SES_ESPictureInfo *picture;
	ASN1_ENCODING enc; /* the bytes as received: what signData covers */
} SES_SealInfo;

typedef struct SES_SignInfo_st {
	ASN1_OCTET_STRING *cert;
	ASN1_OBJECT *signatureAlgorithm;
	ASN1_BIT_STRING *signData;
} SES_SignInfo;

typedef struct SES_Seal_st {
	SES_SealInfo *esealInfo;
	SES_SignInfo *signInfo;
} SES_Seal;

DECLARE_ASN1_FUNCTIONS(SES_Seal)
DECLARE_ASN1_FUNCTIONS(SES_SealInfo)

#define SESSEAL_ECDSA_SHA256 "1.2.840.10045.4.3.2"

/* What a new seal says (sesseal_new). */
struct sesseal_fields {
	const char *vid;           /* who made it: "cakiosk-ra" */
	const char *es_id;         /* the seal id, 32 hex */
	int type;                  /* 1 official seal (unit), 2 personal */
	const char *name;          /* the holder */
	const unsigned char *cert; /* DER of the certificate it is bound to */
	size_t cert_len;
	int64_t created, start, end;
	const char *picture_type; /* "PNG", "JPG", "PDF" */
	const unsigned char *picture;
	size_t picture_len;
	int64_t width, height;
};

/* A new seal with these fields and no signature yet. */
SES_Seal *sesseal_new(const struct sesseal_fields *f);
/* The bytes the signature covers (DER of esealInfo): a new buffer. */
unsigned char *sesseal_tbs(const SES_Seal *s, size_t *len);
/* The signer's certificate (DER), the algorithm (dotted OID) and the
 * signature over sesseal_tbs().  0, or -1 for an OID that is none. */
int sesseal_set_signature(SES_Seal *s, const unsigned char *signer, size_t signer_len,
			  const char *oid, const unsigned char *sig, size_t sig_len);
/* Signs with key (SHA-256) and sets the signature; 0 or -1.  For a CA key
 * at hand in memory (the tests); the backend signs through its CA. */
int sesseal_sign(SES_Seal *s, EVP_PKEY *key, const unsigned char *signer,
		 size_t signer_len);
/* The whole seal in DER: a new buffer. */
unsigned char *sesseal_der(const SES_Seal *s, size_t *len);

/* The seal in der, all of it and nothing after it, with the header
 * GM/T 0031 gives ("ES", version 4); NULL when it is not one. */
SES_Seal *sesseal_read(const unsigned char *der, size_t len);
/* 1 when key made its signature (with the algorithm it names), else 0. */
int sesseal_verify(const SES_Seal *s, EVP_PKEY *key);

#endif
