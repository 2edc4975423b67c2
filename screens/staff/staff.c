/*
 * staff.c - what counter staff can do once logged in: assist mode (the
 * longer idle timeout while helping a customer), a backend connection
 * test that runs on the worker, shows a spinner and can be cancelled,
 * releasing the kiosk from a customer's visit left open (a paid renewal
 * waiting for its UKey), and closing the program.  Releasing and closing
 * are asked first.  Token functions join this menu with the token layer.
 */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "health.h"
#include "i18n.h"
#include "keys.h"
#include "log.h"
#include "loop.h"
#include "screen.h"
#include "session.h"
#include "text.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

/* Rows in order; ROW_RELEASE only over a customer's visit, ROW_QUIT only
 * where the operator allows it. */
enum { ROW_ASSIST, ROW_PROBE, ROW_RELEASE, ROW_LOGOUT, ROW_QUIT, ROW_MAX };

/* A "no" button's key in a question (Esc answers no as well). */
#define K_NO K_ITEM(ROW_MAX)

struct staff {
	int rows[ROW_MAX]; /* the rows shown, in order */
	int nrows;
	int focus;
	int asking;        /* the row whose question is up, or -1 */
	struct job *probe; /* running, or NULL */
	int64_t probe_started;
	bool have_result;
	const char *result; /* message id; NULL: the backend answered */
	int result_ms;
};

static void *
staff_enter(const void *arg)
{
	struct staff *s = xcalloc(1, sizeof *s);

	(void)arg;
	s->asking = -1;
	for (int r = 0; r < ROW_MAX; r++) {
		/* A visit is open: a service was started and not ended. */
		if (r == ROW_RELEASE && session_get()->service < 0)
			continue;
		if (r == ROW_QUIT && !loop_config()->allow_quit)
			continue;
		s->rows[s->nrows++] = r;
	}
	return s;
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
	case ROW_RELEASE:
		return _("Release this kiosk (end the customer's visit)");
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

	for (int i = 0; i < s->nrows; i++, y += 2) {
		bool focus = i == s->focus;

		ui_fill((struct rect){y, x, 1, w}, focus ? UI_FOCUS : UI_NORMAL);
		snprintf(line, sizeof line, " %d  %s", i + 1, row_label(s->rows[i]));
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
		if (s->result == NULL)
			snprintf(line, sizeof line,
				 _("The backend answered in %d ms and accepts this "
				   "kiosk's certificate."),
				 s->result_ms);
		else
			snprintf(line, sizeof line, "%s", _(s->result));
		ui_wrap((struct rect){++y, x, 3, w}, s->result == NULL ? UI_OK : UI_ERROR,
			line);
	}
	if (s->asking == ROW_RELEASE)
		ui_ask(N_("Release this kiosk? The customer's visit ends and the welcome "
			  "screen returns. A paid order stays paid: it finishes the next "
			  "time its UKey is put into any kiosk."),
		       N_("Release"), N_("Cancel"), K_NO);
	else if (s->asking == ROW_QUIT)
		ui_ask(N_("Close the kiosk program? No customer can use this kiosk "
			  "until it is started again."),
		       N_("Close"), N_("Cancel"), K_NO);
}

/* The answer to a question: Enter is yes, Esc or "no" is no. */
static struct result
staff_answer(struct staff *s, int key)
{
	int row = s->asking;

	if (key == K_ESC || key == K_NO) {
		s->asking = -1;
		return RESULT(ACT_REDRAW);
	}
	if (key != K_ENTER)
		return RESULT(ACT_NONE);
	s->asking = -1;
	if (row == ROW_QUIT) {
		loop_quit();
		return RESULT(ACT_NONE);
	}
	/* The session's end wipes the visit; the backend keeps a paid order
	 * for its UKey. */
	log_info("kiosk released by staff");
	loop_set_assist(false);
	return RESULT(ACT_HOME);
}

static struct result
staff_activate(struct staff *s, int i)
{
	int row = s->rows[i];

	s->focus = i;
	switch (row) {
	case ROW_ASSIST:
		loop_set_assist(!loop_assist());
		return RESULT(ACT_REDRAW);
	case ROW_PROBE:
		if (s->probe != NULL)
			return RESULT(ACT_NONE);
		/* The real check, mTLS and all: what the status line relies on. */
		s->probe = health_job_new();
		s->probe_started = loop_now();
		s->have_result = false;
		loop_submit(s->probe);
		return RESULT(ACT_REDRAW);
	case ROW_RELEASE:
	case ROW_QUIT:
		s->asking = row;
		return RESULT(ACT_REDRAW);
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

	if (s->asking >= 0)
		return staff_answer(s, key);
	if (key == K_ESC && s->probe != NULL) {
		/* The worker stops within 100 ms; its result is then dropped. */
		job_cancel(s->probe);
		s->probe = NULL;
		s->have_result = true;
		s->result = N_("The test was cancelled.");
		return RESULT(ACT_REDRAW);
	}
	switch (ui_list_key(&s->focus, s->nrows, key)) {
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

	if (job != s->probe)
		return RESULT(ACT_NONE);
	s->probe = NULL;
	s->have_result = true;
	/* The status line heard of it from the job itself. */
	s->result = health_reason(job);
	s->result_ms = health_elapsed_ms(job);
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
		   "customer. The connection test asks the backend over this "
		   "kiosk's own certificate and says what is wrong if it cannot. Esc "
		   "goes back to the customer's "
		   "screens; assist mode stays until their visit ends or you log out."),
	.footer = FOOT_ENTER | FOOT_ESC,
	.enter = staff_enter,
	.leave = staff_leave,
	.draw = staff_draw,
	.key = staff_key,
	.tick = staff_tick,
	.job_done = staff_done,
};
