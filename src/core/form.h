/*
 * form.h - the reusable form: labelled fields, required marks, read-only
 * (greyed) fields, masked fields, inline validation, keyboard and mouse.
 *
 * A form is described by a constant table of field definitions and holds
 * the values typed.  Values are kept in fixed buffers inside the form so one
 * form_wipe() reaches every byte the customer typed.
 */
#ifndef CAKIOSK_FORM_H
#define CAKIOSK_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "ui.h"
#include "validate.h"

#define FORM_VALUE_MAX 256 /* bytes, UTF-8 */
#define FORM_MAX_FIELDS 16

/* field flags */
#define FIELD_REQUIRED 0x1
#define FIELD_READONLY 0x2 /* registered data: shown greyed, not editable */
#define FIELD_MASKED 0x4   /* PIN: shown as dots, never drawn */

enum field_chars {
	CHARS_ANY,    /* any printable character, CJK included */
	CHARS_DIGITS, /* 0-9 */
	CHARS_ID,     /* 0-9 and X (resident ID) */
	CHARS_CODE,   /* 0-9 and A-Z (credit code), lower case folded up */
	CHARS_EMAIL,  /* printable ASCII */
	CHARS_PHONE,  /* 0-9, and + - and space as people write numbers */
};

struct field_def {
	const char *label; /* message id */
	unsigned flags;
	enum field_chars chars;
	int max_chars;
	/*
	 * NULL: only "required".  A check of validate.h brings what it
	 * expects (the sentence of a failure) and its tidy-up (+86 dropped);
	 * a field's own check has its hint said as the error instead.
	 */
	enum valid (*check)(const char *value);
	const char *hint; /* message id shown when the field has focus, or NULL */
};

struct form_field {
	char value[FORM_VALUE_MAX];
	size_t len;
	enum valid error;    /* from the last check */
	const char *message; /* custom error (message id) set by the screen */
	bool touched;
	bool cut; /* more was typed or pasted than fits: said, not hidden */
};

struct form {
	const struct field_def *defs;
	int n;
	int focus;
	struct form_field f[FORM_MAX_FIELDS];
};

enum form_event {
	FORM_NONE,    /* key not for the form */
	FORM_CHANGED, /* redraw */
	FORM_SUBMIT,  /* Enter on a form whose fields all check out */
};

void form_init(struct form *form, const struct field_def *defs, int n);
/* Wipe every value (explicit_bzero); the form can be used again. */
void form_wipe(struct form *form);
/* Set a value (read-only data from the backend, or a test); sanitized. */
void form_set(struct form *form, int i, const char *value);
const char *form_get(const struct form *form, int i);
/* Put an error on a field (e.g. "wrong PIN") and focus it. */
void form_set_error(struct form *form, int i, const char *message_id);
void form_clear(struct form *form, int i);
/* Check all fields; focus the first bad one.  true when all are fine. */
bool form_check(struct form *form);
enum form_event form_key(struct form *form, int key);
/* Draw in r; labels in a column of label_w columns.  Returns rows used. */
int form_draw(const struct form *form, struct rect r);

#endif
