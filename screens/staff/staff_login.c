/*
 * staff_login.c - counter staff log in with their number and staff PIN.
 *
 * The PIN is checked on the worker (PBKDF2 takes a noticeable moment) and
 * wiped from the form as soon as it was handed over.  Five wrong PINs lock
 * the staff login for five minutes on this terminal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "form.h"
#include "i18n.h"
#include "keys.h"
#include "log.h"
#include "loop.h"
#include "screen.h"
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

struct check_job {
	struct job job;
	char pin[FORM_VALUE_MAX];
	const char *hash;
	bool ok;
};

struct staff_login {
	struct form form;
	bool busy;
};

static void
check_run(struct job *job)
{
	struct check_job *c = (struct check_job *)job;

	c->ok = staffauth_verify(c->pin, c->hash);
	secure_wipe(c->pin, sizeof c->pin);
}

static void
check_release(struct job *job)
{
	struct check_job *c = (struct check_job *)job;

	secure_wipe(c->pin, sizeof c->pin);
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

	if (loop_config()->staff_pin_hash == NULL) {
		ui_wrap((struct rect){b.y + 1, b.x + 2, 3, b.w - 4}, UI_WARN,
			_("Staff login is not set up on this terminal (no staff PIN in "
			  "its configuration)."));
		ui_button(b.y + 5, b.x + 2, _("Back"), K_ESC, true);
		return;
	}
	ui_wrap((struct rect){b.y + 1, b.x + 2, 1, b.w - 4}, UI_NORMAL,
		_("For counter staff only. Customers: press Esc to go back."));
	form_draw(&s->form, r);
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

	if (loop_now() < locked_until) {
		form_clear(&s->form, F_PIN);
		form_set_error(&s->form, F_PIN,
			       N_("Too many wrong PINs. Staff login is locked for a few "
				  "minutes."));
		return RESULT(ACT_REDRAW);
	}
	if (strlen(pin) < 4) {
		form_set_error(&s->form, F_PIN, N_("The staff PIN has 4 to 12 digits."));
		return RESULT(ACT_REDRAW);
	}
	c = xcalloc(1, sizeof *c);
	job_init(&c->job, "staff-pin", check_run, check_release);
	memcpy(c->pin, pin, strlen(pin) + 1);
	c->hash = loop_config()->staff_pin_hash;
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
	if (s->busy || loop_config()->staff_pin_hash == NULL)
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

static struct result
staff_login_done(void *state, struct job *job)
{
	struct staff_login *s = state;
	const struct check_job *c = (const struct check_job *)job;

	s->busy = false;
	if (c->ok) {
		log_info("staff %s logged in", form_get(&s->form, F_NUMBER));
		failures = 0;
		return RESULT_REPLACE(SCR_STAFF, NULL);
	}
	failures++;
	log_warn("staff login failed for %s (%d in a row)", form_get(&s->form, F_NUMBER),
		 failures);
	if (failures >= MAX_TRIES) {
		locked_until = loop_now() + LOCKOUT_MS;
		failures = 0;
		form_set_error(&s->form, F_PIN,
			       N_("Too many wrong PINs. Staff login is locked for a few "
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
	.footer = FOOT_ENTER | FOOT_TAB | FOOT_ESC,
	.enter = staff_login_enter,
	.leave = staff_login_leave,
	.draw = staff_login_draw,
	.key = staff_login_key,
	.tick = staff_login_tick,
	.job_done = staff_login_done,
};
