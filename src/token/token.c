/*
 * token.c - the UKey layer's synchronous core (see token.h): the loaded
 * modules, the vendors they serve, the one lock every call takes and the
 * customer's session end.  The other parts of the core, through
 * token_int.h, are: token_slot.c (finding the token for a call),
 * token_login.c (logins, PINs, blank tokens), token_err.c (errors and
 * their sentences), token_attr.c (PKCS#11 fields and raw object access),
 * token_read.c, token_key.c, token_cert.c and token_data.c (what is on a
 * token).  These files are the only users of libp11.
 *
 * libp11 loads the modules, enumerates slots, logs in and out, changes and
 * initialises PINs and tokens, signs with token keys as OpenSSL EVP_PKEYs
 * and stores certificates.  What libp11 0.4.12 cannot do or caches wrongly
 * goes through the module's own function list (the same library instance,
 * opened a second time with dlopen): live token flags, key generation (its
 * PKCS11_generate_key is RSA only), data objects, listing objects.
 *
 * libp11 0.4.12 pitfalls the core works around (in token_slot.c,
 * token_login.c and token_key.c):
 *  - PKCS11_update_slots crashes on its second call: slots are released and
 *    enumerated again instead (which closes sessions: logins are lost);
 *  - token flags are cached at enumeration: PIN state comes from a live
 *    C_GetTokenInfo;
 *  - PKCS11_login does nothing when libp11 thinks it is logged in already
 *    (even for an SO login with a wrong PIN): log out first, re-enumerate if
 *    that fails;
 *  - a user login opens read-only sessions unless PKCS11_open_session(slot,
 *    1) came first: done before libp11 first uses each slot (make_ready);
 *  - a failing C_OpenSession (a card pulled at that moment) makes libp11
 *    wait for ever: its first session is taken in a thread that can be
 *    abandoned (prime_session);
 *  - the slot keeps a copy of the last PIN (prev_pin) until it is released,
 *    and every EVP_PKEY holds a reference to its slot: keys are freed inside
 *    the call that made them, slots are released after SO operations and
 *    when a customer's session ends.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "config.h"
#include "log.h"
#include "token_int.h"
#include "xmem.h"

static struct {
	pthread_mutex_t lock;
	bool inited;
	const struct config *cfg;
	struct module mods[TOKEN_MAX_MODULES];
	int nmods;
	int vendor_module[CONFIG_MAX_VENDORS]; /* -1: its module failed */
	atomic_bool release_pending;
	/* The customer's pick for a token two vendors claim (own lock: the UI
	 * thread and the watcher read it while a long call holds G.lock). */
	pthread_mutex_t chosen_lock;
	struct {
		bool set;
		int module;
		char serial[TOKEN_TEXT_MAX];
		int vendor;
	} chosen;
	/* Threads inside a module outside G.lock (token_module_hold). */
	pthread_mutex_t hold_lock;
	pthread_cond_t hold_cond; /* CLOCK_MONOTONIC, made in token_init */
	bool hold_cond_made;
	unsigned loads; /* tickets: which load of a module a hold is on */
	struct {
		unsigned ticket; /* 0: none taken on this load */
		int n;
	} holds[TOKEN_MAX_MODULES];
} G = {.lock = PTHREAD_MUTEX_INITIALIZER,
       .chosen_lock = PTHREAD_MUTEX_INITIALIZER,
       .hold_lock = PTHREAD_MUTEX_INITIALIZER};

/* How long shutdown waits for a module's holds after finalising it. */
#define HOLD_WAIT_S 5

/* ---- vendors --------------------------------------------------------- */

static bool
pattern_ok(const char *pattern, const char *value)
{
	return pattern == NULL || pattern[0] == '\0' || fnmatch(pattern, value, 0) == 0;
}

unsigned
token_match_vendors(int module, const char *manufacturer, const char *model,
		    const char *label)
{
	unsigned mask = 0;

	if (G.cfg == NULL)
		return 0;
	for (size_t v = 0; v < G.cfg->nvendors && v < CONFIG_MAX_VENDORS; v++) {
		const struct config_vendor *vd = &G.cfg->vendors[v];

		if (G.vendor_module[v] != module)
			continue;
		if (pattern_ok(vd->manufacturer, manufacturer) &&
		    pattern_ok(vd->model, model) && pattern_ok(vd->label, label))
			mask |= 1u << v;
	}
	return mask;
}

int
token_pick_vendor(const struct token_ref *ref, unsigned mask)
{
	int only = -1, chosen = -1;

	pthread_mutex_lock(&G.chosen_lock);
	if (G.chosen.set && G.chosen.module == ref->module &&
	    strcmp(G.chosen.serial, ref->serial) == 0 && (mask & (1u << G.chosen.vendor)))
		chosen = G.chosen.vendor;
	pthread_mutex_unlock(&G.chosen_lock);
	if (chosen >= 0)
		return chosen;
	for (int v = 0; v < CONFIG_MAX_VENDORS; v++) {
		if (!(mask & (1u << v)))
			continue;
		if (only >= 0)
			return -1; /* two match: the customer chooses */
		only = v;
	}
	return only;
}

void
token_set_vendor(const struct token_ref *ref, int vendor)
{
	if (ref == NULL || vendor < 0 || vendor >= CONFIG_MAX_VENDORS)
		return;
	pthread_mutex_lock(&G.chosen_lock);
	G.chosen.set = true;
	G.chosen.module = ref->module;
	G.chosen.vendor = vendor;
	memcpy(G.chosen.serial, ref->serial, sizeof G.chosen.serial);
	pthread_mutex_unlock(&G.chosen_lock);
}

const char *
token_vendor_name(int vendor)
{
	if (G.cfg == NULL || vendor < 0 || (size_t)vendor >= G.cfg->nvendors)
		return NULL;
	return G.cfg->vendors[vendor].display != NULL ? G.cfg->vendors[vendor].display
						      : G.cfg->vendors[vendor].name;
}

const char *
token_vendor_error(size_t vendor)
{
	if (G.cfg == NULL || vendor >= G.cfg->nvendors)
		return NULL;
	if (G.vendor_module[vendor] < 0)
		return "no module";
	return G.mods[G.vendor_module[vendor]].error;
}

/* ---- modules ----------------------------------------------------------- */

void
tok_release_slots(struct module *m)
{
	if (m->slots != NULL)
		PKCS11_release_all_slots(m->ctx, m->slots, m->nslots);
	m->slots = NULL;
	m->nslots = 0;
	free(m->ready);
	m->ready = NULL;
}

/*
 * After the module's C_Finalize: wait for the threads still inside it to
 * leave (a finalise ends their waits).  False if one did not in time.
 */
static bool
holds_end(int mi)
{
	struct timespec ts;
	bool ended;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += HOLD_WAIT_S;
	pthread_mutex_lock(&G.hold_lock);
	while (G.holds[mi].n > 0 &&
	       pthread_cond_timedwait(&G.hold_cond, &G.hold_lock, &ts) != ETIMEDOUT)
		;
	ended = G.holds[mi].n == 0;
	/* A late unhold of this load is ignored from now on. */
	G.holds[mi].ticket = 0;
	G.holds[mi].n = 0;
	pthread_mutex_unlock(&G.hold_lock);
	return ended;
}

/* Still in use after an unload (reachable, not leaked): a thread in it. */
static struct {
	PKCS11_CTX *ctx[16];
	void *dl[16];
	size_t nctx, ndl;
} kept;

static void
module_unload(int mi)
{
	struct module *m = &G.mods[mi];
	bool keep = false;

	tok_release_slots(m);
	if (m->f != NULL) {
		/*
		 * Finalise first: libp11's unload does (our own dlopen keeps the
		 * module mapped); a stuck libp11 call's context stays as it is.
		 */
		if (m->abandoned)
			m->f->C_Finalize(NULL);
		else
			PKCS11_CTX_unload(m->ctx);
		if (!holds_end(mi)) {
			log_warn("token: module %s left mapped (a wait did not end)",
				 m->path);
			keep = true;
		}
	}
	if (m->abandoned) {
		log_warn("token: module %s left mapped (a libp11 call never returned)",
			 m->path);
		if (kept.nctx < sizeof kept.ctx / sizeof kept.ctx[0])
			kept.ctx[kept.nctx++] = m->ctx;
		m->ctx = NULL;
		keep = true;
	}
	if (keep) {
		if (kept.ndl < sizeof kept.dl / sizeof kept.dl[0])
			kept.dl[kept.ndl++] = m->dl;
		m->dl = NULL;
	}
	if (m->ctx != NULL)
		PKCS11_CTX_free(m->ctx);
	if (m->dl != NULL)
		dlclose(m->dl);
	free(m->path);
	free(m->error);
	memset(m, 0, sizeof *m);
}

static int
module_load(struct module *m, const char *path)
{
	CK_C_GetFunctionList gfl;

	m->path = xstrdup(path);
	m->ctx = PKCS11_CTX_new();
	ERR_clear_error();
	if (PKCS11_CTX_load(m->ctx, path) != 0) {
		CK_RV rv = tok_p11_rv();
		const char *name = token_ckr_name(rv);
		char *dlerr;

		/* dlopen's own reason says more than libp11's. */
		m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		dlerr = m->dl == NULL ? dlerror() : NULL;
		if (dlerr != NULL)
			m->error = xasprintf("cannot load %s: %s", path, dlerr);
		else
			m->error = xasprintf("cannot initialise %s: %s (0x%lx)", path,
					     name != NULL ? name : "error",
					     (unsigned long)rv);
		if (m->dl != NULL)
			dlclose(m->dl);
		m->dl = NULL;
		return -1;
	}
	/* The same instance libp11 holds: RTLD_NOLOAD would do, this is safer. */
	m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	gfl = m->dl != NULL ? (CK_C_GetFunctionList)dlsym(m->dl, "C_GetFunctionList")
			    : NULL;
	if (gfl == NULL || gfl(&m->f) != CKR_OK || m->f == NULL) {
		m->error = xasprintf("cannot load %s: no function list", path);
		m->f = NULL;
		PKCS11_CTX_unload(m->ctx);
		return -1;
	}
	return 0;
}

int
token_init(const struct config *cfg)
{
	int ok = 0;

	pthread_mutex_lock(&G.lock);
	if (G.inited) {
		pthread_mutex_unlock(&G.lock);
		for (size_t v = 0; v < cfg->nvendors; v++)
			ok += token_vendor_error(v) == NULL;
		return ok;
	}
	if (!G.hold_cond_made) {
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&G.hold_cond, &ca);
		pthread_condattr_destroy(&ca);
		G.hold_cond_made = true;
	}
	G.cfg = cfg;
	G.nmods = 0;
	for (size_t v = 0; v < CONFIG_MAX_VENDORS; v++)
		G.vendor_module[v] = -1;
	for (size_t v = 0; v < cfg->nvendors && v < CONFIG_MAX_VENDORS; v++) {
		const char *path = cfg->vendors[v].module;
		int mi = -1;

		if (path == NULL)
			continue;
		for (int i = 0; i < G.nmods; i++)
			if (strcmp(G.mods[i].path, path) == 0)
				mi = i;
		if (mi < 0 && G.nmods < TOKEN_MAX_MODULES) {
			mi = G.nmods++;
			if (module_load(&G.mods[mi], path) == 0) {
				log_info("token: module %s loaded", path);
				pthread_mutex_lock(&G.hold_lock);
				if (++G.loads == 0)
					G.loads = 1;
				G.holds[mi].ticket = G.loads;
				G.holds[mi].n = 0;
				pthread_mutex_unlock(&G.hold_lock);
			}
		}
		if (mi < 0)
			continue;
		G.vendor_module[v] = mi;
		G.mods[mi].vendors |= 1u << v;
		if (G.mods[mi].error != NULL)
			log_error("token: vendor %s: %s", cfg->vendors[v].name,
				  G.mods[mi].error);
		else
			ok++;
	}
	G.inited = true;
	pthread_mutex_unlock(&G.lock);
	return ok;
}

void
token_shutdown(void)
{
	pthread_mutex_lock(&G.lock);
	for (int i = 0; i < G.nmods; i++)
		module_unload(i);
	G.nmods = 0;
	G.inited = false;
	G.cfg = NULL;
	pthread_mutex_lock(&G.chosen_lock);
	G.chosen.set = false;
	pthread_mutex_unlock(&G.chosen_lock);
	atomic_store(&G.release_pending, false);
	pthread_mutex_unlock(&G.lock);
}

CK_FUNCTION_LIST_PTR
token_module_functions(int module)
{
	if (module < 0 || module >= G.nmods || G.mods[module].error != NULL)
		return NULL;
	return G.mods[module].f;
}

int
token_module_count(void)
{
	return G.nmods;
}

unsigned
token_module_vendors(int module)
{
	return module >= 0 && module < G.nmods ? G.mods[module].vendors : 0;
}

void
token_module_changed(int module)
{
	if (module >= 0 && module < G.nmods)
		atomic_fetch_add(&G.mods[module].epoch, 1);
}

unsigned
token_module_hold(int module)
{
	unsigned ticket = 0;

	if (module < 0 || module >= TOKEN_MAX_MODULES)
		return 0;
	pthread_mutex_lock(&G.hold_lock);
	ticket = G.holds[module].ticket;
	if (ticket != 0)
		G.holds[module].n++;
	pthread_mutex_unlock(&G.hold_lock);
	return ticket;
}

void
token_module_unhold(int module, unsigned ticket)
{
	if (module < 0 || module >= TOKEN_MAX_MODULES || ticket == 0)
		return;
	pthread_mutex_lock(&G.hold_lock);
	if (G.holds[module].ticket == ticket && G.holds[module].n > 0 &&
	    --G.holds[module].n == 0)
		pthread_cond_broadcast(&G.hold_cond);
	pthread_mutex_unlock(&G.hold_lock);
}

/* ---- the lock and the session end ------------------------------------- */

static void
release_all(void)
{
	for (int i = 0; i < G.nmods; i++)
		tok_release_slots(&G.mods[i]);
	pthread_mutex_lock(&G.chosen_lock);
	G.chosen.set = false;
	pthread_mutex_unlock(&G.chosen_lock);
}

void
tok_lock(void)
{
	pthread_mutex_lock(&G.lock);
}

void
tok_unlock(void)
{
	if (atomic_exchange(&G.release_pending, false)) {
		release_all();
		log_info("token: slots released (session end)");
	}
	ERR_clear_error();
	pthread_mutex_unlock(&G.lock);
	token_watch_used();
}

void
token_session_end(void)
{
	if (pthread_mutex_trylock(&G.lock) == 0) {
		release_all();
		pthread_mutex_unlock(&G.lock);
		log_info("token: slots released (session end)");
	} else {
		/* A call is running on the worker: it releases when it returns. */
		atomic_store(&G.release_pending, true);
	}
}

/* The loaded module i, for token_slot.c; NULL when there is none. */
struct module *
tok_module(int i)
{
	return i >= 0 && i < G.nmods ? &G.mods[i] : NULL;
}
