/*
 * picture.c - decoding a picture into a small preview (see picture.h).
 *
 * Both decoders hand over one row at a time; each row is added into the
 * sums of the preview pixels it falls in (a box filter), so nothing the
 * size of the picture is ever allocated.  JPEGs are decoded at 1/2, 1/4 or
 * 1/8 of their size by libjpeg-turbo's scaled IDCT when the preview is that
 * much smaller: a phone's photo costs little.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "picture.h"
#include "xmem.h"

/* ---- the preview's sums ---------------------------------------------------- */

struct acc {
	unsigned w, h;   /* the picture as decoded */
	int cols, rows;  /* the preview box: cols x (2 * rows) pixels */
	int dw, dh;      /* the picture's part of it, aspect kept */
	uint64_t *sum;   /* dw * dh * 3 */
	uint32_t *count; /* dw * dh */
};

static bool
acc_init(struct acc *a, unsigned w, unsigned h, int cols, int rows)
{
	int bw = cols, bh = 2 * rows;
	double sx = (double)w / bw, sy = (double)h / bh, scale = sx > sy ? sx : sy;

	memset(a, 0, sizeof *a);
	if (w == 0 || h == 0 || cols < 1 || rows < 1)
		return false;
	a->w = w;
	a->h = h;
	a->cols = cols;
	a->rows = rows;
	/* A picture smaller than the box is not blown up. */
	if (scale < 1.0)
		scale = 1.0;
	a->dw = (int)(w / scale + 0.5);
	a->dh = (int)(h / scale + 0.5);
	a->dw = a->dw < 1 ? 1 : a->dw > bw ? bw : a->dw;
	a->dh = a->dh < 1 ? 1 : a->dh > bh ? bh : a->dh;
	a->sum = xcalloc((size_t)a->dw * (size_t)a->dh * 3, sizeof *a->sum);
	a->count = xcalloc((size_t)a->dw * (size_t)a->dh, sizeof *a->count);
	return true;
}

/* The sums and rows are an ID card's pixels: wiped when freed. */
static void
acc_free(struct acc *a)
{
	wipe_free(a->sum);
	wipe_free(a->count);
	memset(a, 0, sizeof *a);
}

/* Row y of the picture, channels 3 (RGB) or 4 (RGBA, over white). */
static void
acc_row(struct acc *a, unsigned y, const unsigned char *px, int channels)
{
	size_t ty = (size_t)y * (size_t)a->dh / a->h;

	for (unsigned x = 0; x < a->w; x++) {
		size_t tx = (size_t)x * (size_t)a->dw / a->w, i = ty * (size_t)a->dw + tx;
		const unsigned char *p = px + (size_t)x * (size_t)channels;
		unsigned alpha = channels == 4 ? p[3] : 255u;

		for (int k = 0; k < 3; k++)
			a->sum[3 * i + (size_t)k] +=
				(p[k] * alpha + 255u * (255u - alpha)) / 255u;
		a->count[i]++;
	}
}

/* The sums as the preview, centred on white; false when no row came. */
static bool
acc_out(const struct acc *a, uint32_t *rgb)
{
	int bw = a->cols, bh = 2 * a->rows, ox = (bw - a->dw) / 2, oy = (bh - a->dh) / 2;
	bool any = false;

	for (int i = 0; i < bw * bh; i++)
		rgb[i] = 0xffffff;
	for (int y = 0; y < a->dh; y++) {
		for (int x = 0; x < a->dw; x++) {
			size_t i = (size_t)y * (size_t)a->dw + (size_t)x;
			uint64_t n = a->count[i];

			if (n == 0)
				continue;
			any = true;
			rgb[(oy + y) * bw + ox + x] =
				(uint32_t)((a->sum[3 * i] / n) << 16 |
					   (a->sum[3 * i + 1] / n) << 8 |
					   a->sum[3 * i + 2] / n);
		}
	}
	return any;
}

static bool
too_large(unsigned long w, unsigned long h)
{
	return w > PICTURE_MAX_SIDE || h > PICTURE_MAX_SIDE ||
	       (unsigned long long)w * h > (unsigned long long)PICTURE_MAX_PIXELS;
}

/* ---- JPEG ------------------------------------------------------------------- */

struct jerr {
	struct jpeg_error_mgr pub;
	struct jpeg_progress_mgr progress;
	jmp_buf jb;
	enum picture_err why;
};

static void
jerr_exit(j_common_ptr c)
{
	struct jerr *e = (struct jerr *)c->err;

	e->why = PICTURE_BROKEN;
	longjmp(e->jb, 1);
}

/* Warnings (data cut short, a bad marker) say the picture is broken;
 * nothing is printed. */
static void
jerr_message(j_common_ptr c, int level)
{
	if (level < 0)
		c->err->num_warnings++;
}

static void
jerr_output(j_common_ptr c)
{
	(void)c;
}

/* A progressive JPEG of thousands of scans costs seconds: refused. */
static void
jpeg_progress(j_common_ptr c)
{
	struct jerr *e = (struct jerr *)c->err;

	if (c->is_decompressor &&
	    ((j_decompress_ptr)c)->input_scan_number > PICTURE_MAX_SCANS) {
		e->why = PICTURE_LARGE;
		longjmp(e->jb, 1);
	}
}

struct jstate {
	struct jpeg_decompress_struct d;
	struct jerr err;
	struct acc acc;
	unsigned char *row;
};

static enum picture_err
jpeg_preview(const unsigned char *data, size_t len, int cols, int rows, uint32_t *rgb,
	     unsigned *w_out, unsigned *h_out)
{
	struct jstate *j = xcalloc(1, sizeof *j);
	enum picture_err rc;
	unsigned denom = 1;

	j->d.err = jpeg_std_error(&j->err.pub);
	j->err.pub.error_exit = jerr_exit;
	j->err.pub.emit_message = jerr_message;
	j->err.pub.output_message = jerr_output;
	j->err.progress.progress_monitor = jpeg_progress;
	if (setjmp(j->err.jb) != 0) {
		rc = j->err.why;
		goto out;
	}
	jpeg_create_decompress(&j->d);
	j->d.progress = &j->err.progress;
	/* What libjpeg may hold (a progressive picture's coefficients). */
	j->d.mem->max_memory_to_use = PICTURE_JPEG_MEMORY;
	jpeg_mem_src(&j->d, data, (unsigned long)len);
	jpeg_read_header(&j->d, TRUE);
	*w_out = j->d.image_width;
	*h_out = j->d.image_height;
	if (too_large(j->d.image_width, j->d.image_height)) {
		rc = PICTURE_LARGE;
		goto out;
	}
	/* The largest scaled IDCT that still gives the preview every pixel. */
	while (denom < 8 && j->d.image_width / (denom * 2) >= (unsigned)cols &&
	       j->d.image_height / (denom * 2) >= 2u * (unsigned)rows)
		denom *= 2;
	j->d.scale_num = 1;
	j->d.scale_denom = denom;
	j->d.out_color_space = JCS_RGB;
	jpeg_start_decompress(&j->d);
	if (j->d.output_components != 3 ||
	    !acc_init(&j->acc, j->d.output_width, j->d.output_height, cols, rows)) {
		rc = PICTURE_BROKEN;
		goto out;
	}
	j->row = xmalloc((size_t)j->d.output_width * 3);
	while (j->d.output_scanline < j->d.output_height) {
		JSAMPROW r = j->row;
		unsigned y = j->d.output_scanline;

		if (jpeg_read_scanlines(&j->d, &r, 1) != 1)
			break;
		acc_row(&j->acc, y, j->row, 3);
	}
	jpeg_finish_decompress(&j->d);
	rc = j->err.pub.num_warnings == 0 && acc_out(&j->acc, rgb) ? PICTURE_OK
								   : PICTURE_BROKEN;
out:
	jpeg_destroy_decompress(&j->d);
	acc_free(&j->acc);
	wipe_free(j->row);
	free(j);
	return rc;
}

/* ---- PNG -------------------------------------------------------------------- */

struct pstate {
	png_structp png;
	png_infop info;
	const unsigned char *data;
	size_t len, at;
	struct acc acc;
	unsigned char *row;
};

static void
png_read_mem(png_structp png, png_bytep out, size_t n)
{
	struct pstate *p = png_get_io_ptr(png);

	if (n > p->len - p->at)
		png_error(png, "cut short");
	memcpy(out, p->data + p->at, n);
	p->at += n;
}

static void
png_quiet(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void
png_fail(png_structp png, png_const_charp msg)
{
	(void)msg;
	png_longjmp(png, 1);
}

static enum picture_err
png_preview(const unsigned char *data, size_t len, int cols, int rows, uint32_t *rgb,
	    unsigned *w_out, unsigned *h_out)
{
	struct pstate *p = xcalloc(1, sizeof *p);
	enum picture_err rc = PICTURE_BROKEN;
	int passes;
	png_uint_32 w, h;

	/* The size, from the IHDR chunk that comes first, before libpng (whose
	 * own limits say no less, but only as an error). */
	if (len >= 24 && memcmp(data + 12, "IHDR", 4) == 0) {
		*w_out = (unsigned)data[16] << 24 | (unsigned)data[17] << 16 |
			 (unsigned)data[18] << 8 | data[19];
		*h_out = (unsigned)data[20] << 24 | (unsigned)data[21] << 16 |
			 (unsigned)data[22] << 8 | data[23];
		if (too_large(*w_out, *h_out)) {
			free(p);
			return PICTURE_LARGE;
		}
	}
	p->data = data;
	p->len = len;
	p->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, png_fail, png_quiet);
	if (p->png == NULL || (p->info = png_create_info_struct(p->png)) == NULL)
		goto out;
	if (setjmp(png_jmpbuf(p->png)) != 0) {
		rc = PICTURE_BROKEN;
		goto out;
	}
	/* The header's size is checked below; an ancillary chunk is small. */
	png_set_user_limits(p->png, PICTURE_MAX_SIDE, PICTURE_MAX_SIDE);
	png_set_chunk_malloc_max(p->png, 1L << 20);
	png_set_chunk_cache_max(p->png, 64);
	png_set_read_fn(p->png, p, png_read_mem);
	png_read_info(p->png, p->info);
	w = png_get_image_width(p->png, p->info);
	h = png_get_image_height(p->png, p->info);
	*w_out = w;
	*h_out = h;
	if (too_large(w, h)) {
		rc = PICTURE_LARGE;
		goto out;
	}
	png_set_expand(p->png);
	png_set_strip_16(p->png);
	png_set_gray_to_rgb(p->png);
	png_set_add_alpha(p->png, 0xff, PNG_FILLER_AFTER);
	passes = png_set_interlace_handling(p->png);
	png_read_update_info(p->png, p->info);
	if (png_get_rowbytes(p->png, p->info) != (size_t)w * 4 ||
	    !acc_init(&p->acc, w, h, cols, rows))
		goto out;
	p->row = xmalloc((size_t)w * 4);
	/* Interlaced: the last pass holds every odd row whole; the rows of
	 * the earlier passes are read and dropped. */
	for (int pass = 0; pass < passes; pass++) {
		for (png_uint_32 y = 0; y < h; y++) {
			png_read_row(p->png, p->row, NULL);
			if (pass == passes - 1 && (passes == 1 || y % 2 == 1))
				acc_row(&p->acc, y, p->row, 4);
		}
	}
	rc = acc_out(&p->acc, rgb) ? PICTURE_OK : PICTURE_BROKEN;
out:
	png_destroy_read_struct(&p->png, &p->info, NULL);
	acc_free(&p->acc);
	wipe_free(p->row);
	free(p);
	return rc;
}

enum picture_err
picture_preview(const unsigned char *data, size_t len, int cols, int rows, uint32_t *rgb,
		unsigned *w_out, unsigned *h_out)
{
	unsigned w = 0, h = 0;
	enum picture_err rc;

	if (data == NULL || cols < 1 || rows < 1)
		return PICTURE_NOT;
	if (len > (size_t)PICTURE_MAX_BYTES)
		rc = PICTURE_LARGE;
	else if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
		rc = jpeg_preview(data, len, cols, rows, rgb, &w, &h);
	else if (len >= 8 && png_sig_cmp(data, 0, 8) == 0)
		rc = png_preview(data, len, cols, rows, rgb, &w, &h);
	else
		rc = PICTURE_NOT;
	if (w_out != NULL)
		*w_out = w;
	if (h_out != NULL)
		*h_out = h;
	return rc;
}
