/*
 * seal.h - the electronic seal (电子印章) a UKey carries beside its
 * certificate: a GM/T 0031-style SESeal in DER, as the backend issues it
 * (see src/ra/PROTOCOL.md, "Electronic seals").
 *
 * The kiosk reads what a customer needs to see: whose seal it is, how long
 * it is valid, whether it is bound to the certificate on the same UKey,
 * whether the CA's signature on it checks out, and a small picture of it.
 * The bytes come from a token: the seal's structure is the one definition
 * both programs use (src/common/sesseal.h), read with bounds.
 */
#ifndef CAKIOSK_SEAL_H
#define CAKIOSK_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SEAL_NAME_MAX 256

struct seal {
	int type;                   /* 1 official seal (unit), 2 personal */
	char holder[SEAL_NAME_MAX]; /* sanitized */
	time_t valid_start, valid_end;
	char picture_type[8];         /* "PNG", "JPG", "PDF" */
	const unsigned char *picture; /* a copy: seal_free() */
	size_t picture_len;
	int certs;  /* certificates the seal lists */
	bool bound; /* one of them is the certificate given */
};

/*
 * Parse der (len bytes).  cert (may be NULL) is the certificate DER the
 * seal should be bound to.  0 on success (seal_free() it), -1 when it is
 * not a seal.
 */
int seal_parse(const unsigned char *der, size_t len, const unsigned char *cert,
	       size_t cert_len, struct seal *out);
void seal_free(struct seal *seal);

enum seal_sig {
	SEAL_SIG_UNCHECKED, /* no CA certificate to check it with */
	SEAL_SIG_OK,        /* a CA certificate in the file made it */
	SEAL_SIG_BAD,       /* forged, altered, or made by another CA */
};
/* The seal's signature against the CA certificates (PEM) in ca_file, the
 * ones the kiosk trusts for its backend (config: [backend] ca_file). */
enum seal_sig seal_verify(const unsigned char *der, size_t len, const char *ca_file);

/* Smaller than this a side, a picture cannot show a seal (a placeholder). */
#define SEAL_PICTURE_MIN 16

/*
 * The picture scaled into cols x (2 * rows) pixels as 0xRRGGBB, transparent
 * parts white (the paper), aspect kept and centred.  PNG only; 0 or -1.
 * A placeholder is -1, never drawn: under SEAL_PICTURE_MIN pixels a side,
 * or one colour all over (the red block that is not a seal).
 */
int seal_preview(const struct seal *seal, int cols, int rows, uint32_t *rgb);

#endif
