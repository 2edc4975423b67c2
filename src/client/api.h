/*
 * api.h - every /v1 call the kiosk makes, typed, and every reply held
 * against its shape before a screen or a service sees it.
 *
 * The one place that knows the protocol's paths and JSON (src/ra/PROTOCOL.md);
 * screens and services call api_* with C values and get C structs back.
 * A reply with a member missing, of the wrong type, out of range or too
 * long is not used: the call fails with BACKEND_GARBAGE and a plain
 * sentence (api_reason), and the log says what was wrong.  Text copied out
 * of a reply is sanitized and cut to the struct's buffer.
 *
 * Calls block: they run on the worker (a job's run()).  Every result, good
 * or bad, also tells the status line (linkstate.h) what the backend is.
 * The api_job_* jobs are for screens that hand one call to the worker and
 * read the result in job_done.
 */
#ifndef CAKIOSK_API_H
#define CAKIOSK_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "linkstate.h"

struct job;

#define API_ID_MAX 64      /* order, payment, seal ids */
#define API_SERIAL_MAX 130 /* certificate serial in hex */
#define API_URL_MAX 512    /* payment code URL, invoice URL */
#define API_STATE_MAX 24   /* order and payment states */
#define API_PEM_MAX 65536  /* one certificate in PEM */
#define API_SEAL_MAX (8u << 20)
#define API_PRICES_MAX 32

/* Why a call failed; all zero and BACKEND_OK when it did not. */
struct api_err {
	enum backend_err err;
	long status;                 /* HTTP status, 0 when none */
	char code[BACKEND_CODE_MAX]; /* error.code of a refusal */
	char state[API_STATE_MAX];   /* error.state of wrong_state */
	char reason[32];             /* error.reason of not_eligible */
	long retry_after;            /* error.retry_after of rate_limited, s */
	bool until_reset;            /* error.until_reset of staff_locked */
	int tries_left;              /* error.tries_left of a wrong code; -1: none */
	char why[160];               /* what was wrong with a reply, for the log */
};
/* The customer sentence (message id) for a failure. */
const char *api_reason(const struct api_err *e);
/* True when the backend refused with this error code. */
bool api_refused(const struct api_err *e, const char *code);
/* What a failure (or success) says of the backend, for the status line;
 * LINK_UNKNOWN when it says nothing (cancelled). */
enum link_state api_link_state(const struct api_err *e);

/* ---- service ------------------------------------------------------------ */

struct api_health {
	char version[32];
	int protocol;
	bool sandbox;
	int64_t time;
};
/* GET /v1/health, then GET /v1/prices: the backend answers and accepts this
 * terminal's certificate; the prices are kept (api_price).  Made for the
 * background check: one attempt, short timeouts. */
bool api_health(struct job *job, struct api_health *out, struct api_err *e);

/* What the backend charges, in fen, as last fetched; false when not known
 * (yet): then the price is said by the order itself.  UI thread or any. */
bool api_price(const char *kind, bool unit, int term, long *fen);
/* The terms in years the backend offers for a kind: bit t set for t years. */
unsigned api_terms(const char *kind, bool unit);
/* Grows whenever the prices kept change: the loop redraws when it moved. */
unsigned api_prices_changes(void);

/* ---- orders ------------------------------------------------------------- */

#define API_EVENTS_MAX 16
#define API_TRACKING_MAX 40
#define API_REASON_MAX 256 /* bytes kept of a reviewer's reason */
#define API_FORM_MAX 256   /* one form member, bytes */
#define API_VERIFIED_MAX 4

enum api_verify_method { API_VERIFY_MOBILE, API_VERIFY_BANK_CARD, API_VERIFY_TRANSFER };

struct api_order {
	char id[API_ID_MAX];
	char kind[16];
	char state[API_STATE_MAX];
	long price; /* fen */
	int term_years;
	int64_t valid_from, valid_to; /* 0 when not given */
	char invoice_url[API_URL_MAX];
	/* the order's status page for the phone (api_order_status_link), "" */
	char status_url[API_URL_MAX];
	/* what Order query shows ("" / 0 when not given) */
	int64_t created;
	char cert_serial[API_SERIAL_MAX];
	char tracking[API_TRACKING_MAX];
	char pin_delivery[64];              /* "sms:138****8000", "memo:**** **** 0011" */
	char reject_reason[API_REASON_MAX]; /* rejected: the reviewer's words */
	int nevents;                        /* the states it went through, oldest first */
	struct {
		char state[API_STATE_MAX];
		int64_t at;
	} events[API_EVENTS_MAX];
	/* the form as it was typed ("" when not given): what a draft
	 * continued at a kiosk shows again */
	struct api_order_form {
		char email[API_FORM_MAX], mobile[API_FORM_MAX];
		char contact_name[API_FORM_MAX], postcode[API_FORM_MAX];
		char region[API_FORM_MAX], address[2 * API_FORM_MAX];
	} form;
	/* the identity checks it passed: party "unit", "agent" or "person",
	 * and its method */
	int nverified;
	struct {
		char party[8];
		enum api_verify_method method;
	} verified[API_VERIFIED_MAX];
};

struct api_order_new {
	const char *kind; /* "renew", ... */
	bool unit;        /* subject_type unit or person */
	const char *subject_id;
	int term_years;
	const char *email, *mobile, *contact_name; /* NULL or "" when absent */
	const char *address, *postcode;            /* apply, reissue */
	const char *region;      /* apply: the start of address, as typed */
	const char *certificate; /* PEM, renew and change */
	const char *old_serial;  /* reissue: the certificate replaced */
	const char *reason;      /* reissue: "lost" or "damaged" */
	const char *bearer;      /* reissue: the customer's session */
};

bool api_order_create(const struct api_order_new *in, const char *idem, struct job *job,
		      struct api_order *out, struct api_err *e);
bool api_order_confirm(const char *order_id, const char *idem, struct job *job,
		       struct api_order *out, struct api_err *e);
/* bearer: the customer's session (an order of another terminal), or NULL. */
bool api_order_cancel(const char *order_id, const char *idem, const char *bearer,
		      struct job *job, struct api_order *out, struct api_err *e);
/* GET /v1/orders/{id}, with the customer's session. */
bool api_order_get(const char *order_id, const char *bearer, struct job *job,
		   struct api_order *out, struct api_err *e);
bool api_order_installed(const char *order_id, const char *idem, struct job *job,
			 struct api_order *out, struct api_err *e);
/* POST /v1/orders/{id}/status-link: the link to the order's status page
 * for the customer's phone (a QR code), into url (API_URL_MAX). */
bool api_order_status_link(const char *order_id, const char *idem, const char *bearer,
			   struct job *job, char *url, struct api_err *e);
bool api_parse_status_link(const json_t *reply, char *url, struct api_err *e);

/* ---- payments ----------------------------------------------------------- */

enum api_pay_state { PAY_PENDING, PAY_PAID, PAY_EXPIRED, PAY_CANCELLED };

struct api_payment {
	char id[API_ID_MAX];
	char code_url[API_URL_MAX]; /* "" when polled */
	long amount;
	enum api_pay_state state;
	int64_t expires; /* 0 when not given */
};

/* channel "alipay" or "wechat". */
bool api_payment_create(const char *order_id, const char *channel, const char *idem,
			const char *bearer, struct job *job, struct api_payment *out,
			struct api_err *e);
bool api_payment_get(const char *payment_id, const char *bearer, struct job *job,
		     struct api_payment *out, struct api_err *e);

/* ---- the customer: registration record, SMS code, session, history ----- */

#define API_SUBJECT_ID_MAX 24
#define API_NAME_MAX 128
#define API_MASKED_MAX 32
#define API_SESSION_MAX 80
#define API_HISTORY_MAX 50

struct api_party {
	char name[API_NAME_MAX];
	char id_masked[API_MASKED_MAX];
	char mobile_masked[API_MASKED_MAX];
};

/* The registration record (PROTOCOL.md section 3): masked numbers only. */
struct api_subject {
	bool unit;
	char id[API_SUBJECT_ID_MAX];
	char name[API_NAME_MAX];
	struct api_party legal_rep, agent; /* a unit's */
	struct api_party self;             /* a person's own (name unused) */
	char address[256];
	char postcode[16];
	char email[API_NAME_MAX];
	char bank[API_NAME_MAX]; /* a unit's bank */
	char account_masked[API_MASKED_MAX];
};
/* GET /v1/registry/{units|persons}/{id}; refusals "unknown_subject",
 * "invalid_id". */
bool api_registry_get(bool unit, const char *id, struct job *job, struct api_subject *out,
		      struct api_err *e);

struct api_sms {
	char sent_to[API_MASKED_MAX]; /* the masked mobile */
	int expires_in, resend_after, max_tries;
};
/* POST /v1/sms: purpose "query", ...; to "agent", "legal_rep" or NULL. */
bool api_sms_send(bool unit, const char *id, const char *purpose, const char *to,
		  const char *idem, struct job *job, struct api_sms *out,
		  struct api_err *e);

struct api_session {
	char token[API_SESSION_MAX];
	int expires_in;
};
/* POST /v1/sessions with the code typed; refusals "code_wrong" (tries_left),
 * "code_expired", "code_exhausted", "code_used", "code_not_found",
 * "rate_limited". */
bool api_session_create(bool unit, const char *id, const char *code, const char *idem,
			struct job *job, struct api_session *out, struct api_err *e);

struct api_order_row {
	char id[API_ID_MAX];
	char kind[16];
	char state[API_STATE_MAX];
	long price;
	int term_years;
	int64_t created, updated;
	char tracking[API_TRACKING_MAX];
};
struct api_cert_row {
	char serial[API_SERIAL_MAX];
	char subject_dn[256];
	int64_t not_before, not_after;
	bool revoked;
	char token_serial[64]; /* the token it is on, "" when unknown */
	/* the form of the order that issued it ("" when unknown) */
	char contact[API_FORM_MAX], mobile[API_FORM_MAX], address[API_FORM_MAX];
	char postcode[API_FORM_MAX], email[API_FORM_MAX];
};
/* A subject's orders and certificates, newest first (at most
 * API_HISTORY_MAX of each). */
struct api_history {
	int norders, ncerts;
	struct api_order_row orders[API_HISTORY_MAX];
	struct api_cert_row certs[API_HISTORY_MAX];
};
/* GET /v1/subjects/{unit|person}/{id}/orders with the session. */
bool api_history_get(bool unit, const char *id, const char *bearer, struct job *job,
		     struct api_history *out, struct api_err *e);

/* ---- certificates and seals --------------------------------------------- */

/* A certificate as issued: the new one of a renewal. */
struct api_issued {
	char *pem; /* malloc'd, or NULL; api_issued_free() */
	char serial[API_SERIAL_MAX];
	char seal_id[API_ID_MAX];
	int64_t not_before, not_after;
};
void api_issued_free(struct api_issued *is);

struct api_certificate {
	char serial[API_SERIAL_MAX];
	bool revoked;
	int64_t not_after;
	struct api_issued self; /* its own PEM, dates and seal (pem NULL if not sent) */
	/* the newest paid renewal or approved change waiting for its CSR
	 * (pending_order), or issued and not installed (pending_install):
	 * its kind, "renew" or "change" */
	bool has_pending_order;
	char pending_order_id[API_ID_MAX];
	char pending_kind[16];
	/* issued but not acknowledged (pending_install) */
	bool has_pending_install;
	char pending_install_order[API_ID_MAX];
	struct api_issued pending_install;
	/* the order that issued this certificate */
	bool has_order;
	char order_id[API_ID_MAX];
	char order_kind[16];
	char order_state[API_STATE_MAX];
};
void api_certificate_free(struct api_certificate *c);

/* GET /v1/certificates/{serial}; an unknown one is refused with
 * "unknown_certificate" (api_refused). */
bool api_certificate_get(const char *serial, struct job *job, struct api_certificate *out,
			 struct api_err *e);
/* POST /v1/orders/{id}/certificate with the CSR and the old key's proof. */
bool api_certificate_request(const char *order_id, const char *csr_pem, const char *proof,
			     const char *idem, struct job *job, struct api_issued *out,
			     struct api_err *e);
/* GET /v1/seals/{id}: the seal's DER (malloc'd) in *der. */
bool api_seal_get(const char *seal_id, struct job *job, unsigned char **der, size_t *len,
		  struct api_err *e);

/* ---- unlock (PROTOCOL.md section 12) ------------------------------------- */

#define API_SO_PIN_MAX 33 /* 4..32 visible ASCII, with the NUL */

/* The authorization: the token's escrowed SO PIN and, after an unlock that
 * stopped half-way, the candidate it recorded ("" when none).  Secrets:
 * wipe the struct when done. */
struct api_unlock_auth {
	char token_serial[65];
	char so_pin[API_SO_PIN_MAX];
	char candidate[API_SO_PIN_MAX];
};
/* POST /v1/orders/{id}/unlock-authorization with the customer's session. */
bool api_unlock_authorize(const char *order_id, const char *session, const char *idem,
			  struct job *job, struct api_unlock_auth *out,
			  struct api_err *e);
/* POST /v1/orders/{id}/so-pin-candidate: so_pin recorded before the token
 * changes; holds_candidate: the earlier candidate opened the token. */
bool api_unlock_candidate(const char *order_id, const char *so_pin, bool holds_candidate,
			  const char *idem, struct job *job, struct api_err *e);
/* POST /v1/orders/{id}/so-pin: the token holds the candidate now. */
bool api_unlock_promote(const char *order_id, const char *so_pin, const char *idem,
			struct job *job, struct api_order *out, struct api_err *e);
/* ---- documents (apply, reissue, change) ---------------------------------- */

#define API_DOCS_MAX 8
#define API_DOC_KIND_MAX 24

struct api_upload_link {
	char url[API_URL_MAX];  /* the phone's page: a secret until it closes */
	char path[API_URL_MAX]; /* its path on the backend ("/u/..."), for a scanner */
	int64_t expires;
	int ndocs;
	char docs[API_DOCS_MAX][API_DOC_KIND_MAX]; /* the kinds the order needs */
};
/* POST /v1/orders/{id}/upload-link. */
/* bearer: the customer's session (an order of another terminal), or NULL. */
bool api_upload_link(const char *order_id, const char *idem, const char *bearer,
		     struct job *job, struct api_upload_link *out, struct api_err *e);

struct api_document {
	char kind[API_DOC_KIND_MAX];
	char mime[32];
	long size;
	int64_t created;
};
struct api_refusal {
	long id;
	char kind[API_DOC_KIND_MAX]; /* "" when the whole upload was too large */
	bool too_large;              /* else: not JPEG, PNG or PDF */
	long size;
};
struct api_documents {
	int n, nmissing, nrefused;
	struct api_document docs[API_DOCS_MAX];
	char missing[API_DOCS_MAX][API_DOC_KIND_MAX];
	struct api_refusal refused[API_DOCS_MAX];
};
/* GET /v1/orders/{id}/documents. */
bool api_documents(const char *order_id, const char *bearer, struct job *job,
		   struct api_documents *out, struct api_err *e);
/* GET /v1/orders/{id}/documents/{kind}: the file as uploaded (at most max
 * bytes), for a preview; *data freed with wipe_free. */
bool api_document_file(const char *order_id, const char *kind, const char *bearer,
		       struct job *job, size_t max, char **data, size_t *len,
		       struct api_err *e);
bool api_parse_documents(const json_t *reply, struct api_documents *out,
			 struct api_err *e);
/* The reply of upload-link, held to its shape (also fuzzed). */
bool api_parse_upload_link(const json_t *reply, struct api_upload_link *out,
			   struct api_err *e);

/* ---- one call as a worker job (screens) ---------------------------------- */

/* bearer (the customer's session, or NULL) is copied into the job. */
struct job *api_job_payment_create(const char *order_id, const char *channel,
				   const char *idem, const char *bearer);
struct job *api_job_payment_get(const char *payment_id, const char *bearer);
struct job *api_job_order_cancel(const char *order_id, const char *idem,
				 const char *bearer);
struct job *api_job_order_get(const char *order_id, const char *bearer);
/* The order, then a link to its status page (status_url; "" when that
 * call failed: the order alone is shown). */
struct job *api_job_order_view(const char *order_id, const char *bearer);
struct job *api_job_registry(bool unit, const char *id);
struct job *api_job_sms(bool unit, const char *id, const char *purpose, const char *to,
			const char *idem);
struct job *api_job_session(bool unit, const char *id, const char *code,
			    const char *idem);
struct job *api_job_history(bool unit, const char *id, const char *bearer);
/* The outcome of an api_job_*: e->err BACKEND_OK when it worked. */
const struct api_err *api_job_err(const struct job *job);
const struct api_payment *api_job_payment(const struct job *job);
const struct api_order *api_job_order(const struct job *job);
const struct api_subject *api_job_subject(const struct job *job);
const struct api_sms *api_job_sms_sent(const struct job *job);
const struct api_session *api_job_session_made(const struct job *job);
const struct api_history *api_job_history_got(const struct job *job);

/* ---- identity verification: POST /v1/orders/{id}/verify ----------------- */

struct api_verify_in {
	bool unit; /* party "unit" (legal representative, company) or "person" */
	enum api_verify_method method;
	const char *value;  /* the mobile, the bank card, the transfer's memo;
			       NULL or "" for a transfer asks the bank for one */
	bool agent;         /* party "agent" (a unit's 经办人) instead */
	const char *bearer; /* the customer's session (another terminal's order) */
};

struct api_verify {
	bool verified; /* 200: the check matched */
	bool pending;  /* 202: a transfer was made; its memo is asked */
	long amount;   /* fen, of the transfer */
	char account_masked[40];
};

bool api_order_verify(const char *order_id, const struct api_verify_in *in,
		      const char *idem, struct job *job, struct api_verify *out,
		      struct api_err *e);
/* The call as a worker job; its outcome through the two accessors. */
struct job *api_job_verify(const char *order_id, const struct api_verify_in *in,
			   const char *idem);
const struct api_err *api_job_verify_err(const struct job *job);
const struct api_verify *api_job_verify_out(const struct job *job);

/* The unlock's order (PROTOCOL.md section 12): POST /v1/orders with kind
 * unlock and the token's serial, and its confirmation with the customer's
 * session (bearer). */
bool api_unlock_order(bool unit, const char *subject_id, const char *token_serial,
		      const char *idem, const char *bearer, struct job *job,
		      struct api_order *out, struct api_err *e);
bool api_order_confirm_as(const char *order_id, const char *idem, const char *bearer,
			  struct job *job, struct api_order *out, struct api_err *e);

/* ---- counter staff and calls for staff (PROTOCOL.md section 17) ---------- */

#define API_STAFF_NO_MAX 9
#define API_CALLS_MAX 20
#define API_DAY_MAX 60
#define API_CHANNELS_MAX 6

struct api_staff_login {
	char staff_no[API_STAFF_NO_MAX];
	char name[API_NAME_MAX];
	char session[API_SESSION_MAX]; /* a secret: wiped with the struct */
	int lock_after, lock_minutes;
};
struct api_call {
	long id;
	char terminal[64];
	char screen[65];
	int64_t created;
	bool again; /* the terminal's call was open already */
};
struct api_calls {
	int n;
	struct api_call calls[API_CALLS_MAX];
};
/* The day's orders at this terminal and what was paid per channel. */
struct api_day {
	int n, ntotals;
	struct {
		char id[API_ID_MAX];
		char kind[16];
		char state[API_STATE_MAX];
		char channel[16]; /* "" while unpaid */
		long price;
		int64_t created;
	} orders[API_DAY_MAX];
	struct {
		char channel[16];
		long count, amount;
	} totals[API_CHANNELS_MAX];
	long paid_total;
};

/* GET /v1/staff/orders: applications and reissues waiting for their
 * UKey at the counter, newest approval first (masked numbers only). */
#define API_WAITING_MAX 20
struct api_waiting {
	int n;
	struct {
		char id[API_ID_MAX];
		char kind[16];
		char state[API_STATE_MAX]; /* approved, or issued (made half-way) */
		bool unit;
		char name[API_NAME_MAX]; /* "" when the backend has none */
		char id_masked[40];
		int64_t approved;
	} orders[API_WAITING_MAX];
};

/* Jobs for the staff screens and F12; session: the staff session or NULL.
 * The PIN and the session are copied into the job and wiped with it.
 * Calls that decide what a person sees next (login, F12) make one short
 * attempt: a backend that does not answer is said at once. */
/* POST /v1/staff/login (one short attempt); refusals "staff_auth_failed",
 * "staff_locked" (retry_after, until_reset), "staff_disabled",
 * "rate_limited". */
bool api_staff_login(const char *staff_no, const char *pin, const char *idem,
		     struct job *job, struct api_staff_login *out, struct api_err *e);
enum api_staff_op {
	API_STAFF_LOGOUT,  /* session */
	API_STAFF_ACTION,  /* session, text: the action */
	API_STAFF_CALL,    /* text: the screen the customer is on */
	API_STAFF_CALLS,   /* session */
	API_STAFF_CLOSE,   /* session, id: the call */
	API_STAFF_DAY,     /* session */
	API_STAFF_WAITING, /* session */
};
struct job *api_job_staff(enum api_staff_op op, const char *session, const char *a,
			  const char *b, long id);
const struct api_err *api_job_staff_err(const struct job *job);
const struct api_call *api_job_staff_call(const struct job *job);
const struct api_calls *api_job_staff_calls(const struct job *job);
const struct api_day *api_job_staff_day(const struct job *job);
const struct api_waiting *api_job_staff_waiting(const struct job *job);
bool api_parse_calls(const json_t *reply, struct api_calls *out, struct api_err *e);
bool api_parse_day(const json_t *reply, struct api_day *out, struct api_err *e);
bool api_parse_waiting(const json_t *reply, struct api_waiting *out, struct api_err *e);

/* ---- the terminal itself ---------------------------------------------- */

/* POST /v1/terminal/renew: a new certificate of this terminal for the CSR
 * (out->pem, serial, not_after; api_issued_free). */
bool api_terminal_renew(const char *csr_pem, const char *idem, struct job *job,
			struct api_issued *out, struct api_err *e);

/* What a heartbeat says: nothing of a customer. */
struct api_beat {
	const char *version;
	int readers; /* reader slots seen */
	bool ukey;   /* a UKey is in one */
	long long cert_not_after;
	const char *last_error; /* the last warning or error logged, or NULL */
	long long last_error_at;
};
/* How the backend sees the certificate the heartbeat came with. */
struct api_heartbeat {
	char serial[API_SERIAL_MAX];
	char state[API_STATE_MAX]; /* ok, expiring, superseded */
	int64_t not_after;
};
/* POST /v1/terminal/heartbeat. */
bool api_terminal_heartbeat(const struct api_beat *in, struct job *job,
			    struct api_heartbeat *out, struct api_err *e);

/* ---- for the unit tests: the shape checks alone ------------------------- */

bool api_parse_order(const json_t *reply, struct api_order *out, struct api_err *e);
bool api_parse_payment(const json_t *reply, bool created, struct api_payment *out,
		       struct api_err *e);
bool api_parse_certificate(const json_t *reply, struct api_certificate *out,
			   struct api_err *e);
bool api_parse_issued(const json_t *reply, struct api_issued *out, struct api_err *e);
bool api_parse_health(const json_t *reply, struct api_health *out, struct api_err *e);
bool api_parse_prices(const json_t *reply, struct api_err *e);
bool api_parse_unlock_auth(const json_t *reply, struct api_unlock_auth *out,
			   struct api_err *e);
bool api_parse_candidate(const json_t *reply, struct api_err *e);
bool api_parse_subject(const json_t *reply, bool unit, struct api_subject *out,
		       struct api_err *e);
bool api_parse_sms(const json_t *reply, struct api_sms *out, struct api_err *e);
bool api_parse_session(const json_t *reply, struct api_session *out, struct api_err *e);
bool api_parse_history(const json_t *reply, struct api_history *out, struct api_err *e);
bool api_parse_verify(const json_t *reply, struct api_verify *out, struct api_err *e);
bool api_parse_heartbeat(const json_t *reply, struct api_heartbeat *out,
			 struct api_err *e);

#endif
