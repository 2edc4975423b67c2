/*
 * store_gc.h - the SQLite store's group commit: commits numbered, one
 * fdatasync of the WAL shared by those made close together, and the wait
 * before an answer for a sync that covers what its request made or saw.
 */
#ifndef CAKIOSK_RA_STORE_GC_H
#define CAKIOSK_RA_STORE_GC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Group commit.  The connection runs with synchronous=NORMAL: a COMMIT
 * writes its frames to the WAL without waiting for them to reach the disk.
 * The wait is done here, after the store's lock is given up: each commit
 * that wrote is numbered (committed); a thread giving up the lock waits
 * until every commit numbered up to the last it could have seen is synced
 * (synced).  A sync covers every commit numbered before it began (started:
 * the highest such number of the syncs begun so far), so a thread whose
 * commits a sync under way covers waits for it.  Any other starts one of
 * its own at once, beside the one under way: up to GC_SYNCS at a time,
 * each on a descriptor of its own, so that a commit made while the disk
 * finishes another's sync does not wait for that sync and then for its
 * own.  Beyond that, commits made meanwhile share the next sync.  No
 * answer goes out before store_unlock returns: neither a write's, nor a
 * read's that saw it.  (SQLite syncs the WAL itself before a checkpoint
 * copies it into the database, and the database before the WAL is
 * started again.) */
#define GC_SYNCS 2

/* A descriptor of the WAL, for one sync at a time. */
struct gc_fd {
	int fd;    /* -1 before its first sync */
	dev_t dev; /* ... of this file */
	ino_t ino;
	bool busy; /* a sync under way on it */
};

struct gcommit {
	pthread_mutex_t lock;
	pthread_cond_t done;
	/* Commits begun: a read may see one from inside its COMMIT on, so it
	 * waits for every commit begun (gc_seen).  Read without the lock. */
	_Atomic uint64_t begun;
	uint64_t committed;
	_Atomic uint64_t synced; /* read without the lock: nothing to wait for */
	uint64_t started;        /* covered by a sync begun, done or not */
	int syncing;             /* syncs under way */
	struct gc_fd fds[GC_SYNCS];
	char *wal;  /* the WAL's path */
	char *path; /* the database's path */
};

void gc_init(struct gcommit *gc);
void gc_fini(struct gcommit *gc);
void gc_wait(struct gcommit *gc, uint64_t seq);
void gc_commit_begin(struct gcommit *gc);
uint64_t gc_commit_end(struct gcommit *gc);
uint64_t gc_seen(struct gcommit *gc);

#endif
