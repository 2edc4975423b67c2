/*
 * loop_int.h - what the event loop's files (loop.c, loop_draw.c) share with
 * each other and nobody else.
 */
#ifndef CAKIOSK_LOOP_INT_H
#define CAKIOSK_LOOP_INT_H

#include <stdbool.h>

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

#endif
