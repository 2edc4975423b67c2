/*
 * seal.h - the electronic seal (电子印章) a UKey carries beside its
 * certificate: a GM/T 0031-style SESeal in DER, as the backend issues it
 * (see src/ra/PROTOCOL.md, "Electronic seals").
 *
 * The kiosk reads what a customer needs to see: whose seal it is, how long
 * it is valid, whether it is bound to the certificate on the same UKey, and
 * a small picture of it.  Parsing is bounded and defensive: the bytes come
 * from a token.
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
	const unsigned char *picture; /* points into the DER given to seal_parse */
	size_t picture_len;
	int certs;  /* certificates the seal lists */
	bool bound; /* one of them is the certificate given */
};

/*
 * Parse der (len bytes).  cert (may be NULL) is the certificate DER the
 * seal should be bound to.  0 on success, -1 when it is not a seal.
 */
int seal_parse(const unsigned char *der, size_t len, const unsigned char *cert,
	       size_t cert_len, struct seal *out);

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
