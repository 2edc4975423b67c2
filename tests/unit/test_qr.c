/*
 * test_qr.c - a QR code drawn with half blocks decodes back to its text:
 * draw it, read the drawing back into modules, write an image, and let
 * zbarimg (Debian's zbar-tools) scan it like a phone would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qr.h"

#define MAXM 200
#define SCALE 4

/* Write the drawing as a PGM image with a wide light border, then scan it. */
static char *
scan(const struct qr *qr)
{
	static unsigned char m[MAXM * MAXM];
	static char out[1024];
	char path[] = "/tmp/cakiosk-qr-XXXXXX.pgm", cmd[256];
	int w, fd, border = 8 * SCALE;
	FILE *f;

	memset(m, 0, sizeof m);
	w = qr_unpack((const char *const *)qr->lines, qr->rows, m, MAXM);
	assert_int_equal(w, qr->modules);
	fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	int side = w * SCALE + 2 * border;
	fprintf(f, "P5 %d %d 255\n", side, side);
	for (int y = 0; y < side; y++) {
		for (int x = 0; x < side; x++) {
			int my = (y - border) / SCALE, mx = (x - border) / SCALE;
			int dark = y >= border && x >= border && my < w && mx < w &&
				   m[my * MAXM + mx];

			fputc(dark ? 0 : 255, f);
		}
	}
	fclose(f);
	snprintf(cmd, sizeof cmd, "zbarimg --raw -q %s 2>/dev/null", path);
	f = popen(cmd, "r");
	assert_non_null(f);
	out[0] = '\0';
	if (fgets(out, sizeof out, f) != NULL)
		out[strcspn(out, "\n")] = '\0';
	pclose(f);
	unlink(path);
	return out;
}

static void
test_decodes_back(void **state)
{
	static const char *const texts[] = {
		"https://127.0.0.1:8443/pay/sandbox/ORD-20261125-000042?t=9f3c",
		"https://ra.example.org/u/0123456789abcdef",
		"HELLO",
	};
	struct qr qr;

	(void)state;
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		assert_int_equal(qr_make(texts[i], &qr), 0);
		/* Square: as many columns as modules, half as many rows. */
		assert_int_equal(qr.rows, (qr.modules + 1) / 2);
		assert_string_equal(scan(&qr), texts[i]);
		qr_free(&qr);
	}
}

static void
test_fits_the_screen(void **state)
{
	struct qr qr;

	(void)state;
	/* A payment URL must fit the 19-row body of an 80x24 screen. */
	assert_int_equal(
		qr_make("https://127.0.0.1:8443/pay/sandbox/ORD-20261125-000042?t=9f3c",
			&qr),
		0);
	assert_true(qr.rows <= 19);
	assert_true(qr.modules <= 40);
	qr_free(&qr);
}

static void
test_unpack_rejects_other_text(void **state)
{
	const char *lines[] = {"█▀ x"};
	unsigned char m[16 * 16];

	(void)state;
	assert_int_equal(qr_unpack(lines, 1, m, 16), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decodes_back),
		cmocka_unit_test(test_fits_the_screen),
		cmocka_unit_test(test_unpack_rejects_other_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
