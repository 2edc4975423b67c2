/*
 * testp11.h - what the parts of the PKCS#11 test module share: its state
 * (one lock, the control as last read, slots and sessions) and the calls
 * one part makes into another.  What the module does and how a test steers
 * it: testp11.c.
 */
#ifndef CAKIOSK_TESTP11_H
#define CAKIOSK_TESTP11_H

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#define MAX_SLOTS 32
#define MAX_SESSIONS 256
#define MAX_FN 80
#define LABEL_LEN 32

struct slot {
	CK_SLOT_ID id;
	char label[LABEL_LEN + 1];
	bool initialized;
	bool present; /* as last decided */
	bool known;
	bool read; /* label and initialized read from SoftHSM */
};

struct sess {
	CK_SESSION_HANDLE h;
	CK_SLOT_ID slot;
	bool removed; /* its token was pulled */
	bool used;
};

struct fnlat {
	char name[40];
	long ms;
};

struct pins {
	int user, so;
};

struct testp11 {
	pthread_mutex_t lock;
	void *dl;
	CK_FUNCTION_LIST_PTR real;
	bool initialized;
	/* control */
	char ctl_path[4096];
	struct stat ctl_st;
	bool ctl_seen;
	char present[1024];
	bool blank;
	bool blank_card; /* blank=2: the blank slot is the one card in the reader */
	int pin_tries, so_pin_tries;
	long min_pin, max_pin;
	bool pinpad;
	char pinpad_pin[64];
	char pinpad_new[64];
	bool to_be_changed;
	long latency_ms;
	struct fnlat fnlat[16];
	int nfnlat;
	long fail_nth;
	CK_RV fail_nth_rv;
	char fail_fn[40];
	CK_RV fail_fn_rv;
	long pull_nth;
	long pull_after;
	char pull_fn[40];
	long pull_fn_nth, pull_fn_calls;
	bool pulled;
	bool events;
	long wait_linger_ms;
	int waiting; /* threads inside C_WaitForSlotEvent */
	char log_path[4096];
	/* state */
	long calls;
	struct slot slots[MAX_SLOTS];
	int nslots;
	struct sess sessions[MAX_SESSIONS];
	pthread_cond_t event_cond;
	bool event_pending;
	bool finalizing;
};

extern struct testp11 T;
extern CK_FUNCTION_LIST wrap;

/* testp11_ctl.c: the control file, PIN failure counts, slots and presence */
void setstr(char *dst, size_t size, const char *src);
void sleep_ms(long ms);
void trim_label(const unsigned char *in, char *out);
void logcall(const char *fn, CK_RV rv);
void ctl_defaults(void);
struct pins pins_get(const char *label);
void pins_set(const char *label, struct pins p);
struct slot *slot_find(CK_SLOT_ID id);
void slots_refresh(bool reread);
void ctl_write_pulled(void);
void state_update(void);

/* testp11.c: the common path of every call */
CK_RV enter(const char *fn, bool counted);
CK_RV leave(const char *fn, CK_RV rv);
struct sess *sess_find(CK_SESSION_HANDLE h);
CK_RV check_session(CK_SESSION_HANDLE h, CK_SLOT_ID *slot);

/* testp11_slot.c: module, slots and sessions */
CK_RV w_C_Initialize(CK_VOID_PTR args);
CK_RV w_C_Finalize(CK_VOID_PTR reserved);
CK_RV w_C_GetInfo(CK_INFO_PTR info);
CK_RV w_C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);
CK_RV w_C_GetSlotList(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count);
bool slot_present(CK_SLOT_ID id, bool *exists);
CK_RV w_C_GetSlotInfo(CK_SLOT_ID id, CK_SLOT_INFO_PTR info);
CK_RV w_C_GetTokenInfo(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info);
CK_RV w_C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved);
CK_RV w_C_GetMechanismList(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR n);
CK_RV w_C_GetMechanismInfo(CK_SLOT_ID id, CK_MECHANISM_TYPE type,
			   CK_MECHANISM_INFO_PTR info);
CK_RV w_C_OpenSession(CK_SLOT_ID id, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
		      CK_SESSION_HANDLE_PTR h);
CK_RV w_C_CloseSession(CK_SESSION_HANDLE hSession);
CK_RV w_C_CloseAllSessions(CK_SLOT_ID id);

/* testp11_pin.c: PINs */
CK_RV w_C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin,
		CK_ULONG len);
CK_RV w_C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pin, CK_ULONG len);
CK_RV w_C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR old, CK_ULONG oldlen,
		 CK_UTF8CHAR_PTR pin, CK_ULONG len);
CK_RV w_C_InitToken(CK_SLOT_ID id, CK_UTF8CHAR_PTR pin, CK_ULONG len,
		    CK_UTF8CHAR_PTR label);

#endif
