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
 * (synced).  One thread at a time syncs the WAL (the leader, syncing): its
 * fdatasync covers every commit numbered before it began, so commits made
 * while it waits for the disk share the next one.  No answer goes out
 * before store_unlock returns: neither a write's, nor a read's that saw
 * it.  (SQLite syncs the WAL itself before a checkpoint copies it into
 * the database, and the database before the WAL is started again.) */
struct gcommit {
	pthread_mutex_t lock;
	pthread_cond_t done;
	/* Commits begun: a read may see one from inside its COMMIT on, so it
	 * waits for every commit begun (gc_seen).  Read without the lock. */
	_Atomic uint64_t begun;
	uint64_t committed;
	_Atomic uint64_t synced; /* read without the lock: nothing to wait for */
	bool syncing;
	char *wal; /* the WAL's path */
	int fd;    /* open on it, -1 before the first sync */
	dev_t dev; /* ... this file */
	ino_t ino;
	char *path; /* the database's path */
};

void gc_init(struct gcommit *gc);
void gc_fini(struct gcommit *gc);
void gc_wait(struct gcommit *gc, uint64_t seq);
void gc_commit_begin(struct gcommit *gc);
uint64_t gc_commit_end(struct gcommit *gc);
uint64_t gc_seen(struct gcommit *gc);

#endif
