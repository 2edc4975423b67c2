/*
 * probe.h - is the backend reachable?  A TCP connect to its host and port.
 *
 * Runs as a worker job with a deadline and stops within 100 ms of being
 * cancelled.  Used by staff's "test the connection", which names what is
 * wrong with the line (DNS, refused, timeout).  The status line is kept by
 * the mTLS health check (health.h), not by this.
 */
#ifndef CAKIOSK_PROBE_H
#define CAKIOSK_PROBE_H

#include <stddef.h>

struct job;

enum probe_status {
	PROBE_OK,
	PROBE_BAD_URL,
	PROBE_NO_HOST, /* name does not resolve */
	PROBE_REFUSED, /* host answered: nothing listens there */
	PROBE_TIMEOUT, /* no answer within the connect timeout */
	PROBE_FAILED,  /* anything else (unreachable network...) */
	PROBE_CANCELLED,
};

/* A job connecting to url's host:port within timeout_s; NULL if url is bad. */
struct job *probe_new(const char *url, int timeout_s);
enum probe_status probe_status(const struct job *job);
int probe_elapsed_ms(const struct job *job);
/* Customer/staff sentence (message id) for a status. */
const char *probe_reason(enum probe_status st);
/* What a finished probe says: 1 the backend is reachable, 0 it is not,
 * -1 nothing (cancelled).  For staff's connection test. */
int probe_reachable(const struct job *job);

/* Split an https URL into host and port ("443" by default); 0 or -1. */
int probe_split_url(const char *url, char *host, size_t hostlen, char *port,
		    size_t portlen);

#endif
