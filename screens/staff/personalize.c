/*
 * personalize.c - counter staff make a blank UKey on the spot (instant
 * issuance): an order picked from the backend's list of approved
 * applications and reissues waiting for their UKey, or its number typed
 * or scanned from the order's QR (a scanner types it), a blank UKey
 * inserted, then the job of
 * src/svc/personalize.c with a progress line ("do not remove the UKey"),
 * and what was made: whose, which UKey, how the customer got the PIN.
 * A pulled UKey or a backend that did not answer is said, and Enter goes
 * on from where it stopped; a UKey that cannot be used is said too.
 *
 * Opened from the staff screen with the staff session (a secret, copied
 * and wiped on leaving); offered only with one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "form.h"
#include "i18n.h"
#include "keys.h"
#include "log.h"
#include "loop.h"
#include "personalize.h"
#include "resume.h"
#include "screen.h"
#include "service.h"
#include "staff.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

enum { F_ORDER, F_COUNT };

static const struct field_def fields[F_COUNT] = {
	[F_ORDER] = {N_("Order number"), FIELD_REQUIRED, CHARS_DIGITS, 32, NULL,
		     N_("Type it, or scan the QR code of the order.")},
};

enum view { V_ORDER, V_WORK, V_RESULT };

struct pers {
	char session[API_SESSION_MAX];
	struct form form;
	enum view view;
	struct personalize *pz;
	struct job *job;
	enum pz_outcome out;
	const char *reason;          /* message id */
	struct job *list;            /* the orders waiting, being asked */
	struct api_waiting *waiting; /* NULL until answered */
	const char *list_problem;    /* message id */
	int focus;
};

static void
list_ask(struct pers *s)
{
	s->list_problem = NULL;
	s->list = api_job_staff(API_STAFF_WAITING, s->session, NULL, NULL, 0);
	loop_submit(s->list);
}

static void *
pers_enter(const void *arg)
{
	struct pers *s = xcalloc(1, sizeof *s);

	snprintf(s->session, sizeof s->session, "%s", (const char *)arg);
	form_init(&s->form, fields, F_COUNT);
	list_ask(s);
	return s;
}

static void
pers_leave(void *state)
{
	struct pers *s = state;

	/* A running job was cancelled by the loop; it frees itself. */
	personalize_free(s->pz);
	free(s->waiting);
	form_wipe(&s->form);
	secure_wipe(s, sizeof *s);
	free(s);
}

/* "sms:138****8000" / "memo:**** 0011" as a sentence. */
static void
delivery_text(const char *d, char *buf, size_t len)
{
	if (strncmp(d, "sms:", 4) == 0)
		snprintf(buf, len, _("The customer's PIN was sent by SMS to %s."), d + 4);
	else if (strncmp(d, "memo:", 5) == 0)
		snprintf(buf, len,
			 _("The customer's PIN is in the memo of a 0.01 CNY transfer to "
			   "the account %s."),
			 d + 5);
	else
		snprintf(buf, len, "%s", _("The customer was sent the PIN."));
}

static void
draw_made(struct pers *s, struct rect r)
{
	const struct pz_made *m = personalize_made(s->pz);
	char line[512];
	int y = r.y;

	ui_wrap((struct rect){y, r.x, 2, r.w}, UI_OK,
		_("The UKey is made: the certificate and the seal are on it, and the "
		  "order is marked made. Hand it to the customer."));
	y += 3;
	/* The drawing sanitizes what did not come from here (ui.h). */
	ui_put(y++, r.x, r.w, UI_NORMAL,
	       ui_labelled(line, sizeof line, _("Holder:"), m->name));
	ui_put(y++, r.x, r.w, UI_NORMAL,
	       ui_labelled(line, sizeof line, _("UKey serial:"), m->token_serial));
	ui_put(y++, r.x, r.w, UI_NORMAL,
	       ui_labelled(line, sizeof line, _("Certificate serial:"), m->cert_serial));
	delivery_text(m->pin_delivery, line, sizeof line);
	ui_wrap((struct rect){y + 1, r.x, 2, r.w}, UI_NORMAL, line);
	ui_button(y + 4, r.x, _("Done"), K_ENTER, true);
}

/* One row of the list: kind, holder, masked number, when approved. */
static void
waiting_row(const struct pers *s, int i, char *buf, size_t len)
{
	int svc = order_kind_service(s->waiting->orders[i].kind);
	time_t t = (time_t)s->waiting->orders[i].approved;
	struct tm tm;
	char at[24];

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(at, sizeof at, "%m-%d %H:%M", &tm) == 0)
		snprintf(at, sizeof at, "--");
	snprintf(buf, len, " %d  %s  %s (%s) %s  %s", i + 1,
		 svc >= 0 ? _(service_get((enum service_id)svc)->name)
			  : s->waiting->orders[i].kind,
		 s->waiting->orders[i].name,
		 _(s->waiting->orders[i].unit ? "unit" : "person"),
		 s->waiting->orders[i].id_masked, at);
}

/* The orders waiting in rows y.. (at most h); returns the rows used. */
static int
draw_list(const struct pers *s, int y, int x, int w, int h)
{
	char line[512];
	int first = 0, n;

	if (s->list != NULL) {
		ui_put(y, x, w, UI_ACCENT,
		       ui_busy(line, sizeof line, _("Asking the backend...")));
		return 1;
	}
	if (s->waiting == NULL) {
		ui_wrap((struct rect){y, x, 2, w}, UI_ERROR,
			_(s->list_problem != NULL ? s->list_problem : N_("Unknown")));
		return 2;
	}
	if (s->waiting->n == 0) {
		ui_wrap((struct rect){y, x, 2, w}, UI_DIM,
			_("No approved application or reissue is waiting for its UKey "
			  "now. Type or scan an order number instead."));
		return 2;
	}
	if (s->focus >= h)
		first = s->focus - h + 1;
	for (n = 0; first + n < s->waiting->n && n < h; n++) {
		int i = first + n;
		bool focus = i == s->focus;

		waiting_row(s, i, line, sizeof line);
		ui_fill((struct rect){y + n, x, 1, w}, focus ? UI_FOCUS : UI_NORMAL);
		/* The drawing sanitizes the name from the backend (ui.h). */
		ui_put(y + n, x, w, focus ? UI_FOCUS : UI_NORMAL, line);
		ui_hit(y + n, x, 1, w, K_ITEM(i));
	}
	return n;
}

static void
pers_draw(void *state)
{
	struct pers *s = state;
	struct rect b = ui_body();
	struct rect r = {b.y + 1, b.x + 2, b.h - 2, b.w - 4};
	int x = r.x;

	if (s->view == V_ORDER) {
		int y = r.y + 3, rows = r.h - 11;

		ui_wrap((struct rect){r.y, r.x, 2, r.w}, UI_NORMAL,
			_("Insert one blank UKey, then choose the approved application "
			  "or reissue (arrow keys, or type its row number) and press "
			  "Enter; or type or scan its order number."));
		y += draw_list(s, y, r.x, r.w, rows > 1 ? rows : 1) + 1;
		form_draw(&s->form, (struct rect){y, r.x, 3, r.w});
		x += ui_button(y + 4, x, _("Make the UKey"), K_ENTER, false) + 2;
		ui_button(y + 4, x, _("Back"), K_ESC, false);
		return;
	}
	if (s->view == V_WORK) {
		char line[512];

		snprintf(line, sizeof line, "%s %s", ui_spinner(loop_now()),
			 _(personalize_stage_text(personalize_job_stage(s->job))));
		ui_wrap((struct rect){r.y + 1, r.x, 2, r.w}, UI_ACCENT, line);
		return;
	}
	if (s->out == PZ_OUT_DONE) {
		draw_made(s, r);
		return;
	}
	ui_wrap((struct rect){r.y, r.x, 3, r.w}, UI_ERROR, _(s->reason));
	if (s->out == PZ_OUT_REFUSED) {
		ui_button(r.y + 4, r.x, _("Back"), K_ESC, true);
		return;
	}
	ui_wrap((struct rect){r.y + 3, r.x, 2, r.w}, UI_DIM,
		_("Nothing is lost: Enter goes on from where it stopped."));
	x += ui_button(r.y + 6, x, _("Try again"), K_ENTER, true) + 2;
	ui_button(r.y + 6, x, _("Back"), K_ESC, false);
}

/* The order Enter makes: the one typed or scanned; a row's number (1 or 2
 * digits: order numbers are far longer) or nothing typed, a row of the
 * list.  NULL when there is none. */
static const char *
chosen(struct pers *s)
{
	const char *t = form_get(&s->form, F_ORDER);
	int n = s->waiting != NULL ? s->waiting->n : 0;

	if (t[0] == '\0' && n > 0)
		return s->waiting->orders[s->focus].id;
	if (t[0] != '\0' && strlen(t) <= 2 && atoi(t) >= 1 && atoi(t) <= n)
		return s->waiting->orders[atoi(t) - 1].id;
	return form_check(&s->form) ? t : NULL;
}

static struct result
start(struct pers *s)
{
	if (s->pz == NULL) {
		const char *id = chosen(s);

		if (id == NULL)
			return RESULT(ACT_REDRAW);
		s->pz = personalize_new(id, s->session);
		log_info("staff: personalization of order %s started", id);
	}
	s->job = personalize_job(s->pz);
	s->view = V_WORK;
	loop_submit(s->job);
	return RESULT(ACT_REDRAW);
}

static struct result
pers_key(void *state, int key)
{
	struct pers *s = state;

	switch (s->view) {
	case V_ORDER:
		if (key == K_ESC)
			return RESULT(ACT_POP);
		if (key == K_ENTER)
			return start(s);
		if (s->waiting != NULL &&
		    (key == K_UP || key == K_DOWN || K_IS_ITEM(key))) {
			/* A click on a row makes it; arrows only move. */
			if (ui_list_key(&s->focus, s->waiting->n, key) == LIST_CHOSEN) {
				form_clear(&s->form, F_ORDER);
				return start(s);
			}
			return RESULT(ACT_REDRAW);
		}
		switch (form_key(&s->form, key)) {
		case FORM_SUBMIT:
			return start(s);
		case FORM_CHANGED:
			return RESULT(ACT_REDRAW);
		case FORM_NONE:
			break;
		}
		return RESULT(ACT_NONE);
	case V_WORK:
		return RESULT(ACT_NONE); /* the UKey is being written */
	case V_RESULT:
		break;
	}
	if (s->out == PZ_OUT_DONE && (key == K_ENTER || key == K_ESC))
		return RESULT(ACT_POP);
	if (key == K_ENTER && s->out != PZ_OUT_REFUSED)
		return start(s);
	if (key == K_ESC) {
		/* Another order: what was done stays with the backend. */
		personalize_free(s->pz);
		s->pz = NULL;
		s->view = V_ORDER;
		if (s->list == NULL)
			list_ask(s);
		return RESULT(ACT_REDRAW);
	}
	return RESULT(ACT_NONE);
}

static struct result
pers_done(void *state, struct job *job)
{
	struct pers *s = state;

	if (job == s->list) {
		const struct api_err *e = api_job_staff_err(job);

		s->list = NULL;
		if (e->err != BACKEND_OK) {
			s->list_problem = api_reason(e);
			free(s->waiting);
			s->waiting = NULL;
			return RESULT(ACT_REDRAW);
		}
		if (s->waiting == NULL)
			s->waiting = xcalloc(1, sizeof *s->waiting);
		*s->waiting = *api_job_staff_waiting(job);
		if (s->focus >= s->waiting->n)
			s->focus = s->waiting->n > 0 ? s->waiting->n - 1 : 0;
		return RESULT(ACT_REDRAW);
	}
	if (job != s->job)
		return RESULT(ACT_NONE);
	s->job = NULL;
	s->out = personalize_result(s->pz, job, &s->reason, NULL);
	s->view = V_RESULT;
	if (s->reason == NULL)
		s->reason = N_("Done.");
	return RESULT(ACT_REDRAW);
}

static struct result
pers_tick(void *state, int64_t now)
{
	struct pers *s = state;

	(void)now;
	return s->view == V_WORK || s->list != NULL ? RESULT(ACT_REDRAW)
						    : RESULT(ACT_NONE);
}

const struct screen_ops screen_staff_personalize = {
	.name = "staff-personalize",
	.title = N_("Make a blank UKey"),
	.help = N_("Instant issuance: the UKey is initialized, its key is made on it, "
		   "the CA issues the certificate and the seal, and the order is "
		   "marked made. The customer's PIN is the one sent to them. If the "
		   "UKey is pulled, put it back and press Enter."),
	.flags = SCREEN_STAFF,
	.footer = FOOT_ENTER | FOOT_ESC,
	.enter = pers_enter,
	.leave = pers_leave,
	.draw = pers_draw,
	.key = pers_key,
	.tick = pers_tick,
	.job_done = pers_done,
};
