/*
 * mkseal.c - write an electronic seal (SESeal DER with a PNG picture) bound
 * to a certificate, for the token test bed.
 *
 *   mkseal HOLDER CERT.der START END > seal.der     (times: seconds since 1970)
 */
#include <stdio.h>

#include "sealgen.h"

int
main(int argc, char **argv)
{
	unsigned char certbuf[16384];
	struct buf out = {0};
	size_t n;
	FILE *f;

	if (argc != 5) {
		fprintf(stderr, "usage: mkseal HOLDER CERT.der START END\n");
		return 2;
	}
	f = fopen(argv[2], "rb");
	if (f == NULL) {
		perror(argv[2]);
		return 1;
	}
	n = fread(certbuf, 1, sizeof certbuf, f);
	fclose(f);
	seal_build(&out, argv[1], certbuf, n, (time_t)atoll(argv[3]),
		   (time_t)atoll(argv[4]));
	fwrite(out.p, 1, out.len, stdout);
	free(out.p);
	return 0;
}
