/*
 * outbox.c - messages sent once, after their transaction was committed
 * (see outbox.h).
 *
 * A row: id (the message id the adaptor gets), op, body (the adaptor's
 * input, sealed: "enc:..."; "" once sent or given up), state (pending,
 * sent, failed), tries, next_at (not before), claimed_until (a sender has
 * it until then), created, sent_at.  Times are the real clock's, not the
 * sandbox's: a sandbox clock moved on must not make a claim look stale.
 */
#include "ra/outbox.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ra/util.h"

/* A claim outlives the adaptor's longest call (gw_exec.c's 10 s) well: a
 * claim older than this is a sender's that stopped midway. */
#define CLAIM_SECONDS 60
/* Messages one request may add (more: sent by the background sender). */
#define QUEUE_MAX 8
/* Messages one pass of the background sender takes. */
#define PASS_ROWS 20

static struct ca *seal_ca;
static int (*deliver)(const char *op, json_t *in);
static _Thread_local char queued[QUEUE_MAX][33];
static _Thread_local int nqueued;

static int64_t
now_real(void)
{
	return (int64_t)time(NULL);
}

/* Wipes the strings of a JSON object (the adaptor's input) in place. */
static void
wipe_strings(json_t *o)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		if (json_is_string(v))
			util_wipe((void *)json_string_value(v), json_string_length(v));
	}
}

int
outbox_add(struct store *st, const char *op, json_t *in)
{
	char id[33];
	util_random_hex(id, 16);
	char *plain = in ? json_dumps(in, JSON_COMPACT) : NULL;
	if (in) {
		wipe_strings(in);
		json_decref(in);
	}
	if (!plain)
		return -1;
	char *sealed = seal_ca ? ca_escrow_seal(seal_ca, plain) : NULL;
	char *body = sealed ? util_xasprintf("enc:%s", sealed) : NULL;
	free(sealed);
	int64_t now = now_real();
	int64_t n = -1;
	if (body || !seal_ca)
		n = store_exec(st,
			       "INSERT INTO outbox(id, op, body, state, tries, next_at,"
			       " claimed_until, created) VALUES(?,?,?,'pending',0,?,0,?)",
			       "sssii", id, op, body ? body : plain, now, now);
	util_wipe_str(plain);
	free(plain);
	free(body);
	if (n != 1)
		return -1;
	if (nqueued < QUEUE_MAX)
		memcpy(queued[nqueued++], id, sizeof id);
	return 0;
}

void
outbox_forget(void)
{
	nqueued = 0;
}

/* Claims message id for this sender: its op and input (new, to be wiped)
 * and the try it is on; NULL when another has it, it is sent, or it is not
 * due yet. */
static json_t *
claim(struct store *st, const char *id, char op[16], int *tries)
{
	json_t *in = NULL;
	int64_t now = now_real();
	store_lock(st);
	if (store_begin(st, true) != 0)
		goto out;
	json_t *row = store_exec(st,
				 "UPDATE outbox SET claimed_until = ?, tries = tries + 1"
				 " WHERE id = ? AND state = 'pending' AND next_at <= ?"
				 " AND claimed_until <= ?",
				 "isii", now + CLAIM_SECONDS, id, now, now) == 1
			      ? store_query_one(st,
						"SELECT op, body, tries FROM outbox"
						" WHERE id = ?",
						"s", id)
			      : NULL;
	if (!row || store_commit(st) != 0) {
		store_rollback(st);
		json_decref(row);
		goto out;
	}
	const char *body = json_string_value(json_object_get(row, "body"));
	char *plain = body && strncmp(body, "enc:", 4) == 0 && seal_ca
			      ? ca_escrow_open(seal_ca, body + 4)
			      : NULL;
	in = json_loads(plain ? plain : body ? body : "", 0, NULL);
	if (plain) {
		util_wipe_str(plain);
		free(plain);
	}
	if (body)
		util_wipe((void *)body, strlen(body));
	snprintf(op, 16, "%s", json_string_value(json_object_get(row, "op")));
	*tries = (int)json_integer_value(json_object_get(row, "tries"));
	json_decref(row);
	if (!json_is_object(in)) { /* it cannot be sent: given up at once */
		json_decref(in);
		in = json_object();
		*tries = OUTBOX_TRIES;
	}
out:
	store_unlock(st);
	return in;
}

/* Records how the try of message id went: sent, to be tried again after
 * a wait growing with tries, or given up. */
static void
settle(struct store *st, const char *id, bool sent, int tries)
{
	int64_t now = now_real();
	int wait = 1 << (tries < 12 ? tries : 12); /* 2 s, 4 s, ... */
	for (int attempt = 0; attempt < 3; attempt++) {
		store_lock(st);
		bool done = false;
		if (store_begin(st, true) == 0) {
			int64_t n =
				sent ? store_exec(st,
						  "UPDATE outbox SET state = 'sent', "
						  "body = '',"
						  " sent_at = ? WHERE id = ?",
						  "is", now, id)
				: tries >= OUTBOX_TRIES
					? store_exec(
						  st,
						  "UPDATE outbox SET state = 'failed',"
						  " body = '', sent_at = ? WHERE id = ?",
						  "is", now, id)
					: store_exec(st,
						     "UPDATE outbox SET next_at = ?,"
						     " claimed_until = 0 WHERE id = ?",
						     "is", now + wait, id);
			done = n >= 0 && store_commit(st) == 0;
			if (!done)
				store_rollback(st);
		}
		store_unlock(st);
		if (done)
			return;
	}
	/* Left claimed: after CLAIM_SECONDS another try sends it again,
	 * with the same message id. */
	log_warn("outbox: message %s: its state could not be recorded", id);
}

/* Sends message id if this sender can claim it. */
static void
send_one(struct store *st, const char *id)
{
	char op[16] = "";
	int tries = 0;
	json_t *in = claim(st, id, op, &tries);
	if (!in)
		return;
	bool sent = false;
	if (json_object_size(in) > 0) { /* else its body could not be opened */
		json_object_set_new(in, "message_id", json_string(id));
		sent = deliver && deliver(op, in) == 0;
	}
	wipe_strings(in);
	json_decref(in);
	if (!sent)
		log_warn("outbox: %s message %s failed (try %d of %d%s)", op, id, tries,
			 OUTBOX_TRIES, tries >= OUTBOX_TRIES ? ", given up" : "");
	settle(st, id, sent, tries);
}

void
outbox_flush(struct store *st)
{
	int n = nqueued;
	nqueued = 0;
	for (int i = 0; i < n; i++)
		send_one(st, queued[i]);
}

/* ---- the background sender ---- */

static struct {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool running, stop;
	struct store *st;
} bg = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* One pass: every due message not claimed by a live sender. */
static void
pass(struct store *st)
{
	int64_t now = now_real();
	store_lock(st);
	json_t *rows = NULL;
	if (store_begin(st, false) == 0) {
		rows = store_query(st,
				   "SELECT id FROM outbox WHERE state = 'pending'"
				   " AND next_at <= ? AND claimed_until <= ?"
				   " ORDER BY created LIMIT ?",
				   "iii", now, now, (int64_t)PASS_ROWS);
		store_rollback(st);
	}
	store_unlock(st);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		char id[33];
		snprintf(id, sizeof id, "%s",
			 json_string_value(json_object_get(row, "id")));
		send_one(st, id);
	}
	json_decref(rows);
}

static void *
sender(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&bg.mu);
	while (!bg.stop) {
		pthread_mutex_unlock(&bg.mu);
		pass(bg.st);
		pthread_mutex_lock(&bg.mu);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		while (!bg.stop && pthread_cond_timedwait(&bg.cv, &bg.mu, &until) == 0)
			;
	}
	pthread_mutex_unlock(&bg.mu);
	return NULL;
}

void
outbox_deliver_with(int (*fn)(const char *op, json_t *in))
{
	deliver = fn;
}

void
outbox_seal(struct ca *ca)
{
	seal_ca = ca;
}

void
outbox_start(struct app *app)
{
	seal_ca = app->ca;
	bg.st = app->st;
	bg.stop = false;
	if (pthread_create(&bg.thread, NULL, sender, NULL) == 0)
		bg.running = true;
	else
		log_err("outbox: cannot start the background sender");
}

void
outbox_stop(void)
{
	if (!bg.running)
		return;
	pthread_mutex_lock(&bg.mu);
	bg.stop = true;
	pthread_cond_signal(&bg.cv);
	pthread_mutex_unlock(&bg.mu);
	pthread_join(bg.thread, NULL);
	bg.running = false;
}
