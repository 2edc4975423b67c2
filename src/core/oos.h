/*
 * oos.h - "暂停服务 / Out of service": what the kiosk shows instead of a
 * black screen while its configuration or its own checks fail.
 *
 * Both languages at once (nobody has chosen one), the terminal's id so
 * staff know which kiosk to fix, and nothing of the failure itself (that
 * goes to the log).  Keys do nothing.  The caller checks again every
 * OOS_RETRY_S seconds, or at once on SIGHUP; SIGTERM ends it.
 */
#ifndef CAKIOSK_OOS_H
#define CAKIOSK_OOS_H

#define OOS_RETRY_S 30

/* Show the screen (started on the first call) and wait: 1 when it is time
 * to check again, 0 on SIGTERM, -1 when no screen can be drawn. */
int oos_wait(const char *terminal_id);
/* Give the terminal back (before the kiosk proper starts, or on exit). */
void oos_end(void);

#endif
