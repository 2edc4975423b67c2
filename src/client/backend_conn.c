/*
 * backend_conn.c - the backend connection each thread keeps (see backend_conn.h).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "backend_conn.h"
#include "worker.h"
#include "xmem.h"

/* How often a running transfer looks at its job's cancel flag. */
#define CANCEL_SLICE_MS 50

/*
 * One libcurl handle per thread that calls the backend (the worker), with
 * a multi handle of its own whose connection cache keeps the connection:
 * a visit's calls and the payment's poll share one mTLS handshake instead
 * of paying one each (pinning and the client certificate as on any new
 * connection).  A connection the backend closed (a restart, its idle
 * timeout) is found dead by libcurl, which dials again and sends the
 * request on the new one.  The end of a visit (conn_forget) drops
 * the link, so nothing of one customer's replies waits in its buffers for
 * the next: the generation says which links are stale.
 */

static pthread_key_t link_key;
static pthread_once_t link_once = PTHREAD_ONCE_INIT;
static atomic_uint link_generation;

static void
link_free(void *arg)
{
	struct link *l = arg;

	if (l == NULL)
		return;
	if (l->multi != NULL)
		curl_multi_cleanup(l->multi); /* closes the kept connection */
	if (l->easy != NULL)
		curl_easy_cleanup(l->easy);
	free(l);
}

static void
link_key_make(void)
{
	if (pthread_key_create(&link_key, link_free) != 0)
		abort(); /* only when the system is out of keys at start-up */
}

/* This thread's link, made or made anew; NULL if libcurl has no memory. */
struct link *
conn_link(void)
{
	struct link *l;
	unsigned gen = atomic_load(&link_generation);

	pthread_once(&link_once, link_key_make);
	l = pthread_getspecific(link_key);
	if (l != NULL && l->generation == gen)
		return l;
	link_free(l);
	pthread_setspecific(link_key, NULL);
	l = xcalloc(1, sizeof *l);
	l->easy = curl_easy_init();
	l->multi = curl_multi_init();
	l->generation = gen;
	if (l->easy == NULL || l->multi == NULL) {
		link_free(l);
		return NULL;
	}
	pthread_setspecific(link_key, l);
	return l;
}

void
conn_drop(void)
{
	pthread_once(&link_once, link_key_make);
	link_free(pthread_getspecific(link_key));
	pthread_setspecific(link_key, NULL);
}

/* The end of a visit, on the worker: this thread's link goes. */
static void
forget_run(struct job *job)
{
	(void)job;
	conn_drop();
}

static void
forget_release(struct job *job)
{
	free(job);
}

void
conn_forget(void)
{
	struct job *job;

	atomic_fetch_add(&link_generation, 1);
	pthread_once(&link_once, link_key_make);
	job = xcalloc(1, sizeof *job);
	job_init(job, "backend-forget", forget_run, forget_release);
	worker_submit(job);
}

/*
 * curl_easy_perform, but looking at the job's cancel flag every
 * CANCEL_SLICE_MS: a cancelled call (a background check giving way to a
 * customer's) stops within that, where the progress callback alone can
 * take a second while the line is quiet.
 */
CURLcode
conn_perform(struct link *l, struct job *job)
{
	CURLcode rc = CURLE_FAILED_INIT;
	int running = 1, left;
	CURLMsg *msg;

	if (curl_multi_add_handle(l->multi, l->easy) != CURLM_OK)
		return curl_easy_perform(l->easy);
	while (running > 0) {
		if (curl_multi_perform(l->multi, &running) != CURLM_OK)
			break;
		if (running == 0)
			break;
		if (job != NULL && job_cancelled(job)) {
			rc = CURLE_ABORTED_BY_CALLBACK;
			goto out;
		}
		if (curl_multi_poll(l->multi, NULL, 0, CANCEL_SLICE_MS, NULL) != CURLM_OK)
			break;
	}
	while ((msg = curl_multi_info_read(l->multi, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == l->easy)
			rc = msg->data.result;
out:
	/* The connection goes back to the multi handle's cache (a transfer
	 * cut short closes it). */
	curl_multi_remove_handle(l->multi, l->easy);
	return rc;
}
