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
 *   present=*|none|LABEL,LABEL   which tokens are in a reader (default *)
 *   blank=0|1                    show SoftHSM's uninitialised token (0)
 *   pin_tries=N  so_pin_tries=N  tries before a PIN locks (3; 0 = never)
 *   min_pin=N  max_pin=N         the token's PIN length limits (SoftHSM's)
 *   pinpad=0|1  pinpad_pin=PIN   a PIN-pad reader, and what is "typed" on it
 *   pinpad_new=PIN               the new PIN typed on it for a NULL C_SetPIN
 *                                (C_InitPIN with NULL takes pinpad_pin)
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
 *   log=PATH                     append "C_Name rv" for every call
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

static struct {
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
} T = {.lock = PTHREAD_MUTEX_INITIALIZER, .event_cond = PTHREAD_COND_INITIALIZER};

static CK_FUNCTION_LIST wrap;

/* ---- small things ---------------------------------------------------- */

static const struct {
	const char *name;
	CK_RV rv;
} ckr_names[] = {
	{"CKR_OK", CKR_OK},
	{"CKR_GENERAL_ERROR", CKR_GENERAL_ERROR},
	{"CKR_FUNCTION_FAILED", CKR_FUNCTION_FAILED},
	{"CKR_DEVICE_ERROR", CKR_DEVICE_ERROR},
	{"CKR_DEVICE_MEMORY", CKR_DEVICE_MEMORY},
	{"CKR_DEVICE_REMOVED", CKR_DEVICE_REMOVED},
	{"CKR_TOKEN_NOT_PRESENT", CKR_TOKEN_NOT_PRESENT},
	{"CKR_TOKEN_NOT_RECOGNIZED", CKR_TOKEN_NOT_RECOGNIZED},
	{"CKR_TOKEN_WRITE_PROTECTED", CKR_TOKEN_WRITE_PROTECTED},
	{"CKR_SESSION_HANDLE_INVALID", CKR_SESSION_HANDLE_INVALID},
	{"CKR_SESSION_CLOSED", CKR_SESSION_CLOSED},
	{"CKR_FUNCTION_CANCELED", CKR_FUNCTION_CANCELED},
	{"CKR_FUNCTION_NOT_SUPPORTED", CKR_FUNCTION_NOT_SUPPORTED},
	{"CKR_MECHANISM_INVALID", CKR_MECHANISM_INVALID},
	{"CKR_PIN_INCORRECT", CKR_PIN_INCORRECT},
	{"CKR_PIN_LOCKED", CKR_PIN_LOCKED},
	{"CKR_PIN_EXPIRED", CKR_PIN_EXPIRED},
	{"CKR_PIN_LEN_RANGE", CKR_PIN_LEN_RANGE},
	{"CKR_PIN_INVALID", CKR_PIN_INVALID},
	{"CKR_USER_NOT_LOGGED_IN", CKR_USER_NOT_LOGGED_IN},
	{"CKR_HOST_MEMORY", CKR_HOST_MEMORY},
	{"CKR_DATA_LEN_RANGE", CKR_DATA_LEN_RANGE},
	{"CKR_KEY_SIZE_RANGE", CKR_KEY_SIZE_RANGE},
	{"CKR_TEMPLATE_INCONSISTENT", CKR_TEMPLATE_INCONSISTENT},
	{"CKR_ATTRIBUTE_VALUE_INVALID", CKR_ATTRIBUTE_VALUE_INVALID},
};

static CK_RV
ckr_parse(const char *s)
{
	for (size_t i = 0; i < sizeof ckr_names / sizeof ckr_names[0]; i++)
		if (strcmp(ckr_names[i].name, s) == 0)
			return ckr_names[i].rv;
	return strtoul(s, NULL, 0);
}

/* Bounded copy that always terminates (snprintf "%s" upsets -Wformat-truncation). */
static void
setstr(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void
trim_label(const unsigned char *in, char *out)
{
	int n = LABEL_LEN;

	memcpy(out, in, LABEL_LEN);
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\0'))
		n--;
	out[n] = '\0';
}

static void
logcall(const char *fn, CK_RV rv)
{
	FILE *f;

	if (T.log_path[0] == '\0')
		return;
	f = fopen(T.log_path, "a");
	if (f == NULL)
		return;
	fprintf(f, "%s 0x%lx\n", fn, (unsigned long)rv);
	fclose(f);
}

/* ---- the control file ------------------------------------------------ */

static void
ctl_defaults(void)
{
	strcpy(T.present, "*");
	T.blank = false;
	T.pin_tries = 3;
	T.so_pin_tries = 3;
	T.min_pin = -1;
	T.max_pin = -1;
	T.pinpad = false;
	T.pinpad_pin[0] = '\0';
	T.pinpad_new[0] = '\0';
	T.to_be_changed = false;
	T.latency_ms = 0;
	T.nfnlat = 0;
	T.fail_nth = 0;
	T.fail_fn[0] = '\0';
	T.pull_nth = 0;
	T.pull_after = 0;
	T.pull_fn[0] = '\0';
	T.pull_fn_nth = 0;
	T.pull_fn_calls = 0;
	T.pulled = false;
	T.events = false;
	T.wait_linger_ms = 0;
	T.log_path[0] = '\0';
	T.calls = 0;
}

static void
ctl_line(char *line)
{
	char *eq = strchr(line, '='), *key = line, *val;

	if (eq == NULL)
		return;
	*eq = '\0';
	val = eq + 1;
	if (strcmp(key, "present") == 0)
		setstr(T.present, sizeof T.present, val);
	else if (strcmp(key, "blank") == 0)
		T.blank = atoi(val) != 0;
	else if (strcmp(key, "pin_tries") == 0)
		T.pin_tries = atoi(val);
	else if (strcmp(key, "so_pin_tries") == 0)
		T.so_pin_tries = atoi(val);
	else if (strcmp(key, "min_pin") == 0)
		T.min_pin = atol(val);
	else if (strcmp(key, "max_pin") == 0)
		T.max_pin = atol(val);
	else if (strcmp(key, "pinpad") == 0)
		T.pinpad = atoi(val) != 0;
	else if (strcmp(key, "pinpad_pin") == 0)
		setstr(T.pinpad_pin, sizeof T.pinpad_pin, val);
	else if (strcmp(key, "pinpad_new") == 0)
		setstr(T.pinpad_new, sizeof T.pinpad_new, val);
	else if (strcmp(key, "to_be_changed") == 0)
		T.to_be_changed = atoi(val) != 0;
	else if (strcmp(key, "latency_ms") == 0)
		T.latency_ms = atol(val);
	else if (strncmp(key, "latency.", 8) == 0 && T.nfnlat < 16) {
		setstr(T.fnlat[T.nfnlat].name, sizeof T.fnlat[0].name, key + 8);
		T.fnlat[T.nfnlat++].ms = atol(val);
	} else if (strcmp(key, "fail_nth") == 0) {
		char *colon = strchr(val, ':');

		T.fail_nth = atol(val);
		T.fail_nth_rv = colon != NULL ? ckr_parse(colon + 1) : CKR_DEVICE_ERROR;
	} else if (strcmp(key, "fail_fn") == 0) {
		char *colon = strchr(val, ':');

		if (colon != NULL)
			*colon = '\0';
		setstr(T.fail_fn, sizeof T.fail_fn, val);
		T.fail_fn_rv = colon != NULL ? ckr_parse(colon + 1) : CKR_DEVICE_ERROR;
	} else if (strcmp(key, "pull_nth") == 0) {
		T.pull_nth = atol(val);
	} else if (strcmp(key, "pull_after") == 0) {
		T.pull_after = atol(val);
	} else if (strcmp(key, "pull_fn") == 0) {
		char *colon = strchr(val, ':');

		if (colon != NULL)
			*colon = '\0';
		setstr(T.pull_fn, sizeof T.pull_fn, val);
		T.pull_fn_nth = colon != NULL ? atol(colon + 1) : 1;
	} else if (strcmp(key, "events") == 0)
		T.events = atoi(val) != 0;
	else if (strcmp(key, "wait_linger_ms") == 0)
		T.wait_linger_ms = atol(val);
	else if (strcmp(key, "log") == 0)
		setstr(T.log_path, sizeof T.log_path, val);
}

/* Re-read the control file if it changed; lock held.  True if it did. */
static bool
ctl_reload(void)
{
	struct stat st;
	char line[4096];
	FILE *f;

	if (T.ctl_path[0] == '\0')
		return false;
	if (stat(T.ctl_path, &st) != 0)
		memset(&st, 0, sizeof st);
	if (T.ctl_seen && st.st_ino == T.ctl_st.st_ino &&
	    st.st_size == T.ctl_st.st_size &&
	    st.st_mtim.tv_sec == T.ctl_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == T.ctl_st.st_mtim.tv_nsec)
		return false;
	T.ctl_st = st;
	T.ctl_seen = true;
	ctl_defaults();
	f = fopen(T.ctl_path, "r");
	if (f == NULL)
		return true;
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] != '#' && line[0] != '\0')
			ctl_line(line);
	}
	fclose(f);
	return true;
}

/* ---- PIN failure counts, kept in CTL.pins ----------------------------- */

struct pins {
	int user, so;
};

static void
pins_path(char *buf, size_t len)
{
	snprintf(buf, len, "%s.pins",
		 T.ctl_path[0] != '\0' ? T.ctl_path : "/tmp/cakiosk-testp11");
}

static struct pins
pins_get(const char *label)
{
	char path[4200], line[256], name[64];
	struct pins p = {0, 0};
	FILE *f;

	pins_path(path, sizeof path);
	f = fopen(path, "r");
	if (f == NULL)
		return p;
	while (fgets(line, sizeof line, f) != NULL) {
		int u, s;

		if (sscanf(line, "%63s %d %d", name, &u, &s) == 3 &&
		    strcmp(name, label) == 0) {
			p.user = u;
			p.so = s;
		}
	}
	fclose(f);
	return p;
}

static void
pins_set(const char *label, struct pins p)
{
	char path[4200], tmp[4300];
	FILE *in, *out;

	pins_path(path, sizeof path);
	snprintf(tmp, sizeof tmp, "%s.%d", path, (int)getpid());
	out = fopen(tmp, "w");
	if (out == NULL)
		return;
	in = fopen(path, "r");
	if (in != NULL) {
		char line[256], name[64];

		while (fgets(line, sizeof line, in) != NULL) {
			int u, s;

			if (sscanf(line, "%63s %d %d", name, &u, &s) == 3 &&
			    strcmp(name, label) != 0)
				fputs(line, out);
		}
		fclose(in);
	}
	fprintf(out, "%s %d %d\n", label, p.user, p.so);
	fclose(out);
	rename(tmp, path);
}

/* ---- slots and presence ---------------------------------------------- */

static bool
label_listed(const char *label)
{
	const char *p = T.present;
	size_t n = strlen(label);

	if (strcmp(p, "*") == 0)
		return true;
	if (strcmp(p, "none") == 0 || p[0] == '\0')
		return false;
	while (*p != '\0') {
		size_t len = strcspn(p, ",");

		if (len == n && strncmp(p, label, n) == 0)
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

static struct slot *
slot_find(CK_SLOT_ID id)
{
	for (int i = 0; i < T.nslots; i++)
		if (T.slots[i].id == id)
			return &T.slots[i];
	return NULL;
}

static void
sessions_remove_slot(CK_SLOT_ID id)
{
	bool any = false;

	for (int i = 0; i < MAX_SESSIONS; i++) {
		if (T.sessions[i].used && T.sessions[i].slot == id &&
		    !T.sessions[i].removed) {
			T.sessions[i].removed = true;
			any = true;
		}
	}
	if (any)
		T.real->C_CloseAllSessions(id);
}

/*
 * Ask SoftHSM for its slots and decide which tokens are present now; a token
 * that was present and no longer is loses its sessions.  Lock held.
 */
static void
slots_refresh(void)
{
	CK_SLOT_ID ids[MAX_SLOTS];
	CK_ULONG n = MAX_SLOTS;

	if (T.real->C_GetSlotList(CK_FALSE, ids, &n) != CKR_OK)
		n = 0;
	for (CK_ULONG i = 0; i < n; i++) {
		struct slot *s = slot_find(ids[i]);
		CK_TOKEN_INFO ti;
		bool present;

		if (s == NULL) {
			if (T.nslots == MAX_SLOTS)
				continue;
			s = &T.slots[T.nslots++];
			memset(s, 0, sizeof *s);
			s->id = ids[i];
		}
		if (T.real->C_GetTokenInfo(ids[i], &ti) == CKR_OK) {
			trim_label(ti.label, s->label);
			s->initialized = (ti.flags & CKF_TOKEN_INITIALIZED) != 0;
		}
		if (T.pulled)
			present = false;
		else if (!s->initialized)
			present = T.blank;
		else
			present = label_listed(s->label);
		if (s->known && s->present && !present) {
			sessions_remove_slot(s->id);
			T.event_pending = true;
		} else if (s->known && !s->present && present) {
			T.event_pending = true;
		}
		s->present = present;
		s->known = true;
	}
	if (T.event_pending)
		pthread_cond_broadcast(&T.event_cond);
}

/*
 * A pulled card is out for every process: rewrite the control file with
 * present=none (and no pull_nth), keeping the rest.  Putting the card back
 * is the test's business (it writes the file again).  Lock held.
 */
static void
ctl_write_pulled(void)
{
	char tmp[4200], line[4096];
	FILE *in, *out;
	struct stat st;

	if (T.ctl_path[0] == '\0')
		return;
	snprintf(tmp, sizeof tmp, "%s.pull%d", T.ctl_path, (int)getpid());
	out = fopen(tmp, "w");
	if (out == NULL)
		return;
	fputs("present=none\n", out);
	in = fopen(T.ctl_path, "r");
	while (in != NULL && fgets(line, sizeof line, in) != NULL)
		if (strncmp(line, "present=", 8) != 0 &&
		    strncmp(line, "pull_nth=", 9) != 0 &&
		    strncmp(line, "pull_after=", 11) != 0 &&
		    strncmp(line, "pull_fn=", 8) != 0)
			fputs(line, out);
	if (in != NULL)
		fclose(in);
	fclose(out);
	rename(tmp, T.ctl_path);
	/* This process knows already: take the new file as seen. */
	if (stat(T.ctl_path, &st) == 0)
		T.ctl_st = st;
	setstr(T.present, sizeof T.present, "none");
	T.pull_nth = 0;
	T.pull_after = 0;
	T.pull_fn[0] = '\0';
}

static void
state_update(void)
{
	if (ctl_reload())
		T.pulled = false;
	slots_refresh();
}

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

static CK_RV
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
			slots_refresh();
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

static CK_RV
leave(const char *fn, CK_RV rv)
{
	pthread_mutex_lock(&T.lock);
	if (pull_on_leave) {
		/* The card did it; the answer never reaches the host. */
		pull_on_leave = false;
		T.pulled = true;
		slots_refresh();
		ctl_write_pulled();
		rv = CKR_DEVICE_REMOVED;
	}
	logcall(fn, rv);
	pthread_mutex_unlock(&T.lock);
	return rv;
}

static struct sess *
sess_find(CK_SESSION_HANDLE h)
{
	for (int i = 0; i < MAX_SESSIONS; i++)
		if (T.sessions[i].used && T.sessions[i].h == h)
			return &T.sessions[i];
	return NULL;
}

/* A call on a session: is its token still there?  Lock not held. */
static CK_RV
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

/* ---- module and slots ------------------------------------------------- */

static CK_RV
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

static CK_RV
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

static CK_RV
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

static CK_RV
w_C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	if (list == NULL)
		return CKR_ARGUMENTS_BAD;
	*list = &wrap;
	return CKR_OK;
}

static CK_RV
w_C_GetSlotList(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{
	CK_RV rv = enter("C_GetSlotList", false);
	CK_ULONG n = 0;

	if (rv != CKR_OK)
		return rv;
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

static bool
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

static CK_RV
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

static CK_RV
w_C_GetTokenInfo(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info)
{
	CK_RV rv = enter("C_GetTokenInfo", false);
	char label[LABEL_LEN + 1];
	bool exists;
	struct pins p;

	if (rv != CKR_OK)
		return rv;
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

static CK_RV
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

static CK_RV
w_C_GetMechanismList(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR n)
{
	CK_RV rv = enter("C_GetMechanismList", true);

	if (rv == CKR_OK)
		rv = T.real->C_GetMechanismList(id, list, n);
	return leave("C_GetMechanismList", rv);
}

static CK_RV
w_C_GetMechanismInfo(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info)
{
	CK_RV rv = enter("C_GetMechanismInfo", true);

	if (rv == CKR_OK)
		rv = T.real->C_GetMechanismInfo(id, type, info);
	return leave("C_GetMechanismInfo", rv);
}

/* ---- sessions ---------------------------------------------------------- */

static CK_RV
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

static CK_RV
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

static CK_RV
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

static CK_RV
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

static CK_RV
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

static CK_RV
w_C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR old, CK_ULONG oldlen,
	   CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	CK_RV rv = enter("C_SetPIN", true);
	CK_SLOT_ID slot = 0;
	CK_SESSION_INFO si;
	char label[LABEL_LEN + 1];
	bool so;

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
	}
	if (pin_locked(label, so))
		return leave("C_SetPIN", CKR_PIN_LOCKED);
	if (!len_ok(len) || !len_ok(oldlen))
		return leave("C_SetPIN", CKR_PIN_LEN_RANGE);
	rv = T.real->C_SetPIN(hSession, old, oldlen, pin, len);
	rv = pin_result(label, so, rv);
	return leave("C_SetPIN", rv);
}

static CK_RV
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
		slots_refresh();
		if (slot_find(id) != NULL)
			slot_find(id)->present = true;
		pthread_mutex_unlock(&T.lock);
	}
	return leave("C_InitToken", rv);
}

static CK_FUNCTION_LIST wrap = {
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
