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

#include <sqlite3.h>

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

/*
 * Schema migrations: entry i takes the schema from version i to i+1.  Never
 * edit a released entry; append a new one.
 */
static const char *const migrations[] = {
	/* 1: the whole first schema */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE units(credit_code TEXT PRIMARY KEY, name TEXT NOT NULL,"
	" legal_rep_name TEXT NOT NULL, legal_rep_id TEXT NOT NULL,"
	" legal_rep_mobile TEXT NOT NULL, agent_name TEXT NOT NULL,"
	" agent_id TEXT NOT NULL, agent_mobile TEXT NOT NULL,"
	" address TEXT NOT NULL, postcode TEXT NOT NULL, email TEXT NOT NULL,"
	" bank_name TEXT NOT NULL, bank_account TEXT NOT NULL);"
	"CREATE TABLE persons(id_number TEXT PRIMARY KEY, name TEXT NOT NULL,"
	" mobile TEXT NOT NULL, address TEXT NOT NULL, postcode TEXT NOT NULL,"
	" email TEXT NOT NULL, bank_account TEXT NOT NULL);"
	"CREATE TABLE idempotency(key TEXT NOT NULL, terminal TEXT NOT NULL,"
	" method TEXT NOT NULL, path TEXT NOT NULL, req_hash TEXT NOT NULL,"
	" status INTEGER NOT NULL, body TEXT NOT NULL, created INTEGER NOT NULL,"
	" PRIMARY KEY(key, terminal, method, path));"
	"CREATE TABLE sms_codes(id INTEGER PRIMARY KEY, subject_type TEXT NOT NULL,"
	" subject_id TEXT NOT NULL, terminal TEXT NOT NULL, purpose TEXT NOT NULL,"
	" code_hash TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL,"
	" tries INTEGER NOT NULL DEFAULT 0, used INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX sms_codes_subject ON sms_codes(subject_type, subject_id, created);"
	"CREATE INDEX sms_codes_terminal ON sms_codes(terminal, created);"
	"CREATE TABLE sms_outbox(id INTEGER PRIMARY KEY, mobile TEXT NOT NULL,"
	" text TEXT NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE mails(id INTEGER PRIMARY KEY, to_addr TEXT NOT NULL,"
	" subject TEXT NOT NULL, body TEXT NOT NULL, order_id TEXT,"
	" created INTEGER NOT NULL);"
	"CREATE TABLE bank_memos(id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
	" amount INTEGER NOT NULL, memo TEXT NOT NULL, order_id TEXT,"
	" created INTEGER NOT NULL);"
	"CREATE TABLE sessions(token_hash TEXT PRIMARY KEY, subject_type TEXT NOT NULL,"
	" subject_id TEXT NOT NULL, terminal TEXT NOT NULL, created INTEGER NOT NULL,"
	" expires INTEGER NOT NULL);"
	"CREATE TABLE orders(id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
	" subject_type TEXT NOT NULL, subject_id TEXT NOT NULL, terminal TEXT NOT NULL,"
	" state TEXT NOT NULL, price INTEGER NOT NULL, term_years INTEGER NOT NULL,"
	" data TEXT NOT NULL, old_serial TEXT, cert_serial TEXT, token_serial TEXT,"
	" reason TEXT, tracking TEXT, valid_from INTEGER, valid_to INTEGER,"
	" created INTEGER NOT NULL, updated INTEGER NOT NULL);"
	"CREATE INDEX orders_subject ON orders(subject_type, subject_id, created);"
	"CREATE TABLE order_events(id INTEGER PRIMARY KEY, order_id TEXT NOT NULL,"
	" from_state TEXT, to_state TEXT NOT NULL, at INTEGER NOT NULL, note TEXT);"
	"CREATE INDEX order_events_order ON order_events(order_id, id);"
	"CREATE TABLE verifications(order_id TEXT NOT NULL, party TEXT NOT NULL,"
	" method TEXT NOT NULL, state TEXT NOT NULL, memo_hash TEXT,"
	" tries INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL,"
	" PRIMARY KEY(order_id, party));"
	"CREATE TABLE payments(id TEXT PRIMARY KEY, order_id TEXT NOT NULL,"
	" channel TEXT NOT NULL, amount INTEGER NOT NULL, state TEXT NOT NULL,"
	" created INTEGER NOT NULL, expires INTEGER NOT NULL, paid_at INTEGER);"
	"CREATE INDEX payments_order ON payments(order_id);"
	"CREATE TABLE upload_links(token_hash TEXT PRIMARY KEY, order_id TEXT NOT NULL,"
	" expires INTEGER NOT NULL, closed INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE documents(order_id TEXT NOT NULL, kind TEXT NOT NULL,"
	" mime TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,"
	" data BLOB NOT NULL, created INTEGER NOT NULL, PRIMARY KEY(order_id, kind));"
	"CREATE TABLE certificates(serial TEXT PRIMARY KEY, order_id TEXT,"
	" subject_type TEXT NOT NULL, subject_id TEXT NOT NULL, subject_dn TEXT NOT NULL,"
	" not_before INTEGER NOT NULL, not_after INTEGER NOT NULL, pem TEXT NOT NULL,"
	" status TEXT NOT NULL, revoked_at INTEGER, revoke_reason TEXT,"
	" created INTEGER NOT NULL);"
	"CREATE INDEX certificates_subject ON certificates(subject_type, subject_id);"
	"CREATE TABLE seals(id TEXT PRIMARY KEY, cert_serial TEXT NOT NULL,"
	" order_id TEXT, der BLOB NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE tokens(serial TEXT PRIMARY KEY, so_pin_enc TEXT NOT NULL,"
	" updated INTEGER NOT NULL);"
	"CREATE TABLE unlock_auth(order_id TEXT PRIMARY KEY, token_serial TEXT NOT NULL,"
	" released INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL);"
	"CREATE TABLE enrol_codes(code_hash TEXT PRIMARY KEY, terminal_id TEXT NOT NULL,"
	" expires INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE terminals(id TEXT PRIMARY KEY, cert_serial TEXT NOT NULL,"
	" enrolled INTEGER NOT NULL);",
	/* 2: the certificate PIN of a token made by staff, and how it reached
	 * the customer (SMS or the memo of a 0.01 CNY transfer) */
	"ALTER TABLE orders ADD COLUMN pin_enc TEXT;"
	"ALTER TABLE orders ADD COLUMN pin_delivery TEXT;",
	/* 3: e-invoices, viewable through a link (QR at the kiosk) */
	"CREATE TABLE invoices(token TEXT PRIMARY KEY, order_id TEXT NOT NULL UNIQUE,"
	" title TEXT NOT NULL, amount INTEGER NOT NULL, channel TEXT NOT NULL,"
	" created INTEGER NOT NULL);",
	/* 4: seals are kept as GM/T 0031 DER plus their JSON rendering */
	"ALTER TABLE seals ADD COLUMN view TEXT;",
	/* 5: failed guessable checks, for the try limits (limits.h) */
	"CREATE TABLE failures(id INTEGER PRIMARY KEY, check_name TEXT NOT NULL,"
	" order_id TEXT, subject TEXT NOT NULL, terminal TEXT NOT NULL,"
	" at INTEGER NOT NULL);"
	"CREATE INDEX failures_order ON failures(check_name, order_id, at);"
	"CREATE INDEX failures_subject ON failures(check_name, subject, at);"
	"CREATE INDEX failures_terminal ON failures(check_name, terminal, at);"
	"CREATE INDEX failures_at ON failures(at);",
	/* 6: the page of a payment at a real provider (the QR's link) */
	"ALTER TABLE payments ADD COLUMN code_url TEXT;",
	/* 7: a token's owner (the subject its certificates were issued to) and
	 * who escrowed its SO PIN; a token escrowed before has no owner and
	 * releases nothing until staff escrow it again.  A change of subject
	 * is reviewed now: paid changes go to review. */
	"ALTER TABLE tokens ADD COLUMN owner_type TEXT;"
	"ALTER TABLE tokens ADD COLUMN owner_id TEXT;"
	"ALTER TABLE tokens ADD COLUMN escrowed_by TEXT;"
	"INSERT INTO order_events(order_id, from_state, to_state, at, note)"
	" SELECT id, 'paid', 'under_review', updated, 'change of subject: review'"
	" FROM orders WHERE kind = 'change' AND state = 'paid';"
	"UPDATE orders SET state = 'under_review' WHERE kind = 'change'"
	" AND state = 'paid';",
	/* 8: the SO PIN rotation of an unlock, crash-safe: the candidate the
	 * kiosk is about to set (encrypted), the order that recorded it, and
	 * the unlock order holding the token's authorization */
	"ALTER TABLE tokens ADD COLUMN cand_enc TEXT;"
	"ALTER TABLE tokens ADD COLUMN cand_order TEXT;"
	"ALTER TABLE tokens ADD COLUMN holder TEXT;",
	/* 9: files the upload page refused, for the kiosk to say so */
	"CREATE TABLE upload_refusals(id INTEGER PRIMARY KEY, order_id TEXT NOT NULL,"
	" kind TEXT NOT NULL, reason TEXT NOT NULL, size INTEGER NOT NULL,"
	" at INTEGER NOT NULL);"
	"CREATE INDEX upload_refusals_order ON upload_refusals(order_id, id);",
	/* 10: counter staff (their PIN as a PBKDF2 hash; the run of wrong PINs
	 * and the lock it made), their sessions, the audit of what they did,
	 * and the calls for staff from kiosks (one open call per terminal) */
	"CREATE TABLE staff(number TEXT PRIMARY KEY, name TEXT NOT NULL,"
	" pin_hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,"
	" failures INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL, updated INTEGER NOT NULL);"
	"CREATE TABLE staff_sessions(token_hash TEXT PRIMARY KEY,"
	" staff_no TEXT NOT NULL, terminal TEXT NOT NULL, created INTEGER NOT NULL,"
	" expires INTEGER NOT NULL);"
	"CREATE TABLE audit(id INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
	" staff_no TEXT NOT NULL, terminal TEXT NOT NULL, action TEXT NOT NULL,"
	" detail TEXT);"
	"CREATE INDEX audit_staff ON audit(staff_no, id);"
	"CREATE TABLE calls(id INTEGER PRIMARY KEY, terminal TEXT NOT NULL,"
	" screen TEXT NOT NULL, created INTEGER NOT NULL, closed INTEGER,"
	" closed_by TEXT);"
	"CREATE UNIQUE INDEX calls_open ON calls(terminal) WHERE closed IS NULL;",
	/* 11: links to an order's status page for the customer's phone */
	"CREATE TABLE status_links(token_hash TEXT PRIMARY KEY, order_id TEXT NOT NULL,"
	" expires INTEGER NOT NULL);"
	"CREATE INDEX status_links_order ON status_links(order_id, expires);",
	/* 12: the token a certificate was written onto, where the backend
	 * knows it (instant issuance; a renewal or change stays on the
	 * token of the certificate it replaces), for the list of reissue */
	"ALTER TABLE certificates ADD COLUMN token_serial TEXT;",
	/* 13: instant issuance: the SO PIN a blank token is initialized with,
	 * recorded before the kiosk sets it, until the order is made */
	"ALTER TABLE orders ADD COLUMN token_so_enc TEXT;",
	/* 14: the terminal's heartbeat (what it said last, and when) and the
	 * certificate it last came with; its renewals are in certificates */
	"ALTER TABLE terminals ADD COLUMN last_seen INTEGER;"
	"ALTER TABLE terminals ADD COLUMN seen_serial TEXT;"
	"ALTER TABLE terminals ADD COLUMN seen_not_after INTEGER;"
	"ALTER TABLE terminals ADD COLUMN version TEXT;"
	"ALTER TABLE terminals ADD COLUMN readers INTEGER;"
	"ALTER TABLE terminals ADD COLUMN ukey INTEGER;"
	"ALTER TABLE terminals ADD COLUMN last_error TEXT;"
	"ALTER TABLE terminals ADD COLUMN last_error_at INTEGER;",
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* A write the disk refused: SQLite says SQLITE_FULL for ENOSPC, and an
 * I/O error where the file system fails the write itself. */
static int
store_note(struct store *st, int rc)
{
	if ((rc & 0xff) == SQLITE_FULL || (rc & 0xff) == SQLITE_IOERR)
		st->full = true;
	return rc;
}

static int
store_exec_plain(struct store *st, const char *sql)
{
	char *msg = NULL;
	st->last_rc = store_note(st, sqlite3_exec(st->db, sql, NULL, NULL, &msg));
	if (st->last_rc != SQLITE_OK) {
		log_err("store: %s", msg ? msg : sqlite3_errstr(st->last_rc));
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
	if (v > N_MIGRATIONS) {
		*err = util_xasprintf(
			"store schema version %d is newer than this program (%d)", v,
			N_MIGRATIONS);
		return -1;
	}
	for (; v < N_MIGRATIONS; v++) {
		if (store_begin(st, true) != 0)
			goto fail;
		if (store_exec_plain(st, migrations[v]) != 0 ||
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
	sqlite3_busy_timeout(st->db, 5000);
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
			log_err("store: prepare failed: %s", sqlite3_errmsg(st->db));
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
			log_err("store: bind %d failed", i);
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
			log_err("store: %s", sqlite3_errmsg(st->db));
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
		log_err("store: %s", sqlite3_errmsg(st->db));
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
