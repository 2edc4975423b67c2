/*
 * fuzz_seal.c - libFuzzer harness for the SESeal reader (src/core/seal.c):
 * the bytes a UKey hands over as its seal, parsed and, when they parse,
 * the picture scaled as the Check screen does, and its signature looked
 * at (no CA file: the structure's checks, then "unchecked").  The
 * certificate is fixed: the seeds are seals bound to it, so the binding
 * path is reached too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz.h"
#include "seal.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seal s;
	uint32_t px[24 * 2 * 12];

	if (seal_parse(data, size, FUZZ_SEAL_CERT, sizeof FUZZ_SEAL_CERT, &s) != 0)
		return 0;
	(void)seal_preview(&s, 24, 12, px);
	(void)seal_preview(&s, 1, 1, px);
	seal_free(&s);
	(void)seal_verify(data, size, NULL);
	return 0;
}
