/*
 * purge.c - cakiosk-ra purge (see purge.h): each kind of row is one
 * condition with one cut-off time, deleted in batches of short write
 * transactions so that the server's requests go on between them.
 */
#include "ra/purge.h"

#include <stdint.h>
#include <time.h>

#include "ra/ident.h"
#include "ra/limits.h"
#include "ra/order.h"
#include "ra/util.h"

#define DAY 86400LL
/* A document may be 5 MiB: fewer of them to a transaction. */
#define BATCH_ROWS 500
#define BATCH_DOCS 8

#define DONE_ORDERS                                                                      \
	"order_id IN (SELECT id FROM orders WHERE state IN " ORDER_DONE_STATES           \
	" AND updated <= ?)"

enum age { AGE_NOW, AGE_IDEM, AGE_SMS, AGE_FAILURES, AGE_DOCUMENTS };

/* A kind of row: its name in the output, how many there are and how to
 * delete some, both with the cut-off as their one parameter. */
#define KIND(name, table, key, where, age, batch)                                        \
	{                                                                                \
		name, "SELECT count(*) FROM " table " WHERE " where,                     \
			STORE_DELETE_SOME(table, key, where), age, batch                 \
	}

static const struct kind {
	const char *name;
	const char *count_sql;
	const char *delete_sql;
	enum age age;
	int batch;
} kinds[] = {
	KIND("idempotency", "idempotency", "key, terminal, method, path", "created <= ?",
	     AGE_IDEM, BATCH_ROWS),
	KIND("sessions", "sessions", "token_hash", "expires <= ?", AGE_NOW, BATCH_ROWS),
	KIND("staff_sessions", "staff_sessions", "token_hash", "expires <= ?", AGE_NOW,
	     BATCH_ROWS),
	KIND("sms_codes", "sms_codes", "id", "created <= ?", AGE_SMS, BATCH_ROWS),
	KIND("enrol_codes", "enrol_codes", "code_hash", "expires <= ?", AGE_NOW,
	     BATCH_ROWS),
	KIND("upload_links", "upload_links", "token_hash", "expires <= ?", AGE_NOW,
	     BATCH_ROWS),
	KIND("status_links", "status_links", "token_hash", "expires <= ?", AGE_NOW,
	     BATCH_ROWS),
	KIND("failures", "failures", "id", "at <= ?", AGE_FAILURES, BATCH_ROWS),
	KIND("documents", "documents", "order_id, kind", DONE_ORDERS, AGE_DOCUMENTS,
	     BATCH_DOCS),
	KIND("upload_refusals", "upload_refusals", "id", DONE_ORDERS, AGE_DOCUMENTS,
	     BATCH_ROWS),
	/* Sent or given up: their text is gone already, the row only says
	 * that it left; one still to send is kept, however old. */
	KIND("outbox", "outbox", "id", "state <> 'pending' AND sent_at <= ?", AGE_IDEM,
	     BATCH_ROWS),
};

/* An SMS code row outlives its use (SMS_TTL) and its hour of counting. */
_Static_assert(SMS_TTL <= SMS_COUNT_WINDOW, "an SMS code is counted after its use");
/* Every failure window is within the longest, which purge keeps. */
_Static_assert(LIM_ADDR_WINDOW <= LIM_WINDOW && LIM_ADDR_GLOBAL_WINDOW <= LIM_WINDOW,
	       "purge keeps the failures of the longest window");

/* Rows of kind k older than cut: counted, or deleted batch by batch. */
static int
purge_kind(struct store *st, const struct kind *k, int64_t cut, bool dry_run,
	   int64_t *total)
{
	*total = 0;
	if (dry_run) {
		if (store_begin(st, false) != 0)
			return -1;
		*total = store_query_int(st, -1, k->count_sql, "i", cut);
		store_rollback(st);
		return *total < 0 ? -1 : 0;
	}
	for (;;) {
		if (store_begin(st, true) != 0)
			return -1;
		int64_t n = store_exec(st, k->delete_sql, "ii", cut, (int64_t)k->batch);
		if (n < 0) {
			store_rollback(st);
			return -1;
		}
		if (store_commit(st) != 0)
			return -1;
		*total += n;
		if (n < k->batch)
			return 0;
		/* A breath between batches: the server's waiting writers
		 * take the lock now, not after the whole purge. */
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	}
}

int
purge_run(struct store *st, int64_t now, int documents_days, bool dry_run, FILE *out)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		const struct kind *k = &kinds[i];
		int64_t cut = now;
		switch (k->age) {
		case AGE_NOW:
			break;
		case AGE_IDEM:
			cut = now - PURGE_IDEM_KEEP;
			break;
		case AGE_SMS:
			cut = now - SMS_COUNT_WINDOW;
			break;
		case AGE_FAILURES:
			cut = now - LIM_WINDOW;
			break;
		case AGE_DOCUMENTS:
			cut = now - (int64_t)documents_days * DAY;
			break;
		}
		if (k->age == AGE_DOCUMENTS && documents_days == PURGE_NEVER) {
			fprintf(out, "%-16s 0 kept (--documents-days never)\n", k->name);
			continue;
		}
		int64_t n = 0;
		if (purge_kind(st, k, cut, dry_run, &n) != 0) {
			fprintf(out, "%-16s %lld %s before the store failed\n", k->name,
				(long long)n, dry_run ? "would be deleted" : "deleted");
			fprintf(stderr, "cakiosk-ra: purge of %s failed: %s\n", k->name,
				store_errmsg(st));
			return -1;
		}
		fprintf(out, "%-16s %lld %s\n", k->name, (long long)n,
			dry_run ? "would be deleted" : "deleted");
	}
	return 0;
}
