/*
 * selftest.c - the terminal's checks for its operator (see selftest.h).
 *
 * A module must load and give its PKCS#11 function list; the self-test
 * then lists its slots (token_module_probe).  The certificate checks read
 * the files the kiosk will present.
 */
#include "selftest.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "backend.h"
#include "config.h"
#include "i18n.h"
#include "now.h"
#include "termcert.h"
#include "token.h"
#include "say.h"

struct run {
	FILE *out;
	int failed;
	char *first;
	size_t firstlen;
};

static void line(struct run *r, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
line(struct run *r, bool ok, const char *fmt, ...)
{
	va_list ap;
	char *clean;

	/* Paths and replies quoted here come from outside. */
	va_start(ap, fmt);
	clean = say_vformat(fmt, ap);
	va_end(ap);
	if (r->out != NULL)
		fprintf(r->out, "%s %s\n", ok ? "ok  " : "FAIL", clean);
	if (!ok && r->failed++ == 0 && r->first != NULL)
		snprintf(r->first, r->firstlen, "%s", clean);
	free(clean);
}

static void warn(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A line that needs the operator's eye but fails nothing. */
static void
warn(struct run *r, const char *fmt, ...)
{
	va_list ap;
	char *clean;

	va_start(ap, fmt);
	clean = say_vformat(fmt, ap);
	va_end(ap);
	if (r->out != NULL)
		fprintf(r->out, "WARN %s\n", clean);
	free(clean);
}

/* A vendor's module loads as PKCS#11; with slots, its slots are listed. */
static void
check_module(struct run *r, const struct config_vendor *v, bool slots)
{
	unsigned long n[2] = {0, 0};
	char why[512];

	if (token_module_probe(v->module, slots ? n : NULL, why, sizeof why) != 0)
		line(r, false, "module %s: %s: %s", v->name, v->module, why);
	else if (!slots)
		line(r, true, "module %s: %s loads", v->name, v->module);
	else
		line(r, true, "module %s: %s: %lu reader slot%s, %lu with a token",
		     v->name, v->module, n[0], n[0] == 1 ? "" : "s", n[1]);
}

static void
check_cert(struct run *r, const struct config *cfg, bool local)
{
	struct termcert tc;
	char why[512];
	long days;

	if (cfg->cert_file == NULL) {
		if (local)
			line(r, false,
			     "certificate: no [backend] cert_file and key_file: "
			     "enrol this terminal (cakiosk --enrol)");
		return;
	}
	if (termcert_read(cfg->cert_file, cfg->key_file, &tc, why, sizeof why) != 0) {
		line(r, false, "certificate: %s", why);
		return;
	}
	line(r, true, "certificate: %s and its key %s match (serial %s)", cfg->cert_file,
	     cfg->key_file, tc.serial);
	if (strcmp(tc.cn, cfg->terminal_id) == 0)
		line(r, true, "terminal id: the certificate's CN is %s", tc.cn);
	else
		line(r, false,
		     "terminal id: the certificate is for %s, the configuration "
		     "says %s",
		     tc.cn, cfg->terminal_id);
	if (!local)
		return;
	days = termcert_days_left(&tc, time(NULL));
	if (days > 0 && days <= cfg->renew_days)
		/* Not a failure: the kiosk renews it by itself; a warning
		 * that stays says the renewal keeps failing. */
		warn(r,
		     "expiry: %ld days left: renewal is due (the kiosk renews it "
		     "at start and daily within renew_days = %d)",
		     days, cfg->renew_days);
	else
		line(r, days > 0, "expiry: %ld days left", days);
}

static void
check_backend(struct run *r, const struct config *cfg)
{
	struct api_health h;
	struct api_err e = {0};
	int64_t start = now_ms();

	if (backend_init(cfg) != 0) {
		line(r, false, "backend: cannot set up the HTTPS client");
		return;
	}
	if (api_health(NULL, &h, &e))
		line(r, true,
		     "backend: %s answers GET /v1/health and /v1/prices over "
		     "mTLS in %lld ms (protocol %d)",
		     cfg->backend_url, (long long)(now_ms() - start), h.protocol);
	else
		line(r, false, "backend: %s: %s (%s)", cfg->backend_url, api_reason(&e),
		     backend_err_name(e.err));
	backend_cleanup();
}

/* The Chinese catalogue: a message the out-of-service screen shows. */
static void
check_catalogue(struct run *r)
{
	const char *probe = N_("Out of service");
	enum lang was = i18n_get();
	const char *zh;
	bool ok;

	i18n_set(LANG_ZH_CN);
	zh = gettext(probe);
	ok = zh != probe && strcmp(zh, probe) != 0;
	if (ok)
		line(r, true, "catalogue: zh_CN present");
	else
		line(r, false, "catalogue: zh_CN missing (cakiosk.mo)");
	i18n_set(was);
}

int
selftest_run(const struct config *cfg, unsigned parts, FILE *out, char *first,
	     size_t firstlen)
{
	struct run r = {.out = out, .first = first, .firstlen = firstlen};
	bool local = parts & SELFTEST_LOCAL;

	if (first != NULL && firstlen > 0)
		first[0] = '\0';
	for (size_t i = 0; i < cfg->nvendors; i++)
		check_module(&r, &cfg->vendors[i], local);
	check_cert(&r, cfg, local);
	if (local)
		check_catalogue(&r);
	if (parts & SELFTEST_BACKEND)
		check_backend(&r, cfg);
	return r.failed;
}
