/*
 * renew.h - the renewal service (证书更新): its state across its screens and
 * the work it hands to the worker.
 *
 * The service is a table of steps (screens/svc/renew.c): insert the UKey,
 * PIN, the CA asked (renew_check_job), the new validity, the order form,
 * confirm (renew_order_job), pay (renew_pay_request), and the install
 * (renew_install_job: the new key, the request, the certificate and seal
 * written, the old ones removed).  What the customer and the token told us
 * lives in the customer's session (session.h), with the renewal's own part
 * here, wiped when the visit ends.
 *
 * Crash safety comes from the order of the work and from the backend
 * remembering the order: the old certificate and key stay until the new
 * certificate is written and read back.  Whatever stops the work (a pulled
 * UKey, a killed kiosk, a power cut), the paid order is found again from
 * the certificates on the token the next time it is inserted, at any kiosk,
 * and finished without a second payment.
 */
#ifndef CAKIOSK_RENEW_H
#define CAKIOSK_RENEW_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "backend.h"
#include "form.h"
#include "payflow.h"
#include "rules.h"
#include "token.h"

#define RENEW_MAX_CERTS 4
#define RENEW_KEY_LABEL "cakiosk-renew" /* a new key not yet with its certificate */
#define RENEW_SEAL_LABEL "seal"
#define RENEW_SEAL_APP "cakiosk-seal"

/* What happened to the electronic seal: the done screen says just that. */
enum renew_seal {
	RENEW_SEAL_NONE,    /* no seal came with the new certificate */
	RENEW_SEAL_NEW,     /* written onto a UKey that held none */
	RENEW_SEAL_RENEWED, /* the UKey's seal replaced by the new one */
	RENEW_SEAL_ON,      /* already on it: written before the work stopped */
};

/* One signing certificate found on the token. */
struct renew_cert {
	char serial[TOKEN_SERIAL_HEX_MAX];
	unsigned char id[TOKEN_ID_MAX];
	size_t id_len;
	char label[TOKEN_TEXT_MAX];
	char cn[TOKEN_NAME_MAX];
	char org[TOKEN_NAME_MAX];
	char subject_serial[TOKEN_NAME_MAX];
	time_t not_after;
	int days_left;
	bool expired;
	enum token_key_type key_type;
	unsigned char *der;
	size_t der_len;
};

/*
 * The renewal's part of the customer's session (session.h has the UKey,
 * the login, the subject and the order with its idempotency keys).
 */
struct renew {
	bool has_enc; /* also holds an encryption certificate: its key stays */
	struct renew_cert certs[RENEW_MAX_CERTS];
	int ncerts;
	int cur; /* the certificate being renewed */
	enum renew_verdict verdict;
	/* the order form */
	bool form_filled;
	int term;
	char email[FORM_VALUE_MAX];
	char mobile[FORM_VALUE_MAX];
	char contact[FORM_VALUE_MAX];
	/* the order (its number and keys are the session's) */
	char new_serial[TOKEN_SERIAL_HEX_MAX]; /* resumed with the old pair gone */
	/* the key made while paying */
	unsigned char new_id[TOKEN_ID_MAX];
	size_t new_id_len;
	/* what the payment step is handed */
	struct pay_request pay;
	/* the outcome */
	time_t new_from, new_to;
	char invoice_url[512];
	enum renew_seal seal;
	char new_cn[TOKEN_NAME_MAX]; /* the new certificate's name, read back */
	/* A change of subject (信息变更, change.h) is this renewal's work with
	 * the name the registration record holds now: its part is this one. */
	bool change;
	char reg_name[TOKEN_NAME_MAX];  /* the registered name, sanitized */
	char reg_email[FORM_VALUE_MAX]; /* where the e-invoice goes */
	char state[16];                 /* the paid change's order state */
	/* RC_RESUME: the unfinished order's kind, "renew" or "change" */
	char resume_kind[16];
};

/* The renewal's part of the session (made on first use). */
struct renew *renew_get(void);

/* Start afresh (a new customer at the renewal screen). */
void renew_begin(void);

/* Take what the token read: false when it holds no signing certificate. */
bool renew_take_token(const struct token_info *info);
const struct renew_cert *renew_cert(void);

/* The payment screen's request for the current order. */
const struct pay_request *renew_pay_request(void);

/* ---- jobs ------------------------------------------------------------ */

enum renew_check {
	RC_NEW,          /* nothing unfinished: a new renewal of certs[cur] */
	RC_RESUME,       /* a paid order of this UKey to finish */
	RC_UNKNOWN_CERT, /* not a certificate of this CA */
	RC_FAILED,       /* the backend could not be asked */
};
/* Before the PIN (certificates are public): an unfinished paid renewal? */
struct job *renew_check_job(void);
/* In job_done: fills the session on RC_RESUME; *reason on RC_FAILED. */
enum renew_check renew_check_result(struct job *job, const char **reason);

/* Create the order and confirm it ("确认订单"). */
struct job *renew_order_job(void);
/* NULL on success (the session has the order), else a message id. */
const char *renew_order_result(struct job *job, bool *not_eligible);

enum renew_stage {
	RS_CHECKING,
	RS_GENERATING,
	RS_REQUESTING,
	RS_WRITING,
	RS_VERIFYING,
	RS_SEAL,
	RS_CLEANING,
	RS_FINISHING,
	RS_DONE,
};
/* Everything after the payment; safe to run again after any failure. */
struct job *renew_install_job(void);
enum renew_stage renew_install_stage(const struct job *job);
/* NULL when installed, else a message id; *token_err for token failures. */
const char *renew_install_result(struct job *job, enum token_err *token_err);

/* The unfinished order found (RC_RESUME) is a change of subject. */
bool renew_resume_is_change(void);

/* Message id of a stage, for the "do not remove the UKey" screen. */
const char *renew_stage_text(enum renew_stage stage);

#endif
