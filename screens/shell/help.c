/*
 * help.c - F1: what the screen below is for and which keys work there.
 */
#include "i18n.h"
#include "keys.h"
#include "screen.h"
#include "ui.h"

static void *
help_enter(const void *arg)
{
	/* The screen the help is about; never freed, it is a constant table. */
	return (void *)arg;
}

static void
help_draw(void *state)
{
	const struct screen_ops *about = state;
	struct rect b = ui_body();
	struct rect t = {b.y + 1, b.x + 2, b.h - 6, b.w - 4};
	char now[1024];
	int used;

	ui_box((struct rect){b.y, b.x, b.h - 1, b.w}, UI_DIM);
	if (about != NULL && about->title != NULL)
		ui_put(b.y, b.x + 2, b.w - 4, UI_TITLE, _(about->title));
	used = ui_wrap(t, UI_NORMAL,
		       about != NULL && about->help_now != NULL
			       ? about->help_now(now, sizeof now)
		       : about != NULL && about->help != NULL
			       ? _(about->help)
			       : _("No help for this screen."));
	t.y += used + 1;
	t.h -= used + 1;
	if (t.h > 0)
		ui_wrap(t, UI_DIM,
			_("Keys everywhere: F1 help, F2 switch language, F12 call a "
			  "member of staff, Esc back. You can also touch buttons, "
			  "rows and fields."));
	ui_button(b.y + b.h - 3, b.x + 2, _("Close"), K_ESC, true);
}

static struct result
help_key(void *state, int key)
{
	(void)state;
	if (key == K_ESC || key == K_ENTER || key == ' ')
		return RESULT(ACT_POP);
	return RESULT(ACT_NONE);
}

const struct screen_ops screen_help = {
	.name = "help",
	.title = N_("Help"),
	.help = N_("This is the help. Esc or Enter closes it."),
	/* A payment is still polled, a countdown still runs under it. */
	.flags = SCREEN_OVER,
	.footer = FOOT_ESC,
	.enter = help_enter,
	.draw = help_draw,
	.key = help_key,
};
