/*
 * test_token.c - the token layer's synchronous core against real SoftHSM2
 * tokens, through libp11 and the PKCS#11 test module that plays a card:
 * reading what a token holds, which token a call is about, and typed
 * errors from the card and the module.  PINs are in test_token_pin.c, what
 * is written on a token in test_token_obj.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>

#include "bed.h"

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
	assert_non_null(
		strstr(token_stage_text(TOKEN_STAGE_GENERATING), "Do not remove"));
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
			assert_string_equal(info.certs[0].subject_serial,
					    "430102199003070936");
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
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL),
			 TOKEN_ERR_NONE);

	ctl("present=rsa200,ec30");
	assert_int_equal(token_list(refs, 4, &n), TOKEN_OK);
	assert_int_equal(n, 2);
	/* The steps that need exactly one say so... */
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_ERR_MANY);
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL),
			 TOKEN_ERR_MANY);
	/* ...while each can still be read by its ref. */
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(token_read(&refs[i], 0, &info), TOKEN_OK);
		assert_true(strcmp(info.label, "rsa200") == 0 ||
			    strcmp(info.label, "ec30") == 0);
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

		assert_int_equal(token_login(&refs[i], pin(USER_PIN), 0, &tries, NULL),
				 TOKEN_OK);
		assert_int_equal(token_data_write(&refs[i], "d", "a", v, sizeof v,
						  TOKEN_DATA_PRIVATE, NULL),
				 TOKEN_OK);
		assert_int_equal(
			token_gen_key(&refs[i], TOKEN_KEY_EC, "k", id, &id_len, NULL),
			TOKEN_OK);
		{
			struct token_dn dn = {.common_name = "x"};
			unsigned char *csr, *der;
			size_t csr_len, der_len;
			char path[PATH_MAX + 64];

			assert_int_equal(token_make_csr(&refs[i], id, id_len, &dn, &csr,
							&csr_len, NULL),
					 TOKEN_OK);
			free(csr);
			/* A certificate of the token's own key, written again. */
			assert_int_equal(token_read(&refs[i], 0, &info), TOKEN_OK);
			snprintf(path, sizeof path, "%s/keys/%s-enc.der", bed.bed,
				 info.label);
			token_info_free(&info);
			der = slurp(path, &der_len);
			assert_non_null(der);
			assert_int_equal(
				token_write_cert(&refs[i], der, der_len, "enc2", NULL),
				TOKEN_OK);
			free(der);
		}
	}
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
		{"CKR_TOKEN_WRITE_PROTECTED", TOKEN_ERR_READ_ONLY,
		 "CKR_TOKEN_WRITE_PROTECTED (0xe2)"},
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
		assert_int_equal(token_data_write(NULL, "s", "a", v, sizeof v, 0, NULL),
				 cases[i].err);
		assert_true(log_has(cases[i].logged));
	}
	ctl("present=rsa200\nfail_fn=C_GenerateKeyPair:CKR_MECHANISM_INVALID");
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_OK);
	assert_int_equal(token_gen_key(NULL, TOKEN_KEY_EC, "x", id, &id_len, NULL),
			 TOKEN_ERR_NOT_SUPPORTED);
	assert_int_equal(token_gen_key(NULL, TOKEN_KEY_OTHER, "x", id, &id_len, NULL),
			 TOKEN_ERR_NOT_SUPPORTED);
	ctl("present=rsa200\nfail_fn=C_Login:CKR_PIN_EXPIRED");
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL),
			 TOKEN_ERR_PIN_EXPIRED);
	ctl("present=rsa200\nfail_fn=C_SetPIN:CKR_PIN_INVALID");
	assert_int_equal(
		token_change_pin(NULL, pin(USER_PIN), pin("abcdef"), 0, &tries, NULL),
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
	assert_non_null(strstr(token_vendor_error(0),
			       "cannot load /nonexistent/vendor-pkcs11.so"));
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
		T(test_card_errors),
		T(test_module_failure),
		T(test_vendor_match),
#undef T
	};

	return cmocka_run_group_tests(tests, bed_group_setup, bed_group_teardown);
}
