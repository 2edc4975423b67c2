/*
 * qr.c - QR code rendering with libqrencode (see qr.h).
 */
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "qr.h"
#include "xmem.h"

/* Half blocks, indexed by (top dark) << 1 | (bottom dark). */
static const char *const glyph[4] = {" ", "▄", "▀", "█"};

int
qr_make(const char *text, struct qr *out)
{
	QRcode *code;
	int n, m;

	memset(out, 0, sizeof *out);
	code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (code == NULL)
		return -1;
	n = code->width;
	m = n + 2 * QR_QUIET;
	out->modules = m;
	out->rows = (m + 1) / 2;
	out->lines = xcalloc((size_t)out->rows, sizeof *out->lines);
	for (int r = 0; r < out->rows; r++) {
		char *line = xmalloc((size_t)m * 3 + 1), *p = line;

		for (int c = 0; c < m; c++) {
			int bits = 0;

			for (int half = 0; half < 2; half++) {
				int y = 2 * r + half - QR_QUIET, x = c - QR_QUIET;

				/* Bit 0 of each libqrencode byte: dark module. */
				if (y >= 0 && y < n && x >= 0 && x < n &&
				    (code->data[y * n + x] & 1))
					bits |= half == 0 ? 2 : 1;
			}
			size_t len = strlen(glyph[bits]);
			memcpy(p, glyph[bits], len);
			p += len;
		}
		*p = '\0';
		out->lines[r] = line;
	}
	QRcode_free(code);
	return 0;
}

void
qr_free(struct qr *qr)
{
	for (int r = 0; r < qr->rows; r++)
		free(qr->lines[r]);
	free(qr->lines);
	memset(qr, 0, sizeof *qr);
}

int
qr_unpack(const char *const *lines, int rows, unsigned char *matrix, int max)
{
	int width = -1;

	for (int r = 0; r < rows; r++) {
		const char *p = lines[r];
		int c = 0;

		while (*p != '\0') {
			int bits = -1;

			for (int g = 0; g < 4; g++) {
				size_t len = strlen(glyph[g]);

				if (strncmp(p, glyph[g], len) == 0) {
					bits = g;
					p += len;
					break;
				}
			}
			if (bits < 0)
				return -1;
			if ((2 * r + 1) * max + c >= max * max || c >= max)
				return -1;
			matrix[(2 * r) * max + c] = (unsigned char)(bits >> 1 & 1);
			matrix[(2 * r + 1) * max + c] = (unsigned char)(bits & 1);
			c++;
		}
		if (width >= 0 && c != width)
			return -1;
		width = c;
	}
	return width;
}
