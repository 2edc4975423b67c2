/*
 * verify.c - the step "verify identity": one method of the service's row
 * (verify_param), for a unit (its legal representative's mobile or bank
 * card, or a 0.01 CNY transfer to its corporate account) or a person (own
 * mobile, bank card, or a transfer to own account), as the manual lists
 * them.  Each field is checked as it is typed (a mobile with or without
 * +86, a bank card's Luhn sum); a transfer's memo code is read by the
 * customer and typed here.  The backend's answer (api_order_verify) says
 * verified, a wrong answer with the tries left, or that the tries are
 * spent: each a plain sentence and a way on.
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
#include "validate.h"
#include "worker.h"
#include "xmem.h"

#define K_OTHER 'a'

enum vs_phase {
	V_DONE,   /* verified earlier in this visit: it stands */
	V_CHOOSE, /* which method */
	V_FIELD,  /* the mobile or card; for a transfer: ask for it */
	V_MEMO,   /* the code in the transfer's memo */
	V_BUSY,   /* the backend checks */
	V_FAILED, /* the call failed: "Try again" sends it again, same key */
};

struct vs {
	const struct verify_param *p;
	enum vs_phase phase, back; /* back: where a failed call returns */
	int focus, chosen;
	struct form form;
	struct job *job;
	const char *note; /* message id: why the last answer was refused */
	int tries_left;
	long retry_after;
	long amount;
	char account[40];
	char idem[BACKEND_IDEM_KEY_LEN + 1];
	char value[FORM_VALUE_MAX]; /* what the call carries (wiped) */
};

static enum valid
check_memo(const char *v)
{
	size_t n = strlen(v);

	if (n != 6)
		return VALID_LENGTH;
	return strspn(v, "0123456789") == n ? VALID_OK : VALID_CHARSET;
}

/* Whose: the legal representative, the person, the agent. */
static const struct field_def f_mobile[3] = {
	{N_("Legal representative's mobile"), FIELD_REQUIRED, CHARS_PHONE, 20,
	 validate_mobile, N_("The mobile registered for the legal representative.")},
	{N_("Your mobile"), FIELD_REQUIRED, CHARS_PHONE, 20, validate_mobile,
	 N_("The mobile registered in your name.")},
	{N_("Agent's mobile"), FIELD_REQUIRED, CHARS_PHONE, 20, validate_mobile,
	 N_("The mobile registered for the unit's agent.")},
};
static const struct field_def f_card[3] = {
	{N_("Legal representative's bank card"), FIELD_REQUIRED, CHARS_DIGITS, 19,
	 validate_bank_card, N_("The card number, digits only.")},
	{N_("Your bank card"), FIELD_REQUIRED, CHARS_DIGITS, 19, validate_bank_card,
	 N_("The card number, digits only.")},
	{N_("Agent's bank card"), FIELD_REQUIRED, CHARS_DIGITS, 19, validate_bank_card,
	 N_("The card number, digits only.")},
};
static const struct field_def f_memo = {
	N_("Code in the memo"),
	FIELD_REQUIRED,
	CHARS_DIGITS,
	6,
	check_memo,
	N_("The 6 digits in the memo of the 0.01 CNY transfer.")};

static const struct verify_method_row *
rows(const struct vs *s, int *n)
{
	bool unit = session_get()->unit;

	*n = unit ? s->p->nunit : s->p->nperson;
	return unit ? s->p->unit : s->p->person;
}

static int
method(const struct vs *s)
{
	int n;

	return rows(s, &n)[s->chosen].method;
}

static void *
vs_enter(const void *arg)
{
	struct vs *s = xcalloc(1, sizeof *s);
	const struct step *st = arg;

	s->p = st->param;
	s->tries_left = -1;
	s->phase = V_CHOOSE;
	/* Back from a later step: what was verified stands. */
	if (s->p->verified != NULL) {
		int n, done = s->p->verified();

		rows(s, &n);
		if (done >= 0 && done < n) {
			s->chosen = s->focus = done;
			s->phase = V_DONE;
		}
	}
	return s;
}

static void
vs_leave(void *state)
{
	struct vs *s = state;

	if (s->job != NULL)
		job_cancel(s->job);
	form_wipe(&s->form);
	secure_wipe(s, sizeof *s);
	free(s);
}

/* The chosen method's field (none before a transfer is asked for). */
static void
open_method(struct vs *s, int i)
{
	int who = s->p->party == VERIFY_AGENT ? 2 : session_get()->unit ? 0 : 1;

	s->chosen = i;
	s->note = NULL;
	form_wipe(&s->form);
	switch (method(s)) {
	case API_VERIFY_MOBILE:
		form_init(&s->form, &f_mobile[who], 1);
		break;
	case API_VERIFY_BANK_CARD:
		form_init(&s->form, &f_card[who], 1);
		break;
	default:
		form_init(&s->form, NULL, 0);
		break;
	}
	s->phase = V_FIELD;
}

static void
send(struct vs *s, bool retry)
{
	const struct session *ses = session_get();
	/* An order of another terminal: the customer's session shows it is
	 * theirs (this terminal's own needs none). */
	struct api_verify_in in = {ses->unit, (enum api_verify_method)method(s), s->value,
				   s->p->party == VERIFY_AGENT,
				   session_sms_valid(now_ms()) ? ses->sms_session : NULL};

	/* A new answer is a new request; a retry of the same keeps its key. */
	if (!retry)
		backend_new_key(s->idem);
	s->back = s->phase == V_FAILED ? s->back : s->phase;
	s->job = api_job_verify(session_get()->order_id, &in, s->idem);
	s->phase = V_BUSY;
	loop_submit(s->job);
}

static struct result
submit(struct vs *s)
{
	if (s->phase == V_FIELD && method(s) == API_VERIFY_TRANSFER) {
		s->value[0] = '\0'; /* no memo: the bank makes the transfer */
		send(s, false);
		return RESULT(ACT_REDRAW);
	}
	snprintf(s->value, sizeof s->value, "%s", form_get(&s->form, 0));
	form_clear(&s->form, 0);
	send(s, false);
	return RESULT(ACT_REDRAW);
}

/* ---- drawing ----------------------------------------------------------------- */

static void
draw_note(const struct vs *s, struct rect r)
{
	char line[512];

	if (s->note == NULL)
		return;
	if (s->tries_left > 0 && s->phase != V_CHOOSE) {
		snprintf(line, sizeof line, _("%s %d tries are left."), _(s->note),
			 s->tries_left);
	} else if (s->retry_after > 0) {
		snprintf(line, sizeof line,
			 _("%s Please try again in about %ld minutes."), _(s->note),
			 (s->retry_after + 59) / 60);
	} else {
		snprintf(line, sizeof line, "%s", _(s->note));
	}
	ui_wrap(r, UI_ERROR, line);
}

static void
draw_choose(struct vs *s, struct rect b)
{
	int n, y = b.y + 1, x = b.x + 2, w = b.w - 4;
	const struct verify_method_row *r = rows(s, &n);

	ui_put(y, x, w, UI_TITLE,
	       s->p->party == VERIFY_AGENT ? _("Verify the agent: choose one way.")
	       : session_get()->unit       ? _("Verify the unit: choose one way.")
					   : _("Verify who you are: choose one way."));
	y += 2;
	for (int i = 0; i < n; y += r[i].pin_note != NULL ? 3 : 2, i++) {
		bool focus = i == s->focus;
		char num[16];

		snprintf(num, sizeof num, " %d ", i + 1);
		ui_fill((struct rect){y, x, 1, w}, focus ? UI_FOCUS : UI_NORMAL);
		ui_put(y, x, 3, focus ? UI_FOCUS : UI_ACCENT, num);
		ui_put(y, x + 4, w - 5, focus ? UI_FOCUS : UI_NORMAL, _(r[i].name));
		if (r[i].pin_note != NULL)
			ui_put(y + 1, x + 4, w - 5, UI_DIM, _(r[i].pin_note));
		ui_hit(y, x, r[i].pin_note != NULL ? 2 : 1, w, K_ITEM(i));
	}
	draw_note(s, (struct rect){y, x, 3, w});
	ui_button(b.y + b.h - 1, b.x + 2, _("Back"), K_ESC, false);
}

/* Verified earlier in this visit: which way, and how the PIN comes. */
static void
draw_done(const struct vs *s, struct rect b)
{
	int n, y = b.y + 1, x = b.x + 2, w = b.w - 4;
	const struct verify_method_row *r = rows(s, &n);
	char line[512];

	ui_put(y, x, w, UI_OK,
	       ui_labelled(line, sizeof line, _("Verified:"), _(r[s->chosen].name)));
	y += 2;
	if (r[s->chosen].pin_note != NULL)
		y += 1 + ui_wrap((struct rect){y, x, 2, w}, UI_NORMAL,
				 _(r[s->chosen].pin_note));
	x += ui_button(y, x, _("Next"), K_ENTER, true) + 2;
	ui_button(y, x, _("Choose another way"), K_OTHER, false);
}

static void
draw_field(struct vs *s, struct rect b)
{
	int n, y = b.y + 1, x = b.x + 2, w = b.w - 4;
	const struct verify_method_row *r = rows(s, &n);

	ui_put(y, x, w, UI_TITLE, _(r[s->chosen].name));
	y += 2;
	if (s->phase == V_FIELD && method(s) == API_VERIFY_TRANSFER) {
		y += 1 +
		     ui_wrap((struct rect){y, x, 4, w}, UI_NORMAL,
			     session_get()->unit
				     ? _("The CA sends 0.01 CNY to the unit's registered "
					 "corporate account. Its memo holds a 6-digit "
					 "code: read it in the account's records and "
					 "type "
					 "it here.")
				     : _("The CA sends 0.01 CNY to your registered bank "
					 "account. Its memo holds a 6-digit code: read "
					 "it "
					 "in the account's records and type it here."));
		draw_note(s, (struct rect){y, x, 3, w});
		ui_button(y + 4, x, _("Send the 0.01 CNY transfer"), K_ENTER, true);
		return;
	}
	if (s->phase == V_MEMO) {
		char line[512], money[32];

		pay_money(s->amount, money, sizeof money);
		snprintf(
			line, sizeof line,
			_("%s CNY was sent to the account %s. Type the 6-digit code from "
			  "its memo."),
			money, s->account);
		y += 1 + ui_wrap((struct rect){y, x, 3, w}, UI_NORMAL, line);
	}
	y += form_draw(&s->form, (struct rect){y, x, 3, w});
	draw_note(s, (struct rect){y, x, 3, w});
	x += ui_button(y + 3, x, _("Verify"), K_ENTER, false) + 2;
	ui_button(y + 3, x, _("Choose another way"), K_ESC, false);
}

static void
vs_draw(void *state)
{
	struct vs *s = state;
	struct rect b = ui_body();
	char line[256];

	switch (s->phase) {
	case V_DONE:
		draw_done(s, b);
		break;
	case V_CHOOSE:
		draw_choose(s, b);
		break;
	case V_FIELD:
	case V_MEMO:
		draw_field(s, b);
		break;
	case V_BUSY:
		ui_put_center(b.y + b.h / 2, b, UI_ACCENT,
			      ui_busy(line, sizeof line,
				      _("Checking with the service centre...")));
		break;
	case V_FAILED:
		ui_wrap((struct rect){b.y + 1, b.x + 2, 4, b.w - 4}, UI_ERROR,
			_(s->note));
		ui_button(b.y + 6, b.x + 2, _("Try again"), K_ENTER, true);
		ui_button(b.y + b.h - 1, b.x + 2, _("Back"), K_ESC, false);
		break;
	}
}

/* ---- keys and answers -------------------------------------------------------- */

static struct result
vs_key(void *state, int key)
{
	struct vs *s = state;
	int n;

	switch (s->phase) {
	case V_DONE:
		if (key == K_ENTER)
			return RESULT_FLOW(FLOW_NEXT);
		if (key == K_OTHER) {
			s->phase = V_CHOOSE;
			return RESULT(ACT_REDRAW);
		}
		return key == K_ESC ? RESULT_FLOW(FLOW_BACK) : RESULT(ACT_NONE);
	case V_CHOOSE:
		rows(s, &n);
		switch (ui_list_key(&s->focus, n, key)) {
		case LIST_CHOSEN:
			open_method(s, s->focus);
			return RESULT(ACT_REDRAW);
		case LIST_MOVED:
			return RESULT(ACT_REDRAW);
		case LIST_NONE:
			break;
		}
		return key == K_ESC ? RESULT_FLOW(FLOW_BACK) : RESULT(ACT_NONE);
	case V_FIELD:
	case V_MEMO:
		if (key == K_ESC) {
			form_wipe(&s->form);
			s->phase = V_CHOOSE;
			s->note = NULL;
			return RESULT(ACT_REDRAW);
		}
		if (s->phase == V_FIELD && method(s) == API_VERIFY_TRANSFER)
			return key == K_ENTER ? submit(s) : RESULT(ACT_NONE);
		switch (form_key(&s->form, key)) {
		case FORM_SUBMIT:
			return submit(s);
		case FORM_CHANGED:
			return RESULT(ACT_REDRAW);
		case FORM_NONE:
			break;
		}
		return RESULT(ACT_NONE);
	case V_FAILED:
		if (key == K_ENTER) {
			s->phase = V_FAILED;
			send(s, true);
			return RESULT(ACT_REDRAW);
		}
		if (key == K_ESC) {
			secure_wipe(s->value, sizeof s->value);
			s->phase = V_CHOOSE;
			s->note = NULL;
			return RESULT(ACT_REDRAW);
		}
		return RESULT(ACT_NONE);
	case V_BUSY:
		break;
	}
	return RESULT(ACT_NONE);
}

/* A refusal: a sentence, and the field again or another method. */
static void
refused(struct vs *s, const struct api_err *e)
{
	bool memo = s->back == V_MEMO;

	s->tries_left = e->tries_left;
	s->retry_after = e->retry_after;
	s->phase = s->back;
	if (api_refused(e, "code_exhausted") ||
	    (memo && api_refused(e, "code_wrong") && e->tries_left == 0)) {
		s->note = N_("The code was typed wrong too often: this transfer's code "
			     "can no longer be used. Choose another way, or ask at the "
			     "counter.");
		s->phase = V_CHOOSE;
	} else if (api_refused(e, "rate_limited")) {
		s->note = N_("Too many tries of this check for now.");
		s->phase = V_CHOOSE;
	} else if (e->tries_left == 0) {
		s->note = N_("That did not match, and no tries of this check are left. "
			     "Choose another way, or ask at the counter.");
		s->phase = V_CHOOSE;
	} else if (api_refused(e, "code_wrong")) {
		s->note = N_("That code does not match the memo.");
	} else if (api_refused(e, "verification_failed")) {
		s->note = N_("That does not match what is registered.");
	} else if (api_refused(e, "invalid_field")) {
		s->note = N_("The service centre did not accept this number. Please "
			     "check it.");
	} else if (api_refused(e, "wrong_state") && memo) {
		s->note = N_("No transfer is waiting for its code. Please ask for the "
			     "transfer again.");
		s->phase = V_FIELD;
	} else {
		s->note = api_reason(e);
		s->phase = V_FAILED;
		return;
	}
	secure_wipe(s->value, sizeof s->value);
}

static struct result
vs_job_done(void *state, struct job *job)
{
	struct vs *s = state;
	const struct api_err *e = api_job_verify_err(job);
	const struct api_verify *out = api_job_verify_out(job);

	if (job != s->job)
		return RESULT(ACT_NONE);
	s->job = NULL;
	if (e->err == BACKEND_OK) {
		secure_wipe(s->value, sizeof s->value);
		if (out->verified) {
			if (s->p->took != NULL)
				s->p->took(s->chosen);
			return RESULT_FLOW(FLOW_NEXT);
		}
		/* The transfer is made: its code is asked for. */
		s->amount = out->amount;
		snprintf(s->account, sizeof s->account, "%s", out->account_masked);
		form_wipe(&s->form);
		form_init(&s->form, &f_memo, 1);
		s->note = NULL;
		s->phase = V_MEMO;
		return RESULT(ACT_REDRAW);
	}
	if (e->err == BACKEND_REFUSED) {
		refused(s, e);
		return RESULT(ACT_REDRAW);
	}
	/* Down, slow or garbled: the same request again on "Try again". */
	s->note = api_reason(e);
	s->phase = V_FAILED;
	return RESULT(ACT_REDRAW);
}

static struct result
vs_tick(void *state, int64_t now)
{
	const struct vs *s = state;

	(void)now;
	return s->job != NULL ? RESULT(ACT_REDRAW) : RESULT(ACT_NONE);
}

static struct result
vs_tokens(void *state)
{
	(void)state;
	return flow_tokens_ok() ? RESULT(ACT_REDRAW) : RESULT_FLOW(FLOW_AGAIN);
}

static unsigned
vs_footer(void *state)
{
	const struct vs *s = state;

	return s->phase == V_BUSY ? 0 : FOOT_ENTER | FOOT_ESC;
}

const struct screen_ops screen_step_verify = {
	.name = "step-verify",
	.title = N_("Verify identity"),
	.help = N_("Choose one way to show who you are, as at the counter: a mobile "
		   "registered in the name, a bank card, or a 0.01 CNY transfer whose "
		   "memo holds a code. Esc chooses another way."),
	.footer = FOOT_ENTER | FOOT_ESC,
	.enter = vs_enter,
	.leave = vs_leave,
	.draw = vs_draw,
	.key = vs_key,
	.tick = vs_tick,
	.job_done = vs_job_done,
	.steps = flow_steps,
	.title_now = flow_title,
	.tokens = vs_tokens,
	.footer_now = vs_footer,
};
