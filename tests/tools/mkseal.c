/*
 * mkseal.c - write an electronic seal (SESeal DER with a PNG picture) bound
 * to a certificate, for the token test bed.
 *
 *   mkseal HOLDER CERT.der START END [CA.key CA.pem] > seal.der
 *
 * Times are seconds since 1970.  Signed by CA.key with CA.pem named as the
 * signer (the bed's CA: a seal the kiosk finds valid); without them by a
 * key of its own (a forged seal).
 */
#include <stdio.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "sealgen.h"

int
main(int argc, char **argv)
{
	unsigned char certbuf[16384], *signer = NULL;
	struct buf out = {0};
	EVP_PKEY *key = NULL;
	X509 *ca = NULL;
	int signer_len = 0;
	size_t n;
	FILE *f;

	if (argc != 5 && argc != 7) {
		fprintf(stderr,
			"usage: mkseal HOLDER CERT.der START END [CA.key CA.pem]\n");
		return 2;
	}
	f = fopen(argv[2], "rb");
	if (f == NULL) {
		perror(argv[2]);
		return 1;
	}
	n = fread(certbuf, 1, sizeof certbuf, f);
	fclose(f);
	if (argc == 7) {
		if ((f = fopen(argv[5], "r")) != NULL) {
			key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
			fclose(f);
		}
		if ((f = fopen(argv[6], "r")) != NULL) {
			ca = PEM_read_X509(f, NULL, NULL, NULL);
			fclose(f);
		}
		if (key == NULL || ca == NULL ||
		    (signer_len = i2d_X509(ca, &signer)) <= 0) {
			fprintf(stderr, "mkseal: cannot read %s or %s\n", argv[5],
				argv[6]);
			return 1;
		}
	}
	seal_build_signed(&out, argv[1], certbuf, n, (time_t)atoll(argv[3]),
			  (time_t)atoll(argv[4]), NULL, key, signer, (size_t)signer_len);
	fwrite(out.p, 1, out.len, stdout);
	free(out.p);
	OPENSSL_free(signer);
	X509_free(ca);
	EVP_PKEY_free(key);
	return 0;
}
