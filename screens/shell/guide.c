/*
 * guide.c - the service guide: what each service of the manual is for,
 * what to bring, its steps and its rules.  A list, and one service at a time
 * with its steps in the step bar.
 */
#include <stdio.h>
#include <stdlib.h>

#include "i18n.h"
#include "keys.h"
#include "screen.h"
#include "service.h"
#include "text.h"
#include "ui.h"
#include "xmem.h"

struct guide {
	int focus;
	bool open; /* showing one service */
};

static void *
guide_enter(const void *arg)
{
	(void)arg;
	return xcalloc(1, sizeof(struct guide));
}

static void
guide_leave(void *state)
{
	free(state);
}

static void
guide_draw(void *state)
{
	struct guide *g = state;
	struct rect b = ui_body();

	if (g->open) {
		const struct service *s = service_get((enum service_id)g->focus);
		struct rect t = {b.y + 3, b.x + 2, b.h - 5, b.w - 4};

		ui_put(b.y + 1, b.x + 2, b.w - 4, UI_TITLE, _(s->name));
		t.y += ui_wrap(t, UI_NORMAL, _(s->guide)) + 1;
		/* The guide reads as a promise too: say where it is not kept. */
		if (s->entry == SERVICE_NOT_BUILT && t.y < b.y + b.h - 2)
			ui_wrap((struct rect){t.y, t.x, 2, t.w}, UI_WARN,
				_("This kiosk does not offer this service yet; please go "
				  "to the counter."));
		ui_button(b.y + b.h - 1, b.x + 2, _("Back"), K_ESC, true);
		return;
	}
	/* Summaries that do not all fit beside their names (English) go
	 * under them, all alike, on the row between two services. */
	bool under = false;

	for (int i = 0; i < SVC_COUNT; i++) {
		const struct service *s = service_get((enum service_id)i);
		int w = text_width(_(s->name));

		if (w > 30)
			w = 30;
		under = under || text_width(_(s->summary)) > b.w - w - 12;
	}
	for (int i = 0; i < SVC_COUNT && 2 * i + 1 < b.h; i++) {
		const struct service *s = service_get((enum service_id)i);
		bool focus = i == g->focus;
		int y = b.y + 1 + 2 * i;
		char num[16];

		snprintf(num, sizeof num, " %d ", i + 1);
		ui_fill((struct rect){y, b.x + 2, 1, b.w - 4},
			focus ? UI_FOCUS : UI_NORMAL);
		ui_put(y, b.x + 2, 3, focus ? UI_FOCUS : UI_ACCENT, num);
		int w = ui_put(y, b.x + 6, 30, focus ? UI_FOCUS : UI_TITLE, _(s->name));
		if (under)
			ui_put(y + 1, b.x + 6, b.w - 10, UI_DIM, _(s->summary));
		else
			ui_put(y, b.x + 6 + w + 2, b.w - w - 12,
			       focus ? UI_FOCUS : UI_DIM, _(s->summary));
		ui_hit(y, b.x + 2, 1, b.w - 4, K_ITEM(i));
	}
}

static struct result
guide_key(void *state, int key)
{
	struct guide *g = state;

	if (g->open) {
		if (key == K_ESC || key == K_ENTER) {
			g->open = false;
			return RESULT(ACT_REDRAW);
		}
		return RESULT(ACT_NONE);
	}
	switch (ui_list_key(&g->focus, SVC_COUNT, key)) {
	case LIST_CHOSEN:
		g->open = true;
		return RESULT(ACT_REDRAW);
	case LIST_MOVED:
		return RESULT(ACT_REDRAW);
	case LIST_NONE:
		break;
	}
	return key == K_ESC ? RESULT(ACT_POP) : RESULT(ACT_NONE);
}

static int
guide_steps(void *state, const char *const **steps)
{
	struct guide *g = state;

	if (!g->open)
		return -1;
	*steps = service_get((enum service_id)g->focus)->steps;
	/* Nothing is under way: no step is "current". */
	return STEPS_NONE_CURRENT;
}

const struct screen_ops screen_guide = {
	.name = "guide",
	.title = N_("Service guide"),
	.help = N_("Choose a service to read what it is for, what to bring and the "
		   "steps it takes. The steps are shown at the top."),
	.footer = FOOT_ENTER | FOOT_ESC,
	.enter = guide_enter,
	.leave = guide_leave,
	.draw = guide_draw,
	.key = guide_key,
	.steps = guide_steps,
};
