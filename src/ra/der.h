/*
 * der.h - a small DER writer (ITU-T X.690) for the structures this backend
 * builds by hand, i.e. the GM/T 0031 electronic seal.  Values are appended
 * to a growing buffer; a constructed value is written after its contents
 * (der_wrap).
 */
#ifndef CAKIOSK_RA_DER_H
#define CAKIOSK_RA_DER_H

#include <stddef.h>
#include <stdint.h>

struct der {
	unsigned char *p;
	size_t len, cap;
};

void der_free(struct der *d);
/* Appends tag + length + the n bytes at v. */
void der_put(struct der *d, unsigned char tag, const void *v, size_t n);
/* Appends the whole of other (already DER) as it is. */
void der_append(struct der *d, const struct der *other);
/* Appends tag + length around the bytes from offset start to the end. */
void der_wrap(struct der *d, size_t start, unsigned char tag);
void der_int(struct der *d, int64_t v);
void der_ia5(struct der *d, const char *s);
void der_utf8(struct der *d, const char *s);
void der_octets(struct der *d, const void *v, size_t n);
void der_bits(struct der *d, const void *v, size_t n);
/* UTCTime YYMMDDHHMMSSZ (years 1950..2049). */
void der_utctime(struct der *d, int64_t t);
/* An OID from its dotted text, e.g. "1.2.840.10045.4.3.2". */
void der_oid(struct der *d, const char *dotted);

#define DER_SEQUENCE 0x30

#endif
