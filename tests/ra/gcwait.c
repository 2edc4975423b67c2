/*
 * gcwait.c - which ends of a store's transactions wait for the sync of
 * the WAL (store_unlock) and which do not (store_unlock_discard), for
 * tests/ra/test_group_commit.sh; linked with the backend's own objects.
 *
 *   gcwait DB     (a file or a PostgreSQL URI; migrated first)
 *
 * The writer commits under store_lock and keeps the lock, so its commit is
 * not synced yet; meanwhile a second thread reads on a read connection,
 * which sees that commit, and ends its read first thrown away, then
 * answered.  Then the writer commits again and throws its run away.
 * Prints the syncs the server made itself (cakiosk_ra_store_syncs_total)
 * after each end:
 *   "read_discard N read_unlock N write_unlock N write_discard N"
 * counted from 0 before the first commit.  Exit status 1 on an error.
 *
 *   gcwait DB overlap
 *
 * Four writers commit 5 times each, each commit's answer waiting for its
 * sync (store_unlock), while every fdatasync of the process takes 30 ms
 * more (this program's own fdatasync, which the store's calls reach before
 * the C library's).  Prints "most N syncs S commits C": the most syncs
 * under way at once, and the syncs and commits made.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ra/metrics.h"
#include "ra/store.h"

static struct store *st;
static long syncs0;

/* The syncs so far, from the metrics' own text, since syncs0. */
static long
syncs(void)
{
	size_t len = 0;
	char *text = metrics_render(NULL, &len);
	const char *name = "\ncakiosk_ra_store_syncs_total ";
	const char *at = text ? strstr(text, name) : NULL;
	long n = at ? strtol(at + strlen(name), NULL, 10) : -1;
	free(text);
	return n - syncs0;
}

/* overlap: fdatasync slowed, and the most under way at once. */
static atomic_bool slow;
static atomic_int flying, most;

int fdatasync(int fd);

int
fdatasync(int fd)
{
	if (!atomic_load(&slow))
		return (int)syscall(SYS_fdatasync, fd);
	int n = atomic_fetch_add(&flying, 1) + 1;
	int m = atomic_load(&most);
	while (n > m && !atomic_compare_exchange_weak(&most, &m, n))
		;
	nanosleep(&(struct timespec){.tv_nsec = 30000000L}, NULL);
	int rc = (int)syscall(SYS_fdatasync, fd);
	atomic_fetch_sub(&flying, 1);
	return rc;
}

/* A read on a read connection of this thread, ended by end. */
static int
read_once(void (*end)(struct store *))
{
	store_lock_read(st);
	if (store_begin(st, false) != 0) {
		store_unlock(st);
		return -1;
	}
	json_t *row = store_query_one(st, "SELECT count(*) AS n FROM gc_probe", "");
	json_decref(row);
	store_rollback(st);
	end(st);
	return row ? 0 : -1;
}

/* The second thread: both ends of a read beside the writer's commit. */
static void *
reader(void *arg)
{
	long *out = arg;
	if (read_once(store_unlock_discard) != 0)
		return NULL;
	out[0] = syncs();
	if (read_once(store_unlock) != 0)
		return NULL;
	out[1] = syncs();
	return out;
}

/* One write under store_lock, committed; the lock kept. */
static int
write_once(void)
{
	store_lock(st);
	if (store_begin(st, true) != 0 ||
	    store_exec(st, "INSERT INTO gc_probe(x) VALUES(1)", "") < 0 ||
	    store_commit(st) != 0) {
		store_unlock(st);
		return -1;
	}
	return 0;
}

/* overlap: one of the four writers. */
static void *
writer(void *arg)
{
	long *commits = arg;
	for (int i = 0; i < 5; i++) {
		if (write_once() != 0)
			return NULL;
		store_unlock(st);
		(*commits)++;
	}
	return commits;
}

static int
overlap(void)
{
	pthread_t th[4];
	long commits[4] = {0};
	int n = 0;
	atomic_store(&slow, true);
	while (n < 4 && pthread_create(&th[n], NULL, writer, &commits[n]) == 0)
		n++;
	long all = 0;
	bool ok = n == 4;
	for (int i = 0; i < n; i++) {
		void *r = NULL;
		pthread_join(th[i], &r);
		ok = ok && r;
		all += commits[i];
	}
	atomic_store(&slow, false);
	printf("most %d syncs %ld commits %ld\n", atomic_load(&most), syncs(), all);
	return ok ? 0 : -1;
}

int
main(int argc, char **argv)
{
	char *err = NULL;
	if (argc != 2 && !(argc == 3 && strcmp(argv[2], "overlap") == 0)) {
		fprintf(stderr, "usage: gcwait DB [overlap]\n");
		return 2;
	}
	if (metrics_setup("gcwait", false, &err) != 0 ||
	    !(st = store_open(argv[1], &err))) {
		fprintf(stderr, "gcwait: %s\n", err ? err : "cannot start");
		free(err);
		return 1;
	}
	int rc = 1;
	long r[2] = {-1, -1};
	pthread_t th;
	store_lock(st);
	if (store_begin(st, true) != 0 ||
	    store_exec(st, "CREATE TABLE IF NOT EXISTS gc_probe(x INTEGER)", "") < 0 ||
	    store_commit(st) != 0) {
		store_unlock(st);
		goto out;
	}
	store_unlock(st);
	syncs0 = syncs();
	if (argc == 3) {
		rc = overlap() == 0 ? 0 : 1;
		goto out;
	}
	if (write_once() != 0)
		goto out;
	if (pthread_create(&th, NULL, reader, r) != 0) {
		store_unlock(st);
		goto out;
	}
	void *ok = NULL;
	pthread_join(th, &ok);
	store_unlock(st);
	long w = syncs();
	if (!ok || write_once() != 0)
		goto out;
	store_rollback(st);
	store_unlock_discard(st);
	printf("read_discard %ld read_unlock %ld write_unlock %ld write_discard %ld\n",
	       r[0], r[1], w, syncs());
	rc = 0;
out:
	store_close(st);
	metrics_fini();
	return rc;
}
