/*
 * seal.c - reading an SESeal and drawing its picture small (see seal.h).
 *
 * The seal's structure is src/common/sesseal.h's, the one both programs
 * use; its signature is checked against the CA certificates the kiosk
 * trusts.  PNG pictures are decoded with libpng's simplified API.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <png.h>

#include "seal.h"
#include "sesseal.h"
#include "text.h"
#include "xmem.h"

static int
to_int(const ASN1_INTEGER *i)
{
	int64_t v = 0;

	return ASN1_INTEGER_get_int64(&v, i) == 1 && v >= 0 && v <= 1000 ? (int)v : -1;
}

static time_t
to_time(const ASN1_UTCTIME *t)
{
	struct tm tm;

	return ASN1_TIME_to_tm(t, &tm) == 1 ? timegm(&tm) : 0;
}

int
seal_parse(const unsigned char *der, size_t len, const unsigned char *cert,
	   size_t cert_len, struct seal *out)
{
	SES_Seal *s;
	const SES_ESPropertyInfo *p;
	const SES_ESPictureInfo *pic;
	char *clean;
	int n;

	memset(out, 0, sizeof *out);
	s = sesseal_read(der, len);
	if (s == NULL)
		return -1;
	p = s->esealInfo->property;
	pic = s->esealInfo->picture;
	n = ASN1_STRING_length(pic->type);
	if (n < 1 || n > 7) {
		SES_Seal_free(s);
		return -1;
	}
	out->type = to_int(p->type);
	clean = text_sanitize((const char *)ASN1_STRING_get0_data(p->name),
			      (size_t)ASN1_STRING_length(p->name), SEAL_NAME_MAX - 1, 0);
	memcpy(out->holder, clean, strlen(clean) + 1);
	free(clean);
	for (int i = 0; i < sk_ASN1_OCTET_STRING_num(p->certList); i++) {
		const ASN1_OCTET_STRING *c = sk_ASN1_OCTET_STRING_value(p->certList, i);

		out->certs++;
		if (cert != NULL && (size_t)ASN1_STRING_length(c) == cert_len &&
		    memcmp(ASN1_STRING_get0_data(c), cert, cert_len) == 0)
			out->bound = true;
	}
	out->valid_start = to_time(p->validStart);
	out->valid_end = to_time(p->validEnd);
	memcpy(out->picture_type, ASN1_STRING_get0_data(pic->type), (size_t)n);
	out->picture_type[n] = '\0';
	out->picture_len = (size_t)ASN1_STRING_length(pic->data);
	out->picture = xmalloc(out->picture_len > 0 ? out->picture_len : 1);
	memcpy((unsigned char *)out->picture, ASN1_STRING_get0_data(pic->data),
	       out->picture_len);
	SES_Seal_free(s);
	return 0;
}

void
seal_free(struct seal *seal)
{
	free((unsigned char *)seal->picture);
	seal->picture = NULL;
	seal->picture_len = 0;
}

enum seal_sig
seal_verify(const unsigned char *der, size_t len, const char *ca_file)
{
	SES_Seal *s = sesseal_read(der, len);
	enum seal_sig sig = SEAL_SIG_UNCHECKED;
	BIO *bio;
	X509 *ca;

	if (s == NULL)
		return SEAL_SIG_BAD;
	bio = ca_file != NULL && ca_file[0] != '\0' ? BIO_new_file(ca_file, "r") : NULL;
	/* Any of the CA certificates the kiosk trusts may have made it. */
	while (bio != NULL && sig != SEAL_SIG_OK &&
	       (ca = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		sig = sesseal_verify(s, X509_get0_pubkey(ca)) ? SEAL_SIG_OK
							      : SEAL_SIG_BAD;
		X509_free(ca);
	}
	BIO_free(bio);
	SES_Seal_free(s);
	return sig;
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
