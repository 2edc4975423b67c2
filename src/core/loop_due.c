/*
 * loop_due.c - when the event loop ticks next (see loop_int.h): the
 * clock's turn, the health check, the idle countdown and the upkeep, or
 * every TICK_BUSY_MS while something moves.
 */
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "health.h"
#include "linkstate.h"
#include "loop.h"
#include "loop_int.h"
#include "screen.h"
#include "upkeep.h"
#include "worker.h"

/* The minute the header's clock shows: it prints time(NULL) (ui.c), which
 * may lag CLOCK_REALTIME by a kernel tick. */
int64_t
loop_wall_minute(void)
{
	return (int64_t)time(NULL) / 60;
}

/* When the health check is next due (maybe past); INT64_MAX while it or
 * another job is out (the loop hears when it ends). */
static int64_t
probe_due(void)
{
	int64_t heard = link_reported_at();

	if (loop.probing || worker_pending() > 0)
		return INT64_MAX;
	if (heard < loop.last_probe)
		heard = loop.last_probe;
	return heard == 0 ? 0 : heard + HEALTH_EVERY_MS;
}

/*
 * The status line stays true on every screen: when no call has said how
 * the backend is for HEALTH_EVERY_MS, a health check asks.  Only while the
 * worker is idle, and as background work that any customer's job cancels.
 */
void
loop_maybe_probe(int64_t now)
{
	struct job *job;

	if (now < probe_due())
		return;
	job = health_job_new();
	loop.last_probe = now;
	loop.probing = true;
	job->owner = &loop;
	worker_submit_background(job);
}

int
loop_idle_timeout(void)
{
	return loop.assist ? loop.cfg->assist_idle_timeout : loop.cfg->idle_timeout;
}

/* When the idle countdown starts unless a key comes first; INT64_MAX when
 * it does not start here. */
int64_t
loop_idle_due(void)
{
	/* A screen that never times out does not under help either. */
	for (int i = loop_live_base(); i < loop.depth; i++)
		if (loop.stack[i].ops->flags & SCREEN_NO_IDLE)
			return INT64_MAX;
	if (loop_top()->ops == screen_get(SCR_IDLE))
		return INT64_MAX;
	/* Someone waiting on a card or the backend is not idle. */
	if (worker_pending() > (loop.probing ? 1 : 0) + upkeep_running())
		return INT64_MAX;
	return loop.last_input + (int64_t)loop_idle_timeout() * 1000;
}

/* Does any screen at work count something down or poll? */
static bool
ticking(void)
{
	for (int i = loop_live_base(); i < loop.depth; i++)
		if (loop.stack[i].ops->tick != NULL)
			return true;
	return false;
}

/* A customer's job out, or a screen that counts down or polls. */
bool
loop_moving(void)
{
	return worker_pending() > (loop.probing ? 1 : 0) + upkeep_running() || ticking();
}

/* A customer's visit: anything but the welcome screen alone. */
bool
loop_visiting(void)
{
	return !(loop.depth == 1 && loop_top()->ops == screen_get(SCR_WELCOME));
}

/* Milliseconds until the header's clock (hours and minutes) turns. */
int64_t
loop_clock_turns_in(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return 60000 - (int64_t)(ts.tv_sec % 60) * 1000 - ts.tv_nsec / 1000000 +
	       CLOCK_SPARE_MS;
}

/*
 * When the loop ticks next.  While something moves (a customer's job out,
 * a screen that counts down or polls) every TICK_BUSY_MS.  Otherwise at the
 * first thing due: the clock's next minute, the idle countdown, the health
 * check, the upkeep; keys, finished jobs, UKeys and signals wake the loop
 * by themselves.  Never sooner than TICK_BUSY_MS after the last tick, so
 * that something due that cannot start yet does not spin the loop.
 */
int64_t
loop_next_tick(void)
{
	int64_t floor = loop.last_tick + TICK_BUSY_MS, due, d;

	if (loop_moving())
		return floor;
	due = loop.clock_due;
	d = loop_idle_due();
	due = d < due ? d : due;
	d = probe_due();
	due = d < due ? d : due;
	d = upkeep_due(loop.cfg, loop_visiting());
	due = d < due ? d : due;
	return due > floor ? due : floor;
}
