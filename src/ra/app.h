/*
 * app.h - what every request handler of the backend can reach: the store,
 * the CA, the server's settings; and the request/response record that the
 * HTTP layer fills and the handlers answer through.
 */
#ifndef CAKIOSK_RA_APP_H
#define CAKIOSK_RA_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ra/ca.h"
#include "ra/store.h"

#ifndef VERSION
#define VERSION "0.0.0"
#endif

struct app {
	struct store *st;
	struct ca *ca;
	bool sandbox;     /* sandbox gateways, pay page and inspection endpoints */
	bool demo;        /* the demo's records, terminal, staff and root CA */
	char *public_url; /* https://host:port, for links the phone opens */
	int pay_delay; /* sandbox: seconds after which a payment pays itself; <0 never */
	int pay_ttl;   /* seconds a payment may stay pending (900; sandbox may change) */
	int sms_terminal_limit; /* SMS codes per terminal per hour */
};

/* Route flags */
#define R_PUBLIC 0x01  /* no client certificate needed (phone pages, CRL, health) */
#define R_STAFF 0x02   /* only a staff client certificate (OU=staff) */
#define R_SANDBOX 0x04 /* only when the server runs with --sandbox */
#define R_FORM 0x08    /* body is a multipart form, not JSON (upload page) */
#define R_NO_IDEM 0x10 /* a POST without Idempotency-Key (browser forms) */
/* The handler is also called when only the headers are in, with r->early
 * set and no body; if it answers then, the request ends there and nothing
 * of its body is kept (an upload's token is checked so; see http.c for
 * when the body is read and dropped before the answer). */
#define R_EARLY 0x20
/* A page a phone opens (upload, pay, invoice, status, forms), the CRL and
 * health: also served on the public listener, where nothing else is. */
#define R_PAGE 0x40

/* One uploaded form field (R_FORM routes). */
struct form_field {
	char name[64];
	char filename[128];
	unsigned char *data;
	size_t len, cap; /* cap: bytes allocated (grows by doubling) */
};

#define REQ_MAX_ARGS 4
#define REQ_MAX_FIELDS 8
#define REQ_MAX_HEADERS 4

struct req {
	struct app *app;
	void *conn; /* the HTTP layer's connection */
	/* Without a connection (a request made in process, tests/fuzz), its
	 * headers: name, value, ..., NULL. */
	const char *const *in_headers;
	const char *method;
	const char *path;
	const char *route;        /* the route's pattern ("/u/{token}"), "-" for none */
	char *args[REQ_MAX_ARGS]; /* the '*' segments of the route, in order */
	int nargs;
	json_t *body;           /* JSON body (an object), or NULL */
	char terminal[64];      /* client certificate CN ("" on public routes) */
	char role[16];          /* client certificate OU: "terminal" or "staff" */
	char cert_serial[41];   /* the client certificate's serial (hex) */
	int64_t cert_not_after; /* ... and its end */
	/* Set by the HTTP layer for a request that is no upload (its body is
	 * JSON_LIMIT at most): its certificate's revocation is looked up first
	 * in the handler's own transaction (revocation_due) rather than in one
	 * of its own, or before its answer if it gets one without that. */
	bool revocation_later;
	bool revocation_due; /* ... so it is still to be looked up (peer_revoked) */
	struct form_field fields[REQ_MAX_FIELDS];
	int nfields;
	bool too_large; /* R_FORM: a field went over the size limit (dropped) */
	bool early;     /* R_EARLY: called with the headers only (see above) */
	/* R_FORM: the body is not read because uploads are being received on
	 * this link already (409) or on as many links as the server takes at
	 * once (503); the handler answers a person with a page. */
	int busy;

	/* the answer */
	int status;
	json_t *out;            /* JSON answer, or */
	unsigned char *raw_out; /* a raw body */
	size_t raw_len;
	const char *raw_type;
	const char *hdr_name[REQ_MAX_HEADERS];
	char *hdr_value[REQ_MAX_HEADERS];
	int nhdr;
	bool commit_anyway; /* keep the changes although the answer is an error */
	/* Work a handler does without the store's lock (req_unlocked). */
	bool may_unlock;             /* set by the HTTP layer: it may ask */
	void (*unlocked)(void *job); /* asked: run between two runs */
	void *job;                   /* the handler's, kept across its runs */
	void (*job_free)(void *job);
	bool secret; /* the answer holds a secret: kept for replay only encrypted */
	/* Certificates this run wrote, by enum ca_profile: counted in the
	 * metrics only once committed (a run may be rolled back or replayed,
	 * and the CA may have signed for it in vain). */
	int issued[2];
};

/* Value of a request header / query argument, or NULL. */
const char *req_header(struct req *r, const char *name);
const char *req_query(struct req *r, const char *name);
/* The client as try limits count it, from the socket's peer (never a
 * header): its IPv4 address, or its IPv6 address's /64 ("2001:db8::/64"). */
void req_client_addr(struct req *r, char *out, size_t size);

/* Answer with JSON (takes the reference). */
void req_json(struct req *r, int status, json_t *out);
/* Answer with the error shape {"error":{"code","message"}} (+ extra members
 * of extra, which is taken; may be NULL). */
void req_error(struct req *r, int status, const char *code, json_t *extra,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Answer 503 "unavailable": the store's disk refused a write of this
 * request (store_full), which the caller rolled back whole. */
void req_store_full(struct req *r);
/* Answer with a raw body (copied). */
void req_raw(struct req *r, int status, const char *type, const void *data, size_t len);
void req_add_header(struct req *r, const char *name, const char *value);
/* R_FORM: size bytes more of the form field key, a new field (with its
 * filename) the first time.  -1 when that makes more than REQ_MAX_FIELDS
 * fields, a name too long or a field over REQ_FIELD_LIMIT bytes: nothing is
 * added and the caller marks the request too large. */
#define REQ_FIELD_LIMIT (5 * 1024 * 1024)
int req_form_add(struct req *r, const char *key, const char *filename, const char *data,
		 size_t size);

/*
 * Asks the HTTP layer (only when r->may_unlock) to end this run's
 * transaction keeping nothing, run fn(r->job) with the store's lock
 * released (the CA's crypto), and run the handler again from the start in
 * a new transaction; a POST whose Idempotency-Key was answered meanwhile is
 * replayed instead.  An answer this run gave is dropped.
 */
void req_unlocked(struct req *r, void (*fn)(void *job));
/* Forgets the answer of a run whose transaction was rolled back, before
 * the handler runs again. */
void req_unanswer(struct req *r);
/* The HTTP layer, with the lock released: runs what the handler asked;
 * false when it asked for nothing. */
bool req_run_unlocked(struct req *r);
/* A certificate of profile written by this run (req_committed counts it). */
void req_issued(struct req *r, enum ca_profile profile);
/* The HTTP layer, once the run's transaction is committed and kept. */
void req_committed(struct req *r);
/* Frees the handler's job, if any (the request's end). */
void req_job_end(struct req *r);
/* An Idempotency-Key: 1 to 128 visible ASCII characters. */
bool req_idem_key_ok(const char *k);

/* Body members with type checks: on a missing or wrongly typed member they
 * answer 400 (bad_request) and return NULL / -1. */
const char *req_str(struct req *r, const char *name, size_t max_len, bool required);
int req_int(struct req *r, const char *name, int64_t lo, int64_t hi, bool required,
	    int64_t dflt, int64_t *out);

#endif
