/*
 * test_token_pin.c - the token layer's logins and PINs against real SoftHSM2
 * tokens, through libp11 and the PKCS#11 test module that plays a card: PIN
 * states and the retry budget, length limits, PIN changes, SO unlock,
 * PIN-pad readers, and staff initialising a blank token.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>

#include "bed.h"

#define start(present) assert_int_equal(bed_setup_one(present), 0)

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
	assert_int_equal(token_login(NULL, pin("000000"), 0, &tries, NULL),
			 TOKEN_ERR_PIN_WRONG);
	assert_int_equal(tries, -1); /* COUNT_LOW: some tries used, how many unknown */
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(info.pin, TOKEN_PIN_COUNT_LOW);
	token_info_free(&info);

	assert_int_equal(token_login(NULL, pin("000000"), 0, &tries, NULL),
			 TOKEN_ERR_PIN_WRONG);
	assert_int_equal(tries, 1);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(info.pin, TOKEN_PIN_FINAL_TRY);
	assert_int_equal(info.tries_left, 1);
	token_info_free(&info);
	assert_int_equal(calls("C_Login"), 2);

	/* The final try is not spent without the customer's yes. */
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL),
			 TOKEN_ERR_FINAL_TRY);
	assert_int_equal(tries, 1);
	assert_int_equal(calls("C_Login"), 2);
	/* Nor on a PIN of the wrong length. */
	assert_int_equal(token_login(NULL, pin("12"), TOKEN_FINAL_TRY_OK, &tries, NULL),
			 TOKEN_ERR_PIN_LENGTH);
	assert_int_equal(calls("C_Login"), 2);

	assert_int_equal(
		token_login(NULL, pin("999999"), TOKEN_FINAL_TRY_OK, &tries, NULL),
		TOKEN_ERR_PIN_LOCKED);
	assert_int_equal(tries, 0);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(info.pin, TOKEN_PIN_LOCKED);
	token_info_free(&info);
	/* Locked: even the right PIN is not sent. */
	assert_int_equal(
		token_login(NULL, pin(USER_PIN), TOKEN_FINAL_TRY_OK, &tries, NULL),
		TOKEN_ERR_PIN_LOCKED);
	assert_int_equal(calls("C_Login"), 3);
	assert_int_equal(token_change_pin(NULL, pin(USER_PIN), pin("654321"),
					  TOKEN_FINAL_TRY_OK, &tries, NULL),
			 TOKEN_ERR_PIN_LOCKED);

	/* Unlock: SO login, a new user PIN, and the counter is reset. */
	assert_int_equal(token_unblock(NULL, pin(SO_PIN), pin("246810"), &tries, NULL),
			 TOKEN_OK);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(info.pin, TOKEN_PIN_OK);
	token_info_free(&info);
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL),
			 TOKEN_ERR_PIN_WRONG);
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
	assert_int_equal(token_login(NULL, pin("12345"), 0, &tries, NULL),
			 TOKEN_ERR_PIN_LENGTH);
	assert_int_equal(token_login(NULL, pin("123456789"), 0, &tries, NULL),
			 TOKEN_ERR_PIN_LENGTH);
	assert_int_equal(token_login(NULL, pin(""), 0, &tries, NULL),
			 TOKEN_ERR_PIN_LENGTH);
	assert_int_equal(token_login(NULL, NULL, 0, &tries, NULL), TOKEN_ERR_PIN_LENGTH);
	assert_int_equal(calls("C_Login"), 0);
	assert_int_equal(
		token_change_pin(NULL, pin(USER_PIN), pin("123"), 0, &tries, NULL),
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
	assert_int_equal(
		token_change_pin(NULL, pin(USER_PIN), pin("135790"), 0, &tries, NULL),
		TOKEN_OK);
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL),
			 TOKEN_ERR_PIN_WRONG);
	assert_int_equal(token_login(NULL, pin("135790"), 0, &tries, NULL), TOKEN_OK);
	/* A wrong old PIN counts as a wrong try. */
	assert_int_equal(
		token_change_pin(NULL, pin("000000"), pin("111111"), 0, &tries, NULL),
		TOKEN_ERR_PIN_WRONG);
	assert_int_equal(tries, -1);
	assert_int_equal(
		token_change_pin(NULL, pin("000000"), pin("111111"), 0, &tries, NULL),
		TOKEN_ERR_PIN_WRONG);
	assert_int_equal(tries, 1);
	assert_int_equal(
		token_change_pin(NULL, pin("135790"), pin(USER_PIN), 0, &tries, NULL),
		TOKEN_ERR_FINAL_TRY);
	assert_int_equal(token_change_pin(NULL, pin("135790"), pin(USER_PIN),
					  TOKEN_FINAL_TRY_OK, &tries, NULL),
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
	assert_int_equal(
		token_unblock(NULL, pin("87654321"), pin("112233"), &tries, NULL),
		TOKEN_ERR_SO_PIN_WRONG);
	/* Rotate the SO PIN: the old one stops working. */
	assert_int_equal(
		token_change_so_pin(NULL, pin(SO_PIN), pin("24682468"), &tries, NULL),
		TOKEN_OK);
	assert_int_equal(token_unblock(NULL, pin(SO_PIN), pin("112233"), &tries, NULL),
			 TOKEN_ERR_SO_PIN_WRONG);
	assert_int_equal(tries, -1);
	assert_int_equal(
		token_unblock(NULL, pin("24682468"), pin("112233"), &tries, NULL),
		TOKEN_OK);
	assert_int_equal(token_login(NULL, pin("112233"), 0, &tries, NULL), TOKEN_OK);
	assert_int_equal(
		token_change_so_pin(NULL, pin("00000000"), pin("13571357"), &tries, NULL),
		TOKEN_ERR_SO_PIN_WRONG);
	assert_int_equal(
		token_change_so_pin(NULL, pin("00000000"), pin("13571357"), &tries, NULL),
		TOKEN_ERR_SO_PIN_WRONG);
	assert_int_equal(tries, 1);
	assert_int_equal(
		token_change_so_pin(NULL, pin("00000000"), pin("13571357"), &tries, NULL),
		TOKEN_ERR_SO_PIN_LOCKED);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(info.so_pin, TOKEN_PIN_LOCKED);
	token_info_free(&info);
	assert_int_equal(
		token_unblock(NULL, pin("24682468"), pin("445566"), &tries, NULL),
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

/* Which SO PIN the token holds (an unlock's current or candidate), without
 * spending the SO's final try on a guess. */
static void
test_so_check(void **state)
{
	int tries;

	(void)state;
	start("rsa30");
	calls_clear();
	assert_int_equal(token_so_check(NULL, pin(SO_PIN), 0, &tries, NULL), TOKEN_OK);
	assert_int_equal(token_so_check(NULL, pin("87654321"), 0, &tries, NULL),
			 TOKEN_ERR_SO_PIN_WRONG);
	assert_int_equal(token_so_check(NULL, pin("87654321"), 0, &tries, NULL),
			 TOKEN_ERR_SO_PIN_WRONG);
	assert_int_equal(tries, 1);
	assert_int_equal(calls("C_Login"), 3);
	/* The final try: nothing is sent without a yes. */
	assert_int_equal(token_so_check(NULL, pin(SO_PIN), 0, &tries, NULL),
			 TOKEN_ERR_FINAL_TRY);
	assert_int_equal(calls("C_Login"), 3);
	assert_int_equal(
		token_so_check(NULL, pin(SO_PIN), TOKEN_FINAL_TRY_OK, &tries, NULL),
		TOKEN_OK);
	/* The check left nobody logged in: a user login is a real one. */
	assert_int_equal(token_login(NULL, pin("000000"), 0, &tries, NULL),
			 TOKEN_ERR_PIN_WRONG);
}

/* Unlock and PIN change on a PIN-pad reader: the customer types the user
 * PINs on the reader (NULL here); the SO PIN is the kiosk's. */
static void
test_pinpad_unlock(void **state)
{
	int tries;

	(void)state;
	start("rsa30");
	assert_int_equal(token_unblock(NULL, pin(SO_PIN), NULL, &tries, NULL),
			 TOKEN_ERR_PIN_LENGTH);
	ctl("present=rsa30\npinpad=1\npinpad_pin=654321");
	assert_int_equal(token_unblock(NULL, pin(SO_PIN), NULL, &tries, NULL), TOKEN_OK);
	assert_int_equal(token_login(NULL, NULL, 0, &tries, NULL), TOKEN_OK);
	ctl("present=rsa30\npinpad=1\npinpad_pin=654321\npinpad_new=777888");
	assert_int_equal(token_change_pin(NULL, NULL, NULL, 0, &tries, NULL), TOKEN_OK);
	ctl("present=rsa30");
	assert_int_equal(token_login(NULL, pin("654321"), 0, &tries, NULL),
			 TOKEN_ERR_PIN_WRONG);
	assert_int_equal(token_login(NULL, pin("777888"), 0, &tries, NULL), TOKEN_OK);
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
	assert_int_equal(
		token_init_token(NULL, pin("12"), pin(USER_PIN), "staff01", NULL),
		TOKEN_ERR_PIN_LENGTH);
	assert_int_equal(
		token_init_token(NULL, pin("11223344"), pin("556677"), "staff01", NULL),
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

		assert_int_equal(
			token_gen_key(NULL, TOKEN_KEY_EC, "k", id, &id_len, NULL),
			TOKEN_OK);
	}
	assert_int_equal(
		token_unblock(NULL, pin("11223344"), pin("778899"), &tries, NULL),
		TOKEN_OK);
}

int
main(void)
{
	/* Text from tokens is sanitized as UTF-8, as in the kiosk. */
	setlocale(LC_ALL, "C.UTF-8");
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_teardown(f, bed_teardown)
		T(test_login_and_keys),    T(test_pin_retry_budget), T(test_pin_length),
		T(test_change_pin),        T(test_so_pin),           T(test_pinpad),
		T(test_pin_to_be_changed), T(test_init_token),       T(test_so_check),
		T(test_pinpad_unlock),
#undef T
	};

	return cmocka_run_group_tests(tests, bed_group_setup, bed_group_teardown);
}
