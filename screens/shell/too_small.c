/*
 * too_small.c - what the kiosk shows while its terminal is below 80x24.
 *
 * Not on the stack: the loop draws this instead of the stack while the
 * terminal is too small, and everything underneath is kept as it was.
 */
#include <curses.h>
#include <stdio.h>

#include "i18n.h"
#include "screen.h"
#include "ui.h"

static void
too_small_draw(void *state)
{
	struct rect all = {0, 0, LINES, COLS};
	enum lang now = i18n_get();
	char size[64];
	int y = LINES / 2 - 2;

	(void)state;
	if (y < 0)
		y = 0;
	snprintf(size, sizeof size, "%dx%d < %dx%d", COLS, LINES, UI_MIN_COLS,
		 UI_MIN_LINES);
	ui_wrap((struct rect){y, 1, 2, COLS - 2}, UI_ERROR,
		_("Please make the window larger."));
	i18n_set(i18n_next(now));
	ui_wrap((struct rect){y + 2, 1, 2, COLS - 2}, UI_DIM,
		_("Please make the window larger."));
	i18n_set(now);
	ui_put_center(y + 4, all, UI_NORMAL, size);
}

const struct screen_ops screen_too_small = {
	.name = "too-small",
	.draw = too_small_draw,
};
