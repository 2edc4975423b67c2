/*
 * store.c - the SQLite store: open, WAL, schema migrations, transactions and
 * typed statement functions (see store.h).  No other file includes sqlite3.h.
 */
#include "ra/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "ra/metrics.h"
#include "ra/store_schema.h"
#include "ra/util.h"

/* Prepared statements are kept for reuse: parsing SQL was the largest cost
 * of a read.  Keyed by the SQL text (callers pass string literals). */
#define STMT_CACHE 96

struct store {
	sqlite3 *db;
	pthread_mutex_t lock;
	int last_rc;
	bool full; /* a statement since store_begin found no room */
	struct {
		const char *sql;
		sqlite3_stmt *stmt;
	} cache[STMT_CACHE];
};

/* A write the disk refused: SQLite says SQLITE_FULL for ENOSPC, and an
 * I/O error where the file system fails the write itself. */
static int
store_note(struct store *st, int rc)
{
	if ((rc & 0xff) == SQLITE_FULL || (rc & 0xff) == SQLITE_IOERR)
		st->full = true;
	return rc;
}

/* A failed statement: logged and counted (GET /metrics). */
#define store_err(...) (metrics_note(M_STORE_ERROR), log_err(__VA_ARGS__))

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
store_exec_plain(struct store *st, const char *sql)
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

static int
store_migrate(struct store *st, char **err)
{
	if (store_exec_plain(st, "CREATE TABLE IF NOT EXISTS schema_version("
				 "version INTEGER NOT NULL)") != 0)
		goto fail;
	int v = (int)store_query_int(st, -1, "SELECT version FROM schema_version", "");
	if (v < 0) {
		if (store_exec(st, "INSERT INTO schema_version(version) VALUES(0)", "") <
		    0)
			goto fail;
		v = 0;
	}
	if (v > store_n_migrations) {
		*err = util_xasprintf(
			"store schema version %d is newer than this program (%d)", v,
			store_n_migrations);
		return -1;
	}
	for (; v < store_n_migrations; v++) {
		if (store_begin(st, true) != 0)
			goto fail;
		if (store_exec_plain(st, store_migrations[v]) != 0 ||
		    store_exec(st, "UPDATE schema_version SET version = ?", "i",
			       (int64_t)(v + 1)) < 0) {
			store_rollback(st);
			goto fail;
		}
		if (store_commit(st) != 0)
			goto fail;
		log_info("store: migrated schema to version %d", v + 1);
	}
	return 0;
fail:
	*err = util_xasprintf("store migration failed: %s", sqlite3_errmsg(st->db));
	return -1;
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

struct store *
store_open(const char *path, char **err)
{
	struct store *st = util_xcalloc(1, sizeof *st);
	pthread_mutex_init(&st->lock, NULL);
	int rc = sqlite3_open_v2(
		path, &st->db,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		*err = util_xasprintf("cannot open store %s: %s", path,
				      st->db ? sqlite3_errmsg(st->db)
					     : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_handler(st->db, store_busy, NULL);
	sqlite3_extended_result_codes(st->db, 1);
	/* WAL + synchronous=FULL: a committed transaction survives a kill -9
	 * and a power cut. */
	if (store_exec_plain(st, "PRAGMA journal_mode=WAL") != 0 ||
	    store_exec_plain(st, "PRAGMA synchronous=FULL") != 0 ||
	    store_exec_plain(st, "PRAGMA foreign_keys=ON") != 0) {
		*err = util_xasprintf("cannot set up store %s: %s", path,
				      sqlite3_errmsg(st->db));
		goto fail;
	}
	if (store_migrate(st, err) != 0)
		goto fail;
	store_private(path);
	return st;
fail:
	store_close(st);
	return NULL;
}

void
store_close(struct store *st)
{
	if (!st)
		return;
	for (int i = 0; i < STMT_CACHE; i++)
		if (st->cache[i].stmt)
			sqlite3_finalize(st->cache[i].stmt);
	if (st->db)
		sqlite3_close_v2(st->db);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

int
store_schema_version(struct store *st)
{
	return (int)store_query_int(st, 0, "SELECT version FROM schema_version", "");
}

void
store_lock(struct store *st)
{
	pthread_mutex_lock(&st->lock);
}

void
store_unlock(struct store *st)
{
	pthread_mutex_unlock(&st->lock);
}

int
store_begin(struct store *st, bool write)
{
	st->full = false;
	return store_exec_plain(st, write ? "BEGIN IMMEDIATE" : "BEGIN");
}

bool
store_full(struct store *st)
{
	return st->full;
}

int
store_commit(struct store *st)
{
	if (store_exec_plain(st, "COMMIT") != 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

const char *
store_errmsg(struct store *st)
{
	return sqlite3_errmsg(st->db);
}

bool
store_last_was_conflict(struct store *st)
{
	return (st->last_rc & 0xff) == SQLITE_CONSTRAINT;
}

/* Returns a statement to the cache (reset, bindings cleared), or
 * finalizes it when the cache is full. */
static void
store_done(struct store *st, const char *sql, sqlite3_stmt *stmt)
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

/* Prepares sql (or takes it from the cache) and binds the arguments
 * described by types. */
static sqlite3_stmt *
store_prepare(struct store *st, const char *sql, const char *types, va_list ap)
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
	int i = 1;
	for (const char *t = types; *t; t++, i++) {
		int rc = SQLITE_OK;
		switch (*t) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			rc = s ? sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT)
			       : sqlite3_bind_null(stmt, i);
			break;
		}
		case 'i':
			rc = sqlite3_bind_int64(stmt, i, va_arg(ap, int64_t));
			break;
		case 'b': {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);
			rc = sqlite3_bind_blob64(stmt, i, p, n, SQLITE_TRANSIENT);
			break;
		}
		case 'n':
			rc = sqlite3_bind_null(stmt, i);
			break;
		default:
			rc = SQLITE_MISUSE;
		}
		if (rc != SQLITE_OK) {
			st->last_rc = rc;
			store_err("store: bind %d failed", i);
			store_done(st, sql, stmt);
			return NULL;
		}
	}
	return stmt;
}

int64_t
store_exec(struct store *st, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	sqlite3_stmt *stmt = store_prepare(st, sql, types, ap);
	va_end(ap);
	if (!stmt)
		return -1;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		;
	st->last_rc = store_note(st, rc);
	store_done(st, sql, stmt);
	if (rc != SQLITE_DONE) {
		if ((rc & 0xff) != SQLITE_CONSTRAINT)
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
		const char *name = sqlite3_column_name(stmt, c);
		switch (sqlite3_column_type(stmt, c)) {
		case SQLITE_INTEGER:
			json_object_set_new(o, name,
					    json_integer(sqlite3_column_int64(stmt, c)));
			break;
		case SQLITE_FLOAT:
			json_object_set_new(o, name,
					    json_real(sqlite3_column_double(stmt, c)));
			break;
		case SQLITE_TEXT:
			json_object_set_new(
				o, name,
				json_stringn((const char *)sqlite3_column_text(stmt, c),
					     (size_t)sqlite3_column_bytes(stmt, c)));
			break;
		case SQLITE_NULL:
			json_object_set_new(o, name, json_null());
			break;
		default: /* blobs are fetched with store_query_blob */
			break;
		}
	}
	return o;
}

static json_t *
store_vquery(struct store *st, int limit, const char *sql, const char *types, va_list ap)
{
	sqlite3_stmt *stmt = store_prepare(st, sql, types, ap);
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

json_t *
store_query(struct store *st, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	json_t *rows = store_vquery(st, -1, sql, types, ap);
	va_end(ap);
	return rows;
}

json_t *
store_query_one(struct store *st, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	json_t *rows = store_vquery(st, 1, sql, types, ap);
	va_end(ap);
	if (!rows)
		return NULL;
	json_t *row = json_array_get(rows, 0);
	json_incref(row);
	json_decref(rows);
	return row;
}

int64_t
store_query_int(struct store *st, int64_t dflt, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	sqlite3_stmt *stmt = store_prepare(st, sql, types, ap);
	va_end(ap);
	if (!stmt)
		return dflt;
	int64_t v = dflt;
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(stmt, 0);
	store_done(st, sql, stmt);
	return v;
}

int
store_query_blob(struct store *st, void **out, size_t *len, const char *sql,
		 const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	sqlite3_stmt *stmt = store_prepare(st, sql, types, ap);
	va_end(ap);
	if (!stmt)
		return -1;
	int rc = sqlite3_step(stmt), ret;
	if (rc == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(stmt, 0);
		const void *p = sqlite3_column_blob(stmt, 0);
		*out = util_xmalloc(n);
		if (n)
			memcpy(*out, p, n);
		*len = n;
		ret = 0;
	} else {
		ret = rc == SQLITE_DONE ? 1 : -1;
	}
	store_done(st, sql, stmt);
	return ret;
}
