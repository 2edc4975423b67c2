/*
 * store.h - the backend's persistent store, in a SQLite file (WAL mode) or
 * on a PostgreSQL server, chosen by the --db value.  Only the store's
 * files (store.c, store_sqlite.c, store_pg.c) know an engine; everything
 * else speaks SQL kept to the portable subset: "?" parameters bound by
 * type, no row ids, ON CONFLICT .. DO UPDATE.
 *
 * Concurrency: every request runs inside one transaction (store_begin ..
 * store_commit or store_rollback), so a crash or kill at any point leaves
 * either all of a state change or none of it.  store_lock() gives the
 * calling thread the store: with SQLite the one writing connection, in
 * turn (store_lock_read: a read connection of its own instead); with
 * PostgreSQL a connection of its own from a pool, whose transactions are
 * SERIALIZABLE: one that lost a race with another (this process's or
 * another instance's) fails, store_must_retry() says so, and the caller
 * runs the whole of its work again.
 *
 * Parameter type strings: 's' text (const char *, NULL binds NULL),
 * 'i' integer (int64_t), 'b' blob (const void *, size_t), 'n' NULL.
 */
#ifndef CAKIOSK_RA_STORE_H
#define CAKIOSK_RA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct store;

/* True when where names a PostgreSQL database (postgresql:// or
 * postgres://, libpq's URI) rather than a SQLite file. */
bool store_is_uri(const char *where);
/* where, to be shown or logged: a URI without its password. */
char *store_where(const char *where);

/* Opens (creating and migrating) the store at where (a file or a URI);
 * NULL + *err on failure. */
struct store *store_open(const char *where, char **err);
void store_close(struct store *st);
/* Schema version after migrations. */
int store_schema_version(struct store *st);

void store_lock(struct store *st);
/* store_lock for a transaction that only reads: with SQLite a read
 * connection of the calling thread's own (WAL), so reads run beside each
 * other and beside the writer; a write on it fails and store_must_retry()
 * says so: run the work again under store_lock.  True when it is such a
 * connection; false when it is store_lock (PostgreSQL, whose connections
 * are per thread already).  store_unlock ends either. */
bool store_lock_read(struct store *st);
void store_unlock(struct store *st);
/* store_unlock for a run that is thrown away (rolled back, its answer not
 * sent: it runs again): it does not wait for the sync of the commits it
 * saw, which its next run, whose answer goes out, waits for instead; while
 * it would, another request's sync held back this request's work outside
 * the lock (a certificate's signatures), and two connections took turns
 * instead of working side by side.  Its own commits, if it made any, are
 * waited for all the same. */
void store_unlock_discard(struct store *st);

/* write: the transaction will write (SQLite takes the write lock at once).
 * 0 or -1. */
int store_begin(struct store *st, bool write);
int store_commit(struct store *st);
void store_rollback(struct store *st);
/* True when a statement since store_begin failed for want of room (a full
 * disk): the transaction cannot be kept; roll it back and answer 503. */
bool store_full(struct store *st);
/* True when a statement or the commit since store_begin failed because a
 * concurrent transaction won (PostgreSQL's serialization failure or
 * deadlock): nothing of it is kept; roll back and run it all again. */
bool store_must_retry(struct store *st);

/* Runs one statement; returns rows changed, or -1 on error. */
int64_t store_exec(struct store *st, const char *sql, const char *types, ...);
/* Every row as a JSON object (column name -> value; blobs are skipped).
 * Returns a new array, or NULL on error. */
json_t *store_query(struct store *st, const char *sql, const char *types, ...);
/* The first row as a new object, or NULL when there is none (or on error). */
json_t *store_query_one(struct store *st, const char *sql, const char *types, ...);
/* First column of the first row as an integer; dflt when there is no row. */
int64_t store_query_int(struct store *st, int64_t dflt, const char *sql,
			const char *types, ...);
/* First column of the first row as a new blob; 0 found, 1 none, -1 error. */
int store_query_blob(struct store *st, void **out, size_t *len, const char *sql,
		     const char *types, ...);
/* A statement deleting at most LIMIT rows of table that match where, in
 * that order of parameters (where's, then the limit): short transactions
 * beside a running server (purge.c).  Literal strings, as the statement
 * cache keys them; key, the table's primary key (its columns, comma
 * separated), names the rows. */
#define STORE_DELETE_SOME(table, key, where)                                             \
	"DELETE FROM " table " WHERE (" key ") IN (SELECT " key " FROM " table           \
	" WHERE " where " LIMIT ?)"

/* Message of the last error (for logs, never shown to clients). */
const char *store_errmsg(struct store *st);
/* True if the last error was a uniqueness violation. */
bool store_last_was_conflict(struct store *st);

#endif
