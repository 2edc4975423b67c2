/*
 * welcome.c - the attract screen a customer walks up to.
 *
 * Both languages are on it at once: whoever walks up can read how to start
 * before knowing that F2 exists.  Any key or a touch anywhere starts.  It
 * names the services this kiosk offers, from the service table, and no
 * other.
 */
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "keys.h"
#include "screen.h"
#include "service.h"
#include "text.h"
#include "ui.h"

#include "art.h"

static void
welcome_draw(void *state)
{
	struct rect b = ui_body();
	enum lang now = i18n_get(), other = i18n_next(now);
	int y = b.y + (b.h > 18 ? (b.h - 16) / 2 : 0);
	const char *text, *rest;
	char start[256], offered[512];

	(void)state;
	int art_w = 0;

	/* Centre the picture as a block, not line by line. */
	for (int i = 0; art_shield[i] != NULL; i++)
		if (text_width(art_shield[i]) > art_w)
			art_w = text_width(art_shield[i]);
	for (int i = 0; art_shield[i] != NULL && y < b.y + b.h - 6; i++, y++)
		ui_put(y, b.x + (b.w - art_w) / 2, art_w, UI_ACCENT, art_shield[i]);
	y++;
	ui_put_center(y++, b, UI_TITLE, _("CA Certificate and E-Seal Self-Service"));
	/* What the menu offers, from the service table: no promise more. */
	service_offered(offered, sizeof offered, " · ");
	rest = offered;
	if (text_width(offered) > b.w - 4) {
		/* Too wide for one line: two, split at the separator nearest the
		 * middle. */
		size_t half = strlen(offered) / 2, cut = 0;

		for (const char *p = strstr(offered, " · "); p != NULL;
		     p = strstr(p + 1, " · ")) {
			size_t at = (size_t)(p - offered);

			if (cut == 0 || (at > half ? at - half : half - at) <
						(cut > half ? cut - half : half - cut))
				cut = at;
		}
		if (cut > 0) {
			offered[cut] = '\0';
			ui_put_center(y++, b, UI_NORMAL, offered);
			rest = offered + cut + strlen(" · ");
		}
	}
	ui_put_center(y++, b, UI_NORMAL, rest);
	y += 2;
	snprintf(start, sizeof start, "  %s  ",
		 _("Press any key or touch the screen to start"));
	ui_put_center(y++, b, UI_FOCUS, start);
	/* The same line in the other language, looked up in that language. */
	i18n_set(other);
	text = _("Press any key or touch the screen to start");
	ui_put_center(y + 1, b, UI_DIM, text);
	i18n_set(now);
	ui_hit(b.y, b.x, b.h, b.w, K_ENTER);
}

static const char *
welcome_help(char *buf, size_t len)
{
	char offered[512];

	/* TRANSLATORS: between service names in a sentence. */
	service_offered(offered, sizeof offered, _(", "));
	snprintf(buf, len,
		 _("This kiosk offers: %s. For any other certificate service, please "
		   "go to the counter or press F12 for a member of staff. Press any "
		   "key or touch the screen to see the services. F2 switches between "
		   "Chinese and English at any time."),
		 offered);
	return buf;
}

static struct result
welcome_key(void *state, int key)
{
	(void)state;
	(void)key;
	return RESULT_PUSH(SCR_MENU, NULL);
}

const struct screen_ops screen_welcome = {
	.name = "welcome",
	.title = N_("Welcome"),
	.flags = SCREEN_NO_IDLE,
	.footer = FOOT_ENTER,
	.draw = welcome_draw,
	.key = welcome_key,
	.help_now = welcome_help,
};
