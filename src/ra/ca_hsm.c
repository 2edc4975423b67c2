/*
 * ca_hsm.c - the CA's issuing key in a PKCS#11 token (see ca.h): "ca init"
 * generating it inside the token under an offline root, and opening it for
 * serving through libp11, whose EVP_PKEY then signs certificates, CRLs and
 * seals like a key of a file.
 *
 * The key never leaves the token: it is generated there, sensitive and not
 * extractable, and only its public half and the id that finds it again are
 * written down (hsm.conf in the CA directory, never the PIN).
 */
#include "ra/ca_int.h"

#include <dirent.h>
#include <dlfcn.h>
#include <unistd.h>

#include <ini.h>
#include <libp11.h>
#include <p11-kit/pkcs11.h>

#define ID_LEN 16
#define PIN_ENV "CAKIOSK_RA_PIN"

struct ca_hsm {
	PKCS11_CTX *ctx;
	PKCS11_SLOT *slots;
	unsigned int nslots;
	PKCS11_SLOT *slot; /* the token's, in slots */
	void *dl;          /* the module, opened by us too */
};

/* Where the PIN comes from when not from the environment (main sets it
 * once, before any CA is opened). */
static const char *pin_file;

void
ca_set_pin_file(const char *path)
{
	pin_file = path;
}

/* The PIN (new string, wipe after use): the first line of the PIN file, or
 * the environment's; never the command line, where ps shows it. */
static char *
read_pin(char **err)
{
	char *pin;
	if (pin_file) {
		size_t len = 0;
		pin = util_read_file(pin_file, &len);
		if (!pin) {
			*err = util_xasprintf("cannot read the PIN file %s", pin_file);
			return NULL;
		}
		pin[strcspn(pin, "\r\n")] = '\0';
	} else {
		const char *env = getenv(PIN_ENV);
		if (!env || !*env) {
			*err = util_xstrdup("the token's PIN is needed: give --pin-file "
					    "FILE or set " PIN_ENV);
			return NULL;
		}
		pin = util_xstrdup(env);
	}
	if (!*pin) {
		*err = util_xstrdup("the token's PIN is empty");
		free(pin);
		return NULL;
	}
	return pin;
}

void
ca_hsm_close(struct ca_hsm *h)
{
	if (!h)
		return;
	/* Releasing the slots also drops libp11's copy of the PIN. */
	if (h->slots)
		PKCS11_release_all_slots(h->ctx, h->slots, h->nslots);
	if (h->ctx) {
		PKCS11_CTX_unload(h->ctx);
		PKCS11_CTX_free(h->ctx);
	}
	if (h->dl)
		dlclose(h->dl);
	free(h);
}

/* Loads module, finds the token labelled token and logs in to it with the
 * PIN (in a read-write session when rw).  NULL + *err in one sentence. */
static struct ca_hsm *
hsm_login(const char *module, const char *token, bool rw, char **err)
{
	struct ca_hsm *h = util_xcalloc(1, sizeof *h);
	char *pin = NULL;
	/* Opened first by us: dlopen's reason, in our sentence, says more
	 * than libp11's own line on stderr. */
	h->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	if (!h->dl) {
		const char *why = dlerror(), *tail = why ? strrchr(why, ':') : NULL;
		*err = util_xasprintf("cannot load the PKCS#11 module %s%s", module,
				      tail ? tail : "");
		goto fail;
	}
	h->ctx = PKCS11_CTX_new();
	if (!h->ctx || PKCS11_CTX_load(h->ctx, module) != 0) {
		*err = util_xasprintf("cannot load the PKCS#11 module %s", module);
		/* A context whose load failed is freed, not unloaded. */
		PKCS11_CTX_free(h->ctx);
		h->ctx = NULL;
		goto fail;
	}
	if (PKCS11_enumerate_slots(h->ctx, &h->slots, &h->nslots) != 0) {
		h->slots = NULL;
		*err = util_xasprintf("the PKCS#11 module %s lists no slots", module);
		goto fail;
	}
	for (unsigned int i = 0; i < h->nslots && !h->slot; i++) {
		PKCS11_TOKEN *t = h->slots[i].token;
		if (t && t->initialized && t->label && strcmp(t->label, token) == 0)
			h->slot = &h->slots[i];
	}
	if (!h->slot) {
		*err = util_xasprintf("no token labelled \"%s\" in %s", token, module);
		goto fail;
	}
	if (!(pin = read_pin(err)))
		goto fail;
	/* A user login alone opens a read-only session. */
	if ((rw && PKCS11_open_session(h->slot, 1) != 0) ||
	    PKCS11_login(h->slot, 0, pin) != 0) {
		*err = util_xasprintf("the token \"%s\" refused the PIN", token);
		goto fail;
	}
	util_wipe_str(pin);
	free(pin);
	ERR_clear_error();
	return h;
fail:
	if (pin)
		util_wipe_str(pin);
	free(pin);
	ERR_clear_error();
	ca_hsm_close(h);
	return NULL;
}

/* The private key with this id on the logged-in token (libp11's; free
 * before the slots), or NULL. */
static EVP_PKEY *
hsm_key(struct ca_hsm *h, const unsigned char *id, size_t id_len)
{
	PKCS11_KEY *keys = NULL;
	unsigned int n = 0;
	EVP_PKEY *k = NULL;
	if (PKCS11_enumerate_keys(h->slot->token, &keys, &n) != 0)
		n = 0;
	for (unsigned int i = 0; i < n && !k; i++)
		if (keys[i].id_len == id_len && memcmp(keys[i].id, id, id_len) == 0)
			k = PKCS11_get_private_key(&keys[i]);
	ERR_clear_error();
	return k;
}

/* A software copy of the public half of a token's key (libp11's own
 * public key object keeps the slot referenced after its release), or
 * NULL. */
static EVP_PKEY *
public_copy(EVP_PKEY *k)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k, &der);
	const unsigned char *p = der;
	EVP_PKEY *pub = n > 0 ? d2i_PUBKEY(NULL, &p, n) : NULL;
	OPENSSL_free(der);
	return pub;
}

/* hsm.conf: what finds the key again (the PIN is not in it). */
struct hsm_conf {
	char *module;
	char *token;
	char *key_id; /* hex */
};

static int
conf_key(void *user, const char *section, const char *name, const char *value)
{
	struct hsm_conf *c = user;
	char **slot = strcmp(name, "module") == 0   ? &c->module
		      : strcmp(name, "token") == 0  ? &c->token
		      : strcmp(name, "key_id") == 0 ? &c->key_id
						    : NULL;
	(void)section;
	if (slot) {
		free(*slot);
		*slot = util_xstrdup(value);
	}
	return 1;
}

static void
conf_free(struct hsm_conf *c)
{
	free(c->module);
	free(c->token);
	free(c->key_id);
}

bool
ca_hsm_present(const char *dir)
{
	char *p = util_xasprintf("%s/" CA_HSM_FILE, dir);
	bool r = access(p, F_OK) == 0;
	free(p);
	return r;
}

struct ca_hsm *
ca_hsm_open(const char *dir, EVP_PKEY **key, char **err)
{
	char *p = util_xasprintf("%s/" CA_HSM_FILE, dir);
	struct hsm_conf c = {0};
	unsigned char id[64];
	long id_len = -1;
	struct ca_hsm *h = NULL;
	int line = ini_parse(p, conf_key, &c);
	if (line == 0 && c.key_id && strlen(c.key_id) <= 2 * sizeof id)
		id_len = codec_unhex(c.key_id, id, sizeof id);
	if (line != 0 || !c.module || !c.token || id_len <= 0) {
		*err = util_xasprintf("%s is unreadable or lacks module, token or "
				      "key_id",
				      p);
		goto out;
	}
	h = hsm_login(c.module, c.token, false, err);
	if (h && !(*key = hsm_key(h, id, (size_t)id_len))) {
		*err = util_xasprintf("no key with id %s on the token \"%s\"", c.key_id,
				      c.token);
		ca_hsm_close(h);
		h = NULL;
	}
	if (h)
		log_info("ca: the issuing key is in the token \"%s\" (%s)", c.token,
			 c.module);
out:
	conf_free(&c);
	free(p);
	return h;
}

/* A signature through the token, checked with the certificate: the key
 * found by its id is the certificate's.  (X509_check_private_key needs
 * the private key's own bits, which a token never gives.) */
bool
ca_hsm_key_matches(struct ca *ca)
{
	static const char probe[] = "cakiosk-ra key check";
	unsigned char *sig = NULL;
	size_t siglen = 0;
	bool ok = ca_sign(ca, probe, sizeof probe - 1, &sig, &siglen) == 0 &&
		  ca_verify_with_cert(ca->cert_pem, probe, sizeof probe - 1, sig,
				      siglen) == 1;
	free(sig);
	return ok;
}

/* ---- ca init ---- */

/* The module's own function list: libp11 0.4.12 generates RSA keys only.
 * Our handle is the library libp11 loaded and initialised (a second
 * C_Initialize would only say so), and a login is the application's, so
 * a session of our own is logged in already. */
static CK_FUNCTION_LIST_PTR
module_functions(struct ca_hsm *h)
{
	CK_C_GetFunctionList get;
	CK_FUNCTION_LIST_PTR f = NULL;
	*(void **)&get = dlsym(h->dl, "C_GetFunctionList");
	if (!get || get(&f) != CKR_OK)
		f = NULL;
	return f;
}

/* An EC P-256 key pair in the token, the private half sensitive and not
 * extractable; its handles in hk (private, public) to destroy it if the
 * CA cannot be made after all.  0 or -1. */
static int
generate_key(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, const unsigned char *id,
	     CK_OBJECT_HANDLE hk[2])
{
	static const unsigned char p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
					     0xce, 0x3d, 0x03, 0x01, 0x07};
	static const char label[] = "cakiosk-ra issuing CA";
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE pub[] = {
		{CKA_TOKEN, &yes, sizeof yes},
		{CKA_VERIFY, &yes, sizeof yes},
		{CKA_EC_PARAMS, (void *)p256, sizeof p256},
		{CKA_ID, (void *)id, ID_LEN},
		{CKA_LABEL, (void *)label, sizeof label - 1},
	};
	CK_ATTRIBUTE priv[] = {
		{CKA_TOKEN, &yes, sizeof yes},
		{CKA_PRIVATE, &yes, sizeof yes},
		{CKA_SENSITIVE, &yes, sizeof yes},
		{CKA_EXTRACTABLE, &no, sizeof no},
		{CKA_SIGN, &yes, sizeof yes},
		/* It signs and does nothing else. */
		{CKA_DECRYPT, &no, sizeof no},
		{CKA_UNWRAP, &no, sizeof no},
		{CKA_DERIVE, &no, sizeof no},
		{CKA_ID, (void *)id, ID_LEN},
		{CKA_LABEL, (void *)label, sizeof label - 1},
	};
	return f->C_GenerateKeyPair(s, &mech, pub, sizeof pub / sizeof pub[0], priv,
				    sizeof priv / sizeof priv[0], &hk[1],
				    &hk[0]) == CKR_OK
		       ? 0
		       : -1;
}

/* The root's and the intermediate's subjects: O=org and a common name. */
static X509_NAME *
ca_name(const char *org, const char *what)
{
	X509_NAME *n = X509_NAME_new();
	char *cn = util_xasprintf("%s %s", org, what);
	if (n && (name_add(n, "C", "CN") != 0 || name_add(n, "O", org) != 0 ||
		  name_add(n, "CN", cn) != 0)) {
		X509_NAME_free(n);
		n = NULL;
	}
	free(cn);
	return n;
}

/*
 * The root (self-signed with a key that is discarded right after) and the
 * intermediate for the token's public key, signed by it; then one
 * signature through the token, checked with the intermediate, so that
 * what serve will do has been done once.  0 or -1.
 */
static int
make_pair(const char *org, EVP_PKEY *tokpub, EVP_PKEY *tokkey, char **root_pem,
	  char **int_pem)
{
	static const char probe[] = "cakiosk-ra ca init";
	struct ca tmp = {0};
	EVP_PKEY *rootkey = EVP_EC_gen("P-256");
	X509_NAME *rn = ca_name(org, "Root CA"), *in = ca_name(org, "Issuing CA");
	X509 *inter = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0;
	int64_t now = util_now();
	int rc = -1;
	if (!rootkey || !rn || !in)
		goto out;
	tmp.cert = make_cert(&tmp, rootkey, rn, KIND_ROOT, now - 3600,
			     now + 20 * 365 * 86400LL, NULL, NULL);
	tmp.key = rootkey;
	if (tmp.cert)
		inter = make_cert(&tmp, tokpub, in, KIND_SUBCA, now - 3600,
				  now + 10 * 365 * 86400LL, NULL, NULL);
	if (!inter)
		goto out;
	*root_pem = pem_of_cert(tmp.cert);
	*int_pem = pem_of_cert(inter);
	tmp.key = tokkey;
	if (*root_pem && *int_pem &&
	    ca_sign(&tmp, probe, sizeof probe - 1, &sig, &siglen) == 0 &&
	    ca_verify_with_cert(*int_pem, probe, sizeof probe - 1, sig, siglen) == 1)
		rc = 0;
out:
	free(sig);
	X509_free(inter);
	X509_free(tmp.cert);
	X509_NAME_free(rn);
	X509_NAME_free(in);
	/* The root signs nothing else: its key goes (OpenSSL clears it). */
	EVP_PKEY_free(rootkey);
	ERR_clear_error();
	return rc;
}

/* Writes the CA directory's files into stage.  0 or -1. */
static int
write_stage(const char *stage, const struct ca_init_opts *o, const char *idhex,
	    const char *root_pem, const char *int_pem)
{
	static const char *const names[] = {"root.crt", "ca.crt", "chain.pem",
					    CA_HSM_FILE};
	char *chain = util_xasprintf("%s%s", int_pem, root_pem);
	char *conf = util_xasprintf(
		"# The CA's issuing key, in a PKCS#11 token (written by "
		"cakiosk-ra ca init).\n"
		"# The PIN is not here: serve reads it from --pin-file or " PIN_ENV ".\n"
		"module = %s\ntoken = %s\nkey_id = %s\n",
		o->module, o->token, idhex);
	const char *data[] = {root_pem, int_pem, chain, conf};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof names / sizeof names[0]; i++) {
		char *p = util_xasprintf("%s/%s", stage, names[i]);
		rc = util_write_file(p, data[i], strlen(data[i]), 0600);
		free(p);
	}
	free(chain);
	free(conf);
	return rc;
}

/* Removes what write_stage may have written, and stage. */
static void
remove_stage(const char *stage)
{
	DIR *d = opendir(stage);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			char *p = util_xasprintf("%s/%s", stage, e->d_name);
			unlink(p);
			free(p);
		}
	if (d)
		closedir(d);
	rmdir(stage);
}

/* A CA directory may be made at dir: it is missing, or empty (then it is
 * removed, to be replaced whole). */
static int
dir_free(const char *dir, char **err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool empty = true;
	if (!d) {
		if (errno == ENOENT)
			return 0;
		*err = util_xasprintf("cannot open %s: %s", dir, strerror(errno));
		return -1;
	}
	while (empty && (e = readdir(d)))
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	if (!empty || rmdir(dir) != 0) {
		*err = util_xasprintf("%s is not empty: ca init makes a new CA "
				      "directory and never overwrites one",
				      dir);
		return -1;
	}
	return 0;
}

int
ca_init(const struct ca_init_opts *o, char **err)
{
	struct ca_hsm *h = NULL;
	CK_FUNCTION_LIST_PTR f = NULL;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE hk[2] = {CK_INVALID_HANDLE, CK_INVALID_HANDLE};
	EVP_PKEY *key = NULL, *pub = NULL;
	unsigned char id[ID_LEN];
	char idhex[2 * ID_LEN + 1], *stage = NULL, *root_pem = NULL, *int_pem = NULL;
	int rc = -1;
	if (!o->module || !o->token) {
		*err = util_xstrdup("ca init needs --module PATH and --token LABEL");
		return -1;
	}
	if (o->subject && (!*o->subject || strlen(o->subject) > 48 ||
			   !util_text_safe(o->subject, false))) {
		*err = util_xstrdup("--subject wants an organisation's name (1..48 "
				    "characters)");
		return -1;
	}
	/* The directory is made whole beside dir, then renamed into place:
	 * nothing half-written ever stands at dir. */
	stage = util_xasprintf("%s.init-XXXXXX", o->ca_dir);
	if (dir_free(o->ca_dir, err) != 0)
		goto out;
	if (!mkdtemp(stage)) {
		*err = util_xasprintf("cannot create a directory beside %s: %s",
				      o->ca_dir, strerror(errno));
		free(stage);
		stage = NULL;
		goto out;
	}
	if (!(h = hsm_login(o->module, o->token, true, err)))
		goto out;
	f = module_functions(h);
	util_random(id, sizeof id);
	codec_hex(id, sizeof id, idhex);
	if (!f ||
	    f->C_OpenSession(PKCS11_get_slotid_from_slot(h->slot),
			     CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
			     &s) != CKR_OK ||
	    generate_key(f, s, id, hk) != 0) {
		*err = util_xasprintf("the token \"%s\" cannot generate an EC P-256 "
				      "key",
				      o->token);
		goto out;
	}
	if (!(key = hsm_key(h, id, sizeof id)) || !(pub = public_copy(key)) ||
	    make_pair(o->subject ? o->subject : "cakiosk-ra", pub, key, &root_pem,
		      &int_pem) != 0) {
		*err = util_xasprintf("cannot sign through the key generated in the "
				      "token \"%s\"",
				      o->token);
		goto out;
	}
	if (write_stage(stage, o, idhex, root_pem, int_pem) != 0 ||
	    rename(stage, o->ca_dir) != 0) {
		*err = util_xasprintf("cannot write the CA directory %s", o->ca_dir);
		goto out;
	}
	printf("ca init: issuing key %s generated in the token \"%s\" (EC P-256, "
	       "not extractable)\n"
	       "ca init: %s/root.crt is the root to distribute; its key is "
	       "discarded\n",
	       idhex, o->token, o->ca_dir);
	rc = 0;
out:
	/* A key of a CA that was not made is no use to anyone. */
	for (int i = 0; rc != 0 && f && i < 2; i++)
		if (hk[i] != CK_INVALID_HANDLE)
			f->C_DestroyObject(s, hk[i]);
	if (f && s != CK_INVALID_HANDLE)
		f->C_CloseSession(s);
	if (rc != 0 && stage)
		remove_stage(stage);
	EVP_PKEY_free(key);
	EVP_PKEY_free(pub);
	ca_hsm_close(h);
	free(stage);
	free(root_pem);
	free(int_pem);
	return rc;
}
