/*
 * peer.c - who is at the other end of a request (see peer.h).
 *
 * libmicrohttpd only *requests* a client certificate; it is verified here
 * with GnuTLS against the CA (the trust list given to the daemon) and read
 * with OpenSSL (ca_client_identity).  That costly part is done once per
 * connection and per certificate; its validity dates, its revocation and
 * the X-Terminal-Id it is sent with are checked on every request.
 */
#include "ra/peer.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "ra/util.h"

/* Who is at the other end of one TLS connection: the result of the
 * signature checks on its certificate, kept with a copy of the certificate
 * so that they are done again only if another one is presented. */
struct conn_ctx {
	bool ok;
	unsigned char *der;
	size_t der_len;
	char cn[64];
	char ou[16];
	char serial[41];
	int64_t not_before, not_after;
};

/* The signature checks of a client certificate (the costly part). */
static void
conn_identify(struct app *app, gnutls_session_t s, const gnutls_datum_t *cert,
	      struct conn_ctx *cc)
{
	free(cc->der);
	memset(cc, 0, sizeof *cc);
	cc->der = util_xmalloc(cert->size);
	memcpy(cc->der, cert->data, cert->size);
	cc->der_len = cert->size;
	unsigned int status = 0;
	gnutls_x509_crt_t crt;
	if (gnutls_certificate_verify_peers2(s, &status) != GNUTLS_E_SUCCESS ||
	    status != 0 || gnutls_x509_crt_init(&crt) != GNUTLS_E_SUCCESS)
		return;
	if (gnutls_x509_crt_import(crt, cert, GNUTLS_X509_FMT_DER) == GNUTLS_E_SUCCESS) {
		cc->not_before = (int64_t)gnutls_x509_crt_get_activation_time(crt);
		cc->not_after = (int64_t)gnutls_x509_crt_get_expiration_time(crt);
		cc->ok = ca_client_identity(app->ca, cert->data, cert->size,
					    (int64_t)time(NULL), cc->cn, sizeof cc->cn,
					    cc->ou, sizeof cc->ou, cc->serial) == 0;
	}
	gnutls_x509_crt_deinit(crt);
}

/* Who sent this request: 0 and r->terminal, r->role set, or an error
 * answered.  Checked on every request, also on a kept-alive connection:
 * a certificate revoked or expired since the last request is refused, and
 * so is an X-Terminal-Id that names another terminal than the certificate. */
int
peer_identify(struct app *app, struct MHD_Connection *conn, struct req *r, unsigned flags)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_ctx *cc = ci ? ci->socket_context : NULL;
	const union MHD_ConnectionInfo *ti =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_session_t s = ti ? (gnutls_session_t)ti->tls_session : NULL;
	unsigned int n = 0;
	const gnutls_datum_t *certs = s ? gnutls_certificate_get_peers(s, &n) : NULL;
	bool ok = cc && certs && n > 0;
	if (ok && (cc->der_len != certs[0].size ||
		   memcmp(cc->der, certs[0].data, certs[0].size) != 0))
		conn_identify(app, s, &certs[0], cc);
	int64_t now = (int64_t)time(NULL);
	/* A revoked certificate is said to be one, for the terminal to show
	 * it (an expired one it knows by its own end date). */
	const char *why = NULL;
	ok = ok && cc->ok && now >= cc->not_before - 300 && now <= cc->not_after;
	if (ok) {
		/* A certificate revoked by staff (a stolen kiosk) is refused. */
		store_lock(app->st);
		ok = store_query_int(app->st, 1,
				     "SELECT count(*) FROM certificates WHERE serial = ?"
				     " AND status = 'revoked'",
				     "s", cc->serial) == 0;
		store_unlock(app->st);
		if (!ok)
			why = "revoked";
	}
	if (!ok) {
		req_error(r, 401, "client_cert_required",
			  why ? json_pack("{s:s}", "reason", why) : NULL,
			  "a valid terminal certificate issued by this CA is required");
		return -1;
	}
	if (strcmp(cc->ou, "terminal") != 0 && strcmp(cc->ou, "staff") != 0) {
		req_error(r, 403, "forbidden", NULL,
			  "this certificate is not a terminal's");
		return -1;
	}
	if ((flags & R_STAFF) && strcmp(cc->ou, "staff") != 0) {
		req_error(r, 403, "forbidden", NULL, "only staff may do this");
		return -1;
	}
	const char *claimed = req_header(r, "X-Terminal-Id");
	if (claimed && strcmp(claimed, cc->cn) != 0) {
		req_error(r, 403, "terminal_mismatch", NULL,
			  "X-Terminal-Id does not name the terminal of the certificate");
		return -1;
	}
	snprintf(r->terminal, sizeof r->terminal, "%s", cc->cn);
	snprintf(r->role, sizeof r->role, "%s", cc->ou);
	snprintf(r->cert_serial, sizeof r->cert_serial, "%s", cc->serial);
	r->cert_not_after = cc->not_after;
	return 0;
}

void
peer_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
	    enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)conn;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = util_xcalloc(1, sizeof(struct conn_ctx));
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		struct conn_ctx *cc = *socket_context;
		if (cc)
			free(cc->der);
		free(*socket_context);
		*socket_context = NULL;
	}
}
