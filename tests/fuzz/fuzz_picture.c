/*
 * fuzz_picture.c - libFuzzer harness for the upload step's picture preview
 * (src/core/picture.c): the bytes a customer's phone uploaded, decoded as
 * JPEG or PNG into the small preview, in two box sizes.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"
#include "picture.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t px[12 * 2 * 2];

	(void)picture_preview(data, size, 12, 2, px, NULL, NULL);
	(void)picture_preview(data, size, 1, 1, px, NULL, NULL);
	return 0;
}
