/*
 * metrics_http.c - the listener of GET /metrics (see metrics_http.h).  One
 * thread, a few connections: a scraper comes every few seconds.  It never
 * shares a port with the terminals' listener, so nothing counted there is
 * reachable with a terminal's certificate, and a scraper needs none.
 */
#include "ra/metrics_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "ra/addr.h"
#include "ra/metrics.h"
#include "ra/util.h"

struct metrics_http {
	struct MHD_Daemon *d;
	struct app *app;
};

static enum MHD_Result
answer(struct MHD_Connection *conn, unsigned status, const char *type, char *body,
       size_t len)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	enum MHD_Result ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* A gauge of the rows of table by state, read from the store at each
 * scrape (on a read connection: a scrape does not wait for a write),
 * appended to out (size bytes in all). */
static void
by_state(struct app *app, const char *name, const char *help, const char *sql,
	 const char *const *states, char *out, size_t size)
{
	size_t len = strlen(out);
	len += (size_t)snprintf(out + len, size - len, "# HELP %s %s\n# TYPE %s gauge\n",
				name, help, name);
	for (size_t i = 0; states[i] && len < size; i++) {
		store_lock_read(app->st);
		int64_t n = store_query_int(app->st, 0, sql, "s", states[i]);
		store_unlock(app->st);
		len += (size_t)snprintf(out + len, size - len, "%s{state=\"%s\"} %lld\n",
					name, states[i], (long long)n);
	}
}

/* The payments by state, and the messages waiting in the outbox or given
 * up there (outbox.h). */
static void
gauges(struct app *app, char *out, size_t size)
{
	static const char *const pay[] = {"pending", "paid", "expired", "cancelled",
					  NULL};
	static const char *const msg[] = {"pending", "failed", NULL};
	out[0] = '\0';
	by_state(app, "cakiosk_ra_payments", "Payments in the store, by state.",
		 "SELECT count(*) FROM payments WHERE state = ?", pay, out, size);
	by_state(app, "cakiosk_ra_outbox",
		 "Messages to a provider still to send or given up, by state.",
		 "SELECT count(*) FROM outbox WHERE state = ?", msg, out, size);
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
       const char *version, const char *upload_data, size_t *upload_data_size,
       void **con_cls)
{
	struct metrics_http *mh = cls;
	(void)version;
	(void)upload_data;
	if (!*con_cls) { /* the headers: wait for the end of the request */
		*con_cls = mh;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0)
		return answer(conn, 404, "text/plain; charset=utf-8",
			      util_xstrdup("not found\n"), 10);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return answer(conn, 405, "text/plain; charset=utf-8",
			      util_xstrdup("GET only\n"), 9);
	char more[1024];
	size_t len;
	gauges(mh->app, more, sizeof more);
	char *text = metrics_render(more, &len);
	return answer(conn, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

struct metrics_http *
metrics_http_start(struct app *app, const char *host, int port, char **err)
{
	struct sockaddr_storage ss;
	if (addr_sockaddr(host, port, &ss) != 0) {
		*err = util_xasprintf("--metrics-listen needs an IPv4 or IPv6 address, "
				      "not \"%s\"",
				      host);
		return NULL;
	}
	if (!addr_loopback(&ss))
		log_warn("metrics: %s is not a loopback address: GET /metrics asks "
			 "nobody who they are, keep the port from the network",
			 host);
	struct metrics_http *mh = util_xcalloc(1, sizeof *mh);
	mh->app = app;
	mh->d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
			(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
		(uint16_t)port, NULL, NULL, handle, mh, MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *)&ss, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)16, MHD_OPTION_END);
	if (!mh->d) {
		*err = util_xasprintf("cannot listen on %s:%d for /metrics", host, port);
		free(mh);
		return NULL;
	}
	return mh;
}

int
metrics_http_port(struct metrics_http *mh)
{
	const union MHD_DaemonInfo *di =
		MHD_get_daemon_info(mh->d, MHD_DAEMON_INFO_BIND_PORT);
	return di ? di->port : 0;
}

void
metrics_http_stop(struct metrics_http *mh)
{
	if (!mh)
		return;
	MHD_stop_daemon(mh->d);
	free(mh);
}
