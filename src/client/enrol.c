/*
 * enrol.c - this terminal's key, certificate and configuration from a
 * one-time code: cakiosk --enrol, and the first-run setup's steps (see
 * enrol.h).
 *
 * Order matters: the CA is checked before the code leaves the machine,
 * the key is on disk (0600) before its CSR does, and the configuration is
 * written last, so a run cut anywhere leaves a terminal that a second run
 * finishes with the same code (the backend marks a code used only when it
 * answers with the certificate; that answer is written before anything
 * else happens).
 */
#include "enrol.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "backend.h"
#include "codec.h"
#include "config.h"
#include "enrol_int.h"
#include "say.h"
#include "termcert.h"
#include "xmem.h"

#define CA_MAX (64 * 1024)

/* A sentence to the operator, paths and the backend's words sanitized:
 * on standard error, or kept for the screen. */
void
enrol_say(struct enrol_args *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = say_vformat(fmt, ap);
	va_end(ap);
	snprintf(a->detail, sizeof a->detail, "%s", s);
	if (!a->quiet)
		fprintf(stderr, "cakiosk: enrol: %s\n", s);
	free(s);
}

/* Write data to path as termcert_write does (a temporary file renamed,
 * the mode kept from the first byte on), saying why it could not. */
int
enrol_write_file(struct enrol_args *a, const char *path, const char *data, size_t len,
		 mode_t mode)
{
	char why[512];

	if (termcert_write(path, data, len, (unsigned)mode, why, sizeof why) != 0) {
		enrol_say(a, "%s", why);
		return -1;
	}
	return 0;
}

static bool
url_ok(struct enrol_args *a)
{
	unsigned char fp[32];

	if (a->url == NULL || strncmp(a->url, "https://", 8) != 0 || a->url[8] == '\0') {
		enrol_say(a, "--backend: an https:// URL is needed");
		return false;
	}
	if (a->fingerprint == NULL ||
	    codec_unhex(a->fingerprint, fp, sizeof fp) != (long)sizeof fp) {
		enrol_say(a, "--ca-fingerprint: the backend CA's SHA-256 fingerprint, 64 "
			     "hex digits");
		return false;
	}
	return true;
}

static bool
args_ok(struct enrol_args *a)
{
	size_t n;

	if (!url_ok(a))
		return false;
	n = a->terminal_id != NULL ? strlen(a->terminal_id) : 0;
	if (n == 0 || n > 32 ||
	    strspn(a->terminal_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				   "0123456789._-") != n) {
		enrol_say(a, "--terminal-id: 1 to 32 letters, digits, '.', '_' or '-'");
		return false;
	}
	return true;
}

/* Asked for once it is needed: not by a terminal enrolled already. */
static bool
code_ok(struct enrol_args *a)
{
	size_t n = a->code != NULL ? strlen(a->code) : 0;

	if (n != 12 || strspn(a->code, "0123456789") != n) {
		enrol_say(a, "--code: the 12-digit enrolment code is needed");
		return false;
	}
	return true;
}

/* Where the files go: as an existing configuration says, else beside it. */
static enum enrol_status
files_plan(struct enrol_args *a, struct enrol_files *f, struct config *cfg)
{
	char err[1024];

	enrol_files_beside(a->config_path, f);
	if (a->fresh || access(a->config_path, F_OK) != 0)
		return ENROL_OK;
	if (config_load(cfg, a->config_path, err, sizeof err) != 0) {
		enrol_say(a, "%s", err);
		return ENROL_LOCAL;
	}
	if (strcmp(cfg->terminal_id, a->terminal_id) != 0) {
		enrol_say(a, "%s names terminal %s, not %s", a->config_path,
			  cfg->terminal_id, a->terminal_id);
		return ENROL_LOCAL;
	}
	if (cfg->ca_file == NULL || cfg->cert_file == NULL) {
		enrol_say(a,
			  "%s exists but names no ca_file, cert_file and key_file in "
			  "[backend]: add them (e.g. %s, %s, %s) or remove the file",
			  a->config_path, f->ca, f->cert, f->key);
		return ENROL_LOCAL;
	}
	enrol_files_free(f);
	f->ca = xstrdup(cfg->ca_file);
	f->cert = xstrdup(cfg->cert_file);
	f->key = xstrdup(cfg->key_file);
	f->have_config = true;
	return ENROL_OK;
}

/* Already enrolled as asked: the CA, a certificate of this terminal that
 * has not expired, and its key; named by the configuration, or beside
 * where it goes (a run cut after the certificate came, before the
 * configuration was written: the code is spent by then). */
static bool
enrolled_already(struct enrol_args *a, const struct enrol_files *f)
{
	struct termcert tc;
	char fp[65], why[512];

	if (termcert_file_fingerprint(f->ca, fp) == 0 &&
	    termcert_fingerprint_is(a->fingerprint, fp) &&
	    termcert_read(f->cert, f->key, &tc, why, sizeof why) == 0 &&
	    strcmp(tc.cn, a->terminal_id) == 0 &&
	    termcert_days_left(&tc, time(NULL)) > 0) {
		a->got = tc;
		a->already = true;
		return true;
	}
	return false;
}

/* GET /v1/ca unverified; keep the certificate with the given fingerprint. */
static enum enrol_status
fetch_ca(struct enrol_args *a, const struct enrol_files *f)
{
	char *data = NULL, fp[65], *pem = NULL;
	size_t len = 0;
	enum backend_err err;
	enum enrol_status st = ENROL_FINGERPRINT;
	BIO *b;
	X509 *x;

	a->ca_seen[0] = '\0';
	backend_set_unverified(true);
	err = backend_fetch("/v1/ca", NULL, CA_MAX, NULL, &data, &len);
	backend_set_unverified(false);
	if (err != BACKEND_OK) {
		enrol_say(a, "%s: cannot fetch the backend's CA (%s): nothing was sent",
			  a->url, backend_err_name(err));
		wipe_free(data);
		return ENROL_BACKEND;
	}
	b = BIO_new_mem_buf(data, (int)len);
	while (b != NULL && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		unsigned char *der = NULL;
		int n = i2d_X509(x, &der);

		if (n > 0) {
			codec_sha256_hex(der, (size_t)n, fp);
			/* The first one sent is what the operator compares. */
			if (a->ca_seen[0] == '\0')
				memcpy(a->ca_seen, fp, sizeof a->ca_seen);
			if (termcert_fingerprint_is(a->fingerprint, fp)) {
				BIO *o = BIO_new(BIO_s_mem());
				char *p;
				long plen;

				PEM_write_bio_X509(o, x);
				plen = BIO_get_mem_data(o, &p);
				pem = xstrndup(p, (size_t)plen);
				BIO_free(o);
			}
		}
		OPENSSL_free(der);
		X509_free(x);
		if (pem != NULL)
			break;
	}
	BIO_free(b);
	wipe_free(data);
	if (pem == NULL) {
		enrol_say(a,
			  "the backend's CA is not the one with fingerprint %s (it sent "
			  "%s): refused, nothing was sent",
			  a->fingerprint, a->ca_seen[0] != '\0' ? a->ca_seen : "none");
		return st;
	}
	a->ca_seen[0] = '\0';
	st = enrol_write_file(a, f->ca, pem, strlen(pem), 0644) == 0 ? ENROL_OK
								     : ENROL_LOCAL;
	free(pem);
	return st;
}

/*
 * The configuration's folder (/etc/cakiosk before anything is installed):
 * made if it is missing, 0750, one level only - a parent that is missing
 * too is a mistyped path, said as such.
 */
static bool
folder_ok(struct enrol_args *a)
{
	char *dir = xstrdup(a->config_path), *slash = strrchr(dir, '/');
	bool ok = true;

	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
			enrol_say(a, "cannot make the folder %s: %s", dir,
				  strerror(errno));
			ok = false;
		}
	}
	free(dir);
	return ok;
}

static enum enrol_status
refused(struct enrol_args *a, const struct backend_reply *rep, enum backend_err err)
{
	if (err != BACKEND_REFUSED) {
		enrol_say(a,
			  "the backend did not enrol this terminal (%s %ld): try again",
			  backend_err_name(err), rep->status);
		return ENROL_BACKEND;
	}
	enrol_say(a, "the backend refused: %s (%s)", rep->code, rep->message);
	if (strcmp(rep->code, "rate_limited") == 0)
		return ENROL_LIMITED;
	if (strcmp(rep->code, "enrol_code_invalid") == 0 ||
	    strcmp(rep->code, "enrol_code_used") == 0 ||
	    strcmp(rep->code, "terminal_mismatch") == 0)
		return ENROL_CODE;
	return ENROL_BACKEND;
}

/* POST /v1/enrol and keep the certificate that comes back. */
static enum enrol_status
enrol_post(struct enrol_args *a, const struct enrol_files *f, const char *csr)
{
	struct config cfg;
	struct backend_reply rep = {0};
	struct termcert tc;
	char key[BACKEND_IDEM_KEY_LEN + 1], why[512];
	enum enrol_status st = ENROL_BACKEND;
	enum backend_err err;
	json_t *body;
	const char *pem;

	config_defaults(&cfg);
	cfg.backend_url = xstrdup(a->url);
	cfg.ca_file = xstrdup(f->ca);
	cfg.terminal_id = xstrdup(a->terminal_id);
	backend_cleanup();
	if (backend_init(&cfg) != 0) {
		config_free(&cfg);
		return ENROL_LOCAL;
	}
	body = json_pack("{s:s, s:s, s:s}", "code", a->code, "csr", csr, "terminal_id",
			 a->terminal_id);
	backend_new_key(key);
	err = backend_call("POST", "/v1/enrol", body, key, NULL, &rep);
	json_decref(body);
	if (err != BACKEND_OK) {
		st = refused(a, &rep, err);
		goto out;
	}
	pem = json_string_value(json_object_get(rep.json, "certificate"));
	if (pem == NULL || termcert_check_pem(pem, f->key, &tc, why, sizeof why) != 0) {
		enrol_say(a, "the backend's certificate is not for this key: %s",
			  pem ? why : "none");
		goto out;
	}
	if (strcmp(tc.cn, a->terminal_id) != 0) {
		enrol_say(a, "the backend's certificate names terminal %s, not %s", tc.cn,
			  a->terminal_id);
		st = ENROL_CODE;
		goto out;
	}
	st = enrol_write_file(a, f->cert, pem, strlen(pem), 0644) == 0 ? ENROL_OK
								       : ENROL_LOCAL;
	if (st == ENROL_OK) {
		a->got = tc;
		if (!a->quiet)
			printf("enrolled: terminal %s, certificate %s, %ld days\n", tc.cn,
			       tc.serial, termcert_days_left(&tc, time(NULL)));
	}
out:
	backend_reply_free(&rep);
	config_free(&cfg);
	return st;
}

/* Fetch and check the CA, with a client for the backend made for it. */
static enum enrol_status
ca_step(struct enrol_args *a, const struct enrol_files *f)
{
	struct config net;
	enum enrol_status st;

	config_defaults(&net);
	net.backend_url = xstrdup(a->url);
	net.terminal_id = xstrdup(a->terminal_id != NULL ? a->terminal_id : "setup");
	st = backend_init(&net) == 0 ? fetch_ca(a, f) : ENROL_LOCAL;
	config_free(&net);
	return st;
}

enum enrol_status
enrol_check_ca(struct enrol_args *a)
{
	struct enrol_files f = {0};
	enum enrol_status st = ENROL_USAGE;

	a->detail[0] = '\0';
	if (url_ok(a)) {
		enrol_files_beside(a->config_path, &f);
		st = ca_step(a, &f);
		backend_cleanup();
		enrol_files_free(&f);
	}
	return st;
}

enum enrol_status
enrol_run(struct enrol_args *a)
{
	struct enrol_files f = {0};
	struct config cfg = {0};
	enum enrol_status st;
	char why[512];
	char *csr = NULL;

	a->detail[0] = '\0';
	a->already = false;
	if (!args_ok(a)) {
		st = ENROL_USAGE;
		goto out;
	}
	if ((st = files_plan(a, &f, &cfg)) != ENROL_OK)
		goto out;
	if (enrolled_already(a, &f)) {
		if (!a->quiet)
			printf("already enrolled: terminal %s (%s); the code was not "
			       "used\n",
			       a->terminal_id, a->config_path);
		if (!f.have_config && !a->quiet)
			st = enrol_write_config(a, NULL, 0644);
		goto out;
	}
	if (!code_ok(a)) {
		st = ENROL_USAGE;
		goto out;
	}
	if (!folder_ok(a)) {
		st = ENROL_LOCAL;
		goto out;
	}
	if ((st = ca_step(a, &f)) != ENROL_OK)
		goto out;
	/* The key a cut-off run left, or a new EC P-256 key (0600). */
	if ((csr = termcert_csr(f.key, a->terminal_id, why, sizeof why)) == NULL) {
		enrol_say(a, "%s", why);
		st = ENROL_LOCAL;
		goto out;
	}
	if ((st = enrol_post(a, &f, csr)) != ENROL_OK)
		goto out;
	if (!f.have_config && !a->quiet)
		st = enrol_write_config(a, NULL, 0644);
out:
	backend_cleanup();
	secure_wipe(a->code, a->code != NULL ? strlen(a->code) : 0);
	free(csr);
	enrol_files_free(&f);
	if (cfg.terminal_id != NULL)
		config_free(&cfg);
	return st;
}
