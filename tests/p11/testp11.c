/*
 * testp11.c - a PKCS#11 module that plays a real UKey's part in front of
 * SoftHSM2, for the token tests.
 *
 * SoftHSM is a real token store, but it never locks a PIN, has no hot-plug
 * and answers at memory speed.  This module passes every call through to
 * SoftHSM's function list and, under the test's control, adds what a card
 * in a reader does:
 *
 *   - insertion and removal: tokens are present or absent by label; an
 *     absent token's slot is empty, its sessions are gone and calls on them
 *     fail with CKR_DEVICE_REMOVED;
 *   - a PIN retry counter per token (user and SO) with COUNT_LOW, FINAL_TRY
 *     and LOCKED flags and CKR_PIN_LOCKED; an SO C_InitPIN resets the user's;
 *   - PIN length limits (CKR_PIN_LEN_RANGE), a PIN-pad reader, "PIN to be
 *     changed";
 *   - failing the Nth call or every call of a function with a chosen CKR_*,
 *     pulling every token at the Nth call (a card pulled mid-operation);
 *   - per-call latency (a real card takes seconds to make a key);
 *   - blocking C_WaitForSlotEvent, when asked for.
 *
 * Control: the file named by CAKIOSK_TESTP11_CTL, "key=value" lines, re-read
 * whenever it changes (write a new file and rename it over the old one):
 *
 *   present=*|none|LABEL,LABEL   which tokens are in a reader (default *);
 *                                LABEL* is every label that begins LABEL
 *   blank=0|1|2                  show SoftHSM's uninitialised token (0);
 *                                2: it is the one card in the reader, gone
 *                                once a listed token is initialized (it
 *                                became that token)
 *   pin_tries=N  so_pin_tries=N  tries before a PIN locks (3; 0 = never)
 *   min_pin=N  max_pin=N         the token's PIN length limits (SoftHSM's)
 *   pinpad=0|1  pinpad_pin=PIN   a PIN-pad reader, and what is "typed" on it
 *   pinpad_new=PIN               the new PIN typed on it for a NULL C_SetPIN
 *                                (C_InitPIN with NULL takes pinpad_pin);
 *                                once the user PIN is set so, pinpad_new is
 *                                what is typed for a login
 *   to_be_changed=0|1            CKF_USER_PIN_TO_BE_CHANGED
 *   latency_ms=N                 added to every call
 *   latency.C_Name=N             added to calls of one function
 *   fail_nth=N:CKR_NAME          the Nth counted call fails once
 *   fail_fn=C_Name:CKR_NAME      every call of that function fails
 *   pull_fn=C_Name[:N]           the same at the Nth call (default 1) of
 *                                that function, counted from the change
 *   pull_after=N                 the Nth counted call is done, then every
 *                                token is pulled before it answers (the
 *                                card wrote, the answer is lost)
 *   pull_nth=N                   at the Nth counted call every token is
 *                                pulled: the module rewrites the file with
 *                                present=none, for every process
 *   events=0|1                   support blocking C_WaitForSlotEvent (0)
 *   wait_linger_ms=N             a wait ended by C_Finalize returns N ms
 *                                later (a reader noticing the cancel late)
 *   log=PATH                     append "C_Name rv" for every counted
 *                                call, "C_Name 0x0" for every
 *                                C_GetSlotList and C_GetTokenInfo (looks)
 *
 * Counted calls are all calls but C_GetSlotList, C_GetSlotInfo,
 * C_GetTokenInfo, C_WaitForSlotEvent, C_GetInfo and C_GetFunctionList, so a
 * hot-plug watcher polling in another thread does not move the count.
 * Counting restarts when the file changes.  PIN failure counts survive the
 * process in CTL.pins.  cakiosk_testp11_waiting() (exported) says how many
 * threads are inside C_WaitForSlotEvent.  The wrapped module is CAKIOSK_TESTP11_MODULE
 * (default /usr/lib/softhsm/libsofthsm2.so).
 */
#define _GNU_SOURCE
#include "testp11.h"

/* ---- the common path of every call ----------------------------------- */

static long
latency_for(const char *fn)
{
	long ms = T.latency_ms;

	for (int i = 0; i < T.nfnlat; i++)
		if (strcmp(T.fnlat[i].name, fn) == 0)
			ms += T.fnlat[i].ms;
	return ms;
}

/*
 * Before passing a call on: reload the control, count the call, fail or
 * pull as told, sleep the latency.  Returns CKR_OK to go on.  Lock NOT held.
 */
/* This thread's call is the one after which the card goes (pull_after). */
static __thread bool pull_on_leave;

CK_RV
enter(const char *fn, bool counted)
{
	CK_RV rv = CKR_OK;
	long ms;

	pthread_mutex_lock(&T.lock);
	if (!T.initialized) {
		pthread_mutex_unlock(&T.lock);
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	}
	state_update();
	if (counted) {
		T.calls++;
		if (T.pull_fn[0] != '\0' && strcmp(T.pull_fn, fn) == 0)
			T.pull_fn_calls++;
		if ((T.pull_nth > 0 && T.calls == T.pull_nth) ||
		    (T.pull_fn[0] != '\0' && strcmp(T.pull_fn, fn) == 0 &&
		     T.pull_fn_calls == T.pull_fn_nth)) {
			T.pulled = true;
			slots_refresh(false);
			ctl_write_pulled();
			rv = CKR_DEVICE_REMOVED;
		} else if (T.fail_nth > 0 && T.calls == T.fail_nth) {
			rv = T.fail_nth_rv;
		} else if (T.pull_after > 0 && T.calls == T.pull_after) {
			pull_on_leave = true;
		}
	}
	if (rv == CKR_OK && T.fail_fn[0] != '\0' && strcmp(T.fail_fn, fn) == 0)
		rv = T.fail_fn_rv;
	ms = latency_for(fn);
	pthread_mutex_unlock(&T.lock);
	if (ms > 0)
		sleep_ms(ms);
	return rv;
}

CK_RV
leave(const char *fn, CK_RV rv)
{
	pthread_mutex_lock(&T.lock);
	if (pull_on_leave) {
		/* The card did it; the answer never reaches the host. */
		pull_on_leave = false;
		T.pulled = true;
		slots_refresh(false);
		ctl_write_pulled();
		rv = CKR_DEVICE_REMOVED;
	}
	logcall(fn, rv);
	pthread_mutex_unlock(&T.lock);
	return rv;
}

struct sess *
sess_find(CK_SESSION_HANDLE h)
{
	for (int i = 0; i < MAX_SESSIONS; i++)
		if (T.sessions[i].used && T.sessions[i].h == h)
			return &T.sessions[i];
	return NULL;
}

/* A call on a session: is its token still there?  Lock not held. */
CK_RV
check_session(CK_SESSION_HANDLE h, CK_SLOT_ID *slot)
{
	CK_RV rv = CKR_OK;
	struct sess *s;

	pthread_mutex_lock(&T.lock);
	s = sess_find(h);
	if (s != NULL && s->removed)
		rv = CKR_DEVICE_REMOVED;
	else if (s != NULL && slot != NULL)
		*slot = s->slot;
	else if (s == NULL && slot != NULL)
		rv = CKR_SESSION_HANDLE_INVALID;
	pthread_mutex_unlock(&T.lock);
	return rv;
}

/* Session functions that need nothing special: check, pass, log. */
#define PASS(name, decl, args)                                                           \
	static CK_RV w_##name decl                                                       \
	{                                                                                \
		CK_RV rv = enter(#name, true);                                           \
		if (rv == CKR_OK)                                                        \
			rv = check_session(hSession, NULL);                              \
		if (rv == CKR_OK)                                                        \
			rv = T.real->name args;                                          \
		return leave(#name, rv);                                                 \
	}

PASS(C_GetSessionInfo, (CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR p), (hSession, p))
PASS(C_GetOperationState, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR p, CK_ULONG_PTR l),
     (hSession, p, l))
PASS(C_SetOperationState,
     (CK_SESSION_HANDLE hSession, CK_BYTE_PTR p, CK_ULONG l, CK_OBJECT_HANDLE a,
      CK_OBJECT_HANDLE b),
     (hSession, p, l, a, b))
PASS(C_Logout, (CK_SESSION_HANDLE hSession), (hSession))
PASS(C_CreateObject,
     (CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR o),
     (hSession, t, n, o))
PASS(C_CopyObject,
     (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n,
      CK_OBJECT_HANDLE_PTR o),
     (hSession, h, t, n, o))
PASS(C_DestroyObject, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE h), (hSession, h))
PASS(C_GetObjectSize, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE h, CK_ULONG_PTR l),
     (hSession, h, l))
PASS(C_GetAttributeValue,
     (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n),
     (hSession, h, t, n))
PASS(C_SetAttributeValue,
     (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n),
     (hSession, h, t, n))
PASS(C_FindObjectsInit, (CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR t, CK_ULONG n),
     (hSession, t, n))
PASS(C_FindObjects,
     (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR o, CK_ULONG m, CK_ULONG_PTR n),
     (hSession, o, m, n))
PASS(C_FindObjectsFinal, (CK_SESSION_HANDLE hSession), (hSession))
PASS(C_EncryptInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k),
     (hSession, m, k))
PASS(C_Encrypt,
     (CK_SESSION_HANDLE hSession, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o,
      CK_ULONG_PTR ol),
     (hSession, d, l, o, ol))
PASS(C_EncryptUpdate,
     (CK_SESSION_HANDLE hSession, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o,
      CK_ULONG_PTR ol),
     (hSession, d, l, o, ol))
PASS(C_EncryptFinal, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR o, CK_ULONG_PTR ol),
     (hSession, o, ol))
PASS(C_DecryptInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k),
     (hSession, m, k))
PASS(C_Decrypt,
     (CK_SESSION_HANDLE hSession, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o,
      CK_ULONG_PTR ol),
     (hSession, d, l, o, ol))
PASS(C_DecryptUpdate,
     (CK_SESSION_HANDLE hSession, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o,
      CK_ULONG_PTR ol),
     (hSession, d, l, o, ol))
PASS(C_DecryptFinal, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR o, CK_ULONG_PTR ol),
     (hSession, o, ol))
PASS(C_DigestInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR m), (hSession, m))
PASS(C_Digest,
     (CK_SESSION_HANDLE hSession, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o,
      CK_ULONG_PTR ol),
     (hSession, d, l, o, ol))
PASS(C_DigestUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR d, CK_ULONG l),
     (hSession, d, l))
PASS(C_DigestKey, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE k), (hSession, k))
PASS(C_DigestFinal, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR o, CK_ULONG_PTR ol),
     (hSession, o, ol))
PASS(C_SignInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k),
     (hSession, m, k))
PASS(C_Sign,
     (CK_SESSION_HANDLE hSession, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o,
      CK_ULONG_PTR ol),
     (hSession, d, l, o, ol))
PASS(C_SignUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR d, CK_ULONG l),
     (hSession, d, l))
PASS(C_SignFinal, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR o, CK_ULONG_PTR ol),
     (hSession, o, ol))
PASS(C_SignRecoverInit,
     (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k),
     (hSession, m, k))
PASS(C_SignRecover,
     (CK_SESSION_HANDLE hSession, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o,
      CK_ULONG_PTR ol),
     (hSession, d, l, o, ol))
PASS(C_VerifyInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k),
     (hSession, m, k))
PASS(C_Verify,
     (CK_SESSION_HANDLE hSession, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR s, CK_ULONG sl),
     (hSession, d, l, s, sl))
PASS(C_VerifyUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR d, CK_ULONG l),
     (hSession, d, l))
PASS(C_VerifyFinal, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR s, CK_ULONG sl),
     (hSession, s, sl))
PASS(C_VerifyRecoverInit,
     (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k),
     (hSession, m, k))
PASS(C_VerifyRecover,
     (CK_SESSION_HANDLE hSession, CK_BYTE_PTR s, CK_ULONG sl, CK_BYTE_PTR d,
      CK_ULONG_PTR dl),
     (hSession, s, sl, d, dl))
PASS(C_DigestEncryptUpdate,
     (CK_SESSION_HANDLE hSession, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o,
      CK_ULONG_PTR ol),
     (hSession, d, l, o, ol))
PASS(C_DecryptDigestUpdate,
     (CK_SESSION_HANDLE hSession, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o,
      CK_ULONG_PTR ol),
     (hSession, d, l, o, ol))
PASS(C_SignEncryptUpdate,
     (CK_SESSION_HANDLE hSession, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o,
      CK_ULONG_PTR ol),
     (hSession, d, l, o, ol))
PASS(C_DecryptVerifyUpdate,
     (CK_SESSION_HANDLE hSession, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o,
      CK_ULONG_PTR ol),
     (hSession, d, l, o, ol))
PASS(C_GenerateKey,
     (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR t, CK_ULONG n,
      CK_OBJECT_HANDLE_PTR k),
     (hSession, m, t, n, k))
PASS(C_GenerateKeyPair,
     (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pt, CK_ULONG pn,
      CK_ATTRIBUTE_PTR st, CK_ULONG sn, CK_OBJECT_HANDLE_PTR pk, CK_OBJECT_HANDLE_PTR sk),
     (hSession, m, pt, pn, st, sn, pk, sk))
PASS(C_WrapKey,
     (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE w,
      CK_OBJECT_HANDLE k, CK_BYTE_PTR o, CK_ULONG_PTR ol),
     (hSession, m, w, k, o, ol))
PASS(C_UnwrapKey,
     (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE u, CK_BYTE_PTR w,
      CK_ULONG wl, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR k),
     (hSession, m, u, w, wl, t, n, k))
PASS(C_DeriveKey,
     (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE b,
      CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR k),
     (hSession, m, b, t, n, k))
PASS(C_SeedRandom, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR s, CK_ULONG l),
     (hSession, s, l))
PASS(C_GenerateRandom, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR s, CK_ULONG l),
     (hSession, s, l))
PASS(C_GetFunctionStatus, (CK_SESSION_HANDLE hSession), (hSession))
PASS(C_CancelFunction, (CK_SESSION_HANDLE hSession), (hSession))

CK_FUNCTION_LIST wrap = {
	.version = {2, 20},
	.C_Initialize = w_C_Initialize,
	.C_Finalize = w_C_Finalize,
	.C_GetInfo = w_C_GetInfo,
	.C_GetFunctionList = w_C_GetFunctionList,
	.C_GetSlotList = w_C_GetSlotList,
	.C_GetSlotInfo = w_C_GetSlotInfo,
	.C_GetTokenInfo = w_C_GetTokenInfo,
	.C_GetMechanismList = w_C_GetMechanismList,
	.C_GetMechanismInfo = w_C_GetMechanismInfo,
	.C_InitToken = w_C_InitToken,
	.C_InitPIN = w_C_InitPIN,
	.C_SetPIN = w_C_SetPIN,
	.C_OpenSession = w_C_OpenSession,
	.C_CloseSession = w_C_CloseSession,
	.C_CloseAllSessions = w_C_CloseAllSessions,
	.C_GetSessionInfo = w_C_GetSessionInfo,
	.C_GetOperationState = w_C_GetOperationState,
	.C_SetOperationState = w_C_SetOperationState,
	.C_Login = w_C_Login,
	.C_Logout = w_C_Logout,
	.C_CreateObject = w_C_CreateObject,
	.C_CopyObject = w_C_CopyObject,
	.C_DestroyObject = w_C_DestroyObject,
	.C_GetObjectSize = w_C_GetObjectSize,
	.C_GetAttributeValue = w_C_GetAttributeValue,
	.C_SetAttributeValue = w_C_SetAttributeValue,
	.C_FindObjectsInit = w_C_FindObjectsInit,
	.C_FindObjects = w_C_FindObjects,
	.C_FindObjectsFinal = w_C_FindObjectsFinal,
	.C_EncryptInit = w_C_EncryptInit,
	.C_Encrypt = w_C_Encrypt,
	.C_EncryptUpdate = w_C_EncryptUpdate,
	.C_EncryptFinal = w_C_EncryptFinal,
	.C_DecryptInit = w_C_DecryptInit,
	.C_Decrypt = w_C_Decrypt,
	.C_DecryptUpdate = w_C_DecryptUpdate,
	.C_DecryptFinal = w_C_DecryptFinal,
	.C_DigestInit = w_C_DigestInit,
	.C_Digest = w_C_Digest,
	.C_DigestUpdate = w_C_DigestUpdate,
	.C_DigestKey = w_C_DigestKey,
	.C_DigestFinal = w_C_DigestFinal,
	.C_SignInit = w_C_SignInit,
	.C_Sign = w_C_Sign,
	.C_SignUpdate = w_C_SignUpdate,
	.C_SignFinal = w_C_SignFinal,
	.C_SignRecoverInit = w_C_SignRecoverInit,
	.C_SignRecover = w_C_SignRecover,
	.C_VerifyInit = w_C_VerifyInit,
	.C_Verify = w_C_Verify,
	.C_VerifyUpdate = w_C_VerifyUpdate,
	.C_VerifyFinal = w_C_VerifyFinal,
	.C_VerifyRecoverInit = w_C_VerifyRecoverInit,
	.C_VerifyRecover = w_C_VerifyRecover,
	.C_DigestEncryptUpdate = w_C_DigestEncryptUpdate,
	.C_DecryptDigestUpdate = w_C_DecryptDigestUpdate,
	.C_SignEncryptUpdate = w_C_SignEncryptUpdate,
	.C_DecryptVerifyUpdate = w_C_DecryptVerifyUpdate,
	.C_GenerateKey = w_C_GenerateKey,
	.C_GenerateKeyPair = w_C_GenerateKeyPair,
	.C_WrapKey = w_C_WrapKey,
	.C_UnwrapKey = w_C_UnwrapKey,
	.C_DeriveKey = w_C_DeriveKey,
	.C_SeedRandom = w_C_SeedRandom,
	.C_GenerateRandom = w_C_GenerateRandom,
	.C_GetFunctionStatus = w_C_GetFunctionStatus,
	.C_CancelFunction = w_C_CancelFunction,
	.C_WaitForSlotEvent = w_C_WaitForSlotEvent,
};

/* The one exported symbol. */
CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

__attribute__((visibility("default"))) CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	return w_C_GetFunctionList(list);
}
