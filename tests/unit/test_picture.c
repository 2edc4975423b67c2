/*
 * test_picture.c - the upload step's picture preview decoder
 * (src/core/picture.c) on pictures made here with libjpeg and libpng: good
 * JPEGs (baseline, progressive, greyscale) and PNGs (RGB, palette,
 * interlaced, transparent) come out as the colours they hold; every
 * truncation is refused without reading past the end; headers that claim
 * a huge picture (decompression bombs), a progressive JPEG of 190 scans or
 * of more coefficients than libjpeg may hold, and too many bytes are
 * refused before any decoding; garbage and PDFs are not
 * pictures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "picture.h"

#define W 64
#define H 32
#define COLS 8
#define ROWS 2

/* Left half red, right half blue. */
static unsigned char *
halves(int channels)
{
	unsigned char *px = calloc((size_t)W * H, (size_t)channels);

	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			unsigned char *p = px + ((size_t)y * W + x) * (size_t)channels;

			p[0] = x < W / 2 ? 255 : 0;
			if (channels >= 3) {
				p[2] = x < W / 2 ? 0 : 255;
			}
			if (channels == 4)
				p[3] = 255;
		}
	return px;
}

static unsigned char *
make_jpeg(bool progressive, bool grey, int many_scans, unsigned long *len)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr err;
	unsigned char *out = NULL, *px = halves(3);
	jpeg_scan_info scans[1 + 3 * 63];

	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &out, len);
	c.image_width = W;
	c.image_height = H;
	c.input_components = grey ? 1 : 3;
	c.in_color_space = grey ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 95, TRUE);
	if (progressive)
		jpeg_simple_progression(&c);
	if (many_scans) {
		/* DC of all three, then each AC coefficient of each alone. */
		int n = 0;

		scans[n++] = (jpeg_scan_info){3, {0, 1, 2, 0}, 0, 0, 0, 0};
		for (int k = 0; k < 3; k++)
			for (int s = 1; s <= 63; s++)
				scans[n++] =
					(jpeg_scan_info){1, {k, 0, 0, 0}, s, s, 0, 0};
		c.scan_info = scans;
		c.num_scans = n;
	}
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		unsigned char grey_row[W];
		JSAMPROW r = px + (size_t)c.next_scanline * W * 3;

		if (grey) {
			for (int x = 0; x < W; x++)
				grey_row[x] = x < W / 2 ? 40 : 220;
			r = grey_row;
		}
		jpeg_write_scanlines(&c, &r, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	free(px);
	return out;
}

struct mem {
	unsigned char *p;
	size_t len;
};

static void
mem_write(png_structp png, png_bytep d, size_t n)
{
	struct mem *m = png_get_io_ptr(png);

	m->p = realloc(m->p, m->len + n);
	memcpy(m->p + m->len, d, n);
	m->len += n;
}

static void
mem_flush(png_structp png)
{
	(void)png;
}

/* type: PNG_COLOR_TYPE_RGB, _RGBA (the right half transparent) or _PALETTE. */
static unsigned char *
make_png(int type, bool interlaced, size_t *len)
{
	png_structp png =
		png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	struct mem m = {0};
	unsigned char *px = halves(4), row[W * 4];

	png_set_write_fn(png, &m, mem_write, mem_flush);
	png_set_IHDR(png, info, W, H, 8, type,
		     interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (type == PNG_COLOR_TYPE_PALETTE) {
		png_color pal[2] = {{255, 0, 0}, {0, 0, 255}};

		png_set_PLTE(png, info, pal, 2);
	}
	png_write_info(png, info);
	for (int pass = 0; pass < (interlaced ? 7 : 1); pass++)
		for (int y = 0; y < H; y++) {
			for (int x = 0; x < W; x++) {
				const unsigned char *p = px + ((size_t)y * W + x) * 4;

				if (type == PNG_COLOR_TYPE_PALETTE) {
					row[x] = x < W / 2 ? 0 : 1;
				} else if (type == PNG_COLOR_TYPE_RGB) {
					memcpy(row + x * 3, p, 3);
				} else {
					memcpy(row + x * 4, p, 4);
					row[x * 4 + 3] = x < W / 2 ? 255 : 0;
				}
			}
			png_write_row(png, row);
		}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	free(px);
	*len = m.len;
	return m.p;
}

/* The preview's left part is near lc, its right part near rc. */
static void
assert_halves(const uint32_t *rgb, uint32_t lc, uint32_t rc)
{
	/* The 64x32 picture fills the 8x4 box whole. */
	for (int y = 0; y < 2 * ROWS; y++) {
		for (int x = 0; x < COLS; x++) {
			uint32_t want = x < COLS / 2 ? lc : rc, got = rgb[y * COLS + x];

			for (int k = 0; k < 24; k += 8) {
				int d = (int)((got >> k) & 0xff) -
					(int)((want >> k) & 0xff);

				if (d < -24 || d > 24)
					fail_msg("pixel %d,%d is %06x, not near %06x", x,
						 y, got, want);
			}
		}
	}
}

static void
test_jpeg(void **state)
{
	uint32_t rgb[COLS * 2 * ROWS];
	unsigned long len;
	unsigned w, h;
	unsigned char *j;

	(void)state;
	j = make_jpeg(false, false, 0, &len);
	assert_int_equal(picture_preview(j, len, COLS, ROWS, rgb, &w, &h), PICTURE_OK);
	assert_int_equal(w, W);
	assert_int_equal(h, H);
	assert_halves(rgb, 0xff0000, 0x0000ff);
	free(j);
	j = make_jpeg(true, false, 0, &len);
	assert_int_equal(picture_preview(j, len, COLS, ROWS, rgb, NULL, NULL),
			 PICTURE_OK);
	assert_halves(rgb, 0xff0000, 0x0000ff);
	free(j);
	j = make_jpeg(false, true, 0, &len);
	assert_int_equal(picture_preview(j, len, COLS, ROWS, rgb, NULL, NULL),
			 PICTURE_OK);
	assert_halves(rgb, 0x282828, 0xdcdcdc);
	free(j);
}

static void
test_png(void **state)
{
	/* RGB, palette, interlaced; transparent shows as the paper. */
	static const struct {
		int type;
		bool interlaced;
		uint32_t right;
	} cases[] = {
		{PNG_COLOR_TYPE_RGB, false, 0x0000ff},
		{PNG_COLOR_TYPE_PALETTE, false, 0x0000ff},
		{PNG_COLOR_TYPE_RGB, true, 0x0000ff},
		{PNG_COLOR_TYPE_RGBA, false, 0xffffff},
	};
	uint32_t rgb[COLS * 2 * ROWS];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len;
		unsigned char *p = make_png(cases[i].type, cases[i].interlaced, &len);

		assert_int_equal(picture_preview(p, len, COLS, ROWS, rgb, NULL, NULL),
				 PICTURE_OK);
		assert_halves(rgb, 0xff0000, cases[i].right);
		free(p);
	}
}

/* A picture smaller than the box keeps its size, centred on white. */
static void
test_small(void **state)
{
	uint32_t rgb[40 * 2 * 10];
	size_t len;
	unsigned char *p = make_png(PNG_COLOR_TYPE_RGB, false, &len);

	(void)state;
	assert_int_equal(picture_preview(p, len, 40, 10, rgb, NULL, NULL), PICTURE_OK);
	/* 64x32 into 40x20: 40x20, whole; into one cell: one pixel high. */
	assert_int_equal(rgb[0] >> 16, 0xff);
	assert_int_equal(picture_preview(p, len, 1, 1, rgb, NULL, NULL), PICTURE_OK);
	free(p);
}

/* Every cut of d shorter than upto bytes is refused.  Each cut is its own
 * allocation: ASan sees any read past it. */
static void
assert_cuts_refused(const unsigned char *d, size_t upto)
{
	uint32_t rgb[COLS * 2 * ROWS];

	for (size_t n = 0; n < upto; n++) {
		unsigned char *cut = malloc(n + 1);

		memcpy(cut, d, n);
		assert_int_not_equal(picture_preview(cut, n, COLS, ROWS, rgb, NULL, NULL),
				     PICTURE_OK);
		free(cut);
	}
}

static void
test_truncated(void **state)
{
	unsigned long jlen, pjlen;
	size_t plen;
	unsigned char *j = make_jpeg(false, false, 0, &jlen);
	unsigned char *pj = make_jpeg(true, false, 0, &pjlen);
	unsigned char *p = make_png(PNG_COLOR_TYPE_RGB, false, &plen);

	(void)state;
	assert_cuts_refused(j, jlen - 2); /* all but the end marker */
	assert_cuts_refused(pj, pjlen);
	/* PNG: everything up to the last chunk (IEND, 12 bytes) is needed. */
	assert_cuts_refused(p, plen - 12);
	free(j);
	free(pj);
	free(p);
}

/* The CRC-32 of PNG chunks (ISO 3309). */
static uint32_t
crc32_png(const unsigned char *d, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= d[i];
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
	}
	return c ^ 0xffffffffu;
}

/* A PNG's IHDR claiming w x h, its CRC right. */
static void
png_claims(unsigned char *p, uint32_t w, uint32_t h)
{
	unsigned char *ihdr = p + 12; /* after the signature and the length */
	uint32_t crc;

	for (int i = 0; i < 4; i++) {
		ihdr[4 + i] = (unsigned char)(w >> (24 - 8 * i));
		ihdr[8 + i] = (unsigned char)(h >> (24 - 8 * i));
	}
	crc = crc32_png(ihdr, 17);
	for (int i = 0; i < 4; i++)
		ihdr[17 + i] = (unsigned char)(crc >> (24 - 8 * i));
}

/* A JPEG's SOF claiming w x h. */
static void
jpeg_claims(unsigned char *j, unsigned long len, unsigned w, unsigned h)
{
	for (unsigned long i = 2; i + 9 < len; i++)
		if (j[i] == 0xff && (j[i + 1] == 0xc0 || j[i + 1] == 0xc2)) {
			j[i + 5] = (unsigned char)(h >> 8);
			j[i + 6] = (unsigned char)h;
			j[i + 7] = (unsigned char)(w >> 8);
			j[i + 8] = (unsigned char)w;
			return;
		}
	fail_msg("no SOF");
}

static void
test_bombs(void **state)
{
	uint32_t rgb[COLS * 2 * ROWS];
	unsigned long jlen;
	size_t plen;
	unsigned w, h;
	unsigned char *j, *p;

	(void)state;
	/* A PNG of a few hundred bytes claiming 60000 x 60000, and one within
	 * each side's limit but over the pixels (10000 x 9000). */
	p = make_png(PNG_COLOR_TYPE_RGB, false, &plen);
	png_claims(p, 60000, 60000);
	assert_int_equal(picture_preview(p, plen, COLS, ROWS, rgb, &w, &h),
			 PICTURE_LARGE);
	png_claims(p, 10000, 9000);
	assert_int_equal(picture_preview(p, plen, COLS, ROWS, rgb, &w, &h),
			 PICTURE_LARGE);
	assert_int_equal(w, 10000);
	free(p);
	j = make_jpeg(false, false, 0, &jlen);
	jpeg_claims(j, jlen, 65000, 65000);
	assert_int_equal(picture_preview(j, jlen, COLS, ROWS, rgb, &w, &h),
			 PICTURE_LARGE);
	assert_int_equal(w, 65000);
	jpeg_claims(j, jlen, 9000, 9000);
	assert_int_equal(picture_preview(j, jlen, COLS, ROWS, rgb, NULL, NULL),
			 PICTURE_LARGE);
	free(j);
	/* A progressive JPEG within the pixels, whose coefficients would take
	 * 216 MiB: libjpeg's memory cap refuses it before allocating them. */
	j = make_jpeg(true, false, 0, &jlen);
	jpeg_claims(j, jlen, 9000, 4000);
	assert_int_not_equal(picture_preview(j, jlen, COLS, ROWS, rgb, NULL, NULL),
			     PICTURE_OK);
	free(j);
	/* A progressive JPEG of 190 scans: refused while it is read. */
	j = make_jpeg(true, false, 1, &jlen);
	assert_int_equal(picture_preview(j, jlen, COLS, ROWS, rgb, NULL, NULL),
			 PICTURE_LARGE);
	free(j);
	/* More bytes than a document may have: not even looked at. */
	j = make_jpeg(false, false, 0, &jlen);
	assert_int_equal(picture_preview(j, (size_t)PICTURE_MAX_BYTES + 1, COLS, ROWS,
					 rgb, NULL, NULL),
			 PICTURE_LARGE);
	free(j);
}

static void
test_garbage(void **state)
{
	uint32_t rgb[COLS * 2 * ROWS];
	unsigned char junk[4096];
	static const unsigned char pdf[] = "%PDF-1.4\n%fake\n";

	(void)state;
	srand(7);
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof junk; i++)
			junk[i] = (unsigned char)rand();
		/* Half of them start like a JPEG or a PNG. */
		if (round % 3 == 1)
			memcpy(junk, "\xff\xd8\xff", 3);
		else if (round % 3 == 2)
			memcpy(junk, "\x89PNG\r\n\x1a\n", 8);
		assert_int_not_equal(
			picture_preview(junk, sizeof junk, COLS, ROWS, rgb, NULL, NULL),
			PICTURE_OK);
	}
	assert_int_equal(
		picture_preview(pdf, sizeof pdf - 1, COLS, ROWS, rgb, NULL, NULL),
		PICTURE_NOT);
	assert_int_equal(picture_preview(NULL, 0, COLS, ROWS, rgb, NULL, NULL),
			 PICTURE_NOT);
	memcpy(junk, "\xff\xd8\xff", 3);
	assert_int_equal(picture_preview(junk, 3, COLS, ROWS, rgb, NULL, NULL),
			 PICTURE_BROKEN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jpeg),  cmocka_unit_test(test_png),
		cmocka_unit_test(test_small), cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bombs), cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
