/*
 * loop_int.h - what the event loop's files (loop.c, loop_due.c,
 * loop_draw.c) share with each other and nobody else.
 */
#ifndef CAKIOSK_LOOP_INT_H
#define CAKIOSK_LOOP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "screen.h"

struct config;

/* One screen on the stack. */
struct frame {
	const struct screen_ops *ops;
	void *state;
	/* A screen change it asked for while covered: done once it is on top. */
	struct result held;
};

/* Draw the stack (depth >= 1 screens, the top one last) and its frame. */
void loop_draw(const struct frame *stack, int depth, const struct config *cfg,
	       bool assist);

#define STACK_MAX 16
/*
 * While a spinner or a countdown is on screen, or a customer's job is out,
 * the loop ticks this often.  Otherwise it sleeps until the next thing due
 * (loop_next_tick): an idle kiosk wakes every few seconds, not every second.
 */
#define TICK_BUSY_MS 125
/* Past the minute when the header's clock is redrawn: poll() and the wall
 * clock may disagree by a few ms. */
#define CLOCK_SPARE_MS 20
#define MAX_SESSION_HOOKS 8

/* The loop's state: loop.c and loop_due.c alone. */
struct loop_state {
	const struct config *cfg;
	struct frame stack[STACK_MAX];
	int depth;
	bool redraw;
	bool quit;
	bool assist;
	int64_t last_input;
	int64_t last_tick;
	int64_t last_probe;
	unsigned link_seen;   /* link_changes() as last drawn */
	unsigned prices_seen; /* api_prices_changes() as last drawn */
	int64_t drawn_minute; /* the header clock's minute as last drawn */
	int64_t clock_due;    /* loop_now() when that minute has passed */
	bool probing;
	int sigfd;
	int jobfd;
	int tokfd;
	size_t tokens; /* UKeys present, as last seen */
	char entering; /* owner of jobs started by a screen's enter() */
	void *acting;  /* state of the screen being called, when not the top one */
	void (*session_hooks[MAX_SESSION_HOOKS])(void);
	int nhooks;
};
extern struct loop_state loop;

static inline struct frame *
loop_top(void)
{
	return loop.depth > 0 ? &loop.stack[loop.depth - 1] : NULL;
}

/*
 * The lowest frame still at work: help and dialogs cover the screen below
 * them without stopping it (a payment is polled under F1), so it ticks and
 * hears of UKeys as if it were on top.
 */
static inline int
loop_live_base(void)
{
	int i = loop.depth - 1;

	while (i > 0 && (loop.stack[i].ops->flags & (SCREEN_DIALOG | SCREEN_OVER)))
		i--;
	return i;
}

/* loop_due.c: when the loop ticks next, and what decides it. */
int64_t loop_wall_minute(void);
int64_t loop_clock_turns_in(void);
void loop_maybe_probe(int64_t now);
int loop_idle_timeout(void);
int64_t loop_idle_due(void);
bool loop_moving(void);
bool loop_visiting(void);
int64_t loop_next_tick(void);

#endif
