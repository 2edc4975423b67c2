/*
 * renew_drive.h - a renewal's steps as its screens start them, each the
 * kiosk's own job (src/svc/renew.c, renew_install.c, the token jobs, the
 * payment screen's backend calls) handed to the worker and taken back as
 * the event loop does: for the programs that run a renewal without a
 * screen (tests/bench/renewbench.c, tests/token/renewrun.c).  Include
 * drive.h first.  Each step returns NULL when it went through, else why
 * not (an English word or the kiosk's message id).
 */
#ifndef CAKIOSK_TEST_RENEW_DRIVE_H
#define CAKIOSK_TEST_RENEW_DRIVE_H

#include <curl/curl.h>

#include "api.h"
#include "payflow.h"
#include "qr.h"
#include "renew.h"
#include "token_job.h"

/* The insert step: the one UKey present read; taken for the renewal when
 * take (a paid order keeps the certificates it had). */
static inline const char *
rd_read(bool take, enum token_err *err)
{
	struct job *job = drive_run(token_job_read(NULL, 0));
	struct session *s = session_get();
	const char *why = NULL;

	if (job == NULL)
		return "no answer";
	*err = token_job_err(job);
	if (*err != TOKEN_OK || token_job_ninfo(job) != 1) {
		why = *err != TOKEN_OK ? token_err_name(*err) : "not one UKey";
	} else if (take) {
		if (!renew_take_token(token_job_info(job, 0)))
			why = "no signing certificate";
	} else if (strcmp(token_job_info(job, 0)->ref.serial, s->token_serial) != 0) {
		why = "another UKey";
	} else {
		s->ref = token_job_info(job, 0)->ref;
	}
	job->release(job);
	return why;
}

/* The PIN step. */
static inline const char *
rd_login(const char *pin, enum token_err *err)
{
	struct job *job = drive_run(token_job_login(&session_get()->ref, pin, 0));

	if (job == NULL)
		return "no answer";
	*err = token_job_err(job);
	job->release(job);
	session_get()->logged_in = *err == TOKEN_OK;
	return *err == TOKEN_OK ? NULL : token_err_name(*err);
}

/* Asking the CA: a new renewal (*rc RC_NEW) or a paid one to finish. */
static inline const char *
rd_check(enum renew_check *rc)
{
	struct job *job = drive_run(renew_check_job());
	const char *reason = NULL;

	if (job == NULL)
		return "no answer";
	*rc = renew_check_result(job, &reason);
	job->release(job);
	if (*rc == RC_FAILED || *rc == RC_UNKNOWN_CERT)
		return reason != NULL ? reason : "unknown certificate";
	return NULL;
}

/* The order form filled in (as its submit does) and the order confirmed. */
static inline const char *
rd_order(const char *email)
{
	struct job *job;
	const char *reason;
	bool not_eligible = false;

	renew_get()->term = 1;
	snprintf(renew_get()->email, sizeof renew_get()->email, "%s", email);
	renew_get()->form_filled = true;
	backend_new_key(session_get()->idem_order);
	backend_new_key(session_get()->idem_confirm);
	job = drive_run(renew_order_job());
	if (job == NULL)
		return "no answer";
	reason = renew_order_result(job, &not_eligible);
	job->release(job);
	return reason;
}

/* The payment screen's create: the payment, and the QR code of its URL. */
static inline const char *
rd_payment(char *id, size_t idlen, char *url, size_t urllen)
{
	char idem[BACKEND_IDEM_KEY_LEN + 1];
	struct job *job;
	struct qr qr = {0};
	const char *why = NULL;

	backend_new_key(idem);
	job = drive_run(
		api_job_payment_create(session_get()->order_id, "alipay", idem, NULL));
	if (job == NULL)
		return "no answer";
	if (api_job_err(job)->err == BACKEND_OK) {
		snprintf(id, idlen, "%s", api_job_payment(job)->id);
		snprintf(url, urllen, "%s", api_job_payment(job)->code_url);
		if (qr_make(url, &qr) != 0)
			why = "no QR code";
		qr_free(&qr);
	} else {
		why = api_reason(api_job_err(job));
	}
	job->release(job);
	return why;
}

/* What the payment screen has the worker do while the customer pays: the
 * new key (its failure is the install's to mend: the screen says nothing). */
static inline const char *
rd_key(enum token_err *err)
{
	const struct pay_request *req = renew_pay_request();
	struct job *job = drive_run(req->bg_start());

	if (job == NULL)
		return "no answer";
	req->bg_done(job);
	job->release(job);
	*err = renew_get()->new_id_len > 0 ? TOKEN_OK : TOKEN_ERR_DEVICE;
	return *err == TOKEN_OK ? NULL : "no key made";
}

/* The customer's phone: open the sandbox pay link (public, no client cert). */
static inline const char *
rd_pay_link(const char *url, const char *ca_file)
{
	CURL *c = curl_easy_init();
	FILE *null = fopen("/dev/null", "w");
	long status = 0;
	CURLcode rc = CURLE_FAILED_INIT;

	if (c != NULL && null != NULL) {
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, null);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
		rc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	}
	curl_easy_cleanup(c);
	if (null != NULL)
		fclose(null);
	return rc == CURLE_OK && status == 200 ? NULL : "pay link";
}

/* The payment screen's poll: paid? */
static inline const char *
rd_poll(const char *id)
{
	struct job *job = drive_run(api_job_payment_get(id, NULL));
	bool paid;

	if (job == NULL)
		return "no answer";
	paid = api_job_err(job)->err == BACKEND_OK &&
	       api_job_payment(job)->state == PAY_PAID;
	job->release(job);
	if (paid)
		session_get()->paid = true;
	return paid ? NULL : "not paid";
}

/* After the payment: the certificate and seal written, the old pair gone. */
static inline const char *
rd_install(enum token_err *err)
{
	struct job *job = drive_run(renew_install_job());
	const char *reason;

	*err = TOKEN_OK;
	if (job == NULL)
		return "no answer";
	reason = renew_install_result(job, err);
	job->release(job);
	return reason;
}

/* A visit's failures, as the screens take them: a UKey pulled (none
 * present any more) or a login lost is put back, read and logged in again
 * (the insert and PIN steps); any other failure is tried again. */
struct rd_visit {
	const char *pin;
	const char *ctl, *again; /* the control file; written after a failure */
	int faults, max_faults;
	bool in; /* the UKey read and logged in since it was last put back */
	const char *at, *why;
	void (*taken)(void); /* after the UKey was taken afresh, or NULL */
};

/* A step failed: the card is put back; false once the customer has had
 * enough. */
static inline bool
rd_fault(struct rd_visit *v, const char *at, const char *why, enum token_err err)
{
	struct token_ref refs[2];
	size_t n = 0;

	v->faults++;
	v->at = at;
	v->why = why;
	token_list(refs, 2, &n);
	if (n != 1 || err == TOKEN_ERR_REMOVED || err == TOKEN_ERR_NONE ||
	    err == TOKEN_ERR_NOT_LOGGED_IN || err == TOKEN_ERR_MANY) {
		v->in = false;
		session_token_gone();
	}
	drive_ctl_write(v->ctl, v->again);
	return v->faults <= v->max_faults;
}

/* The insert and PIN steps, until the UKey is in and logged in.  Before
 * the payment the UKey put back is taken afresh; after it, the paid order
 * stays bound to it. */
static inline bool
rd_token_up(struct rd_visit *v)
{
	while (!v->in) {
		enum token_err err = TOKEN_OK;
		bool take = !session_get()->paid;
		const char *why = rd_read(take, &err);

		if (why == NULL && take && v->taken != NULL)
			v->taken();
		if (why == NULL)
			why = rd_login(v->pin, &err);
		if (why == NULL)
			v->in = true;
		else if (!rd_fault(v, err == TOKEN_OK ? "read" : "login", why, err))
			return false;
	}
	return true;
}

/* After the payment: the install, with the UKey put back and logged in
 * again, or tried again, until it is done or the customer gives up. */
static inline bool
rd_finish(struct rd_visit *v)
{
	for (;;) {
		enum token_err err = TOKEN_OK;
		const char *why;

		if (!rd_token_up(v))
			return false;
		if ((why = rd_install(&err)) == NULL)
			return true;
		if (!rd_fault(v, "install", why, err))
			return false;
	}
}

/* A step of the backend's, tried again as its screen offers. */
#define RD_TRY(v, name, call)                                                            \
	do {                                                                             \
		const char *why_;                                                        \
		while ((why_ = (call)) != NULL)                                          \
			if (!rd_fault((v), (name), why_, TOKEN_OK))                      \
				return false;                                            \
	} while (0)

/* The order, its payment (the new key made meanwhile) and the poll. */
static inline bool
rd_order_and_pay(struct rd_visit *v, const char *email, const char *ca_file)
{
	char pay_id[PAY_ORDER_ID_MAX] = "", url[512] = "";
	enum token_err err = TOKEN_OK;
	const char *why;

	RD_TRY(v, "order", rd_order(email));
	RD_TRY(v, "payment", rd_payment(pay_id, sizeof pay_id, url, sizeof url));
	/* The key while paying: a failure is the install's to mend, but a
	 * UKey pulled meanwhile is asked for again before it. */
	if ((why = rd_key(&err)) != NULL && !rd_fault(v, "key", why, err))
		return false;
	RD_TRY(v, "pay", rd_pay_link(url, ca_file));
	RD_TRY(v, "poll", rd_poll(pay_id));
	return true;
}

/* One customer's renewal from the UKey's insertion to the done page; a
 * paid one the CA finds unfinished (*resumed) goes straight to the
 * install. */
static inline bool
rd_renewal(struct rd_visit *v, const char *email, const char *ca_file, bool *resumed)
{
	enum renew_check rc = RC_FAILED;

	if (!rd_token_up(v))
		return false;
	RD_TRY(v, "check", rd_check(&rc));
	*resumed = rc == RC_RESUME;
	if (rc == RC_NEW && !rd_order_and_pay(v, email, ca_file))
		return false;
	return rd_finish(v);
}

#endif
