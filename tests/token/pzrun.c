/*
 * pzrun.c - one instant issuance as the counter does it after staff logged
 * in and picked the approved order, without a screen: the kiosk's own job
 * (src/svc/personalize.c) on its worker thread, against the real backend
 * and the configured PKCS#11 module.  For the pull matrix
 * (tests/token/test_personalize_pull.sh) and the benchmark
 * (tests/bench/personalize-bench.sh).
 *
 *   pzrun CONFIG ORDER_ID STAFF_SESSION
 *
 * Environment (all optional):
 *   PZ_CTL=FILE          the test module's control file; with
 *   PZ_CTL_START=TEXT    written there (\n: newline) just before the job
 *                        starts: e.g. "present=*\nblank=2\npull_nth=7";
 *   PZ_CTL_AGAIN=TEXT    written before each new run after PZ_OUT_AGAIN
 *                        (the card put back), up to PZ_RUNS runs (3)
 *   PZ_STOP=STAGE        run the stages before STAGE (a name of
 *                        personalize_stage_name) and exit with status 3 at
 *                        once, like a kiosk killed there
 *
 * Times the job from "blank token inserted" to "order made".  Prints one
 * line: outcome=NAME stage=NAME runs=N ms=MS token=SERIAL cert=SERIAL
 * [reason=...]; exit 0 when DONE.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "personalize.h"
#include "xmem.h"

#include "drive.h"

static enum pz_stage
stage_named(const char *name)
{
	for (int s = 0; s < PZ_STAGE_COUNT; s++)
		if (name != NULL &&
		    strcmp(personalize_stage_name((enum pz_stage)s), name) == 0)
			return (enum pz_stage)s;
	return PZ_DONE;
}

static const char *
outcome_name(enum pz_outcome o)
{
	static const char *const names[] = {"DONE", "AGAIN", "REFUSED", "TOKEN"};

	return (unsigned)o < sizeof names / sizeof names[0] ? names[o] : "?";
}

int
main(int argc, char **argv)
{
	struct config cfg;
	const char *reason = NULL, *ctl = getenv("PZ_CTL");
	enum pz_stage stop = stage_named(getenv("PZ_STOP"));
	enum pz_outcome out = PZ_OUT_AGAIN;
	int runs = 0, max_runs = getenv("PZ_RUNS") ? atoi(getenv("PZ_RUNS")) : 3;
	struct personalize *p = NULL;
	double t0, ms;
	int rc = 1;

	setlocale(LC_ALL, "C.UTF-8");
	if (argc != 4) {
		fprintf(stderr, "usage: pzrun CONFIG ORDER_ID STAFF_SESSION\n");
		return 2;
	}
	if (drive_start(&cfg, argv[1], "pzrun") != 0)
		goto out;
	p = personalize_new(argv[2], argv[3]);
	secure_wipe(argv[3], strlen(argv[3]));
	drive_ctl_write(ctl, getenv("PZ_CTL_START"));
	t0 = drive_now_ms();
	while (runs < max_runs) {
		struct job *job = drive_run(personalize_job_until(p, stop));

		runs++;
		if (job == NULL)
			break;
		out = personalize_result(p, job, &reason, NULL);
		job->release(job);
		if (stop != PZ_DONE && personalize_stage_now(p) == stop) {
			/* Killed between stages: nothing is finished or cleaned. */
			printf("outcome=STOPPED stage=%s runs=%d\n",
			       personalize_stage_name(personalize_stage_now(p)), runs);
			fflush(stdout);
			_exit(3);
		}
		if (out != PZ_OUT_AGAIN)
			break;
		drive_ctl_write(ctl, getenv("PZ_CTL_AGAIN"));
	}
	ms = drive_now_ms() - t0;
	printf("outcome=%s stage=%s runs=%d ms=%.2f token=%s cert=%s", outcome_name(out),
	       personalize_stage_name(personalize_stage_now(p)), runs, ms,
	       personalize_made(p)->token_serial, personalize_made(p)->cert_serial);
	if (out != PZ_OUT_DONE && reason != NULL)
		printf(" reason=\"%s\"", reason);
	printf("\n");
	rc = out == PZ_OUT_DONE ? 0 : 1;
out:
	personalize_free(p);
	drive_end(&cfg);
	return rc;
}
