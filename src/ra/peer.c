/*
 * peer.c - who is at the other end of a request (see peer.h).
 *
 * libmicrohttpd only *requests* a client certificate; it is verified here
 * with GnuTLS against the CA (the trust list given to the daemon) and read
 * with OpenSSL (ca_client_identity): peer_cert_read, once per connection
 * and per certificate.  Its validity dates, its revocation and the
 * X-Terminal-Id it is sent with are checked on every request (peer_decide;
 * a request that is no upload has its revocation looked up in its
 * handler's own transaction instead, or when it is answered before that,
 * peer_revoked).
 * Both are fuzzed (tests/fuzz/fuzz_peer.c).
 */
#include "ra/peer.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "ra/util.h"

void
peer_cert_free(struct peer_cert *pc)
{
	free(pc->der);
	memset(pc, 0, sizeof *pc);
}

void
peer_cert_read(struct app *app, const unsigned char *der, size_t len, bool chain_ok,
	       int64_t now, struct peer_cert *pc)
{
	gnutls_x509_crt_t crt;
	const gnutls_datum_t d = {.data = (unsigned char *)der,
				  .size = (unsigned int)len};

	peer_cert_free(pc);
	pc->der = util_xmalloc(len > 0 ? len : 1);
	if (len > 0)
		memcpy(pc->der, der, len);
	pc->der_len = len;
	if (!chain_ok || gnutls_x509_crt_init(&crt) != GNUTLS_E_SUCCESS)
		return;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) == GNUTLS_E_SUCCESS) {
		pc->not_before = (int64_t)gnutls_x509_crt_get_activation_time(crt);
		pc->not_after = (int64_t)gnutls_x509_crt_get_expiration_time(crt);
		pc->ok = ca_client_identity(app->ca, der, len, now, pc->cn, sizeof pc->cn,
					    pc->ou, sizeof pc->ou, pc->serial) == 0;
	}
	gnutls_x509_crt_deinit(crt);
}

/* How many revoked certificates have this serial: 0, 1, or -1 when the
 * store does not answer. */
static int64_t
revoked_count(struct store *st, const char *serial)
{
	return store_query_int(st, -1,
			       "SELECT count(*) FROM certificates WHERE serial = ?"
			       " AND status = 'revoked'",
			       "s", serial);
}

/* The answer to a certificate found revoked (revoked > 0) or whose
 * revocation could not be looked up (revoked < 0): -1.  0 when it is not
 * revoked. */
static int
revoked_refusal(struct req *r, int64_t revoked)
{
	if (revoked < 0) { /* no answer (the database is down): not "revoked" */
		req_error(r, 503, "unavailable", NULL,
			  "the store is unavailable, try again");
		return -1;
	}
	if (revoked == 0)
		return 0;
	/* A revoked certificate is said to be one, for the terminal to show
	 * it (an expired one it knows by its own end date). */
	req_error(r, 401, "client_cert_required", json_pack("{s:s}", "reason", "revoked"),
		  "a valid terminal certificate issued by this CA is required");
	return -1;
}

bool
peer_revoked(struct store *st, struct req *r)
{
	r->revocation_due = false;
	int64_t revoked = revoked_count(st, r->cert_serial);
	if (revoked == 0)
		return false;
	req_unanswer(r); /* whatever was answered before the look-up */
	revoked_refusal(r, revoked);
	/* refused as peer_decide refuses: the request is nobody's */
	r->terminal[0] = r->role[0] = r->cert_serial[0] = '\0';
	return true;
}

bool
peer_revoked_now(struct store *st, struct req *r)
{
	if (!r->revocation_due)
		return false;
	bool revoked = true;
	store_lock_read(st);
	if (store_begin(st, false) == 0) {
		revoked = peer_revoked(st, r);
		store_rollback(st);
	} else {
		req_unanswer(r);
		req_error(r, 503, "unavailable", NULL, "the store is busy, try again");
	}
	store_unlock(st);
	return revoked;
}

/* Why a certificate issued by this CA, within its dates, may not make this
 * request (403): the message, its code in *code; NULL when it may. */
static const char *
forbidden(const struct peer_cert *pc, struct req *r, unsigned flags, const char **code)
{
	*code = "forbidden";
	if (strcmp(pc->ou, "terminal") != 0 && strcmp(pc->ou, "staff") != 0)
		return "this certificate is not a terminal's";
	if ((flags & R_STAFF) && strcmp(pc->ou, "staff") != 0)
		return "only staff may do this";
	const char *claimed = req_header(r, "X-Terminal-Id");
	*code = "terminal_mismatch";
	if (claimed && strcmp(claimed, pc->cn) != 0)
		return "X-Terminal-Id does not name the terminal of the certificate";
	return NULL;
}

int
peer_decide(struct app *app, const struct peer_cert *pc, struct req *r, unsigned flags,
	    int64_t now)
{
	if (pc == NULL || !pc->ok || now < pc->not_before - 300 || now > pc->not_after) {
		req_error(r, 401, "client_cert_required", NULL,
			  "a valid terminal certificate issued by this CA is required");
		return -1;
	}
	const char *code, *why = forbidden(pc, r, flags, &code);
	/* A certificate revoked by staff (a stolen kiosk) is refused, before
	 * anything else is said; where the request may go on, the look-up can
	 * wait for its handler's transaction. */
	if (why || !r->revocation_later) {
		store_lock_read(app->st);
		int64_t revoked = revoked_count(app->st, pc->serial);
		store_unlock(app->st);
		if (revoked_refusal(r, revoked) != 0)
			return -1;
	}
	if (why) {
		req_error(r, 403, code, NULL, "%s", why);
		return -1;
	}
	r->revocation_due = r->revocation_later;
	snprintf(r->terminal, sizeof r->terminal, "%s", pc->cn);
	snprintf(r->role, sizeof r->role, "%s", pc->ou);
	snprintf(r->cert_serial, sizeof r->cert_serial, "%s", pc->serial);
	r->cert_not_after = pc->not_after;
	return 0;
}

/* Who sent this request: 0 and r->terminal, r->role set, or an error
 * answered.  Checked on every request, also on a kept-alive connection:
 * a certificate revoked or expired since the last request is refused, and
 * so is an X-Terminal-Id that names another terminal than the certificate.
 * The chain and the certificate are read once per connection and
 * certificate (the costly part). */
int
peer_identify(struct app *app, struct MHD_Connection *conn, struct req *r, unsigned flags)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct peer_cert *pc = ci ? ci->socket_context : NULL;
	const union MHD_ConnectionInfo *ti =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_session_t s = ti ? (gnutls_session_t)ti->tls_session : NULL;
	unsigned int n = 0;
	const gnutls_datum_t *certs = s ? gnutls_certificate_get_peers(s, &n) : NULL;
	int64_t now = (int64_t)time(NULL);

	if (pc == NULL || certs == NULL || n == 0)
		return peer_decide(app, NULL, r, flags, now);
	if (pc->der_len != certs[0].size ||
	    memcmp(pc->der, certs[0].data, certs[0].size) != 0) {
		unsigned int status = 0;

		peer_cert_read(app, certs[0].data, certs[0].size,
			       gnutls_certificate_verify_peers2(s, &status) ==
					       GNUTLS_E_SUCCESS &&
				       status == 0,
			       now, pc);
	}
	return peer_decide(app, pc, r, flags, now);
}

void
peer_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
	    enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)conn;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = util_xcalloc(1, sizeof(struct peer_cert));
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		struct peer_cert *pc = *socket_context;
		if (pc)
			peer_cert_free(pc);
		free(*socket_context);
		*socket_context = NULL;
	}
}
