/*
 * http.c - the HTTPS front of the backend (see http.h).
 *
 * Who sent a request (peer.c) and, for an upload, its token are checked
 * when the headers are in and before any of the body is read: a request
 * that is refused costs no more than its headers, and its body, if the
 * client sends it without waiting, is read and dropped (DROP_LIMIT) so
 * that the answer reaches it.  The request functions
 * handlers answer through are in req.c.  Every request then runs in one
 * transaction (http_run.c; a GET on a read connection of SQLite's, a
 * write under the store lock); a POST carries an
 * Idempotency-Key and a repeated POST gets the first answer back.
 */
#include "ra/http.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "ra/accept.h"
#include "ra/http_run.h"
#include "ra/metrics.h"
#include "ra/peer.h"
#include "ra/route.h"
#include "ra/upslot.h"
#include "ra/util.h"

#define JSON_LIMIT (64 * 1024)
#define FORM_LIMIT (12 * 1024 * 1024)
#define PATH_LIMIT 512
/* libmicrohttpd's memory per connection: the request line, headers and read
 * buffer (a request with more header than fits is refused by it). */
#define CONN_MEMORY (32 * 1024)
/* The body of a request refused with its headers, when the client sends it
 * without waiting for "100 Continue": read and dropped, up to this much
 * and for this long after the headers, before the answer goes out
 * (hold_refusal).  Beyond, the connection is closed. */
#define DROP_LIMIT (1024 * 1024)
#define DROP_SECONDS 60

struct http {
	int fd;               /* listening: the acceptor takes its connections */
	struct acceptor *acc; /* ...for its lanes, a daemon and thread each */
	size_t nlanes;
	struct app *app;
	const struct route *routes;
	unsigned need;      /* the flags of the routes served here (0: all) */
	struct upslots own; /* uploads being received (upslot.h)... */
	struct upslots *up; /* ...here and on the listeners sharing them */
};

/* One request while its body arrives. */
struct rctx {
	struct http *h;
	const struct route *route;
	int route_status; /* 0, or 404/405 when no route fits */
	struct req r;
	char *buf;
	size_t len, cap, limit;
	bool too_big;
	bool answered;    /* refused when the headers came: no body is kept */
	bool held;        /* ...and answered once its body is read and dropped */
	uint64_t dropped; /* the bytes of it dropped so far */
	int up_slot;      /* its place in h->up while its body is received */
	struct MHD_PostProcessor *pp;
	char *path;
	struct timespec t0; /* when the headers were in */
	bool logged;        /* its access line is written */
	char id[32];        /* X-Request-Id */
};

/* ---- answering ---- */

/* The JSON answer's text (malloc'd, *len bytes without its NUL), or NULL:
 * written once into a buffer of the thread's own and copied out at its
 * size, where json_dumps grows its text by doubling and copies it again
 * at the end.  A text longer than the buffer is written by json_dumps.
 * An answer may hold a secret: the buffer keeps nothing of it. */
static char *
answer_text(const json_t *out, size_t *len)
{
	static _Thread_local char buf[8192];
	size_t n = json_dumpb(out, buf, sizeof buf, JSON_COMPACT);
	char *text = NULL;
	if (n > sizeof buf) {
		text = json_dumps(out, JSON_COMPACT);
		*len = text ? strlen(text) : 0;
	} else if (n > 0) {
		text = util_xmalloc(n + 1);
		memcpy(text, buf, n);
		text[n] = '\0';
		*len = n;
	}
	/* json_dumpb may have written part of the text before it failed (0)
	 * or found the buffer short (more than its size). */
	util_wipe(buf, n > 0 && n < sizeof buf ? n : sizeof buf);
	return text;
}

static enum MHD_Result
send_answer(struct MHD_Connection *conn, struct rctx *x, bool replayed)
{
	struct req *r = &x->r;
	char *text = NULL;
	const void *data;
	size_t len;
	const char *type;
	if (r->out) {
		text = answer_text(r->out, &len);
		data = text ? text : "{}";
		if (!text)
			len = 2;
		type = "application/json; charset=utf-8";
	} else {
		data = r->raw_out ? (const void *)r->raw_out : "";
		len = r->raw_len;
		type = r->raw_type ? r->raw_type : "text/plain; charset=utf-8";
	}
	/* The JSON text is handed over (libmicrohttpd frees it), not copied
	 * again. */
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		len, (void *)data, text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Request-Id", x->id);
	if (x->held) /* a refused request ends its connection */
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	if (replayed)
		MHD_add_response_header(resp, "Idempotent-Replayed", "true");
	for (int i = 0; i < r->nhdr; i++)
		MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* The handler in its transaction (http_run.c). */
static void
run_handler(struct rctx *x, bool *replayed)
{
	http_run(x->h->app, x->route, &x->r, x->buf, x->len, replayed);
}

static enum MHD_Result
post_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
	  const char *content_type, const char *transfer_encoding, const char *data,
	  uint64_t off, size_t size)
{
	struct rctx *x = cls;
	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	(void)off;
	if (req_form_add(&x->r, key, filename, data, size) != 0)
		x->too_big = true;
	return MHD_YES;
}

/* The Content-Length the client announced; 0 when it gave none (chunked). */
static uint64_t
announced_length(struct MHD_Connection *conn)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_CONTENT_LENGTH);
	return v ? strtoull(v, NULL, 10) : 0;
}

/* Everything judged from the request line and headers alone, before any of
 * the body is read: the route, sandbox mode, the client's identity, the
 * size it announces and, for R_EARLY routes, the handler's own look (an
 * upload's token).  True when the request is answered already. */
static bool
headers_check(struct rctx *x, struct MHD_Connection *conn, const char *method)
{
	struct req *r = &x->r;
	struct http *h = x->h;
	if (!x->route) {
		if (x->route_status == 405)
			req_error(r, 405, "method_not_allowed", NULL,
				  "%s is not allowed here", method);
		else if (x->route_status == 414)
			req_error(r, 414, "bad_request", NULL, "the path is too long");
		else
			req_error(r, 404, "not_found", NULL, "no such endpoint");
		return true;
	}
	unsigned fl = x->route->flags;
	if ((fl & R_SANDBOX) && !h->app->sandbox) {
		req_error(r, 404, "not_found", NULL,
			  "no such endpoint (sandbox mode is off)");
		return true;
	}
	/* A request with no body or a JSON one (JSON_LIMIT at most) runs its
	 * handler next, in a transaction of its own: the certificate's
	 * revocation is looked up there, first, rather than in a transaction
	 * of its own now.  An upload's or an R_EARLY route's is looked up
	 * before its body is read. */
	r->revocation_later = !(fl & (R_EARLY | R_FORM));
	if (!(fl & R_PUBLIC) && peer_identify(h->app, conn, r, fl) != 0)
		return true;
	if (announced_length(conn) > x->limit) {
		x->too_big = true;
		if (!(fl & R_FORM)) {
			req_error(r, 413, "too_large", NULL,
				  "the request body is larger than %zu bytes", x->limit);
			return true;
		}
	}
	if (fl & R_EARLY) {
		struct store *st = h->app->st;
		r->early = true;
		store_lock_read(st); /* it only looks: rolled back whole */
		if (store_begin(st, false) == 0) {
			x->route->fn(r);
			store_rollback(st);
		}
		store_unlock(st);
		r->early = false;
		if (r->status)
			return true;
	}
	if ((fl & R_FORM) && x->too_big) {
		/* The form's handler says so with a page, without the body. */
		bool replayed = false;
		r->too_large = true;
		run_handler(x, &replayed);
		return true;
	}
	if ((fl & R_FORM) && strcmp(method, "POST") == 0 &&
	    (r->busy = upslot_take(h->up, x->path, &x->up_slot))) {
		bool replayed = false;
		run_handler(x, &replayed);
		return true;
	}
	return false;
}

/* Whether the answer to a request refused with its headers waits until
 * its body is read and dropped.  A client that sent "Expect: 100-continue"
 * waits for "100 Continue" (which libmicrohttpd does not send once an answer
 * is queued) and gets the answer without sending its body.  One that sends
 * its body at once must have it read: a connection closed with data unread
 * in its socket is reset by the kernel, and the client may lose the answer
 * before it has read it.  A body announced over DROP_LIMIT is not waited
 * for: the answer goes at once, and the connection is closed after it. */
static bool
hold_refusal(struct MHD_Connection *conn, const char *version)
{
	const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_TRANSFER_ENCODING);
	/* With a Transfer-Encoding (chunked) libmicrohttpd ignores any
	 * Content-Length: the body's size is known when it ends. */
	uint64_t len = te ? 0 : announced_length(conn);
	if (!te && len == 0)
		return false; /* no body */
	const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_EXPECT);
	/* as libmicrohttpd: "100 Continue" is for HTTP/1.1 (and 1.x) clients */
	if (expect && strcasecmp(expect, "100-continue") == 0 &&
	    strcmp(version, MHD_HTTP_VERSION_1_0) != 0)
		return false;
	return len <= DROP_LIMIT;
}

static uint64_t
micros_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	int64_t us = (int64_t)(t.tv_sec - t0->tv_sec) * 1000000 +
		     (t.tv_nsec - t0->tv_nsec) / 1000;
	return us > 0 ? (uint64_t)us : 0;
}

/* The request's access line and counters (status 0: no answer). */
static void
account(struct rctx *x, int status)
{
	uint64_t us = micros_since(&x->t0);
	x->logged = true;
	metrics_request(x->route ? (size_t)(x->route - x->h->routes) : SIZE_MAX, status,
			us);
	metrics_access(x->id, x->r.terminal, x->r.method, x->r.route, status, us);
	if (status >= 500) /* the route, not the path: a path may hold a token */
		log_err("%s %s -> %d (request %s)", x->r.method, x->r.route, status,
			x->id);
}

static enum MHD_Result
answer(struct MHD_Connection *conn, struct rctx *x, bool replayed)
{
	if (peer_revoked_now(x->h->app->st, &x->r))
		replayed = false;
	if (replayed)
		metrics_note(M_REPLAYED);
	account(x, x->r.status);
	return send_answer(conn, x, replayed);
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
       const char *version, const char *upload_data, size_t *upload_data_size,
       void **con_cls)
{
	struct http *h = cls;
	struct rctx *x = *con_cls;
	if (!x) {
		x = util_xcalloc(1, sizeof *x);
		x->h = h;
		x->r.app = h->app;
		x->r.conn = conn;
		x->r.method = method;
		clock_gettime(CLOCK_MONOTONIC, &x->t0);
		metrics_request_id(x->id, sizeof x->id);
		x->path = util_xstrdup(strlen(url) <= PATH_LIMIT ? url : "/");
		x->r.path = x->path;
		x->route = strlen(url) <= PATH_LIMIT
				   ? route_find(h->routes, h->need, method, url, &x->r,
						&x->route_status)
				   : NULL;
		if (!x->route && !x->route_status)
			x->route_status = 414;
		x->r.route = x->route ? x->route->pattern : "-";
		x->limit =
			x->route && (x->route->flags & R_FORM) ? FORM_LIMIT : JSON_LIMIT;
		*con_cls = x;
		if (headers_check(x, conn, method)) {
			/* Refused: nothing of the body is kept.  Answered now
			 * (the connection closes after the answer if a body
			 * follows), or once the body is read and dropped. */
			x->answered = true;
			if (hold_refusal(conn, version)) {
				x->held = true;
				return MHD_YES;
			}
			return answer(conn, x, false);
		}
		if (x->route && (x->route->flags & R_FORM) && strcmp(method, "POST") == 0)
			x->pp = MHD_create_post_processor(conn, 64 * 1024, post_iter, x);
		return MHD_YES;
	}
	if (x->held) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (n == 0) /* the whole body is in: the refusal goes out */
			return answer(conn, x, false);
		x->dropped += n;
		/* Too much or too slow: closed without an answer (the
		 * answer cannot be queued while a body is being read). */
		if (x->dropped > DROP_LIMIT ||
		    micros_since(&x->t0) > (uint64_t)DROP_SECONDS * 1000000)
			return MHD_NO;
		return MHD_YES;
	}
	if (x->answered) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (x->too_big || x->len + n > x->limit) {
			x->too_big = true;
			return MHD_YES;
		}
		if (x->pp) {
			x->len += n;
			if (MHD_post_process(x->pp, upload_data, n) != MHD_YES)
				x->too_big = true;
			return MHD_YES;
		}
		if (x->len + n + 1 > x->cap) {
			x->cap = (x->len + n + 1) * 2;
			if (x->cap > x->limit + 1)
				x->cap = x->limit + 1;
			x->buf = util_xrealloc(x->buf, x->cap);
		}
		memcpy(x->buf + x->len, upload_data, n);
		x->len += n;
		x->buf[x->len] = '\0';
		return MHD_YES;
	}

	/* The whole request is here; who sent it was checked with the headers. */
	struct req *r = &x->r;
	bool replayed = false;
	unsigned fl = x->route->flags;
	if (x->too_big && !(fl & R_FORM)) {
		req_error(r, 413, "too_large", NULL,
			  "the request body is larger than %zu bytes", x->limit);
		goto answer;
	}
	if (fl & R_FORM) {
		if (strcmp(method, "POST") == 0 && !x->pp) {
			req_error(r, 415, "unsupported_media_type", NULL,
				  "send multipart/form-data");
			goto answer;
		}
		if (x->pp) {
			MHD_destroy_post_processor(x->pp);
			x->pp = NULL;
		}
		/* The form's handler answers a person with a page, also when a
		 * file was too large (the files that fitted are kept). */
		r->too_large = x->too_big;
	} else if (x->len > 0) {
		json_error_t je;
		r->body = json_loadb(x->buf, x->len, JSON_REJECT_DUPLICATES, &je);
		if (!r->body || !json_is_object(r->body)) {
			req_error(r, 400, "bad_json", NULL,
				  "the body must be one JSON object");
			goto answer;
		}
	} else if (strcmp(method, "POST") == 0) {
		r->body = json_object();
	}
	run_handler(x, &replayed);
answer:
	return answer(conn, x, replayed);
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	  enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	struct rctx *x = *con_cls;
	if (!x)
		return;
	if (!x->logged) /* the client went away before the answer */
		account(x, 0);
	upslot_give_back(x->h->up, &x->up_slot);
	if (x->pp)
		MHD_destroy_post_processor(x->pp);
	for (int i = 0; i < x->r.nargs; i++)
		free(x->r.args[i]);
	for (int i = 0; i < x->r.nfields; i++) {
		util_wipe(x->r.fields[i].data, x->r.fields[i].len);
		free(x->r.fields[i].data);
	}
	for (int i = 0; i < x->r.nhdr; i++)
		free(x->r.hdr_value[i]);
	json_decref(x->r.body);
	json_decref(x->r.out);
	free(x->r.raw_out);
	if (x->buf)
		util_wipe(x->buf, x->len);
	free(x->buf);
	free(x->path);
	free(x);
	*con_cls = NULL;
}

__attribute__((format(printf, 2, 0))) static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char buf[512];
	vsnprintf(buf, sizeof buf, fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	util_log(LOG_DEBUG_, "http: %s", buf);
}

static void
conn_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
	    enum MHD_ConnectionNotificationCode toe)
{
	struct accept_lane *lane = cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		metrics_note(M_CONN_OPEN);
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		metrics_note(M_CONN_CLOSED);
		accept_lane_closed(lane);
	}
	peer_notify(lane->cls, conn, socket_context, toe);
}

/* The route table's counters, once for all the listeners serving it. */
static void
count_routes(const struct route *routes)
{
	size_t n = 0;
	while (routes[n].method)
		n++;
	const char **names = util_xcalloc(2 * n + 1, sizeof *names);
	for (size_t i = 0; i < n; i++) {
		names[2 * i] = routes[i].method;
		names[2 * i + 1] = routes[i].pattern;
	}
	metrics_routes(names, n);
}

/* A daemon of one thread without a listening socket: the acceptor hands it
 * its connections.  Not MHD_USE_TURBO: in 0.9.75 it keeps a connection
 * that has not finished its TLS handshake marked ready, and the lane's
 * thread spins on it (a whole core for each silent client). */
static struct MHD_Daemon *
lane_start(struct http *h, const struct http_listener *l, struct accept_lane *lane)
{
	/* Without a trust list (last: MHD_OPTION_END then ends the options)
	 * libmicrohttpd asks no client certificate. */
	return MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TLS |
			MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC | MHD_USE_ERROR_LOG,
		0, NULL, NULL, handle, h, MHD_OPTION_HTTPS_MEM_KEY, l->key_pem,
		MHD_OPTION_HTTPS_MEM_CERT, l->cert_pem, MHD_OPTION_HTTPS_PRIORITIES,
		"NORMAL:-VERS-TLS1.0:-VERS-TLS1.1", MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)60, MHD_OPTION_CONNECTION_LIMIT, accept_lane_limit(lane),
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
		MHD_OPTION_NOTIFY_COMPLETED, completed, h, MHD_OPTION_NOTIFY_CONNECTION,
		conn_notify, lane, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
		l->trust_pem ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, l->trust_pem,
		MHD_OPTION_END);
}

struct http *
http_start(struct app *app, const struct http_listener *l, const struct route *routes,
	   struct http *share, char **err)
{
	struct http *h = util_xcalloc(1, sizeof *h);
	upslots_init(&h->own);
	h->up = share ? share->up : &h->own;
	h->app = app;
	h->routes = routes;
	h->need = l->need;
	h->fd = l->fd;
	if (!share)
		count_routes(routes);
	h->nlanes = (size_t)l->threads;
	if (!(h->acc = acceptor_new(h->fd, h->nlanes, HTTP_CONNECTIONS, err))) {
		http_stop(h);
		return NULL;
	}
	for (size_t i = 0; i < h->nlanes; i++) {
		struct accept_lane *lane = acceptor_lane(h->acc, i);
		lane->cls = h;
		if (!(lane->d = lane_start(h, l, lane))) {
			*err = util_xstrdup(
				"cannot serve on the listening socket (is the "
				"certificate or key refused by GnuTLS?)");
			http_stop(h);
			return NULL;
		}
	}
	if (acceptor_run(h->acc, err) != 0) {
		http_stop(h);
		return NULL;
	}
	return h;
}

void
http_stop(struct http *h)
{
	if (!h)
		return;
	/* No connection is handed out any more, then the daemons close
	 * theirs (telling the acceptor's lanes), then the lanes go. */
	acceptor_stop(h->acc);
	for (size_t i = 0; h->acc && i < h->nlanes; i++) {
		struct accept_lane *lane = acceptor_lane(h->acc, i);
		if (lane->d)
			MHD_stop_daemon(lane->d);
	}
	acceptor_free(h->acc);
	close(h->fd);
	upslots_fini(&h->own);
	free(h);
}
