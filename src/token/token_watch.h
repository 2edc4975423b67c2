/*
 * token_watch.h - the UKey watcher: a thread that notices insertion and
 * removal within a second (slot polling every 500 ms, cheap, no busy loop;
 * a blocking C_WaitForSlotEvent as well where the module supports one) and
 * wakes the event loop through a pipe.  The UI thread reads the present
 * tokens from it without touching PKCS#11.
 */
#ifndef CAKIOSK_TOKEN_WATCH_H
#define CAKIOSK_TOKEN_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "token.h"

struct config;

/* ---- the watcher ------------------------------------------------------ */

struct token_present {
	struct token_ref ref;
	int vendor; /* -1: no vendor matches */
	unsigned vendor_mask;
	char label[TOKEN_TEXT_MAX]; /* sanitized */
};

struct token_watch {
	unsigned generation; /* changes whenever the set changes */
	size_t count;        /* tokens present (may exceed the array) */
	struct token_present tokens[TOKEN_WATCH_MAX];
};

/*
 * Start watching (token_init(cfg) first if not done).  Returns an fd for
 * the loop to poll for POLLIN; then call token_watch_drain().  -1 when no
 * module is loaded (the status line says "no reader configured").
 */
int token_watch_start(const struct config *cfg);
void token_watch_stop(void);
/* UI thread: empty the fd; true when the set of tokens changed. */
bool token_watch_drain(void);
/* Copy of the current set (out may be NULL); returns the count. */
size_t token_watch_state(struct token_watch *out);
/*
 * Any thread: a call found no token, or its token gone, while the watcher
 * still counts one: a UKey pulled and put back between two looks.  The
 * watcher looks again at once and reports a change even if the set looks
 * the same, so screens read the token afresh instead of waiting for an
 * insertion that already happened.
 */
void token_watch_recheck(void);
/*
 * Status line text, translated: "no UKey", "UKey of <vendor>", "UKey
 * inserted" (vendor unknown or not chosen), "2 UKeys", or "no reader
 * configured" when the watcher is not running.  Into buf; returns buf.
 */
const char *token_status_text(char *buf, size_t len);

#endif
