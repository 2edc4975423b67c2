/*
 * renewbench.c - one renewal as the kiosk does it after the PIN was
 * accepted, for tests/bench/renew-bench.sh (which times the same work done
 * by pkcs11-tool, openssl and curl against the same cakiosk-ra).
 *
 *   renewbench CONFIG PIN EMAIL
 *
 * Loads the kiosk's configuration (backend over mTLS, the vendor's module),
 * reads the one UKey present and logs in with PIN, as the renewal screen
 * does before the timing starts.  Then, each step a job of the kiosk's own
 * (src/renew.c, src/payflow.c, the token jobs) run on the kiosk's worker
 * thread and taken back as the event loop takes it:
 *
 *   check    renew_check_job: an unfinished paid order of this UKey?
 *   order    renew_order_job: the order made and confirmed
 *   payment  POST /v1/orders/ID/payments, the QR code made of its URL
 *   key      the payment screen's preparation: the new key on the token
 *   pay      the customer's phone opens the pay link (not machine time)
 *   poll     GET /v1/payments/ID: paid
 *   install  renew_install_job: CSR, proof by the old key, certificate,
 *            written and read back, seal, old pair deleted, /installed
 *
 * Prints one line of NAME=VALUE: each step in ms, total (machine time from
 * the PIN accepted to installed: every step but pay), and the order id.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "api.h"
#include "backend.h"
#include "config.h"
#include "log.h"
#include "payflow.h"
#include "qr.h"
#include "renew.h"
#include "rules.h"
#include "session.h"
#include "token.h"
#include "token_job.h"
#include "worker.h"
#include "xmem.h"

#include "../token/drive.h"

enum step { S_CHECK, S_ORDER, S_PAYMENT, S_KEY, S_PAY, S_POLL, S_INSTALL, S_COUNT };
static const char *const step_name[S_COUNT] = {"check", "order", "payment", "key",
					       "pay",   "poll",  "install"};

static int
fail(const char *what, const char *why)
{
	fprintf(stderr, "renewbench: %s: %s\n", what, why != NULL ? why : "failed");
	return 1;
}

/* The customer's phone: open the sandbox pay link (public, no client cert). */
static int
pay_link(const char *url, const char *ca_file)
{
	CURL *c = curl_easy_init();
	FILE *null = fopen("/dev/null", "w");
	long status = 0;
	CURLcode rc;

	if (c == NULL || null == NULL) {
		curl_easy_cleanup(c);
		if (null != NULL)
			fclose(null);
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, null);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	fclose(null);
	return rc == CURLE_OK && status == 200 ? 0 : -1;
}

/* Before the timing: read the one UKey present and log in, as screens/renew.c. */
static int
read_and_login(const char *pin)
{
	struct job *job = drive_run(token_job_read(NULL, 0));
	enum token_err err;
	bool ok;

	if (job == NULL)
		return fail("read", "no answer");
	err = token_job_err(job);
	ok = err == TOKEN_OK && token_job_ninfo(job) == 1 &&
	     renew_take_token(token_job_info(job, 0));
	job->release(job);
	if (!ok)
		return fail("read", err != TOKEN_OK ? token_err_name(err)
						    : "no signing certificate");
	job = drive_run(token_job_login(&session_get()->ref, pin, 0));
	if (job == NULL)
		return fail("login", "no answer");
	err = token_job_err(job);
	job->release(job);
	return err == TOKEN_OK ? 0 : fail("login", token_err_name(err));
}

static int
check(void)
{
	struct job *job = drive_run(renew_check_job());
	const char *reason = NULL;
	const struct renew_cert *c;
	enum renew_check rc;
	enum renew_verdict v;

	if (job == NULL)
		return fail("check", "no answer");
	rc = renew_check_result(job, &reason);
	job->release(job);
	if (rc != RC_NEW)
		return fail("check", rc == RC_FAILED ? reason : "not a new renewal");
	c = renew_cert();
	v = rules_renew_at(c->not_after, time(NULL));
	return v == RENEW_DUE || v == RENEW_EXPIRED ? 0 : fail("check", "not eligible");
}

static int
order(void)
{
	struct job *job = drive_run(renew_order_job());
	const char *reason;
	bool not_eligible = false;

	if (job == NULL)
		return fail("order", "no answer");
	reason = renew_order_result(job, &not_eligible);
	job->release(job);
	return reason == NULL ? 0 : fail("order", reason);
}

/* The payment screen's create: the payment, and the QR code of its URL. */
static int
payment(char *id, size_t idlen, char *url, size_t urllen)
{
	char idem[BACKEND_IDEM_KEY_LEN + 1];
	struct job *job;
	struct qr qr = {0};
	int rc = -1;

	backend_new_key(idem);
	job = drive_run(
		api_job_payment_create(session_get()->order_id, "alipay", idem, NULL));
	if (job == NULL)
		return fail("payment", "no answer");
	if (api_job_err(job)->err == BACKEND_OK) {
		snprintf(id, idlen, "%s", api_job_payment(job)->id);
		snprintf(url, urllen, "%s", api_job_payment(job)->code_url);
		if (qr_make(url, &qr) == 0)
			rc = 0;
		qr_free(&qr);
	}
	if (rc != 0)
		fail("payment", api_reason(api_job_err(job)));
	job->release(job);
	return rc;
}

/* What the payment screen has the worker do while the customer pays. */
static int
key(void)
{
	const struct pay_request *req = renew_pay_request();
	struct job *job = drive_run(req->bg_start());

	if (job == NULL)
		return fail("key", "no answer");
	req->bg_done(job);
	job->release(job);
	return renew_get()->new_id_len > 0 ? 0 : fail("key", "no key made");
}

static int
poll_paid(const char *id)
{
	struct job *job;
	bool paid;

	job = drive_run(api_job_payment_get(id, NULL));
	if (job == NULL)
		return fail("poll", "no answer");
	paid = api_job_err(job)->err == BACKEND_OK &&
	       api_job_payment(job)->state == PAY_PAID;
	job->release(job);
	return paid ? 0 : fail("poll", "not paid");
}

static int
install(void)
{
	struct job *job = drive_run(renew_install_job());
	enum token_err terr = TOKEN_OK;
	const char *reason;

	if (job == NULL)
		return fail("install", "no answer");
	reason = renew_install_result(job, &terr);
	job->release(job);
	return reason == NULL ? 0 : fail("install", reason);
}

static int
renewal(const char *email, const char *ca_file, double *ms)
{
	char pay_id[PAY_ORDER_ID_MAX] = "", url[512] = "";
	double t = drive_now_ms(), t1;

	if (check() != 0)
		return -1;
	ms[S_CHECK] = (t1 = drive_now_ms()) - t;
	/* The customer fills the order form (renew_form.c on its submit). */
	renew_get()->term = 1;
	snprintf(renew_get()->email, sizeof renew_get()->email, "%s", email);
	renew_get()->form_filled = true;
	backend_new_key(session_get()->idem_order);
	backend_new_key(session_get()->idem_confirm);
	t = drive_now_ms();
	if (order() != 0)
		return -1;
	ms[S_ORDER] = (t1 = drive_now_ms()) - t;
	if (payment(pay_id, sizeof pay_id, url, sizeof url) != 0)
		return -1;
	ms[S_PAYMENT] = (t = drive_now_ms()) - t1;
	if (key() != 0)
		return -1;
	ms[S_KEY] = (t1 = drive_now_ms()) - t;
	if (pay_link(url, ca_file) != 0)
		return fail("pay", url);
	ms[S_PAY] = (t = drive_now_ms()) - t1;
	if (poll_paid(pay_id) != 0)
		return -1;
	ms[S_POLL] = (t1 = drive_now_ms()) - t;
	if (install() != 0)
		return -1;
	ms[S_INSTALL] = drive_now_ms() - t1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	char pin[64];
	double ms[S_COUNT] = {0}, total = 0;
	int rc = 1;

	setlocale(LC_ALL, "C.UTF-8");
	if (argc != 4) {
		fprintf(stderr, "usage: renewbench CONFIG PIN EMAIL\n");
		return 2;
	}
	snprintf(pin, sizeof pin, "%s", argv[2]);
	if (drive_start(&cfg, argv[1], "renewbench") != 0)
		goto out;
	renew_begin();
	if (read_and_login(pin) != 0)
		goto out;
	/* The PIN is accepted: from here on it is the renewal's machine time. */
	if (renewal(argv[3], cfg.ca_file, ms) != 0)
		goto out;
	for (int i = 0; i < S_COUNT; i++) {
		printf("%s=%.2f ", step_name[i], ms[i]);
		if (i != S_PAY)
			total += ms[i];
	}
	printf("total=%.2f order_id=%s\n", total, session_get()->order_id);
	rc = 0;
out:
	secure_wipe(pin, sizeof pin);
	drive_end(&cfg);
	return rc;
}
