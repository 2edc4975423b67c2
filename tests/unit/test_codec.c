/*
 * test_codec.c - the encodings both programs share (src/common/codec.c):
 * base64, hex, SHA-256 hex and PEM, against known answers and bad input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "codec.h"

static void
test_base64(void **state)
{
	unsigned char *out = NULL;
	size_t len = 0;
	char *s;

	(void)state;
	s = codec_base64_encode("foob", 4);
	assert_string_equal(s, "Zm9vYg==");
	free(s);
	s = codec_base64_encode("", 0);
	assert_string_equal(s, "");
	free(s);
	assert_int_equal(codec_base64_decode("Zm9vYg==", &out, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(out, "foob", 4);
	free(out);
	assert_int_equal(codec_base64_decode("Zm9vYmE=", &out, &len), 0);
	assert_int_equal(len, 5);
	free(out);
	assert_int_equal(codec_base64_decode("Zm9", &out, &len), -1);
	assert_int_equal(codec_base64_decode("Zm9v!!==", &out, &len), -1);
}

static void
test_hex(void **state)
{
	static const unsigned char raw[] = {0x00, 0xab, 0x7f, 0xff};
	unsigned char back[8];
	char hex[9];

	(void)state;
	codec_hex(raw, sizeof raw, hex);
	assert_string_equal(hex, "00ab7fff");
	assert_int_equal(codec_unhex("00AB7fff", back, sizeof back), 4);
	assert_memory_equal(back, raw, 4);
	assert_int_equal(codec_unhex("00:ab:7f:ff", back, sizeof back), 4);
	assert_memory_equal(back, raw, 4);
	assert_int_equal(codec_unhex("0g", back, sizeof back), -1);
	assert_int_equal(codec_unhex("abc", back, sizeof back), -1);
	assert_int_equal(codec_unhex("", back, sizeof back), -1);
	assert_int_equal(codec_unhex("001122334455667788", back, sizeof back), -1);
}

static void
test_sha256_hex(void **state)
{
	char out[65];

	(void)state;
	codec_sha256_hex("abc", 3, out);
	assert_string_equal(
		out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
test_pem(void **state)
{
	unsigned char der[100], *back;
	size_t len = 0;
	char *pem;

	(void)state;
	for (size_t i = 0; i < sizeof der; i++)
		der[i] = (unsigned char)(i * 7);
	pem = codec_pem_encode("CERTIFICATE REQUEST", der, sizeof der);
	assert_non_null(strstr(pem, "-----BEGIN CERTIFICATE REQUEST-----\n"));
	assert_non_null(strstr(pem, "-----END CERTIFICATE REQUEST-----\n"));
	back = codec_pem_decode(pem, "CERTIFICATE REQUEST", &len);
	assert_non_null(back);
	assert_int_equal(len, sizeof der);
	assert_memory_equal(back, der, sizeof der);
	free(back);
	assert_null(codec_pem_decode(pem, "CERTIFICATE", &len));
	assert_null(codec_pem_decode("not a pem", "CERTIFICATE", &len));
	free(pem);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_sha256_hex),
		cmocka_unit_test(test_pem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
