/*
 * staffauth.c - PBKDF2-SHA256 staff PIN hashes (see staffauth.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "codec.h"
#include "staffauth.h"

#define SALT_LEN 16
#define KEY_LEN 32

/* n bytes from the 2n hex digits at in (not NUL-terminated); 0 or -1. */
static int
unhex(const char *in, size_t n, unsigned char *out)
{
	char buf[2 * 64 + 1];

	if (2 * n >= sizeof buf)
		return -1;
	memcpy(buf, in, 2 * n);
	buf[2 * n] = '\0';
	return codec_unhex(buf, out, n) == (long)n ? 0 : -1;
}

static int
derive(const char *pin, const unsigned char *salt, size_t saltlen, unsigned long iter,
       unsigned char *key)
{
	return PKCS5_PBKDF2_HMAC(pin, (int)strlen(pin), salt, (int)saltlen, (int)iter,
				 EVP_sha256(), KEY_LEN, key) == 1
		       ? 0
		       : -1;
}

int
staffauth_hash(const char *pin, char *out, size_t outlen)
{
	unsigned char salt[SALT_LEN], key[KEY_LEN];
	char salthex[2 * SALT_LEN + 1], keyhex[2 * KEY_LEN + 1];
	int rc = -1;

	if (RAND_bytes(salt, sizeof salt) != 1 ||
	    derive(pin, salt, sizeof salt, STAFFAUTH_ITERATIONS, key) != 0)
		goto out;
	codec_hex(salt, sizeof salt, salthex);
	codec_hex(key, sizeof key, keyhex);
	if (snprintf(out, outlen, "pbkdf2-sha256$%d$%s$%s", STAFFAUTH_ITERATIONS, salthex,
		     keyhex) < (int)outlen)
		rc = 0;
out:
	OPENSSL_cleanse(key, sizeof key);
	return rc;
}

bool
staffauth_verify(const char *pin, const char *stored)
{
	unsigned char salt[64], want[KEY_LEN], got[KEY_LEN];
	const char *p, *dollar;
	unsigned long iter;
	size_t saltlen;
	char *end;
	bool ok = false;

	if (stored == NULL || strncmp(stored, "pbkdf2-sha256$", 14) != 0)
		return false;
	iter = strtoul(stored + 14, &end, 10);
	if (*end != '$' || iter < 1000 || iter > 10000000)
		return false;
	p = end + 1;
	dollar = strchr(p, '$');
	if (dollar == NULL || (dollar - p) % 2 != 0 ||
	    (size_t)(dollar - p) / 2 > sizeof salt || strlen(dollar + 1) != 2 * KEY_LEN)
		return false;
	saltlen = (size_t)(dollar - p) / 2;
	if (unhex(p, saltlen, salt) != 0 || unhex(dollar + 1, KEY_LEN, want) != 0)
		return false;
	if (derive(pin, salt, saltlen, iter, got) == 0)
		ok = CRYPTO_memcmp(got, want, KEY_LEN) == 0;
	OPENSSL_cleanse(got, sizeof got);
	return ok;
}
