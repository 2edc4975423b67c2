/*
 * sealgen.h - build an SESeal with a PNG picture of a red round seal, for
 * tests: the unit test of src/core/seal.c and the token test bed
 * (tests/tools/mkseal.c).  The seal is the one definition both programs
 * use (src/common/sesseal.h), signed by the key given - the test CA's for
 * a good seal, any other for a forged one.
 */
#ifndef CAKIOSK_SEALGEN_H
#define CAKIOSK_SEALGEN_H

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ec.h>

#include "sesseal.h"

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL)
			abort();
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void
png_to_buf(png_structp png, png_bytep data, size_t n)
{
	buf_add(png_get_io_ptr(png), data, n);
}

static void
png_flush_none(png_structp png)
{
	(void)png;
}

/* A w x h picture of one colour all over: the placeholder that is no seal.
 * Inline: only the seal unit test uses it, and mkseal includes this too. */
static inline void
flat_png(struct buf *out, int w, int h)
{
	png_structp png =
		png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	unsigned char *row = malloc((size_t)w * 4);

	png_set_write_fn(png, out, png_to_buf, png_flush_none);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8,
		     PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int x = 0; x < w; x++)
		memcpy(row + 4 * x, "\xdc\x14\x1e\xff", 4);
	for (int y = 0; y < h; y++)
		png_write_row(png, row);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(row);
}

/* A size x size red ring with the holder's first letters, transparent outside. */
static void
seal_png(struct buf *out, int size)
{
	png_structp png =
		png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	unsigned char *row = malloc((size_t)size * 4);
	double c = (size - 1) / 2.0;

	png_set_write_fn(png, out, png_to_buf, png_flush_none);
	png_set_IHDR(png, info, (png_uint_32)size, (png_uint_32)size, 8,
		     PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < size; y++) {
		for (int x = 0; x < size; x++) {
			double d = ((x - c) * (x - c) + (y - c) * (y - c)) / (c * c);
			int red = (d > 0.70 && d < 1.0) || (d < 0.08);

			row[4 * x] = 220;
			row[4 * x + 1] = 20;
			row[4 * x + 2] = 30;
			row[4 * x + 3] = red ? 255 : 0;
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(row);
}

/* A key of the seal's own, for a seal that no CA made (forged). */
static EVP_PKEY *
seal_forger(void)
{
	static EVP_PKEY *key;

	if (key == NULL)
		key = EVP_EC_gen("P-256");
	return key;
}

/* The whole SESeal for holder, bound to cert (DER), valid [start, end],
 * with the picture png_in (NULL: a red ring), signed by key with signer
 * (DER) named as its certificate (key NULL: a forger's key). */
static void
seal_build_signed(struct buf *out, const char *holder, const unsigned char *cert,
		  size_t cert_len, time_t start, time_t end, const struct buf *png_in,
		  EVP_PKEY *key, const unsigned char *signer, size_t signer_len)
{
	struct buf png = {0};
	unsigned char *der;
	size_t len;
	SES_Seal *seal;

	if (png_in != NULL)
		buf_add(&png, png_in->p, png_in->len);
	else
		seal_png(&png, 48);
	seal = sesseal_new(&(struct sesseal_fields){
		.vid = "cakiosk-test",
		.es_id = "0123456789abcdef0123456789abcdef",
		.type = 1,
		.name = holder,
		.cert = cert,
		.cert_len = cert_len,
		.created = start,
		.start = start,
		.end = end,
		.picture_type = "PNG",
		.picture = png.p,
		.picture_len = png.len,
		.width = 48,
		.height = 48,
	});
	if (sesseal_sign(seal, key != NULL ? key : seal_forger(), signer,
			 signer != NULL ? signer_len : 0) != 0)
		abort();
	der = sesseal_der(seal, &len);
	buf_add(out, der, len);
	free(der);
	SES_Seal_free(seal);
	free(png.p);
}

static inline void
seal_build_pic(struct buf *out, const char *holder, const unsigned char *cert,
	       size_t cert_len, time_t start, time_t end, const struct buf *png_in)
{
	seal_build_signed(out, holder, cert, cert_len, start, end, png_in, NULL, NULL, 0);
}

static inline void
seal_build(struct buf *out, const char *holder, const unsigned char *cert,
	   size_t cert_len, time_t start, time_t end)
{
	seal_build_pic(out, holder, cert, cert_len, start, end, NULL);
}

#endif
