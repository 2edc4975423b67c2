/*
 * loop_draw.c - what the event loop shows (see loop_int.h): the screens of
 * the stack, a dialog over what is below it, and the frame around them
 * (title, step bar, footer, the status line of the UKey and the backend).
 */
#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "i18n.h"
#include "linkstate.h"
#include "loop_int.h"
#include "screen.h"
#include "token_watch.h"
#include "ui.h"
#include "upkeep.h"

/* What the status line says of the backend: its state as last seen, or,
 * while it answers, this kiosk's certificate nearing its end when its
 * renewal fails (upkeep.h). */
static const char *
backend_text(int *color, char *buf, size_t len)
{
	enum link_state s = link_get();
	int good, days;
	const char *text = link_text(s, &good);

	*color = good > 0 ? UI_OK : good < 0 ? UI_ERROR : UI_STATUS;
	if (s == LINK_UP && upkeep_cert_warning(&days)) {
		*color = UI_WARN;
		if (days > 1)
			/* TRANSLATORS: status line, after "Backend: ": this kiosk's
			 * certificate could not be renewed. */
			snprintf(buf, len, _("kiosk certificate ends in %d days"), days);
		else
			snprintf(buf, len, "%s",
				 _("kiosk certificate ends within a day"));
		return buf;
	}
	return _(text);
}

void
loop_draw(const struct frame *stack, int depth, const struct config *cfg, bool assist)
{
	const struct frame *f = &stack[depth - 1];
	struct ui_frame uf = {0};
	char tokstate[128], backtext[128];
	int first = depth - 1;

	ui_begin();
	if (ui_too_small()) {
		screen_get(SCR_TOO_SMALL)->draw(NULL);
		ui_finish();
		return;
	}
	/* Dialogs are drawn over what is below them. */
	while (first > 0 && (stack[first].ops->flags & SCREEN_DIALOG))
		first--;
	for (int i = first; i < depth; i++)
		stack[i].ops->draw(stack[i].state);

	const struct frame *base = &stack[first];
	uf.title = cfg->title != NULL ? cfg->title
				      : _("CA Certificate and E-Seal Self-Service");
	uf.terminal_id = cfg->terminal_id;
	uf.screen_title = base->ops->title_now != NULL ? base->ops->title_now(base->state)
						       : base->ops->title;
	uf.screen_title = uf.screen_title != NULL ? _(uf.screen_title) : NULL;
	if (base->ops->steps != NULL) {
		uf.step = base->ops->steps(base->state, &uf.steps);
		if (uf.step < 0)
			uf.steps = NULL;
	}
	uf.footer = f->ops->footer_now != NULL ? f->ops->footer_now(f->state)
					       : f->ops->footer;
	uf.global_keys = !(f->ops->flags & SCREEN_NO_GLOBAL);
	uf.staff_call = !(f->ops->flags & SCREEN_STAFF);
	uf.token_state = token_status_text(tokstate, sizeof tokstate);
	uf.backend_state = backend_text(&uf.backend_color, backtext, sizeof backtext);
	uf.extra_state = assist ? _("Staff assist mode") : NULL;
	ui_frame(&uf);
	ui_finish();
}
