/*
 * codec.c - base64, hex, PEM and SHA-256 hex through OpenSSL (see codec.h).
 */
#include "codec.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#define BASE64_MAX (64u << 20)

static void *
must(void *p)
{
	if (p == NULL) {
		fputs("out of memory\n", stderr);
		abort();
	}
	return p;
}

char *
codec_base64_encode(const void *data, size_t len)
{
	char *out = must(malloc(4 * ((len + 2) / 3) + 1));

	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

int
codec_base64_decode(const char *s, unsigned char **out, size_t *len)
{
	size_t n = strlen(s), pad = 0;
	unsigned char *buf;
	int got;

	if (n % 4 != 0 || n > BASE64_MAX)
		return -1;
	buf = must(malloc(n / 4 * 3 + 1));
	/* EVP_DecodeBlock counts the padding as zero bytes: take them off. */
	got = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n);
	if (got < 0) {
		free(buf);
		return -1;
	}
	if (n >= 1 && s[n - 1] == '=')
		pad++;
	if (n >= 2 && s[n - 2] == '=')
		pad++;
	*len = (size_t)got - pad;
	buf[*len] = '\0';
	*out = buf;
	return 0;
}

void
codec_hex(const void *data, size_t len, char *out)
{
	size_t n = 0;

	out[0] = '\0';
	if (len == 0 ||
	    OPENSSL_buf2hexstr_ex(out, 2 * len + 1, &n, data, (long)len, '\0') != 1)
		return;
	for (size_t i = 0; out[i] != '\0'; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
}

long
codec_unhex(const char *hex, unsigned char *out, size_t outlen)
{
	size_t n = 0, k = 0;
	char *plain = must(malloc(strlen(hex) + 1));
	long rc;

	/* OpenSSL wants byte pairs, ':' either everywhere or nowhere. */
	for (const char *p = hex; *p != '\0'; p++)
		if (*p != ':')
			plain[k++] = *p;
	plain[k] = '\0';
	if (k == 0 || k % 2 != 0 || k / 2 > outlen) {
		free(plain);
		return -1;
	}
	rc = OPENSSL_hexstr2buf_ex(out, outlen, &n, plain, '\0') == 1 ? (long)n : -1;
	free(plain);
	return rc;
}

void
codec_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	codec_hex(md, sizeof md, out);
}

char *
codec_pem_encode(const char *label, const void *der, size_t len)
{
	BIO *b = must(BIO_new(BIO_s_mem()));
	char *text = NULL, *out;
	long n;

	if (PEM_write_bio(b, label, "", der, (long)len) <= 0) {
		BIO_free(b);
		return must(NULL);
	}
	n = BIO_get_mem_data(b, &text);
	out = must(malloc((size_t)n + 1));
	memcpy(out, text, (size_t)n);
	out[n] = '\0';
	BIO_free(b);
	return out;
}

unsigned char *
codec_pem_decode(const char *pem, const char *label, size_t *len)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	unsigned char *der = NULL, *out = NULL;
	long n = 0;

	if (b == NULL)
		return NULL;
	if (PEM_bytes_read_bio(&der, &n, NULL, label, b, NULL, NULL) == 1 && n > 0) {
		out = must(malloc((size_t)n));
		memcpy(out, der, (size_t)n);
		*len = (size_t)n;
	}
	OPENSSL_free(der);
	BIO_free(b);
	return out;
}
