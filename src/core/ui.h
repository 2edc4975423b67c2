/*
 * ui.h - the frame around every screen, drawing helpers and click targets.
 *
 * Layout (80x24 and up):
 *   row 0        header: platform title, terminal id, clock, language
 *   row 1        step bar of the running service, or the screen's title
 *   row 2        rule
 *   rows 3..L-3  body, where screens draw (ui_body())
 *   row L-2      status line: UKey reader/token and backend state
 *   row L-1      function bar: Enter, Esc, F1 help, F2 language, F12 staff
 *
 * Everything drawn is measured by display width (text.h).  Anything that can
 * be clicked registers a hit region with the key it stands for; the loop
 * turns a click into that key (htop's FunctionBar habit), so touch and mouse
 * need no code in the screens beyond drawing.
 */
#ifndef CAKIOSK_UI_H
#define CAKIOSK_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define UI_MIN_COLS 80
#define UI_MIN_LINES 24

struct rect {
	int y, x, h, w;
};

enum ui_color {
	UI_NORMAL = 1,
	UI_HEADER,
	UI_TITLE,
	UI_DIM,
	UI_ERROR,
	UI_OK,
	UI_WARN,
	UI_FOCUS,
	UI_BUTTON,
	UI_KEY,
	UI_KEYLABEL,
	UI_STATUS,
	UI_STEP_DONE,
	UI_STEP_NOW,
	UI_FIELD,
	UI_ACCENT,
	UI_COLOR_COUNT
};

/* What the frame shows around the body. */
struct ui_frame {
	const char *title; /* platform title (already translated/sanitized) */
	const char *terminal_id;
	const char *screen_title; /* translated; NULL for none */
	const char *const *steps; /* message ids, NULL-terminated, or NULL */
	int step;                 /* current step index */
	unsigned footer;          /* FOOT_* from screen.h */
	bool global_keys;         /* show F1/F2/F12 */
	bool staff_call;          /* ... F12 among them (not on staff's screens) */
	const char *token_state;  /* status line pieces, translated */
	const char *backend_state;
	int backend_color;       /* UI_OK / UI_WARN / UI_ERROR */
	const char *extra_state; /* e.g. "assist mode", or NULL */
};

int ui_init(void);
void ui_end(void);
/* Restore the terminal from a signal handler: async-signal-safe. */
void ui_emergency_restore(void);

bool ui_too_small(void);
/*
 * The terminal is gone, from poll()'s revents on standard input: a hung-up
 * tty reports POLLIN as well as POLLHUP (every read then ends at once), so
 * POLLIN must not be read as "keys to come".
 */
bool ui_hung_up(short revents);
int ui_lines(void);
int ui_cols(void);
struct rect ui_body(void);

void ui_begin(void); /* erase and forget hit regions */
void ui_frame(const struct ui_frame *f);
void ui_finish(void); /* put it on the terminal */

/* Draw s at y,x in at most maxw columns (cut with "…"); returns columns used. */
int ui_put(int y, int x, int maxw, int color, const char *s);
/* Same, bold or not, centred in r's width. */
void ui_put_center(int y, struct rect r, int color, const char *s);
/* Wrap s into r from its top; returns the rows used (at most r.h). */
int ui_wrap(struct rect r, int color, const char *s);
void ui_fill(struct rect r, int color);
void ui_box(struct rect r, int color);
/* A question in a warning box over the middle of body b, at most maxw
 * columns wide (three lines of text); *x gets the column of its first
 * button.  Returns the row of its buttons. */
int ui_question(struct rect b, int maxw, const char *question, int *x);
void ui_hline(int y, int x, int w, int color);
/* A clickable button "[ label ]"; returns its width. */
int ui_button(int y, int x, const char *label, int key, bool focus);
/* Width a button with this label takes. */
int ui_button_width(const char *label);
/*
 * A question in a box over the body (message ids, translated here): the
 * "yes" button answers Enter, the "no" button no_key.  Draw it last.
 */
void ui_ask(const char *question, const char *yes, const char *no, int no_key);
/* A message box over the body: text (translated) in color, an OK button
 * (Enter) when button. */
void ui_note(const char *text, int color, bool button);
/*
 * A picture of cols x (2 * rows) pixels (0xRRGGBB) with half blocks, each
 * cell's upper pixel as foreground and lower as background, in the
 * nearest colours the terminal has; on a terminal of fewer than 8 colours,
 * each cell's brightness as a shade (░ ▒ ▓ █).
 */
void ui_pixels(int y, int x, int cols, int rows, const uint32_t *rgb);
/*
 * "Label: value" into buf: a space after an ASCII colon, none after the
 * full-width "：" of Chinese, whose glyph already holds the gap.
 */
const char *ui_labelled(char *buf, size_t len, const char *label, const char *value);
/* t as a local date, 2026-11-25, into buf. */
void ui_date(time_t t, char *buf, size_t len);
/* A spinner glyph for the given time, for "please wait". */
const char *ui_spinner(int64_t now_ms);
/* "| text", the spinner turning with the clock, into buf; returns buf. */
const char *ui_busy(char *buf, size_t len, const char *text);

/*
 * Keys of a list of n rows with *focus on one (menus): arrows and Tab move,
 * a digit 1-9 or a click on row i (K_ITEM(i)) chooses it, Enter chooses the
 * focused row.  *focus is updated.
 */
enum list_event { LIST_NONE, LIST_MOVED, LIST_CHOSEN };
enum list_event ui_list_key(int *focus, int n, int key);

void ui_hit(int y, int x, int h, int w, int key);
/* The key of the topmost region at y,x, or 0. */
int ui_hit_key(int y, int x);

#endif
