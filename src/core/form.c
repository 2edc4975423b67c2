/*
 * form.c - the form widget (see form.h).
 *
 * Layout, one field per row pair:
 *     * Label      [value_________]   hint or error
 * Errors appear once a field was left (touched) or on submit, never while
 * the customer is still typing the first characters.
 */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "form.h"
#include "i18n.h"
#include "keys.h"
#include "text.h"
#include "xmem.h"

static bool
editable(const struct form *form, int i)
{
	return !(form->defs[i].flags & FIELD_READONLY);
}

static int
chars_in(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

void
form_init(struct form *form, const struct field_def *defs, int n)
{
	memset(form, 0, sizeof *form);
	form->defs = defs;
	form->n = n < FORM_MAX_FIELDS ? n : FORM_MAX_FIELDS;
	form->focus = 0;
	while (form->focus < form->n - 1 && !editable(form, form->focus))
		form->focus++;
}

void
form_wipe(struct form *form)
{
	for (int i = 0; i < FORM_MAX_FIELDS; i++)
		form_clear(form, i);
}

void
form_clear(struct form *form, int i)
{
	secure_wipe(form->f[i].value, sizeof form->f[i].value);
	form->f[i].len = 0;
	form->f[i].error = VALID_OK;
	form->f[i].message = NULL;
	form->f[i].touched = false;
	form->f[i].cut = false;
}

void
form_set(struct form *form, int i, const char *value)
{
	char *clean = text_sanitize(value, strlen(value), FORM_VALUE_MAX - 1, 0);

	form_clear(form, i);
	memcpy(form->f[i].value, clean, strlen(clean) + 1);
	form->f[i].len = strlen(clean);
	secure_free_str(&clean);
}

const char *
form_get(const struct form *form, int i)
{
	return form->f[i].value;
}

void
form_set_error(struct form *form, int i, const char *message_id)
{
	form->f[i].message = message_id;
	form->f[i].touched = true;
	form->focus = i;
}

static enum valid
field_check(struct form *form, int i)
{
	const struct field_def *d = &form->defs[i];
	struct form_field *f = &form->f[i];
	char plain[FORM_VALUE_MAX];

	f->message = NULL;
	if (f->len == 0) {
		f->error = d->flags & FIELD_REQUIRED ? VALID_EMPTY : VALID_OK;
	} else if (d->check == NULL) {
		f->error = VALID_OK;
	} else {
		/* "+86 138-0013-8000" is checked as the number it is. */
		memcpy(plain, f->value, sizeof plain);
		validate_tidy(d->check, plain);
		f->error = d->check(plain);
		secure_wipe(plain, sizeof plain);
	}
	return f->error;
}

/* The customer leaves field i: its value is made plain, then checked. */
static void
field_leave(struct form *form, int i)
{
	struct form_field *f = &form->f[i];

	if (form->defs[i].check != NULL && f->len > 0 && editable(form, i)) {
		validate_tidy(form->defs[i].check, f->value);
		if (strlen(f->value) != f->len) {
			f->len = strlen(f->value);
			secure_wipe(f->value + f->len, sizeof f->value - f->len);
		}
	}
	f->touched = true;
	field_check(form, i);
}

bool
form_check(struct form *form)
{
	int bad = -1;

	for (int i = 0; i < form->n; i++) {
		field_leave(form, i);
		if (form->f[i].error != VALID_OK && bad < 0)
			bad = i;
	}
	if (bad >= 0)
		form->focus = bad;
	return bad < 0;
}

static bool
accepts(const struct field_def *d, int key)
{
	if (key < 0x20 || key == 0x7f || K_IS_FN(key) || key >= 0x110000)
		return false;
	switch (d->chars) {
	case CHARS_DIGITS:
		return key >= '0' && key <= '9';
	case CHARS_ID:
		return (key >= '0' && key <= '9') || key == 'X';
	case CHARS_CODE:
		return (key >= '0' && key <= '9') || (key >= 'A' && key <= 'Z');
	case CHARS_EMAIL:
		return key < 0x7f;
	case CHARS_PHONE:
		return (key >= '0' && key <= '9') || key == '+' || key == '-' ||
		       key == ' ';
	case CHARS_ANY:
		return (key < 0x80 || key >= 0xa0) && wcwidth((wchar_t)key) > 0;
	}
	return false;
}

static void
move_focus(struct form *form, int dir)
{
	int i = form->focus;

	for (int n = 0; n < form->n; n++) {
		i = (i + dir + form->n) % form->n;
		if (editable(form, i))
			break;
	}
	/* Leaving a field is when its mistakes are worth saying. */
	field_leave(form, form->focus);
	form->focus = i;
}

static bool
type_char(struct form *form, int key)
{
	const struct field_def *d = &form->defs[form->focus];
	struct form_field *f = &form->f[form->focus];
	char mb[8];
	mbstate_t st;
	size_t n;

	/* Lower-case letters are what people type; the codes use upper case. */
	if ((d->chars == CHARS_ID || d->chars == CHARS_CODE) && key >= 'a' && key <= 'z')
		key -= 'a' - 'A';
	if (!accepts(d, key))
		return false;
	/* A one-character field (a term): the new choice replaces the old. */
	if (d->max_chars == 1 && f->len > 0) {
		secure_wipe(f->value, sizeof f->value);
		f->len = 0;
	}
	/* A full field swallows the key, it was meant for the field, and
	 * says so: a long paste is cut where the customer can see it. */
	if (chars_in(f->value) >= d->max_chars) {
		f->cut = true;
		return true;
	}
	memset(&st, 0, sizeof st);
	n = wcrtomb(mb, (wchar_t)key, &st);
	if (n == (size_t)-1 || f->len + n >= FORM_VALUE_MAX) {
		f->cut = n != (size_t)-1;
		return true;
	}
	memcpy(f->value + f->len, mb, n);
	f->len += n;
	f->value[f->len] = '\0';
	secure_wipe(mb, sizeof mb);
	f->message = NULL;
	if (f->touched)
		field_check(form, form->focus);
	return true;
}

static void
erase_char(struct form *form)
{
	struct form_field *f = &form->f[form->focus];

	if (f->len == 0)
		return;
	do
		f->len--;
	while (f->len > 0 && ((unsigned char)f->value[f->len] & 0xc0) == 0x80);
	secure_wipe(f->value + f->len, sizeof f->value - f->len);
	f->message = NULL;
	f->cut = false;
	if (f->touched)
		field_check(form, form->focus);
}

enum form_event
form_key(struct form *form, int key)
{
	if (form->n == 0)
		return FORM_NONE;
	if (K_IS_FIELD(key)) {
		int i = K_FIELD_INDEX(key);

		if (i >= form->n || !editable(form, i))
			return FORM_NONE;
		field_leave(form, form->focus);
		form->focus = i;
		return FORM_CHANGED;
	}
	switch (key) {
	case K_TAB:
	case K_DOWN:
		move_focus(form, 1);
		return FORM_CHANGED;
	case K_BTAB:
	case K_UP:
		move_focus(form, -1);
		return FORM_CHANGED;
	case K_BACKSPACE:
		erase_char(form);
		return FORM_CHANGED;
	case K_ENTER:
		/* Enter walks down the form, and submits from its last field. */
		for (int i = form->focus + 1; i < form->n; i++) {
			if (editable(form, i)) {
				move_focus(form, 1);
				return FORM_CHANGED;
			}
		}
		return form_check(form) ? FORM_SUBMIT : FORM_CHANGED;
	default:
		if (!editable(form, form->focus) || !type_char(form, key))
			return FORM_NONE;
		return FORM_CHANGED;
	}
}

/* A failed check says what the field expects, never just "wrong". */
static const char *
field_reason(const struct field_def *d, enum valid r)
{
	const char *const *reasons = validate_reasons_of(d->check);

	if (reasons == NULL && d->check != NULL && d->hint != NULL && r != VALID_EMPTY)
		return d->hint;
	return validate_reason_in(reasons, r);
}

int
form_draw(const struct form *form, struct rect r)
{
	int label_w = 0, box_w, row = 0;

	for (int i = 0; i < form->n; i++) {
		int w = text_width(_(form->defs[i].label)) + 2;

		if (w > label_w)
			label_w = w;
	}
	/* Half the row: an English label ("Credit code or ID number") whole. */
	if (label_w > r.w / 2)
		label_w = r.w / 2;
	box_w = r.w - label_w - 1;
	if (box_w > 40)
		box_w = 40;

	for (int i = 0; i < form->n && row + 1 < r.h; i++, row += 2) {
		const struct field_def *d = &form->defs[i];
		const struct form_field *f = &form->f[i];
		bool focus = i == form->focus;
		bool ro = !editable(form, i);
		int y = r.y + row, x = r.x;
		int vx = x + label_w + 1;

		ui_put(y, x, 2, UI_ERROR, d->flags & FIELD_REQUIRED ? "*" : " ");
		ui_put(y, x + 2, label_w - 2, ro ? UI_DIM : UI_NORMAL, _(d->label));
		ui_fill((struct rect){y, vx, 1, box_w}, ro      ? UI_DIM
							: focus ? UI_FOCUS
								: UI_BUTTON);
		if (d->flags & FIELD_MASKED) {
			char dots[FORM_VALUE_MAX];
			int n = chars_in(f->value);

			if (n > box_w - 2)
				n = box_w - 2;
			memset(dots, '*', (size_t)n);
			dots[n] = '\0';
			ui_put(y, vx + 1, box_w - 2, focus ? UI_FOCUS : UI_BUTTON, dots);
		} else {
			/* Show the end of a long value: that is where typing happens. */
			const char *v = f->value;

			while (text_width(v) > box_w - 2) {
				v++;
				while (((unsigned char)*v & 0xc0) == 0x80)
					v++;
			}
			ui_put(y, vx + 1, box_w - 2,
			       ro      ? UI_DIM
			       : focus ? UI_FOCUS
				       : UI_BUTTON,
			       v);
		}
		if (focus && !ro) {
			int cx = vx + 1 +
				 (d->flags & FIELD_MASKED ? chars_in(f->value)
							  : text_width(f->value));
			if (cx < vx + box_w)
				ui_put(y, cx, 1, UI_FOCUS, "_");
		}
		ui_hit(y, x, 1, label_w + 1 + box_w, K_FIELD(i));

		const char *msg = NULL;
		char cut[256];
		int color = UI_DIM;

		if (f->message != NULL) {
			msg = _(f->message);
			color = UI_ERROR;
		} else if (f->cut) {
			snprintf(cut, sizeof cut,
				 _("Only %d characters fit here; the rest was left out."),
				 d->max_chars);
			msg = cut;
			color = UI_WARN;
		} else if (f->touched && f->error != VALID_OK) {
			msg = _(field_reason(d, f->error));
			color = UI_ERROR;
		} else if (ro) {
			msg = _("Registered data; change it on the registration "
				"platform.");
		} else if (focus && d->hint != NULL) {
			msg = _(d->hint);
		}
		/* A sentence too long for the room under the box starts under
		 * the label instead, so it is read whole. */
		if (msg != NULL && text_width(msg) > r.w - label_w - 1)
			ui_put(y + 1, x + 2, r.w - 2, color, msg);
		else if (msg != NULL)
			ui_put(y + 1, vx, r.w - label_w - 1, color, msg);
	}
	return row;
}
