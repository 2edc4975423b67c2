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

/* 0 with r->terminal and r->role set, or -1 with the error answered
 * (401 client_cert_required, 403 forbidden or terminal_mismatch).  flags:
 * the route's (R_STAFF). */
int peer_identify(struct app *app, struct MHD_Connection *conn, struct req *r,
		  unsigned flags);

/* MHD_OPTION_NOTIFY_CONNECTION: the per-connection record's life. */
void peer_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		 enum MHD_ConnectionNotificationCode toe);

#endif
