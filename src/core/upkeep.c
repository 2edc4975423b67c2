/*
 * upkeep.c - certificate renewal and heartbeat as one background job (see
 * upkeep.h).
 */
#include "upkeep.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "backend.h"
#include "config.h"
#include "log.h"
#include "termrenew.h"
#include "token.h"
#include "worker.h"
#include "xmem.h"

#ifndef VERSION
#define VERSION "0.0.0"
#endif

#define READERS_MAX 32

struct upkeep {
	struct job job; /* first: a struct job * is a struct upkeep * */
	const struct config *cfg;
	bool renew, beat; /* what this run is to do */
	/* results */
	enum termrenew_result renewed;
	bool beat_sent;
};

/* UI thread */
static int64_t renew_at, beat_at;
static bool running;
static char owner; /* the job's owner: its address */
/* worker writes, status line reads: days left while renewal fails, or -1 */
static atomic_int warn_days = -1;

static void
do_renew(struct upkeep *u)
{
	const struct config *cfg = u->cfg;
	struct termcert tc;
	char why[512];

	u->renewed = termrenew_run(cfg->cert_file, cfg->key_file, cfg->terminal_id,
				   cfg->renew_days, &u->job, &tc, NULL, why, sizeof why);
	if (u->renewed == TERMRENEW_FAILED && tc.not_after > 0) {
		long days = termcert_days_left(&tc, time(NULL));

		atomic_store(&warn_days, days < 0 ? 0 : (int)days);
	} else if (u->renewed != TERMRENEW_CANCELLED) {
		atomic_store(&warn_days, -1);
	}
}

static void
do_beat(struct upkeep *u)
{
	struct token_reader readers[READERS_MAX];
	struct api_beat in = {.version = VERSION};
	struct api_heartbeat out;
	struct api_err e;
	char last[LOG_PROBLEM_MAX];
	size_t n = token_readers(readers, READERS_MAX);

	in.readers = (int)(n < 64 ? n : 64);
	for (size_t i = 0; i < n && i < READERS_MAX; i++)
		in.ukey |= readers[i].present;
	in.cert_not_after = backend_cert_not_after();
	if (log_last_problem(last, sizeof last, &in.last_error_at))
		in.last_error = last;
	u->beat_sent = api_terminal_heartbeat(&in, &u->job, &out, &e);
	if (u->beat_sent && strcmp(out.state, "ok") != 0)
		log_info("heartbeat: the backend says this terminal's certificate %s is "
			 "%s",
			 out.serial, out.state);
}

static void
upkeep_run(struct job *job)
{
	struct upkeep *u = (struct upkeep *)job;

	if (u->renew && u->cfg->cert_file != NULL && u->cfg->key_file != NULL)
		do_renew(u);
	if (u->beat && !job_cancelled(job))
		do_beat(u);
}

static void
upkeep_release(struct job *job)
{
	free(job);
}

/* When renewal and heartbeat fall due: during a visit a whole period late. */
static void
due_times(const struct config *cfg, bool visit, int64_t *renew, int64_t *beat)
{
	*renew = renew_at + (visit ? UPKEEP_RENEW_EVERY_MS : 0);
	*beat = beat_at + (visit ? (int64_t)cfg->heartbeat_interval * 1000 : 0);
}

static struct job *
job_due(const struct config *cfg, int64_t now, bool visit)
{
	struct upkeep *u;
	int64_t renew_due, beat_due;
	bool renew, beat;

	due_times(cfg, visit, &renew_due, &beat_due);
	renew = now >= renew_due;
	beat = now >= beat_due;

	if (!renew && !beat)
		return NULL;
	u = xcalloc(1, sizeof *u);
	job_init(&u->job, "upkeep", upkeep_run, upkeep_release);
	u->cfg = cfg;
	u->renew = renew;
	u->beat = beat;
	return &u->job;
}

void
upkeep_tick(const struct config *cfg, int64_t now, bool visit)
{
	struct job *job;

	if (running || worker_pending() > 0 || (job = job_due(cfg, now, visit)) == NULL)
		return;
	running = true;
	job->owner = &owner;
	worker_submit_background(job);
}

int64_t
upkeep_due(const struct config *cfg, bool visit)
{
	int64_t renew, beat;

	/* Out, or waiting for the worker: its finishing wakes the loop. */
	if (running || worker_pending() > 0)
		return INT64_MAX;
	due_times(cfg, visit, &renew, &beat);
	return renew < beat ? renew : beat;
}

void
upkeep_cancel(void)
{
	if (running)
		worker_cancel_owner(&owner);
}

int
upkeep_running(void)
{
	return running ? 1 : 0;
}

bool
upkeep_collect(struct job *job, int64_t now)
{
	struct upkeep *u = (struct upkeep *)job;

	if (job->owner != &owner)
		return false;
	running = false;
	/* A customer came (cancelled): what was not done is due again at the
	 * next idle moment; else the next time, sooner after a failure. */
	if (u->renew && u->renewed != TERMRENEW_CANCELLED && !job_cancelled(job))
		renew_at = now + (u->renewed == TERMRENEW_FAILED ? UPKEEP_RENEW_RETRY_MS
								 : UPKEEP_RENEW_EVERY_MS);
	if (u->beat && !job_cancelled(job))
		beat_at = now + (int64_t)u->cfg->heartbeat_interval * 1000;
	job->release(job);
	return true;
}

bool
upkeep_cert_warning(int *days)
{
	int d = atomic_load(&warn_days);

	*days = d;
	return d >= 0;
}
