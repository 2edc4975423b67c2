/*
 * token.h - the UKey layer: PKCS#11 tokens through libp11.
 *
 * The token files (src/token/token*.c, through token_int.h) are the only ones
 * that include libp11 or a PKCS#11 header.
 * Everything a service needs from a UKey goes through here and comes back as
 * plain C structs and a small set of typed errors.
 *
 * Three modules, one header each:
 *
 *  - The synchronous core, here (token_init, token_read, token_login, ...).
 *    Every call may block for seconds (a real card generating a key), so it
 *    runs on the worker thread only, never on the UI thread; unit tests call
 *    it directly.  Calls are serialised by one internal lock.  Tokens are
 *    named by a struct token_ref (module, slot, serial); NULL means "the one
 *    UKey that is inserted" and fails with TOKEN_ERR_NONE / TOKEN_ERR_MANY
 *    when there is not exactly one.  A login lasts until the token is
 *    removed, token_logout() or token_session_end().
 *
 *  - Worker jobs wrapping the core (token_job.h): a screen makes one, hands
 *    it to loop_submit(), and reads the outcome with the token_job_*
 *    accessors in its job_done handler.
 *
 *  - The watcher (token_watch.h): a thread that notices insertion and
 *    removal and wakes the event loop; the UI thread reads the present
 *    tokens from it without touching PKCS#11.
 *
 * The watcher and the jobs stand on the core; the core knows neither.
 *
 * Secrets: every PIN buffer this module sees is wiped with secure_wipe()
 * right after use.  libp11 keeps its own copy of the last PIN in the slot
 * until the slots are released: token_session_end() releases them, and the
 * loop calls it when a customer's session ends.  No PIN is ever logged.
 */
#ifndef CAKIOSK_TOKEN_H
#define CAKIOSK_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct config;
struct job;

/* Sizes of the text fields below, with their NUL. */
#define TOKEN_TEXT_MAX 100 /* a 32-byte PKCS#11 field, sanitized (U+FFFD is 3 bytes) */
#define TOKEN_NAME_MAX 256 /* a certificate name attribute, sanitized */
#define TOKEN_ID_MAX 64    /* CKA_ID bytes */
#define TOKEN_ID_HEX_MAX (2 * TOKEN_ID_MAX + 1)
#define TOKEN_SERIAL_HEX_MAX 130     /* certificate serial number in hex */
#define TOKEN_WATCH_MAX 8            /* tokens the watcher keeps track of */
#define TOKEN_DATA_MAX (1024 * 1024) /* largest data object read or written */

/* ---- errors --------------------------------------------------------- */

enum token_err {
	TOKEN_OK = 0,
	TOKEN_ERR_NONE,         /* no UKey inserted */
	TOKEN_ERR_MANY,         /* more than one inserted, this step needs one */
	TOKEN_ERR_REMOVED,      /* pulled out (or swapped) during the operation */
	TOKEN_ERR_PIN_WRONG,    /* tries_left says how many remain, -1 unknown */
	TOKEN_ERR_PIN_LOCKED,   /* too many wrong PINs: Unlock */
	TOKEN_ERR_PIN_LENGTH,   /* outside the token's limits: not sent to it */
	TOKEN_ERR_PIN_INVALID,  /* new PIN refused (characters, too simple) */
	TOKEN_ERR_PIN_EXPIRED,  /* the token wants the PIN changed first */
	TOKEN_ERR_FINAL_TRY,    /* one try left and TOKEN_FINAL_TRY_OK not given:
				   nothing was sent; ask the customer first */
	TOKEN_ERR_SO_PIN_WRONG, /* wrong security-officer PIN (unlock code) */
	TOKEN_ERR_SO_PIN_LOCKED,
	TOKEN_ERR_NOT_LOGGED_IN,   /* the login was lost (token re-inserted): PIN again */
	TOKEN_ERR_PINPAD,          /* the PIN-pad reader timed out or was cancelled */
	TOKEN_ERR_FULL,            /* no room left on the token */
	TOKEN_ERR_READ_ONLY,       /* write-protected token */
	TOKEN_ERR_NOT_FOUND,       /* no such key, certificate or data object */
	TOKEN_ERR_BAD_INPUT,       /* certificate/data the token or we cannot use */
	TOKEN_ERR_NOT_SUPPORTED,   /* this token cannot do that (key type, ...) */
	TOKEN_ERR_NOT_INITIALIZED, /* blank token: staff must initialise it */
	TOKEN_ERR_MODULE,          /* the vendor's PKCS#11 module failed */
	TOKEN_ERR_CANCELLED,
	TOKEN_ERR_DEVICE, /* anything else the token did wrong */
	TOKEN_ERR_COUNT
};

/*
 * The customer sentence for an error, as a message id: show _(reason).
 * tries_left (for PIN_WRONG) picks "one more wrong PIN locks the UKey" (1),
 * "a few tries are left" (-1 unknown or more), etc.; no numbers inside.
 */
const char *token_err_reason(enum token_err err, int tries_left);
/* Short English name for logs and tests ("PIN_WRONG"). */
const char *token_err_name(enum token_err err);

/* ---- what a token holds --------------------------------------------- */

enum token_pin_state {
	TOKEN_PIN_OK,        /* no wrong tries on record */
	TOKEN_PIN_COUNT_LOW, /* wrong PINs were typed; some tries used up */
	TOKEN_PIN_FINAL_TRY, /* one more wrong PIN locks the token */
	TOKEN_PIN_LOCKED,
	TOKEN_PIN_NOT_SET, /* blank token or no user PIN yet */
};

enum token_key_type { TOKEN_KEY_NONE, TOKEN_KEY_RSA, TOKEN_KEY_EC, TOKEN_KEY_OTHER };

/* From keyUsage: signing (digitalSignature, nonRepudiation) and/or encryption
 * (keyEncipherment, dataEncipherment, keyAgreement).  No extension: BOTH. */
enum token_usage { TOKEN_USAGE_SIGN = 1, TOKEN_USAGE_ENCRYPT = 2, TOKEN_USAGE_BOTH = 3 };

/* Which token: where it was seen, and its serial so a swap is noticed. */
struct token_ref {
	int module;                  /* index of the loaded module */
	unsigned long slot;          /* PKCS#11 slot id */
	char serial[TOKEN_TEXT_MAX]; /* trimmed token serial (raw, unsanitized) */
};

struct token_cert {
	char label[TOKEN_TEXT_MAX];     /* CKA_LABEL, sanitized */
	unsigned char id[TOKEN_ID_MAX]; /* CKA_ID, links key and certificate */
	size_t id_len;
	char id_hex[TOKEN_ID_HEX_MAX];
	char subject_cn[TOKEN_NAME_MAX]; /* all name fields sanitized; "" if absent */
	char subject_o[TOKEN_NAME_MAX];
	char subject_serial[TOKEN_NAME_MAX]; /* serialNumber: credit code / ID number */
	char issuer_cn[TOKEN_NAME_MAX];
	char issuer_o[TOKEN_NAME_MAX];
	char serial_hex[TOKEN_SERIAL_HEX_MAX]; /* upper-case hex, no separators */
	time_t not_before, not_after;
	bool expired;
	/* Not expired: days until not_after, rounded up (1 on the last day).
	 * Expired: minus the whole days since not_after (0 on the first day). */
	int days_left;
	enum token_key_type key_type;
	int key_bits; /* 2048, 256 ... */
	enum token_usage usage;
	/* A private key with the same CKA_ID; before login, when private keys
	 * are hidden, a public key object with that CKA_ID stands in for it. */
	bool has_private_key;
	unsigned char *der; /* the certificate, DER */
	size_t der_len;
};

/* A private key on the token (with or without a certificate). */
struct token_key {
	char label[TOKEN_TEXT_MAX];
	unsigned char id[TOKEN_ID_MAX];
	size_t id_len;
	char id_hex[TOKEN_ID_HEX_MAX];
	enum token_key_type key_type;
	int key_bits;
	bool has_cert;
};

/* A data object (CKO_DATA): the electronic seal lives in one. */
struct token_data {
	char label[TOKEN_TEXT_MAX];
	char application[TOKEN_TEXT_MAX];
	size_t size;
	bool is_private;      /* readable only after login */
	unsigned char *value; /* with TOKEN_READ_VALUES, else NULL */
};

struct token_info {
	struct token_ref ref;
	int vendor;                 /* config vendor index; -1 when none matches,
				       or when two do and the customer has not
				       chosen yet (token_set_vendor) */
	unsigned vendor_mask;       /* bit v: vendor v's patterns match */
	char label[TOKEN_TEXT_MAX]; /* trimmed and sanitized */
	char manufacturer[TOKEN_TEXT_MAX];
	char model[TOKEN_TEXT_MAX];
	char serial[TOKEN_TEXT_MAX];
	bool initialized;         /* CKF_TOKEN_INITIALIZED */
	bool logged_in;           /* this module holds a user login on it */
	enum token_pin_state pin; /* read live, not cached */
	int tries_left;           /* 1 on the final try, 0 locked, -1 unknown */
	bool pin_to_be_changed;   /* CKF_USER_PIN_TO_BE_CHANGED */
	enum token_pin_state so_pin;
	bool pinpad;                    /* the reader asks for the PIN itself */
	unsigned long min_pin, max_pin; /* ulMinPinLen, ulMaxPinLen */
	struct token_cert *certs;       /* signing certificates first */
	size_t ncerts;
	struct token_key *keys;
	size_t nkeys;
	struct token_data *data;
	size_t ndata;
};

/* Free what token_read() allocated and zero *info. */
void token_info_free(struct token_info *info);
/* The vendor's display name for info->vendor, or NULL. */
const char *token_vendor_name(int vendor);

/* Days rule of struct token_cert, for tests and the renewal rules. */
int token_days_left(time_t not_after, time_t now, bool *expired);

/* ---- modules ---------------------------------------------------------- */

/*
 * Load every vendor's module (each distinct path once).  A module that fails
 * is logged by name and the others keep working.  Returns the number of
 * vendors whose module loaded (0 is not fatal: the kiosk runs without
 * UKeys).  Call once, from the main thread before the worker starts.
 */
int token_init(const struct config *cfg);
/*
 * Release slots, unload modules.  Stop the watcher (token_watch_stop) first.
 * A module is finalised, then unmapped once no thread is left in it (the
 * watcher's slot-event wait ends at the finalise; up to 5 s, else it stays).
 */
void token_shutdown(void);
/* Vendor i's module error ("cannot load /x.so: ..."), or NULL if it is fine. */
const char *token_vendor_error(size_t vendor);
/*
 * The operator's checks of a module (selftest.h), in a process that has
 * not loaded it otherwise: path must load and give a PKCS#11 function
 * list; with slots non-NULL the module is also initialised, its reader
 * slots and those with a token counted into slots[0] and slots[1], and
 * finalised.  0, or -1 with a sentence in why.
 */
int token_module_probe(const char *path, unsigned long *slots, char *why, size_t whylen);

/* A slot of a loaded module, a UKey in it or not: what diagnostics list. */
struct token_reader {
	char description[TOKEN_TEXT_MAX]; /* the slot's, sanitized */
	char module[TOKEN_TEXT_MAX];      /* the module's file name */
	bool present;                     /* a token is in it */
};
/* Every slot of every loaded module into out (at most max); returns how
 * many there are.  Blocking (the modules are asked): the worker's. */
size_t token_readers(struct token_reader *out, size_t max);

/* ---- the synchronous core (worker thread or tests only) -------------- */

/* Flags */
#define TOKEN_READ_VALUES 0x1  /* token_read: also read data objects' values */
#define TOKEN_FINAL_TRY_OK 0x2 /* a login/PIN change may use the final try */
#define TOKEN_DATA_PRIVATE 0x4 /* token_data_write: CKA_PRIVATE (needs login) */

enum token_stage {
	TOKEN_STAGE_NONE,
	TOKEN_STAGE_READING,    /* "Reading the UKey..." */
	TOKEN_STAGE_PIN,        /* checking the PIN */
	TOKEN_STAGE_PINPAD,     /* "Enter the PIN on the reader's keypad" */
	TOKEN_STAGE_GENERATING, /* "Generating a key... do not remove the UKey" */
	TOKEN_STAGE_SIGNING,
	TOKEN_STAGE_WRITING, /* "Writing... do not remove the UKey" */
	TOKEN_STAGE_DELETING,
	TOKEN_STAGE_INITIALIZING,
};
/* Message id for a stage, for the progress screen; NULL for NONE. */
const char *token_stage_text(enum token_stage stage);

/*
 * Cancel and progress for long calls; ctl may be NULL.  job_cancelled(job)
 * is looked at between PKCS#11 calls (one call itself, a key generation,
 * cannot be interrupted); on_stage, if set, is told what is happening.
 */
struct token_ctl {
	struct job *job;
	void (*on_stage)(const struct token_ctl *ctl, enum token_stage stage);
	void *arg;
};

/* Present tokens, live (not the watcher's copy).  *n gets how many. */
enum token_err token_list(struct token_ref *refs, size_t max, size_t *n);

/* Everything in struct token_info.  Private objects only when logged in. */
enum token_err token_read(const struct token_ref *ref, unsigned flags,
			  struct token_info *info);
/*
 * Read back a certificate just written (der), and only it: the certificate
 * object with that value, read again into *cert (cert->der malloc'd) as
 * token_read() fills one; has_private_key when a private key has its
 * CKA_ID (logged in).  *holds_id (may be NULL) says whether a certificate
 * or key with CKA_ID id is on the token (id_len 0: false).  The install
 * step of a renewal proves its certificate with this instead of reading
 * the whole token again.  TOKEN_ERR_NOT_FOUND when no certificate is der.
 */
enum token_err token_read_cert(const struct token_ref *ref, const unsigned char *der,
			       size_t der_len, const unsigned char *id, size_t id_len,
			       bool *holds_id, struct token_cert *cert);

/*
 * User login.  pin (NUL-terminated) is wiped before return, whatever
 * happens.  Its length is checked against the token's limits first
 * (TOKEN_ERR_PIN_LENGTH, nothing sent); on the final try it is not sent
 * without TOKEN_FINAL_TRY_OK.  With a PIN-pad reader pass pin NULL.
 * *tries_left (may be NULL) gets 1, 0 or -1 as in struct token_info.
 */
enum token_err token_login(const struct token_ref *ref, char *pin, unsigned flags,
			   int *tries_left, const struct token_ctl *ctl);
enum token_err token_logout(const struct token_ref *ref);
/* C_SetPIN as the user; both PINs are wiped.  On a PIN-pad reader both
 * NULL: old and new are typed on the reader. */
enum token_err token_change_pin(const struct token_ref *ref, char *old_pin, char *new_pin,
				unsigned flags, int *tries_left,
				const struct token_ctl *ctl);
/*
 * Which SO PIN the token holds: a security-officer login, then log out.
 * TOKEN_ERR_SO_PIN_WRONG / _LOCKED as the token says; on the SO's final
 * try nothing is sent without TOKEN_FINAL_TRY_OK (TOKEN_ERR_FINAL_TRY).
 * so_pin is wiped.  *tries_left as token_login's, for the SO PIN.
 */
enum token_err token_so_check(const struct token_ref *ref, char *so_pin, unsigned flags,
			      int *tries_left, const struct token_ctl *ctl);
/* Unlock: security-officer login, C_InitPIN(new_pin), log out.  Both wiped.
 * On a PIN-pad reader new_pin NULL: the customer types it on the reader
 * (the SO PIN is the kiosk's, always passed). */
enum token_err token_unblock(const struct token_ref *ref, char *so_pin, char *new_pin,
			     int *tries_left, const struct token_ctl *ctl);
/* C_SetPIN as the security officer (rotating the SO PIN).  Both wiped. */
enum token_err token_change_so_pin(const struct token_ref *ref, char *old_so_pin,
				   char *new_so_pin, int *tries_left,
				   const struct token_ctl *ctl);

/*
 * Generate a key pair on the token (user logged in): C_GenerateKeyPair
 * through the module's function list.  type is TOKEN_KEY_RSA (2048 bits,
 * e = 65537) or TOKEN_KEY_EC (P-256); anything else NOT_SUPPORTED.  The
 * private key is sensitive and never extractable.  Both halves get a new
 * random 20-byte CKA_ID, returned in id/id_len (id holds TOKEN_ID_MAX), and
 * the label.  Cancelled after the card made the key: the key is deleted.
 */
enum token_err token_gen_key(const struct token_ref *ref, enum token_key_type type,
			     const char *label, unsigned char *id, size_t *id_len,
			     const struct token_ctl *ctl);

/* Subject of a request; NULL or "" fields are left out. */
struct token_dn {
	const char *country;     /* C, "CN" */
	const char *province;    /* ST */
	const char *locality;    /* L */
	const char *org;         /* O */
	const char *org_unit;    /* OU */
	const char *common_name; /* CN */
	const char *serial;      /* serialNumber: credit code / ID number */
	const char *email;
};

/*
 * PKCS#10 request for the key with this CKA_ID, signed by the token with
 * SHA-256 (the private key never leaves it).  *der is malloc'd.
 */
enum token_err token_make_csr(const struct token_ref *ref, const unsigned char *id,
			      size_t id_len, const struct token_dn *dn,
			      unsigned char **der, size_t *der_len,
			      const struct token_ctl *ctl);

/*
 * Sign data with the key with this CKA_ID (renewal authentication):
 * RSA PKCS#1 v1.5 or ECDSA (DER), both over SHA-256.  *sig is malloc'd.
 */
enum token_err token_sign(const struct token_ref *ref, const unsigned char *id,
			  size_t id_len, const unsigned char *data, size_t len,
			  unsigned char **sig, size_t *sig_len,
			  const struct token_ctl *ctl);

/*
 * Store a certificate (DER) beside its private key: the key is found by
 * public key and its CKA_ID is used.  TOKEN_ERR_NOT_FOUND when the token
 * holds no matching key.  label NULL: the key's label.
 */
enum token_err token_write_cert(const struct token_ref *ref, const unsigned char *der,
				size_t der_len, const char *label,
				const struct token_ctl *ctl);

/* Delete the private key, public key and certificate with this CKA_ID. */
enum token_err token_delete_pair(const struct token_ref *ref, const unsigned char *id,
				 size_t id_len, const struct token_ctl *ctl);

/* Data objects, named by label and CKA_APPLICATION (NULL matches any). */
enum token_err token_data_read(const struct token_ref *ref, const char *label,
			       const char *application, unsigned char **value,
			       size_t *len, const struct token_ctl *ctl);
/* Replaces an object with the same label and application. */
enum token_err token_data_write(const struct token_ref *ref, const char *label,
				const char *application, const unsigned char *value,
				size_t len, unsigned flags, const struct token_ctl *ctl);
enum token_err token_data_delete(const struct token_ref *ref, const char *label,
				 const char *application, const struct token_ctl *ctl);

/* Staff: C_InitToken(so_pin, label) then SO login + C_InitPIN(user_pin).
 * Everything on the token is erased.  ref NULL: the one present. */
enum token_err token_init_token(const struct token_ref *ref, char *so_pin, char *user_pin,
				const char *label, const struct token_ctl *ctl);

/*
 * End of a customer's session: release every slot (closing its sessions
 * logs the token out), which erases libp11's copy of the last PIN, and
 * forget the customer's vendor choice.  Safe from the UI thread and never
 * waits: when a token call is running, the release happens as soon as it
 * returns.
 */
void token_session_end(void);

/* The customer picked the vendor of an ambiguous token. */
void token_set_vendor(const struct token_ref *ref, int vendor);

/* Two certificate serials in hex are the same, whatever the case and
 * leading zeros (the backend's and a token's). */
bool token_serial_same(const char *a, const char *b);
/* The certificate of info with this serial (hex), or NULL. */
const struct token_cert *token_find_cert(const struct token_info *info,
					 const char *serial);

#endif
