/*
 * message.c - a message or an error, in a sentence, with one way out.
 *
 * The argument is a message id (translated when drawn, so F2 works here
 * too).  Enter, Esc or the button closes it.
 */
#include "i18n.h"
#include "keys.h"
#include "screen.h"
#include "ui.h"

static void *
message_enter(const void *arg)
{
	return (void *)arg;
}

static void
message_draw(void *state)
{
	const char *msgid = state;
	struct rect b = ui_body();
	int w = b.w > 64 ? 64 : b.w, h = 10;
	struct rect d = {b.y + (b.h - h) / 2, b.x + (b.w - w) / 2, h, w};
	const char *label = _("OK");

	ui_fill(d, UI_NORMAL);
	ui_box(d, UI_ACCENT);
	ui_wrap((struct rect){d.y + 2, d.x + 3, h - 5, w - 6}, UI_NORMAL,
		msgid != NULL ? _(msgid) : "");
	ui_button(d.y + h - 2, d.x + (w - ui_button_width(label)) / 2, label, K_ENTER,
		  true);
}

static struct result
message_key(void *state, int key)
{
	(void)state;
	if (key == K_ENTER || key == K_ESC || key == ' ')
		return RESULT(ACT_POP);
	return RESULT(ACT_NONE);
}

const struct screen_ops screen_message = {
	.name = "message",
	.title = N_("Message"),
	.help = N_("Read the message, then press Enter or touch OK."),
	.flags = SCREEN_DIALOG | SCREEN_NO_STAFF_CALL,
	.footer = FOOT_ENTER,
	.enter = message_enter,
	.draw = message_draw,
	.key = message_key,
};
