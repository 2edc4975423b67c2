/*
 * upkeep.h - the terminal looking after itself while nobody is served: its
 * certificate renewed when it nears its end (termrenew.h; at start, then
 * daily, hourly while that fails) and its heartbeat to the backend (at
 * start, then every [backend] heartbeat_interval seconds).
 *
 * One background worker job does both (worker_submit_background: only
 * while the worker is idle, and any customer's job cancels it), between
 * visits (on the welcome screen) unless it is a whole period late.  The
 * loop ticks it and hands back what the worker finished; the status line
 * asks whether to warn of a certificate whose renewal fails.
 */
#ifndef CAKIOSK_UPKEEP_H
#define CAKIOSK_UPKEEP_H

#include <stdbool.h>
#include <stdint.h>

struct config;
struct job;

/* How often the certificate's end is looked at, and again after a failed
 * renewal. */
#define UPKEEP_RENEW_EVERY_MS (24LL * 3600 * 1000)
#define UPKEEP_RENEW_RETRY_MS (3600LL * 1000)

/* UI thread, on every tick: when something is due at now (loop_now) and
 * the worker is idle, the job goes to it as background work.  During a
 * customer's visit (visit) only what is a whole period late. */
void upkeep_tick(const struct config *cfg, int64_t now, bool visit);
/* UI thread: when upkeep_tick next has something to do (loop_now
 * milliseconds, maybe past), INT64_MAX while the job or any other is out
 * (the loop hears when it ends): the idle loop sleeps until then. */
int64_t upkeep_due(const struct config *cfg, bool visit);
/* UI thread: a customer starts; the job, if out, gives way. */
void upkeep_cancel(void);
/* UI thread: 1 while the job is out, else 0. */
int upkeep_running(void);
/* UI thread: a job the worker gave back; true (and released here) when it
 * is the upkeep's. */
bool upkeep_collect(struct job *job, int64_t now);
/* Any thread: the certificate ends within renew_days and renewing it
 * failed; *days gets the whole days left (0 on its last day). */
bool upkeep_cert_warning(int *days);

#endif
