/*
 * staff.c - what counter staff can do once logged in: assist mode (the
 * longer idle timeout while helping a customer) and a backend connection
 * test that runs on the worker, shows a spinner and can be cancelled.
 * Token functions join this menu with the token layer.
 */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "i18n.h"
#include "keys.h"
#include "log.h"
#include "loop.h"
#include "linkstate.h"
#include "probe.h"
#include "screen.h"
#include "text.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

/* Rows in order; ROW_QUIT only where the operator allows it. */
enum { ROW_ASSIST, ROW_PROBE, ROW_LOGOUT, ROW_QUIT, ROW_MAX };

static int
row_count(void)
{
	return loop_config()->allow_quit ? ROW_MAX : ROW_QUIT;
}

struct staff {
	int focus;
	struct job *probe; /* running, or NULL */
	int64_t probe_started;
	bool have_result;
	enum probe_status result;
	int result_ms;
};

static void *
staff_enter(const void *arg)
{
	(void)arg;
	return xcalloc(1, sizeof(struct staff));
}

static void
staff_leave(void *state)
{
	/* A running probe was cancelled by the loop; it frees itself. */
	free(state);
}

static const char *
row_label(int i)
{
	switch (i) {
	case ROW_ASSIST:
		return loop_assist() ? _("Assist mode: on (press to turn off)")
				     : _("Assist mode: off (press to turn on)");
	case ROW_PROBE:
		return _("Test the connection to the backend");
	case ROW_QUIT:
		return _("Close the kiosk program");
	default:
		return _("Log out");
	}
}

static void
staff_draw(void *state)
{
	struct staff *s = state;
	struct rect b = ui_body();
	int w = b.w > 64 ? 64 : b.w, x = b.x + (b.w - w) / 2;
	int y = b.y + 1;
	char line[512];

	for (int i = 0; i < row_count(); i++, y += 2) {
		bool focus = i == s->focus;

		ui_fill((struct rect){y, x, 1, w}, focus ? UI_FOCUS : UI_NORMAL);
		snprintf(line, sizeof line, " %d  %s", i + 1, row_label(i));
		ui_put(y, x, w, focus ? UI_FOCUS : UI_NORMAL, line);
		ui_hit(y, x, 1, w, K_ITEM(i));
	}
	y++;
	ui_labelled(line, sizeof line, _("Backend:"), loop_config()->backend_url);
	ui_put(y++, x, w, UI_DIM, line);
	if (s->probe != NULL) {
		int secs = (int)((loop_now() - s->probe_started) / 1000);

		snprintf(line, sizeof line, _("%s Connecting... %d s (Esc cancels)"),
			 ui_spinner(loop_now()), secs);
		ui_put(++y, x, w, UI_ACCENT, line);
		ui_button(y + 2, x, _("Cancel"), K_ESC, true);
	} else if (s->have_result) {
		if (s->result == PROBE_OK)
			snprintf(line, sizeof line, _("The backend answered in %d ms."),
				 s->result_ms);
		else
			snprintf(line, sizeof line, "%s", _(probe_reason(s->result)));
		ui_wrap((struct rect){++y, x, 2, w},
			s->result == PROBE_OK ? UI_OK : UI_ERROR, line);
	}
}

static struct result
staff_activate(struct staff *s, int row)
{
	s->focus = row;
	switch (row) {
	case ROW_ASSIST:
		loop_set_assist(!loop_assist());
		return RESULT(ACT_REDRAW);
	case ROW_PROBE:
		if (s->probe != NULL)
			return RESULT(ACT_NONE);
		s->probe = probe_new(loop_config()->backend_url,
				     loop_config()->connect_timeout);
		if (s->probe == NULL) {
			s->have_result = true;
			s->result = PROBE_BAD_URL;
			return RESULT(ACT_REDRAW);
		}
		s->probe_started = loop_now();
		s->have_result = false;
		loop_submit(s->probe);
		return RESULT(ACT_REDRAW);
	case ROW_QUIT:
		loop_quit();
		return RESULT(ACT_NONE);
	default:
		log_info("staff logged out");
		loop_set_assist(false);
		return RESULT(ACT_POP);
	}
}

static struct result
staff_key(void *state, int key)
{
	struct staff *s = state;

	if (key == K_ESC && s->probe != NULL) {
		/* The worker stops within 100 ms; its result is then dropped. */
		job_cancel(s->probe);
		s->probe = NULL;
		s->have_result = true;
		s->result = PROBE_CANCELLED;
		return RESULT(ACT_REDRAW);
	}
	switch (ui_list_key(&s->focus, row_count(), key)) {
	case LIST_CHOSEN:
		return staff_activate(s, s->focus);
	case LIST_MOVED:
		return RESULT(ACT_REDRAW);
	case LIST_NONE:
		break;
	}
	/* Back to the customer's screens: assist mode stays for their visit. */
	if (key == K_ESC) {
		log_info("staff functions closed");
		return RESULT(ACT_POP);
	}
	return RESULT(ACT_NONE);
}

static struct result
staff_done(void *state, struct job *job)
{
	struct staff *s = state;
	int up;

	if (job != s->probe)
		return RESULT(ACT_NONE);
	s->probe = NULL;
	s->have_result = true;
	s->result = probe_status(job);
	s->result_ms = probe_elapsed_ms(job);
	up = probe_reachable(job);
	/* No connection is news for the status line; a connection alone is
	 * not "online" (the health check says that, certificate and all). */
	if (up == 0)
		link_report(LINK_DOWN);
	return RESULT(ACT_REDRAW);
}

static struct result
staff_tick(void *state, int64_t now)
{
	struct staff *s = state;

	(void)now;
	return s->probe != NULL ? RESULT(ACT_REDRAW) : RESULT(ACT_NONE);
}

const struct screen_ops screen_staff = {
	.name = "staff",
	.title = N_("Staff functions"),
	.help = N_("Assist mode keeps the session open longer while you help a "
		   "customer. The connection test tries to reach the backend and "
		   "says what is wrong if it cannot. Esc goes back to the customer's "
		   "screens; assist mode stays until their visit ends or you log out."),
	.footer = FOOT_ENTER | FOOT_ESC,
	.enter = staff_enter,
	.leave = staff_leave,
	.draw = staff_draw,
	.key = staff_key,
	.tick = staff_tick,
	.job_done = staff_done,
};
