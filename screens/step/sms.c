/*
 * sms.c - the step "SMS code" (STEP_SMS): a code is sent to the registered
 * mobile (the backend names it masked), the customer types its 6 digits,
 * and the backend's session (POST /v1/sessions) goes into the customer's
 * session (session.h), wiped at the end of the visit.
 *
 * What the backend allows is shown as it is: the resend waits for its
 * rate limit (a countdown), the code's expiry counts down, a wrong code
 * says the tries left, and a spent code or a rate limit (429) is said in
 * plain words with when to try again.  The table row says whose mobile a
 * unit's code goes to (the agent or the legal representative).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "backend.h"
#include "flow.h"
#include "form.h"
#include "i18n.h"
#include "keys.h"
#include "loop.h"
#include "now.h"
#include "screen.h"
#include "session.h"
#include "steps.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

#define K_RESEND 'r'
#define CODE_LEN 6

enum sms_state { M_ASK, M_SENDING, M_TYPE, M_CHECKING };

struct sms {
	const struct sms_param *p;
	enum sms_state state;
	struct form form;
	struct job *job;
	char sent_to[API_MASKED_MAX];
	bool have_code;     /* a code was sent and may still be typed */
	int64_t expires_at; /* now_ms() when the code runs out */
	int64_t resend_at;  /* ... when another may be asked for */
	const char *reason; /* message id, or NULL */
	int tries_left;     /* a wrong code: the tries left, said; -1: none */
	enum { W_NONE, W_SEND, W_CODES } wait; /* a 429: until resend_at */
	char idem[BACKEND_IDEM_KEY_LEN + 1];
	/* The last call went unanswered (lost, down): its retry keeps the key,
	 * so a code sent or a session made meanwhile is found again (the
	 * session's only for the same code, kept here till then). */
	bool send_lost, check_lost;
	char last_code[CODE_LEN + 1];
};

static enum valid
check_code(const char *v)
{
	return strlen(v) == CODE_LEN ? VALID_OK : VALID_LENGTH;
}

static const struct field_def code_field[] = {
	{N_("SMS code"), FIELD_REQUIRED, CHARS_DIGITS, CODE_LEN, check_code,
	 N_("The 6 digits in the text message.")},
};

static void *
sms_enter(const void *arg)
{
	struct sms *s = xcalloc(1, sizeof *s);
	const struct step *st = arg;

	s->p = st->param;
	s->state = M_ASK;
	s->tries_left = -1;
	form_init(&s->form, code_field, 1);
	return s;
}

static void
sms_leave(void *state)
{
	struct sms *s = state;

	form_wipe(&s->form);
	secure_wipe(s, sizeof *s);
	free(s);
}

static const char *
to_whom(const struct sms *s)
{
	if (!session_get()->unit)
		return N_("The code is sent to your mobile number as registered.");
	return s->p->to == SMS_TO_LEGAL_REP
		       ? N_("The code is sent to the registered mobile of the unit's "
			    "legal representative.")
		       : N_("The code is sent to the registered mobile of the unit's "
			    "agent.");
}

/* "4:59" for the time from now to at (nothing left: "0:00"). */
static void
mmss(int64_t at, char *buf, size_t len)
{
	int64_t left = (at - now_ms() + 999) / 1000;

	if (left < 0)
		left = 0;
	if (left >= 3600)
		snprintf(buf, len, "%d:%02d:%02d", (int)(left / 3600),
			 (int)(left / 60 % 60), (int)(left % 60));
	else
		snprintf(buf, len, "%d:%02d", (int)(left / 60), (int)(left % 60));
}

static bool
may_send(const struct sms *s)
{
	return now_ms() >= s->resend_at;
}

static bool
expired(const struct sms *s)
{
	return s->have_code && now_ms() >= s->expires_at;
}

static void
draw_reason(const struct sms *s, int *y, int x, int w)
{
	char line[512], t[16];

	mmss(s->resend_at, t, sizeof t);
	if (s->wait == W_SEND)
		snprintf(line, sizeof line,
			 _("No new code can be sent yet (too many were asked for). You "
			   "can ask again in %s."),
			 t);
	else if (s->wait == W_CODES)
		snprintf(line, sizeof line,
			 _("Too many wrong codes were typed. You can try again in %s."),
			 t);
	else if (s->tries_left == 1)
		snprintf(line, sizeof line, "%s", _("The code is wrong. 1 try left."));
	else if (s->tries_left > 1)
		snprintf(line, sizeof line, _("The code is wrong. %d tries left."),
			 s->tries_left);
	else if (s->reason != NULL)
		snprintf(line, sizeof line, "%s", _(s->reason));
	else
		return;
	*y += ui_wrap((struct rect){*y, x, 3, w}, UI_ERROR, line) + 1;
}

static void
sms_draw(void *state)
{
	struct sms *s = state;
	struct rect b = ui_body();
	char line[512], t[16];
	int y = b.y + 1, x = b.x + 2, w = b.w - 4;
	const struct session *ses = session_get();

	ui_labelled(line, sizeof line, ses->unit ? _("Unit:") : _("Name:"),
		    ses->subject_name);
	ui_put(y, x, w, UI_TITLE, line);
	y += 2;
	if (s->p->why != NULL)
		y += ui_wrap((struct rect){y, x, 2, w}, UI_NORMAL, _(s->p->why));
	y += ui_wrap((struct rect){y, x, 2, w}, UI_NORMAL, _(to_whom(s))) + 1;
	if (s->state == M_ASK || s->state == M_SENDING) {
		draw_reason(s, &y, x, w);
		if (s->state == M_SENDING) {
			ui_put(y, x, w, UI_ACCENT,
			       ui_busy(line, sizeof line, _("Sending the code...")));
			return;
		}
		x += ui_button(y, x, _("Send the code"), K_ENTER, true) + 2;
		ui_button(y, x, _("Back"), K_ESC, false);
		return;
	}
	snprintf(line, sizeof line, _("A code was sent to %s."), s->sent_to);
	ui_put(y++, x, w, UI_TITLE, line);
	if (expired(s)) {
		ui_put(y++, x, w, UI_WARN,
		       _("The code has expired. Please send a new one."));
	} else if (s->have_code) {
		mmss(s->expires_at, t, sizeof t);
		snprintf(line, sizeof line, _("It is valid for %s more."), t);
		ui_put(y++, x, w, UI_DIM, line);
	} else {
		y++;
	}
	y++;
	y += form_draw(&s->form, (struct rect){y, x, 2, w}) + 1;
	draw_reason(s, &y, x, w);
	if (s->state == M_CHECKING) {
		ui_put(y, x, w, UI_ACCENT, ui_busy(line, sizeof line, _("Checking...")));
		return;
	}
	x += ui_button(y, x, _("Confirm"), K_ENTER, true) + 2;
	if (may_send(s)) {
		ui_button(y, x, _("Send a new code"), K_RESEND, false);
	} else {
		mmss(s->resend_at, t, sizeof t);
		snprintf(line, sizeof line, _("New code in %s"), t);
		ui_put(y, x, w - (x - b.x), UI_DIM, line);
	}
}

/* ---- sending and checking ---------------------------------------------------- */

static struct result
send(struct sms *s)
{
	const struct session *ses = session_get();

	s->state = M_SENDING;
	s->reason = NULL;
	s->wait = W_NONE;
	s->tries_left = -1;
	if (!s->send_lost)
		backend_new_key(s->idem);
	s->check_lost = false;
	s->job = api_job_sms(
		ses->unit, ses->subject_id, s->p->purpose,
		ses->unit && s->p->to == SMS_TO_LEGAL_REP ? "legal_rep" : NULL, s->idem);
	loop_submit(s->job);
	return RESULT(ACT_REDRAW);
}

static struct result
check(struct sms *s)
{
	const struct session *ses = session_get();

	s->state = M_CHECKING;
	s->reason = NULL;
	s->wait = W_NONE;
	s->tries_left = -1;
	/* A new key for each code typed: another body is another request;
	 * the same code again after no answer is the same request. */
	if (!s->check_lost || strcmp(s->last_code, form_get(&s->form, 0)) != 0)
		backend_new_key(s->idem);
	snprintf(s->last_code, sizeof s->last_code, "%s", form_get(&s->form, 0));
	s->send_lost = false;
	s->job = api_job_session(ses->unit, ses->subject_id, form_get(&s->form, 0),
				 s->idem);
	loop_submit(s->job);
	return RESULT(ACT_REDRAW);
}

/* A 429: nothing more until retry_after has passed, counted down. */
static void
limited(struct sms *s, const struct api_err *e, bool codes)
{
	s->tries_left = -1;
	if (e->retry_after > 0) {
		s->resend_at = now_ms() + (int64_t)e->retry_after * 1000;
		s->wait = codes ? W_CODES : W_SEND;
	} else {
		s->reason = codes ? N_("Too many wrong codes were typed. Please try "
				       "again later or ask the staff.")
				  : N_("No new code can be sent now (too many were asked "
				       "for). Please try again later or ask the staff.");
	}
}

static struct result
sent(struct sms *s, const struct api_err *e, const struct api_sms *r)
{
	int64_t now = now_ms();

	s->send_lost = e->err != BACKEND_OK && e->err != BACKEND_REFUSED;
	if (e->err == BACKEND_OK) {
		snprintf(s->sent_to, sizeof s->sent_to, "%s", r->sent_to);
		s->have_code = true;
		s->expires_at = now + (int64_t)r->expires_in * 1000;
		s->resend_at = now + (int64_t)r->resend_after * 1000;
		s->state = M_TYPE;
		form_wipe(&s->form);
		return RESULT(ACT_REDRAW);
	}
	s->state = s->sent_to[0] != '\0' ? M_TYPE : M_ASK;
	if (api_refused(e, "rate_limited"))
		limited(s, e, false);
	else if (api_refused(e, "unknown_subject"))
		s->reason = N_("This number is not in the registration records.");
	else
		s->reason = api_reason(e);
	return RESULT(ACT_REDRAW);
}

static struct result
checked(struct sms *s, const struct api_err *e, const struct api_session *r)
{
	struct session *ses = session_get();

	form_wipe(&s->form);
	s->check_lost = e->err != BACKEND_OK && e->err != BACKEND_REFUSED;
	if (!s->check_lost)
		secure_wipe(s->last_code, sizeof s->last_code);
	if (e->err == BACKEND_OK) {
		snprintf(ses->sms_session, sizeof ses->sms_session, "%s", r->token);
		ses->sms_expires_ms = now_ms() + (int64_t)r->expires_in * 1000;
		return RESULT_FLOW(FLOW_NEXT);
	}
	s->state = M_TYPE;
	if (api_refused(e, "code_wrong") && e->tries_left > 0) {
		s->tries_left = e->tries_left;
	} else if (api_refused(e, "code_wrong") || api_refused(e, "code_exhausted")) {
		s->have_code = false;
		s->reason = N_("The code was typed wrong too often and no longer works. "
			       "Please send a new code.");
	} else if (api_refused(e, "code_expired")) {
		s->have_code = false;
		s->reason = N_("The code has expired (a code is valid for 5 minutes). "
			       "Please send a new code.");
	} else if (api_refused(e, "code_used") || api_refused(e, "code_not_found")) {
		s->have_code = false;
		s->reason =
			N_("This code can no longer be used. Please send a new code.");
	} else if (api_refused(e, "rate_limited")) {
		limited(s, e, true);
	} else {
		s->reason = api_reason(e);
	}
	return RESULT(ACT_REDRAW);
}

static struct result
sms_key(void *state, int key)
{
	struct sms *s = state;

	if (s->state == M_SENDING || s->state == M_CHECKING)
		return RESULT(ACT_NONE);
	if (key == K_ESC)
		return RESULT_FLOW(FLOW_BACK);
	if (s->state == M_ASK)
		return key == K_ENTER && may_send(s) ? send(s) : RESULT(ACT_NONE);
	if (key == K_RESEND)
		return may_send(s) ? send(s) : RESULT(ACT_NONE);
	switch (form_key(&s->form, key)) {
	case FORM_SUBMIT:
		if (!s->have_code || expired(s)) {
			s->have_code = false;
			s->tries_left = -1;
			s->wait = W_NONE;
			s->reason = N_("The code has expired (a code is valid for 5 "
				       "minutes). Please send a new code.");
			form_wipe(&s->form);
			return RESULT(ACT_REDRAW);
		}
		return check(s);
	case FORM_CHANGED:
		return RESULT(ACT_REDRAW);
	case FORM_NONE:
		break;
	}
	return RESULT(ACT_NONE);
}

static struct result
sms_job_done(void *state, struct job *job)
{
	struct sms *s = state;

	if (job != s->job)
		return RESULT(ACT_NONE);
	s->job = NULL;
	if (s->state == M_SENDING)
		return sent(s, api_job_err(job), api_job_sms_sent(job));
	return checked(s, api_job_err(job), api_job_session_made(job));
}

static struct result
sms_tick(void *state, int64_t now)
{
	(void)state;
	(void)now;
	/* The countdowns (and the spinner) move with the clock. */
	return RESULT(ACT_REDRAW);
}

static unsigned
sms_footer(void *state)
{
	const struct sms *s = state;

	return s->state == M_SENDING || s->state == M_CHECKING ? 0
							       : FOOT_ENTER | FOOT_ESC;
}

const struct screen_ops screen_step_sms = {
	.name = "step-sms",
	.title = N_("SMS code"),
	.help = N_("A text message with a 6-digit code is sent to the registered "
		   "mobile. Type the code and press Enter. A code is valid for 5 "
		   "minutes; a new one can be sent after the time shown. The kiosk "
		   "never shows the full mobile number."),
	.footer = FOOT_ENTER | FOOT_ESC,
	.enter = sms_enter,
	.leave = sms_leave,
	.draw = sms_draw,
	.key = sms_key,
	.tick = sms_tick,
	.job_done = sms_job_done,
	.steps = flow_steps,
	.title_now = flow_title,
	.footer_now = sms_footer,
};
