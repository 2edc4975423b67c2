/*
 * backend.h - the kiosk's HTTPS client for the RA/CA backend.
 *
 * The only module that calls libcurl (with backend_conn.c, the connection it
 * keeps per thread), which the first call loads (curl_lazy.h): a kiosk
 * where it cannot be loaded finds the backend unreachable.  Every request goes to the
 * configured base URL, verifies the backend against the configured CA
 * bundle (and the pinned public key, when one is set), presents this
 * terminal's client certificate, and is bounded by the connect and total
 * timeouts.  POSTs carry an Idempotency-Key; after a timeout or a dropped
 * connection the same request is sent again with the same key, which the
 * backend answers with its first result - never a second order or charge.
 *
 * Calls block, so they run on the worker thread (inside a job's run());
 * they stop within a fraction of a second of the job being cancelled.
 * Every failure is one of a few typed errors with a customer sentence.
 * Replies are JSON; backend_check() (shape.h) holds a reply against what
 * the protocol allows before anything uses it.
 */
#ifndef CAKIOSK_BACKEND_H
#define CAKIOSK_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "shape.h"

struct config;
struct job;

enum backend_err {
	BACKEND_OK,
	BACKEND_UNREACHABLE, /* no connection: name, route or port */
	BACKEND_TIMEOUT,     /* connected but too slow: worth a retry */
	BACKEND_TLS,     /* the backend or this terminal failed the certificate check */
	BACKEND_REFUSED, /* 4xx: the backend said no, with a code */
	BACKEND_SERVER,  /* 5xx: the backend failed */
	BACKEND_GARBAGE, /* an answer that is not what the protocol allows */
	BACKEND_CANCELLED,
	BACKEND_CONFIG, /* this terminal's TLS files cannot be used */
};

#define BACKEND_CODE_MAX 64
#define BACKEND_MESSAGE_MAX 256
#define BACKEND_BODY_MAX (4 * 1024 * 1024)
#define BACKEND_IDEM_KEY_LEN 36

struct backend_reply {
	long status;                       /* HTTP status, 0 when none */
	json_t *json;                      /* the body (object), or NULL */
	char code[BACKEND_CODE_MAX];       /* error.code on 4xx/5xx, sanitized */
	char message[BACKEND_MESSAGE_MAX]; /* error.message, sanitized */
	int attempts;                      /* how many times it was sent */
};

/* Global set-up, from the main thread before the worker starts. */
int backend_init(const struct config *cfg);
void backend_cleanup(void);
/* The end of a visit (a loop_on_session_end hook, UI thread): the kept
 * connection is closed on the worker, its buffers freed (and wiped). */
void backend_session_end(void);

/*
 * method "GET" or "POST"; path below the base URL ("/v1/orders/42"); body
 * (POST) is not stolen.  idem_key: NULL for GET; for POST, the key to use
 * (keep it with the customer's order so a retry after a restart reuses it).
 * job: for cancellation, may be NULL.  out is always filled; free it with
 * backend_reply_free().
 */
enum backend_err backend_call(const char *method, const char *path, const json_t *body,
			      const char *idem_key, struct job *job,
			      struct backend_reply *out);
void backend_reply_free(struct backend_reply *reply);

/*
 * backend_call with this call's own limits: timeout_s for the whole of one
 * attempt (the connection included), and how many attempts; 0 keeps the
 * configured value.  The background health check uses one short attempt.
 * bearer: the customer's SMS session for the calls that need it (curl's
 * copies are wiped when freed, as every buffer of it is).
 */
struct backend_opts {
	int timeout_s;
	int attempts;
	const char *bearer; /* the customer's session (Authorization), or NULL */
};
enum backend_err backend_call_opts(const char *method, const char *path,
				   const json_t *body, const char *idem_key,
				   struct job *job, const struct backend_opts *opts,
				   struct backend_reply *out);

/*
 * A file sent as a browser form would (multipart/form-data, one part named
 * field) to path: the document scanner's files to an order's upload page.
 * Returns the HTTP status (the answer is a page, not read), 0 when nothing
 * answered.
 */
long backend_upload(const char *path, const char *field, const char *filename,
		    const void *data, size_t len, struct job *job);

/*
 * GET path and hand over its body as it came (a file, not JSON): *data
 * (NUL-terminated, free with wipe_free) and *len, at most max bytes (more:
 * BACKEND_GARBAGE).  One attempt.  bearer: the customer's session or NULL.
 */
enum backend_err backend_fetch(const char *path, const char *bearer, size_t max,
			       struct job *job, char **data, size_t *len);

/*
 * Enrolment's first call only: GET /v1/ca before this terminal knows the
 * CA, so the server cannot be verified yet.  What comes back is held
 * against the operator's fingerprint before anything else is sent; every
 * other call verifies.
 */
void backend_set_unverified(bool on);

/* When this terminal's own certificate ends (0 when unknown): a refusal of
 * it after that time is "expired", not "revoked". */
long long backend_cert_not_after(void);

/* This terminal's certificate and key files were replaced (a renewal, on
 * the worker): its end date is read again and this thread's kept
 * connection dropped, so the next call presents the new certificate. */
void backend_identity_changed(void);

/* A fresh random idempotency key (UUID v4 text) into out[37]. */
void backend_new_key(char out[BACKEND_IDEM_KEY_LEN + 1]);

/* Customer sentence (message id) for an error; code refines REFUSED. */
const char *backend_err_reason(enum backend_err err, const char *code);
const char *backend_err_name(enum backend_err err);

#endif
