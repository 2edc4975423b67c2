/*
 * testp11_pin.c - the test module's PIN calls: retry counts,
 * locks, length limits, the PIN-pad reader
 * (part of the PKCS#11 test module: testp11.c says what it does).
 */
#define _GNU_SOURCE
#include "testp11.h"

/* ---- PINs -------------------------------------------------------------- */

static const char *
session_label(CK_SLOT_ID slot, char *buf)
{
	struct slot *s;

	pthread_mutex_lock(&T.lock);
	s = slot_find(slot);
	snprintf(buf, LABEL_LEN + 1, "%s", s != NULL ? s->label : "?");
	pthread_mutex_unlock(&T.lock);
	return buf;
}

static bool
len_ok(CK_ULONG len)
{
	return !((T.min_pin >= 0 && len < (CK_ULONG)T.min_pin) ||
		 (T.max_pin >= 0 && len > (CK_ULONG)T.max_pin));
}

/* Count a failure or reset after success; returns what the card says. */
static CK_RV
pin_result(const char *label, bool so, CK_RV rv)
{
	struct pins p;
	int tries = so ? T.so_pin_tries : T.pin_tries;

	pthread_mutex_lock(&T.lock);
	p = pins_get(label);
	if (rv == CKR_PIN_INCORRECT && tries > 0) {
		if (so)
			p.so++;
		else
			p.user++;
		pins_set(label, p);
		if ((so ? p.so : p.user) >= tries)
			rv = CKR_PIN_LOCKED;
	} else if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) {
		if ((so ? p.so : p.user) != 0) {
			if (so)
				p.so = 0;
			else
				p.user = 0;
			pins_set(label, p);
		}
	}
	pthread_mutex_unlock(&T.lock);
	return rv;
}

static bool
pin_locked(const char *label, bool so)
{
	struct pins p;
	int tries = so ? T.so_pin_tries : T.pin_tries;
	bool locked;

	pthread_mutex_lock(&T.lock);
	p = pins_get(label);
	locked = tries > 0 && (so ? p.so : p.user) >= tries;
	pthread_mutex_unlock(&T.lock);
	return locked;
}

CK_RV
w_C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin,
	  CK_ULONG len)
{
	CK_RV rv = enter("C_Login", true);
	CK_SLOT_ID slot = 0;
	char label[LABEL_LEN + 1];
	bool so = user == CKU_SO;

	if (rv == CKR_OK)
		rv = check_session(hSession, &slot);
	if (rv != CKR_OK)
		return leave("C_Login", rv);
	session_label(slot, label);
	if (pin == NULL && T.pinpad) {
		/* The customer types on the reader: a while, then this PIN. */
		sleep_ms(200);
		pin = (CK_UTF8CHAR_PTR)T.pinpad_pin;
		len = strlen(T.pinpad_pin);
		if (len == 0)
			return leave("C_Login", CKR_FUNCTION_CANCELED);
	}
	if (pin_locked(label, so))
		return leave("C_Login", CKR_PIN_LOCKED);
	if (!len_ok(len))
		return leave("C_Login", CKR_PIN_LEN_RANGE);
	rv = T.real->C_Login(hSession, user, pin, len);
	if (user == CKU_USER || user == CKU_SO)
		rv = pin_result(label, so, rv);
	if (rv == CKR_OK && user == CKU_USER && T.to_be_changed)
		rv = CKR_OK; /* a real card lets the login through and says so in flags */
	return leave("C_Login", rv);
}

CK_RV
w_C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	CK_RV rv = enter("C_InitPIN", true);
	CK_SLOT_ID slot = 0;

	if (rv == CKR_OK)
		rv = check_session(hSession, &slot);
	if (rv == CKR_OK && pin == NULL && T.pinpad) {
		/* The customer types the new PIN on the reader. */
		sleep_ms(200);
		pin = (CK_UTF8CHAR_PTR)T.pinpad_pin;
		len = strlen(T.pinpad_pin);
		if (len == 0)
			rv = CKR_FUNCTION_CANCELED;
	}
	if (rv == CKR_OK && !len_ok(len))
		rv = CKR_PIN_LEN_RANGE;
	if (rv == CKR_OK)
		rv = T.real->C_InitPIN(hSession, pin, len);
	if (rv == CKR_OK) {
		struct pins p;
		char label[LABEL_LEN + 1];

		session_label(slot, label);
		pthread_mutex_lock(&T.lock);
		p = pins_get(label);
		p.user = 0;
		pins_set(label, p);
		pthread_mutex_unlock(&T.lock);
	}
	return leave("C_InitPIN", rv);
}

CK_RV
w_C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR old, CK_ULONG oldlen,
	   CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	CK_RV rv = enter("C_SetPIN", true);
	CK_SLOT_ID slot = 0;
	CK_SESSION_INFO si;
	char label[LABEL_LEN + 1];
	bool so, pad = false;

	if (rv == CKR_OK)
		rv = check_session(hSession, &slot);
	if (rv == CKR_OK)
		rv = T.real->C_GetSessionInfo(hSession, &si);
	if (rv != CKR_OK)
		return leave("C_SetPIN", rv);
	so = si.state == CKS_RW_SO_FUNCTIONS;
	session_label(slot, label);
	if (old == NULL && pin == NULL && T.pinpad) {
		/* Old and new typed on the reader. */
		sleep_ms(200);
		old = (CK_UTF8CHAR_PTR)T.pinpad_pin;
		oldlen = strlen(T.pinpad_pin);
		pin = (CK_UTF8CHAR_PTR)T.pinpad_new;
		len = strlen(T.pinpad_new);
		if (oldlen == 0 || len == 0)
			return leave("C_SetPIN", CKR_FUNCTION_CANCELED);
		pad = true;
	}
	if (pin_locked(label, so))
		return leave("C_SetPIN", CKR_PIN_LOCKED);
	if (!len_ok(len) || !len_ok(oldlen))
		return leave("C_SetPIN", CKR_PIN_LEN_RANGE);
	rv = T.real->C_SetPIN(hSession, old, oldlen, pin, len);
	rv = pin_result(label, so, rv);
	if (rv == CKR_OK && pad && !so) {
		/* The customer knows the new PIN now: it is what is typed on the
		 * reader from here on (until the control file changes). */
		pthread_mutex_lock(&T.lock);
		setstr(T.pinpad_pin, sizeof T.pinpad_pin, T.pinpad_new);
		pthread_mutex_unlock(&T.lock);
	}
	return leave("C_SetPIN", rv);
}

CK_RV
w_C_InitToken(CK_SLOT_ID id, CK_UTF8CHAR_PTR pin, CK_ULONG len, CK_UTF8CHAR_PTR label)
{
	CK_RV rv = enter("C_InitToken", true);
	bool exists;
	char old[LABEL_LEN + 1];

	if (rv == CKR_OK && !slot_present(id, &exists))
		rv = exists ? CKR_TOKEN_NOT_PRESENT : CKR_SLOT_ID_INVALID;
	if (rv != CKR_OK)
		return leave("C_InitToken", rv);
	session_label(id, old);
	rv = T.real->C_InitToken(id, pin, len, label);
	if (rv == CKR_PIN_INCORRECT)
		rv = pin_result(old, true, rv);
	if (rv == CKR_OK) {
		struct pins zero = {0, 0};
		char now[LABEL_LEN + 1];

		trim_label(label, now);
		pthread_mutex_lock(&T.lock);
		pins_set(old, zero);
		pins_set(now, zero);
		/* The token keeps its reader: present under its new label too. */
		slots_refresh(true);
		if (slot_find(id) != NULL)
			slot_find(id)->present = true;
		pthread_mutex_unlock(&T.lock);
	}
	return leave("C_InitToken", rv);
}
