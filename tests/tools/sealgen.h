/*
 * sealgen.h - build an SESeal (GM/T 0031 structure, as cakiosk-ra issues
 * it) with a PNG picture of a red round seal, for tests: the unit test of
 * src/seal.c and the token test bed (tests/tools/mkseal.c).  The signature
 * is a placeholder: the kiosk shows seals, it does not verify them.
 */
#ifndef CAKIOSK_SEALGEN_H
#define CAKIOSK_SEALGEN_H

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* tag + length + content */
static void
der(struct buf *b, unsigned char tag, const void *data, size_t n)
{
	unsigned char h[6];
	size_t k = 0;

	h[k++] = tag;
	if (n < 0x80) {
		h[k++] = (unsigned char)n;
	} else if (n < 0x100) {
		h[k++] = 0x81;
		h[k++] = (unsigned char)n;
	} else if (n < 0x10000) {
		h[k++] = 0x82;
		h[k++] = (unsigned char)(n >> 8);
		h[k++] = (unsigned char)n;
	} else {
		h[k++] = 0x83;
		h[k++] = (unsigned char)(n >> 16);
		h[k++] = (unsigned char)(n >> 8);
		h[k++] = (unsigned char)n;
	}
	buf_add(b, h, k);
	buf_add(b, data, n);
}

static void
der_str(struct buf *b, unsigned char tag, const char *s)
{
	der(b, tag, s, strlen(s));
}

static void
der_int(struct buf *b, int v)
{
	unsigned char c[2] = {(unsigned char)(v >> 8), (unsigned char)v};

	if (v < 0x80)
		der(b, 0x02, c + 1, 1);
	else
		der(b, 0x02, c, 2);
}

static void
der_time(struct buf *b, time_t t)
{
	char s[64];
	struct tm tm;

	gmtime_r(&t, &tm);
	/* UTCTime has two-digit years by definition. */
	snprintf(s, sizeof s, "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	der_str(b, 0x17, s);
}

static void
der_seq(struct buf *b, const struct buf *inner)
{
	der(b, 0x30, inner->p, inner->len);
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

/* The whole SESeal for holder, bound to cert (DER), valid [start, end],
 * with the picture png_in (NULL: a red ring). */
static void
seal_build_pic(struct buf *out, const char *holder, const unsigned char *cert,
	       size_t cert_len, time_t start, time_t end, const struct buf *png_in)
{
	struct buf header = {0}, prop = {0}, certs = {0}, pic = {0}, png = {0};
	struct buf info = {0}, infoseq = {0}, sign = {0}, all = {0};
	static const unsigned char oid[] = {0x2a, 0x86, 0x48, 0xce,
					    0x3d, 0x04, 0x03, 0x02};
	static const unsigned char sig[] = {0x00, 0x30, 0x00};

	der_str(&header, 0x16, "ES");
	der_int(&header, 4);
	der_str(&header, 0x16, "cakiosk-test");
	der_seq(&info, &header);
	der_str(&info, 0x16, "0123456789abcdef0123456789abcdef");
	der_int(&prop, 1);
	der_str(&prop, 0x0c, holder);
	der(&certs, 0x04, cert, cert_len);
	der_seq(&prop, &certs);
	der_time(&prop, start);
	der_time(&prop, start);
	der_time(&prop, end);
	der_seq(&info, &prop);
	if (png_in != NULL)
		buf_add(&png, png_in->p, png_in->len);
	else
		seal_png(&png, 48);
	der_str(&pic, 0x16, "PNG");
	der(&pic, 0x04, png.p, png.len);
	der_int(&pic, 48);
	der_int(&pic, 48);
	der_seq(&info, &pic);
	der_seq(&infoseq, &info);
	buf_add(&all, infoseq.p, infoseq.len);
	der(&sign, 0x04, cert, cert_len);
	der(&sign, 0x06, oid, sizeof oid);
	der(&sign, 0x03, sig, sizeof sig);
	der_seq(&all, &sign);
	der_seq(out, &all);
	free(header.p);
	free(prop.p);
	free(certs.p);
	free(pic.p);
	free(png.p);
	free(info.p);
	free(infoseq.p);
	free(sign.p);
	free(all.p);
}

static void
seal_build(struct buf *out, const char *holder, const unsigned char *cert,
	   size_t cert_len, time_t start, time_t end)
{
	seal_build_pic(out, holder, cert, cert_len, start, end, NULL);
}

#endif
