/*
 * signals.h - the kiosk's signals.
 *
 * SIGTERM and SIGHUP (the service manager, staff closing the program) only
 * write their number to a self-pipe that the event loop polls; the
 * keyboard's signals (Ctrl-C, Ctrl-\, Ctrl-Z) and SIGPIPE are ignored, since
 * a kiosk is not ended from its keyboard; a crash restores the terminal
 * before the default action.
 */
#ifndef CAKIOSK_SIGNALS_H
#define CAKIOSK_SIGNALS_H

#include <stdbool.h>

/* Install the handlers.  Returns the fd to poll for POLLIN, -1 on failure. */
int signals_init(void);
/* Empty the pipe; true when a signal asked the kiosk to stop. */
bool signals_read(void);
/* Close the pipe (the handlers stay). */
void signals_close(void);

#endif
