/*
 * loop.c - the event loop and the screen stack (see loop.h).
 *
 * Signals only write their number to a self-pipe (signals.c); everything
 * else happens here, in order, on the UI thread.  What the stack shows is
 * drawn by loop_draw.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "api.h"
#include "config.h"
#include "flow.h"
#include "health.h"
#include "i18n.h"
#include "keys.h"
#include "linkstate.h"
#include "log.h"
#include "loop.h"
#include "loop_int.h"
#include "now.h"
#include "screen.h"
#include "service.h"
#include "signals.h"
#include "token.h"
#include "token_watch.h"
#include "ui.h"
#include "upkeep.h"
#include "worker.h"
#include "xmem.h"

struct loop_state loop = {.sigfd = -1, .jobfd = -1, .tokfd = -1};

int64_t
loop_now(void)
{
	return now_ms();
}

const struct config *
loop_config(void)
{
	return loop.cfg;
}

void
loop_set_assist(bool on)
{
	loop.assist = on;
	loop.redraw = true;
	log_info("assist mode %s", on ? "on" : "off");
}

void
loop_quit(void)
{
	log_info("closed by staff");
	loop.quit = true;
}

bool
loop_assist(void)
{
	return loop.assist;
}

void
loop_on_session_end(void (*fn)(void))
{
	if (loop.nhooks < MAX_SESSION_HOOKS)
		loop.session_hooks[loop.nhooks++] = fn;
}

void
loop_submit(struct job *job)
{
	/* A screen under help polls too: the job is the caller's. */
	job->owner = loop.acting != NULL  ? loop.acting
		     : loop_top() != NULL ? loop_top()->state
					  : NULL;
	/* A screen without state cannot receive results; it must have one. */
	worker_submit(job);
	loop.redraw = true;
}

/* ---- the screen stack ---------------------------------------------- */

static void
screen_push(enum screen_id id, const void *arg)
{
	const struct screen_ops *ops = screen_get(id);
	struct frame *f;

	if (loop.depth == STACK_MAX) {
		/* Only a bug gets here: start over rather than refuse to work. */
		log_error("screen stack full opening %s", ops->name);
		return;
	}
	/* A customer is starting: the worker is theirs, not the health check's
	 * nor the upkeep's. */
	if (loop.probing)
		worker_cancel_owner(&loop);
	upkeep_cancel();
	f = &loop.stack[loop.depth++];
	f->ops = ops;
	/*
	 * A screen may start a job in enter(), before its state exists: such
	 * jobs are owned by a placeholder until enter() has returned it.
	 */
	f->state = &loop.entering;
	f->state = ops->enter != NULL ? ops->enter(arg) : NULL;
	worker_reown(&loop.entering, f->state);
	log_debug("screen %s", ops->name);
	loop.redraw = true;
}

static void
screen_pop(void)
{
	struct frame *f = loop_top();

	if (f == NULL)
		return;
	if (f->state != NULL)
		worker_cancel_owner(f->state);
	if (f->ops->leave != NULL)
		f->ops->leave(f->state);
	/* Results that still arrive for it go nowhere (see jobs_collect). */
	f->state = NULL;
	f->ops = NULL;
	f->held = RESULT(ACT_NONE);
	loop.depth--;
	loop.redraw = true;
}

static void apply(struct result r);

/* The screen below is on top again: what it asked for meanwhile happens. */
static void
apply_held(void)
{
	struct frame *f = loop_top();
	struct result r;

	if (f == NULL || f->held.action == ACT_NONE)
		return;
	r = f->held;
	f->held = RESULT(ACT_NONE);
	apply(r);
}

/*
 * A result from frame f, which may be covered by help or a dialog: a
 * screen change waits until the customer closes what covers it (the help
 * being read is not pulled away), ending the visit does not.
 */
static void
apply_from(struct frame *f, struct result r)
{
	if (f != loop_top() && r.action != ACT_NONE && r.action != ACT_REDRAW &&
	    r.action != ACT_HOME) {
		log_debug("%s: screen change held under %s", f->ops->name,
			  loop_top()->ops->name);
		f->held = r;
		loop.redraw = true;
		return;
	}
	apply(r);
}

/* Call a handler of frame f as that screen (the jobs it starts are its
 * own, on top or not), then act on what it returned. */
#define AS_FRAME(f, call)                                                                \
	do {                                                                             \
		struct result r_;                                                        \
		loop.acting = (f)->state;                                                \
		r_ = (call);                                                             \
		loop.acting = NULL;                                                      \
		apply_from((f), r_);                                                     \
	} while (0)

static void
visit_end(const char *why)
{
	while (loop.depth > 0)
		screen_pop();
	for (int i = 0; i < loop.nhooks; i++)
		loop.session_hooks[i]();
	loop.assist = false;
	i18n_set((enum lang)loop.cfg->language);
	log_info("session ended (%s)", why);
	screen_push(SCR_WELCOME, NULL);
}

static void
apply(struct result r)
{
	switch (r.action) {
	case ACT_NONE:
		break;
	case ACT_REDRAW:
		loop.redraw = true;
		break;
	case ACT_PUSH:
		screen_push(r.target, r.arg);
		break;
	case ACT_POP:
		/* Back past the first screen: the visit is over, as with Finish. */
		if (loop.depth <= 1) {
			visit_end("customer left");
		} else {
			screen_pop();
			apply_held();
		}
		break;
	case ACT_REPLACE:
		screen_pop();
		screen_push(r.target, r.arg);
		break;
	case ACT_HOME:
		visit_end("customer");
		break;
	case ACT_FLOW:
		/* The flow says which screen; switching is done here as ever. */
		apply(flow_resolve(r.go));
		break;
	case ACT_MENU:
		while (loop.depth > 1 && loop_top()->ops != screen_get(SCR_MENU))
			screen_pop();
		if (loop_top()->ops != screen_get(SCR_MENU))
			screen_push(SCR_MENU, NULL);
		break;
	}
}

/* ---- drawing (loop_draw.c) ------------------------------------------ */

static void
draw(void)
{
	loop.drawn_minute = loop_wall_minute();
	loop_draw(loop.stack, loop.depth, loop.cfg, loop.assist);
	loop.redraw = false;
}

/* What the health check brought that shows (the status line, the services
 * the prices allow): redraw when it changed. */
static void
news_check(void)
{
	if (link_changes() != loop.link_seen ||
	    api_prices_changes() != loop.prices_seen) {
		loop.link_seen = link_changes();
		loop.prices_seen = api_prices_changes();
		loop.redraw = true;
	}
}

/* ---- input ----------------------------------------------------------- */

static bool
is_global(const struct frame *f, int key)
{
	return !(f->ops->flags & SCREEN_NO_GLOBAL) &&
	       (key == K_F(1) || key == K_F(2) || key == K_F(12));
}

static void
handle_key(int key)
{
	struct frame *f = loop_top();

	if (key == K_FN(KEY_RESIZE)) {
		loop.redraw = true;
		return;
	}
	loop.last_input = loop_now();
	/* A key may change what shows even where its screen says nothing
	 * (ACT_NONE): redrawn now, not at the next tick, which idle may be
	 * seconds away. */
	loop.redraw = true;
	if (ui_too_small())
		return;
	if (key == K_FN(KEY_MOUSE)) {
		MEVENT ev;

		if (getmouse(&ev) != OK ||
		    !(ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)))
			return;
		key = ui_hit_key(ev.y, ev.x);
		if (key == 0)
			return;
	}
	if (is_global(f, key)) {
		if (key == K_F(2)) {
			i18n_set(i18n_next(i18n_get()));
			log_info("language %s", i18n_code(i18n_get()));
			loop.redraw = true;
		} else if (key == K_F(1)) {
			if (f->ops == screen_get(SCR_HELP))
				apply(RESULT(ACT_POP));
			else
				apply(RESULT_PUSH(SCR_HELP, f->ops));
		} else if (!(f->ops->flags & (SCREEN_NO_STAFF_CALL | SCREEN_STAFF))) {
			/* Said to the customer once the backend has the call. */
			log_warn("customer calls staff from %s", f->ops->name);
			apply(RESULT_PUSH(SCR_CALL, f->ops->name));
		}
		return;
	}
	if (f->ops->key != NULL)
		apply(f->ops->key(f->state, key));
}

static void
read_keys(void)
{
	wint_t wc;
	int rc;

	while ((rc = get_wch(&wc)) != ERR) {
		int key = rc == KEY_CODE_YES ? K_FN((int)wc) : (int)wc;

		/* One Enter, whichever the terminal sends. */
		if (key == '\r' || key == K_FN(KEY_ENTER))
			key = K_ENTER;
		if (key == K_FN(KEY_BACKSPACE) || key == '\b')
			key = K_BACKSPACE;
		handle_key(key);
		if (loop.quit)
			break;
	}
}

/* ---- jobs, timers, signals ------------------------------------------- */

static void
jobs_collect(void)
{
	struct job *job;

	while ((job = worker_take_done()) != NULL) {
		struct frame *owner = NULL;

		for (int i = 0; i < loop.depth; i++)
			if (job->owner != NULL && loop.stack[i].state == job->owner)
				owner = &loop.stack[i];
		if (job->owner == &loop) {
			/* The health check told the status line itself: redrawn
			 * only if what it brought changed (news_check). */
			loop.probing = false;
			news_check();
			job->release(job);
			continue;
		} else if (upkeep_collect(job, loop_now())) {
			loop.redraw = true;
			continue; /* released there */
		} else if (owner != NULL && owner->ops->job_done != NULL &&
			   !job_cancelled(job)) {
			log_debug("job %s done", job->name);
			AS_FRAME(owner, owner->ops->job_done(owner->state, job));
		} else {
			log_debug("job %s dropped (%s)", job->name,
				  job_cancelled(job) ? "cancelled" : "no screen");
		}
		job->release(job);
		loop.redraw = true;
	}
}

/*
 * The set of UKeys changed: the screen on top hears of it, and a UKey put
 * in at the welcome or menu screen opens "Check my UKey" by itself.
 */
static void
tokens_changed(void)
{
	struct frame *f = loop_top();
	size_t before = loop.tokens;

	loop.tokens = token_watch_state(NULL);
	loop.redraw = true;
	log_info("UKeys present: %zu", loop.tokens);
	if (loop.tokens > before && loop.tokens == 1 && !ui_too_small() &&
	    service_get(SVC_CHECK)->entry == SCR_CHECK &&
	    (f->ops == screen_get(SCR_WELCOME) || f->ops == screen_get(SCR_MENU))) {
		loop.last_input = loop_now();
		if (f->ops == screen_get(SCR_WELCOME))
			screen_push(SCR_MENU, NULL);
		screen_push(SCR_CHECK, NULL);
		return;
	}
	/* Help and dialogs sit on top; the screens below them care. */
	for (int i = loop.depth - 1; i >= loop_live_base() && i < loop.depth; i--) {
		f = &loop.stack[i];
		if (f->ops->tokens != NULL)
			AS_FRAME(f, f->ops->tokens(f->state));
	}
}

static void
idle_check(int64_t now)
{
	if (now >= loop_idle_due()) {
		log_info("idle for %d s on %s", loop_idle_timeout(),
			 loop_top()->ops->name);
		screen_push(SCR_IDLE, &loop.cfg->idle_countdown);
	}
}

static void
tick(int64_t now)
{
	loop.last_tick = now;
	news_check();
	/* Bottom up: a result may close the frames above (ending the visit). */
	for (int i = loop_live_base(); i < loop.depth; i++) {
		struct frame *f = &loop.stack[i];

		if (f->ops->tick != NULL)
			AS_FRAME(f, f->ops->tick(f->state, now));
	}
	idle_check(now);
	/* Renewal and heartbeat between visits (upkeep.h). */
	upkeep_tick(loop.cfg, now, loop_visiting());
	loop_maybe_probe(now);
	/*
	 * While something moves, every tick (curses sends only what changed);
	 * idle, the header's clock (hours and minutes) when its minute turned:
	 * a redraw of an unchanged screen is most of what an idle wake-up costs.
	 */
	if (loop_moving() || loop_wall_minute() != loop.drawn_minute)
		loop.redraw = true;
	/* The next turn, as a deadline of its own: a wake-up for the clock
	 * must find it due, or nothing redraws until something else ticks. */
	loop.clock_due = now + loop_clock_turns_in();
}

int
loop_run(const struct config *cfg)
{
	struct pollfd pfd[4];

	loop.cfg = cfg;
	loop.sigfd = signals_init();
	if (loop.sigfd < 0) {
		log_error("cannot set up signal handling");
		return 1;
	}
	/* PKCS#11 modules are loaded before any thread but ours exists. */
	loop.tokfd = token_watch_start(cfg);
	loop.tokens = token_watch_state(NULL);
	loop.jobfd = worker_start();
	if (loop.jobfd < 0) {
		log_error("cannot start the worker thread");
		return 1;
	}
	if (ui_init() != 0) {
		worker_stop();
		log_error("cannot start the screen (TERM=%s)",
			  getenv("TERM") != NULL ? getenv("TERM") : "");
		return 1;
	}
	log_set_screen_active(true);
	loop.last_input = loop_now();
	screen_push(SCR_WELCOME, NULL);
	log_info("ready on terminal %s", cfg->terminal_id);
	/* The welcome screen before the first tick: the jobs that tick
	 * starts (the health check, the heartbeat) load libcurl and its
	 * thirty-odd libraries on the worker, which would otherwise map them
	 * while this thread maps and draws the first frame (1.7 ms of a
	 * start-up of 12 ms, measured by tests/bench/startup.sh). */
	draw();

	while (!loop.quit) {
		int64_t now = loop_now();
		int wait;

		if (now >= loop_next_tick())
			tick(now);
		/* Within a minute (the clock), at least TICK_BUSY_MS after a tick. */
		wait = (int)(loop_next_tick() - now);
		if (loop.redraw)
			draw();
		pfd[0] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
		pfd[1] = (struct pollfd){.fd = loop.sigfd, .events = POLLIN};
		pfd[2] = (struct pollfd){.fd = loop.jobfd, .events = POLLIN};
		pfd[3] = (struct pollfd){.fd = loop.tokfd, .events = POLLIN};
		if (poll(pfd, loop.tokfd >= 0 ? 4 : 3, wait) < 0) {
			if (errno != EINTR)
				break;
			/* SIGWINCH: curses queues KEY_RESIZE; read it now. */
			read_keys();
			continue;
		}
		if ((pfd[1].revents & POLLIN) && signals_read())
			loop.quit = true;
		if (pfd[2].revents & POLLIN)
			jobs_collect();
		if (loop.tokfd >= 0 && (pfd[3].revents & POLLIN) && token_watch_drain())
			tokens_changed();
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (ui_hung_up(pfd[0].revents)) {
				log_error("terminal gone: shutting down");
				break;
			}
			read_keys();
		}
	}
	while (loop.depth > 0)
		screen_pop();
	for (int i = 0; i < loop.nhooks; i++)
		loop.session_hooks[i]();
	worker_stop();
	token_watch_stop();
	ui_end();
	log_set_screen_active(false);
	signals_close();
	return 0;
}
