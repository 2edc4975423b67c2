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

#include "api.h"
#include "backend.h"
#include "config.h"
#include "log.h"
#include "payflow.h"
#include "renew.h"
#include "rules.h"
#include "session.h"
#include "token.h"
#include "token_job.h"
#include "worker.h"
#include "xmem.h"

#include "../token/drive.h"
#include "../token/renew_drive.h"

enum step { S_CHECK, S_ORDER, S_PAYMENT, S_KEY, S_PAY, S_POLL, S_INSTALL, S_COUNT };
static const char *const step_name[S_COUNT] = {"check", "order", "payment", "key",
					       "pay",   "poll",  "install"};

static int
fail(const char *what, const char *why)
{
	fprintf(stderr, "renewbench: %s: %s\n", what, why != NULL ? why : "failed");
	return 1;
}

/* Before the timing: read the one UKey present and log in, as the screens do. */
static int
read_and_login(const char *pin)
{
	enum token_err err;
	const char *why = rd_read(true, &err);

	if (why != NULL)
		return fail("read", why);
	why = rd_login(pin, &err);
	return why == NULL ? 0 : fail("login", why);
}

static int
check(void)
{
	enum renew_check rc = RC_FAILED;
	const char *why = rd_check(&rc);
	const struct renew_cert *c;
	enum renew_verdict v;

	if (why != NULL || rc != RC_NEW)
		return fail("check", why != NULL ? why : "not a new renewal");
	c = renew_cert();
	v = rules_renew_at(c->not_after, time(NULL));
	return v == RENEW_DUE || v == RENEW_EXPIRED ? 0 : fail("check", "not eligible");
}

/* Each step, failing loudly. */
#define STEP(name, call)                                                                 \
	do {                                                                             \
		const char *why_ = (call);                                               \
		if (why_ != NULL)                                                        \
			return fail(name, why_);                                         \
	} while (0)

static int
renewal(const char *email, const char *ca_file, double *ms)
{
	char pay_id[PAY_ORDER_ID_MAX] = "", url[512] = "";
	double t = drive_now_ms(), t1;
	enum token_err err;

	if (check() != 0)
		return -1;
	ms[S_CHECK] = (t1 = drive_now_ms()) - t;
	/* The customer fills the order form: not machine time. */
	t = drive_now_ms();
	STEP("order", rd_order(email));
	ms[S_ORDER] = (t1 = drive_now_ms()) - t;
	STEP("payment", rd_payment(pay_id, sizeof pay_id, url, sizeof url));
	ms[S_PAYMENT] = (t = drive_now_ms()) - t1;
	STEP("key", rd_key(&err));
	ms[S_KEY] = (t1 = drive_now_ms()) - t;
	STEP("pay", rd_pay_link(url, ca_file));
	ms[S_PAY] = (t = drive_now_ms()) - t1;
	STEP("poll", rd_poll(pay_id));
	ms[S_POLL] = (t1 = drive_now_ms()) - t;
	STEP("install", rd_install(&err));
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
