/*
 * idle.c - "Are you still there?": the countdown before a session is wiped.
 *
 * A dialog over whatever the customer left.  Any key or touch keeps the
 * session; when the count reaches zero the loop ends the session, which
 * wipes every form and returns to the welcome screen.
 */
#include <stdio.h>
#include <stdlib.h>

#include "i18n.h"
#include "keys.h"
#include "loop.h"
#include "screen.h"
#include "ui.h"
#include "xmem.h"

struct idle {
	int64_t deadline;
	int left; /* seconds, as last drawn */
};

static void *
idle_enter(const void *arg)
{
	struct idle *s = xcalloc(1, sizeof *s);
	int seconds = arg != NULL ? *(const int *)arg : 30;

	s->deadline = loop_now() + (int64_t)seconds * 1000;
	s->left = seconds;
	return s;
}

static void
idle_leave(void *state)
{
	free(state);
}

static void
idle_draw(void *state)
{
	struct idle *s = state;
	struct rect b = ui_body();
	int w = b.w > 60 ? 60 : b.w, h = 9;
	struct rect d = {b.y + (b.h - h) / 2, b.x + (b.w - w) / 2, h, w};
	struct rect t = {d.y + 3, d.x + 2, 3, d.w - 4};
	char line[256];

	ui_fill(d, UI_NORMAL);
	ui_box(d, UI_ACCENT);
	ui_put_center(d.y + 1, d, UI_TITLE, _("Are you still there?"));
	snprintf(line, sizeof line,
		 _("In %d seconds this visit ends and everything you entered is "
		   "cleared."),
		 s->left);
	ui_wrap(t, UI_NORMAL, line);
	const char *label = _("Continue");
	ui_button(d.y + h - 2, d.x + (d.w - ui_button_width(label)) / 2, label, K_ENTER,
		  true);
	/* A touch anywhere counts as "still here". */
	ui_hit(b.y, b.x, b.h, b.w, K_ENTER);
	ui_hit(d.y + h - 2, d.x + (d.w - ui_button_width(label)) / 2, 1,
	       ui_button_width(label), K_ENTER);
}

static struct result
idle_key(void *state, int key)
{
	(void)state;
	(void)key;
	return RESULT(ACT_POP);
}

static struct result
idle_tick(void *state, int64_t now)
{
	struct idle *s = state;
	int left = (int)((s->deadline - now + 999) / 1000);

	if (left <= 0)
		return RESULT(ACT_HOME);
	if (left != s->left) {
		s->left = left;
		return RESULT(ACT_REDRAW);
	}
	return RESULT(ACT_NONE);
}

const struct screen_ops screen_idle = {
	.name = "idle",
	.title = N_("Are you still there?"),
	.help = N_("Nobody has touched the kiosk for a while. Press any key to go "
		   "on; otherwise your visit ends and what you entered is cleared."),
	.flags = SCREEN_DIALOG | SCREEN_NO_IDLE,
	.footer = FOOT_ENTER,
	.enter = idle_enter,
	.leave = idle_leave,
	.draw = idle_draw,
	.key = idle_key,
	.tick = idle_tick,
};
