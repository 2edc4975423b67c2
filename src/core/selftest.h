/*
 * selftest.h - what an operator and monitoring ask of a terminal: do its
 * PKCS#11 modules load and list their slots, are its certificate and key a
 * pair that names this terminal, how long does the certificate last, does
 * the backend answer it over mTLS, is the Chinese catalogue there.
 *
 * cakiosk --self-test prints one line per check and exits 0 only when all
 * pass; --check-config runs the checks of the files alone; the kiosk at
 * start runs the local ones and shows "out of service" when one fails.
 */
#ifndef CAKIOSK_SELFTEST_H
#define CAKIOSK_SELFTEST_H

#include <stdio.h>

struct config;

enum selftest_part {
	SELFTEST_FILES =
		1, /* modules load, certificate and key a pair, CN = terminal_id */
	SELFTEST_LOCAL = 2,   /* + slots listed, days left, zh_CN */
	SELFTEST_BACKEND = 4, /* + GET /v1/health and /v1/prices over mTLS */
	SELFTEST_ALL = 7,
};

/*
 * Run the parts asked for.  Each check is one line, "ok   WHAT: detail" or
 * "FAIL WHAT: detail", to out (NULL: none); "WARN WHAT: detail" needs the
 * operator's eye and fails nothing (a certificate within renew_days of
 * its end: the kiosk renews it itself).  Returns the number of
 * checks that failed; the first failure's line is kept in first (may be
 * NULL) for a caller that shows one sentence.
 */
int selftest_run(const struct config *cfg, unsigned parts, FILE *out, char *first,
		 size_t firstlen);

#endif
