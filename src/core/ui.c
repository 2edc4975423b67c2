/*
 * ui.c - the frame, drawing helpers and click targets (see ui.h).
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "i18n.h"
#include "keys.h"
#include "screen.h"
#include "stepbar.h"
#include "text.h"
#include "ui.h"
#include "xmem.h"

#define MAX_HITS 256

struct hit {
	int y, x, h, w, key;
};

static struct hit hits[MAX_HITS];
static int nhits;
static struct termios saved_tio;
static bool have_tio;
static bool active;
static SCREEN *term_screen;

static int
attr_of(int color)
{
	int a = COLOR_PAIR(color);

	switch (color) {
	case UI_TITLE:
	case UI_STEP_NOW:
	case UI_KEY:
	case UI_ERROR:
	case UI_FOCUS:
		a |= A_BOLD;
		break;
	case UI_DIM:
		if (!has_colors())
			a |= A_DIM;
		break;
	default:
		break;
	}
	if (!has_colors() && (color == UI_HEADER || color == UI_FOCUS ||
			      color == UI_KEY || color == UI_STEP_NOW))
		a |= A_REVERSE;
	return a;
}

static void
colors_init(void)
{
	static const short pairs[UI_COLOR_COUNT][2] = {
		[UI_NORMAL] = {COLOR_WHITE, COLOR_BLACK},
		[UI_HEADER] = {COLOR_WHITE, COLOR_BLUE},
		[UI_TITLE] = {COLOR_CYAN, COLOR_BLACK},
		[UI_DIM] = {COLOR_WHITE, COLOR_BLACK}, /* 8-colour fallback */
		[UI_ERROR] = {COLOR_RED, COLOR_BLACK},
		[UI_OK] = {COLOR_GREEN, COLOR_BLACK},
		[UI_WARN] = {COLOR_YELLOW, COLOR_BLACK},
		[UI_FOCUS] = {COLOR_BLACK, COLOR_CYAN},
		[UI_BUTTON] = {COLOR_BLACK, COLOR_WHITE},
		[UI_KEY] = {COLOR_BLACK, COLOR_CYAN},
		[UI_KEYLABEL] = {COLOR_WHITE, COLOR_BLACK},
		[UI_STATUS] = {COLOR_WHITE, COLOR_BLACK},
		[UI_STEP_DONE] = {COLOR_GREEN, COLOR_BLACK},
		[UI_STEP_NOW] = {COLOR_BLACK, COLOR_YELLOW},
		[UI_FIELD] = {COLOR_WHITE, COLOR_BLACK},
		[UI_ACCENT] = {COLOR_YELLOW, COLOR_BLACK},
	};

	if (!has_colors())
		return;
	start_color();
	for (int i = 1; i < UI_COLOR_COUNT; i++)
		init_pair((short)i, pairs[i][0], pairs[i][1]);
	/* Greyed (read-only) text wants a real grey where there is one. */
	if (COLORS >= 16)
		init_pair(UI_DIM, 8, COLOR_BLACK);
}

int
ui_init(void)
{
	if (tcgetattr(STDIN_FILENO, &saved_tio) == 0)
		have_tio = true;
	term_screen = newterm(NULL, stdout, stdin);
	if (term_screen == NULL)
		return -1;
	set_term(term_screen);
	active = true;
	/* raw, not cbreak: ^C ^Z ^\ reach us as keys and end nothing. */
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	mouseinterval(0);
	mousemask(BUTTON1_PRESSED | BUTTON1_RELEASED | BUTTON1_CLICKED, NULL);
	colors_init();
	bkgd((chtype)COLOR_PAIR(UI_NORMAL));
	return 0;
}

void
ui_end(void)
{
	if (!active)
		return;
	mousemask(0, NULL);
	curs_set(1);
	endwin();
	delscreen(term_screen);
	term_screen = NULL;
	active = false;
}

void
ui_emergency_restore(void)
{
	static const char reset[] = "\033[?1000l\033[?1002l\033[?1006l\033[0m"
				    "\033[?25h\033[?1049l\r\n";
	ssize_t unused;

	if (have_tio)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	unused = write(STDOUT_FILENO, reset, sizeof reset - 1);
	(void)unused;
}

bool
ui_too_small(void)
{
	return COLS < UI_MIN_COLS || LINES < UI_MIN_LINES;
}

bool
ui_hung_up(short revents)
{
	return (revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

int
ui_lines(void)
{
	return LINES;
}

int
ui_cols(void)
{
	return COLS;
}

struct rect
ui_body(void)
{
	return (struct rect){.y = 3, .x = 2, .h = LINES - 5, .w = COLS - 4};
}

void
ui_begin(void)
{
	nhits = 0;
	erase();
}

void
ui_finish(void)
{
	wnoutrefresh(stdscr);
	doupdate();
}

enum list_event
ui_list_key(int *focus, int n, int key)
{
	int i = -1;

	if (n <= 0)
		return LIST_NONE;
	if (K_IS_ITEM(key))
		i = K_ITEM_INDEX(key);
	else if (key >= '1' && key <= '9')
		i = key - '1';
	else if (key == '0') /* the tenth row */
		i = 9;
	if (i >= 0) {
		if (i >= n)
			return LIST_NONE;
		*focus = i;
		return LIST_CHOSEN;
	}
	switch (key) {
	case K_UP:
	case K_BTAB:
		*focus = (*focus + n - 1) % n;
		return LIST_MOVED;
	case K_DOWN:
	case K_TAB:
		*focus = (*focus + 1) % n;
		return LIST_MOVED;
	case K_ENTER:
		return LIST_CHOSEN;
	default:
		return LIST_NONE;
	}
}

void
ui_hit(int y, int x, int h, int w, int key)
{
	if (nhits == MAX_HITS || w <= 0 || h <= 0)
		return;
	hits[nhits++] = (struct hit){y, x, h, w, key};
}

int
ui_hit_key(int y, int x)
{
	/* Later regions are drawn on top (dialogs): search from the end. */
	for (int i = nhits - 1; i >= 0; i--) {
		const struct hit *h = &hits[i];

		if (y >= h->y && y < h->y + h->h && x >= h->x && x < h->x + h->w)
			return h->key;
	}
	return 0;
}

int
ui_put(int y, int x, int maxw, int color, const char *s)
{
	int w;
	size_t n;

	if (maxw <= 0 || y < 0 || y >= LINES || x < 0 || x >= COLS)
		return 0;
	if (x + maxw > COLS)
		maxw = COLS - x;
	/*
	 * Outside text is sanitized where it comes in; this is the last line of
	 * defence, so nothing that steers the terminal is ever drawn.
	 */
	if (!text_is_clean(s)) {
		char *clean = text_sanitize(s, strlen(s), 4096, 0);

		w = ui_put(y, x, maxw, color, clean);
		wipe_free(clean);
		return w;
	}
	if (text_width(s) > maxw) {
		char *cut = text_truncate(s, maxw);

		w = text_width(cut);
		attrset(attr_of(color));
		mvaddstr(y, x, cut);
		wipe_free(cut);
		return w;
	}
	n = text_fit(s, maxw, &w);
	attrset(attr_of(color));
	mvaddnstr(y, x, s, (int)n);
	return w;
}

void
ui_put_center(int y, struct rect r, int color, const char *s)
{
	int w = text_width(s);
	int x = r.x + (w < r.w ? (r.w - w) / 2 : 0);

	ui_put(y, x, r.w - (x - r.x), color, s);
}

int
ui_wrap(struct rect r, int color, const char *s)
{
	struct text_line lines[128];
	size_t n = text_wrap(s, r.w, lines, 128);
	int rows = 0;

	for (size_t i = 0; i < n && i < 128 && rows < r.h; i++, rows++) {
		char *piece = xstrndup(s + lines[i].off, lines[i].len);

		ui_put(r.y + rows, r.x, r.w, color, piece);
		wipe_free(piece); /* what is drawn may be the customer's */
	}
	return rows;
}

void
ui_fill(struct rect r, int color)
{
	attrset(attr_of(color));
	for (int y = r.y; y < r.y + r.h && y < LINES; y++) {
		if (y < 0)
			continue;
		move(y, r.x);
		for (int x = r.x; x < r.x + r.w && x < COLS; x++)
			addch(' ');
	}
}

/*
 * Lines are drawn with the Unicode box characters rather than the terminal's
 * alternate character set: they survive screen captures and every UTF-8
 * terminal has them (a terminal set to "ambiguous width = wide" does not
 * suit a kiosk anyway - see the operator notes).
 */
void
ui_hline(int y, int x, int w, int color)
{
	attrset(attr_of(color));
	for (int i = 0; i < w && x + i < COLS; i++)
		mvaddstr(y, x + i, "─");
}

void
ui_box(struct rect r, int color)
{
	ui_hline(r.y, r.x + 1, r.w - 2, color);
	ui_hline(r.y + r.h - 1, r.x + 1, r.w - 2, color);
	for (int y = r.y + 1; y < r.y + r.h - 1; y++) {
		mvaddstr(y, r.x, "│");
		mvaddstr(y, r.x + r.w - 1, "│");
	}
	mvaddstr(r.y, r.x, "┌");
	mvaddstr(r.y, r.x + r.w - 1, "┐");
	mvaddstr(r.y + r.h - 1, r.x, "└");
	mvaddstr(r.y + r.h - 1, r.x + r.w - 1, "┘");
}

int
ui_button_width(const char *label)
{
	return text_width(label) + 4;
}

int
ui_button(int y, int x, const char *label, int key, bool focus)
{
	int w = ui_button_width(label);
	int color = focus ? UI_FOCUS : UI_BUTTON;

	ui_put(y, x, 2, color, "[ ");
	ui_put(y, x + 2, w - 4, color, label);
	ui_put(y, x + w - 2, 2, color, " ]");
	ui_hit(y, x, 1, w, key);
	return w;
}

void
ui_ask(const char *question, const char *yes, const char *no, int no_key)
{
	struct rect b = ui_body();
	int w = b.w > 60 ? 56 : b.w - 4;
	struct rect box = {b.y + b.h / 2 - 4, b.x + (b.w - w) / 2, 8, w};
	int x = box.x + 2;

	ui_fill(box, UI_NORMAL);
	ui_box(box, UI_WARN);
	ui_wrap((struct rect){box.y + 1, x, 3, w - 4}, UI_TITLE, _(question));
	x += ui_button(box.y + 5, x, _(yes), K_ENTER, true) + 2;
	ui_button(box.y + 5, x, _(no), no_key, false);
}

void
ui_note(const char *text, int color, bool button)
{
	struct rect b = ui_body();
	int w = b.w > 64 ? 64 : b.w, h = 10;
	struct rect d = {b.y + (b.h - h) / 2, b.x + (b.w - w) / 2, h, w};
	const char *label = _("OK");

	ui_fill(d, UI_NORMAL);
	ui_box(d, UI_ACCENT);
	ui_wrap((struct rect){d.y + 2, d.x + 3, h - 5, w - 6}, color, text);
	if (button)
		ui_button(d.y + h - 2, d.x + (w - ui_button_width(label)) / 2, label,
			  K_ENTER, true);
}

const char *
ui_labelled(char *buf, size_t len, const char *label, const char *value)
{
	size_t n = strlen(label);
	bool wide = n >= 3 && strcmp(label + n - 3, "：") == 0;

	snprintf(buf, len, "%s%s%s", label, wide ? "" : " ", value);
	return buf;
}

void
ui_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

const char *
ui_spinner(int64_t now_ms)
{
	/* ASCII: every terminal and font agrees on its width. */
	static const char *const frames[] = {"|", "/", "-", "\\"};

	return frames[(now_ms / 125) % 4];
}

const char *
ui_busy(char *buf, size_t len, const char *text)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(buf, len, "%s %s",
		 ui_spinner((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000), text);
	return buf;
}

static void
frame_header(const struct ui_frame *f)
{
	char clock[32], right[160];
	time_t now = time(NULL);
	struct tm tm;
	int rw;

	localtime_r(&now, &tm);
	strftime(clock, sizeof clock, "%Y-%m-%d %H:%M", &tm);
	/* Room for the title matters more than a "terminal" label. */
	snprintf(right, sizeof right, "%s  %s  %s ", f->terminal_id, clock,
		 i18n_name(i18n_get()));
	ui_fill((struct rect){0, 0, 1, COLS}, UI_HEADER);
	rw = text_width(right);
	ui_put(0, 1, COLS - rw - 2, UI_HEADER, f->title);
	ui_put(0, COLS - rw, rw, UI_HEADER, right);
	/* The language name is a shortcut for F2 too. */
	ui_hit(0, COLS - 1 - text_width(i18n_name(i18n_get())), 1,
	       text_width(i18n_name(i18n_get())), K_F(2));
}

static void
frame_steps(const struct ui_frame *f)
{
	int n = 0, widths[STEPBAR_MAX], shown[STEPBAR_MAX];
	int x = 2;

	while (n < STEPBAR_MAX && f->steps[n] != NULL) {
		char num[16];

		snprintf(num, sizeof num, "%d.", n + 1);
		widths[n] = text_width(_(f->steps[n])) + text_width(num);
		n++;
	}
	stepbar_plan(widths, n, f->step == STEPS_NONE_CURRENT ? 0 : f->step, COLS - 4,
		     shown);
	for (int i = 0; i < n; i++) {
		char num[16];
		int color = f->step == STEPS_NONE_CURRENT ? UI_NORMAL
			    : i < f->step                 ? UI_STEP_DONE
			    : i == f->step                ? UI_STEP_NOW
							  : UI_DIM;

		if (i > 0)
			x += ui_put(1, x, COLS - x, UI_DIM, STEPBAR_SEP);
		snprintf(num, sizeof num, "%d.", i + 1);
		x += ui_put(1, x, COLS - x, color, num);
		if (shown[i] > 0)
			x += ui_put(1, x, shown[i], color, _(f->steps[i]));
	}
}

static int
footer_item(int x, const char *key, const char *label, int k)
{
	int start = x;

	if (x >= COLS)
		return x;
	x += ui_put(LINES - 1, x, COLS - x, UI_KEY, key);
	x += 1;
	x += ui_put(LINES - 1, x, COLS - x, UI_KEYLABEL, label);
	ui_hit(LINES - 1, start, 1, x - start, k);
	return x + 2;
}

static void
frame_footer(const struct ui_frame *f)
{
	int x = 0;

	ui_fill((struct rect){LINES - 1, 0, 1, COLS}, UI_KEYLABEL);
	if (f->footer & FOOT_ENTER)
		x = footer_item(x, "Enter", _("OK"), K_ENTER);
	if (f->footer & FOOT_TAB)
		x = footer_item(x, "Tab", _("Next field"), K_TAB);
	if (f->footer & FOOT_ESC)
		x = footer_item(x, "Esc", _("Back"), K_ESC);
	if (f->footer & FOOT_CANCEL)
		x = footer_item(x, "Esc", _("Cancel"), K_ESC);
	if (!f->global_keys)
		return;
	x = footer_item(x, "F1", _("Help"), K_F(1));
	/* The other language's own name, so it reads right whichever is on. */
	x = footer_item(x, "F2", i18n_name(i18n_next(i18n_get())), K_F(2));
	if (f->staff_call)
		footer_item(x, "F12", _("Call staff"), K_F(12));
}

static void
frame_status(const struct ui_frame *f)
{
	int y = LINES - 2, x = 1;

	ui_hline(2, 0, COLS, UI_DIM);
	x += ui_put(y, x, COLS - x, UI_STATUS, _("UKey: "));
	x += ui_put(y, x, COLS / 2 - x, UI_STATUS, f->token_state);
	x += 3;
	x += ui_put(y, x, COLS - x, UI_STATUS, _("Backend: "));
	x += ui_put(y, x, COLS - x, f->backend_color, f->backend_state);
	if (f->extra_state != NULL) {
		int w = text_width(f->extra_state);

		if (x + 3 + w < COLS)
			ui_put(y, COLS - w - 1, w, UI_ACCENT, f->extra_state);
	}
}

void
ui_frame(const struct ui_frame *f)
{
	frame_header(f);
	if (f->steps != NULL)
		frame_steps(f);
	else if (f->screen_title != NULL)
		ui_put(1, 2, COLS - 4, UI_TITLE, f->screen_title);
	frame_status(f);
	frame_footer(f);
}
