/*
 * metrics.c - the backend's counters, their exposition text and the access
 * line (see metrics.h).  Documented for operators in PROTOCOL.md ("Logs and
 * metrics") and cakiosk-ra(8).
 */
#include "ra/metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ra/util.h"

#ifndef VERSION
#define VERSION "0.0.0"
#endif

/* The statuses counted one by one; any other is counted as "other". */
static const short statuses[] = {0,   200, 201, 202, 204, 206, 301, 302, 303, 304,
				 307, 308, 400, 401, 403, 404, 405, 406, 408, 409,
				 410, 411, 412, 413, 414, 415, 416, 422, 423, 425,
				 428, 429, 431, 451, 500, 501, 502, 503, 504};
#define NSTATUS (sizeof statuses / sizeof statuses[0])
/* Upper bounds of the duration histogram's buckets, in microseconds and as
 * their "le" labels (+Inf is the last bucket). */
static const uint64_t bucket_us[] = {5000,   10000,   25000,   50000,   100000,  250000,
				     500000, 1000000, 2500000, 5000000, 10000000};
static const char *const bucket_le[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
					"0.5",   "1",    "2.5",   "5",    "10"};
#define NBUCKET (sizeof bucket_us / sizeof bucket_us[0])

struct rstat {
	atomic_uint_fast64_t by_status[NSTATUS + 1]; /* + "other" */
	atomic_uint_fast64_t bucket[NBUCKET + 1];    /* not cumulative; + +Inf */
	atomic_uint_fast64_t sum_us;
};

static struct {
	const char **routes; /* method, pattern, method, ... */
	size_t nroutes;
	struct rstat *rs; /* nroutes + 1: the last one for "no route" */
	atomic_uint_fast64_t events[M_EVENTS];
	atomic_uint_fast64_t next_id;
	char id_prefix[9];
	char instance[65];
	bool access_log;
	int64_t started;
} m;

static bool
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

bool
metrics_instance_ok(const char *instance)
{
	size_t n = strlen(instance);
	bool fit = n > 0 && n < sizeof m.instance;
	for (size_t i = 0; fit && i < n; i++)
		fit = name_char(instance[i]);
	return fit;
}

int
metrics_setup(const char *instance, bool access_log, char **err)
{
	char host[256] = "";
	if (instance) {
		if (!metrics_instance_ok(instance)) {
			*err = util_xstrdup("--instance " METRICS_INSTANCE_WANTS);
			return -1;
		}
	} else if (gethostname(host, sizeof host - 1) != 0 || !host[0]) {
		snprintf(host, sizeof host, "cakiosk-ra");
	}
	metrics_fini();
	const char *name = instance ? instance : host;
	size_t n = strnlen(name, sizeof m.instance - 1);
	memcpy(m.instance, name, n);
	m.instance[n] = '\0';
	for (char *p = m.instance; *p; p++)
		if (!name_char(*p))
			*p = '_';
	m.access_log = access_log;
	m.started = (int64_t)time(NULL);
	unsigned char r[4];
	util_random(r, sizeof r);
	snprintf(m.id_prefix, sizeof m.id_prefix, "%02x%02x%02x%02x", r[0], r[1], r[2],
		 r[3]);
	return 0;
}

void
metrics_routes(const char **routes, size_t n)
{
	free(m.rs);
	free(m.routes);
	m.routes = routes;
	m.nroutes = n;
	m.rs = util_xcalloc(n + 1, sizeof *m.rs);
}

void
metrics_fini(void)
{
	free(m.rs);
	free(m.routes);
	m.rs = NULL;
	m.routes = NULL;
	m.nroutes = 0;
}

void
metrics_request(size_t route, int status, uint64_t micros)
{
	if (!m.rs)
		return;
	struct rstat *s = &m.rs[route < m.nroutes ? route : m.nroutes];
	size_t si = 0, bi = 0;
	while (si < NSTATUS && statuses[si] != status)
		si++;
	while (bi < NBUCKET && micros > bucket_us[bi])
		bi++;
	atomic_fetch_add_explicit(&s->by_status[si], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->bucket[bi], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->sum_us, micros, memory_order_relaxed);
}

void
metrics_note(enum metrics_event e)
{
	if ((unsigned)e < M_EVENTS)
		atomic_fetch_add_explicit(&m.events[e], 1, memory_order_relaxed);
}

void
metrics_request_id(char *out, size_t size)
{
	uint64_t n = atomic_fetch_add_explicit(&m.next_id, 1, memory_order_relaxed) + 1;
	snprintf(out, size, "%s-%" PRIu64, m.id_prefix[0] ? m.id_prefix : "0", n);
}

/* src for a key=value log line: printable ASCII without space, quote,
 * backslash or '=' (others become '_'), "-" when empty. */
static void
log_value(char *out, size_t size, const char *src)
{
	size_t i = 0;
	for (; src && src[i] && i + 1 < size; i++) {
		unsigned char c = (unsigned char)src[i];
		out[i] = c > ' ' && c < 0x7f && c != '"' && c != '\\' && c != '='
				 ? (char)c
				 : '_';
	}
	out[i] = '\0';
	if (i == 0)
		snprintf(out, size, "-");
}

void
metrics_access(const char *request_id, const char *terminal, const char *method,
	       const char *route, int status, uint64_t micros)
{
	if (!m.access_log)
		return;
	/* The time's seconds are formatted once a second per thread. */
	static _Thread_local time_t sec = -1;
	static _Thread_local char when[32];
	struct timespec now;
	char term[64], meth[17], line[512];
	clock_gettime(CLOCK_REALTIME, &now);
	if (now.tv_sec != sec) {
		struct tm tm;
		gmtime_r(&now.tv_sec, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
		sec = now.tv_sec;
	}
	log_value(term, sizeof term, terminal);
	log_value(meth, sizeof meth, method);
	/* Every part is bounded: the line and its newline always fit. */
	snprintf(line, sizeof line,
		 "time=%s.%03ldZ event=access instance=%s request_id=%s terminal=%s "
		 "method=%s route=%s status=%d duration_ms=%" PRIu64 ".%03u\n",
		 when, now.tv_nsec / 1000000, m.instance, request_id, term, meth,
		 route ? route : "-", status, micros / 1000, (unsigned)(micros % 1000));
	util_log_line(line);
}

/* ---- the exposition text ---- */

struct text {
	char *p;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void
put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		t->cap = t->cap * 2 + (n > 0 ? (size_t)n : 0);
		t->p = util_xrealloc(t->p, t->cap);
	}
}

static void
head(struct text *t, const char *name, const char *type, const char *help)
{
	put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static uint64_t
load(atomic_uint_fast64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

/* The labels of route i: method="GET",route="/v1/orders/{id}". */
static void
route_labels(struct text *t, size_t i)
{
	bool known = i < m.nroutes;
	put(t, "method=\"%s\",route=\"%s\"", known ? m.routes[2 * i] : "-",
	    known ? m.routes[2 * i + 1] : "-");
}

static void
render_requests(struct text *t)
{
	head(t, "cakiosk_ra_http_requests_total", "counter",
	     "Requests answered on the terminal listener, by route and status.");
	for (size_t i = 0; i <= m.nroutes; i++)
		for (size_t s = 0; s <= NSTATUS; s++) {
			uint64_t v = load(&m.rs[i].by_status[s]);
			if (!v)
				continue;
			put(t, "cakiosk_ra_http_requests_total{");
			route_labels(t, i);
			if (s < NSTATUS)
				put(t, ",status=\"%d\"} %" PRIu64 "\n", statuses[s], v);
			else
				put(t, ",status=\"other\"} %" PRIu64 "\n", v);
		}
	head(t, "cakiosk_ra_http_request_duration_seconds", "histogram",
	     "Time from a request's headers to its answer, by route.");
	for (size_t i = 0; i <= m.nroutes; i++) {
		uint64_t cum = 0, b[NBUCKET + 1];
		for (size_t k = 0; k <= NBUCKET; k++)
			cum += b[k] = load(&m.rs[i].bucket[k]);
		if (!cum)
			continue;
		cum = 0;
		for (size_t k = 0; k <= NBUCKET; k++) {
			cum += b[k];
			put(t, "cakiosk_ra_http_request_duration_seconds_bucket{");
			route_labels(t, i);
			put(t, ",le=\"%s\"} %" PRIu64 "\n",
			    k < NBUCKET ? bucket_le[k] : "+Inf", cum);
		}
		uint64_t us = load(&m.rs[i].sum_us);
		put(t, "cakiosk_ra_http_request_duration_seconds_sum{");
		route_labels(t, i);
		put(t, "} %" PRIu64 ".%06u\n", us / 1000000, (unsigned)(us % 1000000));
		put(t, "cakiosk_ra_http_request_duration_seconds_count{");
		route_labels(t, i);
		put(t, "} %" PRIu64 "\n", cum);
	}
}

char *
metrics_render(const char *more, size_t *len)
{
	struct text t = {util_xmalloc(16384), 0, 16384};
	head(&t, "cakiosk_ra_info", "gauge",
	     "The instance (--instance) and its version (always 1).");
	put(&t, "cakiosk_ra_info{name=\"%s\",version=\"%s\"} 1\n", m.instance, VERSION);
	head(&t, "cakiosk_ra_start_time_seconds", "gauge",
	     "When the server started, seconds since the epoch.");
	put(&t, "cakiosk_ra_start_time_seconds %" PRId64 "\n", m.started);
	if (m.rs)
		render_requests(&t);
	head(&t, "cakiosk_ra_certificates_issued_total", "counter",
	     "Certificates the CA signed, by profile.");
	put(&t,
	    "cakiosk_ra_certificates_issued_total{profile=\"customer\"} %" PRIu64 "\n",
	    load(&m.events[M_ISSUED_CUSTOMER]));
	put(&t,
	    "cakiosk_ra_certificates_issued_total{profile=\"terminal\"} %" PRIu64 "\n",
	    load(&m.events[M_ISSUED_TERMINAL]));
	static const struct {
		const char *name, *help;
		enum metrics_event e;
	} counters[] = {
		{"cakiosk_ra_store_errors_total", "Statements of the store that failed.",
		 M_STORE_ERROR},
		{"cakiosk_ra_store_busy_retries_total",
		 "Times the store was busy (another process held it) or a "
		 "transaction lost a race with another (PostgreSQL), and the work "
		 "was tried again.",
		 M_STORE_RETRY},
		{"cakiosk_ra_store_commits_total",
		 "Transactions that wrote and were committed.", M_STORE_COMMIT},
		{"cakiosk_ra_store_syncs_total",
		 "Syncs of the store's write-ahead log the server made itself "
		 "(SQLite: one covers every commit made before it; PostgreSQL's "
		 "server syncs its own).",
		 M_STORE_SYNC},
		{"cakiosk_ra_idempotent_replays_total",
		 "Repeated POSTs answered with the first answer (Idempotency-Key).",
		 M_REPLAYED},
	};
	for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++) {
		head(&t, counters[i].name, "counter", counters[i].help);
		put(&t, "%s %" PRIu64 "\n", counters[i].name,
		    load(&m.events[counters[i].e]));
	}
	head(&t, "cakiosk_ra_open_connections", "gauge",
	     "Connections open on the terminal listener.");
	uint64_t o = load(&m.events[M_CONN_OPEN]), c = load(&m.events[M_CONN_CLOSED]);
	put(&t, "cakiosk_ra_open_connections %" PRIu64 "\n", o > c ? o - c : 0);
	if (more)
		put(&t, "%s", more);
	*len = t.len;
	return t.p;
}
