/*
 * certs.c - the step "certificates" (STEP_CERTS): the customer's
 * certificates (serial, validity, status, the UKey it is on), fetched with
 * the SMS session; the customer chooses one and says why it is replaced
 * (lost or damaged).  The service takes the row (certs_param's take) and
 * goes on.  A revoked certificate is shown but cannot be chosen.  A
 * damaged UKey that still answers may be inserted: the kiosk reads which
 * certificate it holds and puts the focus on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "flow.h"
#include "history.h"
#include "i18n.h"
#include "keys.h"
#include "loop.h"
#include "presence.h"
#include "screen.h"
#include "session.h"
#include "steps.h"
#include "token.h"
#include "token_job.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

struct cl {
	const struct certs_param *p;
	struct job *job;
	struct api_history *h; /* NULL until fetched */
	const char *reason;    /* why the list is not there */
	const char *note;      /* under the list: why a row cannot be chosen */
	int focus, top;
	bool asking; /* the row is chosen: lost or damaged? */
	int why;     /* 0 lost, 1 damaged */
	/* a UKey inserted: its read, and its signing certificate's serial */
	struct job *read;
	char held[TOKEN_SERIAL_HEX_MAX];
	const char *held_note;
};

static void
fetch(struct cl *s)
{
	history_fetch(&s->job, &s->reason);
}

/* The list and the inserted UKey's certificate, both known: on it. */
static void
find_held(struct cl *s)
{
	if (s->h == NULL || s->held[0] == '\0' || s->asking)
		return;
	s->held_note = N_("The inserted UKey holds none of these certificates: "
			  "choose the one to replace (arrows and Enter).");
	for (int i = 0; i < s->h->ncerts; i++)
		if (token_serial_same(s->h->certs[i].serial, s->held)) {
			s->focus = i;
			s->held_note =
				N_("The inserted UKey holds the certificate marked: "
				   "press Enter to replace it.");
		}
}

/* What is inserted now: one UKey is read; none or two say nothing. */
static struct result
cl_tokens(void *state)
{
	struct cl *s = state;

	s->held[0] = '\0';
	s->held_note = NULL;
	presence_follow(&s->read, 0, NULL);
	return RESULT(ACT_REDRAW);
}

static void *
cl_enter(const void *arg)
{
	struct cl *s = xcalloc(1, sizeof *s);
	const struct step *st = arg;

	s->p = st->param;
	fetch(s);
	cl_tokens(s);
	return s;
}

static void
cl_leave(void *state)
{
	struct cl *s = state;

	history_free(&s->h);
	secure_wipe(s, sizeof *s);
	free(s);
}

/* One certificate in two lines: serial and status; validity and UKey. */
static void
draw_row(const struct api_cert_row *c, int y, int x, int w, bool focus)
{
	char a[16], z[16], line[256];
	int col = focus ? UI_FOCUS : c->revoked ? UI_DIM : UI_NORMAL;
	const char *st = c->revoked                           ? _("Revoked")
			 : c->not_after < (int64_t)time(NULL) ? _("Expired")
							      : _("Valid");

	ui_date((time_t)c->not_before, a, sizeof a);
	ui_date((time_t)c->not_after, z, sizeof z);
	ui_fill((struct rect){y, x, 2, w}, col);
	ui_put(y, x + 1, 33, col, c->serial);
	ui_put(y, x + 35, w - 35, col, st);
	snprintf(line, sizeof line, _("%s to %s"), a, z);
	ui_put(y + 1, x + 3, 30, col, line);
	ui_labelled(line, sizeof line, _("UKey:"),
		    c->token_serial[0] != '\0' ? c->token_serial : _("not recorded"));
	ui_put(y + 1, x + 35, w - 35, col, line);
}

static void
draw_ask(const struct cl *s, int y, int x, int w)
{
	static const char *const why[] = {
		N_("1  Lost: the UKey is gone"),
		N_("2  Damaged: the UKey no longer works"),
	};

	y += ui_wrap((struct rect){y, x, 2, w}, UI_TITLE,
		     _("Why is the certificate replaced?"));
	for (int i = 0; i < 2; i++, y++) {
		ui_fill((struct rect){y, x, 1, w}, i == s->why ? UI_FOCUS : UI_NORMAL);
		ui_put(y, x + 1, w - 1, i == s->why ? UI_FOCUS : UI_NORMAL, _(why[i]));
		ui_hit(y, x, 1, w, K_ITEM(i));
	}
	ui_wrap((struct rect){y + 1, x, 3, w}, UI_DIM,
		_("Once the application is confirmed the certificate is revoked: "
		  "nobody can sign with it any more, also if the UKey turns up."));
}

static void
cl_draw(void *state)
{
	struct cl *s = state;
	struct rect b = ui_body();
	const struct session *ses = session_get();
	char line[512];
	int y = b.y, x = b.x + 2, w = b.w - 4, n = b.h - 8 > 3 ? (b.h - 8) / 2 : 1;

	ui_labelled(line, sizeof line, ses->unit ? _("Unit:") : _("Name:"),
		    ses->subject_name);
	ui_put(y++, x, w, UI_TITLE, line);
	y++;
	if (s->h == NULL) {
		if (s->job != NULL) {
			ui_put(y, x, w, UI_ACCENT,
			       ui_busy(line, sizeof line,
				       _("Fetching your certificates...")));
			return;
		}
		y += ui_wrap((struct rect){y, x, 3, w}, UI_ERROR,
			     _(s->reason != NULL ? s->reason : N_("No answer.")));
		x += ui_button(y + 1, x, _("Try again"), K_ENTER, true) + 2;
		ui_button(y + 1, x, _("Back"), K_ESC, false);
		return;
	}
	if (s->h->ncerts == 0) {
		ui_wrap((struct rect){y, x, 3, w}, UI_NORMAL, _(s->p->empty));
		return;
	}
	if (s->asking) {
		draw_row(&s->h->certs[s->focus], y, x, w, false);
		draw_ask(s, y + 3, x, w);
		return;
	}
	ui_put(y++, x, w, UI_DIM,
	       _(s->held_note != NULL
			 ? s->held_note
			 : N_("Choose the certificate to replace (arrows and Enter), or "
			      "insert the damaged UKey.")));
	if (s->focus < s->top)
		s->top = s->focus;
	if (s->focus >= s->top + n)
		s->top = s->focus - n + 1;
	for (int i = s->top; i < s->h->ncerts && i < s->top + n; i++, y += 2) {
		draw_row(&s->h->certs[i], y, x, w, i == s->focus);
		ui_hit(y, x, 2, w, K_ITEM(i));
	}
	if (s->note != NULL)
		ui_wrap((struct rect){y + 1, x, 2, w}, UI_ERROR, _(s->note));
}

static struct result
ask_key(struct cl *s, int key)
{
	if (key == K_ESC) {
		s->asking = false;
		return RESULT(ACT_REDRAW);
	}
	switch (ui_list_key(&s->why, 2, key)) {
	case LIST_CHOSEN:
		s->p->take(&s->h->certs[s->focus], s->why == 1);
		return RESULT_FLOW(FLOW_NEXT);
	case LIST_MOVED:
		return RESULT(ACT_REDRAW);
	case LIST_NONE:
		break;
	}
	return RESULT(ACT_NONE);
}

static struct result
cl_key(void *state, int key)
{
	struct cl *s = state;

	if (s->job != NULL)
		return RESULT(ACT_NONE);
	if (s->asking)
		return ask_key(s, key);
	if (key == K_ESC)
		return RESULT_FLOW(FLOW_BACK);
	if (s->h == NULL) {
		if (key != K_ENTER)
			return RESULT(ACT_NONE);
		fetch(s);
		return RESULT(ACT_REDRAW);
	}
	if (s->h->ncerts == 0)
		return RESULT(ACT_NONE);
	switch (ui_list_key(&s->focus, s->h->ncerts, key)) {
	case LIST_CHOSEN:
		if (s->h->certs[s->focus].revoked) {
			s->note = N_("This certificate is revoked already and cannot be "
				     "replaced. Choose another, or apply for a new one.");
			return RESULT(ACT_REDRAW);
		}
		s->note = NULL;
		s->asking = true;
		return RESULT(ACT_REDRAW);
	case LIST_MOVED:
		s->note = NULL;
		return RESULT(ACT_REDRAW);
	case LIST_NONE:
		break;
	}
	return RESULT(ACT_NONE);
}

static struct result
cl_job_done(void *state, struct job *job)
{
	struct cl *s = state;
	struct result r;

	if (job == s->read) {
		s->read = NULL;
		if (token_job_err(job) == TOKEN_OK && token_job_ninfo(job) > 0 &&
		    token_job_info(job, 0)->ncerts > 0)
			snprintf(s->held, sizeof s->held, "%s",
				 token_job_info(job, 0)->certs[0].serial_hex);
		else
			s->held_note = N_("The inserted UKey cannot be read: choose the "
					  "certificate from the list.");
		find_held(s);
		return RESULT(ACT_REDRAW);
	}
	if (job != s->job)
		return RESULT(ACT_NONE);
	r = history_take(&s->job, &s->h, &s->reason);
	find_held(s);
	return r;
}

static struct result
cl_tick(void *state, int64_t now)
{
	const struct cl *s = state;

	(void)now;
	return s->job != NULL ? RESULT(ACT_REDRAW) : RESULT(ACT_NONE);
}

const struct screen_ops screen_step_certs = {
	.name = "step-certs",
	.title = N_("Your certificates"),
	.help = N_("The certificates issued to you: serial, validity, status and the "
		   "UKey each is on. Choose the one whose UKey was lost or damaged "
		   "(arrows and Enter, its number, or touch it), then say which."),
	.footer = FOOT_ENTER | FOOT_ESC,
	.enter = cl_enter,
	.leave = cl_leave,
	.draw = cl_draw,
	.key = cl_key,
	.tick = cl_tick,
	.job_done = cl_job_done,
	.tokens = cl_tokens,
	.steps = flow_steps,
	.title_now = flow_title,
};
