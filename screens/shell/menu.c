/*
 * menu.c - the main menu: the services that are built, the service guide,
 * and the staff entry.
 */
#include <stdio.h>
#include <stdlib.h>

#include "flow.h"
#include "i18n.h"
#include "keys.h"
#include "screen.h"
#include "service.h"
#include "text.h"
#include "ui.h"
#include "xmem.h"

enum row_kind { ROW_SERVICE, ROW_FLOW, ROW_GUIDE, ROW_STAFF };

struct row {
	enum row_kind kind;
	const char *name; /* message ids */
	const char *summary;
	int target; /* screen to open; ROW_FLOW: the service */
	bool sub;   /* of the group of the row before it: drawn close under it */
};

struct menu {
	struct row rows[SVC_COUNT + 2];
	int n;
	int focus;
};

static void *
menu_enter(const void *arg)
{
	struct menu *m = xcalloc(1, sizeof *m);

	(void)arg;
	for (int i = 0; i < SVC_COUNT; i++) {
		const struct service *s = service_get((enum service_id)i);

		if (s->entry == SERVICE_NOT_BUILT)
			continue;
		if (s->entry == SERVICE_FLOW)
			m->rows[m->n++] = (struct row){ROW_FLOW, s->name, s->summary, i,
						       service_sub((enum service_id)i)};
		else
			m->rows[m->n++] =
				(struct row){ROW_SERVICE, s->name, s->summary, s->entry,
					     service_sub((enum service_id)i)};
	}
	m->rows[m->n++] = (struct row){ROW_GUIDE, N_("Service guide"),
				       N_("What each service needs and how it works"),
				       SCR_GUIDE, false};
	m->rows[m->n++] = (struct row){ROW_STAFF, N_("Staff"),
				       N_("For counter staff and operators"),
				       SCR_STAFF_LOGIN, false};
	return m;
}

static void
menu_leave(void *state)
{
	free(state);
}

static void
menu_draw(void *state)
{
	struct menu *m = state;
	struct rect b = ui_body();
	int w = b.w > 64 ? 64 : b.w;
	int x = b.x + (b.w - w) / 2;
	int y = b.y + 1, need = 0, gap = 2, bare = 0;
	bool tight;

	/* Every row must show: without the gaps when they do not all fit; the
	 * first line taken too when even that is not enough; then the line
	 * under the question, and last the summaries of the rows at the end
	 * (the guide's, staff's), whose names always show. */
	for (int i = 0; i < m->n; i++)
		need += i + 1 < m->n && !m->rows[i + 1].sub ? 3 : 2;
	tight = y + 2 + need > b.y + b.h;
	if (tight && y + 2 + 2 * m->n > b.y + b.h)
		y = b.y;
	if (tight && y + 2 + 2 * m->n > b.y + b.h) {
		gap = 1;
		bare = y + 1 + 2 * m->n - (b.y + b.h);
	}
	ui_put(y, x, w, UI_NORMAL,
	       _("Choose a service (arrow keys and Enter, a number, or touch):"));
	y += gap;
	for (int i = 0; i < m->n && y < b.y + b.h; i++) {
		const struct row *r = &m->rows[i];
		bool focus = i == m->focus;
		char num[16];
		int h = i >= m->n - bare || y + 1 >= b.y + b.h ? 1 : 2;

		/* The tenth row's key is 0. */
		snprintf(num, sizeof num, " %d ", (i + 1) % 10);
		ui_fill((struct rect){y, x, h, w}, focus ? UI_FOCUS : UI_NORMAL);
		ui_put(y, x, 3, focus ? UI_FOCUS : UI_ACCENT, num);
		ui_put(y, x + 4, w - 5, focus ? UI_FOCUS : UI_TITLE, _(r->name));
		if (h == 2)
			ui_put(y + 1, x + 4, w - 5, focus ? UI_FOCUS : UI_DIM,
			       _(r->summary));
		ui_hit(y, x, h, w, K_ITEM(i));
		/* A group's rows follow each other without a gap. */
		y += tight ? h : i + 1 < m->n && m->rows[i + 1].sub ? 2 : 3;
	}
}

static struct result
menu_key(void *state, int key)
{
	struct menu *m = state;

	switch (ui_list_key(&m->focus, m->n, key)) {
	case LIST_CHOSEN:
		if (m->rows[m->focus].kind == ROW_FLOW)
			return flow_start(m->rows[m->focus].target);
		return RESULT_PUSH((enum screen_id)m->rows[m->focus].target, NULL);
	case LIST_MOVED:
		return RESULT(ACT_REDRAW);
	case LIST_NONE:
		break;
	}
	/* Leaving the menu is the end of this customer's visit. */
	return key == K_ESC ? RESULT(ACT_HOME) : RESULT(ACT_NONE);
}

const struct screen_ops screen_menu = {
	.name = "menu",
	.title = N_("Main menu"),
	.help = N_("Choose what you want to do with the arrow keys and Enter, by its "
		   "number, or by touching it. Esc ends your visit and clears "
		   "everything you entered. If a service you need is not listed, "
		   "press F12 and a member of staff will help."),
	.footer = FOOT_ENTER | FOOT_ESC,
	.enter = menu_enter,
	.leave = menu_leave,
	.draw = menu_draw,
	.key = menu_key,
};
