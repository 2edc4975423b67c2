/*
 * picture.h - a small preview of an uploaded picture (JPEG or PNG) for a
 * text screen: decoded with libjpeg-turbo / libpng, scaled down into a few
 * cells of half blocks (ui_pixels).
 *
 * The bytes come from a customer's phone, through the backend, so every
 * size is checked before anything is allocated for it: at most
 * PICTURE_MAX_BYTES of input, PICTURE_MAX_SIDE pixels a side and
 * PICTURE_MAX_PIXELS in all (a small file that claims a huge picture, a
 * decompression bomb, is refused from its header), and the picture is read
 * one row at a time into the preview's sums, so memory stays a row's worth
 * whatever it says; libjpeg's own memory is capped (a progressive JPEG
 * keeps all its coefficients: 72 MiB for 12 megapixels at full chroma, so
 * a larger one has no preview) and a progressive JPEG with more than
 * PICTURE_MAX_SCANS scans is refused (the CPU bomb).
 */
#ifndef CAKIOSK_PICTURE_H
#define CAKIOSK_PICTURE_H

#include <stddef.h>
#include <stdint.h>

#define PICTURE_MAX_BYTES (5L << 20) /* the backend's own limit for a document */
#define PICTURE_MAX_SIDE 10000
#define PICTURE_MAX_PIXELS (40L * 1000 * 1000) /* a 40-megapixel camera */
#define PICTURE_MAX_SCANS 64
#define PICTURE_JPEG_MEMORY (96L << 20)

enum picture_err {
	PICTURE_OK,
	PICTURE_NOT,    /* not a JPEG or PNG (a PDF, garbage) */
	PICTURE_LARGE,  /* more bytes, pixels or scans than allowed */
	PICTURE_BROKEN, /* a JPEG or PNG that does not decode (cut short, bad data) */
};

/*
 * Decode data (len bytes) and scale it into cols x (2 * rows) pixels as
 * 0xRRGGBB (rgb holds that many), aspect kept, centred on white (the
 * paper; transparency over white too).  *w_out, *h_out (may be NULL): the
 * picture's own size, when the header was read.
 */
enum picture_err picture_preview(const unsigned char *data, size_t len, int cols,
				 int rows, uint32_t *rgb, unsigned *w_out,
				 unsigned *h_out);

#endif
