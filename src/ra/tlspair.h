/*
 * tlspair.h - a listener's certificate and key from PEM files (the
 * terminal API's --tls-cert/--tls-key, the public pages' own), checked
 * once at start so that a bad pair stops the server with one sentence
 * rather than failing every handshake.
 */
#ifndef CAKIOSK_RA_TLSPAIR_H
#define CAKIOSK_RA_TLSPAIR_H

#include <stdint.h>

struct tls_pair {
	char *cert_pem; /* the certificate and the chain after it, as in the file */
	char *key_pem;  /* wiped when freed */
};

/*
 * Reads cert_path and key_path for the listener named what ("the terminal
 * API", "the public pages"): both readable, a certificate first and a key
 * without a passphrase, the key the certificate's, the certificate valid at
 * now.  0, or -1 and a new *err saying which file is wrong and how.
 */
int tls_pair_load(struct tls_pair *tp, const char *what, const char *cert_path,
		  const char *key_path, int64_t now, char **err);
void tls_pair_free(struct tls_pair *tp);

#endif
