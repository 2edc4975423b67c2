/*
 * backend_conn.h - the backend connection each thread keeps, for backend.c only.
 *
 * One libcurl handle per thread that calls the backend (the worker), with
 * a multi handle of its own whose connection cache keeps the connection:
 * a visit's calls and the payment's poll share one mTLS handshake instead
 * of paying one each.  See backend_conn.c.
 */
#ifndef CAKIOSK_BACKEND_CONN_H
#define CAKIOSK_BACKEND_CONN_H

#include "curl_lazy.h"

struct job;

struct link {
	CURL *easy;
	CURLM *multi;
	unsigned generation; /* of backend_session_end: stale when older */
};

/* This thread's link, made (or made anew after a visit ended); NULL if
 * libcurl has no memory.  Only once curl_lazy_load() said yes. */
struct link *conn_link(void);
/* This thread's link closed and freed (its buffers wiped on the way). */
void conn_drop(void);
/* The end of a visit (UI thread): every link is stale, and the worker's is
 * dropped at once by a job queued for it. */
void conn_forget(void);
/* Runs the transfer set up on l->easy; stops within CANCEL_SLICE_MS of the
 * job being cancelled (CURLE_ABORTED_BY_CALLBACK). */
CURLcode conn_perform(struct link *l, struct job *job);

#endif
