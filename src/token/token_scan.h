/*
 * token_scan.h - the PKCS#11 modules installed on this system, for the
 * first-run setup: found in the usual places, loaded, named by what they
 * say of themselves, one per library; and "is a card in any reader now?"
 * for its reader test.  Like token_probe.c, straight PKCS#11 (no libp11:
 * nothing of the kiosk's token layer is running yet).
 */
#ifndef CAKIOSK_TOKEN_SCAN_H
#define CAKIOSK_TOKEN_SCAN_H

#include <stddef.h>

#include "token.h"

#define TOKEN_SCAN_MAX 16
/* Where modules are looked for, as shell patterns separated by ':'
 * (p11-kit's *.module files name more); CAKIOSK_PKCS11_SCAN replaces it. */
#define TOKEN_SCAN_DEFAULT                                                               \
	"/usr/lib/*/opensc-pkcs11.so:/usr/lib/*/pkcs11/*.so:/usr/lib/softhsm/"           \
	"libsofthsm2.so:/usr/lib/pkcs11/*.so:/usr/local/lib/*.so:/usr/share/p11-kit/"    \
	"modules/*.module:/etc/pkcs11/modules/*.module"

struct token_module {
	char path[4096];
	char manufacturer[TOKEN_TEXT_MAX]; /* CK_INFO's, sanitized */
	char description[TOKEN_TEXT_MAX];  /* its library description, sanitized */
	unsigned long slots;               /* readers (slots) it has now */
};

/* The modules found by patterns (NULL: the environment's, or the default)
 * that load and initialise, the same library once (a symlink, a second
 * copy, OpenSC's one-PIN variant: the same manufacturer and description),
 * p11-kit's own proxies and the debugging spy left out.  Returns the
 * number put in out. */
size_t token_scan_modules(const char *patterns, struct token_module *out, size_t max);

struct token_card {
	char reader[TOKEN_TEXT_MAX]; /* the slot's description, sanitized */
	char label[TOKEN_TEXT_MAX];  /* the token's label, sanitized */
	unsigned long slot;
};

/* Is a card in a reader of the module now?  1 with *card, 0 none, -1 the
 * module does not load (a sentence in why). */
int token_scan_card(const char *path, struct token_card *card, char *why, size_t whylen);

#endif
