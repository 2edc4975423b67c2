/*
 * peer.h - the client certificate of a request: a terminal's or staff's,
 * issued by this CA, within its dates, not revoked, and naming the terminal
 * its X-Terminal-Id names.  Checked on every request, also on a kept-alive
 * connection; the signature checks once per connection and certificate.
 */
#ifndef CAKIOSK_RA_PEER_H
#define CAKIOSK_RA_PEER_H

#include <microhttpd.h>

#include "ra/app.h"

/* What a connection's client certificate says once read: kept per TLS
 * connection, with a copy of the certificate, so that the costly checks are
 * done again only if another one is presented. */
struct peer_cert {
	bool ok; /* verified: issued by this CA, names a terminal (CN) */
	unsigned char *der;
	size_t der_len;
	char cn[64];
	char ou[16];
	char serial[41];
	int64_t not_before, not_after;
};

/* A client certificate (DER) read into pc (its old contents freed): its
 * dates by GnuTLS, its signature, names and serial by OpenSSL; ok only if
 * the TLS layer verified its chain (chain_ok) and all of that holds at now. */
void peer_cert_read(struct app *app, const unsigned char *der, size_t len, bool chain_ok,
		    int64_t now, struct peer_cert *pc);
void peer_cert_free(struct peer_cert *pc);

/* May a request from a connection whose certificate is pc (NULL: none) go
 * on at now?  0 with r->terminal and r->role set, or -1 answered: its
 * dates, its revocation (or, for a request with r->revocation_later,
 * r->revocation_due set: peer_revoked looks it up), its OU against the route's flags and
 * the request's X-Terminal-Id against its CN. */
int peer_decide(struct app *app, const struct peer_cert *pc, struct req *r,
		unsigned flags, int64_t now);

/* With the store's transaction open: r's certificate (r->cert_serial) is
 * revoked or cannot be looked up: true and the refusal answered, as
 * peer_decide answers it, in place of any answer r had.  For a request whose look-up
 * peer_decide left to the handler's transaction (r->revocation_due). */
bool peer_revoked(struct store *st, struct req *r);

/* For a request answered before its handler's transaction looked its
 * certificate's revocation up (r->revocation_due still set: a body that is
 * no JSON or too large, an Idempotency-Key missing...): looked up now, in
 * a read transaction of its own, and a revoked terminal told that instead,
 * as every other request is.  True when it is revoked, or the store could
 * not say (its answer replaced); false when nothing was due. */
bool peer_revoked_now(struct store *st, struct req *r);

/* 0 with r->terminal and r->role set, or -1 with the error answered
 * (401 client_cert_required, 403 forbidden or terminal_mismatch).  flags:
 * the route's (R_STAFF). */
int peer_identify(struct app *app, struct MHD_Connection *conn, struct req *r,
		  unsigned flags);

/* MHD_OPTION_NOTIFY_CONNECTION: the per-connection record's life. */
void peer_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		 enum MHD_ConnectionNotificationCode toe);

#endif
