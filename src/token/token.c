/*
 * token.c - the UKey layer's synchronous core (see token.h): modules,
 * vendors, finding a token for a call, errors, PINs, blank tokens.  What is
 * on a token (certificates, keys, data objects) is in token_obj.c; the two,
 * through token_int.h, are the only users of libp11.
 *
 * libp11 loads the modules, enumerates slots, logs in and out, changes and
 * initialises PINs and tokens, signs with token keys as OpenSSL EVP_PKEYs
 * and stores certificates.  What libp11 0.4.12 cannot do or caches wrongly
 * goes through the module's own function list (the same library instance,
 * opened a second time with dlopen): live token flags, key generation (its
 * PKCS11_generate_key is RSA only), data objects, listing objects.
 *
 * libp11 0.4.12 pitfalls handled here:
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
#define _GNU_SOURCE /* timegm */
#include <dlfcn.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "config.h"
#include "i18n.h"
#include "log.h"
#include "text.h"
#include "token_int.h"
#include "worker.h"
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
} G = {.lock = PTHREAD_MUTEX_INITIALIZER, .chosen_lock = PTHREAD_MUTEX_INITIALIZER};


/* ---- messages ------------------------------------------------------- */

static const struct {
	const char *name;
	const char *reason;
} errs[TOKEN_ERR_COUNT] = {
	[TOKEN_OK] = {"OK", N_("Done.")},
	[TOKEN_ERR_NONE] = {"NONE", N_("No UKey is inserted. Please insert your UKey.")},
	[TOKEN_ERR_MANY] = {"MANY", N_("More than one UKey is inserted. Please leave only "
	                               "the UKey you want to use in the kiosk.")},
	[TOKEN_ERR_REMOVED] = {"REMOVED", N_("The UKey was removed. Please insert it again "
	                                     "and keep it inserted until this step is done.")},
	[TOKEN_ERR_PIN_WRONG] = {"PIN_WRONG", N_("Wrong PIN. Please try again. After a few "
	                                         "more wrong PINs the UKey locks.")},
	[TOKEN_ERR_PIN_LOCKED] = {"PIN_LOCKED", N_("The UKey's PIN is locked after too many "
	                                           "wrong tries. Use \"Unlock\" to set a new PIN.")},
	[TOKEN_ERR_PIN_LENGTH] = {"PIN_LENGTH", N_("This PIN is too short or too long for "
	                                           "this UKey. It was not sent to the UKey; no "
	                                           "try was used.")},
	[TOKEN_ERR_PIN_INVALID] = {"PIN_INVALID", N_("The UKey does not accept this new PIN. "
	                                             "Please choose another one.")},
	[TOKEN_ERR_PIN_EXPIRED] = {"PIN_EXPIRED", N_("The UKey asks for its PIN to be changed "
	                                             "before it can be used.")},
	[TOKEN_ERR_FINAL_TRY] = {"FINAL_TRY", N_("Only one try is left: one more wrong PIN "
	                                         "locks the UKey. Are you sure of your PIN?")},
	[TOKEN_ERR_SO_PIN_WRONG] = {"SO_PIN_WRONG", N_("The unlock code was not accepted by "
	                                               "the UKey. Please ask a member of staff.")},
	[TOKEN_ERR_SO_PIN_LOCKED] = {"SO_PIN_LOCKED", N_("The UKey's administrator PIN is "
	                                                 "locked. The UKey cannot be unlocked "
	                                                 "here; please ask a member of staff.")},
	[TOKEN_ERR_NOT_LOGGED_IN] = {"NOT_LOGGED_IN", N_("Please enter the UKey's PIN again.")},
	[TOKEN_ERR_PINPAD] = {"PINPAD", N_("The PIN was not entered on the card reader in "
	                                   "time. Please try again.")},
	[TOKEN_ERR_FULL] = {"FULL", N_("The UKey is full. Please ask a member of staff.")},
	[TOKEN_ERR_READ_ONLY] = {"READ_ONLY", N_("The UKey is write-protected.")},
	[TOKEN_ERR_NOT_FOUND] = {"NOT_FOUND", N_("The certificate or key was not found on "
	                                         "the UKey.")},
	[TOKEN_ERR_BAD_INPUT] = {"BAD_INPUT", N_("The UKey could not use this certificate "
	                                         "or data.")},
	[TOKEN_ERR_NOT_SUPPORTED] = {"NOT_SUPPORTED", N_("This UKey cannot do this. Please "
	                                                 "ask a member of staff.")},
	[TOKEN_ERR_NOT_INITIALIZED] = {"NOT_INITIALIZED", N_("This UKey is blank. Please ask "
	                                                     "a member of staff.")},
	[TOKEN_ERR_MODULE] = {"MODULE", N_("The UKey software of this vendor is not working. "
	                                   "Please ask a member of staff.")},
	[TOKEN_ERR_CANCELLED] = {"CANCELLED", N_("Cancelled.")},
	[TOKEN_ERR_DEVICE] = {"DEVICE", N_("The UKey did not respond as expected. Please "
	                                   "take it out, insert it again and retry.")},
};

const char *
token_err_reason(enum token_err err, int tries_left)
{
	if ((unsigned)err >= TOKEN_ERR_COUNT)
		err = TOKEN_ERR_DEVICE;
	if (err == TOKEN_ERR_PIN_WRONG && tries_left == 1)
		return N_("Wrong PIN. Only one try is left: one more wrong PIN locks the UKey.");
	if (err == TOKEN_ERR_PIN_WRONG && tries_left == 0)
		return errs[TOKEN_ERR_PIN_LOCKED].reason;
	return errs[err].reason;
}

const char *
token_err_name(enum token_err err)
{
	return (unsigned)err < TOKEN_ERR_COUNT ? errs[err].name : "?";
}

const char *
token_stage_text(enum token_stage stage)
{
	switch (stage) {
	case TOKEN_STAGE_NONE:
		return NULL;
	case TOKEN_STAGE_READING:
		return N_("Reading the UKey...");
	case TOKEN_STAGE_PIN:
		return N_("Checking the PIN...");
	case TOKEN_STAGE_PINPAD:
		return N_("Please enter the PIN on the card reader's keypad.");
	case TOKEN_STAGE_GENERATING:
		return N_("Generating a key on the UKey. This can take a minute. "
		          "Do not remove the UKey.");
	case TOKEN_STAGE_SIGNING:
		return N_("The UKey is signing. Do not remove the UKey.");
	case TOKEN_STAGE_WRITING:
		return N_("Writing to the UKey. Do not remove the UKey.");
	case TOKEN_STAGE_DELETING:
		return N_("Removing old data from the UKey. Do not remove the UKey.");
	case TOKEN_STAGE_INITIALIZING:
		return N_("Initialising the UKey. Do not remove the UKey.");
	}
	return NULL;
}

/* ---- CKR_* ------------------------------------------------------------- */

static const struct {
	CK_RV rv;
	const char *name;
} ckr_names[] = {
#define C(x) {x, #x}
	C(CKR_OK), C(CKR_CANCEL), C(CKR_HOST_MEMORY), C(CKR_SLOT_ID_INVALID),
	C(CKR_GENERAL_ERROR), C(CKR_FUNCTION_FAILED), C(CKR_ARGUMENTS_BAD),
	C(CKR_NO_EVENT), C(CKR_ATTRIBUTE_READ_ONLY), C(CKR_ATTRIBUTE_SENSITIVE),
	C(CKR_ATTRIBUTE_TYPE_INVALID), C(CKR_ATTRIBUTE_VALUE_INVALID),
	C(CKR_DATA_INVALID), C(CKR_DATA_LEN_RANGE), C(CKR_DEVICE_ERROR),
	C(CKR_DEVICE_MEMORY), C(CKR_DEVICE_REMOVED), C(CKR_FUNCTION_CANCELED),
	C(CKR_FUNCTION_NOT_SUPPORTED), C(CKR_KEY_HANDLE_INVALID),
	C(CKR_KEY_SIZE_RANGE), C(CKR_KEY_TYPE_INCONSISTENT), C(CKR_MECHANISM_INVALID),
	C(CKR_MECHANISM_PARAM_INVALID), C(CKR_OBJECT_HANDLE_INVALID),
	C(CKR_OPERATION_ACTIVE), C(CKR_OPERATION_NOT_INITIALIZED),
	C(CKR_PIN_INCORRECT), C(CKR_PIN_INVALID), C(CKR_PIN_LEN_RANGE),
	C(CKR_PIN_EXPIRED), C(CKR_PIN_LOCKED), C(CKR_SESSION_CLOSED),
	C(CKR_SESSION_COUNT), C(CKR_SESSION_HANDLE_INVALID),
	C(CKR_SESSION_READ_ONLY), C(CKR_SESSION_EXISTS),
	C(CKR_SESSION_READ_ONLY_EXISTS), C(CKR_SESSION_READ_WRITE_SO_EXISTS),
	C(CKR_SIGNATURE_INVALID), C(CKR_TEMPLATE_INCOMPLETE),
	C(CKR_TEMPLATE_INCONSISTENT), C(CKR_TOKEN_NOT_PRESENT),
	C(CKR_TOKEN_NOT_RECOGNIZED), C(CKR_TOKEN_WRITE_PROTECTED),
	C(CKR_USER_ALREADY_LOGGED_IN), C(CKR_USER_NOT_LOGGED_IN),
	C(CKR_USER_PIN_NOT_INITIALIZED), C(CKR_USER_TYPE_INVALID),
	C(CKR_USER_ANOTHER_ALREADY_LOGGED_IN), C(CKR_DOMAIN_PARAMS_INVALID),
	C(CKR_BUFFER_TOO_SMALL), C(CKR_CRYPTOKI_NOT_INITIALIZED),
	C(CKR_CRYPTOKI_ALREADY_INITIALIZED),
#undef C
};

const char *
token_ckr_name(CK_RV rv)
{
	for (size_t i = 0; i < sizeof ckr_names / sizeof ckr_names[0]; i++)
		if (ckr_names[i].rv == rv)
			return ckr_names[i].name;
	return NULL;
}

bool
tok_rv_removed(CK_RV rv)
{
	return rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT ||
	       rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED ||
	       rv == CKR_SLOT_ID_INVALID || rv == CKR_TOKEN_NOT_RECOGNIZED;
}

static enum token_err
map_rv(CK_RV rv)
{
	if (tok_rv_removed(rv))
		return TOKEN_ERR_REMOVED;
	switch (rv) {
	case CKR_OK:
		return TOKEN_OK;
	case CKR_PIN_INCORRECT:
		return TOKEN_ERR_PIN_WRONG;
	case CKR_PIN_LOCKED:
		return TOKEN_ERR_PIN_LOCKED;
	case CKR_PIN_LEN_RANGE:
		return TOKEN_ERR_PIN_LENGTH;
	case CKR_PIN_INVALID:
		return TOKEN_ERR_PIN_INVALID;
	case CKR_PIN_EXPIRED:
		return TOKEN_ERR_PIN_EXPIRED;
	case CKR_USER_NOT_LOGGED_IN:
		return TOKEN_ERR_NOT_LOGGED_IN;
	case CKR_USER_PIN_NOT_INITIALIZED:
		return TOKEN_ERR_NOT_INITIALIZED;
	case CKR_DEVICE_MEMORY:
		return TOKEN_ERR_FULL;
	case CKR_TOKEN_WRITE_PROTECTED:
	case CKR_SESSION_READ_ONLY:
		return TOKEN_ERR_READ_ONLY;
	case CKR_FUNCTION_NOT_SUPPORTED:
	case CKR_MECHANISM_INVALID:
	case CKR_MECHANISM_PARAM_INVALID:
	case CKR_KEY_SIZE_RANGE:
	case CKR_KEY_TYPE_INCONSISTENT:
	case CKR_DOMAIN_PARAMS_INVALID:
	case CKR_ATTRIBUTE_TYPE_INVALID:
		return TOKEN_ERR_NOT_SUPPORTED;
	case CKR_TEMPLATE_INCONSISTENT:
	case CKR_TEMPLATE_INCOMPLETE:
	case CKR_ATTRIBUTE_VALUE_INVALID:
	case CKR_DATA_INVALID:
	case CKR_DATA_LEN_RANGE:
		return TOKEN_ERR_BAD_INPUT;
	case CKR_OBJECT_HANDLE_INVALID:
	case CKR_KEY_HANDLE_INVALID:
		return TOKEN_ERR_NOT_FOUND;
	case CKR_FUNCTION_CANCELED:
	case CKR_CANCEL:
		return TOKEN_ERR_CANCELLED;
	case CKR_CRYPTOKI_NOT_INITIALIZED:
		return TOKEN_ERR_MODULE;
	default:
		return TOKEN_ERR_DEVICE;
	}
}

/* Log a failed call with its raw code (never an argument) and map it. */
enum token_err
tok_fail(struct tok *t, const char *call, CK_RV rv)
{
	const char *name = token_ckr_name(rv);
	enum token_err err = map_rv(rv);

	if (err == TOKEN_ERR_REMOVED && t != NULL && t->m != NULL)
		t->m->stale = true;
	log_warn("token: %s: %s failed: %s (0x%lx)", t != NULL && t->what != NULL ? t->what : "?",
	         call, name != NULL ? name : "vendor code", (unsigned long)rv);
	return err;
}

/*
 * The CKR_* value behind a libp11 failure, from OpenSSL's error queue;
 * CKR_FUNCTION_FAILED when libp11 failed for a reason of its own.
 */
CK_RV
tok_p11_rv(void)
{
	int lib = ERR_get_CKR_code();
	CK_RV rv = CKR_FUNCTION_FAILED;
	unsigned long e;

	while ((e = ERR_get_error()) != 0)
		if (ERR_GET_LIB(e) == lib)
			rv = ERR_GET_REASON(e);
	return rv;
}

/* ---- strings ------------------------------------------------------------ */

void
token_trim(const unsigned char *field, size_t width, char *out, size_t outlen)
{
	size_t n = width;

	while (n > 0 && (field[n - 1] == ' ' || field[n - 1] == '\0'))
		n--;
	/* A NUL inside ends it (some modules pad with NULs). */
	for (size_t i = 0; i < n; i++) {
		if (field[i] == '\0') {
			n = i;
			break;
		}
	}
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, field, n);
	out[n] = '\0';
}

void
tok_put_clean(const char *in, size_t len, char *out, size_t outlen)
{
	char *s = text_sanitize(in, len, outlen - 1, 0);
	size_t n = strlen(s);

	memcpy(out, s, n + 1);
	free(s);
}

void
token_clean(const unsigned char *field, size_t width, char *out, size_t outlen)
{
	char raw[TOKEN_TEXT_MAX];

	token_trim(field, width, raw, sizeof raw);
	tok_put_clean(raw, strlen(raw), out, outlen);
}

void
tok_hex(const unsigned char *p, size_t n, char *out, size_t outlen)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < n && o + 2 < outlen; i++) {
		out[o++] = hx[p[i] >> 4];
		out[o++] = hx[p[i] & 15];
	}
	out[o] = '\0';
}

void
tok_wipe(char *s)
{
	if (s != NULL)
		secure_wipe(s, strlen(s));
}

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
		if (pattern_ok(vd->manufacturer, manufacturer) && pattern_ok(vd->model, model) &&
		    pattern_ok(vd->label, label))
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

static void
module_release_slots(struct module *m)
{
	if (m->slots != NULL)
		PKCS11_release_all_slots(m->ctx, m->slots, m->nslots);
	m->slots = NULL;
	m->nslots = 0;
	free(m->ready);
	m->ready = NULL;
}

static void
module_unload(struct module *m)
{
	module_release_slots(m);
	if (m->abandoned) {
		/*
		 * The stuck thread still points into libp11's context and the
		 * module: finalise the module (so it can be initialised again)
		 * but leave the memory and the mapping in place.
		 */
		log_warn("token: module %s left mapped (a libp11 call never returned)", m->path);
		static PKCS11_CTX *kept[16]; /* still in use: reachable, not leaked */
		static size_t nkept;

		if (m->f != NULL)
			m->f->C_Finalize(NULL);
		if (nkept < sizeof kept / sizeof kept[0])
			kept[nkept++] = m->ctx;
		m->ctx = NULL;
		m->dl = NULL;
	}
	if (m->ctx != NULL) {
		if (m->f != NULL)
			PKCS11_CTX_unload(m->ctx);
		PKCS11_CTX_free(m->ctx);
	}
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
			                     name != NULL ? name : "error", (unsigned long)rv);
		if (m->dl != NULL)
			dlclose(m->dl);
		m->dl = NULL;
		return -1;
	}
	/* The same instance libp11 holds: RTLD_NOLOAD would do, this is safer. */
	m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	gfl = m->dl != NULL ? (CK_C_GetFunctionList)dlsym(m->dl, "C_GetFunctionList") : NULL;
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
			if (module_load(&G.mods[mi], path) == 0)
				log_info("token: module %s loaded", path);
		}
		if (mi < 0)
			continue;
		G.vendor_module[v] = mi;
		G.mods[mi].vendors |= 1u << v;
		if (G.mods[mi].error != NULL)
			log_error("token: vendor %s: %s", cfg->vendors[v].name, G.mods[mi].error);
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
	token_watch_stop();
	pthread_mutex_lock(&G.lock);
	for (int i = 0; i < G.nmods; i++)
		module_unload(&G.mods[i]);
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

/* ---- the lock and the session end ------------------------------------- */

static void
release_all(void)
{
	for (int i = 0; i < G.nmods; i++)
		module_release_slots(&G.mods[i]);
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
	for (int mi = 0; mi < G.nmods; mi++) {
		CK_FUNCTION_LIST_PTR f = token_module_functions(mi);
		CK_SLOT_ID ids[32];
		CK_ULONG count = 32;

		if (f == NULL || f->C_GetSlotList(CK_TRUE, ids, &count) != CKR_OK)
			continue;
		for (CK_ULONG i = 0; i < count && i < 32; i++) {
			CK_TOKEN_INFO ti;
			char serial[TOKEN_TEXT_MAX], manuf[TOKEN_TEXT_MAX], key[2 * TOKEN_TEXT_MAX];
			bool dup = false;

			if (f->C_GetTokenInfo(ids[i], &ti) != CKR_OK)
				continue;
			token_trim(ti.serialNumber, sizeof ti.serialNumber, serial, sizeof serial);
			token_trim(ti.manufacturerID, sizeof ti.manufacturerID, manuf, sizeof manuf);
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
	log_error("token: libp11 is stuck opening a session (token %s); slot list abandoned",
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

static enum token_err
enumerate(struct tok *t)
{
	struct module *m = t->m;

	module_release_slots(m);
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
	if (G.nmods == 0)
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
	if (ref->module < 0 || ref->module >= G.nmods)
		return TOKEN_ERR_REMOVED;
	t->mi = ref->module;
	t->m = &G.mods[ref->module];
	t->id = ref->slot;
	if (t->m->error != NULL)
		return TOKEN_ERR_MODULE;
	rv = t->m->f->C_GetTokenInfo(t->id, &t->info);
	if (rv != CKR_OK) {
		t->m->stale = true;
		return tok_rv_removed(rv) ? TOKEN_ERR_REMOVED : tok_fail(t, "C_GetTokenInfo", rv);
	}
	token_trim(t->info.serialNumber, sizeof t->info.serialNumber, serial, sizeof serial);
	if (strcmp(serial, ref->serial) != 0) {
		/* Another token in the same reader. */
		t->m->stale = true;
		return TOKEN_ERR_REMOVED;
	}
	if (t->m->slots == NULL || t->m->stale || t->m->epoch_seen != atomic_load(&t->m->epoch))
		return enumerate(t);
	t->slot = find_slot(t->m, t->id);
	if (t->slot == NULL)
		return enumerate(t);
	return make_ready(t);
}

/* A raw session of our own on the token; login state is the token's. */
enum token_err
tok_session(struct tok *t, bool rw, CK_SESSION_HANDLE *s)
{
	CK_RV rv = t->m->f->C_OpenSession(t->id, CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0),
	                                  NULL, NULL, s);

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
	return enumerate(t);
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

	tok_lock();
	err = tok_open(ref, &t, "change PIN", ctl);
	if (err != TOKEN_OK)
		goto out;
	tok_stage(ctl, TOKEN_STAGE_PIN);
	if (tok_pin_state(t.info.flags, false, &tries) == TOKEN_PIN_LOCKED) {
		err = TOKEN_ERR_PIN_LOCKED;
		goto out;
	}
	if (old_pin == NULL || new_pin == NULL || !pin_len_ok(&t.info, old_pin) ||
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
			err = *tries == 0 ? TOKEN_ERR_SO_PIN_LOCKED : TOKEN_ERR_SO_PIN_WRONG;
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
	module_release_slots(t->m);
	t->slot = NULL;
}

/*
 * What unblocking and changing the SO PIN begin with: the token opened,
 * the new PIN's length checked against the token's limits before any try
 * is spent, and the security officer logged in.  Lock held.
 */
static enum token_err
so_begin(const struct token_ref *ref, struct tok *t, const char *what,
         const struct token_ctl *ctl, char *so_pin, const char *new_pin, int *tries)
{
	enum token_err err = tok_open(ref, t, what, ctl);

	if (err != TOKEN_OK)
		return err;
	tok_stage(ctl, TOKEN_STAGE_PIN);
	if (new_pin == NULL || !pin_len_ok(&t->info, new_pin))
		return TOKEN_ERR_PIN_LENGTH;
	return so_login(t, so_pin, tries);
}

enum token_err
token_unblock(const struct token_ref *ref, char *so_pin, char *new_pin, int *tries_left,
              const struct token_ctl *ctl)
{
	struct tok t;
	enum token_err err;
	int tries = -1;

	tok_lock();
	if ((err = so_begin(ref, &t, "unblock", ctl, so_pin, new_pin, &tries)) != TOKEN_OK)
		goto out;
	tok_wipe(so_pin);
	tok_stage(ctl, TOKEN_STAGE_WRITING);
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
	err = so_begin(ref, &t, "change SO PIN", ctl, old_so_pin, new_so_pin, &tries);
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

/* ---- objects (raw) ---------------------------------------------------- */

/* Find up to max objects matching tmpl. */
enum token_err
tok_find(struct tok *t, CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl, CK_ULONG n,
             CK_OBJECT_HANDLE *out, CK_ULONG max, CK_ULONG *count)
{
	CK_FUNCTION_LIST_PTR f = t->m->f;
	CK_RV rv = f->C_FindObjectsInit(s, tmpl, n);

	*count = 0;
	if (rv != CKR_OK)
		return tok_fail(t, "C_FindObjectsInit", rv);
	rv = f->C_FindObjects(s, out, max, count);
	f->C_FindObjectsFinal(s);
	if (rv != CKR_OK) {
		*count = 0;
		return tok_fail(t, "C_FindObjects", rv);
	}
	return TOKEN_OK;
}

/* Every object of a class (up to max). */
enum token_err
tok_find_class(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, CK_OBJECT_HANDLE *out,
           CK_ULONG max, CK_ULONG *count)
{
	CK_ATTRIBUTE tmpl = {CKA_CLASS, &cls, sizeof cls};

	return tok_find(t, s, &tmpl, 1, out, max, count);
}

/* One attribute, malloc'd (NUL-terminated for convenience); NULL if absent. */
unsigned char *
tok_attr(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
         size_t *len, CK_RV *rvp)
{
	CK_ATTRIBUTE a = {type, NULL, 0};
	CK_RV rv = t->m->f->C_GetAttributeValue(s, o, &a, 1);
	unsigned char *buf;

	if (rvp != NULL)
		*rvp = rv;
	*len = 0;
	if (rv != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION ||
	    a.ulValueLen > TOKEN_DATA_MAX)
		return NULL;
	buf = xmalloc(a.ulValueLen + 1);
	a.pValue = buf;
	rv = t->m->f->C_GetAttributeValue(s, o, &a, 1);
	if (rvp != NULL)
		*rvp = rv;
	if (rv != CKR_OK) {
		free(buf);
		return NULL;
	}
	buf[a.ulValueLen] = '\0';
	*len = a.ulValueLen;
	return buf;
}

CK_ULONG
tok_ulong(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
          CK_ULONG dflt)
{
	CK_ULONG v = dflt;
	CK_ATTRIBUTE a = {type, &v, sizeof v};

	if (t->m->f->C_GetAttributeValue(s, o, &a, 1) != CKR_OK)
		return dflt;
	return v;
}

bool
tok_bool(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL v = CK_FALSE;
	CK_ATTRIBUTE a = {type, &v, sizeof v};

	if (t->m->f->C_GetAttributeValue(s, o, &a, 1) != CKR_OK)
		return false;
	return v == CK_TRUE;
}

void
tok_label(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
          char *out, size_t outlen)
{
	size_t len;
	unsigned char *v = tok_attr(t, s, o, type, &len, NULL);

	out[0] = '\0';
	if (v != NULL)
		tok_put_clean((const char *)v, len, out, outlen);
	free(v);
}

size_t
tok_id(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, unsigned char *id)
{
	size_t len;
	unsigned char *v = tok_attr(t, s, o, CKA_ID, &len, NULL);

	if (v == NULL)
		return 0;
	if (len > TOKEN_ID_MAX)
		len = TOKEN_ID_MAX;
	memcpy(id, v, len);
	free(v);
	return len;
}

/* Curve size from DER EC parameters (a named curve OID). */
static int
ec_bits(const unsigned char *params, size_t len)
{
	const unsigned char *p = params;
	ASN1_OBJECT *oid = d2i_ASN1_OBJECT(NULL, &p, (long)len);
	int bits = 0;

	if (oid != NULL) {
		EC_GROUP *g = EC_GROUP_new_by_curve_name(OBJ_obj2nid(oid));

		if (g != NULL)
			bits = EC_GROUP_get_degree(g);
		EC_GROUP_free(g);
		ASN1_OBJECT_free(oid);
	}
	return bits;
}

void
tok_key_type_bits(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
              enum token_key_type *type, int *bits)
{
	CK_ULONG kt = tok_ulong(t, s, o, CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION);
	size_t len;
	unsigned char *v;

	*bits = 0;
	if (kt == CKK_RSA) {
		*type = TOKEN_KEY_RSA;
		v = tok_attr(t, s, o, CKA_MODULUS, &len, NULL);
		if (v != NULL) {
			size_t i = 0;

			while (i < len && v[i] == 0)
				i++;
			*bits = (int)((len - i) * 8);
		} else {
			*bits = (int)tok_ulong(t, s, o, CKA_MODULUS_BITS, 0);
		}
		free(v);
	} else if (kt == CKK_EC) {
		*type = TOKEN_KEY_EC;
		v = tok_attr(t, s, o, CKA_EC_PARAMS, &len, NULL);
		if (v != NULL)
			*bits = ec_bits(v, len);
		free(v);
	} else {
		*type = TOKEN_KEY_OTHER;
	}
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
	ERR_clear_error();
	if (PKCS11_init_token(t.slot->token, so_pin, lab) != 0) {
		err = tok_fail(&t, "C_InitToken", tok_p11_rv());
		if (err == TOKEN_ERR_PIN_WRONG)
			err = TOKEN_ERR_SO_PIN_WRONG;
		goto out;
	}
	/* libp11 does not refresh the token after C_InitToken. */
	if ((err = enumerate(&t)) != TOKEN_OK)
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
