/*
 * seal.c - reading an SESeal and drawing its picture small (see seal.h).
 *
 * DER is walked with OpenSSL's ASN1_get_object(), one TLV at a time, with
 * every length checked against what is left; PNG pictures are decoded with
 * libpng's simplified API.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <png.h>

#include "seal.h"
#include "text.h"
#include "xmem.h"

/* One element: its tag, its content, and where the next one starts. */
struct tlv {
	int tag;
	bool constructed;
	const unsigned char *p;
	long len;
};

/* Read the element at *pp (at most left bytes); advance *pp past it. */
static bool
next(const unsigned char **pp, long *left, struct tlv *t)
{
	const unsigned char *p = *pp;
	int tag, xclass, ret;
	long len;

	if (*left <= 0)
		return false;
	ret = ASN1_get_object(&p, &len, &tag, &xclass, *left);
	if ((ret & 0x80) || xclass != V_ASN1_UNIVERSAL || (ret & 0x01))
		return false; /* error, a tag we do not expect, or indefinite length */
	if (len < 0 || len > *left - (long)(p - *pp))
		return false;
	t->tag = tag;
	t->constructed = (ret & V_ASN1_CONSTRUCTED) != 0;
	t->p = p;
	t->len = len;
	*left -= (long)(p - *pp) + len;
	*pp = p + len;
	return true;
}

static bool
expect(const unsigned char **pp, long *left, int tag, struct tlv *t)
{
	return next(pp, left, t) && t->tag == tag &&
	       t->constructed == (tag == V_ASN1_SEQUENCE);
}

static long
to_long(const struct tlv *t)
{
	long v = 0;

	if (t->len < 1 || t->len > 4)
		return -1;
	for (long i = 0; i < t->len; i++)
		v = v << 8 | t->p[i];
	return v;
}

static time_t
to_time(const struct tlv *t)
{
	ASN1_UTCTIME *u = ASN1_UTCTIME_new();
	struct tm tm;
	time_t r = 0;

	if (u != NULL && ASN1_STRING_set(u, t->p, (int)t->len) == 1 &&
	    ASN1_TIME_to_tm(u, &tm) == 1)
		r = timegm(&tm);
	ASN1_UTCTIME_free(u);
	return r;
}

int
seal_parse(const unsigned char *der, size_t len, const unsigned char *cert,
	   size_t cert_len, struct seal *out)
{
	const unsigned char *p = der, *q, *r;
	long left = (long)len, qleft, rleft;
	struct tlv seal, info, t, prop, pic;

	memset(out, 0, sizeof *out);
	if (len > 16 * 1024 * 1024 || !expect(&p, &left, V_ASN1_SEQUENCE, &seal))
		return -1;
	q = seal.p;
	qleft = seal.len;
	if (!expect(&q, &qleft, V_ASN1_SEQUENCE, &info))
		return -1;
	/* esealInfo: header, esID, property, picture */
	r = info.p;
	rleft = info.len;
	if (!expect(&r, &rleft, V_ASN1_SEQUENCE, &t)) /* header */
		return -1;
	if (t.len < 4 || memcmp(t.p,
				"\x16\x02"
				"ES",
				4) != 0)
		return -1;
	if (!expect(&r, &rleft, V_ASN1_IA5STRING, &t)) /* esID */
		return -1;
	if (!expect(&r, &rleft, V_ASN1_SEQUENCE, &prop) ||
	    !expect(&r, &rleft, V_ASN1_SEQUENCE, &pic))
		return -1;

	const unsigned char *s = prop.p;
	long sleft = prop.len;
	struct tlv list;
	char *clean;

	if (!expect(&s, &sleft, V_ASN1_INTEGER, &t))
		return -1;
	out->type = (int)to_long(&t);
	if (!expect(&s, &sleft, V_ASN1_UTF8STRING, &t))
		return -1;
	clean = text_sanitize((const char *)t.p, (size_t)t.len, SEAL_NAME_MAX - 1, 0);
	memcpy(out->holder, clean, strlen(clean) + 1);
	free(clean);
	if (!expect(&s, &sleft, V_ASN1_SEQUENCE, &list))
		return -1;
	const unsigned char *c = list.p;
	long cleft = list.len;
	while (cleft > 0) {
		if (!expect(&c, &cleft, V_ASN1_OCTET_STRING, &t))
			return -1;
		out->certs++;
		if (cert != NULL && (size_t)t.len == cert_len &&
		    memcmp(t.p, cert, cert_len) == 0)
			out->bound = true;
	}
	if (!expect(&s, &sleft, V_ASN1_UTCTIME, &t)) /* createDate */
		return -1;
	if (!expect(&s, &sleft, V_ASN1_UTCTIME, &t))
		return -1;
	out->valid_start = to_time(&t);
	if (!expect(&s, &sleft, V_ASN1_UTCTIME, &t))
		return -1;
	out->valid_end = to_time(&t);

	s = pic.p;
	sleft = pic.len;
	if (!expect(&s, &sleft, V_ASN1_IA5STRING, &t) || t.len < 1 || t.len > 7)
		return -1;
	memcpy(out->picture_type, t.p, (size_t)t.len);
	out->picture_type[t.len] = '\0';
	if (!expect(&s, &sleft, V_ASN1_OCTET_STRING, &t))
		return -1;
	out->picture = t.p;
	out->picture_len = (size_t)t.len;
	return 0;
}

/* One colour all over (alpha over white): a block, not a seal. */
static bool
flat(const unsigned char *px, const png_image *img)
{
	size_t n = (size_t)img->width * img->height;
	uint32_t first = 0;

	for (size_t i = 0; i < n; i++) {
		const unsigned char *q = px + 4 * i;
		uint32_t c = 0;

		for (int k = 0; k < 3; k++)
			c = c << 8 | (q[k] * q[3] + 255u * (255u - q[3])) / 255u;
		if (i == 0)
			first = c;
		else if (c != first)
			return false;
	}
	return true;
}

int
seal_preview(const struct seal *seal, int cols, int rows, uint32_t *rgb)
{
	png_image img;
	unsigned char *px = NULL;
	int w = cols, h = 2 * rows, rc = -1;

	for (int i = 0; i < w * h; i++)
		rgb[i] = 0xffffff;
	if (strcmp(seal->picture_type, "PNG") != 0 || seal->picture == NULL)
		return -1;
	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&img, seal->picture, seal->picture_len))
		return -1;
	img.format = PNG_FORMAT_RGBA;
	if (img.width == 0 || img.height == 0 || img.width > 4096 || img.height > 4096)
		goto out;
	/* Too small to show a seal: a placeholder, not a picture of one. */
	if (img.width < SEAL_PICTURE_MIN || img.height < SEAL_PICTURE_MIN)
		goto out;
	px = xmalloc(PNG_IMAGE_SIZE(img));
	if (!png_image_finish_read(&img, NULL, px, 0, NULL) || flat(px, &img))
		goto out;
	/* Fit, keeping the aspect; pixels here are square (half-block cells). */
	double sx = (double)img.width / w, sy = (double)img.height / h;
	double scale = sx > sy ? sx : sy;
	int dw = (int)(img.width / scale), dh = (int)(img.height / scale);
	int ox = (w - dw) / 2, oy = (h - dh) / 2;

	for (int y = 0; y < dh; y++) {
		for (int x = 0; x < dw; x++) {
			/* Average the source block, alpha over white. */
			unsigned x0 = (unsigned)(x * scale),
				 x1 = (unsigned)((x + 1) * scale);
			unsigned y0 = (unsigned)(y * scale),
				 y1 = (unsigned)((y + 1) * scale);
			unsigned long sum[3] = {0, 0, 0}, n = 0;

			if (x1 <= x0)
				x1 = x0 + 1;
			if (y1 <= y0)
				y1 = y0 + 1;
			for (unsigned yy = y0; yy < y1 && yy < img.height; yy++) {
				for (unsigned xx = x0; xx < x1 && xx < img.width; xx++) {
					const unsigned char *q =
						px + 4 * ((size_t)yy * img.width + xx);

					for (int k = 0; k < 3; k++)
						sum[k] += (q[k] * q[3] +
							   255u * (255u - q[3])) /
							  255u;
					n++;
				}
			}
			if (n == 0)
				continue;
			rgb[(oy + y) * w + ox + x] =
				(uint32_t)((sum[0] / n) << 16 | (sum[1] / n) << 8 |
					   sum[2] / n);
		}
	}
	rc = 0;
out:
	png_image_free(&img);
	free(px);
	return rc;
}
