/*
 * log.h - levelled logging to syslog/journald, stderr or a file.
 *
 * Never onto the terminal curses owns: while the screen is up, the stderr
 * target stays silent if stderr is that terminal.  Callers must never pass a
 * PIN, SO PIN, authorization code or full ID number; log_mask_id() exists to
 * show an ID number the safe way (first 3 and last 2 characters).
 */
#ifndef CAKIOSK_LOG_H
#define CAKIOSK_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* "journal" (syslog, which journald collects), "stderr", "file:PATH", "none". */
int log_open(const char *target, enum log_level level, char *err, size_t errlen);
void log_close(void);
/* Curses owns the terminal from now on (or no longer). */
void log_set_screen_active(bool active);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* The last warning or error logged (sanitized, at most LOG_PROBLEM_MAX - 1
 * bytes) and when (seconds since the epoch); false when there was none.
 * What the heartbeat reports as the terminal's last error. */
#define LOG_PROBLEM_MAX 240
bool log_last_problem(char *buf, size_t len, long long *at);
/* At a visit's end: a problem logged during it may quote the customer's
 * order or data, so only its source ("renew", ...) and time stay for the
 * heartbeat; the rest is wiped (the kiosk's own log keeps the line). */
void log_visit_end(void);

/* "110***********002X" style mask of an ID number into buf. */
const char *log_mask_id(const char *id, char *buf, size_t len);

/* Parse "error|warn|info|debug"; -1 if unknown. */
int log_level_parse(const char *s);

#endif
