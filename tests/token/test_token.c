/*
 * test_token.c - the token layer's synchronous core against real SoftHSM2
 * tokens, through libp11 and the PKCS#11 test module that plays a card:
 * reading what a token holds, PIN states and the retry budget, SO unlock,
 * on-token keys (RSA-2048, EC P-256), CSRs and signatures made by the token,
 * certificates, data objects, blank tokens, and typed errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "bed.h"
#include "testca.h"

#define start(present) assert_int_equal(bed_setup_one(present), 0)

/* ---- pure logic ------------------------------------------------------- */

static void
test_days_left(void **state)
{
	const time_t now = 1000000000, day = 86400;
	bool exp;

	(void)state;
	assert_int_equal(token_days_left(now + 200 * day, now, &exp), 200);
	assert_false(exp);
	/* Issued a few seconds ago for 200 days: still 200. */
	assert_int_equal(token_days_left(now + 200 * day - 5, now, &exp), 200);
	assert_int_equal(token_days_left(now + 60, now, &exp), 1);
	assert_false(exp);
	assert_int_equal(token_days_left(now, now, &exp), 0);
	assert_true(exp);
	assert_int_equal(token_days_left(now - 3600, now, &exp), 0);
	assert_true(exp);
	assert_int_equal(token_days_left(now - 100 * day - 5, now, &exp), -100);
	assert_int_equal(token_days_left(now - 400 * day, now, &exp), -400);
}

static void
test_err_reasons(void **state)
{
	(void)state;
	for (int e = 0; e < TOKEN_ERR_COUNT; e++) {
		assert_non_null(token_err_reason((enum token_err)e, -1));
		assert_true(strlen(token_err_name((enum token_err)e)) > 0);
	}
	/* The last try says so; a locked PIN says it is locked.  Where it is
	 * unlocked (Unlock, or the counter while Unlock is not built) is the
	 * PIN step's offer, not the token layer's to promise. */
	assert_string_not_equal(token_err_reason(TOKEN_ERR_PIN_WRONG, 1),
	                        token_err_reason(TOKEN_ERR_PIN_WRONG, -1));
	assert_non_null(strstr(token_err_reason(TOKEN_ERR_PIN_LOCKED, 0), "locked"));
	assert_null(strstr(token_err_reason(TOKEN_ERR_PIN_LOCKED, 0), "Unlock"));
	assert_non_null(token_err_reason((enum token_err)999, 0));
	assert_null(token_stage_text(TOKEN_STAGE_NONE));
	assert_non_null(strstr(token_stage_text(TOKEN_STAGE_GENERATING), "Do not remove"));
}

/* ---- reading ---------------------------------------------------------- */

static void
test_read_rsa200(void **state)
{
	struct token_info info;
	char path[PATH_MAX + 64];
	unsigned char *seal;
	size_t seal_len;

	(void)state;
	start("rsa200");
	assert_int_equal(token_read(NULL, TOKEN_READ_VALUES, &info), TOKEN_OK);
	assert_string_equal(info.label, "rsa200");
	assert_string_equal(info.manufacturer, "SoftHSM project");
	assert_string_equal(info.model, "TestCard");
	assert_true(strlen(info.serial) > 0);
	assert_int_equal(info.vendor, 0);
	assert_int_equal(info.vendor_mask, 1);
	assert_string_equal(token_vendor_name(info.vendor), "Test CA");
	assert_true(info.initialized);
	assert_false(info.logged_in);
	assert_int_equal(info.pin, TOKEN_PIN_OK);
	assert_int_equal(info.tries_left, -1);
	assert_false(info.pinpad);
	assert_int_equal(info.min_pin, 4);
	assert_int_equal(info.max_pin, 255);

	assert_int_equal(info.ncerts, 2);
	/* Signing certificate first. */
	assert_int_equal(info.certs[0].usage, TOKEN_USAGE_SIGN);
	assert_int_equal(info.certs[1].usage, TOKEN_USAGE_ENCRYPT);
	assert_string_equal(info.certs[0].label, "sign");
	assert_string_equal(info.certs[0].id_hex, "01");
	assert_string_equal(info.certs[1].id_hex, "02");
	for (int i = 0; i < 2; i++) {
		const struct token_cert *c = &info.certs[i];

		assert_string_equal(c->subject_cn, "湖南测试科技有限公司");
		assert_string_equal(c->subject_o, "湖南测试科技有限公司");
		assert_string_equal(c->subject_serial, "91430100MA4L16JQ9B");
		assert_string_equal(c->issuer_cn, "cakiosk Test CA");
		assert_string_equal(c->issuer_o, "cakiosk test CA");
		assert_true(strlen(c->serial_hex) >= 4);
		assert_int_equal(c->days_left, 200);
		assert_false(c->expired);
		assert_int_equal(c->not_after - c->not_before, 365 * 86400);
		assert_int_equal(c->key_type, TOKEN_KEY_RSA);
		assert_int_equal(c->key_bits, 2048);
		/* The private key is hidden before login; its public half shows. */
		assert_true(c->has_private_key);
		assert_non_null(c->der);
		assert_true(c->der_len > 500);
	}
	/* Keys are private objects: none listed before login. */
	assert_int_equal(info.nkeys, 0);

	assert_int_equal(info.ndata, 1);
	assert_string_equal(info.data[0].label, "seal");
	assert_string_equal(info.data[0].application, "cakiosk-seal");
	assert_false(info.data[0].is_private);
	snprintf(path, sizeof path, "%s/keys/rsa200-seal.der", bed.bed);
	seal = slurp(path, &seal_len);
	assert_non_null(seal);
	assert_int_equal(info.data[0].size, seal_len);
	assert_memory_equal(info.data[0].value, seal, seal_len);
	free(seal);
	token_info_free(&info);

	/* Without TOKEN_READ_VALUES: sizes only. */
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_null(info.data[0].value);
	assert_int_equal(info.data[0].size, seal_len);
	token_info_free(&info);
}

/* Every validity and both key types, as issued by mkbed.sh today. */
static void
test_read_validities(void **state)
{
	static const struct {
		const char *label;
		int days;
		bool expired;
		enum token_key_type type;
		int bits;
	} want[] = {
		{"rsa200", 200, false, TOKEN_KEY_RSA, 2048},
		{"rsa30", 30, false, TOKEN_KEY_RSA, 2048},
		{"rsaexp100", -100, true, TOKEN_KEY_RSA, 2048},
		{"rsaexp400", -400, true, TOKEN_KEY_RSA, 2048},
		{"ec200", 200, false, TOKEN_KEY_EC, 256},
		{"ec30", 30, false, TOKEN_KEY_EC, 256},
		{"ecexp100", -100, true, TOKEN_KEY_EC, 256},
		{"ecexp400", -400, true, TOKEN_KEY_EC, 256},
	};

	(void)state;
	start("*");
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		struct token_ref ref = ref_by_label(want[i].label);
		struct token_info info;

		assert_int_equal(token_read(&ref, 0, &info), TOKEN_OK);
		assert_int_equal(info.ncerts, 2);
		for (size_t c = 0; c < 2; c++) {
			assert_int_equal(info.certs[c].days_left, want[i].days);
			assert_true(info.certs[c].expired == want[i].expired);
			assert_int_equal(info.certs[c].key_type, want[i].type);
			assert_int_equal(info.certs[c].key_bits, want[i].bits);
		}
		assert_int_equal(info.certs[0].usage, TOKEN_USAGE_SIGN);
		assert_int_equal(info.certs[1].usage, TOKEN_USAGE_ENCRYPT);
		if (want[i].type == TOKEN_KEY_EC) {
			/* A person's certificate: name and ID number, no O. */
			assert_string_equal(info.certs[0].subject_cn, "张三");
			assert_string_equal(info.certs[0].subject_o, "");
			assert_string_equal(info.certs[0].subject_serial, "430102199003070936");
		}
		token_info_free(&info);
	}
}

static void
test_none_and_many(void **state)
{
	struct token_info info;
	struct token_ref refs[4];
	size_t n = 9;
	int tries;

	(void)state;
	start("none");
	assert_int_equal(token_list(refs, 4, &n), TOKEN_OK);
	assert_int_equal(n, 0);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_ERR_NONE);
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_ERR_NONE);

	ctl("present=rsa200,ec30");
	assert_int_equal(token_list(refs, 4, &n), TOKEN_OK);
	assert_int_equal(n, 2);
	/* The steps that need exactly one say so... */
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_ERR_MANY);
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_ERR_MANY);
	/* ...while each can still be read by its ref. */
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(token_read(&refs[i], 0, &info), TOKEN_OK);
		assert_true(strcmp(info.label, "rsa200") == 0 || strcmp(info.label, "ec30") == 0);
		token_info_free(&info);
	}
	assert_int_equal(token_list(refs, 1, &n), TOKEN_OK);
	assert_int_equal(n, 2); /* the count, even when the array is shorter */

	/* Both usable by ref, including writing (read-write sessions on each). */
	assert_int_equal(token_list(refs, 4, &n), TOKEN_OK);
	for (size_t i = 0; i < 2; i++) {
		static const unsigned char v[] = "v";
		unsigned char id[TOKEN_ID_MAX];
		size_t id_len;

		assert_int_equal(token_login(&refs[i], pin(USER_PIN), 0, &tries, NULL), TOKEN_OK);
		assert_int_equal(token_data_write(&refs[i], "d", "a", v, sizeof v, TOKEN_DATA_PRIVATE,
		                                  NULL),
		                 TOKEN_OK);
		assert_int_equal(token_gen_key(&refs[i], TOKEN_KEY_EC, "k", id, &id_len, NULL),
		                 TOKEN_OK);
		{
			struct token_dn dn = {.common_name = "x"};
			unsigned char *csr, *der;
			size_t csr_len, der_len;
			char path[PATH_MAX + 64];

			assert_int_equal(token_make_csr(&refs[i], id, id_len, &dn, &csr, &csr_len, NULL),
			                 TOKEN_OK);
			free(csr);
			/* A certificate of the token's own key, written again. */
			assert_int_equal(token_read(&refs[i], 0, &info), TOKEN_OK);
			snprintf(path, sizeof path, "%s/keys/%s-enc.der", bed.bed, info.label);
			token_info_free(&info);
			der = slurp(path, &der_len);
			assert_non_null(der);
			assert_int_equal(token_write_cert(&refs[i], der, der_len, "enc2", NULL), TOKEN_OK);
			free(der);
		}
	}
}

/* ---- PINs ------------------------------------------------------------- */

static void
test_login_and_keys(void **state)
{
	struct token_info info;
	char *p = pin(USER_PIN);
	int tries = 5;

	(void)state;
	start("ec200");
	assert_int_equal(token_login(NULL, p, 0, &tries, NULL), TOKEN_OK);
	/* The buffer was wiped. */
	assert_int_equal(p[0], '\0');
	assert_int_equal(tries, -1);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_true(info.logged_in);
	assert_int_equal(info.nkeys, 2);
	for (size_t i = 0; i < info.nkeys; i++) {
		assert_int_equal(info.keys[i].key_type, TOKEN_KEY_EC);
		assert_int_equal(info.keys[i].key_bits, 256);
		assert_true(info.keys[i].has_cert);
	}
	assert_true(info.certs[0].has_private_key);
	token_info_free(&info);
	/* A second login works (libp11 would skip it: we log out first). */
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_OK);
	assert_int_equal(token_logout(NULL), TOKEN_OK);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_false(info.logged_in);
	token_info_free(&info);
}

/* Wrong PINs: tries left, a question before the last try, locked, unlock. */
static void
test_pin_retry_budget(void **state)
{
	struct token_info info;
	int tries;

	(void)state;
	start("rsa30");
	calls_clear();
	assert_int_equal(token_login(NULL, pin("000000"), 0, &tries, NULL), TOKEN_ERR_PIN_WRONG);
	assert_int_equal(tries, -1); /* COUNT_LOW: some tries used, how many unknown */
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(info.pin, TOKEN_PIN_COUNT_LOW);
	token_info_free(&info);

	assert_int_equal(token_login(NULL, pin("000000"), 0, &tries, NULL), TOKEN_ERR_PIN_WRONG);
	assert_int_equal(tries, 1);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(info.pin, TOKEN_PIN_FINAL_TRY);
	assert_int_equal(info.tries_left, 1);
	token_info_free(&info);
	assert_int_equal(calls("C_Login"), 2);

	/* The final try is not spent without the customer's yes. */
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_ERR_FINAL_TRY);
	assert_int_equal(tries, 1);
	assert_int_equal(calls("C_Login"), 2);
	/* Nor on a PIN of the wrong length. */
	assert_int_equal(token_login(NULL, pin("12"), TOKEN_FINAL_TRY_OK, &tries, NULL),
	                 TOKEN_ERR_PIN_LENGTH);
	assert_int_equal(calls("C_Login"), 2);

	assert_int_equal(token_login(NULL, pin("999999"), TOKEN_FINAL_TRY_OK, &tries, NULL),
	                 TOKEN_ERR_PIN_LOCKED);
	assert_int_equal(tries, 0);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(info.pin, TOKEN_PIN_LOCKED);
	token_info_free(&info);
	/* Locked: even the right PIN is not sent. */
	assert_int_equal(token_login(NULL, pin(USER_PIN), TOKEN_FINAL_TRY_OK, &tries, NULL),
	                 TOKEN_ERR_PIN_LOCKED);
	assert_int_equal(calls("C_Login"), 3);
	assert_int_equal(token_change_pin(NULL, pin(USER_PIN), pin("654321"), TOKEN_FINAL_TRY_OK,
	                                  &tries, NULL),
	                 TOKEN_ERR_PIN_LOCKED);

	/* Unlock: SO login, a new user PIN, and the counter is reset. */
	assert_int_equal(token_unblock(NULL, pin(SO_PIN), pin("246810"), &tries, NULL), TOKEN_OK);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(info.pin, TOKEN_PIN_OK);
	token_info_free(&info);
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_ERR_PIN_WRONG);
	assert_int_equal(token_login(NULL, pin("246810"), 0, &tries, NULL), TOKEN_OK);
	/* The raw codes are logged, the PINs are not. */
	assert_true(log_has("CKR_PIN_INCORRECT (0xa0)"));
	assert_false(log_has("246810"));
	assert_false(log_has("999999"));
}

/* A real card's limits (6 to 8 here): checked before anything is sent. */
static void
test_pin_length(void **state)
{
	struct token_info info;
	int tries;

	(void)state;
	start("ec30");
	ctl("present=ec30\nmin_pin=6\nmax_pin=8");
	calls_clear();
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(info.min_pin, 6);
	assert_int_equal(info.max_pin, 8);
	token_info_free(&info);
	assert_int_equal(token_login(NULL, pin("12345"), 0, &tries, NULL), TOKEN_ERR_PIN_LENGTH);
	assert_int_equal(token_login(NULL, pin("123456789"), 0, &tries, NULL), TOKEN_ERR_PIN_LENGTH);
	assert_int_equal(token_login(NULL, pin(""), 0, &tries, NULL), TOKEN_ERR_PIN_LENGTH);
	assert_int_equal(token_login(NULL, NULL, 0, &tries, NULL), TOKEN_ERR_PIN_LENGTH);
	assert_int_equal(calls("C_Login"), 0);
	assert_int_equal(token_change_pin(NULL, pin(USER_PIN), pin("123"), 0, &tries, NULL),
	                 TOKEN_ERR_PIN_LENGTH);
	assert_int_equal(token_unblock(NULL, pin(SO_PIN), pin("123456789"), &tries, NULL),
	                 TOKEN_ERR_PIN_LENGTH);
	assert_int_equal(calls("C_Login"), 0);
	assert_int_equal(calls("C_SetPIN"), 0);
	/* No try was used. */
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(info.pin, TOKEN_PIN_OK);
	token_info_free(&info);
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_OK);
}

static void
test_change_pin(void **state)
{
	int tries;

	(void)state;
	start("rsa200");
	assert_int_equal(token_change_pin(NULL, pin(USER_PIN), pin("135790"), 0, &tries, NULL),
	                 TOKEN_OK);
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_ERR_PIN_WRONG);
	assert_int_equal(token_login(NULL, pin("135790"), 0, &tries, NULL), TOKEN_OK);
	/* A wrong old PIN counts as a wrong try. */
	assert_int_equal(token_change_pin(NULL, pin("000000"), pin("111111"), 0, &tries, NULL),
	                 TOKEN_ERR_PIN_WRONG);
	assert_int_equal(tries, -1);
	assert_int_equal(token_change_pin(NULL, pin("000000"), pin("111111"), 0, &tries, NULL),
	                 TOKEN_ERR_PIN_WRONG);
	assert_int_equal(tries, 1);
	assert_int_equal(token_change_pin(NULL, pin("135790"), pin(USER_PIN), 0, &tries, NULL),
	                 TOKEN_ERR_FINAL_TRY);
	assert_int_equal(token_change_pin(NULL, pin("135790"), pin(USER_PIN), TOKEN_FINAL_TRY_OK,
	                                  &tries, NULL),
	                 TOKEN_OK);
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_OK);
}

static void
test_so_pin(void **state)
{
	struct token_info info;
	int tries;

	(void)state;
	start("ecexp100");
	assert_int_equal(token_unblock(NULL, pin("87654321"), pin("112233"), &tries, NULL),
	                 TOKEN_ERR_SO_PIN_WRONG);
	/* Rotate the SO PIN: the old one stops working. */
	assert_int_equal(token_change_so_pin(NULL, pin(SO_PIN), pin("24682468"), &tries, NULL),
	                 TOKEN_OK);
	assert_int_equal(token_unblock(NULL, pin(SO_PIN), pin("112233"), &tries, NULL),
	                 TOKEN_ERR_SO_PIN_WRONG);
	assert_int_equal(tries, -1);
	assert_int_equal(token_unblock(NULL, pin("24682468"), pin("112233"), &tries, NULL),
	                 TOKEN_OK);
	assert_int_equal(token_login(NULL, pin("112233"), 0, &tries, NULL), TOKEN_OK);
	assert_int_equal(token_change_so_pin(NULL, pin("00000000"), pin("13571357"), &tries, NULL),
	                 TOKEN_ERR_SO_PIN_WRONG);
	assert_int_equal(token_change_so_pin(NULL, pin("00000000"), pin("13571357"), &tries, NULL),
	                 TOKEN_ERR_SO_PIN_WRONG);
	assert_int_equal(tries, 1);
	assert_int_equal(token_change_so_pin(NULL, pin("00000000"), pin("13571357"), &tries, NULL),
	                 TOKEN_ERR_SO_PIN_LOCKED);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(info.so_pin, TOKEN_PIN_LOCKED);
	token_info_free(&info);
	assert_int_equal(token_unblock(NULL, pin("24682468"), pin("445566"), &tries, NULL),
	                 TOKEN_ERR_SO_PIN_LOCKED);
}

static void
test_pinpad(void **state)
{
	struct token_info info;
	int tries;

	(void)state;
	start("rsa30");
	ctl("present=rsa30\npinpad=1\npinpad_pin=" USER_PIN);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_true(info.pinpad);
	token_info_free(&info);
	/* The reader asks: no PIN from the kiosk. */
	assert_int_equal(token_login(NULL, NULL, 0, &tries, NULL), TOKEN_OK);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_true(info.logged_in);
	token_info_free(&info);
	/* Nobody typed anything on the reader. */
	ctl("present=rsa30\npinpad=1\npinpad_pin=");
	assert_int_equal(token_login(NULL, NULL, 0, &tries, NULL), TOKEN_ERR_PINPAD);
}

static void
test_pin_to_be_changed(void **state)
{
	struct token_info info;

	(void)state;
	start("rsa200");
	ctl("present=rsa200\nto_be_changed=1");
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_true(info.pin_to_be_changed);
	token_info_free(&info);
}

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

/* Renewal's token part: new key, CSR signed by it, certificate written. */
static void
keygen_csr_write(enum token_key_type type)
{
	struct token_dn dn = {.country = "CN", .org = "湖南测试科技有限公司",
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

	assert_int_equal(token_make_csr(NULL, id, id_len, &dn, &csr, &csr_len, NULL), TOKEN_OK);
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

	/* The old pair goes once the new one is in place. */
	assert_int_equal(token_delete_pair(NULL, (const unsigned char *)"\x01", 1, NULL), TOKEN_OK);
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
	assert_int_equal(token_sign(NULL, info.certs[0].id, info.certs[0].id_len, msg, sizeof msg,
	                            &sig, &sig_len, NULL),
	                 TOKEN_ERR_NOT_LOGGED_IN);
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_OK);
	assert_int_equal(token_sign(NULL, info.certs[0].id, info.certs[0].id_len, msg, sizeof msg,
	                            &sig, &sig_len, NULL),
	                 TOKEN_OK);
	p = info.certs[0].der;
	x = d2i_X509(NULL, &p, (long)info.certs[0].der_len);
	assert_non_null(x);
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, X509_get0_pubkey(x)), 1);
	assert_int_equal(EVP_DigestVerify(md, sig, sig_len, msg, sizeof msg), 1);
	/* A changed message does not verify. */
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, X509_get0_pubkey(x)), 1);
	assert_int_not_equal(EVP_DigestVerify(md, sig, sig_len, msg, sizeof msg - 2), 1);
	EVP_MD_CTX_free(md);
	X509_free(x);
	free(sig);
	assert_int_equal(token_sign(NULL, (const unsigned char *)"\x77", 1, msg, sizeof msg, &sig,
	                            &sig_len, NULL),
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
	assert_int_equal(token_write_cert(NULL, (const unsigned char *)"junk", 4, NULL, NULL),
	                 TOKEN_ERR_BAD_INPUT);
	/* An EC certificate on a token with only RSA keys: no key for it. */
	snprintf(path, sizeof path, "%s/keys/ec200-sign.der", bed.bed);
	der = slurp(path, &len);
	assert_non_null(der);
	assert_int_equal(token_write_cert(NULL, der, len, NULL, NULL), TOKEN_ERR_NOT_FOUND);
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
	assert_int_equal(token_data_read(NULL, "seal", "cakiosk-seal", &got, &len, NULL), TOKEN_OK);
	assert_true(len > 100);
	free(got);
	assert_int_equal(token_data_read(NULL, "nothing", NULL, &got, &len, NULL),
	                 TOKEN_ERR_NOT_FOUND);

	/* Public objects: no login needed on this token. */
	assert_int_equal(token_data_write(NULL, "seal2", "cakiosk-seal", v1, sizeof v1, 0, NULL),
	                 TOKEN_OK);
	assert_int_equal(token_data_read(NULL, "seal2", "cakiosk-seal", &got, &len, NULL), TOKEN_OK);
	assert_int_equal(len, sizeof v1);
	assert_memory_equal(got, v1, len);
	free(got);
	/* Replace: one object, the new value. */
	assert_int_equal(token_data_write(NULL, "seal2", "cakiosk-seal", v2, sizeof v2, 0, NULL),
	                 TOKEN_OK);
	assert_int_equal(token_data_read(NULL, "seal2", NULL, &got, &len, NULL), TOKEN_OK);
	assert_memory_equal(got, v2, sizeof v2);
	free(got);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(info.ndata, 2);
	token_info_free(&info);
	/* Big (a seal picture). */
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)(i * 7);
	assert_int_equal(token_data_write(NULL, "pic", "cakiosk-seal", big, sizeof big, 0, NULL),
	                 TOKEN_OK);
	assert_int_equal(token_data_read(NULL, "pic", "cakiosk-seal", &got, &len, NULL), TOKEN_OK);
	assert_int_equal(len, sizeof big);
	assert_memory_equal(got, big, len);
	free(got);

	assert_int_equal(token_data_delete(NULL, "seal2", "cakiosk-seal", NULL), TOKEN_OK);
	assert_int_equal(token_data_delete(NULL, "seal2", "cakiosk-seal", NULL), TOKEN_ERR_NOT_FOUND);
	assert_int_equal(token_data_read(NULL, "seal2", NULL, &got, &len, NULL), TOKEN_ERR_NOT_FOUND);

	/* Private objects need a login, and are hidden without one. */
	assert_int_equal(token_data_write(NULL, "secret", "app", v1, sizeof v1, TOKEN_DATA_PRIVATE,
	                                  NULL),
	                 TOKEN_ERR_NOT_LOGGED_IN);
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_OK);
	assert_int_equal(token_data_write(NULL, "secret", "app", v1, sizeof v1, TOKEN_DATA_PRIVATE,
	                                  NULL),
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
	assert_int_equal(token_data_write(NULL, "evil\x1b[2J\x07label", "app\x9b" "31m", v,
	                                  sizeof v, 0, NULL),
	                 TOKEN_OK);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	for (size_t i = 0; i < info.ndata; i++) {
		assert_null(strchr(info.data[i].label, '\x1b'));
		assert_null(strchr(info.data[i].label, '\x07'));
		assert_null(strchr(info.data[i].application, '\x1b'));
	}
	assert_string_equal(info.data[1].label[0] == 'e' ? info.data[1].label : info.data[0].label,
	                    "evillabel");
	token_info_free(&info);
}

/* ---- blank tokens ------------------------------------------------------ */

static void
test_init_token(void **state)
{
	struct token_info info;
	int tries;

	(void)state;
	start("none");
	/* SoftHSM's free slot as a blank card in the reader. */
	ctl("present=staff01\nblank=1");
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_false(info.initialized);
	assert_int_equal(info.ncerts, 0);
	token_info_free(&info);
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL),
	                 TOKEN_ERR_NOT_INITIALIZED);
	assert_int_equal(token_init_token(NULL, pin("12"), pin(USER_PIN), "staff01", NULL),
	                 TOKEN_ERR_PIN_LENGTH);
	assert_int_equal(token_init_token(NULL, pin("11223344"), pin("556677"), "staff01", NULL),
	                 TOKEN_OK);
	ctl("present=staff01\nblank=0");
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_true(info.initialized);
	assert_string_equal(info.label, "staff01");
	assert_int_equal(info.pin, TOKEN_PIN_OK);
	assert_int_equal(info.ncerts, 0);
	token_info_free(&info);
	assert_int_equal(token_login(NULL, pin("556677"), 0, &tries, NULL), TOKEN_OK);
	/* Staff then put a key on it. */
	{
		unsigned char id[TOKEN_ID_MAX];
		size_t id_len;

		assert_int_equal(token_gen_key(NULL, TOKEN_KEY_EC, "k", id, &id_len, NULL), TOKEN_OK);
	}
	assert_int_equal(token_unblock(NULL, pin("11223344"), pin("778899"), &tries, NULL),
	                 TOKEN_OK);
}

/* ---- errors from the card ------------------------------------------------ */

static void
test_card_errors(void **state)
{
	static const struct {
		const char *rv;
		enum token_err err;
		const char *logged;
	} cases[] = {
		{"CKR_DEVICE_MEMORY", TOKEN_ERR_FULL, "CKR_DEVICE_MEMORY (0x31)"},
		{"CKR_TOKEN_WRITE_PROTECTED", TOKEN_ERR_READ_ONLY, "CKR_TOKEN_WRITE_PROTECTED (0xe2)"},
		{"CKR_DEVICE_ERROR", TOKEN_ERR_DEVICE, "CKR_DEVICE_ERROR (0x30)"},
		{"CKR_FUNCTION_NOT_SUPPORTED", TOKEN_ERR_NOT_SUPPORTED, "(0x54)"},
		{"CKR_DEVICE_REMOVED", TOKEN_ERR_REMOVED, "CKR_DEVICE_REMOVED (0x32)"},
		{"0x80000123", TOKEN_ERR_DEVICE, "vendor code (0x80000123)"},
	};
	static const unsigned char v[] = "seal";
	unsigned char id[TOKEN_ID_MAX];
	size_t id_len;
	int tries;

	(void)state;
	start("rsa200");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ctl("present=rsa200\nfail_fn=C_CreateObject:%s", cases[i].rv);
		assert_int_equal(token_data_write(NULL, "s", "a", v, sizeof v, 0, NULL), cases[i].err);
		assert_true(log_has(cases[i].logged));
	}
	ctl("present=rsa200\nfail_fn=C_GenerateKeyPair:CKR_MECHANISM_INVALID");
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_OK);
	assert_int_equal(token_gen_key(NULL, TOKEN_KEY_EC, "x", id, &id_len, NULL),
	                 TOKEN_ERR_NOT_SUPPORTED);
	assert_int_equal(token_gen_key(NULL, TOKEN_KEY_OTHER, "x", id, &id_len, NULL),
	                 TOKEN_ERR_NOT_SUPPORTED);
	ctl("present=rsa200\nfail_fn=C_Login:CKR_PIN_EXPIRED");
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_ERR_PIN_EXPIRED);
	ctl("present=rsa200\nfail_fn=C_SetPIN:CKR_PIN_INVALID");
	assert_int_equal(token_change_pin(NULL, pin(USER_PIN), pin("abcdef"), 0, &tries, NULL),
	                 TOKEN_ERR_PIN_INVALID);
	/* None of this wore down the PIN, and no PIN reached the log. */
	ctl("present=rsa200");
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_OK);
	assert_false(log_has(USER_PIN));
	assert_false(log_has("abcdef"));
}

/* A module that does not load is reported; the others keep working. */
static void
test_module_failure(void **state)
{
	struct token_info info;

	(void)state;
	bed_fresh("rsa200");
	vendor_set(0, "broken", "Broken CA", "/nonexistent/vendor-pkcs11.so", "*");
	vendor_set(1, "test", "Test CA", bed.module, "*");
	assert_int_equal(token_init(&bed.cfg), 1);
	assert_non_null(token_vendor_error(0));
	assert_non_null(strstr(token_vendor_error(0), "cannot load /nonexistent/vendor-pkcs11.so"));
	assert_null(token_vendor_error(1));
	assert_true(log_has("vendor broken"));
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(info.vendor, 1);
	token_info_free(&info);
}

/* Vendors told apart by their patterns; the customer picks when two match. */
static void
test_vendor_match(void **state)
{
	struct token_info info;
	struct token_ref ref;

	(void)state;
	bed_fresh("rsa200,ec30");
	vendor_set(0, "rsaca", "RSA CA", bed.module, "rsa*");
	vendor_set(1, "ecca", "EC CA", bed.module, "ec*");
	vendor_set(2, "anyca", "Any CA", bed.module, "ec3?");
	assert_int_equal(token_init(&bed.cfg), 3);
	ref = ref_by_label("rsa200");
	assert_int_equal(token_read(&ref, 0, &info), TOKEN_OK);
	assert_int_equal(info.vendor, 0);
	assert_int_equal(info.vendor_mask, 1);
	token_info_free(&info);
	ref = ref_by_label("ec30");
	assert_int_equal(token_read(&ref, 0, &info), TOKEN_OK);
	assert_int_equal(info.vendor, -1);
	assert_int_equal(info.vendor_mask, 6);
	token_info_free(&info);
	token_set_vendor(&ref, 2);
	assert_int_equal(token_read(&ref, 0, &info), TOKEN_OK);
	assert_int_equal(info.vendor, 2);
	token_info_free(&info);
	/* The choice is the customer's: it ends with the session. */
	token_session_end();
	assert_int_equal(token_read(&ref, 0, &info), TOKEN_OK);
	assert_int_equal(info.vendor, -1);
	token_info_free(&info);
}

int
main(void)
{
	/* Text from tokens is sanitized as UTF-8, as in the kiosk. */
	setlocale(LC_ALL, "C.UTF-8");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days_left),
		cmocka_unit_test(test_err_reasons),
#define T(f) cmocka_unit_test_teardown(f, bed_teardown)
		T(test_read_rsa200),
		T(test_read_validities),
		T(test_none_and_many),
		T(test_login_and_keys),
		T(test_pin_retry_budget),
		T(test_pin_length),
		T(test_change_pin),
		T(test_so_pin),
		T(test_pinpad),
		T(test_pin_to_be_changed),
		T(test_keygen_csr_write_rsa),
		T(test_keygen_csr_write_ec),
		T(test_sign_rsa),
		T(test_sign_ec),
		T(test_write_cert_errors),
		T(test_data_objects),
		T(test_sanitized),
		T(test_init_token),
		T(test_card_errors),
		T(test_module_failure),
		T(test_vendor_match),
#undef T
	};

	return cmocka_run_group_tests(tests, bed_group_setup, bed_group_teardown);
}
