/*
 * codec.h - byte encodings both programs need: base64, hex, PEM and the
 * SHA-256 fingerprint as hex, all through OpenSSL's own functions.
 *
 * Linked into the kiosk and into the reference backend (src/ra/ra.mk).
 * Functions that allocate abort when memory runs out, as both programs'
 * allocation wrappers do; a NULL or -1 means the input was not what it
 * claimed to be.
 */
#ifndef CAKIOSK_CODEC_H
#define CAKIOSK_CODEC_H

#include <stddef.h>

/* Standard alphabet, padded, one line; a new string. */
char *codec_base64_encode(const void *data, size_t len);
/* 0 and a new buffer in *out (NUL after its *len bytes), or -1 when s is
 * not padded standard base64 of at most 64 MiB. */
int codec_base64_decode(const char *s, unsigned char **out, size_t *len);

/* len bytes as 2 * len lowercase hex digits + NUL into out. */
void codec_hex(const void *data, size_t len, char *out);
/* Hex digits (':' between bytes allowed) into at most outlen bytes; the
 * number of bytes, or -1 when hex is not hex or does not fit. */
long codec_unhex(const char *hex, unsigned char *out, size_t outlen);

/* SHA-256 of data as 64 lowercase hex digits + NUL. */
void codec_sha256_hex(const void *data, size_t len, char out[65]);

/* DER into PEM text "-----BEGIN label-----" (64-column lines); a new
 * string. */
char *codec_pem_encode(const char *label, const void *der, size_t len);
/* The first PEM block of text with this label into a new DER buffer, or
 * NULL. */
unsigned char *codec_pem_decode(const char *pem, const char *label, size_t *len);

#endif
