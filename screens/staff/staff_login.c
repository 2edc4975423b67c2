/*
 * staff_login.c - counter staff log in with their number and their own PIN,
 * both checked by the backend (PROTOCOL.md section 17), which locks the
 * account after wrong PINs and audits every login with the real number.
 *
 * When the backend cannot be reached (no answer, or it refuses this
 * kiosk's certificate), and only then, the kiosk's own staff PIN from its
 * configuration ([staff] pin_hash) lets staff in for what needs no backend:
 * assist mode, the connection test, releasing the kiosk, closing the
 * program.  That is what staff need most when the backend is down.  Five
 * wrong PINs there lock it for five minutes on this kiosk.
 *
 * The PIN goes to the worker and is wiped from the form at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "config.h"
#include "form.h"
#include "i18n.h"
#include "keys.h"
#include "log.h"
#include "loop.h"
#include "screen.h"
#include "staff.h"
#include "staffauth.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

#define MAX_TRIES 5
#define LOCKOUT_MS (5 * 60 * 1000)

enum { F_NUMBER, F_PIN, F_COUNT };

static const struct field_def fields[F_COUNT] = {
	[F_NUMBER] = {N_("Staff number"), FIELD_REQUIRED, CHARS_DIGITS, 8, NULL,
		      N_("The number on your staff card.")},
	[F_PIN] = {N_("Staff PIN"), FIELD_REQUIRED | FIELD_MASKED, CHARS_DIGITS, 12, NULL,
		   N_("4 to 12 digits. It is not shown.")},
};

/* Survives the screen: the lockout is the terminal's, not a visit's. */
static int failures;
static int64_t locked_until;

/* What the staff screen gets; wiped by it once copied. */
static struct staff_cred handoff;

struct check_job {
	struct job job;
	char number[FORM_VALUE_MAX];
	char pin[FORM_VALUE_MAX];
	char idem[BACKEND_IDEM_KEY_LEN + 1];
	const char *hash; /* the kiosk's own, or NULL */
	struct api_staff_login login;
	struct api_err err;
	bool local; /* the backend did not answer: checked on hash */
	bool ok;
};

struct staff_login {
	struct form form;
	bool busy;
	char note[256]; /* what the backend said, or "" */
};

/* Did the backend answer about this member of staff?  Else it was not
 * reached (or refused this kiosk), and the kiosk's own PIN may serve. */
static bool
backend_answered(const struct api_err *e)
{
	return e->err == BACKEND_OK || api_refused(e, "staff_auth_failed") ||
	       api_refused(e, "staff_locked") || api_refused(e, "staff_disabled") ||
	       api_refused(e, "rate_limited") || api_refused(e, "invalid_field") ||
	       e->err == BACKEND_CANCELLED;
}

static void
check_run(struct job *job)
{
	struct check_job *c = (struct check_job *)job;

	api_staff_login(c->number, c->pin, c->idem, job, &c->login, &c->err);
	if (!backend_answered(&c->err) && c->hash != NULL) {
		c->local = true;
		c->ok = staffauth_verify(c->pin, c->hash);
	}
	secure_wipe(c->pin, sizeof c->pin);
}

static void
check_release(struct job *job)
{
	struct check_job *c = (struct check_job *)job;

	secure_wipe(c, sizeof *c);
	free(c);
}

static void *
staff_login_enter(const void *arg)
{
	struct staff_login *s = xcalloc(1, sizeof *s);

	(void)arg;
	form_init(&s->form, fields, F_COUNT);
	return s;
}

static void
staff_login_leave(void *state)
{
	struct staff_login *s = state;

	form_wipe(&s->form);
	free(s);
}

static void
staff_login_draw(void *state)
{
	struct staff_login *s = state;
	struct rect b = ui_body();
	struct rect r = {b.y + 3, b.x + 2, 5, b.w - 4};

	ui_wrap((struct rect){b.y + 1, b.x + 2, 1, b.w - 4}, UI_NORMAL,
		_("For counter staff only. Customers: press Esc to go back."));
	form_draw(&s->form, r);
	ui_wrap((struct rect){r.y + r.h + 3, r.x, 3, r.w}, s->note[0] ? UI_ERROR : UI_DIM,
		s->note[0] ? s->note
			   : _("Five wrong PINs in a row lock a staff account for 15 "
			       "minutes."));
	if (s->busy) {
		char line[128];

		ui_put(r.y + r.h + 1, r.x, r.w, UI_ACCENT,
		       ui_busy(line, sizeof line, _("Checking...")));
		return;
	}
	int x = r.x;
	x += ui_button(r.y + r.h + 1, x, _("Log in"), K_ENTER, false) + 2;
	ui_button(r.y + r.h + 1, x, _("Back"), K_ESC, false);
}

static struct result
staff_login_submit(struct staff_login *s)
{
	const char *pin = form_get(&s->form, F_PIN);
	struct check_job *c;

	s->note[0] = '\0';
	if (strlen(pin) < 4) {
		form_set_error(&s->form, F_PIN, N_("The staff PIN has 4 to 12 digits."));
		return RESULT(ACT_REDRAW);
	}
	c = xcalloc(1, sizeof *c);
	job_init(&c->job, "staff-login", check_run, check_release);
	memcpy(c->pin, pin, strlen(pin) + 1);
	snprintf(c->number, sizeof c->number, "%s", form_get(&s->form, F_NUMBER));
	backend_new_key(c->idem);
	/* The kiosk's own PIN is locked on this kiosk after wrong ones. */
	c->hash = loop_now() < locked_until ? NULL : loop_config()->staff_pin_hash;
	/* The form no longer needs the PIN: the job has its own copy. */
	form_clear(&s->form, F_PIN);
	s->busy = true;
	loop_submit(&c->job);
	return RESULT(ACT_REDRAW);
}

static struct result
staff_login_key(void *state, int key)
{
	struct staff_login *s = state;

	if (key == K_ESC)
		return RESULT(ACT_POP);
	if (s->busy)
		return RESULT(ACT_NONE);
	switch (form_key(&s->form, key)) {
	case FORM_SUBMIT:
		return staff_login_submit(s);
	case FORM_CHANGED:
		return RESULT(ACT_REDRAW);
	case FORM_NONE:
		break;
	}
	return RESULT(ACT_NONE);
}

/* The backend refused the login: said in a sentence, with the time. */
static struct result
refused(struct staff_login *s, const struct api_err *e)
{
	int minutes = (int)((e->retry_after + 59) / 60);

	if (api_refused(e, "staff_auth_failed")) {
		form_set_error(&s->form, F_PIN,
			       N_("The staff number or PIN is not right."));
	} else if (api_refused(e, "staff_locked") && e->until_reset) {
		snprintf(s->note, sizeof s->note, "%s",
			 _("Too many wrong PINs: this staff account is locked until an "
			   "administrator unlocks it (cakiosk-ra staff reset)."));
	} else if (api_refused(e, "staff_locked")) {
		snprintf(
			s->note, sizeof s->note,
			_("Too many wrong PINs: this staff account is locked for %d more "
			  "minutes."),
			minutes < 1 ? 1 : minutes);
	} else if (api_refused(e, "staff_disabled")) {
		snprintf(s->note, sizeof s->note, "%s",
			 _("This staff account is disabled. Please ask the "
			   "administrator."));
	} else if (api_refused(e, "rate_limited")) {
		snprintf(s->note, sizeof s->note,
			 _("Too many failed staff logins at this kiosk. Try again in %d "
			   "minutes."),
			 minutes < 1 ? 1 : minutes);
	} else {
		snprintf(s->note, sizeof s->note, "%s", _(api_reason(e)));
	}
	return RESULT(ACT_REDRAW);
}

static struct result
staff_login_done(void *state, struct job *job)
{
	struct staff_login *s = state;
	const struct check_job *c = (const struct check_job *)job;

	s->busy = false;
	if (c->err.err == BACKEND_OK) {
		log_info("staff %s logged in", c->login.staff_no);
		memset(&handoff, 0, sizeof handoff);
		snprintf(handoff.staff_no, sizeof handoff.staff_no, "%s",
			 c->login.staff_no);
		snprintf(handoff.name, sizeof handoff.name, "%s", c->login.name);
		snprintf(handoff.session, sizeof handoff.session, "%s", c->login.session);
		return RESULT_REPLACE(SCR_STAFF, &handoff);
	}
	if (!c->local) {
		if (backend_answered(&c->err))
			return refused(s, &c->err);
		snprintf(
			s->note, sizeof s->note, "%s",
			loop_now() < locked_until
				? _("Too many wrong PINs. Staff login is locked for a "
				    "few minutes.")
				: _("The service centre cannot be reached, and this "
				    "kiosk has no staff PIN of its own: staff cannot log "
				    "in now."));
		return RESULT(ACT_REDRAW);
	}
	if (c->ok) {
		log_info("staff %s logged in on this kiosk's own PIN (backend not "
			 "reached)",
			 form_get(&s->form, F_NUMBER));
		failures = 0;
		memset(&handoff, 0, sizeof handoff);
		snprintf(handoff.staff_no, sizeof handoff.staff_no, "%s",
			 form_get(&s->form, F_NUMBER));
		handoff.offline = true;
		return RESULT_REPLACE(SCR_STAFF, &handoff);
	}
	failures++;
	log_warn("staff login failed for %s (%d in a row, kiosk's own PIN)",
		 form_get(&s->form, F_NUMBER), failures);
	if (failures >= MAX_TRIES) {
		locked_until = loop_now() + LOCKOUT_MS;
		failures = 0;
		snprintf(s->note, sizeof s->note, "%s",
			 _("Too many wrong PINs. Staff login is locked for a few "
			   "minutes."));
	} else {
		form_set_error(&s->form, F_PIN,
			       N_("The staff number or PIN is not right."));
	}
	return RESULT(ACT_REDRAW);
}

static struct result
staff_login_tick(void *state, int64_t now)
{
	struct staff_login *s = state;

	(void)now;
	return s->busy ? RESULT(ACT_REDRAW) : RESULT(ACT_NONE);
}

const struct screen_ops screen_staff_login = {
	.name = "staff-login",
	.title = N_("Staff login"),
	.help = N_("Counter staff log in here with their staff number and PIN. "
		   "Tab or the arrow keys move between the fields; Enter logs in."),
	.flags = SCREEN_STAFF,
	.footer = FOOT_ENTER | FOOT_TAB | FOOT_ESC,
	.enter = staff_login_enter,
	.leave = staff_login_leave,
	.draw = staff_login_draw,
	.key = staff_login_key,
	.tick = staff_login_tick,
	.job_done = staff_login_done,
};
