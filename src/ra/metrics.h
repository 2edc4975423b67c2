/*
 * metrics.h - what the backend counts for GET /metrics (the Prometheus
 * text exposition format 0.0.4, served on a listener of its own by
 * metrics_http.c) and the access line written for every request.
 *
 * The counters are process-wide and lock-free (relaxed atomics): counting
 * costs a request a few additions and no allocation.  Nothing counted is a
 * secret: a request is known by its route pattern ("/u/{token}"), never
 * by its path.  The module depends on no other of the backend: the store
 * and the CA count through it.
 */
#ifndef CAKIOSK_RA_METRICS_H
#define CAKIOSK_RA_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The instance's name for the access line (NULL: the host name) and
 * whether the access line is written.  Before any request; 0, or -1 + *err
 * when the name is unfit for a log line. */
int metrics_setup(const char *instance, bool access_log, char **err);
/* Whether instance is fit for a log line and a label: 1 to 64 of
 * METRICS_INSTANCE_WANTS's characters. */
bool metrics_instance_ok(const char *instance);
#define METRICS_INSTANCE_WANTS "wants 1 to 64 of A-Z a-z 0-9 . _ -"
/* The n routes requests are counted by: routes holds each one's method and
 * pattern in turn (2n strings that outlive the counting); taken. */
void metrics_routes(const char **routes, size_t n);
void metrics_fini(void);

/* One request of route number route (n or more: no route fits) answered
 * with status (0: the client went away before an answer) after micros
 * microseconds. */
void metrics_request(size_t route, int status, uint64_t micros);
/* The access line of a request (see PROTOCOL.md, "Logs and metrics"):
 * terminal is the client certificate's CN ("" for none), route the
 * route's pattern. */
void metrics_access(const char *request_id, const char *terminal, const char *method,
		    const char *route, int status, uint64_t micros);
/* A new request id (at least 24 bytes). */
void metrics_request_id(char *out, size_t size);

enum metrics_event {
	M_ISSUED_CUSTOMER, /* a customer certificate signed */
	M_ISSUED_TERMINAL, /* a terminal certificate signed */
	M_STORE_ERROR,     /* a statement of the store failed */
	M_STORE_RETRY,     /* busy store or a lost race (PostgreSQL): tried again */
	M_STORE_COMMIT,    /* a transaction that wrote committed */
	M_STORE_SYNC,      /* the server synced the store's log itself (SQLite) */
	M_REPLAYED,        /* a repeated POST answered from the idempotency store */
	M_CONN_OPEN,       /* a connection to the terminal listener opened */
	M_CONN_CLOSED,     /* ... and closed */
	M_EVENTS
};
void metrics_note(enum metrics_event e);

/* The exposition text of the counters, then more (families counted
 * elsewhere, in the same format, or NULL): a new string, *len its length. */
char *metrics_render(const char *more, size_t *len);

#endif
