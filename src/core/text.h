/*
 * text.h - display-width aware text handling, in one place.
 *
 * Everything that measures, cuts, wraps or cleans text for the terminal goes
 * through here (htop's RichString habit).  Strings are UTF-8; characters are
 * decoded with mbrtowc() and measured with wcwidth(), so the process must run
 * in a UTF-8 LC_CTYPE (main() makes sure of that).  CJK characters take two
 * columns; bytes that are not valid UTF-8 are shown as U+FFFD.  A NULL string
 * counts as empty everywhere.  Any bytes at all are safe to pass (fuzzed).
 */
#ifndef CAKIOSK_TEXT_H
#define CAKIOSK_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* text_sanitize() flags */
#define TEXT_KEEP_NEWLINES 0x1 /* keep '\n' (wrapped paragraphs) */

/*
 * Clean text that came from outside the program (config file, token, backend)
 * before it can reach the terminal.  in holds len bytes and may contain NULs
 * (dropped).  Returns a new valid UTF-8 string:
 * invalid bytes become U+FFFD, one per byte; escape sequences (CSI, OSC,
 * DCS/SOS/PM/APC, nF such as "ESC ( 0", and their 8-bit C1 forms) are removed
 * whole, and an unterminated one takes the rest of the input with it; other
 * C0/C1 controls, DEL and bidi controls are removed; '\t' becomes a space;
 * '\n' is kept only with TEXT_KEEP_NEWLINES.  The result holds at most
 * max_bytes bytes, cut on a character boundary (a prefix of the full result).
 * Never returns NULL; free() it.
 */
char *text_sanitize(const char *in, size_t len, size_t max_bytes, unsigned flags);

/*
 * True when s could go to the terminal as it is: valid UTF-8 with nothing
 * text_sanitize() would remove.  Cheap; the drawing code checks every
 * string with it and sanitizes only the ones that fail.
 */
bool text_is_clean(const char *s);

/*
 * Display columns of UTF-8 s: wcwidth() per character, bad bytes and
 * non-printables count 1, combining marks 0.
 */
int text_width(const char *s);

/*
 * Length in bytes of the longest prefix of s that fits in cols columns,
 * never splitting a character (combining marks stay with their base).
 * *width_out (if not NULL) gets its width.  cols <= 0 gives 0.
 */
size_t text_fit(const char *s, int cols, int *width_out);

/*
 * New string: s cut to cols columns, ending in "…" (U+2026) when something
 * was cut; the ellipsis is counted in cols.  A copy of s when it fits; "" when
 * cols <= 0.  Bad bytes are copied, not replaced.  free() it.
 */
char *text_truncate(const char *s, int cols);

/* One line of wrapped text: bytes [off, off+len) of the source, width columns. */
struct text_line {
	size_t off;
	size_t len;
	int width;
};

/*
 * Wrap s to cols columns (cols < 1 counts as 1).  Latin words break at
 * spaces (a word longer than a line is broken anywhere), CJK text may break
 * before or after any wide character, '\n' always breaks; spaces at a break
 * belong to neither line.  A line's len and width leave out its trailing
 * spaces.  Indentation after a '\n' is kept unless it would push the first
 * word off the line.  A character wider than cols (CJK at cols 1) gets a line
 * of its own that is wider than cols: callers clip.  "" gives 0 lines, "a\n"
 * one, "a\n\nb" three.  Fills up to max_lines entries of lines (which may be
 * NULL when max_lines is 0) and returns the number of lines the whole text
 * needs, which may be more than max_lines: call with 0 to size a buffer.
 */
size_t text_wrap(const char *s, int cols, struct text_line *lines, size_t max_lines);

#endif
