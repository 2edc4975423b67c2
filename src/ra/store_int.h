/*
 * store_int.h - what store.c shares with its two engines, store_sqlite.c
 * (a file) and store_pg.c (a PostgreSQL server): the operations each
 * implements, with the arguments of a statement already read from the
 * caller's type string.  Only the store's own files include it.
 */
#ifndef CAKIOSK_RA_STORE_INT_H
#define CAKIOSK_RA_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ra/metrics.h"
#include "ra/store.h"
#include "ra/util.h"

/* The most parameters a statement takes. */
#define STORE_MAX_PARAMS 32

/* One bound parameter: type 's' (s, NULL for NULL), 'i' (i), 'b' (p, n)
 * or 'n' (NULL). */
struct store_param {
	char type;
	const char *s;
	int64_t i;
	const void *p;
	size_t n;
};

/* An engine.  impl is what its open returned.  limit < 0: every row. */
struct store_ops {
	void *(*open)(const char *where, char **err);
	/* A connection for transactions that only read (store_lock_read), on
	 * which a write fails and asks for a rerun (retry); NULL: the engine
	 * has none (store_lock_read is store_lock). */
	void *(*open_reader)(void *writer, const char *where, char **err);
	/* After a read on a reader; wait: its answer goes out (store_unlock,
	 * not store_unlock_discard). */
	void (*read_done)(void *reader, bool wait);
	/* After the migrations (store.c), before any request. */
	void (*ready)(void *impl, const char *where);
	void (*close)(void *impl);
	void (*lock)(void *impl);
	void (*unlock)(void *impl, bool wait); /* wait: as read_done's */
	/* Statements without parameters, several in one text (migrations). */
	int (*script)(void *impl, const char *sql);
	int (*begin)(void *impl, bool write);
	int (*commit)(void *impl);
	void (*rollback)(void *impl);
	bool (*full)(void *impl);
	bool (*retry)(void *impl);
	int64_t (*exec)(void *impl, const char *sql, const char *types,
			const struct store_param *p, int n);
	json_t *(*query)(void *impl, int limit, const char *sql, const char *types,
			 const struct store_param *p, int n);
	/* First column of the first row: 0 found (not NULL), 1 none, -1 error. */
	int (*query_int)(void *impl, int64_t *v, const char *sql, const char *types,
			 const struct store_param *p, int n);
	int (*query_blob)(void *impl, void **out, size_t *len, const char *sql,
			  const char *types, const struct store_param *p, int n);
	const char *(*errmsg)(void *impl);
	bool (*conflict)(void *impl);
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

/* A failed statement: logged and counted (GET /metrics). */
#define store_err(...) (metrics_note(M_STORE_ERROR), log_err(__VA_ARGS__))

#endif
