/*
 * changerun.c - the end of a change of details (信息变更) at the kiosk,
 * without a screen: the UKey inserted and read, the PIN, the CA asked (it
 * finds the approved change), the new key (made while paying when staff
 * approve at once; else the install makes it), the new certificate and
 * seal written, the old pair removed - each the kiosk's own job on its
 * worker thread (tests/token/renew_drive.h: the change is the renewal's
 * work), against the real backend and the configured PKCS#11 module.  For
 * the matrix of tests/token/test_change_pull.sh.  The order is made,
 * documented, paid and approved before, through the API.
 *
 *   changerun CONFIG PIN
 *
 * Where a step fails, the visit goes on as the screens do: a UKey pulled
 * (none present any more) or a login lost is put back, read and logged in
 * again (the insert and PIN steps); any other failure is tried again.
 *
 * Environment (all optional):
 *   CHANGE_CTL=FILE        the test module's control file; with
 *   CHANGE_CTL_START=TEXT  written there (\n: newline) before the UKey is
 *                          first read ("present=*\npull_nth=7")
 *   CHANGE_CTL_AGAIN=TEXT  written after each failure (the card put back)
 *   CHANGE_TRIES=N         failures taken before the visit gives up (6)
 *   CHANGE_KEY=1           the new key made first, as while paying
 *
 * Prints one line: outcome=DONE|GAVE_UP|NOTHING faults=N order=ID
 * [at=STEP reason="..."]; exit 0 when DONE.
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

/* A UKey taken afresh: the renewal's part, marked a change (as the take
 * of screens/svc/change.c). */
static void
taken(void)
{
	renew_get()->change = true;
}

/* 0: done; 1: gave up; 2: nothing to finish on this UKey. */
static int
visit(void)
{
	enum renew_check rc = RC_FAILED;
	const char *why;

	if (!rd_token_up(&v))
		return 1;
	while ((why = rd_check(&rc)) != NULL)
		if (!rd_fault(&v, "check", why, TOKEN_OK))
			return 1;
	if (rc != RC_RESUME) {
		v.at = "check";
		v.why = "no approved change";
		return 2;
	}
	if (getenv("CHANGE_KEY") != NULL) {
		enum token_err err = TOKEN_OK;

		/* Its failure is the install's to mend, as the pay screen's. */
		if ((why = rd_key(&err)) != NULL && !rd_fault(&v, "key", why, err))
			return 1;
	}
	return rd_finish(&v) ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static const char *const outcome[] = {"DONE", "GAVE_UP", "NOTHING"};
	struct config cfg;
	char pin[64];
	int out = 1;
	const char *tries = getenv("CHANGE_TRIES");

	setlocale(LC_ALL, "C.UTF-8");
	if (argc != 3) {
		fprintf(stderr, "usage: changerun CONFIG PIN\n");
		return 2;
	}
	snprintf(pin, sizeof pin, "%s", argv[2]);
	secure_wipe(argv[2], strlen(argv[2]));
	v.pin = pin;
	v.ctl = getenv("CHANGE_CTL");
	v.again = getenv("CHANGE_CTL_AGAIN");
	v.taken = taken;
	v.max_faults = tries != NULL ? atoi(tries) : 6;
	if (drive_start(&cfg, argv[1], "changerun") == 0) {
		renew_begin();
		drive_ctl_write(getenv("CHANGE_CTL"), getenv("CHANGE_CTL_START"));
		out = visit();
		printf("outcome=%s faults=%d order=%s", outcome[out], v.faults,
		       session_get()->order_id[0] ? session_get()->order_id : "-");
		if (v.at != NULL)
			printf(" at=%s reason=\"%s\"", v.at, v.why != NULL ? v.why : "");
		printf("\n");
	}
	secure_wipe(pin, sizeof pin);
	drive_end(&cfg);
	return out == 0 ? 0 : 1;
}
