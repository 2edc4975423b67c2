/*
 * token_int.h - what the token files (src/token/token*.c) share with
 * each other and nobody else.
 *
 * Only token*.c include this; it pulls in libp11 and the PKCS#11 types,
 * which no other module may see.
 */
#ifndef CAKIOSK_TOKEN_INT_H
#define CAKIOSK_TOKEN_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <libp11.h>
#include <p11-kit/pkcs11.h>

#include "token.h"

/* How many modules can be loaded (one per distinct path). */
#define TOKEN_MAX_MODULES 8
/* Bigger than any sane token's object list; a runaway module stops here. */
#define MAX_OBJECTS 256

/* Raw access to a loaded module, for the watcher; NULL if not loaded. */
CK_FUNCTION_LIST_PTR token_module_functions(int module);
int token_module_count(void);
/* Vendors whose module is this one, as a bit mask. */
unsigned token_module_vendors(int module);
/* The watcher saw this module's set of tokens change. */
void token_module_changed(int module);
/*
 * The core made a call (a token may have changed under it): the watcher
 * (token_watch.c) asks every slot for its token's info for a moment after,
 * instead of only the slots its cheap listing shows as new.
 */
void token_watch_used(void);
/*
 * A thread that calls into a module outside the core's lock (the watcher's
 * blocking C_WaitForSlotEvent) holds the module from before its first call
 * until after its last one has returned.  token_shutdown finalises the
 * module, which ends such a wait, and unmaps it only once every hold has
 * ended.  Returns a ticket for token_module_unhold, 0 if not loaded.
 */
unsigned token_module_hold(int module);
void token_module_unhold(int module, unsigned ticket);

/* Vendors (bits) whose patterns match a token's trimmed info. */
unsigned token_match_vendors(int module, const char *manufacturer, const char *model,
			     const char *label);
/* The vendor to show: the customer's choice, the only match, or -1. */
int token_pick_vendor(const struct token_ref *ref, unsigned mask);

/* Copy a fixed-width, space-padded PKCS#11 field as a trimmed C string. */
void token_trim(const unsigned char *field, size_t width, char *out, size_t outlen);
/* Trimmed and sanitized for the screen. */
void token_clean(const unsigned char *field, size_t width, char *out, size_t outlen);

/* Name of a CKR_* value for logs ("CKR_PIN_INCORRECT"), or NULL. */
const char *token_ckr_name(CK_RV rv);

/* ---- the core's state and calls, shared by its files (see token.c) ------ */

struct module {
	char *path;
	PKCS11_CTX *ctx;
	void *dl; /* our own reference to the same library */
	CK_FUNCTION_LIST_PTR f;
	char *error;        /* why it did not load */
	PKCS11_SLOT *slots; /* libp11's enumeration, NULL until needed */
	unsigned nslots;
	bool *ready;         /* per slot: read-write and its first session taken */
	unsigned vendors;    /* bit mask */
	atomic_uint epoch;   /* bumped by the watcher on a change */
	unsigned epoch_seen; /* epoch when slots were enumerated */
	bool stale;          /* enumerate again before the next use */
	bool abandoned;      /* a thread is stuck in libp11 (prime_session) */
};

/* One opened token for the length of a call. */
struct tok {
	struct module *m;
	int mi;
	CK_SLOT_ID id;
	PKCS11_SLOT *slot;  /* libp11's, valid while the lock is held */
	CK_TOKEN_INFO info; /* live, at the start of the call */
	const struct token_ctl *ctl;
	const char *what; /* the operation, for logs */
};

/* The loaded module i (0 <= i < token_module_count()), else NULL. */
struct module *tok_module(int i);
/* Forget libp11's slots of a module (closes sessions, erases its PIN copy). */
void tok_release_slots(struct module *m);
/* Release and enumerate t's module's slots again, then find t's slot. */
enum token_err tok_enumerate(struct tok *t);
/* Serialise calls; tok_unlock releases slots if the session ended meanwhile. */
void tok_lock(void);
void tok_unlock(void);
/* Open the token for one call (see token.c); what names it in logs. */
enum token_err tok_open(const struct token_ref *ref, struct tok *t, const char *what,
			const struct token_ctl *ctl);
bool tok_cancelled(const struct token_ctl *ctl);
void tok_stage(const struct token_ctl *ctl, enum token_stage st);

/* Errors: log a failed call with its raw code and map it. */
enum token_err tok_fail(struct tok *t, const char *call, CK_RV rv);
bool tok_rv_removed(CK_RV rv);
/* The CKR_* behind a libp11 failure, from OpenSSL's error queue. */
CK_RV tok_p11_rv(void);

/* Text and bytes. */
void tok_put_clean(const char *in, size_t len, char *out, size_t outlen);
void tok_hex(const unsigned char *p, size_t n, char *out, size_t outlen);
void tok_wipe(char *s);

/* Raw sessions and object access through the module's function list. */
enum token_err tok_session(struct tok *t, bool rw, CK_SESSION_HANDLE *s);
void tok_close(struct tok *t, CK_SESSION_HANDLE s);
enum token_err tok_logged_in(struct tok *t, CK_SESSION_HANDLE s);
/*
 * The opening of a call that changes the token: the lock taken, the token
 * opened (what names the call in the log), a read-write session in *s
 * (which the caller set to CK_INVALID_HANDLE) and, with login, the login
 * checked.  The lock is held whatever the result: every path ends with
 * tok_end().
 */
enum token_err tok_begin_rw(const struct token_ref *ref, struct tok *t, const char *what,
			    const struct token_ctl *ctl, bool login,
			    CK_SESSION_HANDLE *s);
/* The end of a call: its session (if one was opened) closed, the lock
 * released. */
void tok_end(struct tok *t, CK_SESSION_HANDLE s);
enum token_err tok_live_info(struct tok *t);
enum token_pin_state tok_pin_state(CK_FLAGS fl, bool so, int *tries);
enum token_err tok_find(struct tok *t, CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl,
			CK_ULONG n, CK_OBJECT_HANDLE *out, CK_ULONG max, CK_ULONG *count);
enum token_err tok_find_class(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
			      CK_OBJECT_HANDLE *out, CK_ULONG max, CK_ULONG *count);
unsigned char *tok_attr(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
			CK_ATTRIBUTE_TYPE type, size_t *len, CK_RV *rvp);
CK_ULONG tok_ulong(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
		   CK_ATTRIBUTE_TYPE type, CK_ULONG dflt);
bool tok_bool(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
	      CK_ATTRIBUTE_TYPE type);
void tok_label(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
	       CK_ATTRIBUTE_TYPE type, char *out, size_t outlen);
enum token_err tok_destroy_by_id(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
				 const unsigned char *id, size_t id_len, int *count);
size_t tok_id(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, unsigned char *id);
void tok_key_type_bits(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
		       enum token_key_type *type, int *bits);

#endif
