/*
 * soakrun.c - one kiosk process through as many visits as it is told, for
 * the soak (tests/soak/test_soak.sh) and the valgrind run of a renewal
 * (tests/soak/valgrind.sh).  No screen: each visit is the kiosk's own jobs
 * (the renewal of src/svc/renew.c and renew_install.c, the token jobs, the
 * payment's backend calls, "Check my UKey"'s read and seal check) on its
 * worker thread, with its UKey watcher thread running, over its one kept
 * backend connection, and each visit ends as the kiosk ends one: the
 * session-end hooks of src/main.c (the slots released, everything the
 * customer told wiped, the connection dropped).  What is left out is the
 * drawing.
 *
 *   soakrun CONFIG PIN EMAIL
 *
 * Reads one visit a line from stdin and answers one line on stdout,
 * "ok KIND ..." or "fail KIND at=STEP reason=...":
 *
 *   renew     a renewal from the UKey's insertion to the done page
 *   pull N    the same with the card pulled at its Nth counted PKCS#11
 *             call, put back, and the visit going on as its screens do
 *   check     "Check my UKey": the UKey read with its data objects, the
 *             seal parsed, its signature checked against the CA, bound to
 *             a certificate, its picture drawn, the CA asked about it
 *   esc       a renewal up to the filled-in order form, then Esc
 *   idle      a renewal up to the payment's QR code, then the idle timeout
 *   quit      the end (also at end of input)
 *
 * The card is put back by writing "present=*" to the test module's control
 * file ($SOAK_CTL).  Between lines the process waits on stdin: its memory,
 * descriptors and threads can be read from /proc then.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "codec.h"
#include "config.h"
#include "log.h"
#include "renew.h"
#include "seal.h"
#include "session.h"
#include "token.h"
#include "token_job.h"
#include "token_watch.h"
#include "worker.h"
#include "xmem.h"

#include "../token/drive.h"
#include "../token/renew_drive.h"

static struct config cfg;
static const char *email, *ctl;
static char pin[64];
static struct rd_visit v;
static int watch_fd = -1;
static char kept_order[PAY_ORDER_ID_MAX], kept_reason[256],
	kept_at[16]; /* past its end */

/* The visit ends as src/main.c has the loop end one. */
static void
visit_end(void)
{
	struct token_watch w;

	token_session_end();
	session_end();
	backend_session_end();
	/* The connection is dropped on the worker; its job comes back to the
	 * loop, which lets it go. */
	while (worker_pending() > 0) {
		struct pollfd p = {.fd = drive_wake_fd, .events = POLLIN};
		struct job *done;

		if ((done = worker_take_done()) != NULL)
			done->release(done);
		else
			poll(&p, 1, 1000);
	}
	/* What the status line would show. */
	token_watch_drain();
	token_watch_state(&w);
}

static void
visit_begin(void)
{
	memset(&v, 0, sizeof v);
	v.pin = pin;
	v.ctl = ctl;
	v.again = "present=*";
	v.max_faults = 6;
	renew_begin();
}

/* "Check my UKey" (screens/check.c): the read with data objects, the seal
 * as its view takes it, then the CA asked about the signing certificate. */
static const char *
check_visit(void)
{
	struct job *job = drive_run(token_job_read(NULL, TOKEN_READ_VALUES));
	const struct token_info *info;
	const char *why = NULL;

	if (job == NULL)
		return "no answer";
	if (token_job_err(job) != TOKEN_OK || token_job_ninfo(job) != 1) {
		why = token_job_err(job) != TOKEN_OK ? token_err_name(token_job_err(job))
						     : "not one UKey";
		job->release(job);
		return why;
	}
	info = token_job_info(job, 0);
	for (size_t i = 0; i < info->ndata; i++) {
		const struct token_data *d = &info->data[i];
		uint32_t px[24 * 12 * 2];
		struct seal seal;

		if (d->value == NULL ||
		    seal_parse(d->value, d->size, NULL, 0, &seal) != 0)
			continue;
		/* The seal comes from the CA; it may be bound to the
		 * certificate a renewal replaced (the soak puts the old one
		 * back), which the view says and which is no failure. */
		if (seal_verify(d->value, d->size, cfg.ca_file) != SEAL_SIG_OK)
			why = "seal signature";
		for (size_t k = 0; k < info->ncerts; k++) {
			struct seal with;

			if ((info->certs[k].usage & TOKEN_USAGE_SIGN) &&
			    seal_parse(d->value, d->size, info->certs[k].der,
				       info->certs[k].der_len, &with) == 0)
				seal_free(&with);
		}
		(void)seal_preview(&seal, 24, 12, px); /* none: the view says so */
		seal_free(&seal);
	}
	if (why == NULL && !renew_take_token(info))
		why = "no signing certificate";
	job->release(job);
	if (why == NULL) {
		enum renew_check rc = RC_FAILED;

		why = rd_check(&rc);
	}
	return why;
}

/* A job's error as a word, the job released. */
static const char *
job_why(struct job *job)
{
	const char *why = job == NULL ? "no answer"
			  : token_job_err(job) != TOKEN_OK
				  ? token_err_name(token_job_err(job))
				  : NULL;

	if (job != NULL)
		job->release(job);
	return why;
}

/*
 * Not a customer's visit: the UKey made renewable again, in this process
 * (SoftHSM does not take its store changed by another process while it has
 * it open).  With the kiosk's own token jobs: the signing pair a renewal
 * made deleted, a new EC key made, its certificate request printed
 * ("csr BASE64"); stdin answers with a file holding a certificate for it
 * with 30 days left, which is written beside the key.
 */
static bool reset_asked; /* the request printed: stdin answers once */

static const char *
reset_once(void)
{
	struct token_ref *ref = &session_get()->ref;
	struct job *job;
	const struct token_info *info;
	unsigned char ids[4][TOKEN_ID_MAX], id[TOKEN_ID_MAX], *der = NULL;
	size_t lens[4], nids = 0, id_len = 0, len = 0;
	const unsigned char *out;
	const struct token_dn dn = {.country = "CN", .common_name = "soak"};
	char path[512], *b64, *nl;
	enum token_err err = TOKEN_OK;
	const char *why;
	FILE *f;

	/* The UKey read (whatever it holds), then logged in: a read between
	 * the login and the writes would start afresh. */
	job = drive_run(token_job_read(NULL, 0));
	if (job == NULL || token_job_err(job) != TOKEN_OK || token_job_ninfo(job) != 1)
		return job_why(job) != NULL ? "read" : "not one UKey";
	info = token_job_info(job, 0);
	*ref = info->ref;
	for (size_t k = 0; k < info->ncerts && nids < 4; k++)
		if (info->certs[k].usage & TOKEN_USAGE_SIGN) {
			memcpy(ids[nids], info->certs[k].id, info->certs[k].id_len);
			lens[nids++] = info->certs[k].id_len;
		}
	job->release(job);
	if ((why = rd_login(pin, &err)) != NULL)
		return why;
	for (size_t k = 0; k < nids; k++)
		if ((why = job_why(drive_run(
			     token_job_delete_pair(ref, ids[k], lens[k])))) != NULL)
			return why;
	job = drive_run(token_job_gen_key(ref, TOKEN_KEY_EC, "sign"));
	if (job == NULL || token_job_err(job) != TOKEN_OK)
		return job_why(job);
	out = token_job_id(job, &id_len);
	id_len = id_len < sizeof id ? id_len : sizeof id;
	memcpy(id, out, id_len);
	job->release(job);
	job = drive_run(token_job_csr(ref, id, id_len, &dn));
	if (job == NULL || token_job_err(job) != TOKEN_OK)
		return job_why(job);
	out = token_job_output(job, &len);
	b64 = codec_base64_encode(out, len);
	job->release(job);
	printf("csr %s\n", b64);
	fflush(stdout);
	reset_asked = true;
	free(b64);
	if (fgets(path, sizeof path, stdin) == NULL)
		return "no certificate";
	if ((nl = strchr(path, '\n')) != NULL)
		*nl = '\0';
	if ((f = fopen(path, "rb")) == NULL)
		return "no certificate file";
	der = xmalloc(16384);
	len = fread(der, 1, 16384, f);
	fclose(f);
	why = job_why(drive_run(token_job_write_cert(ref, der, len, "sign")));
	free(der);
	return why;
}

/* Until the UKey watcher has seen nothing change for a second, as a
 * screen is told of a card put back before it goes on. */
static void
settle(void)
{
	struct pollfd p = {.fd = watch_fd, .events = POLLIN};

	while (poll(&p, 1, 1000) > 0)
		token_watch_drain();
}

/* A login lost meanwhile (the UKey watcher seeing the card put back after
 * a pulled visit, as a screen would be told): the whole tried again. */
static const char *
reset_visit(void)
{
	const char *why = NULL;

	reset_asked = false;
	for (int i = 0; i < 3 && !reset_asked; i++) {
		if (i > 0)
			settle();
		if ((why = reset_once()) == NULL)
			break;
	}
	return why;
}

/* A renewal begun and left: at the form (esc) or at the QR code (idle). */
static const char *
left_visit(bool at_payment)
{
	enum renew_check rc = RC_FAILED;
	char pay_id[PAY_ORDER_ID_MAX] = "", url[512] = "";
	const char *why;

	if (!rd_token_up(&v))
		return v.why;
	if ((why = rd_check(&rc)) != NULL)
		return why;
	if (rc != RC_NEW)
		return "not a new renewal";
	/* The form filled in, as its fields do, not submitted. */
	renew_get()->term = 1;
	snprintf(renew_get()->email, sizeof renew_get()->email, "%s", email);
	if (!at_payment)
		return NULL;
	if ((why = rd_order(email)) != NULL)
		return why;
	return rd_payment(pay_id, sizeof pay_id, url, sizeof url);
}

static void
answer(const char *kind, const char *why)
{
	if (why == NULL)
		printf("ok %s faults=%d order=%s\n", kind, v.faults,
		       kept_order[0] ? kept_order : "-");
	else
		printf("fail %s at=%s reason=\"%s\"\n", kind, kept_at, why);
	fflush(stdout);
}

static void
one(const char *line)
{
	char kind[16] = "";
	int n = 0;
	bool resumed = false;
	const char *why;

	if (sscanf(line, "%15s %d", kind, &n) < 1)
		return;
	visit_begin();
	if (strcmp(kind, "renew") == 0 || strcmp(kind, "pull") == 0) {
		if (n > 0) {
			char start[64];

			snprintf(start, sizeof start, "present=*\\npull_nth=%d", n);
			drive_ctl_write(ctl, start);
		}
		why = rd_renewal(&v, email, cfg.ca_file, &resumed) ? NULL
		      : v.why != NULL                              ? v.why
								   : "gave up";
	} else if (strcmp(kind, "reset") == 0) {
		why = reset_visit();
	} else if (strcmp(kind, "check") == 0) {
		why = check_visit();
	} else if (strcmp(kind, "esc") == 0 || strcmp(kind, "idle") == 0) {
		why = left_visit(strcmp(kind, "idle") == 0);
	} else {
		why = "unknown visit";
	}
	/* The reason may be a job's or the session's words: kept before the
	 * visit's end wipes them. */
	snprintf(kept_order, sizeof kept_order, "%s", session_get()->order_id);
	snprintf(kept_reason, sizeof kept_reason, "%s", why != NULL ? why : "");
	snprintf(kept_at, sizeof kept_at, "%s", v.at != NULL ? v.at : "-");
	visit_end();
	drive_ctl_write(ctl, "present=*");
	answer(kind, why != NULL ? kept_reason : NULL);
}

int
main(int argc, char **argv)
{
	char err[1024], line[128];
	int rc = 1;

	setlocale(LC_ALL, "C.UTF-8");
	if (argc != 4) {
		fprintf(stderr, "usage: soakrun CONFIG PIN EMAIL\n");
		return 2;
	}
	snprintf(pin, sizeof pin, "%s", argv[2]);
	secure_wipe(argv[2], strlen(argv[2]));
	email = argv[3];
	ctl = getenv("SOAK_CTL");
	/* As the kiosk starts (src/main.c, loop_run): the modules loaded and
	 * the UKey watcher started before the worker thread. */
	if (config_load(&cfg, argv[1], err, sizeof err) != 0) {
		fprintf(stderr, "soakrun: config: %s\n", err);
		goto out;
	}
	if (log_open(cfg.log, (enum log_level)cfg.log_level, err, sizeof err) != 0 ||
	    backend_init(&cfg) != 0 || token_init(&cfg) < 1 ||
	    token_watch_start(&cfg) < 0 || (drive_wake_fd = worker_start()) < 0) {
		fprintf(stderr,
			"soakrun: start: log, backend, module, watcher or worker\n");
		goto out;
	}
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof line, stdin) != NULL && strncmp(line, "quit", 4) != 0)
		one(line);
	rc = 0;
out:
	secure_wipe(pin, sizeof pin);
	session_end();
	token_session_end();
	if (drive_wake_fd >= 0)
		worker_stop();
	token_watch_stop();
	token_shutdown();
	backend_cleanup();
	log_close();
	config_free(&cfg);
	return rc;
}
