/*
 * text.h - display-width aware text handling, in one place.
 *
 * Everything that measures, cuts, wraps or cleans text for the terminal goes
 * through here (htop's RichString habit).  Strings are UTF-8; characters are
 * decoded with mbrtowc() and measured with wcwidth(), so the process must run
 * in a UTF-8 LC_CTYPE (main() makes sure of that).  CJK characters take two
 * columns; bytes that are not valid UTF-8 are shown as U+FFFD.
 */
#ifndef CAKIOSK_TEXT_H
#define CAKIOSK_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* text_sanitize() flags */
#define TEXT_KEEP_NEWLINES 0x1 /* keep '\n' (wrapped paragraphs) */

/*
 * Clean text that came from outside the program (config file, token, backend)
 * before it can reach the terminal.  Returns a new valid UTF-8 string:
 * invalid bytes become U+FFFD; escape sequences (CSI, OSC, DCS, ...) are
 * removed whole; other C0/C1 controls, DEL and bidi overrides are removed
 * ('\t' becomes a space); the result holds at most max_bytes bytes (cut on a
 * character boundary).  Never returns NULL.
 */
char *text_sanitize(const char *in, size_t len, size_t max_bytes, unsigned flags);

/* Display columns of UTF-8 s (bad bytes and non-printables count 1). */
int text_width(const char *s);

/*
 * Length in bytes of the longest prefix of s that fits in cols columns,
 * never splitting a character.  *width_out (if not NULL) gets its width.
 */
size_t text_fit(const char *s, int cols, int *width_out);

/* New string: s cut to cols columns, ending in "…" when something was cut. */
char *text_truncate(const char *s, int cols);

/* One line of wrapped text: bytes [off, off+len) of the source, width cols. */
struct text_line {
	size_t off;
	size_t len;
	int width;
};

/*
 * Wrap s to cols columns.  Latin words break at spaces (a word longer than
 * a line is broken anywhere), CJK text may break between any two characters,
 * '\n' always breaks; spaces at a break are dropped.  Fills up to max_lines
 * entries of lines and returns the number of lines the whole text needs
 * (which may be more than max_lines).
 */
size_t text_wrap(const char *s, int cols, struct text_line *lines, size_t max_lines);

#endif
