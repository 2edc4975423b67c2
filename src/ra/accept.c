/*
 * accept.c - a listener's connections handed to the least busy lane (see
 * accept.h).
 */
#define _GNU_SOURCE /* accept4 */
#include "ra/accept.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "ra/util.h"

/* Connections taken off the socket before it is polled again. */
#define ACCEPT_BURST 16
/* How long to wait, out of descriptors or memory, before trying again. */
#define ACCEPT_BACKOFF_MS 100

struct acceptor {
	int fd;
	int stop[2]; /* a byte written to stop[1] ends the thread */
	int room;    /* eventfd: a full lane had a connection close */
	struct accept_lane *lanes;
	size_t n;
	pthread_t thread;
	bool running;
	int err;          /* what the last failed accept or poll said */
	time_t last_told; /* when a failure was last logged (monotonic s) */
};

struct acceptor *
acceptor_new(int fd, size_t n, int limit, char **err)
{
	struct acceptor *a = util_xcalloc(1, sizeof *a);
	a->fd = fd;
	a->n = n;
	a->stop[0] = a->stop[1] = -1;
	a->room = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (a->room < 0 || pipe2(a->stop, O_CLOEXEC) != 0) {
		*err = util_xstrdup(strerror(errno));
		acceptor_free(a);
		return NULL;
	}
	a->lanes = util_xcalloc(n, sizeof *a->lanes);
	/* As libmicrohttpd splits its pool's limit: the remainder to the
	 * first lanes; ACCEPT_LANE_MAX at most. */
	for (size_t i = 0; i < n; i++) {
		int share = limit / (int)n + ((int)i < limit % (int)n);
		a->lanes[i].share = share < ACCEPT_LANE_MAX ? share : ACCEPT_LANE_MAX;
		a->lanes[i].acc = a;
	}
	return a;
}

struct accept_lane *
acceptor_lane(struct acceptor *a, size_t i)
{
	return &a->lanes[i];
}

unsigned
accept_lane_limit(const struct accept_lane *lane)
{
	/* The daemon counts a connection on its own thread, after the
	 * acceptor did, and stops counting one right after saying it
	 * closed: it never counts more than the share.  One more all the
	 * same, so that its own limit is never what refuses one. */
	return (unsigned)lane->share + 1;
}

/* The lane with room that has the fewest connections, or NULL. */
static struct accept_lane *
least_busy(const struct acceptor *a)
{
	struct accept_lane *best = NULL;
	int fewest = 0;
	for (size_t i = 0; i < a->n; i++) {
		int open = atomic_load(&a->lanes[i].open);
		if (open < a->lanes[i].share && (!best || open < fewest)) {
			best = &a->lanes[i];
			fewest = open;
		}
	}
	return best;
}

/* Takes what is waiting on the socket while a lane has room: 0 when the
 * socket is drained or every lane full, 1 when the socket may have more,
 * -1 when accept failed otherwise (descriptors or memory ran out). */
static int
take(struct acceptor *a)
{
	for (int k = 0; k < ACCEPT_BURST; k++) {
		struct accept_lane *lane = least_busy(a);
		if (!lane)
			return 0;
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		int c = accept4(a->fd, (struct sockaddr *)&ss, &len,
				SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (c < 0) {
			switch (errno) {
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
				continue;
			case EAGAIN:
#if EWOULDBLOCK != EAGAIN
			case EWOULDBLOCK:
#endif
				return 0; /* drained */
			default:          /* out of descriptors or memory, or worse */
				a->err = errno;
				return -1;
			}
		}
		/* Counted before it is handed over: the next one, accepted
		 * before the daemon's thread sees this one, goes elsewhere,
		 * and the lane's share holds for those it has not seen yet. */
		atomic_fetch_add(&lane->open, 1);
		/* The daemon closes c when it cannot take it. */
		if (MHD_add_connection(lane->d, c, (struct sockaddr *)&ss, len) !=
		    MHD_YES)
			atomic_fetch_sub(&lane->open, 1);
	}
	return 1;
}

static void *
acceptor_main(void *arg)
{
	struct acceptor *a = arg;
	for (;;) {
		/* The socket is left alone while every lane is full: a close
		 * (the eventfd) says to look again. */
		struct pollfd p[3] = {
			{.fd = a->stop[0], .events = POLLIN},
			{.fd = a->room, .events = POLLIN},
			{.fd = least_busy(a) ? a->fd : -1, .events = POLLIN}};
		int ready = poll(p, 3, -1);
		if (ready < 0)
			a->err = errno;
		if (p[0].revents)
			break;
		if (p[1].revents) {
			uint64_t n;
			ssize_t unused = read(a->room, &n, sizeof n);
			(void)unused; /* non-blocking: nothing to read is fine */
		}
		int took = p[2].revents ? take(a) : 0;
		if (ready >= 0 && took >= 0)
			continue;
		if (ready < 0 && a->err == EINTR)
			continue;
		/* Out of descriptors or memory (what waits stays queued in the
		 * socket's backlog meanwhile), or poll failed: try again a
		 * little later, saying so once a second at most. */
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec != a->last_told) {
			log_err("accepting connections: %s%s", ready < 0 ? "poll: " : "",
				strerror(a->err));
			a->last_told = now.tv_sec;
		}
		if (poll(p, 1, ACCEPT_BACKOFF_MS) > 0)
			break;
	}
	return NULL;
}

int
acceptor_run(struct acceptor *a, char **err)
{
	int rc = pthread_create(&a->thread, NULL, acceptor_main, a);
	if (rc != 0) {
		*err = util_xstrdup(strerror(rc));
		return -1;
	}
	a->running = true;
	return 0;
}

void
acceptor_stop(struct acceptor *a)
{
	if (!a || !a->running)
		return;
	ssize_t w;
	do
		w = write(a->stop[1], "", 1);
	while (w < 0 && errno == EINTR);
	pthread_join(a->thread, NULL);
	a->running = false;
}

void
acceptor_free(struct acceptor *a)
{
	if (!a)
		return;
	acceptor_stop(a);
	if (a->room >= 0)
		close(a->room);
	if (a->stop[0] >= 0)
		close(a->stop[0]);
	if (a->stop[1] >= 0)
		close(a->stop[1]);
	free(a->lanes);
	free(a);
}

void
accept_lane_closed(struct accept_lane *lane)
{
	/* Only a lane that was full wakes the acceptor, which may be
	 * leaving the socket alone. */
	if (atomic_fetch_sub(&lane->open, 1) >= lane->share) {
		uint64_t one = 1;
		ssize_t unused = write(lane->acc->room, &one, sizeof one);
		(void)unused; /* a full counter already says "look again" */
	}
}
