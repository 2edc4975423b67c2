/*
 * drive.h - what the programs that run the kiosk's jobs without a screen
 * share (tests/bench/renewbench.c, tests/token/unlockrun.c): a clock, a job
 * handed to the worker and taken back as the event loop takes it, and the
 * start and end of the kiosk's parts they need.
 */
#ifndef CAKIOSK_TEST_DRIVE_H
#define CAKIOSK_TEST_DRIVE_H

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "config.h"
#include "log.h"
#include "session.h"
#include "token.h"
#include "worker.h"

static int drive_wake_fd = -1;

static __attribute__((unused)) double
drive_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Hand a job to the worker and wait for it as the event loop does. */
static struct job *
drive_run(struct job *job)
{
	struct job *done;

	worker_submit(job);
	while ((done = worker_take_done()) != job) {
		struct pollfd p = {.fd = drive_wake_fd, .events = POLLIN};

		/* Another job's answer (one started and not waited for): said,
		 * and let go as the loop lets a gone screen's go. */
		if (done != NULL) {
			fprintf(stderr, "drive: job %s came back unasked\n", done->name);
			done->release(done);
			continue;
		}
		if (poll(&p, 1, 120000) <= 0)
			return NULL;
	}
	return done;
}

/* The test module's control file at path as text says ("\n" for
 * newlines), replaced at once (the module sees one change). */
static __attribute__((unused)) void
drive_ctl_write(const char *path, const char *text)
{
	char tmp[4200];
	FILE *f;

	if (path == NULL || text == NULL)
		return;
	snprintf(tmp, sizeof tmp, "%s.run%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	for (const char *p = text; *p != '\0'; p++) {
		if (p[0] == '\\' && p[1] == 'n') {
			fputc('\n', f);
			p++;
		} else {
			fputc(*p, f);
		}
	}
	fputc('\n', f);
	fclose(f);
	rename(tmp, path);
}

/* The configuration, the log, the backend, the modules and the worker. */
static __attribute__((unused)) int
drive_start(struct config *cfg, const char *path, const char *prog)
{
	char err[1024];

	memset(cfg, 0, sizeof *cfg);
	if (config_load(cfg, path, err, sizeof err) != 0) {
		fprintf(stderr, "%s: config: %s\n", prog, err);
		return -1;
	}
	if (log_open(cfg->log, (enum log_level)cfg->log_level, err, sizeof err) != 0 ||
	    backend_init(cfg) != 0 || token_init(cfg) < 1 ||
	    (drive_wake_fd = worker_start()) < 0) {
		fprintf(stderr, "%s: start: log, backend, module or worker\n", prog);
		return -1;
	}
	return 0;
}

/* The visit ends; everything stops in the kiosk's order. */
static __attribute__((unused)) void
drive_end(struct config *cfg)
{
	session_end();
	token_session_end();
	if (drive_wake_fd >= 0)
		worker_stop();
	token_shutdown();
	backend_cleanup();
	log_close();
	config_free(cfg);
}

#endif
