/*
 * pin.c - the one PIN step (see pin.h).
 *
 * Only a PIN that could be the PIN reaches the token: the characters and
 * the length are checked here, on the UI thread, before a login job is
 * made; the token layer checks the length and the final try again on the
 * worker (token_login), so a flag that changed meanwhile still stops it.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "keys.h"
#include "loop.h"
#include "offer.h"
#include "pin.h"
#include "token_job.h"
#include "worker.h"
#include "xmem.h"

/* CK_UNAVAILABLE_INFORMATION, without the PKCS#11 header (token.h's rule). */
#define LIMIT_UNKNOWN ULONG_MAX

#define K_PIN_NO K_ITEM(0)
#define K_PIN_YES K_ITEM(1)

static const struct field_def pin_field = {
	.label = N_("UKey PIN"),
	.flags = FIELD_REQUIRED | FIELD_MASKED,
	.chars = CHARS_EMAIL, /* printable ASCII; pin_key refuses the rest first */
	.max_chars = PIN_MAX_CHARS,
	.hint = N_("The PIN of this UKey (证书密码). It is not shown."),
};

/* ---- the rules --------------------------------------------------------- */

bool
pin_char_ok(int key)
{
	return key >= 0x20 && key < 0x7f;
}

void
pin_limits(unsigned long min, unsigned long max, unsigned long *lo, unsigned long *hi)
{
	*lo = min == LIMIT_UNKNOWN || min == 0 ? 1 : min;
	*hi = max == LIMIT_UNKNOWN || max == 0 || max > PIN_MAX_CHARS ? PIN_MAX_CHARS
								      : max;
	if (*lo > *hi)
		*lo = *hi;
}

enum pin_len
pin_len_check(size_t len, unsigned long min, unsigned long max)
{
	unsigned long lo, hi;

	pin_limits(min, max, &lo, &hi);
	if (len < lo)
		return PIN_LEN_SHORT;
	if (len > hi)
		return PIN_LEN_LONG;
	return PIN_LEN_OK;
}

const char *
pin_state_words(enum token_pin_state state)
{
	switch (state) {
	case TOKEN_PIN_COUNT_LOW:
		return N_("Wrong PINs were typed before: only a few tries are left.");
	case TOKEN_PIN_FINAL_TRY:
		return N_("Careful: one more wrong PIN locks this UKey.");
	case TOKEN_PIN_LOCKED:
		return N_("The PIN of this UKey is locked after too many wrong tries.");
	case TOKEN_PIN_OK:
	case TOKEN_PIN_NOT_SET:
		break;
	}
	return NULL;
}

/* ---- the step ----------------------------------------------------------- */

static void
clear_pin(struct pin_step *p)
{
	form_clear(&p->form, 0);
}

void
pin_wipe(struct pin_step *p)
{
	if (p->job != NULL)
		job_cancel(p->job);
	form_wipe(&p->form);
	secure_wipe(p, sizeof *p);
}

void
pin_begin(struct pin_step *p, const struct token_info *info)
{
	pin_wipe(p);
	form_init(&p->form, &pin_field, 1);
	p->ref = info->ref;
	p->state = info->pin;
	p->tries_left = info->tries_left;
	p->pinpad = info->pinpad;
	p->min_len = info->min_pin;
	p->max_len = info->max_pin;
	if (info->pin == TOKEN_PIN_LOCKED) {
		p->phase = PIN_LOCKED;
	} else if (info->pin == TOKEN_PIN_NOT_SET || !info->initialized) {
		p->phase = PIN_FAILED;
		p->err = TOKEN_ERR_NOT_INITIALIZED;
	} else {
		p->phase = PIN_ASK;
	}
}

void
pin_begin_read(struct pin_step *p, const struct token_ref *ref)
{
	pin_wipe(p);
	form_init(&p->form, &pin_field, 1);
	p->phase = PIN_READING;
	p->job = token_job_read(ref, 0);
	loop_submit(p->job);
}

bool
pin_busy(const struct pin_step *p)
{
	return p->job != NULL;
}

const char *
pin_reason(const struct pin_step *p)
{
	return token_err_reason(p->err, p->tries_left);
}

static void
login(struct pin_step *p, bool final_ok)
{
	const char *pin = p->pinpad ? NULL : form_get(&p->form, 0);

	/* Should the token refuse its length after all, say what was sent. */
	p->note_len = pin != NULL ? (int)strlen(pin) : 0;
	if (p->keep != NULL)
		snprintf(p->keep, PIN_MAX_CHARS + 1, "%s", pin != NULL ? pin : "");
	/* The job keeps its own copy (wiped once used); ours goes now. */
	p->job = token_job_login(&p->ref, pin, final_ok ? TOKEN_FINAL_TRY_OK : 0);
	clear_pin(p);
	p->note = PIN_NOTE_NONE;
	p->phase = PIN_LOGIN;
	loop_submit(p->job);
}

static enum pin_event
submit(struct pin_step *p)
{
	if (!p->pinpad) {
		size_t len = strlen(form_get(&p->form, 0));

		if (!form_check(&p->form))
			return PIN_EV_REDRAW; /* empty: "required" under the field */
		if (pin_len_check(len, p->min_len, p->max_len) != PIN_LEN_OK) {
			p->note = PIN_NOTE_LENGTH;
			p->note_len = (int)len;
			clear_pin(p);
			return PIN_EV_REDRAW;
		}
	}
	if (p->state == TOKEN_PIN_FINAL_TRY) {
		p->phase = PIN_CONFIRM;
		p->yes_focus = false;
		return PIN_EV_REDRAW;
	}
	login(p, false);
	return PIN_EV_REDRAW;
}

static enum pin_event
confirm_key(struct pin_step *p, int key)
{
	switch (key) {
	case K_LEFT:
	case K_RIGHT:
	case K_TAB:
	case K_BTAB:
		p->yes_focus = !p->yes_focus;
		return PIN_EV_REDRAW;
	case K_PIN_YES:
		p->yes_focus = true;
		break;
	case K_PIN_NO:
	case K_ESC:
		p->yes_focus = false;
		break;
	case K_ENTER:
		break;
	default:
		return PIN_EV_REDRAW; /* the dialog holds the keys */
	}
	if (p->yes_focus) {
		login(p, true);
	} else {
		clear_pin(p);
		p->note = PIN_NOTE_KEPT;
		p->phase = PIN_ASK;
	}
	return PIN_EV_REDRAW;
}

static enum pin_event
ask_key(struct pin_step *p, int key)
{
	bool typed = key >= 0x20 && key != K_BACKSPACE && !K_IS_FN(key) && key < 0x110000;

	if (!typed)
		p->dropping = false; /* a paste ends at Enter: nothing goes unasked */
	if (key == K_ENTER)
		return submit(p);
	if (p->pinpad)
		return PIN_EV_NONE;
	if (p->dropping) {
		int64_t now = loop_now();

		p->dropping = typed && now - p->last_key <= PIN_BURST_MS;
		if (p->dropping) {
			p->last_key = now; /* the rest of a refused paste */
			return PIN_EV_REDRAW;
		}
	}
	if (typed && !pin_char_ok(key)) {
		/* Part of a PIN is no PIN: empty the field, drop the burst. */
		clear_pin(p);
		p->note = PIN_NOTE_CHARS;
		p->dropping = true;
		p->last_key = loop_now();
		return PIN_EV_REDRAW;
	}
	if (typed && strlen(form_get(&p->form, 0)) >= PIN_MAX_CHARS) {
		p->note = PIN_NOTE_LENGTH;
		p->note_len = PIN_MAX_CHARS + 1;
		return PIN_EV_REDRAW;
	}
	switch (form_key(&p->form, key)) {
	case FORM_SUBMIT: /* not reached: Enter is handled above */
	case FORM_CHANGED:
		if (typed || key == K_BACKSPACE)
			p->note = PIN_NOTE_NONE;
		return PIN_EV_REDRAW;
	case FORM_NONE:
		break;
	}
	return PIN_EV_NONE;
}

enum pin_event
pin_key(struct pin_step *p, int key)
{
	struct offer o;

	switch (p->phase) {
	case PIN_ASK:
		return ask_key(p, key);
	case PIN_CONFIRM:
		return confirm_key(p, key);
	case PIN_LOCKED:
		o = offer_for(SVC_UNLOCK);
		if (o.screen != SERVICE_NOT_BUILT && key == K_ENTER)
			return PIN_EV_UNLOCK;
		break;
	default:
		break;
	}
	return PIN_EV_NONE;
}

static enum pin_event
read_done(struct pin_step *p, struct job *job)
{
	enum token_err err = token_job_err(job);

	if (err != TOKEN_OK || token_job_ninfo(job) == 0) {
		p->err = err == TOKEN_OK ? TOKEN_ERR_NONE : err;
		p->phase = PIN_FAILED;
		return PIN_EV_FAILED;
	}
	pin_begin(p, token_job_info(job, 0));
	if (p->phase == PIN_LOCKED)
		return PIN_EV_LOCKED;
	return p->phase == PIN_FAILED ? PIN_EV_FAILED : PIN_EV_REDRAW;
}

static enum pin_event
login_done(struct pin_step *p, struct job *job)
{
	p->err = token_job_err(job);
	p->tries_left = token_job_tries_left(job);
	if (p->err != TOKEN_OK && p->keep != NULL)
		secure_wipe(p->keep, PIN_MAX_CHARS + 1);
	switch (p->err) {
	case TOKEN_OK:
		p->phase = PIN_DONE;
		p->state = TOKEN_PIN_OK;
		return PIN_EV_DONE;
	case TOKEN_ERR_PIN_LOCKED:
		p->state = TOKEN_PIN_LOCKED;
		p->phase = PIN_LOCKED;
		return PIN_EV_LOCKED;
	case TOKEN_ERR_PIN_WRONG:
		p->state = p->tries_left == 1 ? TOKEN_PIN_FINAL_TRY : TOKEN_PIN_COUNT_LOW;
		break;
	case TOKEN_ERR_FINAL_TRY:
		/* The flag came up since the token was read: ask again, then confirm. */
		p->state = TOKEN_PIN_FINAL_TRY;
		break;
	case TOKEN_ERR_PIN_LENGTH: /* note_len: set by login() */
	case TOKEN_ERR_PINPAD:
		break;
	default:
		p->phase = PIN_FAILED;
		return PIN_EV_FAILED;
	}
	/* Asked again, saying why. */
	p->note = p->err == TOKEN_ERR_PIN_LENGTH ? PIN_NOTE_LENGTH : PIN_NOTE_TOKEN;
	p->phase = PIN_ASK;
	return PIN_EV_REDRAW;
}

enum pin_event
pin_job_done(struct pin_step *p, struct job *job)
{
	if (job == NULL || job != p->job)
		return PIN_EV_NONE;
	p->job = NULL;
	if (p->phase == PIN_READING)
		return read_done(p, job);
	if (p->phase == PIN_LOGIN)
		return login_done(p, job);
	return PIN_EV_REDRAW;
}

/* ---- drawing ------------------------------------------------------------- */

static void
draw_note(const struct pin_step *p, struct rect r)
{
	char line[512];
	unsigned long lo, hi;

	switch (p->note) {
	case PIN_NOTE_NONE:
		return;
	case PIN_NOTE_CHARS:
		ui_wrap(r, UI_ERROR,
			_("The PIN has only English letters, digits and signs. Switch "
			  "the keyboard to English and type it again; nothing was sent "
			  "to the UKey."));
		return;
	case PIN_NOTE_LENGTH:
		pin_limits(p->min_len, p->max_len, &lo, &hi);
		snprintf(line, sizeof line,
			 _("This UKey's PIN has %lu to %lu characters; you typed %d. It "
			   "was not sent to the UKey; no try was used."),
			 lo, hi, p->note_len);
		ui_wrap(r, UI_ERROR, line);
		return;
	case PIN_NOTE_KEPT:
		ui_wrap(r, UI_ACCENT,
			_("Nothing was sent: the last try is kept. Try only when you "
			  "are sure of the PIN."));
		return;
	case PIN_NOTE_TOKEN:
		ui_wrap(r, UI_ERROR, _(token_err_reason(p->err, p->tries_left)));
		return;
	}
}

static void
draw_confirm(const struct pin_step *p)
{
	struct rect b = ui_body();
	int w = b.w > 64 ? 64 : b.w, h = 9;
	struct rect d = {b.y + (b.h - h) / 2, b.x + (b.w - w) / 2, h, w};
	const char *no = _("Do not try now"), *yes = _("Try this PIN");
	int x;

	ui_fill(d, UI_NORMAL);
	ui_box(d, UI_ERROR);
	ui_wrap((struct rect){d.y + 2, d.x + 3, 3, w - 6}, UI_ERROR,
		_("This is the last try: a wrong PIN locks the UKey. Go on only if "
		  "you are sure of the PIN."));
	x = d.x + (w - ui_button_width(no) - ui_button_width(yes) - 4) / 2;
	x += ui_button(d.y + h - 3, x, no, K_PIN_NO, !p->yes_focus) + 4;
	ui_button(d.y + h - 3, x, yes, K_PIN_YES, p->yes_focus);
}

void
pin_draw(const struct pin_step *p, struct rect r)
{
	char line[256];
	const char *words = pin_state_words(p->state);
	struct offer o;
	int y = r.y;

	switch (p->phase) {
	case PIN_IDLE:
	case PIN_DONE:
		return;
	case PIN_READING:
	case PIN_LOGIN:
		ui_put(y + 1, r.x, r.w, UI_ACCENT,
		       ui_busy(line, sizeof line,
			       p->phase == PIN_READING
				       ? _(token_stage_text(TOKEN_STAGE_READING))
			       : p->pinpad ? _(token_stage_text(TOKEN_STAGE_PINPAD))
					   : _("Checking the PIN...")));
		return;
	case PIN_FAILED:
		ui_wrap((struct rect){y, r.x, 4, r.w}, UI_ERROR, _(pin_reason(p)));
		return;
	case PIN_LOCKED:
		y += ui_wrap((struct rect){y, r.x, 2, r.w}, UI_ERROR, _(words));
		o = offer_for(SVC_UNLOCK);
		y += 1 + ui_wrap((struct rect){y + 1, r.x, 4, r.w}, UI_ACCENT, _(o.text));
		if (o.button != NULL)
			ui_button(y + 1, r.x, _(o.button), K_ENTER, true);
		return;
	case PIN_ASK:
	case PIN_CONFIRM:
		break;
	}
	if (p->pinpad)
		ui_wrap((struct rect){y, r.x, 2, r.w}, UI_ACCENT,
			_("Press Enter, then enter the PIN on the card reader's "
			  "keypad."));
	else
		form_draw(&p->form, (struct rect){y, r.x, 3, r.w});
	draw_note(p, (struct rect){y + 2, r.x, 2, r.w});
	/* Said once: not under the final-try dialog, nor after a wrong PIN
	 * whose sentence already counted the tries. */
	if (p->phase == PIN_CONFIRM ||
	    (p->note == PIN_NOTE_TOKEN &&
	     (p->err == TOKEN_ERR_PIN_WRONG || p->err == TOKEN_ERR_FINAL_TRY)))
		words = NULL;
	if (words != NULL)
		ui_wrap((struct rect){y + 4, r.x, 2, r.w},
			p->state == TOKEN_PIN_FINAL_TRY ? UI_ERROR : UI_WARN, _(words));
	ui_button(y + 6, r.x, _("Log in"), K_ENTER, false);
	if (p->phase == PIN_CONFIRM)
		draw_confirm(p);
}
