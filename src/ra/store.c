/*
 * store.c - the store's one interface over two engines (see store.h): the
 * --db value chooses SQLite (a file) or PostgreSQL (a postgresql:// URI);
 * the arguments of a statement are read here once, by their type string,
 * and the schema is migrated here for both.
 */
#include "ra/store.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ra/store_int.h"
#include "ra/store_schema.h"

/* A read connection (store_lock_read), free or held by a thread. */
struct reader {
	void *impl;
	struct reader *next_free, *next_all;
};

struct store {
	const struct store_ops *ops;
	void *impl;  /* the writer (SQLite), or the engine (PostgreSQL) */
	char *where; /* to open read connections */
	pthread_mutex_t readers_mu;
	struct reader *free_readers, *all_readers;
};

/* The read connection the calling thread holds, and of which store: the
 * statements of its transaction go there. */
static _Thread_local struct store *held_store;
static _Thread_local struct reader *held_reader;

static void *
impl_of(const struct store *st)
{
	return held_store == st ? held_reader->impl : st->impl;
}

bool
store_is_uri(const char *where)
{
	return strncmp(where, "postgresql://", 13) == 0 ||
	       strncmp(where, "postgres://", 11) == 0;
}

char *
store_where(const char *where)
{
	if (!store_is_uri(where))
		return util_xstrdup(where);
	/* postgresql://user:secret@host/db?password=secret: neither secret
	 * is said; what stays names the server and the database. */
	char *out = util_xstrdup(where);
	char *auth = strstr(out, "://") + 3, *at = strchr(auth, '@');
	char *path = auth + strcspn(auth, "/?");
	if (at && at < path) {
		char *colon = memchr(auth, ':', (size_t)(at - auth));
		if (colon)
			memmove(colon, at, strlen(at) + 1);
	}
	char *pw = strstr(out, "?password=");
	if (!pw)
		pw = strstr(out, "&password=");
	if (pw) {
		char *end = pw + 1 + strcspn(pw + 1, "&");
		if (*pw == '?' && *end == '&')
			end++; /* the next one becomes the first */
		memmove(*pw == '?' ? pw + 1 : pw, end, strlen(end) + 1);
	}
	return out;
}

/* Reads the arguments types describes; -1 (logged) when there are too
 * many or a type is unknown. */
static int
store_params(const char *types, va_list ap, struct store_param *p)
{
	int n = 0;
	for (const char *t = types; *t; t++, n++) {
		if (n == STORE_MAX_PARAMS) {
			store_err("store: more than %d parameters", STORE_MAX_PARAMS);
			return -1;
		}
		p[n] = (struct store_param){.type = *t};
		switch (*t) {
		case 's':
			p[n].s = va_arg(ap, const char *);
			break;
		case 'i':
			p[n].i = va_arg(ap, int64_t);
			break;
		case 'b':
			p[n].p = va_arg(ap, const void *);
			p[n].n = va_arg(ap, size_t);
			break;
		case 'n':
			break;
		default:
			store_err("store: unknown parameter type '%c'", *t);
			return -1;
		}
	}
	return n;
}

static int
store_migrate(struct store *st, char **err)
{
	const struct store_ops *o = st->ops;
	if (o->script(st->impl, "CREATE TABLE IF NOT EXISTS schema_version("
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
		if (o->script(st->impl, store_migrations[v]) != 0 ||
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
	*err = util_xasprintf("store migration failed: %s", o->errmsg(st->impl));
	return -1;
}

struct store *
store_open(const char *where, char **err)
{
	struct store *st = util_xcalloc(1, sizeof *st);
	pthread_mutex_init(&st->readers_mu, NULL);
	st->where = util_xstrdup(where);
	st->ops = store_is_uri(where) ? &store_pg_ops : &store_sqlite_ops;
	st->impl = st->ops->open(where, err);
	if (!st->impl || store_migrate(st, err) != 0) {
		store_close(st);
		return NULL;
	}
	st->ops->ready(st->impl, where);
	return st;
}

void
store_close(struct store *st)
{
	if (!st)
		return;
	if (st->impl)
		st->ops->close(st->impl);
	for (struct reader *rd = st->all_readers, *next; rd; rd = next) {
		next = rd->next_all;
		st->ops->close(rd->impl);
		free(rd);
	}
	pthread_mutex_destroy(&st->readers_mu);
	util_wipe_str(st->where); /* a URI may hold a password */
	free(st->where);
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
	st->ops->lock(st->impl);
}

bool
store_lock_read(struct store *st)
{
	if (!st->ops->open_reader) {
		store_lock(st);
		return false;
	}
	pthread_mutex_lock(&st->readers_mu);
	struct reader *rd = st->free_readers;
	if (rd)
		st->free_readers = rd->next_free;
	pthread_mutex_unlock(&st->readers_mu);
	if (!rd) { /* a thread's first read: a connection of its own */
		char *err = NULL;
		void *impl = st->ops->open_reader(st->impl, st->where, &err);
		if (!impl) { /* reads take turns on the writer, as before */
			log_warn("store: no read connection: %s", err);
			free(err);
			store_lock(st);
			return false;
		}
		rd = util_xcalloc(1, sizeof *rd);
		rd->impl = impl;
		pthread_mutex_lock(&st->readers_mu);
		rd->next_all = st->all_readers;
		st->all_readers = rd;
		pthread_mutex_unlock(&st->readers_mu);
	}
	held_store = st;
	held_reader = rd;
	return true;
}

static void
store_unlock_as(struct store *st, bool wait)
{
	if (held_store != st) {
		st->ops->unlock(st->impl, wait);
		return;
	}
	struct reader *rd = held_reader;
	held_store = NULL;
	held_reader = NULL;
	if (st->ops->read_done)
		st->ops->read_done(rd->impl, wait);
	pthread_mutex_lock(&st->readers_mu);
	rd->next_free = st->free_readers;
	st->free_readers = rd;
	pthread_mutex_unlock(&st->readers_mu);
}

void
store_unlock(struct store *st)
{
	store_unlock_as(st, true);
}

void
store_unlock_discard(struct store *st)
{
	store_unlock_as(st, false);
}

int
store_begin(struct store *st, bool write)
{
	return st->ops->begin(impl_of(st), write);
}

int
store_commit(struct store *st)
{
	return st->ops->commit(impl_of(st));
}

void
store_rollback(struct store *st)
{
	st->ops->rollback(impl_of(st));
}

bool
store_full(struct store *st)
{
	return st->ops->full(impl_of(st));
}

bool
store_must_retry(struct store *st)
{
	return st->ops->retry(impl_of(st));
}

const char *
store_errmsg(struct store *st)
{
	return st->ops->errmsg(impl_of(st));
}

bool
store_last_was_conflict(struct store *st)
{
	return st->ops->conflict(impl_of(st));
}

int64_t
store_exec(struct store *st, const char *sql, const char *types, ...)
{
	struct store_param p[STORE_MAX_PARAMS];
	va_list ap;
	va_start(ap, types);
	int n = store_params(types, ap, p);
	va_end(ap);
	return n < 0 ? -1 : st->ops->exec(impl_of(st), sql, types, p, n);
}

static json_t *
store_vquery(struct store *st, int limit, const char *sql, const char *types, va_list ap)
{
	struct store_param p[STORE_MAX_PARAMS];
	int n = store_params(types, ap, p);
	return n < 0 ? NULL : st->ops->query(impl_of(st), limit, sql, types, p, n);
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
	struct store_param p[STORE_MAX_PARAMS];
	va_list ap;
	va_start(ap, types);
	int n = store_params(types, ap, p);
	va_end(ap);
	int64_t v = dflt;
	if (n < 0 || st->ops->query_int(impl_of(st), &v, sql, types, p, n) != 0)
		return dflt;
	return v;
}

int
store_query_blob(struct store *st, void **out, size_t *len, const char *sql,
		 const char *types, ...)
{
	struct store_param p[STORE_MAX_PARAMS];
	va_list ap;
	va_start(ap, types);
	int n = store_params(types, ap, p);
	va_end(ap);
	return n < 0 ? -1 : st->ops->query_blob(impl_of(st), out, len, sql, types, p, n);
}
