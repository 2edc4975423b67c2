/*
 * worker.c - the worker thread and its two queues (see worker.h).
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"
#include "xmem.h"

static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static struct job *todo_head, *todo_tail, *done_head, *done_tail;
static struct job *current; /* running now, so stop can cancel it */
static int wake[2] = {-1, -1};
static bool running, stopping;
static int pending;

static void
push(struct job **head, struct job **tail, struct job *job)
{
	job->next = NULL;
	if (*tail != NULL)
		(*tail)->next = job;
	else
		*head = job;
	*tail = job;
}

static struct job *
pop(struct job **head, struct job **tail)
{
	struct job *job = *head;

	if (job != NULL) {
		*head = job->next;
		if (*head == NULL)
			*tail = NULL;
		job->next = NULL;
	}
	return job;
}

static void *
worker_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		struct job *job;

		while (todo_head == NULL && !stopping)
			pthread_cond_wait(&cond, &lock);
		if (stopping)
			break;
		job = pop(&todo_head, &todo_tail);
		current = job;
		pthread_mutex_unlock(&lock);

		if (!job_cancelled(job))
			job->run(job);
		/* The job's frames held customer data (paths, bodies, log lines). */
		secure_burn_stack();

		pthread_mutex_lock(&lock);
		current = NULL;
		push(&done_head, &done_tail, job);
		/* A full pipe already means "look at the queue": ignore EAGAIN. */
		ssize_t unused = write(wake[1], "j", 1);
		(void)unused;
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int
worker_start(void)
{
	sigset_t all, old;
	int rc;

	if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	/* Signals belong to the UI thread's loop, never to the worker. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&thread, NULL, worker_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		close(wake[0]);
		close(wake[1]);
		return -1;
	}
	running = true;
	return wake[0];
}

void
worker_stop(void)
{
	struct job *job;

	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = true;
	for (job = todo_head; job != NULL; job = job->next)
		job_cancel(job);
	if (current != NULL)
		job_cancel(current);
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	/* A running job sees its cancel flag at its next check point. */
	pthread_join(thread, NULL);
	running = false;
	while ((job = pop(&todo_head, &todo_tail)) != NULL)
		job->release(job);
	while ((job = pop(&done_head, &done_tail)) != NULL)
		job->release(job);
	close(wake[0]);
	close(wake[1]);
	pending = 0;
}

static void
submit(struct job *job)
{
	pthread_mutex_lock(&lock);
	if (!job->background) {
		for (struct job *j = todo_head; j != NULL; j = j->next)
			if (j->background)
				job_cancel(j);
		if (current != NULL && current->background)
			job_cancel(current);
	}
	push(&todo_head, &todo_tail, job);
	pending++;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	log_debug("job %s queued", job->name);
}

void
worker_submit(struct job *job)
{
	job->background = false;
	submit(job);
}

void
worker_submit_background(struct job *job)
{
	job->background = true;
	submit(job);
}

struct job *
worker_take_done(void)
{
	char buf[64];
	struct job *job;

	while (read(wake[0], buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&lock);
	job = pop(&done_head, &done_tail);
	if (job != NULL)
		pending--;
	pthread_mutex_unlock(&lock);
	return job;
}

void
worker_cancel_owner(const void *owner)
{
	pthread_mutex_lock(&lock);
	for (struct job *job = todo_head; job != NULL; job = job->next)
		if (job->owner == owner)
			job_cancel(job);
	if (current != NULL && current->owner == owner)
		job_cancel(current);
	pthread_mutex_unlock(&lock);
}

void
worker_reown(const void *from, void *to)
{
	pthread_mutex_lock(&lock);
	for (struct job *job = todo_head; job != NULL; job = job->next)
		if (job->owner == from)
			job->owner = to;
	for (struct job *job = done_head; job != NULL; job = job->next)
		if (job->owner == from)
			job->owner = to;
	if (current != NULL && current->owner == from)
		current->owner = to;
	pthread_mutex_unlock(&lock);
}

int
worker_pending(void)
{
	int n;

	pthread_mutex_lock(&lock);
	n = pending;
	pthread_mutex_unlock(&lock);
	return n;
}

void
job_init(struct job *job, const char *name, void (*run)(struct job *),
	 void (*release)(struct job *))
{
	job->name = name;
	job->run = run;
	job->release = release;
	atomic_init(&job->cancel, false);
	atomic_init(&job->progress, -1);
	job->background = false;
	job->owner = NULL;
	job->next = NULL;
}
