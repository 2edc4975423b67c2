/*
 * test_token_obj.c - what the token layer puts on a token, against real
 * SoftHSM2 tokens through libp11 and the PKCS#11 test module: on-token keys
 * (RSA-2048, EC P-256), CSRs and signatures made by the token, certificates
 * written and refused, data objects, and text from the token sanitized.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "bed.h"
#include "testca.h"

#define start(present) assert_int_equal(bed_setup_one(present), 0)

/* ---- keys, CSRs, certificates ---------------------------------------- */

/* A certificate from the bed's CA for a DER request. */
static unsigned char *
issue(const unsigned char *csr, size_t csr_len, int days, size_t *len)
{
	char cadir[PATH_MAX + 8];
	unsigned char *out;

	snprintf(cadir, sizeof cadir, "%s/ca", bed.bed);
	out = testca_issue(cadir, csr, csr_len, 4242 + days, days, len);
	assert_non_null(out);
	return out;
}

/*
 * The install step's read-back of a certificate just written: that
 * certificate and whether the old pair (CKA_ID 01) is there, with fewer
 * calls to the token than reading the whole of it.
 */
static void
read_back(const unsigned char *cert, size_t cert_len, const unsigned char *id,
	  size_t id_len)
{
	struct token_cert back;
	struct token_info info;
	unsigned char other[4096];
	bool holds = false;
	int whole_finds, whole_attrs;

	calls_clear();
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	token_info_free(&info);
	whole_finds = calls("C_FindObjectsInit");
	whole_attrs = calls("C_GetAttributeValue");
	calls_clear();
	assert_int_equal(token_read_cert(NULL, cert, cert_len,
					 (const unsigned char *)"\x01", 1, &holds, &back),
			 TOKEN_OK);
	assert_true(calls("C_FindObjectsInit") < whole_finds);
	assert_true(calls("C_GetAttributeValue") < whole_attrs / 2);
	assert_true(holds);
	assert_string_equal(back.label, "renew");
	assert_int_equal(back.days_left, 730);
	assert_true(back.has_private_key);
	assert_int_equal(back.id_len, id_len);
	assert_memory_equal(back.id, id, id_len);
	assert_int_equal(back.der_len, cert_len);
	assert_memory_equal(back.der, cert, cert_len);
	free(back.der);
	/* Another CKA_ID: not there. */
	assert_int_equal(token_read_cert(NULL, cert, cert_len,
					 (const unsigned char *)"\x09", 1, &holds, &back),
			 TOKEN_OK);
	assert_false(holds);
	free(back.der);
	/* A certificate that is not on the token (one byte of it changed). */
	assert_true(cert_len <= sizeof other);
	memcpy(other, cert, cert_len);
	other[cert_len - 1] ^= 1;
	assert_int_equal(token_read_cert(NULL, other, cert_len, NULL, 0, NULL, &back),
			 TOKEN_ERR_NOT_FOUND);
	assert_null(back.der);
}

/* Renewal's token part: new key, CSR signed by it, certificate written. */
static void
keygen_csr_write(enum token_key_type type)
{
	struct token_dn dn = {.country = "CN",
			      .org = "湖南测试科技有限公司",
			      .common_name = "湖南测试科技有限公司",
			      .serial = "91430100MA4L16JQ9B"};
	unsigned char id[TOKEN_ID_MAX], *csr, *cert;
	size_t id_len = 0, csr_len, cert_len = 0;
	struct token_info info;
	const unsigned char *p;
	X509_REQ *req;
	X509_NAME *name;
	int tries, found = 0;

	start(type == TOKEN_KEY_RSA ? "rsa30" : "ec30");
	/* Logged out: no key may be made. */
	assert_int_equal(token_gen_key(NULL, type, "renew", id, &id_len, NULL),
			 TOKEN_ERR_NOT_LOGGED_IN);
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_OK);
	assert_int_equal(token_gen_key(NULL, type, "renew", id, &id_len, NULL), TOKEN_OK);
	assert_int_equal(id_len, 20);

	assert_int_equal(token_make_csr(NULL, id, id_len, &dn, &csr, &csr_len, NULL),
			 TOKEN_OK);
	p = csr;
	req = d2i_X509_REQ(NULL, &p, (long)csr_len);
	assert_non_null(req);
	/* Signed by the token's key: verifies with the public key it carries. */
	assert_int_equal(X509_REQ_verify(req, X509_REQ_get0_pubkey(req)), 1);
	assert_int_equal(EVP_PKEY_get_base_id(X509_REQ_get0_pubkey(req)),
			 type == TOKEN_KEY_RSA ? EVP_PKEY_RSA : EVP_PKEY_EC);
	assert_int_equal(EVP_PKEY_get_bits(X509_REQ_get0_pubkey(req)),
			 type == TOKEN_KEY_RSA ? 2048 : 256);
	name = X509_REQ_get_subject_name(req);
	{
		char cn[256];

		X509_NAME_get_text_by_NID(name, NID_serialNumber, cn, sizeof cn);
		assert_string_equal(cn, "91430100MA4L16JQ9B");
	}
	X509_REQ_free(req);

	cert = issue(csr, csr_len, 730, &cert_len);
	assert_int_equal(token_write_cert(NULL, cert, cert_len, NULL, NULL), TOKEN_OK);
	/* Writing the same certificate again (a resumed renewal) is fine. */
	assert_int_equal(token_write_cert(NULL, cert, cert_len, NULL, NULL), TOKEN_OK);

	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(info.ncerts, 3);
	for (size_t i = 0; i < info.ncerts; i++) {
		const struct token_cert *c = &info.certs[i];

		if (c->id_len != id_len || memcmp(c->id, id, id_len) != 0)
			continue;
		found++;
		assert_string_equal(c->label, "renew");
		assert_int_equal(c->days_left, 730);
		assert_true(c->has_private_key);
		assert_int_equal(c->der_len, cert_len);
		assert_memory_equal(c->der, cert, cert_len);
	}
	assert_int_equal(found, 1);
	assert_int_equal(info.nkeys, 3);
	token_info_free(&info);
	read_back(cert, cert_len, id, id_len);

	/* The old pair goes once the new one is in place. */
	assert_int_equal(token_delete_pair(NULL, (const unsigned char *)"\x01", 1, NULL),
			 TOKEN_OK);
	assert_int_equal(token_delete_pair(NULL, (const unsigned char *)"\x01", 1, NULL),
			 TOKEN_ERR_NOT_FOUND);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(info.ncerts, 2);
	assert_int_equal(info.nkeys, 2);
	token_info_free(&info);
	/* And a CSR for a key that is gone says so. */
	free(csr);
	assert_int_equal(token_make_csr(NULL, (const unsigned char *)"\x01", 1, &dn, &csr,
					&csr_len, NULL),
			 TOKEN_ERR_NOT_FOUND);
	free(cert);
}

static void
test_keygen_csr_write_rsa(void **state)
{
	(void)state;
	keygen_csr_write(TOKEN_KEY_RSA);
}

static void
test_keygen_csr_write_ec(void **state)
{
	(void)state;
	keygen_csr_write(TOKEN_KEY_EC);
}

/* Sign with the old key; the signature verifies with the certificate. */
static void
sign_old(const char *label)
{
	static const unsigned char msg[] = "renewal request 2026-11-25 order 42";
	struct token_info info;
	unsigned char *sig;
	size_t sig_len;
	const unsigned char *p;
	X509 *x;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int tries;

	start(label);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(token_sign(NULL, info.certs[0].id, info.certs[0].id_len, msg,
				    sizeof msg, &sig, &sig_len, NULL),
			 TOKEN_ERR_NOT_LOGGED_IN);
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_OK);
	assert_int_equal(token_sign(NULL, info.certs[0].id, info.certs[0].id_len, msg,
				    sizeof msg, &sig, &sig_len, NULL),
			 TOKEN_OK);
	p = info.certs[0].der;
	x = d2i_X509(NULL, &p, (long)info.certs[0].der_len);
	assert_non_null(x);
	assert_int_equal(
		EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, X509_get0_pubkey(x)),
		1);
	assert_int_equal(EVP_DigestVerify(md, sig, sig_len, msg, sizeof msg), 1);
	/* A changed message does not verify. */
	assert_int_equal(
		EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, X509_get0_pubkey(x)),
		1);
	assert_int_not_equal(EVP_DigestVerify(md, sig, sig_len, msg, sizeof msg - 2), 1);
	EVP_MD_CTX_free(md);
	X509_free(x);
	free(sig);
	assert_int_equal(token_sign(NULL, (const unsigned char *)"\x77", 1, msg,
				    sizeof msg, &sig, &sig_len, NULL),
			 TOKEN_ERR_NOT_FOUND);
	token_info_free(&info);
}

static void
test_sign_rsa(void **state)
{
	(void)state;
	sign_old("rsaexp100");
}

static void
test_sign_ec(void **state)
{
	(void)state;
	sign_old("ec200");
}

static void
test_write_cert_errors(void **state)
{
	struct token_info info;
	char path[PATH_MAX + 32];
	unsigned char *der;
	size_t len;
	int tries;

	(void)state;
	start("rsa200");
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_OK);
	assert_int_equal(
		token_write_cert(NULL, (const unsigned char *)"junk", 4, NULL, NULL),
		TOKEN_ERR_BAD_INPUT);
	/* An EC certificate on a token with only RSA keys: no key for it. */
	snprintf(path, sizeof path, "%s/keys/ec200-sign.der", bed.bed);
	der = slurp(path, &len);
	assert_non_null(der);
	assert_int_equal(token_write_cert(NULL, der, len, NULL, NULL),
			 TOKEN_ERR_NOT_FOUND);
	free(der);
	/* A certificate for a key that is there goes beside it (same id). */
	snprintf(path, sizeof path, "%s/keys/rsa30-sign.der", bed.bed);
	der = slurp(path, &len);
	assert_int_equal(token_write_cert(NULL, der, len, "again", NULL), TOKEN_OK);
	free(der);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	/* It replaced the old certificate of that key. */
	assert_int_equal(info.ncerts, 2);
	assert_string_equal(info.certs[0].label, "again");
	assert_string_equal(info.certs[0].id_hex, "01");
	assert_int_equal(info.certs[0].days_left, 30);
	token_info_free(&info);
}

/* ---- data objects ------------------------------------------------------ */

static void
test_data_objects(void **state)
{
	static const unsigned char v1[] = "seal v1", v2[] = "seal version two";
	unsigned char *got, big[70000];
	size_t len;
	struct token_info info;
	int tries;

	(void)state;
	start("ec30");
	assert_int_equal(token_data_read(NULL, "seal", "cakiosk-seal", &got, &len, NULL),
			 TOKEN_OK);
	assert_true(len > 100);
	free(got);
	assert_int_equal(token_data_read(NULL, "nothing", NULL, &got, &len, NULL),
			 TOKEN_ERR_NOT_FOUND);

	/* Public objects: no login needed on this token. */
	assert_int_equal(
		token_data_write(NULL, "seal2", "cakiosk-seal", v1, sizeof v1, 0, NULL),
		TOKEN_OK);
	assert_int_equal(token_data_read(NULL, "seal2", "cakiosk-seal", &got, &len, NULL),
			 TOKEN_OK);
	assert_int_equal(len, sizeof v1);
	assert_memory_equal(got, v1, len);
	free(got);
	/* Replace: one object, the new value. */
	assert_int_equal(
		token_data_write(NULL, "seal2", "cakiosk-seal", v2, sizeof v2, 0, NULL),
		TOKEN_OK);
	assert_int_equal(token_data_read(NULL, "seal2", NULL, &got, &len, NULL),
			 TOKEN_OK);
	assert_memory_equal(got, v2, sizeof v2);
	free(got);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(info.ndata, 2);
	token_info_free(&info);
	/* Big (a seal picture). */
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)(i * 7);
	assert_int_equal(
		token_data_write(NULL, "pic", "cakiosk-seal", big, sizeof big, 0, NULL),
		TOKEN_OK);
	assert_int_equal(token_data_read(NULL, "pic", "cakiosk-seal", &got, &len, NULL),
			 TOKEN_OK);
	assert_int_equal(len, sizeof big);
	assert_memory_equal(got, big, len);
	free(got);

	assert_int_equal(token_data_delete(NULL, "seal2", "cakiosk-seal", NULL),
			 TOKEN_OK);
	assert_int_equal(token_data_delete(NULL, "seal2", "cakiosk-seal", NULL),
			 TOKEN_ERR_NOT_FOUND);
	assert_int_equal(token_data_read(NULL, "seal2", NULL, &got, &len, NULL),
			 TOKEN_ERR_NOT_FOUND);

	/* Private objects need a login, and are hidden without one. */
	assert_int_equal(token_data_write(NULL, "secret", "app", v1, sizeof v1,
					  TOKEN_DATA_PRIVATE, NULL),
			 TOKEN_ERR_NOT_LOGGED_IN);
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_OK);
	assert_int_equal(token_data_write(NULL, "secret", "app", v1, sizeof v1,
					  TOKEN_DATA_PRIVATE, NULL),
			 TOKEN_OK);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(info.ndata, 3);
	token_info_free(&info);
	assert_int_equal(token_logout(NULL), TOKEN_OK);
	assert_int_equal(token_data_read(NULL, "secret", "app", &got, &len, NULL),
			 TOKEN_ERR_NOT_FOUND);
	assert_int_equal(token_data_write(NULL, NULL, "app", v1, sizeof v1, 0, NULL),
			 TOKEN_ERR_BAD_INPUT);
}

/* Text from the token reaches the screen only sanitized. */
static void
test_sanitized(void **state)
{
	static const unsigned char v[] = "x";
	struct token_info info;

	(void)state;
	start("rsa200");
	assert_int_equal(token_data_write(NULL, "evil\x1b[2J\x07label",
					  "app\x9b"
					  "31m",
					  v, sizeof v, 0, NULL),
			 TOKEN_OK);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	for (size_t i = 0; i < info.ndata; i++) {
		assert_null(strchr(info.data[i].label, '\x1b'));
		assert_null(strchr(info.data[i].label, '\x07'));
		assert_null(strchr(info.data[i].application, '\x1b'));
	}
	assert_string_equal(info.data[1].label[0] == 'e' ? info.data[1].label
							 : info.data[0].label,
			    "evillabel");
	token_info_free(&info);
}

int
main(void)
{
	/* Text from tokens is sanitized as UTF-8, as in the kiosk. */
	setlocale(LC_ALL, "C.UTF-8");
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_teardown(f, bed_teardown)
		T(test_keygen_csr_write_rsa),
		T(test_keygen_csr_write_ec),
		T(test_sign_rsa),
		T(test_sign_ec),
		T(test_write_cert_errors),
		T(test_data_objects),
		T(test_sanitized),
#undef T
	};

	return cmocka_run_group_tests(tests, bed_group_setup, bed_group_teardown);
}
