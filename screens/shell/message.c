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

	ui_note(msgid != NULL ? _(msgid) : "", UI_NORMAL, true);
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
