/*
 * token_login.c - logins and PINs (see token.h): the user's login and
 * logout, PIN changes, unlocking with the security officer's PIN, and
 * staff initialising a blank token.
 *
 * libp11 0.4.12 pitfalls handled here:
 *  - PKCS11_login does nothing when libp11 thinks it is logged in already
 *    (even for an SO login with a wrong PIN): log out first, re-enumerate if
 *    that fails;
 *  - the slot keeps a copy of the last PIN (prev_pin) until it is released:
 *    slots are released after SO operations and when a customer's session
 *    ends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "log.h"
#include "token_int.h"

static bool
pin_len_ok(const CK_TOKEN_INFO *ti, const char *pin)
{
	size_t len = strlen(pin);
	CK_ULONG min = ti->ulMinPinLen, max = ti->ulMaxPinLen;

	if (len == 0)
		return false;
	if (min != CK_UNAVAILABLE_INFORMATION && len < min)
		return false;
	if (max != 0 && max != CK_UNAVAILABLE_INFORMATION && len > max)
		return false;
	return true;
}

/*
 * libp11 skips a login when it believes the slot is logged in: log out
 * first, and if even that fails, give it a fresh slot list.
 */
static enum token_err
p11_logout_first(struct tok *t)
{
	int user = 0, so = 0;

	PKCS11_is_logged_in(t->slot, 0, &user);
	PKCS11_is_logged_in(t->slot, 1, &so);
	if (!user && !so)
		return TOKEN_OK;
	ERR_clear_error();
	if (PKCS11_logout(t->slot) == 0)
		return TOKEN_OK;
	ERR_clear_error();
	return tok_enumerate(t);
}

/* ---- logins and PINs ------------------------------------------------- */

enum token_err
token_login(const struct token_ref *ref, char *pin, unsigned flags, int *tries_left,
	    const struct token_ctl *ctl)
{
	struct tok t;
	enum token_err err;
	int tries = -1;
	bool pinpad;

	tok_lock();
	err = tok_open(ref, &t, "login", ctl);
	if (err != TOKEN_OK)
		goto out;
	tok_stage(ctl, TOKEN_STAGE_PIN);
	if (tok_pin_state(t.info.flags, false, &tries) == TOKEN_PIN_LOCKED) {
		err = TOKEN_ERR_PIN_LOCKED;
		goto out;
	}
	if (!(t.info.flags & CKF_TOKEN_INITIALIZED) ||
	    !(t.info.flags & CKF_USER_PIN_INITIALIZED)) {
		err = TOKEN_ERR_NOT_INITIALIZED;
		goto out;
	}
	pinpad = (t.info.flags & CKF_PROTECTED_AUTHENTICATION_PATH) != 0;
	if (!pinpad && (pin == NULL || !pin_len_ok(&t.info, pin))) {
		err = TOKEN_ERR_PIN_LENGTH;
		goto out;
	}
	if ((t.info.flags & CKF_USER_PIN_FINAL_TRY) && !(flags & TOKEN_FINAL_TRY_OK)) {
		err = TOKEN_ERR_FINAL_TRY;
		goto out;
	}
	if ((err = p11_logout_first(&t)) != TOKEN_OK)
		goto out;
	if (pinpad)
		tok_stage(ctl, TOKEN_STAGE_PINPAD);
	ERR_clear_error();
	if (PKCS11_login(t.slot, 0, pinpad ? NULL : pin) != 0) {
		CK_RV rv = tok_p11_rv();

		err = tok_fail(&t, "C_Login", rv);
		if (pinpad && (rv == CKR_FUNCTION_CANCELED || rv == CKR_CANCEL))
			err = TOKEN_ERR_PINPAD;
	} else {
		log_info("token: user logged in");
	}
	if (tok_live_info(&t) == TOKEN_OK)
		tok_pin_state(t.info.flags, false, &tries);
	if (err == TOKEN_ERR_PIN_WRONG && tries == 0)
		err = TOKEN_ERR_PIN_LOCKED;
out:
	tok_wipe(pin);
	tok_unlock();
	if (tries_left != NULL)
		*tries_left = tries;
	return err;
}

enum token_err
token_logout(const struct token_ref *ref)
{
	struct tok t;
	enum token_err err;

	tok_lock();
	err = tok_open(ref, &t, "logout", NULL);
	if (err == TOKEN_OK) {
		CK_SESSION_HANDLE s;

		ERR_clear_error();
		PKCS11_logout(t.slot);
		ERR_clear_error();
		/* Whatever libp11 thought, the token logs out too. */
		if (tok_session(&t, false, &s) == TOKEN_OK) {
			t.m->f->C_Logout(s);
			tok_close(&t, s);
		}
	}
	tok_unlock();
	return err;
}

enum token_err
token_change_pin(const struct token_ref *ref, char *old_pin, char *new_pin,
		 unsigned flags, int *tries_left, const struct token_ctl *ctl)
{
	struct tok t;
	enum token_err err;
	int tries = -1, so = 0;
	bool pinpad;

	tok_lock();
	err = tok_open(ref, &t, "change PIN", ctl);
	if (err != TOKEN_OK)
		goto out;
	tok_stage(ctl, TOKEN_STAGE_PIN);
	if (tok_pin_state(t.info.flags, false, &tries) == TOKEN_PIN_LOCKED) {
		err = TOKEN_ERR_PIN_LOCKED;
		goto out;
	}
	pinpad = (t.info.flags & CKF_PROTECTED_AUTHENTICATION_PATH) != 0;
	if (pinpad && old_pin == NULL && new_pin == NULL) {
		tok_stage(ctl, TOKEN_STAGE_PINPAD); /* both typed on the reader */
	} else if (old_pin == NULL || new_pin == NULL || !pin_len_ok(&t.info, old_pin) ||
		   !pin_len_ok(&t.info, new_pin)) {
		err = TOKEN_ERR_PIN_LENGTH;
		goto out;
	}
	if ((t.info.flags & CKF_USER_PIN_FINAL_TRY) && !(flags & TOKEN_FINAL_TRY_OK)) {
		err = TOKEN_ERR_FINAL_TRY;
		goto out;
	}
	/* Logged in as SO, C_SetPIN would change the SO PIN. */
	PKCS11_is_logged_in(t.slot, 1, &so);
	if (so && (err = p11_logout_first(&t)) != TOKEN_OK)
		goto out;
	ERR_clear_error();
	if (PKCS11_change_pin(t.slot, old_pin, new_pin) != 0)
		err = tok_fail(&t, "C_SetPIN", tok_p11_rv());
	else
		log_info("token: user PIN changed");
	if (tok_live_info(&t) == TOKEN_OK)
		tok_pin_state(t.info.flags, false, &tries);
	if (err == TOKEN_ERR_PIN_WRONG && tries == 0)
		err = TOKEN_ERR_PIN_LOCKED;
out:
	tok_wipe(old_pin);
	tok_wipe(new_pin);
	tok_unlock();
	if (tries_left != NULL)
		*tries_left = tries;
	return err;
}

/* SO login after the checks every SO operation shares. */
static enum token_err
so_login(struct tok *t, char *so_pin, int *tries)
{
	enum token_err err;

	if (tok_pin_state(t->info.flags, true, tries) == TOKEN_PIN_LOCKED)
		return TOKEN_ERR_SO_PIN_LOCKED;
	if (so_pin == NULL || !pin_len_ok(&t->info, so_pin))
		return TOKEN_ERR_PIN_LENGTH;
	if ((err = p11_logout_first(t)) != TOKEN_OK)
		return err;
	ERR_clear_error();
	if (PKCS11_login(t->slot, 1, so_pin) != 0) {
		err = tok_fail(t, "C_Login(SO)", tok_p11_rv());
		if (tok_live_info(t) == TOKEN_OK)
			tok_pin_state(t->info.flags, true, tries);
		if (err == TOKEN_ERR_PIN_WRONG)
			err = *tries == 0 ? TOKEN_ERR_SO_PIN_LOCKED
					  : TOKEN_ERR_SO_PIN_WRONG;
		else if (err == TOKEN_ERR_PIN_LOCKED)
			err = TOKEN_ERR_SO_PIN_LOCKED;
		return err;
	}
	return TOKEN_OK;
}

/* After an SO operation: log out and drop the slots (and libp11's PIN copy). */
static void
so_done(struct tok *t)
{
	ERR_clear_error();
	if (t->slot != NULL)
		PKCS11_logout(t->slot);
	tok_release_slots(t->m);
	t->slot = NULL;
}

/*
 * What unblocking and changing the SO PIN begin with: the token opened,
 * the new PIN's length checked against the token's limits before any try
 * is spent, and the security officer logged in.  Lock held.
 */
static enum token_err
so_begin(const struct token_ref *ref, struct tok *t, const char *what,
	 const struct token_ctl *ctl, char *so_pin, const char *new_pin, bool pinpad_ok,
	 int *tries)
{
	enum token_err err = tok_open(ref, t, what, ctl);

	if (err != TOKEN_OK)
		return err;
	/* A PIN-pad reader takes a NULL new user PIN: typed on the reader. */
	pinpad_ok = pinpad_ok && (t->info.flags & CKF_PROTECTED_AUTHENTICATION_PATH) != 0;
	tok_stage(ctl, TOKEN_STAGE_PIN);
	if (new_pin == NULL ? !pinpad_ok : !pin_len_ok(&t->info, new_pin))
		return TOKEN_ERR_PIN_LENGTH;
	return so_login(t, so_pin, tries);
}

enum token_err
token_so_check(const struct token_ref *ref, char *so_pin, unsigned flags, int *tries_left,
	       const struct token_ctl *ctl)
{
	struct tok t;
	enum token_err err;
	int tries = -1;

	tok_lock();
	err = tok_open(ref, &t, "SO login", ctl);
	if (err != TOKEN_OK)
		goto out;
	tok_stage(ctl, TOKEN_STAGE_PIN);
	if (tok_pin_state(t.info.flags, true, &tries) == TOKEN_PIN_FINAL_TRY &&
	    !(flags & TOKEN_FINAL_TRY_OK)) {
		err = TOKEN_ERR_FINAL_TRY;
		goto out;
	}
	err = so_login(&t, so_pin, &tries);
	if (err == TOKEN_OK)
		log_info("token: security officer logged in");
	so_done(&t);
out:
	tok_wipe(so_pin);
	tok_unlock();
	if (tries_left != NULL)
		*tries_left = tries;
	return err;
}

enum token_err
token_unblock(const struct token_ref *ref, char *so_pin, char *new_pin, int *tries_left,
	      const struct token_ctl *ctl)
{
	struct tok t;
	enum token_err err;
	int tries = -1;

	tok_lock();
	if ((err = so_begin(ref, &t, "unblock", ctl, so_pin, new_pin, true, &tries)) !=
	    TOKEN_OK)
		goto out;
	tok_wipe(so_pin);
	tok_stage(ctl, new_pin == NULL ? TOKEN_STAGE_PINPAD : TOKEN_STAGE_WRITING);
	ERR_clear_error();
	if (PKCS11_init_pin(t.slot->token, new_pin) != 0)
		err = tok_fail(&t, "C_InitPIN", tok_p11_rv());
	else
		log_info("token: user PIN set by the security officer");
	so_done(&t);
	if (err == TOKEN_OK && tok_live_info(&t) == TOKEN_OK)
		tok_pin_state(t.info.flags, true, &tries);
out:
	tok_wipe(so_pin);
	tok_wipe(new_pin);
	tok_unlock();
	if (tries_left != NULL)
		*tries_left = tries;
	return err;
}

enum token_err
token_change_so_pin(const struct token_ref *ref, char *old_so_pin, char *new_so_pin,
		    int *tries_left, const struct token_ctl *ctl)
{
	struct tok t;
	enum token_err err;
	int tries = -1;

	tok_lock();
	err = so_begin(ref, &t, "change SO PIN", ctl, old_so_pin, new_so_pin, false,
		       &tries);
	if (err != TOKEN_OK)
		goto out;
	ERR_clear_error();
	if (PKCS11_change_pin(t.slot, old_so_pin, new_so_pin) != 0) {
		err = tok_fail(&t, "C_SetPIN(SO)", tok_p11_rv());
		if (err == TOKEN_ERR_PIN_WRONG)
			err = TOKEN_ERR_SO_PIN_WRONG;
	} else {
		log_info("token: SO PIN changed");
	}
	so_done(&t);
out:
	tok_wipe(old_so_pin);
	tok_wipe(new_so_pin);
	tok_unlock();
	if (tries_left != NULL)
		*tries_left = tries;
	return err;
}

/* ---- staff: blank tokens ------------------------------------------------- */

enum token_err
token_init_token(const struct token_ref *ref, char *so_pin, char *user_pin,
		 const char *label, const struct token_ctl *ctl)
{
	struct tok t;
	enum token_err err;
	int tries;
	char lab[33];

	tok_lock();
	err = tok_open(ref, &t, "initialise token", ctl);
	if (err != TOKEN_OK)
		goto out;
	if (so_pin == NULL || user_pin == NULL || !pin_len_ok(&t.info, so_pin) ||
	    !pin_len_ok(&t.info, user_pin)) {
		err = TOKEN_ERR_PIN_LENGTH;
		goto out;
	}
	/* C_InitToken wants the label as 32 blank-padded bytes. */
	memset(lab, ' ', 32);
	lab[32] = '\0';
	if (label != NULL)
		memcpy(lab, label, strlen(label) < 32 ? strlen(label) : 32);
	if (tok_cancelled(ctl)) {
		err = TOKEN_ERR_CANCELLED;
		goto out;
	}
	tok_stage(ctl, TOKEN_STAGE_INITIALIZING);
	if ((err = p11_logout_first(&t)) != TOKEN_OK)
		goto out;
	/* C_InitToken refuses a token with sessions open (CKR_SESSION_EXISTS):
	 * an initialized one has libp11's.  Its slots are enumerated afresh
	 * below, so closing them behind its back is safe. */
	if ((t.info.flags & CKF_TOKEN_INITIALIZED) != 0) {
		CK_RV rv = t.m->f->C_CloseAllSessions(t.id);

		if (rv != CKR_OK) {
			err = tok_fail(&t, "C_CloseAllSessions", rv);
			goto out;
		}
	}
	ERR_clear_error();
	if (PKCS11_init_token(t.slot->token, so_pin, lab) != 0) {
		err = tok_fail(&t, "C_InitToken", tok_p11_rv());
		if (err == TOKEN_ERR_PIN_WRONG)
			err = TOKEN_ERR_SO_PIN_WRONG;
		goto out;
	}
	/* libp11 does not refresh the token after C_InitToken. */
	if ((err = tok_enumerate(&t)) != TOKEN_OK)
		goto out;
	if ((err = tok_live_info(&t)) != TOKEN_OK)
		goto out;
	if ((err = so_login(&t, so_pin, &tries)) != TOKEN_OK)
		goto out;
	ERR_clear_error();
	if (PKCS11_init_pin(t.slot->token, user_pin) != 0)
		err = tok_fail(&t, "C_InitPIN", tok_p11_rv());
	else
		log_info("token: blank token initialised");
	so_done(&t);
out:
	tok_wipe(so_pin);
	tok_wipe(user_pin);
	tok_unlock();
	return err;
}
