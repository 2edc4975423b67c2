/*
 * text.c - display-width aware text handling: measure, cut, wrap, clean.
 *
 * The kiosk draws into fixed boxes on a terminal where a CJK character takes
 * two columns and a byte count says nothing about width, so every module that
 * puts text on the screen asks this one how wide it is and where it may be
 * cut.  Text from outside the program goes through text_sanitize() first, so
 * nothing read from a config file or the backend can move the cursor, change
 * the window title, switch character sets or reverse the reading order.
 *
 * All of it must hold for any bytes whatsoever (it is fuzzed): invalid UTF-8
 * is measured and shown as U+FFFD one byte at a time, and no function reads
 * past the length or NUL it was given.
 */
#include "text.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include "xmem.h"

#define REPLACEMENT_CHAR 0xFFFD
#define ELLIPSIS "\xe2\x80\xa6" /* U+2026 */
#define ELLIPSIS_WC 0x2026

#define ESC 0x1b
#define BEL 0x07
#define CAN 0x18
#define SUB 0x1a

/*
 * No terminal is this wide; capping cols keeps every width sum below
 * INT_MAX, so a caller passing INT_MAX cannot make us overflow.
 */
#define COLS_MAX (INT_MAX / 4)

/*
 * Decode the character at s (n >= 1 bytes available).  Returns the number of
 * bytes it takes; a byte that does not start a valid character takes one and
 * decodes to U+FFFD, so every caller makes progress and bad bytes are shown
 * and measured the way the header promises.
 */
static size_t
decode(const char *s, size_t n, wchar_t *wc)
{
	unsigned char b = (unsigned char)s[0];
	mbstate_t st;
	size_t r;

	/* Most text is ASCII; UTF-8 maps it to itself without a library call. */
	if (b < 0x80) {
		*wc = (wchar_t)b;
		return 1;
	}
	memset(&st, 0, sizeof(st));
	r = mbrtowc(wc, s, n, &st);
	/*
	 * glibc's UTF-8 decoder still accepts the old 5- and 6-byte forms and
	 * values above U+10FFFF; passing those on would make our "valid UTF-8"
	 * output invalid, so they are bad bytes like any other.
	 */
	if (r == (size_t)-1 || r == (size_t)-2 || r == 0 || r > n || *wc < 0 ||
	    *wc > 0x10FFFF || (*wc >= 0xD800 && *wc <= 0xDFFF)) {
		*wc = REPLACEMENT_CHAR;
		return 1;
	}
	return r;
}

/* Columns of wc on the terminal; non-printables show as one cell. */
static int
char_width(wchar_t wc)
{
	int w = wcwidth(wc);

	return w < 0 ? 1 : w;
}

/*
 * Encode a scalar value (already range-checked by decode()) as UTF-8.
 * Re-encoding rather than copying the input bytes means the output is
 * well-formed whatever the C library let through.
 */
static size_t
encode(wchar_t wc, char *out)
{
	uint32_t c = (uint32_t)wc;

	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* ---- text_sanitize ---------------------------------------------------- */

/*
 * The parsers below follow the shape of a VT500 parser closely enough that
 * a sequence is removed as a whole (no "31m" left behind), but safety does
 * not depend on them: no ESC and no C1 control ever reaches the output, so
 * the terminal cannot enter an escape state from what we emit.  Where a
 * sequence is malformed we stop at the offending byte and let the main loop
 * deal with it as ordinary input.  Each returns the index just past what it
 * swallowed.
 */

/* CSI body: parameters and intermediates 0x20-0x3F, then a final byte. */
static size_t
skip_csi(const unsigned char *in, size_t len, size_t i)
{
	while (i < len) {
		if (in[i] >= 0x20 && in[i] <= 0x3F)
			i++;
		else if (in[i] >= 0x40 && in[i] <= 0x7E)
			return i + 1;
		else
			return i;
	}
	return len;
}

/*
 * Control string body (OSC, DCS, SOS, PM, APC): runs to ST, which is ESC \
 * or an encoded U+009C.  xterm also ends OSC at BEL and title-setting code
 * in the wild relies on it.  CAN and SUB abort a string in a real terminal;
 * any other ESC cancels it and starts a new sequence, which we then parse.
 */
static size_t
skip_string(const unsigned char *in, size_t len, size_t i, bool bel_ends)
{
	while (i < len) {
		unsigned char b = in[i];

		if (b == BEL && bel_ends)
			return i + 1;
		if (b == CAN || b == SUB)
			return i + 1;
		if (b == ESC) {
			if (i + 1 >= len)
				return len;
			return in[i + 1] == '\\' ? i + 2 : i;
		}
		if (b == 0xC2 && i + 1 < len && in[i + 1] == 0x9C)
			return i + 2;
		i++;
	}
	return len;
}

/* in[i] is ESC. */
static size_t
skip_escape(const unsigned char *in, size_t len, size_t i)
{
	unsigned char b;

	if (++i >= len)
		return len;
	b = in[i];
	switch (b) {
	case '[':
		return skip_csi(in, len, i + 1);
	case ']':
		return skip_string(in, len, i + 1, true);
	case 'P':
	case 'X':
	case '^':
	case '_':
		return skip_string(in, len, i + 1, false);
	default:
		break;
	}
	/*
	 * ESC + intermediates 0x20-0x2F + final 0x30-0x7E (nF): "ESC ( 0"
	 * would switch to line-drawing glyphs, and taking only two bytes of it
	 * would leave the "0" behind.  ESC + 0x30-0x7E is the two-byte form.
	 */
	while (b >= 0x20 && b <= 0x2F) {
		if (++i >= len)
			return len;
		b = in[i];
	}
	if (b >= 0x30 && b <= 0x7E)
		return i + 1;
	/* ESC followed by something that cannot continue it: drop the ESC only. */
	return i;
}

/* Characters that steer the terminal or the reading order rather than print. */
static bool
is_dropped(wchar_t wc)
{
	if (wc < 0x20 || wc == 0x7F || (wc >= 0x80 && wc <= 0x9F))
		return true;
	/* Bidi embeddings, overrides, isolates and marks ("Trojan Source"). */
	return (wc >= 0x202A && wc <= 0x202E) || (wc >= 0x2066 && wc <= 0x2069) ||
	       wc == 0x200E || wc == 0x200F || wc == 0x061C;
}

bool
text_is_clean(const char *s)
{
	size_t n;

	if (s == NULL)
		return true;
	n = strlen(s);
	while (n > 0) {
		unsigned char b = (unsigned char)*s;
		wchar_t wc;
		size_t k;

		if (b >= 0x20 && b < 0x7F) {
			s++;
			n--;
			continue;
		}
		k = decode(s, n, &wc);
		/* A real U+FFFD is three bytes; a bad byte decodes to it in one. */
		if (is_dropped(wc) || (wc == REPLACEMENT_CHAR && k == 1))
			return false;
		s += k;
		n -= k;
	}
	return true;
}

char *
text_sanitize(const char *in, size_t len, size_t max_bytes, unsigned flags)
{
	const unsigned char *u = (const unsigned char *)in;
	size_t cap, o = 0, i = 0;
	char *out;

	if (in == NULL)
		len = 0;
	/* Worst case every input byte becomes a 3-byte U+FFFD. */
	cap = max_bytes;
	if (len <= (SIZE_MAX - 1) / 3 && len * 3 < cap)
		cap = len * 3;
	if (cap > SIZE_MAX - 1)
		cap = SIZE_MAX - 1;
	out = xmalloc(cap + 1);

	while (i < len) {
		char enc[4];
		wchar_t wc;
		size_t n;

		if (u[i] == ESC) {
			i = skip_escape(u, len, i);
			continue;
		}
		n = decode(in + i, len - i, &wc);
		i += n;
		/* The 8-bit forms: a terminal in UTF-8 mode may honour them. */
		switch (wc) {
		case 0x9B:
			i = skip_csi(u, len, i);
			continue;
		case 0x9D:
			i = skip_string(u, len, i, true);
			continue;
		case 0x90:
		case 0x98:
		case 0x9E:
		case 0x9F:
			i = skip_string(u, len, i, false);
			continue;
		case '\t':
			wc = ' ';
			break;
		case '\n':
			if (!(flags & TEXT_KEEP_NEWLINES))
				continue;
			break;
		default:
			if (is_dropped(wc))
				continue;
			break;
		}
		n = encode(wc, enc);
		/* Stop rather than skip: the result must be a prefix, not a collage. */
		if (n > cap - o)
			break;
		memcpy(out + o, enc, n);
		o += n;
	}
	out[o] = '\0';
	return out;
}

/* ---- measuring and cutting -------------------------------------------- */

int
text_width(const char *s)
{
	size_t len, i = 0;
	int w = 0;

	if (s == NULL)
		return 0;
	len = strlen(s);
	while (i < len) {
		wchar_t wc;
		int cw;

		i += decode(s + i, len - i, &wc);
		cw = char_width(wc);
		/* Saturate: a >1 GB string must not overflow into a negative width. */
		if (cw > INT_MAX - w)
			return INT_MAX;
		w += cw;
	}
	return w;
}

/* text_fit() on the first len bytes of s. */
static size_t
fit_n(const char *s, size_t len, int cols, int *width_out)
{
	size_t i = 0;
	int w = 0;

	if (cols > 0) {
		while (i < len) {
			wchar_t wc;
			size_t n = decode(s + i, len - i, &wc);
			int cw = char_width(wc);

			/* Zero-width marks after the last fitting character stay with it.
			 */
			if (cw > cols - w)
				break;
			w += cw;
			i += n;
		}
	}
	if (width_out != NULL)
		*width_out = w;
	return i;
}

size_t
text_fit(const char *s, int cols, int *width_out)
{
	return fit_n(s, s != NULL ? strlen(s) : 0, cols, width_out);
}

char *
text_truncate(const char *s, int cols)
{
	size_t len, n;
	int ew;
	char *out;

	if (s == NULL || cols <= 0)
		return xstrdup("");
	len = strlen(s);
	n = fit_n(s, len, cols, NULL);
	if (n == len)
		return xstrdup(s);

	/*
	 * U+2026 is East Asian "ambiguous": glibc says 1, a terminal set up
	 * for CJK may draw 2.  We go by wcwidth() like everything else.
	 */
	ew = char_width(ELLIPSIS_WC);
	if (ew > cols)
		return xstrdup("");
	n = fit_n(s, len, cols - ew, NULL);
	out = xmalloc(n + sizeof(ELLIPSIS));
	memcpy(out, s, n);
	memcpy(out + n, ELLIPSIS, sizeof(ELLIPSIS));
	return out;
}

/* ---- wrapping ----------------------------------------------------------- */

/* What the last visible character of the line so far was; decides breaks. */
enum prev_kind {
	PREV_NONE,
	PREV_SPACE,
	PREV_NARROW,
	PREV_WIDE,
};

struct wrap_state {
	struct text_line *lines;
	size_t max_lines;
	size_t count;

	size_t start;       /* first byte of the line being built */
	int lw;             /* its width so far, trailing spaces included */
	bool content;       /* has it anything but spaces? */
	size_t content_end; /* byte after its last non-space */
	int content_w;      /* width up to content_end */
	enum prev_kind prev;
	bool prev_opens; /* the last character may not end a line: "（" */

	/* The last place the line may end, if any. */
	bool brk;
	size_t brk_end; /* line ends here (its trailing spaces dropped) */
	int brk_w;
	size_t brk_next; /* and the next one starts here */
	int brk_lw;      /* lw when brk_next was reached */
};

static void
emit(struct wrap_state *ws, size_t end, int width)
{
	if (ws->count < ws->max_lines) {
		ws->lines[ws->count].off = ws->start;
		ws->lines[ws->count].len = end - ws->start;
		ws->lines[ws->count].width = width;
	}
	ws->count++;
}

static void
new_line(struct wrap_state *ws, size_t start)
{
	ws->start = start;
	ws->lw = 0;
	ws->content = false;
	ws->content_end = start;
	ws->content_w = 0;
	ws->prev = PREV_NONE;
	ws->prev_opens = false;
	ws->brk = false;
}

/*
 * Line-breaking rules of Chinese and Japanese typesetting (禁则): closing
 * punctuation never starts a line, opening punctuation never ends one.
 * The break moves back a character instead: "修改。" goes over together.
 */
static bool
no_line_start(wchar_t wc)
{
	static const wchar_t closing[] = L"。，、．：；！？）」』】〕〉》〗”’…‥·・ー々％";

	if (wc < 0x80)
		return wc != 0 && strchr(").,;:!?]}%", (int)wc) != NULL;
	return wcschr(closing, wc) != NULL;
}

static bool
no_line_end(wchar_t wc)
{
	static const wchar_t opening[] = L"（「『【〔〈《〖“‘";

	if (wc < 0x80)
		return wc != 0 && strchr("([{", (int)wc) != NULL;
	return wcschr(opening, wc) != NULL;
}

/* Place the non-space character wc at [p, p+n) of width cw, breaking as needed. */
static void
place(struct wrap_state *ws, size_t p, size_t n, wchar_t wc, int cw, int cols)
{
	/*
	 * Breaks go before a visible character that follows a space or sits
	 * next to a wide one (CJK needs no spaces); never before a zero-width
	 * mark, which belongs to the character it follows.  A break needs
	 * something on the line already, or it would only make an empty line.
	 */
	if (cw > 0 && ws->content &&
	    (ws->prev == PREV_SPACE || ws->prev == PREV_WIDE || cw >= 2) &&
	    (ws->prev == PREV_SPACE || (!no_line_start(wc) && !ws->prev_opens))) {
		ws->brk = true;
		ws->brk_end = ws->content_end;
		ws->brk_w = ws->content_w;
		ws->brk_next = p;
		ws->brk_lw = ws->lw;
	}

	while (cw > cols - ws->lw) {
		if (!ws->content) {
			/*
			 * Only indentation before us: drop it rather than put a
			 * blank line on the screen.  A character wider than the
			 * whole line (CJK at cols 1) then goes alone on a line
			 * it overflows - it cannot be split and must not vanish.
			 */
			ws->start = p;
			ws->lw = 0;
			break;
		}
		if (ws->brk) {
			/* Carry what followed the break over to the new line. */
			size_t next = ws->brk_next;
			int shift = ws->brk_lw;

			emit(ws, ws->brk_end, ws->brk_w);
			ws->start = next;
			ws->lw -= shift;
			ws->brk = false;
			ws->content = ws->content_end > next;
			if (ws->content) {
				ws->content_w -= shift;
			} else {
				ws->content_end = next;
				ws->content_w = 0;
				ws->prev = PREV_NONE;
			}
			continue;
		}
		/* A word longer than the line: break it where it overflows. */
		emit(ws, ws->content_end, ws->content_w);
		new_line(ws, p);
	}

	ws->lw += cw;
	ws->content = true;
	ws->content_end = p + n;
	ws->content_w = ws->lw;
	if (cw > 0) {
		ws->prev = cw >= 2 ? PREV_WIDE : PREV_NARROW;
		ws->prev_opens = no_line_end(wc);
	}
}

size_t
text_wrap(const char *s, int cols, struct text_line *lines, size_t max_lines)
{
	struct wrap_state ws;
	size_t len, i = 0;

	if (s == NULL || *s == '\0')
		return 0;
	if (lines == NULL)
		max_lines = 0;
	if (cols < 1)
		cols = 1;
	if (cols > COLS_MAX)
		cols = COLS_MAX;

	len = strlen(s);
	memset(&ws, 0, sizeof(ws));
	ws.lines = lines;
	ws.max_lines = max_lines;
	new_line(&ws, 0);

	while (i < len) {
		wchar_t wc;
		size_t n = decode(s + i, len - i, &wc);

		if (wc == '\n') {
			emit(&ws, ws.content_end, ws.content_w);
			new_line(&ws, i + 1);
		} else if (wc == ' ') {
			/*
			 * Spaces hang past the margin: they never force a break,
			 * and a break after them drops them.  lw saturates so a
			 * long run cannot overflow it; the cap is high enough
			 * that taking a break's width (at most cols) off it
			 * still leaves the line overfull, as it really is.
			 */
			if (ws.lw <= 2 * cols + 1)
				ws.lw++;
			ws.prev = PREV_SPACE;
			ws.prev_opens = false;
		} else {
			place(&ws, i, n, wc, char_width(wc), cols);
		}
		i += n;
	}
	/* A final '\n' ends the last line; it does not open an empty one. */
	if (ws.start < len)
		emit(&ws, ws.content_end, ws.content_w);
	return ws.count;
}
