/*
 * accept.h - a listener's connections taken off its socket by a thread of
 * their own and each handed to the lane, one libmicrohttpd daemon and its
 * thread, with the fewest connections open.
 *
 * libmicrohttpd's thread pool lets whichever worker wakes first accept up
 * to ten connections in a row: two kiosks that connect together were then
 * served by one thread while the others waited (renewals over two
 * kept-alive connections used 1.0 of 2 cores).  With a pool,
 * MHD_add_connection picks the thread by the socket's number, not by
 * how busy it is; so each lane is a daemon of its own.
 *
 * No lane is handed more than its share of the listener's connections:
 * libmicrohttpd 0.9.75 must never reach its own limit on a connection
 * handed to it from another thread (that path returns with its cleanup
 * mutex held, and the lane's thread then waits for it for ever).  While
 * every lane is full, the acceptor leaves the socket alone and new
 * connections wait in the kernel's queue until one closes.
 *
 * A share is ACCEPT_LANE_MAX at most: libmicrohttpd 0.9.75 reads epoll's
 * events 128 at a time and, when a read brings exactly 128, waits in the
 * next for as long as its timeout (up to 60 s) before it handles them.  A
 * lane's epoll set holds its connections, its wake-up and the upgraded
 * connections' set: with 125 connections no read brings 128.
 */
#ifndef CAKIOSK_RA_ACCEPT_H
#define CAKIOSK_RA_ACCEPT_H

#include <stdatomic.h>
#include <stddef.h>

#define ACCEPT_LANE_MAX 125

struct MHD_Daemon;
struct acceptor;

struct accept_lane {
	struct MHD_Daemon *d; /* set by the caller before acceptor_run */
	void *cls;            /* the caller's, for the daemon's callbacks */
	/* Its connections: one more when handed to it, one fewer when the
	 * daemon says one closed (accept_lane_closed).  A connection the
	 * daemon drops before it ever says it started (out of memory for
	 * its pool) stays counted: the lane then gets a little less. */
	atomic_int open;
	int share; /* the most it is handed */
	struct acceptor *acc;
};

/* An acceptor for fd (listening, non-blocking; still the caller's, to
 * close after acceptor_free) and n lanes sharing `limit` connections.
 * NULL and *err when it cannot be made. */
struct acceptor *acceptor_new(int fd, size_t n, int limit, char **err);
struct accept_lane *acceptor_lane(struct acceptor *a, size_t i);
/* The limit to give lane's daemon: its share and one more, so that the
 * daemon's own limit is never what refuses a connection. */
unsigned accept_lane_limit(const struct accept_lane *lane);
/* Starts taking connections, once every lane has its daemon. */
int acceptor_run(struct acceptor *a, char **err);
/* Stops taking connections; those handed out stay with their daemons,
 * which may still call accept_lane_closed until they are stopped. */
void acceptor_stop(struct acceptor *a);
/* Frees it and its lanes, after their daemons are stopped. */
void acceptor_free(struct acceptor *a);
/* From the daemon's connection notice: a connection of the lane closed. */
void accept_lane_closed(struct accept_lane *lane);

#endif
