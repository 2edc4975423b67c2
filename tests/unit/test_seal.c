/*
 * test_seal.c - reading an electronic seal (SESeal DER) and scaling its
 * picture: the holder, validity, binding to the certificate, and refusals
 * of what is not a seal (truncated, wrong header, random bytes), and
 * placeholder pictures never drawn as a seal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>

#include "../tools/sealgen.h"
#include "seal.h"

static const unsigned char cert[] = "not really a certificate, but its bytes";

static void
test_parse(void **state)
{
	struct buf b = {0};
	struct seal s;

	(void)state;
	seal_build(&b, "湖南测试科技有限公司", cert, sizeof cert, 1764000000, 1795536000);
	assert_int_equal(seal_parse(b.p, b.len, cert, sizeof cert, &s), 0);
	assert_string_equal(s.holder, "湖南测试科技有限公司");
	assert_int_equal(s.type, 1);
	assert_int_equal(s.valid_start, 1764000000);
	assert_int_equal(s.valid_end, 1795536000);
	assert_string_equal(s.picture_type, "PNG");
	assert_int_equal(s.certs, 1);
	assert_true(s.bound);
	/* Another certificate: not bound to it. */
	assert_int_equal(seal_parse(b.p, b.len, (const unsigned char *)"x", 1, &s), 0);
	assert_false(s.bound);
	free(b.p);
}

static void
test_refuse(void **state)
{
	struct buf b = {0};
	struct seal s;
	unsigned char junk[256];

	(void)state;
	seal_build(&b, "X", cert, sizeof cert, 1764000000, 1795536000);
	/* Every truncation is refused, none reads past the end. */
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(seal_parse(b.p, n, NULL, 0, &s), -1);
	b.p[8] = 'X'; /* header "ES" -> "XS" */
	assert_int_equal(seal_parse(b.p, b.len, NULL, 0, &s), -1);
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (unsigned char)(i * 37 + 11);
	assert_int_equal(seal_parse(junk, sizeof junk, NULL, 0, &s), -1);
	free(b.p);
}

static void
test_preview(void **state)
{
	struct buf b = {0};
	struct seal s;
	uint32_t px[12 * 12];
	int red = 0, white = 0;

	(void)state;
	seal_build(&b, "X", cert, sizeof cert, 1764000000, 1795536000);
	assert_int_equal(seal_parse(b.p, b.len, NULL, 0, &s), 0);
	assert_int_equal(seal_preview(&s, 12, 6, px), 0);
	for (int i = 0; i < 12 * 12; i++) {
		if (px[i] == 0xffffff)
			white++;
		else if ((px[i] >> 16) > ((px[i] >> 8 & 0xff) + 0x40))
			red++;
	}
	/* A red ring on white paper: both, and the corners are paper. */
	assert_true(red > 20);
	assert_true(white > 40);
	assert_int_equal(px[0], 0xffffff);
	assert_int_equal(px[12 * 12 - 1], 0xffffff);
	/* The centre dot is red. */
	assert_true((px[6 * 12 + 6] >> 16) > 150);
	free(b.p);
}

/* A placeholder picture (1x1, or one colour all over) is never drawn as a
 * seal: the red block a seal from before pictures carried. */
static void
test_placeholder(void **state)
{
	static const int sizes[][2] = {{1, 1}, {8, 8}, {48, 48}, {200, 10}};
	uint32_t px[12 * 12];

	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct buf pic = {0}, b = {0};
		struct seal s;

		flat_png(&pic, sizes[i][0], sizes[i][1]);
		seal_build_pic(&b, "X", cert, sizeof cert, 1764000000, 1795536000, &pic);
		assert_int_equal(seal_parse(b.p, b.len, NULL, 0, &s), 0);
		assert_int_equal(seal_preview(&s, 12, 6, px), -1);
		/* Nothing drawn: paper only. */
		for (int k = 0; k < 12 * 12; k++)
			assert_int_equal(px[k], 0xffffff);
		free(pic.p);
		free(b.p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_refuse),
		cmocka_unit_test(test_preview),
		cmocka_unit_test(test_placeholder),
	};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
