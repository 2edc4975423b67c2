/*
 * worker.h - one thread for blocking work (token calls, HTTP requests).
 *
 * The UI thread never blocks: it hands a job to the worker and keeps
 * polling.  When a job is finished the worker writes a byte to a pipe the
 * event loop polls; the loop then takes the job back and gives it to the
 * screen that started it.  Jobs run one at a time, in order: a PKCS#11 token
 * and a customer both want one thing at a time.
 *
 * A job is embedded in a larger struct of the caller's (container_of style):
 * run() does the blocking work on the worker thread and must look at
 * job_cancelled() at every point where it can stop; release() frees the
 * whole thing on the UI thread after the result was delivered.
 */
#ifndef CAKIOSK_WORKER_H
#define CAKIOSK_WORKER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct job {
	const char *name;                 /* for logs */
	void (*run)(struct job *job);     /* worker thread */
	void (*release)(struct job *job); /* UI thread, after delivery */
	atomic_bool cancel;
	atomic_int progress; /* 0..100, or -1 when unknown */
	bool background;     /* gives way to any other job (worker_submit_background) */
	void *owner;         /* the event loop's business */
	struct job *next;
};

/* Start the thread; returns the fd to poll for finished jobs, or -1. */
int worker_start(void);
void worker_stop(void);
void worker_submit(struct job *job);
/*
 * Background work (the status line's health check): queued like any job,
 * but every job submitted after it cancels it, queued or running, so a
 * customer's job never waits behind it longer than its run() takes to see
 * the cancel (for a backend call, one 50 ms slice).
 */
void worker_submit_background(struct job *job);
/* UI thread: drain the wake-up pipe and take one finished job, or NULL. */
struct job *worker_take_done(void);
/* Cancel every queued or running job of this owner (a screen going away). */
void worker_cancel_owner(const void *owner);
/* Hand from's jobs to to (a screen whose state was only just made). */
void worker_reown(const void *from, void *to);
/* Jobs submitted and not yet taken back. */
int worker_pending(void);

void job_init(struct job *job, const char *name, void (*run)(struct job *),
	      void (*release)(struct job *));
static inline void
job_cancel(struct job *job)
{
	atomic_store(&job->cancel, true);
}
static inline bool
job_cancelled(struct job *job)
{
	return atomic_load(&job->cancel);
}

#endif
