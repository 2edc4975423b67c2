/*
 * token_slot.c - finding the token a call is about (see token_int.h):
 * the present tokens, the libp11 slot behind a token_ref, its sessions,
 * and its live flags (PIN state).
 *
 * libp11 0.4.12 pitfalls handled here (see token.c for the others):
 *  - PKCS11_update_slots crashes on its second call: slots are released and
 *    enumerated again instead (which closes sessions: logins are lost);
 *  - token flags are cached at enumeration: PIN state comes from a live
 *    C_GetTokenInfo;
 *  - a user login opens read-only sessions unless PKCS11_open_session(slot,
 *    1) came first: done before libp11 first uses each slot (make_ready);
 *  - a failing C_OpenSession (a card pulled at that moment) makes libp11
 *    wait for ever: its first session is taken in a thread that can be
 *    abandoned (prime_session).
 */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "log.h"
#include "token_int.h"
#include "worker.h"
#include "xmem.h"

/* ---- finding the token ------------------------------------------------- */

bool
tok_cancelled(const struct token_ctl *ctl)
{
	return ctl != NULL && ctl->job != NULL && job_cancelled(ctl->job);
}

void
tok_stage(const struct token_ctl *ctl, enum token_stage st)
{
	if (ctl != NULL && ctl->on_stage != NULL)
		ctl->on_stage(ctl, st);
}

/* Present tokens of every module, deduplicated by manufacturer + serial. */
static size_t
list_present(struct token_ref *refs, size_t max, size_t *total)
{
	size_t n = 0;
	char seen[TOKEN_WATCH_MAX * 2][2 * TOKEN_TEXT_MAX];
	size_t nseen = 0;

	*total = 0;
	for (int mi = 0; mi < token_module_count(); mi++) {
		CK_FUNCTION_LIST_PTR f = token_module_functions(mi);
		CK_SLOT_ID ids[32];
		CK_ULONG count = 32;

		if (f == NULL || f->C_GetSlotList(CK_TRUE, ids, &count) != CKR_OK)
			continue;
		for (CK_ULONG i = 0; i < count && i < 32; i++) {
			CK_TOKEN_INFO ti;
			char serial[TOKEN_TEXT_MAX], manuf[TOKEN_TEXT_MAX],
				key[2 * TOKEN_TEXT_MAX];
			bool dup = false;

			if (f->C_GetTokenInfo(ids[i], &ti) != CKR_OK)
				continue;
			token_trim(ti.serialNumber, sizeof ti.serialNumber, serial,
				   sizeof serial);
			token_trim(ti.manufacturerID, sizeof ti.manufacturerID, manuf,
				   sizeof manuf);
			snprintf(key, sizeof key, "%s\n%s", manuf, serial);
			for (size_t s = 0; s < nseen && serial[0] != '\0'; s++)
				dup |= strcmp(seen[s], key) == 0;
			if (dup)
				continue;
			if (nseen < sizeof seen / sizeof seen[0])
				memcpy(seen[nseen++], key, sizeof key);
			if (n < max) {
				refs[n].module = mi;
				refs[n].slot = ids[i];
				memcpy(refs[n].serial, serial, sizeof serial);
				n++;
			}
			(*total)++;
		}
	}
	return n;
}

enum token_err
token_list(struct token_ref *refs, size_t max, size_t *n)
{
	size_t total;

	tok_lock();
	list_present(refs, max, &total);
	tok_unlock();
	*n = total;
	return TOKEN_OK;
}

static PKCS11_SLOT *
find_slot(struct module *m, CK_SLOT_ID id)
{
	for (unsigned i = 0; i < m->nslots; i++)
		if (PKCS11_get_slotid_from_slot(&m->slots[i]) == id)
			return m->slots[i].token != NULL ? &m->slots[i] : NULL;
	return NULL;
}

/*
 * libp11 (0.4.12, and 0.4.13 alike) waits on a condition variable for ever
 * when C_OpenSession fails, which is what a card pulled at that moment
 * does.  It opens a session only when its pool is empty - right after an
 * enumeration - so the first session is taken here, in a thread of its own:
 * if that thread hangs while the token is gone, the slot list is abandoned
 * to it (a thread and a little memory, once per such pull) and the call
 * says REMOVED instead of wedging the worker.
 */
struct prime {
	PKCS11_SLOT *slot;
};

static void *
prime_main(void *arg)
{
	struct prime *p = arg;
	unsigned char b;

	/* Any call that takes a session; its own result does not matter. */
	PKCS11_generate_random(p->slot, &b, 1);
	ERR_clear_error();
	return NULL;
}

#define PRIME_PATIENCE_MS 10000 /* a slow card with the token present */
#define PRIME_ABSENT_LOOKS 2    /* looks that find the token gone */

static enum token_err
prime_session(struct tok *t)
{
	struct prime *p = xmalloc(sizeof *p);
	pthread_t th;
	int waited = 0, absent = 0;

	p->slot = t->slot;
	if (pthread_create(&th, NULL, prime_main, p) != 0) {
		free(p);
		return TOKEN_ERR_DEVICE;
	}
	for (;;) {
		struct timespec ts;
		CK_TOKEN_INFO ti;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		if (pthread_timedjoin_np(th, NULL, &ts) == 0) {
			free(p);
			return TOKEN_OK;
		}
		waited += 50;
		if (t->m->f->C_GetTokenInfo(t->id, &ti) != CKR_OK)
			absent++;
		if (absent >= PRIME_ABSENT_LOOKS || waited >= PRIME_PATIENCE_MS)
			break;
	}
	pthread_detach(th);
	log_error("token: libp11 is stuck opening a session (token %s); slot list "
		  "abandoned",
		  absent > 0 ? "removed" : "not answering");
	t->m->abandoned = true;
	t->m->slots = NULL;
	t->m->nslots = 0;
	free(t->m->ready);
	t->m->ready = NULL;
	t->m->stale = true;
	t->slot = NULL;
	return TOKEN_ERR_REMOVED;
}

/*
 * Before libp11 first uses a slot: read-write sessions (it opens read-only
 * ones otherwise) and its first session taken safely.
 */
static enum token_err
make_ready(struct tok *t)
{
	size_t i = (size_t)(t->slot - t->m->slots);
	enum token_err err = TOKEN_OK;

	if (t->m->ready[i])
		return TOKEN_OK;
	PKCS11_open_session(t->slot, 1);
	/* A blank token takes no sessions (C_InitToken works on the slot). */
	if (t->slot->token->initialized)
		err = prime_session(t);
	if (err == TOKEN_OK)
		t->m->ready[i] = true;
	return err;
}

enum token_err
tok_enumerate(struct tok *t)
{
	struct module *m = t->m;

	tok_release_slots(m);
	m->epoch_seen = atomic_load(&m->epoch);
	ERR_clear_error();
	if (PKCS11_enumerate_slots(m->ctx, &m->slots, &m->nslots) != 0) {
		m->slots = NULL;
		m->nslots = 0;
		return tok_fail(t, "PKCS11_enumerate_slots", tok_p11_rv());
	}
	m->stale = false;
	m->ready = xcalloc(m->nslots + 1, sizeof *m->ready);
	t->slot = find_slot(m, t->id);
	if (t->slot == NULL)
		return TOKEN_ERR_REMOVED;
	return make_ready(t);
}

/*
 * Open the token named by ref (NULL: the only one present) for one call.
 * Checks it is still there and still the same token (serial), and gives
 * libp11 a fresh view of the slots when the watcher saw a change.
 */
enum token_err
tok_open(const struct token_ref *ref, struct tok *t, const char *what,
	 const struct token_ctl *ctl)
{
	struct token_ref one;
	char serial[TOKEN_TEXT_MAX];
	CK_RV rv;

	memset(t, 0, sizeof *t);
	t->what = what;
	t->ctl = ctl;
	if (token_module_count() == 0)
		return TOKEN_ERR_MODULE;
	if (tok_cancelled(ctl))
		return TOKEN_ERR_CANCELLED;
	if (ref == NULL) {
		size_t total;

		list_present(&one, 1, &total);
		if (total == 0)
			return TOKEN_ERR_NONE;
		if (total > 1)
			return TOKEN_ERR_MANY;
		ref = &one;
	}
	if (ref->module < 0 || ref->module >= token_module_count())
		return TOKEN_ERR_REMOVED;
	t->mi = ref->module;
	t->m = tok_module(ref->module);
	t->id = ref->slot;
	if (t->m->error != NULL)
		return TOKEN_ERR_MODULE;
	rv = t->m->f->C_GetTokenInfo(t->id, &t->info);
	if (rv != CKR_OK) {
		t->m->stale = true;
		return tok_rv_removed(rv) ? TOKEN_ERR_REMOVED
					  : tok_fail(t, "C_GetTokenInfo", rv);
	}
	token_trim(t->info.serialNumber, sizeof t->info.serialNumber, serial,
		   sizeof serial);
	if (strcmp(serial, ref->serial) != 0) {
		/* Another token in the same reader. */
		t->m->stale = true;
		return TOKEN_ERR_REMOVED;
	}
	if (t->m->slots == NULL || t->m->stale ||
	    t->m->epoch_seen != atomic_load(&t->m->epoch))
		return tok_enumerate(t);
	t->slot = find_slot(t->m, t->id);
	if (t->slot == NULL)
		return tok_enumerate(t);
	return make_ready(t);
}

/* A raw session of our own on the token; login state is the token's. */
enum token_err
tok_session(struct tok *t, bool rw, CK_SESSION_HANDLE *s)
{
	CK_RV rv = t->m->f->C_OpenSession(
		t->id, CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0), NULL, NULL, s);

	return rv == CKR_OK ? TOKEN_OK : tok_fail(t, "C_OpenSession", rv);
}

void
tok_close(struct tok *t, CK_SESSION_HANDLE s)
{
	t->m->f->C_CloseSession(s);
}

/* Is the user logged in?  TOKEN_OK yes, NOT_LOGGED_IN no, or what failed. */
enum token_err
tok_logged_in(struct tok *t, CK_SESSION_HANDLE s)
{
	CK_SESSION_INFO si;
	CK_RV rv = t->m->f->C_GetSessionInfo(s, &si);

	if (rv != CKR_OK)
		return tok_fail(t, "C_GetSessionInfo", rv);
	return si.state == CKS_RO_USER_FUNCTIONS || si.state == CKS_RW_USER_FUNCTIONS
		       ? TOKEN_OK
		       : TOKEN_ERR_NOT_LOGGED_IN;
}

enum token_err
tok_begin_rw(const struct token_ref *ref, struct tok *t, const char *what,
	     const struct token_ctl *ctl, bool login, CK_SESSION_HANDLE *s)
{
	enum token_err err;

	tok_lock();
	if ((err = tok_open(ref, t, what, ctl)) != TOKEN_OK)
		return err;
	if ((err = tok_session(t, true, s)) != TOKEN_OK)
		return err;
	return login ? tok_logged_in(t, *s) : TOKEN_OK;
}

void
tok_end(struct tok *t, CK_SESSION_HANDLE s)
{
	if (s != CK_INVALID_HANDLE)
		tok_close(t, s);
	tok_unlock();
}

/* Live flags (libp11's are from enumeration time). */
enum token_err
tok_live_info(struct tok *t)
{
	CK_RV rv = t->m->f->C_GetTokenInfo(t->id, &t->info);

	return rv == CKR_OK ? TOKEN_OK : tok_fail(t, "C_GetTokenInfo", rv);
}

enum token_pin_state
tok_pin_state(CK_FLAGS fl, bool so, int *tries)
{
	CK_FLAGS locked = so ? CKF_SO_PIN_LOCKED : CKF_USER_PIN_LOCKED;
	CK_FLAGS final = so ? CKF_SO_PIN_FINAL_TRY : CKF_USER_PIN_FINAL_TRY;
	CK_FLAGS low = so ? CKF_SO_PIN_COUNT_LOW : CKF_USER_PIN_COUNT_LOW;

	*tries = -1;
	if (fl & locked) {
		*tries = 0;
		return TOKEN_PIN_LOCKED;
	}
	if (!so && !(fl & CKF_USER_PIN_INITIALIZED))
		return TOKEN_PIN_NOT_SET;
	if (fl & final) {
		*tries = 1;
		return TOKEN_PIN_FINAL_TRY;
	}
	if (fl & low)
		return TOKEN_PIN_COUNT_LOW;
	return TOKEN_PIN_OK;
}

size_t
token_readers(struct token_reader *out, size_t max)
{
	size_t n = 0;

	for (int mi = 0; mi < token_module_count(); mi++) {
		CK_FUNCTION_LIST_PTR f = token_module_functions(mi);
		const struct module *m = tok_module(mi);
		const char *name = m != NULL && m->path != NULL ? m->path : "";
		CK_SLOT_ID ids[32];
		CK_ULONG count = 32;

		if (f == NULL || f->C_GetSlotList(CK_FALSE, ids, &count) != CKR_OK)
			continue;
		if (strrchr(name, '/') != NULL)
			name = strrchr(name, '/') + 1;
		for (CK_ULONG i = 0; i < count && i < 32; i++) {
			CK_SLOT_INFO si;

			if (f->C_GetSlotInfo(ids[i], &si) != CKR_OK)
				continue;
			if (n < max) {
				token_clean(si.slotDescription, sizeof si.slotDescription,
					    out[n].description,
					    sizeof out[n].description);
				token_clean((const unsigned char *)name, strlen(name),
					    out[n].module, sizeof out[n].module);
				out[n].present = (si.flags & CKF_TOKEN_PRESENT) != 0;
			}
			n++;
		}
	}
	return n;
}
