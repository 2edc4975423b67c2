/*
 * renewrun.c - one visit of a customer who renews, as the kiosk's screens
 * take it, without a screen: the UKey inserted and read, the PIN, the CA
 * asked, the order, the payment (the new key made meanwhile), the
 * certificate and seal installed - each the kiosk's own job on its worker
 * thread (tests/token/renew_drive.h), against the real backend and the
 * configured PKCS#11 module.  For the matrix of tests/token/test_renew_pull.sh.
 *
 *   renewrun CONFIG PIN EMAIL
 *
 * Where a step fails, the visit goes on as the screens do: a UKey pulled
 * (none present any more) or a login lost is put back, read and logged in
 * again (the insert and PIN steps); any other failure is tried again (the
 * customer presses "Try again").  Before the payment the UKey put back is
 * taken afresh; after it, the paid order stays bound to it.  A UKey whose
 * CA finds a paid renewal unfinished (a new visit after one that gave up)
 * goes straight to the install.
 *
 * Environment (all optional):
 *   RENEW_CTL=FILE         the test module's control file; with
 *   RENEW_CTL_START=TEXT   written there (\n: newline) before the UKey is
 *                          first read: "present=*\npull_nth=7", so the
 *                          module counts the visit's calls alone;
 *   RENEW_CTL_AGAIN=TEXT   written after each failure (the card put back,
 *                          an injected fault not repeated)
 *   RENEW_TRIES=N          failures taken before the visit gives up (6)
 *
 * Prints one line: outcome=DONE|GAVE_UP faults=N path=new|resumed
 * order=ID [at=STEP reason="..."]; exit 0 when DONE.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "config.h"
#include "log.h"
#include "renew.h"
#include "session.h"
#include "token.h"
#include "worker.h"
#include "xmem.h"

#include "drive.h"
#include "renew_drive.h"

static struct rd_visit v;
static const char *ca_file, *email;

int
main(int argc, char **argv)
{
	struct config cfg;
	char pin[64];
	bool done = false, resumed = false;
	const char *tries = getenv("RENEW_TRIES");

	setlocale(LC_ALL, "C.UTF-8");
	if (argc != 4) {
		fprintf(stderr, "usage: renewrun CONFIG PIN EMAIL\n");
		return 2;
	}
	snprintf(pin, sizeof pin, "%s", argv[2]);
	secure_wipe(argv[2], strlen(argv[2]));
	v.pin = pin;
	v.ctl = getenv("RENEW_CTL");
	v.again = getenv("RENEW_CTL_AGAIN");
	email = argv[3];
	v.max_faults = tries != NULL ? atoi(tries) : 6;
	if (drive_start(&cfg, argv[1], "renewrun") == 0) {
		ca_file = cfg.ca_file;
		renew_begin();
		drive_ctl_write(getenv("RENEW_CTL"), getenv("RENEW_CTL_START"));
		done = rd_renewal(&v, email, ca_file, &resumed);
		printf("outcome=%s faults=%d path=%s order=%s", done ? "DONE" : "GAVE_UP",
		       v.faults, resumed ? "resumed" : "new",
		       session_get()->order_id[0] ? session_get()->order_id : "-");
		if (v.at != NULL)
			printf(" at=%s reason=\"%s\"", v.at, v.why != NULL ? v.why : "");
		printf("\n");
	}
	secure_wipe(pin, sizeof pin);
	drive_end(&cfg);
	return done ? 0 : 1;
}
