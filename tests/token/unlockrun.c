/*
 * unlockrun.c - one unlock as the kiosk does it after the customer was
 * verified and typed the new PIN twice, without a screen: the kiosk's own
 * job (src/svc/unlock.c) on its worker thread, against the real backend and
 * the configured PKCS#11 module.  For the pull matrix
 * (tests/token/test_unlock_pull.sh) and the benchmark
 * (tests/bench/unlock-bench.sh).
 *
 *   unlockrun CONFIG ORDER_ID SESSION NEW_PIN|-      (- : PIN-pad reader)
 *
 * Environment (all optional):
 *   UNLOCK_CTL=FILE         the test module's control file; with
 *   UNLOCK_CTL_START=TEXT   written there (\n: newline) just before the job
 *                           starts: e.g. "present=*\npull_nth=7", so the
 *                           module counts the job's calls alone;
 *   UNLOCK_CTL_AGAIN=TEXT   written before each new run after UO_AGAIN (the
 *                           card put back), up to UNLOCK_RUNS runs (3)
 *   UNLOCK_STOP=STAGE       run the stages before STAGE (a name of
 *                           unlock_stage_name) and exit with status 3 at
 *                           once, like a kiosk killed there
 *   UNLOCK_FAULT_AT=STAGE   the stages before STAGE run; then the word
 *   UNLOCK_FAULT=WORD       is written to UNLOCK_FAULT_FILE (the fault
 *   UNLOCK_FAULT_FILE=F     proxy's control: refuse, hang, swallow) and the
 *                           job runs into it once (printed: first=OUTCOME
 *                           reason=...); then "pass" is written and the
 *                           runs go on as above
 *   UNLOCK_TIMES=1          the benchmark: each stage a job of its own,
 *                           timed; also prints NAME=MS per stage and
 *                           work=MS, the time after the authorization
 *
 * Reads the one UKey present first (as the screens have), then times the
 * job from "authorization asked" to "the new PIN works".  Prints one line:
 * outcome=NAME stage=NAME runs=N ms=MS [reason=...]; exit 0 when DONE.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "config.h"
#include "log.h"
#include "session.h"
#include "token.h"
#include "token_job.h"
#include "unlock.h"
#include "worker.h"
#include "xmem.h"

#include "drive.h"

static void
ctl_write(const char *text)
{
	drive_ctl_write(getenv("UNLOCK_CTL"), text);
}

static enum unlock_stage
stage_named(const char *name)
{
	for (int s = 0; s < UL_STAGE_COUNT; s++)
		if (name != NULL &&
		    strcmp(unlock_stage_name((enum unlock_stage)s), name) == 0)
			return (enum unlock_stage)s;
	return UL_DONE;
}

static bool
read_token(void)
{
	struct job *job = drive_run(token_job_read(NULL, 0));
	const struct token_info *ti;
	struct session *s = session_get();
	bool ok;

	if (job == NULL)
		return false;
	ok = token_job_err(job) == TOKEN_OK && token_job_ninfo(job) == 1;
	if (ok) {
		ti = token_job_info(job, 0);
		s->have_token = true;
		s->ref = ti->ref;
		snprintf(s->token_serial, sizeof s->token_serial, "%s", ti->ref.serial);
		s->pinpad = ti->pinpad;
		s->min_pin = ti->min_pin;
		s->max_pin = ti->max_pin;
	} else {
		fprintf(stderr, "unlockrun: read: %s\n",
			token_err_name(token_job_err(job)));
	}
	job->release(job);
	return ok;
}

/* Stage by stage, each timed (a job per stage: the worker's hand-over,
 * microseconds, is counted in). */
static enum unlock_outcome
timed(const char **reason)
{
	double ms[UL_STAGE_COUNT] = {0}, work = 0;

	while (unlock_stage_now() < UL_DONE) {
		enum unlock_stage s = unlock_stage_now();
		double t = drive_now_ms();
		struct job *job = drive_run(unlock_job_until((enum unlock_stage)(s + 1)));
		enum unlock_outcome out;

		if (job == NULL)
			return UO_AGAIN;
		out = unlock_result(job, reason, NULL);
		job->release(job);
		ms[s] = drive_now_ms() - t;
		if (unlock_stage_now() == s)
			return out;
		if (s != UL_AUTHORIZING)
			work += ms[s];
	}
	for (int s = 0; s < UL_DONE; s++)
		printf("%s=%.2f ", unlock_stage_name((enum unlock_stage)s), ms[s]);
	printf("work=%.2f ", work);
	return UO_DONE;
}

static const char *
outcome_name(enum unlock_outcome o)
{
	static const char *const names[] = {"DONE", "AGAIN", "RESTART", "COUNTER", "PIN"};

	return (unsigned)o < sizeof names / sizeof names[0] ? names[o] : "?";
}

static void
fault_write(const char *word)
{
	FILE *f = fopen(getenv("UNLOCK_FAULT_FILE"), "w");

	if (f != NULL) {
		fprintf(f, "%s\n", word);
		fclose(f);
	}
}

/* The backend fails at one stage: the run into it, then the fault ends. */
static void
fault_at(enum unlock_stage at)
{
	const char *reason = NULL;
	enum unlock_outcome out;
	struct job *job = drive_run(unlock_job_until(at));

	if (job != NULL) {
		(void)unlock_result(job, &reason, NULL);
		job->release(job);
	}
	fault_write(getenv("UNLOCK_FAULT"));
	job = drive_run(unlock_job());
	if (job == NULL)
		return;
	out = unlock_result(job, &reason, NULL);
	job->release(job);
	printf("first=%s at=%s reason=\"%s\" ", outcome_name(out),
	       unlock_stage_name(unlock_stage_now()), reason != NULL ? reason : "");
	fault_write("pass");
}

int
main(int argc, char **argv)
{
	struct config cfg;
	const char *reason = NULL;
	enum unlock_stage stop = stage_named(getenv("UNLOCK_STOP"));
	enum unlock_outcome out = UO_AGAIN;
	int runs = 0, max_runs = getenv("UNLOCK_RUNS") ? atoi(getenv("UNLOCK_RUNS")) : 3;
	double t0 = 0, ms = 0;
	int rc = 1;

	setlocale(LC_ALL, "C.UTF-8");
	if (argc != 5) {
		fprintf(stderr, "usage: unlockrun CONFIG ORDER_ID SESSION NEW_PIN|-\n");
		return 2;
	}
	if (drive_start(&cfg, argv[1], "unlockrun") != 0 || !read_token())
		goto out;
	/* What the screens leave in the session: the order, the SMS session,
	 * the new PIN typed twice. */
	unlock_begin();
	snprintf(session_get()->order_id, sizeof session_get()->order_id, "%s", argv[2]);
	snprintf(session_get()->sms_session, sizeof session_get()->sms_session, "%s",
		 argv[3]);
	unlock_set_pin(strcmp(argv[4], "-") == 0 ? NULL : argv[4]);
	secure_wipe(argv[4], strlen(argv[4]));
	ctl_write(getenv("UNLOCK_CTL_START"));
	t0 = drive_now_ms();
	if (getenv("UNLOCK_FAULT_AT") != NULL && getenv("UNLOCK_FAULT_FILE") != NULL)
		fault_at(stage_named(getenv("UNLOCK_FAULT_AT")));
	if (getenv("UNLOCK_TIMES") != NULL) {
		out = timed(&reason);
		runs = max_runs; /* one go */
	}
	while (runs < max_runs) {
		struct job *job = drive_run(unlock_job_until(stop));

		runs++;
		if (job == NULL)
			break;
		out = unlock_result(job, &reason, NULL);
		job->release(job);
		if (stop != UL_DONE && unlock_stage_now() == stop) {
			/* Killed between stages: nothing is finished or cleaned. */
			printf("outcome=STOPPED stage=%s runs=%d\n",
			       unlock_stage_name(unlock_stage_now()), runs);
			fflush(stdout);
			_exit(3);
		}
		if (out != UO_AGAIN)
			break;
		ctl_write(getenv("UNLOCK_CTL_AGAIN"));
	}
	ms = drive_now_ms() - t0;
	printf("outcome=%s stage=%s runs=%d ms=%.2f", outcome_name(out),
	       unlock_stage_name(unlock_stage_now()), runs, ms);
	if (out != UO_DONE && reason != NULL)
		printf(" reason=\"%s\"", reason);
	printf("\n");
	rc = out == UO_DONE ? 0 : 1;
out:
	drive_end(&cfg);
	return rc;
}
