/*
 * util.h - small utilities of the reference backend: allocation that never
 * returns NULL, logging to stderr, randomness, the (sandbox-adjustable)
 * clock, hashing and wiping of secrets.
 *
 * What the kiosk needs too (the renewal rules, the identity number checks,
 * base64, hex, PEM and SHA-256 hex) is not here: it is src/common/, linked
 * into both programs.
 */
#ifndef CAKIOSK_RA_UTIL_H
#define CAKIOSK_RA_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *util_xmalloc(size_t size);
void *util_xcalloc(size_t n, size_t size);
void *util_xrealloc(void *p, size_t size);
char *util_xstrdup(const char *s);
char *util_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

enum { LOG_ERR_ = 0, LOG_WARN_ = 1, LOG_INFO_ = 2, LOG_DEBUG_ = 3 };
extern int util_log_level;
void util_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* line as it is (it ends in a newline): the access line, metrics.h. */
void util_log_line(const char *line);
#define log_err(...) util_log(LOG_ERR_, __VA_ARGS__)
#define log_warn(...) util_log(LOG_WARN_, __VA_ARGS__)
#define log_info(...) util_log(LOG_INFO_, __VA_ARGS__)

/* Overwrite secrets in a way the optimiser keeps. */
void util_wipe(void *p, size_t n);
void util_wipe_str(char *s);

/* Cryptographic randomness; aborts if the generator fails. */
void util_random(void *buf, size_t n);
/* n random bytes as 2n lowercase hex characters + NUL into out. */
void util_random_hex(char *out, size_t n);
/* n random decimal digits + NUL into out. */
void util_random_digits(char *out, size_t n);

/* Seconds since the epoch, plus the sandbox clock offset. */
int64_t util_now(void);
void util_clock_advance(int64_t seconds);
/* Stop the sandbox clock at t (tests of boundary instants), or with 0 let
 * it run again (real time plus the offset). */
void util_clock_set(int64_t t);
int64_t util_clock_offset(void);
/* "2024-05-01T12:00:00Z" into out (at least 21 bytes). */
void util_iso8601(int64_t t, char *out, size_t size);

/* Constant-time comparison of two equal-length strings. */
bool util_str_eq_ct(const char *a, const char *b);

/* False when the UTF-8 string s holds a character that can change how text
 * around it is shown: C0 controls (but '\n' when newline_ok), DEL, the C1
 * controls U+0080..U+009F (U+009B is a terminal's CSI), and the invisible
 * direction marks, embeddings, overrides and isolates (U+061C, U+200E,
 * U+200F, U+202A..U+202E, U+2066..U+2069) and the line and paragraph
 * separators U+2028, U+2029.  s must be valid UTF-8 (jansson checks). */
bool util_text_safe(const char *s, bool newline_ok);

/* s with & < > " ' replaced by HTML entities (new string). */
char *util_html_escape(const char *s);

/* Whole file into a new NUL-terminated buffer, or NULL. */
char *util_read_file(const char *path, size_t *len);
/* Write atomically (temp file + rename) with the given mode; 0 or -1. */
int util_write_file(const char *path, const void *data, size_t len, unsigned mode);

#endif
