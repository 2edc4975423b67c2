/*
 * identify.c - the step "identify" (STEP_IDENTIFY): unit (单位) or person
 * (个人), then the ID number, checked as it is typed (GB 32100 check
 * character of a credit code, GB 11643 check digit of a resident ID, a
 * lower-case x taken as X); the registration record is fetched through the
 * client and shown greyed, with the manual's sentence that it is changed on
 * the registration platform first.  Going on puts the customer (subject)
 * into the session; a new customer loses the old one's SMS session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "flow.h"
#include "form.h"
#include "i18n.h"
#include "keys.h"
#include "loop.h"
#include "screen.h"
#include "session.h"
#include "steps.h"
#include "ui.h"
#include "validate.h"
#include "worker.h"
#include "xmem.h"

#define K_OTHER 'a'
#define ID_LEN 18

enum id_state { I_KIND, I_TYPE, I_LOOKING, I_FOUND };

struct ident {
	const struct identify_param *p;
	enum id_state state;
	int focus; /* I_KIND: 0 unit, 1 person */
	bool unit;
	struct form form;
	struct job *job;
	const char *reason; /* why the number was not taken */
	const char *advice; /* what to do then, or NULL */
	struct api_subject rec;
};

static const struct field_def unit_field[] = {
	{N_("Unified social credit code"), FIELD_REQUIRED, CHARS_CODE, ID_LEN,
	 validate_credit_code, N_("18 characters, as on the business licence.")},
};
static const struct field_def person_field[] = {
	{N_("Resident ID number"), FIELD_REQUIRED, CHARS_ID, ID_LEN, validate_resident_id,
	 N_("18 digits, as on the ID card; the last may be X.")},
};

static bool
both(const struct ident *s)
{
	return (s->p->kinds & (IDENT_UNIT | IDENT_PERSON)) == (IDENT_UNIT | IDENT_PERSON);
}

static void
to_type(struct ident *s, bool unit)
{
	s->unit = unit;
	form_wipe(&s->form);
	form_init(&s->form, unit ? unit_field : person_field, 1);
	s->reason = s->advice = NULL;
	s->state = I_TYPE;
}

static void *
id_enter(const void *arg)
{
	struct ident *s = xcalloc(1, sizeof *s);
	const struct step *st = arg;
	const struct session *ses = session_get();

	s->p = st->param;
	s->state = I_KIND;
	s->focus = ses->subject_id[0] != '\0' && !ses->unit ? 1 : 0;
	if (!both(s))
		to_type(s, s->p->kinds & IDENT_UNIT);
	/* Back from a later step: the number given is there again. */
	if (ses->subject_id[0] != '\0' && (both(s) || s->unit == ses->unit)) {
		to_type(s, ses->unit);
		form_set(&s->form, 0, ses->subject_id);
	}
	return s;
}

static void
id_leave(void *state)
{
	struct ident *s = state;

	form_wipe(&s->form);
	secure_wipe(s, sizeof *s);
	free(s);
}

/* ---- drawing -------------------------------------------------------------- */

static void
draw_kind(const struct ident *s, struct rect b)
{
	static const char *const names[] = {N_("Unit certificate"),
					    N_("Personal certificate")};
	static const char *const notes[] = {
		N_("A company or organisation: its unified social credit code"),
		N_("A person: their resident ID number")};
	int y = b.y + 1, x = b.x + 4, w = b.w - 8;

	if (s->p->why != NULL)
		y += ui_wrap((struct rect){y, x, 2, w}, UI_NORMAL, _(s->p->why)) + 1;
	ui_put(y, x, w, UI_TITLE, _("Whose certificate is it?"));
	y += 2;
	for (int i = 0; i < 2; i++, y += 3) {
		char line[160];
		bool f = i == s->focus;

		snprintf(line, sizeof line, " %d  %s", i + 1, _(names[i]));
		ui_fill((struct rect){y, x, 1, w}, f ? UI_FOCUS : UI_NORMAL);
		ui_put(y, x, w, f ? UI_FOCUS : UI_TITLE, line);
		ui_put(y + 1, x + 4, w - 4, UI_DIM, _(notes[i]));
		ui_hit(y, x, 2, w, K_ITEM(i));
	}
}

static void
row(int y, int x, int w, const char *label, const char *value)
{
	char line[512];

	ui_put(y, x, w, UI_DIM, ui_labelled(line, sizeof line, label, value));
}

static void
party(int y, int x, int w, const char *label, const struct api_party *p)
{
	char v[400];

	snprintf(v, sizeof v, "%s  %s  %s", p->name, p->id_masked, p->mobile_masked);
	row(y, x, w, label, v);
}

/* The record, greyed: nothing of it can be changed here. */
static int
draw_record(const struct ident *s, int y, int x, int w)
{
	const struct api_subject *r = &s->rec;

	row(y++, x, w, r->unit ? _("Unit:") : _("Name:"), r->name);
	row(y++, x, w, r->unit ? _("Credit code:") : _("ID number:"),
	    r->unit ? r->id : r->self.id_masked);
	if (r->unit) {
		party(y++, x, w, _("Legal representative:"), &r->legal_rep);
		party(y++, x, w, _("Agent:"), &r->agent);
	} else {
		row(y++, x, w, _("Mobile:"), r->self.mobile_masked);
	}
	if (r->address[0] != '\0')
		row(y++, x, w, _("Address:"), r->address);
	if (r->postcode[0] != '\0')
		row(y++, x, w, _("Postcode:"), r->postcode);
	if (r->email[0] != '\0')
		row(y++, x, w, _("E-mail:"), r->email);
	return y;
}

static void
id_draw(void *state)
{
	struct ident *s = state;
	struct rect b = ui_body();
	int y = b.y + 1, x = b.x + 2, w = b.w - 4;

	if (s->state == I_KIND) {
		draw_kind(s, b);
		return;
	}
	ui_put(y, x, w, UI_TITLE,
	       s->unit ? _("Unit certificate") : _("Personal certificate"));
	y += 2;
	if (s->state == I_FOUND) {
		y = draw_record(s, y, x, w) + 1;
		y += ui_wrap((struct rect){y, x, 3, w}, UI_ACCENT,
			     _("The greyed data comes from the registration platform and "
			       "cannot be changed here. To change it, change it on the "
			       "registration platform first, then start again."));
		y++;
		x += ui_button(y, x, _("Next"), K_ENTER, true) + 2;
		ui_button(y, x, _("Another number"), K_OTHER, false);
		return;
	}
	y += form_draw(&s->form, (struct rect){y, x, 2, w});
	y++;
	if (s->state == I_LOOKING) {
		char line[256];

		ui_put(y, x, w, UI_ACCENT,
		       ui_busy(line, sizeof line,
			       _("Looking up the registration records...")));
		return;
	}
	if (s->reason != NULL) {
		y += ui_wrap((struct rect){y, x, 3, w}, UI_ERROR, _(s->reason));
		if (s->advice != NULL)
			y += ui_wrap((struct rect){y, x, 3, w}, UI_NORMAL, _(s->advice));
		y++;
	}
	x += ui_button(y, x, _("Look up"), K_ENTER, false) + 2;
	ui_button(y, x, _("Back"), K_ESC, false);
}

/* ---- keys and the lookup ------------------------------------------------------ */

/* Checked as typed: once the number is whole, or has a character that
 * cannot be in it, what is wrong is said at once. */
static void
check_as_typed(struct ident *s)
{
	const char *v = form_get(&s->form, 0);
	enum valid r = s->unit ? validate_credit_code(v) : validate_resident_id(v);

	if (strlen(v) >= ID_LEN || r == VALID_CHARSET)
		form_check(&s->form);
	s->reason = s->advice = NULL;
}

static void
take(struct ident *s)
{
	struct session *ses = session_get();

	/* Another customer: the earlier one's code and session are not theirs. */
	if (ses->unit != s->unit || strcmp(ses->subject_id, s->rec.id) != 0) {
		secure_wipe(ses->sms_session, sizeof ses->sms_session);
		ses->sms_expires_ms = 0;
	}
	ses->unit = s->unit;
	snprintf(ses->subject_id, sizeof ses->subject_id, "%s", s->rec.id);
	snprintf(ses->subject_name, sizeof ses->subject_name, "%s", s->rec.name);
	if (s->p->take != NULL)
		s->p->take(&s->rec);
}

static struct result
id_key(void *state, int key)
{
	struct ident *s = state;

	switch (s->state) {
	case I_KIND:
		if (key == K_ESC)
			return RESULT_FLOW(FLOW_BACK);
		switch (ui_list_key(&s->focus, 2, key)) {
		case LIST_CHOSEN:
			to_type(s, s->focus == 0);
			return RESULT(ACT_REDRAW);
		case LIST_MOVED:
			return RESULT(ACT_REDRAW);
		case LIST_NONE:
			break;
		}
		return RESULT(ACT_NONE);
	case I_LOOKING:
		if (key != K_ESC)
			return RESULT(ACT_NONE);
		job_cancel(s->job);
		s->job = NULL;
		s->state = I_TYPE;
		return RESULT(ACT_REDRAW);
	case I_FOUND:
		if (key == K_ENTER) {
			take(s);
			return RESULT_FLOW(FLOW_NEXT);
		}
		if (key == K_ESC || key == K_OTHER) {
			s->state = I_TYPE;
			return RESULT(ACT_REDRAW);
		}
		return RESULT(ACT_NONE);
	case I_TYPE:
		break;
	}
	if (key == K_ESC) {
		if (!both(s))
			return RESULT_FLOW(FLOW_BACK);
		form_wipe(&s->form);
		s->state = I_KIND;
		return RESULT(ACT_REDRAW);
	}
	switch (form_key(&s->form, key)) {
	case FORM_SUBMIT:
		s->reason = s->advice = NULL;
		s->state = I_LOOKING;
		s->job = api_job_registry(s->unit, form_get(&s->form, 0));
		loop_submit(s->job);
		return RESULT(ACT_REDRAW);
	case FORM_CHANGED:
		check_as_typed(s);
		return RESULT(ACT_REDRAW);
	case FORM_NONE:
		break;
	}
	return RESULT(ACT_NONE);
}

static struct result
id_job_done(void *state, struct job *job)
{
	struct ident *s = state;
	const struct api_err *e = api_job_err(job);

	if (job != s->job)
		return RESULT(ACT_NONE);
	s->job = NULL;
	if (e->err == BACKEND_OK) {
		s->rec = *api_job_subject(job);
		s->state = I_FOUND;
		return RESULT(ACT_REDRAW);
	}
	s->state = I_TYPE;
	s->advice = NULL;
	if (api_refused(e, "unknown_subject")) {
		s->reason = s->unit ? N_("This credit code is not in the registration "
					 "records.")
				    : N_("This ID number is not in the registration "
					 "records.");
		s->advice = N_("Please check the number. If it is right, register on the "
			       "registration platform first (the staff can help), then "
			       "come back.");
	} else if (api_refused(e, "invalid_id")) {
		s->reason = N_("The service centre says the check character of this "
			       "number is wrong. Please check the number.");
	} else {
		s->reason = api_reason(e);
	}
	return RESULT(ACT_REDRAW);
}

static struct result
id_tick(void *state, int64_t now)
{
	const struct ident *s = state;

	(void)now;
	return s->state == I_LOOKING ? RESULT(ACT_REDRAW) : RESULT(ACT_NONE);
}

static unsigned
id_footer(void *state)
{
	const struct ident *s = state;

	return s->state == I_LOOKING ? FOOT_CANCEL : FOOT_ENTER | FOOT_ESC;
}

const struct screen_ops screen_step_identify = {
	.name = "step-identify",
	.title = N_("Identify"),
	.help = N_("Choose a unit or a personal certificate, then type the unified "
		   "social credit code (on the business licence) or the ID card "
		   "number. The registered data is shown as the registration "
		   "platform holds it; it is changed there, not here."),
	.footer = FOOT_ENTER | FOOT_ESC,
	.enter = id_enter,
	.leave = id_leave,
	.draw = id_draw,
	.key = id_key,
	.tick = id_tick,
	.job_done = id_job_done,
	.steps = flow_steps,
	.title_now = flow_title,
	.footer_now = id_footer,
};
