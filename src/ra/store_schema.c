/*
 * store_schema.c - the store's schema, as the migrations that make it (see
 * store_schema.h).
 */
#include "ra/store_schema.h"

/*
 * Schema migrations: entry i takes the schema from version i to i+1.  Never
 * edit a released entry; append a new one.
 */
const char *const store_migrations[] = {
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
	/* 14: a terminal's heartbeat, and the certificate it came with */
	"ALTER TABLE terminals ADD COLUMN last_seen INTEGER;"
	"ALTER TABLE terminals ADD COLUMN seen_serial TEXT;"
	"ALTER TABLE terminals ADD COLUMN seen_not_after INTEGER;"
	"ALTER TABLE terminals ADD COLUMN version TEXT;"
	"ALTER TABLE terminals ADD COLUMN readers INTEGER;"
	"ALTER TABLE terminals ADD COLUMN ukey INTEGER;"
	"ALTER TABLE terminals ADD COLUMN last_error TEXT;"
	"ALTER TABLE terminals ADD COLUMN last_error_at INTEGER;",
	/* 15: a renewal reads the seal of the certificate it replaces, and
	 * a reissue its seals: without an index each read scanned every
	 * seal ever made (its picture and certificate too), under the
	 * store's lock, longer with every certificate issued */
	"CREATE INDEX seals_cert ON seals(cert_serial, created);",
	/* 16: messages to a real provider, sent after their transaction was
	 * committed (outbox.h): the adaptor's operation and sealed input, and
	 * how far the sending is */
	"CREATE TABLE outbox(id TEXT PRIMARY KEY, op TEXT NOT NULL, body TEXT NOT NULL,"
	" state TEXT NOT NULL, tries INTEGER NOT NULL, next_at INTEGER NOT NULL,"
	" claimed_until INTEGER NOT NULL, created INTEGER NOT NULL, sent_at INTEGER);"
	"CREATE INDEX outbox_due ON outbox(state, next_at);",
};

const int store_n_migrations =
	(int)(sizeof store_migrations / sizeof store_migrations[0]);
