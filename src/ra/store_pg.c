/*
 * store_pg.c - the store on a PostgreSQL server (store_int.h), through
 * libpq: a pool of connections, one to each thread holding the store;
 * SERIALIZABLE transactions, a lost race reported for the caller to run
 * its work again (store_must_retry); statements prepared once per
 * connection with SQLite's "?" made "$n"; results typed by column type;
 * the schema's SQLite types made PostgreSQL's at migration (the
 * translations in store_pg_sql.c).  No other files include libpq-fe.h.
 */
#include "ra/store_int.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "ra/store_pg_sql.h"

/* Statements prepared on one connection, by text and parameter types (a
 * hash table; the program has fewer than half as many statements). */
#define PREP_SLOTS 1024

/* Two instances opening one database at once migrate it one after the
 * other: a session lock while the schema is made (any constant, the same
 * in every instance). */
#define MIGRATE_LOCK "SELECT pg_advisory_lock(727465)"
#define MIGRATE_UNLOCK "SELECT pg_advisory_unlock(727465)"

struct prep {
	char *sql;   /* the caller's text (a copy), NULL: a free slot */
	char *types; /* its type string */
	uint32_t hash;
};

struct pgconn {
	PGconn *c;
	struct pgconn *next; /* in the pool's idle list */
	struct prep prep[PREP_SLOTS];
	bool full;     /* a statement since begin found no room */
	bool retry;    /* ... lost to a concurrent transaction */
	bool write;    /* begun by a request that writes (counted at commit) */
	char state[6]; /* SQLSTATE of the last error */
	char msg[256]; /* its message (for logs) */
};

struct store_pg {
	char *conninfo;
	struct pgconn *main; /* the thread that holds no lock (admin, start) */
	pthread_mutex_t mu;  /* guards idle */
	struct pgconn *idle;
};

/* The connection the calling thread holds (store_lock), and of which store. */
static _Thread_local struct store_pg *held_pg;
static _Thread_local struct pgconn *held;

static struct pgconn *
pg_conn(struct store_pg *pg)
{
	return held_pg == pg ? held : pg->main;
}

static void
prep_clear(struct pgconn *k)
{
	for (int i = 0; i < PREP_SLOTS; i++) {
		free(k->prep[i].sql);
		free(k->prep[i].types);
		k->prep[i] = (struct prep){0};
	}
}

/* libpq's notices (a NOTICE of CREATE TABLE IF NOT EXISTS) are not the
 * server's errors: dropped. */
static void
pg_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static void
pg_set_msg(struct pgconn *k, const char *state, const char *msg)
{
	snprintf(k->state, sizeof k->state, "%s", state ? state : "");
	snprintf(k->msg, sizeof k->msg, "%s", msg ? msg : "unknown error");
	size_t n = strlen(k->msg);
	while (n && (k->msg[n - 1] == '\n' || k->msg[n - 1] == ' '))
		k->msg[--n] = '\0';
}

static struct pgconn *
pg_connect(const char *conninfo)
{
	struct pgconn *k = util_xcalloc(1, sizeof *k);
	k->c = PQconnectdb(conninfo);
	if (k->c)
		PQsetNoticeProcessor(k->c, pg_notice, NULL);
	if (!k->c || PQstatus(k->c) != CONNECTION_OK)
		pg_set_msg(k, "08006", k->c ? PQerrorMessage(k->c) : "out of memory");
	return k;
}

static void
pg_disconnect(struct pgconn *k)
{
	if (!k)
		return;
	prep_clear(k);
	PQfinish(k->c);
	free(k);
}

/* A connection the server closed (a restart) is opened again; its
 * prepared statements went with it.  False when the server is not there.
 * libpq learns of the close only by reading: what the server sent since
 * the last use (its goodbye, or the end of the stream) is read first, so
 * that the first statement after a restart does not fail. */
static bool
pg_alive(struct pgconn *k)
{
	if (k->c && PQstatus(k->c) == CONNECTION_OK && PQconsumeInput(k->c) &&
	    PQstatus(k->c) == CONNECTION_OK)
		return true;
	prep_clear(k);
	if (k->c)
		PQreset(k->c);
	if (k->c && PQstatus(k->c) == CONNECTION_OK) {
		log_info("store: connection to the server made again");
		return true;
	}
	pg_set_msg(k, "08006", k->c ? PQerrorMessage(k->c) : "no connection");
	store_err("store: no connection to the server: %s", k->msg);
	return false;
}

/* The error of res (or of the connection when NULL): kept for errmsg and
 * the flags, and logged unless it is a lost race (run again, not an error)
 * or, with quiet_conflict, a constraint the caller asked about. */
static void
pg_fail(struct pgconn *k, const PGresult *res, bool quiet_conflict)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	pg_set_msg(k, state, msg ? msg : PQerrorMessage(k->c));
	if (strcmp(k->state, "40001") == 0 || strcmp(k->state, "40P01") == 0) {
		k->retry = true;
		return;
	}
	if (k->retry) /* what fails after the lost race: "transaction aborted" */
		return;
	if (strcmp(k->state, "53100") == 0) /* disk_full */
		k->full = true;
	if (quiet_conflict && strncmp(k->state, "23", 2) == 0)
		return;
	store_err("store: %s", k->msg);
}

/* Runs a statement of no parameters and no rows; 0 or -1. */
static int
pg_plain(struct pgconn *k, const char *sql)
{
	PGresult *res = PQexec(k->c, sql);
	int rc = 0;
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		pg_fail(k, res, false);
		rc = -1;
	}
	PQclear(res);
	return rc;
}

static void pg_close(void *impl);

static void *
pg_open(const char *where, char **err)
{
	struct store_pg *pg = util_xcalloc(1, sizeof *pg);
	pg->conninfo = util_xstrdup(where);
	pthread_mutex_init(&pg->mu, NULL);
	pg->main = pg_connect(where);
	if (PQstatus(pg->main->c) != CONNECTION_OK) {
		/* libpq's message names the server, never the password */
		char *shown = store_where(where);
		*err = util_xasprintf("cannot open store %s: %s", shown, pg->main->msg);
		free(shown);
		pg_close(pg);
		return NULL;
	}
	if (pg_plain(pg->main, MIGRATE_LOCK) != 0) {
		*err = util_xasprintf("cannot lock the store's schema: %s",
				      pg->main->msg);
		pg_close(pg);
		return NULL;
	}
	return pg;
}

static void
pg_ready(void *impl, const char *where)
{
	struct store_pg *pg = impl;
	(void)where;
	pg_plain(pg->main, MIGRATE_UNLOCK);
}

static void
pg_close(void *impl)
{
	struct store_pg *pg = impl;
	pg_disconnect(pg->main);
	while (pg->idle) {
		struct pgconn *k = pg->idle;
		pg->idle = k->next;
		pg_disconnect(k);
	}
	util_wipe_str(pg->conninfo); /* it may hold a password */
	free(pg->conninfo);
	pthread_mutex_destroy(&pg->mu);
	free(pg);
}

/* The calling thread takes a connection of the pool (a new one when all
 * are taken): the server, not this process, orders the transactions. */
static void
pg_lock(void *impl)
{
	struct store_pg *pg = impl;
	pthread_mutex_lock(&pg->mu);
	struct pgconn *k = pg->idle;
	if (k)
		pg->idle = k->next;
	pthread_mutex_unlock(&pg->mu);
	if (!k)
		k = pg_connect(pg->conninfo);
	else
		pg_alive(k);
	k->retry = k->full = false; /* of the previous holder's transaction */
	held_pg = pg;
	held = k;
}

/* PostgreSQL answers a COMMIT once it is durable: no wait here. */
static void
pg_unlock(void *impl, bool wait)
{
	(void)wait;
	struct store_pg *pg = impl;
	struct pgconn *k = held;
	if (held_pg != pg || !k)
		return;
	if (k->c && PQtransactionStatus(k->c) != PQTRANS_IDLE)
		pg_plain(k, "ROLLBACK");
	held_pg = NULL;
	held = NULL;
	pthread_mutex_lock(&pg->mu);
	k->next = pg->idle;
	pg->idle = k;
	pthread_mutex_unlock(&pg->mu);
}

static int
pg_script(void *impl, const char *sql)
{
	struct pgconn *k = pg_conn(impl);
	char *text = pg_schema(sql);
	int rc = pg_plain(k, text);
	free(text);
	return rc;
}

/* SERIALIZABLE: a transaction sees and leaves the store as if it had run
 * alone, whatever other connections or instances do; the server fails the
 * loser of a race (40001) rather than let both act on what they read. */
static int
pg_begin(void *impl, bool write)
{
	struct pgconn *k = pg_conn(impl);
	k->write = write;
	k->full = false;
	k->retry = false;
	if (!pg_alive(k))
		return -1;
	PGresult *res = PQexec(k->c, "BEGIN ISOLATION LEVEL SERIALIZABLE");
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQstatus(k->c) == CONNECTION_BAD) {
		/* The server went away since this connection's last use
		 * (restarted): the first request after it need not fail. */
		PQclear(res);
		if (!pg_alive(k))
			return -1;
		res = PQexec(k->c, "BEGIN ISOLATION LEVEL SERIALIZABLE");
	}
	int rc = 0;
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_fail(k, res, false);
		rc = -1;
	}
	PQclear(res);
	return rc;
}

static void
pg_rollback(void *impl)
{
	struct pgconn *k = pg_conn(impl);
	if (k->c && PQtransactionStatus(k->c) != PQTRANS_IDLE &&
	    PQtransactionStatus(k->c) != PQTRANS_UNKNOWN) {
		PGresult *res = PQexec(k->c, "ROLLBACK");
		PQclear(res);
	}
}

static int
pg_commit(void *impl)
{
	struct pgconn *k = pg_conn(impl);
	if (PQtransactionStatus(k->c) != PQTRANS_INTRANS) {
		/* A statement failed (the server ended the transaction):
		 * COMMIT would say ROLLBACK and succeed. */
		if (!k->retry)
			pg_set_msg(k, "25P02",
				   "the transaction failed before its commit");
		pg_rollback(impl);
		return -1;
	}
	if (pg_plain(k, "COMMIT") != 0) {
		pg_rollback(impl);
		return -1;
	}
	/* The server shares its WAL's flushes between commits itself: no
	 * sync of ours is counted. */
	if (k->write)
		metrics_note(M_STORE_COMMIT);
	return 0;
}

static bool
pg_full(void *impl)
{
	return pg_conn(impl)->full;
}

static bool
pg_retry(void *impl)
{
	return pg_conn(impl)->retry;
}

static const char *
pg_errmsg(void *impl)
{
	return pg_conn(impl)->msg;
}

static bool
pg_conflict(void *impl)
{
	return strncmp(pg_conn(impl)->state, "23", 2) == 0;
}

/* The name of sql prepared on k (prepared now if it is not yet), written
 * to name; false on error, with the server's answer in *fail (NULL: the
 * error is logged already). */
static bool
pg_prepared(struct pgconn *k, const char *sql, const char *types, char *name, size_t size,
	    PGresult **fail)
{
	*fail = NULL;
	uint32_t h = pg_hash(types, pg_hash(sql, 2166136261u));
	size_t i = h % PREP_SLOTS;
	for (size_t tries = 0; tries < PREP_SLOTS; tries++, i = (i + 1) % PREP_SLOTS) {
		struct prep *p = &k->prep[i];
		if (p->sql && p->hash == h && strcmp(p->sql, sql) == 0 &&
		    strcmp(p->types, types) == 0) {
			snprintf(name, size, "s%zu", i);
			return true;
		}
		if (p->sql)
			continue;
		/* Integers are sent as int8; the rest the server types by
		 * where they stand (text, or a bigint compared with one). */
		Oid oid[STORE_MAX_PARAMS];
		int n = 0;
		for (const char *t = types; *t && n < STORE_MAX_PARAMS; t++, n++)
			oid[n] = *t == 'i' ? OID_INT8 : *t == 'b' ? OID_BYTEA : 0;
		char *text = pg_numbered(sql);
		snprintf(name, size, "s%zu", i);
		PGresult *res = PQprepare(k->c, name, text, n, oid);
		free(text);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			*fail = res;
			return false;
		}
		PQclear(res);
		*p = (struct prep){util_xstrdup(sql), util_xstrdup(types), h};
		return true;
	}
	pg_set_msg(k, "54000", "too many distinct statements");
	store_err("store: %s", k->msg);
	return false;
}

/* Runs sql with its parameters; the result (rows in text, or in binary
 * with binary), or NULL after an error (kept in k). */
static PGresult *
pg_run(struct pgconn *k, const char *sql, const char *types, const struct store_param *p,
       int n, bool binary, bool quiet_conflict)
{
	if (!k->c)
		return NULL;
	if (k->retry && PQtransactionStatus(k->c) != PQTRANS_IDLE)
		return NULL; /* the transaction is lost already: no more of it */
	k->retry = false;    /* that of an earlier transaction */
	const char *val[STORE_MAX_PARAMS];
	int len[STORE_MAX_PARAMS], fmt[STORE_MAX_PARAMS];
	char num[STORE_MAX_PARAMS][24];
	for (int i = 0; i < n; i++) {
		len[i] = 0;
		fmt[i] = 0;
		switch (p[i].type) {
		case 's':
			val[i] = p[i].s;
			break;
		case 'i':
			snprintf(num[i], sizeof num[i], "%" PRId64, p[i].i);
			val[i] = num[i];
			break;
		case 'b':
			/* an empty blob is not NULL */
			val[i] = p[i].p ? (const char *)p[i].p : "";
			len[i] = (int)p[i].n;
			fmt[i] = 1;
			break;
		default:
			val[i] = NULL;
		}
	}
	for (int tries = 0;; tries++) {
		bool idle = PQtransactionStatus(k->c) == PQTRANS_IDLE;
		char name[16];
		PGresult *res;
		bool prepared = pg_prepared(k, sql, types, name, sizeof name, &res);
		if (!prepared && !res)
			return NULL;
		if (prepared)
			res = PQexecPrepared(k->c, name, n, val, len, fmt,
					     binary ? 1 : 0);
		ExecStatusType rs = PQresultStatus(res);
		if (prepared && (rs == PGRES_COMMAND_OK || rs == PGRES_TUPLES_OK))
			return res;
		/* Outside a transaction, on a connection the server closed
		 * (restarted) unnoticed: once more on a new one. */
		if (tries == 0 && idle && PQstatus(k->c) == CONNECTION_BAD &&
		    pg_alive(k)) {
			PQclear(res);
			continue;
		}
		pg_fail(k, res, quiet_conflict);
		PQclear(res);
		return NULL;
	}
}

/* A failed statement ends a PostgreSQL transaction, a SQLite one goes on
 * (a caller may try an INSERT and look at store_last_was_conflict): in a
 * transaction each write runs in a savepoint, undone alone on error. */
static int64_t
pg_exec(void *impl, const char *sql, const char *types, const struct store_param *p,
	int n)
{
	struct pgconn *k = pg_conn(impl);
	bool sp = k->c && PQtransactionStatus(k->c) == PQTRANS_INTRANS &&
		  !pg_is_savepoint(sql);
	if (sp && pg_plain(k, "SAVEPOINT store_stmt") != 0)
		return -1;
	PGresult *res = pg_run(k, sql, types, p, n, false, true);
	if (!res) {
		if (sp && !k->retry && PQtransactionStatus(k->c) == PQTRANS_INERROR) {
			char state[6], msg[256];
			memcpy(state, k->state, sizeof state);
			memcpy(msg, k->msg, sizeof msg);
			pg_plain(k, "ROLLBACK TO SAVEPOINT store_stmt");
			pg_plain(k, "RELEASE SAVEPOINT store_stmt");
			memcpy(k->state, state, sizeof state);
			memcpy(k->msg, msg, sizeof msg);
		}
		return -1;
	}
	const char *tuples = PQcmdTuples(res);
	int64_t changed = *tuples ? strtoll(tuples, NULL, 10) : 0;
	PQclear(res);
	if (sp && pg_plain(k, "RELEASE SAVEPOINT store_stmt") != 0)
		return -1;
	return changed;
}

static json_t *
pg_query(void *impl, int limit, const char *sql, const char *types,
	 const struct store_param *p, int n)
{
	struct pgconn *k = pg_conn(impl);
	PGresult *res = pg_run(k, sql, types, p, n, false, false);
	if (!res)
		return NULL;
	json_t *rows = json_array();
	int nrows = PQntuples(res), ncols = PQnfields(res);
	for (int r = 0; r < nrows && (limit < 0 || r < limit); r++) {
		json_t *o = json_object();
		for (int c = 0; c < ncols; c++) {
			json_t *v = pg_value(res, r, c);
			if (v)
				json_object_set_new(o, PQfname(res, c), v);
		}
		json_array_append_new(rows, o);
	}
	PQclear(res);
	return rows;
}

static int
pg_query_int(void *impl, int64_t *v, const char *sql, const char *types,
	     const struct store_param *p, int n)
{
	struct pgconn *k = pg_conn(impl);
	PGresult *res = pg_run(k, sql, types, p, n, false, false);
	if (!res)
		return -1;
	int ret = 1;
	if (PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0)) {
		const char *s = PQgetvalue(res, 0, 0);
		*v = PQftype(res, 0) == OID_BOOL ? *s == 't' : strtoll(s, NULL, 10);
		ret = 0;
	}
	PQclear(res);
	return ret;
}

static int
pg_query_blob(void *impl, void **out, size_t *len, const char *sql, const char *types,
	      const struct store_param *p, int n)
{
	struct pgconn *k = pg_conn(impl);
	PGresult *res = pg_run(k, sql, types, p, n, true, false);
	if (!res)
		return -1;
	int ret = 1;
	if (PQntuples(res) > 0 && PQnfields(res) > 0) {
		size_t size = (size_t)PQgetlength(res, 0, 0);
		*out = util_xmalloc(size);
		if (size)
			memcpy(*out, PQgetvalue(res, 0, 0), size);
		*len = size;
		ret = 0;
	}
	PQclear(res);
	return ret;
}

const struct store_ops store_pg_ops = {
	.open = pg_open,
	.ready = pg_ready,
	.close = pg_close,
	.lock = pg_lock,
	.unlock = pg_unlock,
	.script = pg_script,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.full = pg_full,
	.retry = pg_retry,
	.exec = pg_exec,
	.query = pg_query,
	.query_int = pg_query_int,
	.query_blob = pg_query_blob,
	.errmsg = pg_errmsg,
	.conflict = pg_conflict,
};
