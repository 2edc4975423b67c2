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
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
	struct accept_lane *lanes;
	size_t n;
	pthread_t thread;
};

static struct accept_lane *
least_busy(const struct acceptor *a)
{
	struct accept_lane *best = &a->lanes[0];
	int fewest = atomic_load(&best->open);
	for (size_t i = 1; i < a->n; i++) {
		int open = atomic_load(&a->lanes[i].open);
		if (open < fewest) {
			best = &a->lanes[i];
			fewest = open;
		}
	}
	return best;
}

/* Takes what is waiting on the socket: 0 when it is drained, 1 when the
 * socket has more, -1 when descriptors or memory ran out. */
static int
take(struct acceptor *a)
{
	for (int k = 0; k < ACCEPT_BURST; k++) {
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
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				return -1;
			default: /* EAGAIN: drained */
				return 0;
			}
		}
		struct accept_lane *lane = least_busy(a);
		/* Counted before it is handed over: the next one, accepted
		 * before the daemon's thread sees this one, goes elsewhere. */
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
		struct pollfd p[2] = {{.fd = a->fd, .events = POLLIN},
				      {.fd = a->stop[0], .events = POLLIN}};
		if (poll(p, 2, -1) < 0 && errno != EINTR) {
			log_err("accepting connections: poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents)
			break;
		if (!p[0].revents || take(a) >= 0)
			continue;
		/* Out of descriptors or memory: what waits stays queued in the
		 * socket's backlog meanwhile. */
		if (poll(&p[1], 1, ACCEPT_BACKOFF_MS) > 0)
			break;
	}
	return NULL;
}

struct acceptor *
acceptor_start(int fd, struct accept_lane *lanes, size_t n, char **err)
{
	struct acceptor *a = util_xcalloc(1, sizeof *a);
	a->fd = fd;
	a->lanes = lanes;
	a->n = n;
	if (pipe2(a->stop, O_CLOEXEC) != 0) {
		*err = util_xstrdup(strerror(errno));
		free(a);
		return NULL;
	}
	int rc = pthread_create(&a->thread, NULL, acceptor_main, a);
	if (rc != 0) {
		*err = util_xstrdup(strerror(rc));
		close(a->stop[0]);
		close(a->stop[1]);
		free(a);
		return NULL;
	}
	return a;
}

void
acceptor_stop(struct acceptor *a)
{
	if (!a)
		return;
	ssize_t w;
	do
		w = write(a->stop[1], "", 1);
	while (w < 0 && errno == EINTR);
	pthread_join(a->thread, NULL);
	close(a->stop[0]);
	close(a->stop[1]);
	free(a);
}

void
accept_lane_closed(struct accept_lane *lane)
{
	atomic_fetch_sub(&lane->open, 1);
}
