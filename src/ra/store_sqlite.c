/*
 * store_sqlite.c - the store in a SQLite file (store_int.h): open, WAL,
 * transactions and typed statements.  No other file includes sqlite3.h.
 */
#include "ra/store_int.h"
#include "ra/store_gc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

/* Prepared statements are kept for reuse: parsing SQL was the largest cost
 * of a read.  Keyed by the SQL text (callers pass string literals). */
#define STMT_CACHE 96

/* The transaction's own statements, prepared once each: sqlite3_exec
 * parsed them again for every request, two of them a request. */
enum tx { TX_BEGIN, TX_BEGIN_WRITE, TX_COMMIT, TX_ROLLBACK, TX_N };
static const char *const tx_sql[TX_N] = {"BEGIN", "BEGIN IMMEDIATE", "COMMIT",
					 "ROLLBACK"};

struct sqlite {
	sqlite3 *db;
	pthread_mutex_t lock;
	bool locked; /* by store_lock (a request), not a command's own commit */
	struct gcommit gc;
	uint64_t made; /* the last commit numbered under this store_lock, or 0 */
	int last_rc;
	bool full;           /* a statement since store_begin found no room */
	bool retry;          /* ... or lost a race with another process's write */
	bool reader;         /* a read connection (store_lock_read): it never writes */
	struct gcommit *wgc; /* a reader's: the writer's group commit */
	struct {
		const char *sql;
		sqlite3_stmt *stmt;
	} cache[STMT_CACHE];
	sqlite3_stmt *tx[TX_N];
};

/* A write the disk refused: SQLite says SQLITE_FULL for ENOSPC, and an
 * I/O error where the file system fails the write itself.  A busy store
 * inside a transaction: a read transaction (a GET) whose snapshot another
 * process has written past cannot write (SQLITE_BUSY_SNAPSHOT, whatever
 * the busy handler does); only running the request again can. */
static int
store_note(struct sqlite *st, int rc)
{
	if ((rc & 0xff) == SQLITE_FULL || (rc & 0xff) == SQLITE_IOERR)
		st->full = true;
	if ((rc & 0xff) == SQLITE_BUSY && !sqlite3_get_autocommit(st->db))
		st->retry = true;
	/* A read connection's handler came to write (a GET settling a
	 * payment): only the writer can, in a run of its own. */
	if ((rc & 0xff) == SQLITE_READONLY && st->reader)
		st->retry = true;
	return rc;
}

/* Another process (a staff subcommand) holds the store: wait and try again,
 * short waits first, for about 5 s in all; each try is counted. */
static int
store_busy(void *arg, int count)
{
	(void)arg;
	if (count >= 10 + 500)
		return 0;
	struct timespec ts = {0, count < 10 ? 1000000L : 10000000L};
	metrics_note(M_STORE_RETRY);
	nanosleep(&ts, NULL);
	return 1;
}

static int
store_exec_plain(struct sqlite *st, const char *sql)
{
	char *msg = NULL;
	st->last_rc = store_note(st, sqlite3_exec(st->db, sql, NULL, NULL, &msg));
	if (st->last_rc != SQLITE_OK) {
		store_err("store: %s", msg ? msg : sqlite3_errstr(st->last_rc));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Runs one of the transaction's statements; quiet: a rollback's failure
 * is not logged (there may be no transaction left to roll back). */
static int
store_tx(struct sqlite *st, enum tx which, bool quiet)
{
	if (!st->tx[which]) {
		st->last_rc = sqlite3_prepare_v2(st->db, tx_sql[which], -1,
						 &st->tx[which], NULL);
		if (st->last_rc != SQLITE_OK) {
			store_err("store: prepare failed: %s", sqlite3_errmsg(st->db));
			return -1;
		}
	}
	int rc = store_note(st, sqlite3_step(st->tx[which]));
	if (rc != SQLITE_DONE && !quiet)
		store_err("store: %s: %s", tx_sql[which], sqlite3_errmsg(st->db));
	sqlite3_reset(st->tx[which]);
	st->last_rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The files by SQLite's own absolute names ("" for a store in memory). */
static void
gc_files(struct gcommit *gc, sqlite3 *db)
{
	sqlite3_filename f = sqlite3_db_filename(db, "main");
	gc->path = util_xstrdup(f ? f : "");
	gc->wal = util_xstrdup(f && *f ? sqlite3_filename_wal(f) : "");
}

/* The store holds ID numbers, mobiles, accounts and ID-card scans: its
 * files are the server's alone, also those an older version made 0644
 * (SQLite gives -wal and -shm the mode of the store). */
static void
store_private(const char *path)
{
	static const char *const ext[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		char *p = util_xasprintf("%s%s", path, ext[i]);
		if (chmod(p, 0600) != 0 && errno != ENOENT)
			log_warn("store: cannot make %s private: %s", p, strerror(errno));
		free(p);
	}
	char *dir = util_xstrdup(path), *slash = strrchr(dir, '/');
	struct stat sb;
	if (slash)
		slash[slash == dir] = '\0'; /* "/x.db": the directory is "/" */
	if (stat(slash ? dir : ".", &sb) == 0 && (sb.st_mode & 077))
		log_warn("store: the directory of %s is open to other users (mode %o);"
			 " make it 0700",
			 path, (unsigned)(sb.st_mode & 0777));
	free(dir);
}

static void sqlite_close(void *impl);

/* SQLite counts the memory it allocates under one mutex for the whole
 * process, which the threads' reads then take in turn at every
 * allocation; nothing here asks for the count. */
static void
sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* The writer (reader false), or a read connection: no mutex of SQLite's
 * (one thread uses it at a time) and query_only, so that a write on it
 * fails (store_note) instead of taking the file's write lock. */
static struct sqlite *
sqlite_connect(const char *path, bool reader, char **err)
{
	static pthread_once_t setup = PTHREAD_ONCE_INIT;
	pthread_once(&setup, sqlite_setup);
	struct sqlite *st = util_xcalloc(1, sizeof *st);
	pthread_mutex_init(&st->lock, NULL);
	gc_init(&st->gc);
	st->reader = reader;
	int rc = sqlite3_open_v2(path, &st->db,
				 reader ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
					: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
						  SQLITE_OPEN_FULLMUTEX,
				 NULL);
	if (rc != SQLITE_OK) {
		*err = util_xasprintf("cannot open store %s: %s", path,
				      st->db ? sqlite3_errmsg(st->db)
					     : sqlite3_errstr(rc));
		goto fail;
	}
	gc_files(&st->gc, st->db);
	sqlite3_busy_handler(st->db, store_busy, NULL);
	sqlite3_extended_result_codes(st->db, 1);
	/* WAL, synchronous=NORMAL and the group commit's own sync of the WAL
	 * before any answer (struct gcommit): a transaction answered survives
	 * a kill -9 and a power cut.  A reader only reads. */
	if (reader ? store_exec_plain(st, "PRAGMA query_only=1") != 0
		   : store_exec_plain(st, "PRAGMA journal_mode=WAL") != 0 ||
			     store_exec_plain(st, "PRAGMA synchronous=NORMAL") != 0 ||
			     store_exec_plain(st, "PRAGMA foreign_keys=ON") != 0) {
		*err = util_xasprintf("cannot set up store %s: %s", path,
				      sqlite3_errmsg(st->db));
		goto fail;
	}
	return st;
fail:
	sqlite_close(st);
	return NULL;
}

static void *
sqlite_open(const char *path, char **err)
{
	return sqlite_connect(path, false, err);
}

/* WAL: readers see the last commit and run beside the writer.  A reader
 * may see a commit whose sync is still to come: it answers only after the
 * writer's group commit has synced every commit made by the time it gives
 * up its connection (sqlite_unlock). */
static void *
sqlite_open_reader(void *writer, const char *path, char **err)
{
	struct sqlite *st = sqlite_connect(path, true, err);
	if (st)
		st->wgc = &((struct sqlite *)writer)->gc;
	return st;
}

/* A read done: its answer waits for the writer's sync of every commit
 * begun by now (a commit is counted before its COMMIT runs, when readers
 * may already see it), which covers all the read could have seen. */
static void
sqlite_read_done(void *impl, bool wait)
{
	if (!wait) /* a reader makes no commit of its own */
		return;
	struct gcommit *gc = ((struct sqlite *)impl)->wgc;
	gc_wait(gc, gc_seen(gc));
}

static void
sqlite_ready(void *impl, const char *path)
{
	(void)impl;
	store_private(path);
}

static void
sqlite_close(void *impl)
{
	struct sqlite *st = impl;
	for (int i = 0; i < STMT_CACHE; i++)
		if (st->cache[i].stmt)
			sqlite3_finalize(st->cache[i].stmt);
	for (int i = 0; i < TX_N; i++)
		sqlite3_finalize(st->tx[i]);
	if (st->db)
		sqlite3_close_v2(st->db);
	gc_fini(&st->gc);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

/* One connection: the process's requests take turns. */
static void
sqlite_lock(void *impl)
{
	struct sqlite *st = impl;
	pthread_mutex_lock(&st->lock);
	st->locked = true;
	st->made = 0;
}

/* The lock given up, the wait for the disk: the commits this holder made
 * or saw are synced before its answer (struct gcommit); with no answer to
 * follow (store_unlock_discard), those it made alone. */
static void
sqlite_unlock(void *impl, bool wait)
{
	struct sqlite *st = impl;
	struct gcommit *gc = &st->gc;
	st->locked = false;
	uint64_t seen = wait ? gc_seen(gc) : st->made;
	pthread_mutex_unlock(&st->lock);
	gc_wait(gc, seen);
}

static int
sqlite_script(void *impl, const char *sql)
{
	return store_exec_plain(impl, sql);
}

static int
sqlite_begin(void *impl, bool write)
{
	struct sqlite *st = impl;
	st->full = false;
	st->retry = false;
	return store_tx(st, write ? TX_BEGIN_WRITE : TX_BEGIN, false);
}

static bool
sqlite_full(void *impl)
{
	struct sqlite *st = impl;
	return st->full;
}

/* A writer waits for the file's lock (store_busy); a read transaction
 * that came to write after another process wrote has lost (store_note). */
static bool
sqlite_retry(void *impl)
{
	struct sqlite *st = impl;
	return st->retry;
}

static void
sqlite_rollback(void *impl)
{
	struct sqlite *st = impl;
	if (!sqlite3_get_autocommit(st->db))
		store_tx(st, TX_ROLLBACK, true);
}

/* A commit that wrote is numbered for the group commit; made outside
 * store_lock (a command of its own, one thread), it is synced at once. */
static int
sqlite_commit(void *impl)
{
	struct sqlite *st = impl;
	bool wrote = sqlite3_txn_state(st->db, "main") == SQLITE_TXN_WRITE;
	if (wrote)
		gc_commit_begin(&st->gc);
	int rc = store_tx(impl, TX_COMMIT, false);
	uint64_t seq = wrote ? gc_commit_end(&st->gc) : 0;
	if (rc != 0) {
		sqlite_rollback(impl);
		return -1;
	}
	if (wrote) {
		metrics_note(M_STORE_COMMIT);
		st->made = seq;
		if (!st->locked)
			gc_wait(&st->gc, seq);
	}
	return 0;
}

static const char *
sqlite_errmsg(void *impl)
{
	struct sqlite *st = impl;
	return sqlite3_errmsg(st->db);
}

static bool
sqlite_conflict(void *impl)
{
	struct sqlite *st = impl;
	return (st->last_rc & 0xff) == SQLITE_CONSTRAINT;
}

/* Returns a statement to the cache (reset, bindings cleared), or
 * finalizes it when the cache is full. */
static void
store_done(struct sqlite *st, const char *sql, sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	for (int i = 0; i < STMT_CACHE; i++) {
		if (st->cache[i].sql == NULL || st->cache[i].sql == sql ||
		    strcmp(st->cache[i].sql, sql) == 0) {
			if (st->cache[i].stmt)
				break; /* another copy is cached already */
			st->cache[i].sql = sql;
			st->cache[i].stmt = stmt;
			return;
		}
	}
	sqlite3_finalize(stmt);
}

/* Prepares sql (or takes it from the cache) and binds its parameters. */
static sqlite3_stmt *
store_prepare(struct sqlite *st, const char *sql, const struct store_param *p, int n)
{
	sqlite3_stmt *stmt = NULL;
	for (int i = 0; i < STMT_CACHE && st->cache[i].sql; i++)
		if (st->cache[i].sql == sql || strcmp(st->cache[i].sql, sql) == 0) {
			stmt = st->cache[i].stmt;
			st->cache[i].stmt = NULL; /* in use; store_done puts it back */
			if (stmt)
				break;
		}
	if (!stmt) {
		st->last_rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
		if (st->last_rc != SQLITE_OK) {
			store_err("store: prepare failed: %s", sqlite3_errmsg(st->db));
			return NULL;
		}
	}
	for (int i = 0; i < n; i++) {
		int rc = SQLITE_OK;
		switch (p[i].type) {
		case 's':
			rc = p[i].s ? sqlite3_bind_text(stmt, i + 1, p[i].s, -1,
							SQLITE_TRANSIENT)
				    : sqlite3_bind_null(stmt, i + 1);
			break;
		case 'i':
			rc = sqlite3_bind_int64(stmt, i + 1, p[i].i);
			break;
		case 'b':
			rc = sqlite3_bind_blob64(stmt, i + 1, p[i].p, p[i].n,
						 SQLITE_TRANSIENT);
			break;
		default:
			rc = sqlite3_bind_null(stmt, i + 1);
		}
		if (rc != SQLITE_OK) {
			st->last_rc = rc;
			store_err("store: bind %d failed", i + 1);
			store_done(st, sql, stmt);
			return NULL;
		}
	}
	return stmt;
}

static int64_t
sqlite_exec(void *impl, const char *sql, const char *types, const struct store_param *p,
	    int n)
{
	struct sqlite *st = impl;
	(void)types;
	sqlite3_stmt *stmt = store_prepare(st, sql, p, n);
	if (!stmt)
		return -1;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		;
	st->last_rc = store_note(st, rc);
	store_done(st, sql, stmt);
	if (rc != SQLITE_DONE) {
		/* A lost race is not an error: the request runs again. */
		if ((rc & 0xff) != SQLITE_CONSTRAINT && !st->retry)
			store_err("store: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	return sqlite3_changes64(st->db);
}

static json_t *
store_row(sqlite3_stmt *stmt)
{
	json_t *o = json_object();
	int n = sqlite3_column_count(stmt);
	for (int c = 0; c < n; c++) {
		/* The names are the statements' own (ASCII): not checked
		 * again as UTF-8 for every row. */
		const char *name = sqlite3_column_name(stmt, c);
		switch (sqlite3_column_type(stmt, c)) {
		case SQLITE_INTEGER:
			json_object_set_new_nocheck(
				o, name, json_integer(sqlite3_column_int64(stmt, c)));
			break;
		case SQLITE_FLOAT:
			json_object_set_new_nocheck(
				o, name, json_real(sqlite3_column_double(stmt, c)));
			break;
		case SQLITE_TEXT:
			json_object_set_new_nocheck(
				o, name,
				json_stringn((const char *)sqlite3_column_text(stmt, c),
					     (size_t)sqlite3_column_bytes(stmt, c)));
			break;
		case SQLITE_NULL:
			json_object_set_new_nocheck(o, name, json_null());
			break;
		default: /* blobs are fetched with store_query_blob */
			break;
		}
	}
	return o;
}

static json_t *
sqlite_query(void *impl, int limit, const char *sql, const char *types,
	     const struct store_param *p, int n)
{
	struct sqlite *st = impl;
	(void)types;
	sqlite3_stmt *stmt = store_prepare(st, sql, p, n);
	if (!stmt)
		return NULL;
	json_t *rows = json_array();
	int rc;
	while ((limit < 0 || (int)json_array_size(rows) < limit) &&
	       (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		json_array_append_new(rows, store_row(stmt));
	if (limit >= 0 && (int)json_array_size(rows) >= limit)
		rc = SQLITE_DONE;
	st->last_rc = store_note(st, rc);
	store_done(st, sql, stmt);
	if (rc != SQLITE_DONE) {
		store_err("store: %s", sqlite3_errmsg(st->db));
		json_decref(rows);
		return NULL;
	}
	return rows;
}

static int
sqlite_query_int(void *impl, int64_t *v, const char *sql, const char *types,
		 const struct store_param *p, int n)
{
	struct sqlite *st = impl;
	(void)types;
	sqlite3_stmt *stmt = store_prepare(st, sql, p, n);
	if (!stmt)
		return -1;
	int ret = 1;
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
		*v = sqlite3_column_int64(stmt, 0);
		ret = 0;
	}
	store_done(st, sql, stmt);
	return ret;
}

static int
sqlite_query_blob(void *impl, void **out, size_t *len, const char *sql, const char *types,
		  const struct store_param *p, int n)
{
	struct sqlite *st = impl;
	(void)types;
	sqlite3_stmt *stmt = store_prepare(st, sql, p, n);
	if (!stmt)
		return -1;
	int rc = sqlite3_step(stmt), ret;
	if (rc == SQLITE_ROW) {
		size_t size = (size_t)sqlite3_column_bytes(stmt, 0);
		const void *data = sqlite3_column_blob(stmt, 0);
		*out = util_xmalloc(size);
		if (size)
			memcpy(*out, data, size);
		*len = size;
		ret = 0;
	} else {
		ret = rc == SQLITE_DONE ? 1 : -1;
	}
	store_done(st, sql, stmt);
	return ret;
}

const struct store_ops store_sqlite_ops = {
	.open = sqlite_open,
	.open_reader = sqlite_open_reader,
	.read_done = sqlite_read_done,
	.ready = sqlite_ready,
	.close = sqlite_close,
	.lock = sqlite_lock,
	.unlock = sqlite_unlock,
	.script = sqlite_script,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.full = sqlite_full,
	.retry = sqlite_retry,
	.exec = sqlite_exec,
	.query = sqlite_query,
	.query_int = sqlite_query_int,
	.query_blob = sqlite_query_blob,
	.errmsg = sqlite_errmsg,
	.conflict = sqlite_conflict,
};
