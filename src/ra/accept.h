/*
 * accept.h - a listener's connections taken off its socket by a thread of
 * their own and each handed to the lane, one libmicrohttpd daemon and its
 * thread, with the fewest connections open.
 *
 * libmicrohttpd's thread pool lets whichever worker wakes first accept up
 * to ten connections in a row: two kiosks that connect together were then
 * served by one thread while the others waited (renewals over two
 * kept-alive connections used 1.0 of 2 cores).  Its own way of handing
 * connections out (MHD_add_connection) works only without a pool, so each
 * lane is a daemon of its own.
 */
#ifndef CAKIOSK_RA_ACCEPT_H
#define CAKIOSK_RA_ACCEPT_H

#include <stdatomic.h>
#include <stddef.h>

struct MHD_Daemon;

struct accept_lane {
	struct MHD_Daemon *d;
	/* Its connections: one more when handed to it, one fewer when the
	 * daemon says one closed (accept_lane_closed).  A connection the
	 * daemon drops before it ever says it started (out of memory) is
	 * counted for good: the lane then gets a little less work. */
	atomic_int open;
	void *cls; /* its owner's, for the daemon's callbacks */
};

struct acceptor;

/* Takes connections off fd (listening, non-blocking; still the caller's,
 * to close after acceptor_stop) for the n lanes, whose daemons run
 * without a listening socket of their own.  NULL and *err when the thread
 * cannot start. */
struct acceptor *acceptor_start(int fd, struct accept_lane *lanes, size_t n, char **err);
/* Stops taking connections; those handed out stay with their daemons. */
void acceptor_stop(struct acceptor *a);
/* From the daemon's connection notice: a connection of the lane closed. */
void accept_lane_closed(struct accept_lane *lane);

#endif
