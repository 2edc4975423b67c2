/*
 * loop.h - the one event loop: terminal input, timers, finished jobs.
 *
 * Only the loop switches screens, redraws, resizes and exits (htop's
 * ScreenManager_run).  It polls the terminal, a self-pipe for signals and the
 * worker's wake-up pipe; handles the keys every screen shares (F1 help, F2
 * language, F12 call staff, clicks); starts the idle countdown; and ends a
 * customer's session by unwinding the screen stack, which wipes what each
 * screen held.
 */
#ifndef CAKIOSK_LOOP_H
#define CAKIOSK_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct config;
struct job;

/* Run until SIGTERM/SIGHUP.  Returns the process exit status. */
int loop_run(const struct config *cfg);

const struct config *loop_config(void);
int64_t loop_now(void); /* monotonic milliseconds */

/* Hand job to the worker on behalf of the screen on top. */
void loop_submit(struct job *job);

/* Staff assist mode: the longer idle timeout applies. */
void loop_set_assist(bool on);
/* Close the program after this turn of the loop (staff, when allowed). */
void loop_quit(void);
bool loop_assist(void);

/* Something to run when a customer's session ends (wipe, release tokens). */
void loop_on_session_end(void (*fn)(void));

#endif
