/*
 * test_seal.c - reading an electronic seal (SESeal DER) and scaling its
 * picture: the holder, validity, binding to the certificate, and refusals
 * of what is not a seal (truncated, wrong header, random bytes), and
 * placeholder pictures never drawn as a seal; its signature checked
 * against the CA: a good one, an altered one, a forged one, and none to
 * check it with.  The seals are made with the one definition both
 * programs use (src/common/sesseal.h, through tests/tools/sealgen.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

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
	seal_free(&s);
	/* Another certificate: not bound to it. */
	assert_int_equal(seal_parse(b.p, b.len, (const unsigned char *)"x", 1, &s), 0);
	assert_false(s.bound);
	seal_free(&s);
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
	for (size_t i = 0; i + 1 < b.len; i++) {
		if (b.p[i] == 'E' && b.p[i + 1] == 'S') {
			b.p[i] = 'X'; /* header "ES" -> "XS" */
			break;
		}
	}
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
	seal_free(&s);
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
		seal_free(&s);
		free(pic.p);
		free(b.p);
	}
}

/* A test CA: its key, and its self-signed certificate in a PEM file
 * (what the kiosk's [backend] ca_file names). */
static EVP_PKEY *ca_key;
static unsigned char *ca_der;
static int ca_der_len;
static char ca_file[] = "/tmp/cakiosk-seal-ca.XXXXXX";

static int
ca_setup(void **state)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);
	int fd = mkstemp(ca_file);
	FILE *f = fdopen(fd, "w");

	(void)state;
	ca_key = EVP_EC_gen("P-256");
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
				   (const unsigned char *)"Seal CA", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, ca_key);
	X509_sign(x, ca_key, EVP_sha256());
	PEM_write_X509(f, x);
	fclose(f);
	ca_der_len = i2d_X509(x, &ca_der);
	X509_free(x);
	return ca_key != NULL && ca_der_len > 0 ? 0 : -1;
}

static int
ca_teardown(void **state)
{
	(void)state;
	unlink(ca_file);
	OPENSSL_free(ca_der);
	EVP_PKEY_free(ca_key);
	return 0;
}

static void
test_signature(void **state)
{
	struct buf good = {0}, forged = {0};
	struct seal s;

	(void)state;
	seal_build_signed(&good, "湖南测试科技有限公司", cert, sizeof cert, 1764000000,
			  1795536000, NULL, ca_key, ca_der, (size_t)ca_der_len);
	assert_int_equal(seal_verify(good.p, good.len, ca_file), SEAL_SIG_OK);
	/* No CA to check it with: not said to be good. */
	assert_int_equal(seal_verify(good.p, good.len, NULL), SEAL_SIG_UNCHECKED);
	assert_int_equal(seal_verify(good.p, good.len, "/nonexistent/ca.pem"),
			 SEAL_SIG_UNCHECKED);
	/* Made by another key, naming the CA as its signer: forged. */
	seal_build_signed(&forged, "湖南测试科技有限公司", cert, sizeof cert, 1764000000,
			  1795536000, NULL, NULL, ca_der, (size_t)ca_der_len);
	assert_int_equal(seal_parse(forged.p, forged.len, cert, sizeof cert, &s), 0);
	seal_free(&s);
	assert_int_equal(seal_verify(forged.p, forged.len, ca_file), SEAL_SIG_BAD);
	/* Altered after signing: the holder's name, then a later year. */
	for (size_t i = 0; i + 3 < good.len; i++) {
		if (memcmp(good.p + i, "湖", 3) == 0) {
			memcpy(good.p + i, "湘", 3);
			break;
		}
	}
	assert_int_equal(seal_parse(good.p, good.len, cert, sizeof cert, &s), 0);
	assert_string_equal(s.holder, "湘南测试科技有限公司");
	seal_free(&s);
	assert_int_equal(seal_verify(good.p, good.len, ca_file), SEAL_SIG_BAD);
	/* Not a seal at all. */
	assert_int_equal(seal_verify((const unsigned char *)"x", 1, ca_file),
			 SEAL_SIG_BAD);
	free(good.p);
	free(forged.p);
}

/* The validity altered: the date the customer is shown, re-dated. */
static void
test_redated(void **state)
{
	struct buf b = {0};
	struct seal s;
	char end[64];
	struct tm tm;
	time_t t = 1795536000;

	(void)state;
	seal_build_signed(&b, "X", cert, sizeof cert, 1764000000, t, NULL, ca_key, ca_der,
			  (size_t)ca_der_len);
	gmtime_r(&t, &tm);
	/* UTCTime: two year digits, by definition. */
	snprintf(end, sizeof end, "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	for (size_t i = 0; i + 13 < b.len; i++) {
		if (memcmp(b.p + i, end, 13) == 0) {
			b.p[i + 1] = (unsigned char)(b.p[i + 1] + 1); /* a year later */
			break;
		}
	}
	assert_int_equal(seal_parse(b.p, b.len, NULL, 0, &s), 0);
	assert_true(s.valid_end > t);
	seal_free(&s);
	assert_int_equal(seal_verify(b.p, b.len, ca_file), SEAL_SIG_BAD);
	free(b.p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),     cmocka_unit_test(test_refuse),
		cmocka_unit_test(test_preview),   cmocka_unit_test(test_placeholder),
		cmocka_unit_test(test_signature), cmocka_unit_test(test_redated),
	};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests(tests, ca_setup, ca_teardown);
}
