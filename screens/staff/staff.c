/*
 * staff.c - what counter staff can do once logged in: assist mode (the
 * longer idle timeout while helping a customer), a backend connection
 * test that runs on the worker, shows a spinner and can be cancelled,
 * releasing the kiosk from a customer's visit left open (a paid renewal
 * waiting for its UKey), the open calls for staff of every kiosk (closed
 * here), the day's orders at this kiosk with totals per payment channel,
 * making a blank UKey on the spot (personalize.c), what a UKey holds
 * (diag.c), and closing the program.  Releasing and closing are asked first.
 *
 * With a staff session from the backend every action is reported to it
 * for the audit, with the real staff number.  Logged in on the kiosk's own
 * PIN (the backend not reached) the calls and the day's orders, which
 * need the backend, are not offered, and the screen says why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "config.h"
#include "health.h"
#include "i18n.h"
#include "keys.h"
#include "log.h"
#include "loop.h"
#include "payflow.h"
#include "resume.h"
#include "screen.h"
#include "service.h"
#include "session.h"
#include "staff.h"
#include "text.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

/* Rows in order; ROW_RELEASE only over a customer's visit, ROW_CALLS and
 * ROW_ORDERS only with the backend, ROW_QUIT only where the operator
 * allows it. */
enum {
	ROW_ASSIST,
	ROW_PROBE,
	ROW_RELEASE,
	ROW_CALLS,
	ROW_ORDERS,
	ROW_MAKE,
	ROW_DIAG,
	ROW_LOGOUT,
	ROW_QUIT,
	ROW_MAX
};
enum view { VIEW_MENU, VIEW_CALLS, VIEW_ORDERS };

/* A "no" button's key in a question (Esc answers no as well). */
#define K_NO K_ITEM(ROW_MAX + API_CALLS_MAX)

struct staff {
	struct staff_cred cred;
	int rows[ROW_MAX]; /* the rows shown, in order */
	int nrows;
	int focus;
	int asking;        /* the row whose question is up, or -1 */
	struct job *probe; /* running, or NULL */
	int64_t probe_started;
	bool have_result;
	const char *result; /* message id; NULL: the backend answered */
	int result_ms;
	/* the calls and the day's orders */
	enum view view;
	struct job *job;    /* a backend call of the views, or NULL */
	int after;          /* ROW_RELEASE / ROW_QUIT / ROW_LOGOUT once reported */
	struct job *report; /* that report, or NULL */
	struct api_calls calls;
	int call_focus;
	struct api_day *day;
	const char *problem; /* message id: why a view is empty, or NULL */
};

static void *
staff_enter(const void *arg)
{
	struct staff *s = xcalloc(1, sizeof *s);
	struct staff_cred *cred = (struct staff_cred *)arg;

	/* The staff session is this screen's alone: the login's copy goes. */
	if (cred != NULL) {
		s->cred = *cred;
		secure_wipe(cred, sizeof *cred);
	} else {
		s->cred.offline = true;
	}
	s->asking = -1;
	s->after = -1;
	for (int r = 0; r < ROW_MAX; r++) {
		/* A visit is open: a service was started and not ended. */
		if (r == ROW_RELEASE && session_get()->service < 0)
			continue;
		if ((r == ROW_CALLS || r == ROW_ORDERS || r == ROW_MAKE) &&
		    s->cred.offline)
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
	struct staff *s = state;

	/* A running probe was cancelled by the loop; it frees itself. */
	free(s->day);
	secure_wipe(s, sizeof *s);
	free(s);
}

/* A backend call with this screen's staff session. */
static struct job *
staff_call(struct staff *s, enum api_staff_op op, const char *what, long id)
{
	struct job *job = api_job_staff(op, s->cred.session, what, NULL, id);

	loop_submit(job);
	return job;
}

/* What staff did, for the backend's audit (online only; the answer is not
 * waited for). */
static void
staff_report(struct staff *s, const char *action)
{
	if (!s->cred.offline)
		staff_call(s, API_STAFF_ACTION, action, 0);
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
	case ROW_CALLS:
		return _("Open calls for staff (all kiosks)");
	case ROW_ORDERS:
		return _("Today's orders at this kiosk");
	case ROW_MAKE:
		return _("Make a blank UKey (instant issuance)");
	case ROW_DIAG:
		return _("UKey diagnostics");
	default:
		return _("Log out");
	}
}

static void
hhmm(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL || strftime(buf, len, "%H:%M", &tm) == 0)
		snprintf(buf, len, "--:--");
}

static void
draw_calls(struct staff *s, struct rect b, int x, int w)
{
	int y = b.y + 1;
	char line[512], at[16];

	if (s->job != NULL) {
		ui_put(y, x, w, UI_ACCENT,
		       ui_busy(line, sizeof line, _("Asking the backend...")));
		return;
	}
	if (s->problem != NULL) {
		ui_wrap((struct rect){y, x, 3, w}, UI_ERROR, _(s->problem));
		return;
	}
	if (s->calls.n == 0) {
		ui_put(y, x, w, UI_NORMAL, _("No kiosk is calling for staff now."));
		return;
	}
	ui_put(y++, x, w, UI_DIM, _("Enter closes the chosen call once you are there."));
	y++;
	for (int i = 0; i < s->calls.n && y < b.y + b.h - 1; i++, y++) {
		const struct api_call *c = &s->calls.calls[i];
		bool focus = i == s->call_focus;

		hhmm(c->created, at, sizeof at);
		snprintf(line, sizeof line, " %s  %s  %s", at, c->terminal, c->screen);
		ui_fill((struct rect){y, x, 1, w}, focus ? UI_FOCUS : UI_NORMAL);
		ui_put(y, x, w, focus ? UI_FOCUS : UI_NORMAL, line);
		ui_hit(y, x, 1, w, K_ITEM(i));
	}
}

static void
draw_orders(struct staff *s, struct rect b, int x, int w)
{
	int y = b.y + 1;
	char line[512], at[16], money[32];
	const struct api_day *d = s->day;

	if (s->job != NULL) {
		ui_put(y, x, w, UI_ACCENT,
		       ui_busy(line, sizeof line, _("Asking the backend...")));
		return;
	}
	if (s->problem != NULL || d == NULL) {
		ui_wrap((struct rect){y, x, 3, w}, UI_ERROR,
			_(s->problem != NULL ? s->problem : N_("Unknown")));
		return;
	}
	/* Totals first: they must show whatever the number of orders. */
	pay_money(d->paid_total, money, sizeof money);
	snprintf(line, sizeof line, _("%d orders today; paid in all: %s CNY"), d->n,
		 money);
	ui_put(y++, x, w, UI_TITLE, line);
	for (int i = 0; i < d->ntotals; i++) {
		pay_money(d->totals[i].amount, money, sizeof money);
		snprintf(line, sizeof line, _("  %s: %ld paid, %s CNY"),
			 d->totals[i].channel, d->totals[i].count, money);
		ui_put(y++, x, w, UI_NORMAL, line);
	}
	y++;
	for (int i = 0; i < d->n && y < b.y + b.h - 1; i++, y++) {
		int svc = order_kind_service(d->orders[i].kind);

		hhmm(d->orders[i].created, at, sizeof at);
		pay_money(d->orders[i].price, money, sizeof money);
		snprintf(line, sizeof line, "%s  %s  %s CNY  %s  %s", at,
			 svc >= 0 ? _(service_get((enum service_id)svc)->name)
				  : d->orders[i].kind,
			 money,
			 _(order_state_words(d->orders[i].kind, d->orders[i].state)),
			 d->orders[i].channel);
		ui_put(y, x, w, UI_NORMAL, line);
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

	if (s->view == VIEW_CALLS) {
		draw_calls(s, b, x, w);
		return;
	}
	if (s->view == VIEW_ORDERS) {
		draw_orders(s, b, x, w);
		return;
	}
	/* A blank line between rows while they fit in 80x24. */
	for (int i = 0; i<s->nrows; i++, y += s->nrows> 6 ? 1 : 2) {
		bool focus = i == s->focus;

		ui_fill((struct rect){y, x, 1, w}, focus ? UI_FOCUS : UI_NORMAL);
		snprintf(line, sizeof line, " %d  %s", i + 1, row_label(s->rows[i]));
		ui_put(y, x, w, focus ? UI_FOCUS : UI_NORMAL, line);
		ui_hit(y, x, 1, w, K_ITEM(i));
	}
	y++;
	if (s->cred.offline) {
		ui_wrap((struct rect){y, x, 2, w}, UI_WARN,
			_("Logged in on this kiosk's own staff PIN: the service centre "
			  "cannot be reached, so calls and today's orders are not "
			  "shown."));
		y += 3;
	}
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
	if (s->report != NULL)
		ui_put(y + 2, x, w, UI_ACCENT,
		       ui_busy(line, sizeof line, _("Asking the backend...")));
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

/* Release, close or log out, once reported. */
static struct result
staff_finish(struct staff *s, int row)
{
	(void)s;
	if (row == ROW_QUIT) {
		log_info("kiosk program closed by staff");
		loop_quit();
		return RESULT(ACT_NONE);
	}
	loop_set_assist(false);
	if (row == ROW_LOGOUT) {
		log_info("staff logged out");
		return RESULT(ACT_POP);
	}
	/* The session's end wipes the visit; the backend keeps a paid order
	 * for its UKey. */
	log_info("kiosk released by staff");
	return RESULT(ACT_HOME);
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
	/* Reported first (the audit), then done whatever the answer. */
	if (!s->cred.offline && s->report == NULL) {
		s->after = row;
		s->report = staff_call(s, API_STAFF_ACTION,
				       row == ROW_QUIT ? "close_program" : "release", 0);
		return RESULT(ACT_REDRAW);
	}
	return staff_finish(s, row);
}

static struct result
staff_activate(struct staff *s, int i)
{
	int row = s->rows[i];

	s->focus = i;
	switch (row) {
	case ROW_ASSIST:
		loop_set_assist(!loop_assist());
		staff_report(s, loop_assist() ? "assist_on" : "assist_off");
		return RESULT(ACT_REDRAW);
	case ROW_CALLS:
	case ROW_ORDERS:
		s->view = row == ROW_CALLS ? VIEW_CALLS : VIEW_ORDERS;
		s->problem = NULL;
		s->call_focus = 0;
		s->job = staff_call(s, row == ROW_CALLS ? API_STAFF_CALLS : API_STAFF_DAY,
				    NULL, 0);
		return RESULT(ACT_REDRAW);
	case ROW_PROBE:
		if (s->probe != NULL)
			return RESULT(ACT_NONE);
		/* The real check, mTLS and all: what the status line relies on. */
		staff_report(s, "connection_test");
		s->probe = health_job_new();
		s->probe_started = loop_now();
		s->have_result = false;
		loop_submit(s->probe);
		return RESULT(ACT_REDRAW);
	case ROW_RELEASE:
	case ROW_QUIT:
		s->asking = row;
		return RESULT(ACT_REDRAW);
	case ROW_MAKE:
		return RESULT_PUSH(SCR_STAFF_PERSONALIZE, s->cred.session);
	case ROW_DIAG:
		/* Offline: the token alone, without the backend's view. */
		return RESULT_PUSH(SCR_STAFF_DIAG, s->cred.session);
	default:
		if (s->cred.offline)
			return staff_finish(s, ROW_LOGOUT);
		s->after = ROW_LOGOUT;
		s->report = staff_call(s, API_STAFF_LOGOUT, NULL, 0);
		return RESULT(ACT_REDRAW);
	}
}

/* Keys of the calls and the day's orders: Esc back to the menu; in the
 * calls, Enter closes the chosen one. */
static struct result
view_key(struct staff *s, int key)
{
	if (key == K_ESC) {
		if (s->job != NULL)
			job_cancel(s->job);
		s->job = NULL;
		s->view = VIEW_MENU;
		return RESULT(ACT_REDRAW);
	}
	if (s->view != VIEW_CALLS || s->job != NULL || s->calls.n == 0)
		return RESULT(ACT_NONE);
	switch (ui_list_key(&s->call_focus, s->calls.n, key)) {
	case LIST_CHOSEN:
		s->job = staff_call(s, API_STAFF_CLOSE, NULL,
				    s->calls.calls[s->call_focus].id);
		return RESULT(ACT_REDRAW);
	case LIST_MOVED:
		return RESULT(ACT_REDRAW);
	case LIST_NONE:
		break;
	}
	return RESULT(ACT_NONE);
}

static struct result
staff_key(void *state, int key)
{
	struct staff *s = state;

	if (s->report != NULL)
		return RESULT(ACT_NONE); /* until the report is answered */
	if (s->asking >= 0)
		return staff_answer(s, key);
	if (s->view != VIEW_MENU)
		return view_key(s, key);
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

/* A call of the views answered. */
static struct result
view_done(struct staff *s, struct job *job)
{
	const struct api_err *e = api_job_staff_err(job);
	bool closed = s->view == VIEW_CALLS && e->err == BACKEND_OK &&
		      api_job_staff_calls(job) == NULL;

	s->job = NULL;
	if (e->err != BACKEND_OK && !api_refused(e, "call_closed")) {
		s->problem = api_refused(e, "staff_session_expired") ||
					     api_refused(e, "staff_session_invalid")
				     ? N_("Your staff session has ended. Please log out "
					  "and log in again.")
				     : api_reason(e);
		return RESULT(ACT_REDRAW);
	}
	if (s->view == VIEW_CALLS && (closed || api_refused(e, "call_closed"))) {
		/* Closed (here or elsewhere): the list again. */
		s->job = staff_call(s, API_STAFF_CALLS, NULL, 0);
	} else if (s->view == VIEW_CALLS) {
		s->calls = *api_job_staff_calls(job);
		if (s->call_focus >= s->calls.n)
			s->call_focus = s->calls.n > 0 ? s->calls.n - 1 : 0;
	} else if (api_job_staff_day(job) != NULL) {
		if (s->day == NULL)
			s->day = xcalloc(1, sizeof *s->day);
		*s->day = *api_job_staff_day(job);
	}
	return RESULT(ACT_REDRAW);
}

static struct result
staff_done(void *state, struct job *job)
{
	struct staff *s = state;

	if (job == s->report) {
		s->report = NULL;
		return staff_finish(s, s->after);
	}
	if (job == s->job)
		return view_done(s, job);
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
	return s->probe != NULL || s->job != NULL || s->report != NULL
		       ? RESULT(ACT_REDRAW)
		       : RESULT(ACT_NONE);
}

static const char *
staff_title(void *state)
{
	const struct staff *s = state;

	return s->view == VIEW_CALLS    ? N_("Calls for staff")
	       : s->view == VIEW_ORDERS ? N_("Today's orders at this kiosk")
					: N_("Staff functions");
}

const struct screen_ops screen_staff = {
	.name = "staff",
	.title = N_("Staff functions"),
	.help = N_("Assist mode keeps the session open longer while you help a "
		   "customer. The connection test asks the backend over this "
		   "kiosk's own certificate and says what is wrong if it cannot. Esc "
		   "goes back to the customer's "
		   "screens; assist mode stays until their visit ends or you log out."),
	.flags = SCREEN_STAFF,
	.footer = FOOT_ENTER | FOOT_ESC,
	.title_now = staff_title,
	.enter = staff_enter,
	.leave = staff_leave,
	.draw = staff_draw,
	.key = staff_key,
	.tick = staff_tick,
	.job_done = staff_done,
};
