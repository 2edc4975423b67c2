/*
 * limits.c - try limits of the guessable checks (see limits.h).
 */
#include "ra/limits.h"

#include <stdio.h>

#include "ra/util.h"

static const struct {
	const char *name;
	int per[3]; /* order, subject, terminal */
} table[] = {LIM_TABLE};

static const char *const scope_names[3] = {"order", "subject", "terminal"};

/* One statement per scope (the store caches statements by their text). */
static const char *const count_sql[3] = {
	"SELECT count(*) FROM failures WHERE check_name = ? AND order_id = ? AND at > ?",
	"SELECT count(*) FROM failures WHERE check_name = ? AND subject = ? AND at > ?",
	"SELECT count(*) FROM failures WHERE check_name = ? AND terminal = ? AND at > ?",
};
static const char *const nth_sql[3] = {
	"SELECT at FROM failures WHERE check_name = ? AND order_id = ? AND at > ?"
	" ORDER BY at LIMIT 1 OFFSET ?",
	"SELECT at FROM failures WHERE check_name = ? AND subject = ? AND at > ?"
	" ORDER BY at LIMIT 1 OFFSET ?",
	"SELECT at FROM failures WHERE check_name = ? AND terminal = ? AND at > ?"
	" ORDER BY at LIMIT 1 OFFSET ?",
};

/* Failures of check c in scope s within the window; -1: no such scope. */
static int64_t
scope_count(struct req *r, enum lim_check c, int s, const char *key, int64_t now)
{
	if (table[c].per[s] <= 0 || !key)
		return -1;
	return store_query_int(r->app->st, 0, count_sql[s], "ssi", table[c].name, key,
			       now - LIM_WINDOW);
}

static void
scope_keys(const struct lim_who *w, char *subject, size_t size, const char *keys[3])
{
	snprintf(subject, size, "%s:%s", w->subject_type, w->subject_id);
	keys[0] = w->order;
	keys[1] = subject;
	keys[2] = w->terminal;
}

/* Answers 429 rate_limited: scope locked for wait more seconds. */
static void
refuse(struct req *r, int64_t wait, const char *scope, const char *check)
{
	char ra[24];
	snprintf(ra, sizeof ra, "%lld", (long long)wait);
	req_add_header(r, "Retry-After", ra);
	req_error(r, 429, "rate_limited",
		  json_pack("{s:I, s:s, s:s}", "retry_after", (json_int_t)wait, "scope",
			    scope, "check", check),
		  "too many failed %s checks for this %s; try again later", check, scope);
}

bool
lim_allow(struct req *r, enum lim_check c, const struct lim_who *w)
{
	char subject[96];
	const char *keys[3];
	int64_t now = util_now(), wait = 0;
	int locked = -1;
	scope_keys(w, subject, sizeof subject, keys);
	for (int s = 0; s < 3; s++) {
		int limit = table[c].per[s];
		int64_t n = scope_count(r, c, s, keys[s], now);
		if (n < limit)
			continue;
		/* It opens when the failure that filled it leaves the window. */
		int64_t at = store_query_int(r->app->st, now, nth_sql[s], "ssii",
					     table[c].name, keys[s], now - LIM_WINDOW,
					     n - limit);
		int64_t left = at + LIM_WINDOW - now;
		if (left < 1)
			left = 1;
		if (left > wait) {
			wait = left;
			locked = s;
		}
	}
	if (locked < 0)
		return true;
	refuse(r, wait, scope_names[locked], table[c].name);
	return false;
}

int
lim_fail(struct req *r, enum lim_check c, const struct lim_who *w)
{
	char subject[96];
	const char *keys[3];
	int64_t now = util_now();
	int left = -1;
	scope_keys(w, subject, sizeof subject, keys);
	store_exec(r->app->st, "DELETE FROM failures WHERE at <= ?", "i",
		   now - LIM_WINDOW);
	store_exec(r->app->st,
		   "INSERT INTO failures(check_name, order_id, subject, terminal, at)"
		   " VALUES(?,?,?,?,?)",
		   "ssssi", table[c].name, w->order, subject, w->terminal, now);
	for (int s = 0; s < 3; s++) {
		int limit = table[c].per[s];
		int64_t n = scope_count(r, c, s, keys[s], now);
		if (n < 0)
			continue;
		int l = n >= limit ? 0 : limit - (int)n;
		if (left < 0 || l < left)
			left = l;
	}
	/* A refused request keeps its failure (see http.c). */
	r->commit_anyway = true;
	return left < 0 ? 0 : left;
}

/* Seconds until fewer than limit failures of check by addr (NULL: of all
 * addresses) stand within window; 0: open now. */
static int64_t
addr_wait(struct req *r, const char *check, const char *addr, int limit, int64_t window,
	  int64_t now)
{
	struct store *st = r->app->st;
	int64_t n =
		addr ? store_query_int(st, 0,
				       "SELECT count(*) FROM failures WHERE check_name ="
				       " ? AND subject = ? AND at > ?",
				       "ssi", check, addr, now - window)
		     : store_query_int(st, 0,
				       "SELECT count(*) FROM failures WHERE check_name ="
				       " ? AND at > ?",
				       "si", check, now - window);
	if (n < limit)
		return 0;
	/* It opens when the failure that filled it leaves the window. */
	int64_t at = addr ? store_query_int(st, now,
					    "SELECT at FROM failures WHERE check_name ="
					    " ? AND subject = ? AND at > ?"
					    " ORDER BY at LIMIT 1 OFFSET ?",
					    "ssii", check, addr, now - window, n - limit)
			  : store_query_int(st, now,
					    "SELECT at FROM failures WHERE check_name ="
					    " ? AND at > ? ORDER BY at LIMIT 1 OFFSET ?",
					    "sii", check, now - window, n - limit);
	int64_t left = at + window - now;
	return left < 1 ? 1 : left;
}

bool
lim_addr_allow(struct req *r, const char *check, const char *addr)
{
	int64_t now = util_now();
	int64_t a = addr_wait(r, check, addr, LIM_ADDR, LIM_ADDR_WINDOW, now);
	int64_t g =
		addr_wait(r, check, NULL, LIM_ADDR_GLOBAL, LIM_ADDR_GLOBAL_WINDOW, now);
	if (a == 0 && g == 0)
		return true;
	refuse(r, a > g ? a : g, a > g ? "address" : "global", check);
	return false;
}

void
lim_addr_fail(struct req *r, const char *check, const char *addr)
{
	int64_t now = util_now();
	store_exec(r->app->st, "DELETE FROM failures WHERE at <= ?", "i",
		   now - LIM_WINDOW);
	store_exec(r->app->st,
		   "INSERT INTO failures(check_name, order_id, subject, terminal, at)"
		   " VALUES(?,NULL,?,'',?)",
		   "ssi", check, addr, now);
	r->commit_anyway = true;
}
