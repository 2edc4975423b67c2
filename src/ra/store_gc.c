/*
 * store_gc.c - the SQLite store's group commit (store_gc.h).
 */
#include "ra/store_gc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ra/metrics.h"
#include "ra/util.h"

void
gc_init(struct gcommit *gc)
{
	pthread_mutex_init(&gc->lock, NULL);
	pthread_cond_init(&gc->done, NULL);
	for (int i = 0; i < GC_SYNCS; i++)
		gc->fds[i].fd = -1;
}

void
gc_fini(struct gcommit *gc)
{
	for (int i = 0; i < GC_SYNCS; i++)
		if (gc->fds[i].fd >= 0)
			close(gc->fds[i].fd);
	free(gc->wal);
	free(gc->path);
	pthread_cond_destroy(&gc->done);
	pthread_mutex_destroy(&gc->lock);
}

/* fdatasync of the file at path, by a descriptor of its own. */
static int
gc_sync_path(const char *path)
{
	if (!*path)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	int rc = fdatasync(fd);
	close(fd);
	return rc;
}

/* One fdatasync of the WAL, without any lock, on the descriptor f that
 * this sync alone uses.  The WAL is opened once and again only when its
 * file changed (SQLite removes it when the last connection closes; a
 * staff command's may be the last); where there is none, its frames are
 * in the database, synced by SQLite before the WAL went, synced again
 * here all the same. */
static int
gc_sync(const struct gcommit *gc, struct gc_fd *f)
{
	struct stat sb;
	if (!*gc->wal || stat(gc->wal, &sb) != 0)
		return !*gc->wal || errno == ENOENT ? gc_sync_path(gc->path) : -1;
	if (f->fd >= 0 && (sb.st_dev != f->dev || sb.st_ino != f->ino)) {
		close(f->fd);
		f->fd = -1;
	}
	if (f->fd < 0) {
		f->fd = open(gc->wal, O_RDONLY | O_CLOEXEC);
		if (f->fd < 0)
			return errno == ENOENT ? gc_sync_path(gc->path) : -1;
		struct stat fsb;
		if (fstat(f->fd, &fsb) != 0)
			return -1;
		f->dev = fsb.st_dev;
		f->ino = fsb.st_ino;
	}
	metrics_note(M_STORE_SYNC);
	return fdatasync(f->fd);
}

/* Returns when every commit numbered up to seq is on the disk: a sync
 * begun after it was made has returned.  A failed sync stops the
 * server: what the kernel kept of the WAL is unknown from then on (a
 * later sync may succeed without the pages it lost), and no answer may
 * claim a write it cannot vouch for; the client asks again, the
 * Idempotency-Key tells it what was kept. */
void
gc_wait(struct gcommit *gc, uint64_t seq)
{
	/* The usual case of a read: whatever it saw is on the disk already;
	 * no lock taken, which every read would otherwise take in turn. */
	if (atomic_load(&gc->synced) >= seq)
		return;
	pthread_mutex_lock(&gc->lock);
	while (gc->synced < seq) {
		/* The commit waited for still being made (a reader saw it),
		 * a sync under way that covers it, or no descriptor free:
		 * none is for this thread to do. */
		if (gc->committed < seq || gc->started >= seq ||
		    gc->syncing == GC_SYNCS) {
			pthread_cond_wait(&gc->done, &gc->lock);
			continue;
		}
		struct gc_fd *f = gc->fds;
		while (f->busy)
			f++;
		f->busy = true;
		gc->syncing++;
		uint64_t upto = gc->started = gc->committed;
		pthread_mutex_unlock(&gc->lock);
		if (gc_sync(gc, f) != 0) {
			log_err("store: cannot sync %s: %s; stopping", gc->wal,
				strerror(errno));
			abort();
		}
		pthread_mutex_lock(&gc->lock);
		f->busy = false;
		gc->syncing--;
		/* Syncs may end out of turn: one that began later covers
		 * all an earlier one does. */
		if (upto > gc->synced)
			gc->synced = upto;
		pthread_cond_broadcast(&gc->done);
	}
	pthread_mutex_unlock(&gc->lock);
}

/* A commit that wrote is numbered once its COMMIT has run, but readers
 * may see it from the moment SQLite publishes it in the WAL index, inside
 * that COMMIT: from before it runs, a read's wait (gc_seen) counts it. */
void
gc_commit_begin(struct gcommit *gc)
{
	atomic_fetch_add(&gc->begun, 1);
}

/* The COMMIT has run (or failed: its number then costs a sync of
 * nothing, and a reader waiting for it is not left waiting).  Returns its
 * number. */
uint64_t
gc_commit_end(struct gcommit *gc)
{
	pthread_mutex_lock(&gc->lock);
	uint64_t seq = ++gc->committed;
	pthread_cond_broadcast(&gc->done);
	pthread_mutex_unlock(&gc->lock);
	return seq;
}

/* The number a read must wait for: every commit begun, made or under way
 * (one writer: at most one is). */
uint64_t
gc_seen(struct gcommit *gc)
{
	return atomic_load(&gc->begun);
}
