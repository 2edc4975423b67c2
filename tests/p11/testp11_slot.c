/*
 * testp11_slot.c - the test module's module, slot and session
 * calls: insertion, removal and slot events
 * (part of the PKCS#11 test module: testp11.c says what it does).
 */
#define _GNU_SOURCE
#include "testp11.h"

/* ---- module and slots ------------------------------------------------- */

CK_RV
w_C_Initialize(CK_VOID_PTR args)
{
	const char *path = getenv("CAKIOSK_TESTP11_MODULE");
	const char *ctl = getenv("CAKIOSK_TESTP11_CTL");
	CK_RV rv;

	pthread_mutex_lock(&T.lock);
	if (T.initialized) {
		pthread_mutex_unlock(&T.lock);
		return CKR_CRYPTOKI_ALREADY_INITIALIZED;
	}
	if (T.dl == NULL) {
		CK_C_GetFunctionList gfl;

		T.dl = dlopen(path != NULL ? path : "/usr/lib/softhsm/libsofthsm2.so",
			      RTLD_NOW | RTLD_LOCAL);
		if (T.dl == NULL) {
			pthread_mutex_unlock(&T.lock);
			return CKR_GENERAL_ERROR;
		}
		gfl = (CK_C_GetFunctionList)dlsym(T.dl, "C_GetFunctionList");
		if (gfl == NULL || gfl(&T.real) != CKR_OK) {
			dlclose(T.dl);
			T.dl = NULL;
			pthread_mutex_unlock(&T.lock);
			return CKR_GENERAL_ERROR;
		}
	}
	rv = T.real->C_Initialize(args);
	if (rv == CKR_OK) {
		T.initialized = true;
		T.finalizing = false;
		setstr(T.ctl_path, sizeof T.ctl_path, ctl != NULL ? ctl : "");
		T.ctl_seen = false;
		T.nslots = 0;
		memset(T.sessions, 0, sizeof T.sessions);
		ctl_defaults();
		state_update();
		T.event_pending = false;
	}
	pthread_mutex_unlock(&T.lock);
	return rv;
}

CK_RV
w_C_Finalize(CK_VOID_PTR reserved)
{
	CK_RV rv;

	pthread_mutex_lock(&T.lock);
	if (!T.initialized) {
		pthread_mutex_unlock(&T.lock);
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	}
	T.initialized = false;
	T.finalizing = true;
	pthread_cond_broadcast(&T.event_cond);
	rv = T.real->C_Finalize(reserved);
	pthread_mutex_unlock(&T.lock);
	return rv;
}

CK_RV
w_C_GetInfo(CK_INFO_PTR info)
{
	CK_RV rv = enter("C_GetInfo", false);

	if (rv == CKR_OK)
		rv = T.real->C_GetInfo(info);
	if (rv == CKR_OK) {
		memset(info->libraryDescription, ' ', sizeof info->libraryDescription);
		memcpy(info->libraryDescription, "cakiosk test card", 17);
	}
	return rv;
}

CK_RV
w_C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	if (list == NULL)
		return CKR_ARGUMENTS_BAD;
	*list = &wrap;
	return CKR_OK;
}

/* A watcher's look, logged as asked (log=) though not counted. */
static void
log_look(const char *fn)
{
	pthread_mutex_lock(&T.lock);
	logcall(fn, CKR_OK);
	pthread_mutex_unlock(&T.lock);
}

CK_RV
w_C_GetSlotList(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{
	CK_RV rv = enter("C_GetSlotList", false);
	CK_ULONG n = 0;

	if (rv != CKR_OK)
		return rv;
	log_look("C_GetSlotList");
	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&T.lock);
	for (int i = 0; i < T.nslots; i++) {
		struct slot *s = &T.slots[i];

		/* An uninitialised SoftHSM slot is a reader only when blank=1. */
		if (!s->initialized && !T.blank)
			continue;
		if (present && !s->present)
			continue;
		if (list != NULL && n < *count)
			list[n] = s->id;
		n++;
	}
	if (list != NULL && n > *count)
		rv = CKR_BUFFER_TOO_SMALL;
	*count = n;
	pthread_mutex_unlock(&T.lock);
	return rv;
}

bool
slot_present(CK_SLOT_ID id, bool *exists)
{
	struct slot *s;
	bool p;

	pthread_mutex_lock(&T.lock);
	s = slot_find(id);
	*exists = s != NULL;
	p = s != NULL && s->present;
	pthread_mutex_unlock(&T.lock);
	return p;
}

CK_RV
w_C_GetSlotInfo(CK_SLOT_ID id, CK_SLOT_INFO_PTR info)
{
	CK_RV rv = enter("C_GetSlotInfo", false);
	bool exists;

	if (rv != CKR_OK)
		return rv;
	rv = T.real->C_GetSlotInfo(id, info);
	if (rv != CKR_OK)
		return rv;
	memset(info->slotDescription, ' ', sizeof info->slotDescription);
	memcpy(info->slotDescription, "cakiosk test reader", 19);
	info->flags |= CKF_REMOVABLE_DEVICE | CKF_HW_SLOT;
	if (!slot_present(id, &exists))
		info->flags &= ~(CK_FLAGS)CKF_TOKEN_PRESENT;
	return CKR_OK;
}

CK_RV
w_C_GetTokenInfo(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info)
{
	CK_RV rv = enter("C_GetTokenInfo", false);
	char label[LABEL_LEN + 1];
	bool exists;
	struct pins p;

	if (rv != CKR_OK)
		return rv;
	log_look("C_GetTokenInfo");
	if (!slot_present(id, &exists))
		return exists ? CKR_TOKEN_NOT_PRESENT : CKR_SLOT_ID_INVALID;
	rv = T.real->C_GetTokenInfo(id, info);
	if (rv != CKR_OK)
		return rv;
	trim_label(info->label, label);
	pthread_mutex_lock(&T.lock);
	p = pins_get(label);
	info->flags &= ~(CK_FLAGS)(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY |
				   CKF_USER_PIN_LOCKED | CKF_SO_PIN_COUNT_LOW |
				   CKF_SO_PIN_FINAL_TRY | CKF_SO_PIN_LOCKED);
	if (T.pin_tries > 0 && p.user > 0) {
		if (p.user >= T.pin_tries)
			info->flags |= CKF_USER_PIN_LOCKED;
		else if (T.pin_tries - p.user == 1)
			info->flags |= CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW;
		else
			info->flags |= CKF_USER_PIN_COUNT_LOW;
	}
	if (T.so_pin_tries > 0 && p.so > 0) {
		if (p.so >= T.so_pin_tries)
			info->flags |= CKF_SO_PIN_LOCKED;
		else if (T.so_pin_tries - p.so == 1)
			info->flags |= CKF_SO_PIN_FINAL_TRY | CKF_SO_PIN_COUNT_LOW;
		else
			info->flags |= CKF_SO_PIN_COUNT_LOW;
	}
	if (T.pinpad)
		info->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
	if (T.to_be_changed)
		info->flags |= CKF_USER_PIN_TO_BE_CHANGED;
	if (T.min_pin >= 0)
		info->ulMinPinLen = (CK_ULONG)T.min_pin;
	if (T.max_pin >= 0)
		info->ulMaxPinLen = (CK_ULONG)T.max_pin;
	memset(info->model, ' ', sizeof info->model);
	memcpy(info->model, "TestCard", 8);
	pthread_mutex_unlock(&T.lock);
	return CKR_OK;
}

CK_RV
w_C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved)
{
	CK_RV rv = CKR_NO_EVENT;
	long linger = 0;

	(void)reserved;
	pthread_mutex_lock(&T.lock);
	if (!T.initialized) {
		pthread_mutex_unlock(&T.lock);
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	}
	if (!T.events) {
		/* What SoftHSM itself says. */
		pthread_mutex_unlock(&T.lock);
		return (flags & CKF_DONT_BLOCK) ? CKR_NO_EVENT
						: CKR_FUNCTION_NOT_SUPPORTED;
	}
	T.waiting++;
	for (;;) {
		state_update();
		if (T.event_pending) {
			T.event_pending = false;
			if (slot != NULL)
				*slot = T.nslots > 0 ? T.slots[0].id : 0;
			rv = CKR_OK;
			break;
		}
		if (flags & CKF_DONT_BLOCK)
			break;
		if (T.finalizing || !T.initialized) {
			rv = CKR_CRYPTOKI_NOT_INITIALIZED;
			linger = T.wait_linger_ms;
			break;
		}
		/* The control file has no way to wake us: look again soon. */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&T.event_cond, &T.lock, &ts);
	}
	pthread_mutex_unlock(&T.lock);
	if (linger > 0) {
		struct timespec ts = {linger / 1000, (linger % 1000) * 1000000L};

		nanosleep(&ts, NULL);
	}
	pthread_mutex_lock(&T.lock);
	T.waiting--;
	pthread_mutex_unlock(&T.lock);
	return rv;
}

/* For the tests: threads inside C_WaitForSlotEvent right now. */
__attribute__((visibility("default"))) int cakiosk_testp11_waiting(void);

int
cakiosk_testp11_waiting(void)
{
	int n;

	pthread_mutex_lock(&T.lock);
	n = T.waiting;
	pthread_mutex_unlock(&T.lock);
	return n;
}

CK_RV
w_C_GetMechanismList(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR n)
{
	CK_RV rv = enter("C_GetMechanismList", true);

	if (rv == CKR_OK)
		rv = T.real->C_GetMechanismList(id, list, n);
	return leave("C_GetMechanismList", rv);
}

CK_RV
w_C_GetMechanismInfo(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info)
{
	CK_RV rv = enter("C_GetMechanismInfo", true);

	if (rv == CKR_OK)
		rv = T.real->C_GetMechanismInfo(id, type, info);
	return leave("C_GetMechanismInfo", rv);
}

/* ---- sessions ---------------------------------------------------------- */

CK_RV
w_C_OpenSession(CK_SLOT_ID id, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
		CK_SESSION_HANDLE_PTR h)
{
	CK_RV rv = enter("C_OpenSession", true);
	bool exists;

	if (rv == CKR_OK && !slot_present(id, &exists))
		rv = exists ? CKR_TOKEN_NOT_PRESENT : CKR_SLOT_ID_INVALID;
	if (rv == CKR_OK)
		rv = T.real->C_OpenSession(id, flags, app, notify, h);
	if (rv == CKR_OK) {
		struct sess *s;

		pthread_mutex_lock(&T.lock);
		/* SoftHSM may give out the handle of a pulled session again. */
		s = sess_find(*h);
		for (int i = 0; s == NULL && i < MAX_SESSIONS; i++)
			if (!T.sessions[i].used)
				s = &T.sessions[i];
		if (s != NULL) {
			s->used = true;
			s->h = *h;
			s->slot = id;
			s->removed = false;
		}
		pthread_mutex_unlock(&T.lock);
	}
	return leave("C_OpenSession", rv);
}

CK_RV
w_C_CloseSession(CK_SESSION_HANDLE hSession)
{
	CK_RV rv = enter("C_CloseSession", true);
	struct sess *s;
	bool removed = false;

	pthread_mutex_lock(&T.lock);
	s = sess_find(hSession);
	if (s != NULL) {
		removed = s->removed;
		s->used = false;
	}
	pthread_mutex_unlock(&T.lock);
	if (removed)
		return leave("C_CloseSession", CKR_OK);
	if (rv == CKR_OK)
		rv = T.real->C_CloseSession(hSession);
	return leave("C_CloseSession", rv);
}

CK_RV
w_C_CloseAllSessions(CK_SLOT_ID id)
{
	CK_RV rv = enter("C_CloseAllSessions", true);

	pthread_mutex_lock(&T.lock);
	for (int i = 0; i < MAX_SESSIONS; i++)
		if (T.sessions[i].used && T.sessions[i].slot == id)
			T.sessions[i].used = false;
	pthread_mutex_unlock(&T.lock);
	if (rv == CKR_OK)
		rv = T.real->C_CloseAllSessions(id);
	return leave("C_CloseAllSessions", rv);
}
