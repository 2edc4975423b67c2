/*
 * http_run.c - a request's handler in one transaction (http_run.h).
 */
#include "ra/http_run.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ra/ca.h"
#include "ra/metrics.h"
#include "ra/outbox.h"
#include "ra/peer.h"
#include "ra/store.h"
#include "ra/util.h"

/* How often a request whose transaction lost a race (store_must_retry) is
 * run again before the client is told to try later. */
#define STORE_TRIES 12

/* Held by a request running again after a lost race, for the rest of its
 * runs: the requests of this process that fight over one row (a burst on
 * one order) then take turns instead of failing each other again and
 * again.  The store's transactions, not this lock, keep the data right. */
static pthread_mutex_t rerun_lock = PTHREAD_MUTEX_INITIALIZER;

/* Before run n + 1 of a request that lost a race: a wait growing with n
 * and spread by the clock, so the racers do not meet again. */
static void
retry_wait(int n)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (1L << (n < 5 ? n : 5)) + now.tv_nsec % (2L << (n < 5 ? n : 5));
	nanosleep(&(struct timespec){.tv_nsec = ms * 1000000L}, NULL);
}

/* Runs the handler inside a transaction, with idempotency for POSTs, and
 * again after work it asked to do without the lock (req_unlocked; twice at
 * most, then it does it under the lock), and again from the start when
 * the transaction lost a race with another (store_must_retry; PostgreSQL:
 * another connection or instance; a handler changes nothing outside the
 * store before its commit: its messages wait in the outbox until then).  Sets *replayed
 * when the answer is a stored one. */
void
http_run(struct app *app, const struct route *route, struct req *r, const char *buf,
	 size_t len, bool *replayed)
{
	struct store *st = app->st;
	bool idem = strcmp(r->method, "POST") == 0 && !(route->flags & R_NO_IDEM);
	const char *key = idem ? req_header(r, "Idempotency-Key") : NULL;
	char hash[65] = "";
	if (idem) {
		if (!key) {
			req_error(r, 400, "idempotency_key_missing", NULL,
				  "every POST needs an Idempotency-Key header");
			return;
		}
		if (!req_idem_key_ok(key)) {
			req_error(r, 400, "bad_request", NULL,
				  "the Idempotency-Key must be 1 to 128 visible ASCII "
				  "characters");
			return;
		}
		/* Keyed: a request may hold a short secret (a PIN, a mobile)
		 * that a plain digest would let anyone with the store guess. */
		ca_mac_hex(app->ca, buf ? buf : "", len, hash);
	}
	int unlocks = 0, tries = 0;
	bool alone = false;     /* holds rerun_lock */
	bool committed = false; /* the messages of the run may leave */
	bool write = strcmp(r->method, "GET") != 0;
	bool reader = false; /* this run is on a read connection */
again:
	outbox_forget(); /* a run forgotten sends nothing */
	if (write)
		store_lock(st);
	else
		reader = store_lock_read(st);
	if (store_begin(st, write) != 0) {
		req_error(r, 503, "unavailable", NULL, "the store is busy, try again");
		goto out;
	}
	/* The client certificate's revocation, in this transaction: a read
	 * takes one transaction, not two. */
	if (r->revocation_due && peer_revoked(st, r)) {
		store_rollback(st);
		goto out;
	}
	if (idem) {
		json_t *row = store_query_one(
			st,
			"SELECT req_hash, status, body FROM idempotency"
			" WHERE key = ? AND terminal = ? AND method = ? AND path = ?",
			"ssss", key, r->terminal, r->method, r->path);
		if (row) {
			if (strcmp(json_string_value(json_object_get(row, "req_hash")),
				   hash) != 0) {
				req_error(r, 422, "idempotency_key_reused", NULL,
					  "this Idempotency-Key was used with a "
					  "different request");
			} else {
				const char *stored =
					json_string_value(json_object_get(row, "body"));
				char *plain =
					strncmp(stored, "enc:", 4) == 0
						? ca_escrow_open(app->ca, stored + 4)
						: NULL;
				json_t *b = json_loads(plain ? plain : stored, 0, NULL);
				if (plain) {
					util_wipe_str(plain);
					free(plain);
				}
				req_json(r,
					 (int)json_integer_value(
						 json_object_get(row, "status")),
					 b ? b : json_object());
				*replayed = true;
			}
			json_decref(row);
			store_rollback(st);
			goto out;
		}
	}
	r->may_unlock = unlocks < 2;
	memset(r->issued, 0, sizeof r->issued);
	route->fn(r);
	if (store_must_retry(st))
		goto retry;
	if (r->unlocked) { /* nothing of this run is kept */
		unlocks++;
		store_rollback(st);
		store_unlock_discard(st);
		req_run_unlocked(r);
		goto again;
	}
	if (r->status == 0)
		req_error(r, 500, "internal", NULL, "the handler gave no answer");
	/* An error keeps nothing.  The transaction holds the handler's work
	 * alone (the idempotency look-up before it only reads), so it is
	 * rolled back whole: no savepoint around the handler, two statements
	 * less for every request. */
	if (r->status >= 400 && !r->commit_anyway) {
		store_rollback(st);
		goto out;
	}
	if (store_full(st))
		goto out;
	/* Only successes are kept for replay: an error changed nothing (or only
	 * counted a try), and a later retry should be judged afresh. */
	if (idem && r->status < 300 && r->out) {
		char *body = json_dumps(r->out, JSON_COMPACT);
		if (body && r->secret) {
			char *sealed = ca_escrow_seal(app->ca, body);
			util_wipe_str(body);
			free(body);
			body = sealed ? util_xasprintf("enc:%s", sealed) : NULL;
			free(sealed);
		}
		int64_t ok = store_exec(
			st,
			"INSERT INTO idempotency(key, terminal, method, path, req_hash,"
			" status, body, created) VALUES(?,?,?,?,?,?,?,?)",
			"sssssisi", key, r->terminal, r->method, r->path, hash,
			(int64_t)r->status, body ? body : "{}", util_now());
		free(body);
		/* Another instance answered the same key meanwhile: the
		 * next run replays its answer. */
		if (ok < 0 && (store_must_retry(st) || store_last_was_conflict(st)))
			goto retry;
		if (ok < 0) {
			store_rollback(st);
			req_error(r, 500, "internal", NULL,
				  "could not record the request");
			goto out;
		}
	}
	if (store_commit(st) != 0) {
		if (store_must_retry(st))
			goto retry;
		req_error(r, 500, "internal", NULL, "could not commit");
	} else {
		committed = true;
		if (r->status < 400 || r->commit_anyway)
			req_committed(r);
	}
out:
	if (store_full(st)) { /* the disk refused a write: keep nothing */
		store_rollback(st);
		req_store_full(r);
	}
	store_unlock(st);
	if (alone)
		pthread_mutex_unlock(&rerun_lock);
	/* Right after the commit, by this thread: the customer's SMS is not
	 * left to the background sender's next pass. */
	if (committed)
		outbox_flush(st);
	outbox_forget();
	req_job_end(r);
	return;
retry: /* nothing of this run is kept; its answer is forgotten */
	store_rollback(st);
	store_unlock_discard(st);
	req_unanswer(r);
	/* A GET that lost a race wrote (a pay page): with SQLite only the
	 * write lock held from the start lets its next run write.  A GET on a
	 * read connection that came to write lost no race: it runs again on
	 * the writer at once. */
	write = true;
	if (reader) {
		reader = false;
		goto again;
	}
	metrics_note(M_STORE_RETRY);
	if (++tries < STORE_TRIES) {
		retry_wait(tries);
		if (!alone)
			pthread_mutex_lock(&rerun_lock);
		alone = true;
		goto again;
	}
	outbox_forget();
	log_warn("store: %s %s lost %d races in a row", r->method, r->route, tries);
	req_error(r, 503, "unavailable", NULL, "the store is busy, try again");
	if (alone)
		pthread_mutex_unlock(&rerun_lock);
	req_job_end(r);
}
