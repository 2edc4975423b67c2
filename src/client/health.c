/*
 * health.c - the background health check as a worker job (see health.h).
 */
#include "health.h"

#include <stdlib.h>

#include "api.h"
#include "worker.h"
#include "xmem.h"

static void
health_run(struct job *job)
{
	struct api_health h;
	struct api_err e;

	/* api_health reports to the status line as it goes. */
	api_health(job, &h, &e);
}

static void
health_release(struct job *job)
{
	free(job);
}

struct job *
health_job_new(void)
{
	struct job *job = xcalloc(1, sizeof *job);

	job_init(job, "health", health_run, health_release);
	return job;
}
