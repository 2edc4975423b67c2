/*
 * serve.c - cakiosk-ra serve: the listeners (the terminal API, the public
 * pages, the metrics) bound before anything else, the store and the CA
 * opened, the worker threads started, and a clean stop on a signal.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "ra/addr.h"
#include "ra/api.h"
#include "ra/app.h"
#include "ra/gw.h"
#include "ra/http.h"
#include "ra/metrics.h"
#include "ra/metrics_http.h"
#include "ra/opts.h"
#include "ra/outbox.h"
#include "ra/tlspair.h"
#include "ra/util.h"

/* opt's HOST:PORT into host and *port; 0, or 2 after saying so. */
static int
listen_arg(const char *name, const char *opt, char host[256], int *port)
{
	if (addr_split(opt, host, 256, port) == 0)
		return 0;
	fprintf(stderr, "cakiosk-ra: --%s wants HOST:PORT, not \"%s\"\n", name, opt);
	return 2;
}

/* Options that only go together; 0, or 2 after saying so. */
static int
serve_opts_check(const struct opts *o)
{
	const char *bad = NULL;
	if (o->demo && o->no_demo)
		bad = "--demo and --no-demo exclude each other";
	else if (!o->tls_cert != !o->tls_key)
		bad = "--tls-cert and --tls-key go together: give both";
	else if (o->public_listen && (!o->public_cert || !o->public_key))
		bad = "--public-listen needs --public-tls-cert and --public-tls-key (the "
		      "certificate phones are to trust)";
	else if (!o->public_listen && (o->public_cert || o->public_key))
		bad = "--public-tls-cert and --public-tls-key are for --public-listen";
	if (!bad)
		return 0;
	fprintf(stderr, "cakiosk-ra: %s\n", bad);
	return 2;
}

int
serve_run(const struct opts *o)
{
	char host[256], mhost[256], phost[256], *err = NULL, *url = NULL;
	int port, mport = 0, pport = 0, rc = 1, fd = -1, pfd = -1;
	struct app app = {0};
	struct http *h = NULL, *ph = NULL;
	struct metrics_http *mh = NULL;
	struct tls_pair api_tls = {0}, pub_tls = {0};
	sigset_t set;
	if (listen_arg("listen", o->listen, host, &port) != 0 ||
	    (o->metrics_listen &&
	     listen_arg("metrics-listen", o->metrics_listen, mhost, &mport) != 0) ||
	    (o->public_listen &&
	     listen_arg("public-listen", o->public_listen, phost, &pport) != 0) ||
	    serve_opts_check(o) != 0)
		return 2;
	if (metrics_setup(o->instance, !o->no_access_log, &err) != 0) {
		fprintf(stderr, "cakiosk-ra: %s\n", err);
		free(err);
		return 2;
	}
	/* The signals are taken by sigwait() below; every thread started from
	 * here on inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* The demo lives in the sandbox: production has no demo terminal,
	 * staff, records or root (nobody may hold their keys). */
	app.sandbox = o->sandbox || o->demo;
	app.demo = o->demo || (o->sandbox && !o->no_demo);
	app.pay_delay = o->pay_delay;
	app.pay_ttl = app.sandbox ? o->pay_ttl : 900;
	app.sms_terminal_limit = o->sms_limit;
	/* Certificates from files are checked before anything is opened. */
	int64_t now = (int64_t)time(NULL);
	if ((o->tls_cert && tls_pair_load(&api_tls, "the terminal API", o->tls_cert,
					  o->tls_key, now, &err) != 0) ||
	    (o->public_listen &&
	     tls_pair_load(&pub_tls, "the public listener", o->public_cert, o->public_key,
			   now, &err) != 0))
		goto out;
	/* Bound before the store and the CA are opened and any thread runs:
	 * with port 0 the links and the CRL distribution point are made of
	 * the port bound, once, and nothing changes them while requests are
	 * served.  Links go to the public listener when there is one. */
	int bound = 0, pbound = 0;
	if ((fd = addr_listen(host, port, &bound, &err)) < 0 ||
	    (o->public_listen && (pfd = addr_listen(phost, pport, &pbound, &err)) < 0))
		goto out;
	url = o->public_url      ? util_xstrdup(o->public_url)
	      : o->public_listen ? addr_url("https", phost, pbound)
				 : addr_url("https", host, bound);
	if (gw_configure(app.sandbox, o->gateways, o->ngateways, &err) != 0 ||
	    api_open(&app, o->db, o->ca_dir, host, url, bound, &err) != 0)
		goto out;
	struct http_listener api = {
		.fd = fd,
		.cert_pem =
			api_tls.cert_pem ? api_tls.cert_pem : ca_server_cert_pem(app.ca),
		.key_pem = api_tls.key_pem ? api_tls.key_pem : ca_server_key_pem(app.ca),
		.trust_pem = ca_cert_pem(app.ca),
		.threads = o->threads};
	fd = -1;
	outbox_start(&app);
	h = http_start(&app, &api, api_routes, NULL, &err);
	if (!h)
		goto out;
	if (o->public_listen) {
		struct http_listener pub = {.fd = pfd,
					    .cert_pem = pub_tls.cert_pem,
					    .key_pem = pub_tls.key_pem,
					    .need = R_PAGE,
					    .threads = o->threads};
		pfd = -1;
		ph = http_start(&app, &pub, api_routes, h, &err);
		if (!ph)
			goto out;
	}
	if (o->metrics_listen) {
		mh = metrics_http_start(&app, mhost, mport, &err);
		if (!mh)
			goto out;
		char *murl = addr_url("http", mhost, metrics_http_port(mh));
		log_info("metrics on %s/metrics", murl);
		free(murl);
	}
	free(url);
	url = addr_url("https", host, bound);
	log_info("listening on %s%s", url,
		 app.demo      ? " (the demo, sandbox mode)"
		 : app.sandbox ? " (sandbox mode)"
			       : "");
	if (ph) {
		free(url);
		url = addr_url("https", phost, pbound);
		log_info("public pages on %s (links: %s)", url, app.public_url);
	}
	if (o->port_file) {
		char buf[16];
		int n = snprintf(buf, sizeof buf, "%d\n", bound);
		if (util_write_file(o->port_file, buf, (size_t)n, 0600) != 0)
			log_warn("cannot write %s", o->port_file);
	}
	int sig = 0;
	sigwait(&set, &sig);
	log_info("signal %d: shutting down", sig);
	rc = 0;
out:
	if (err) {
		fprintf(stderr, "cakiosk-ra: %s\n", err);
		free(err);
	}
	if (fd >= 0)
		close(fd);
	if (pfd >= 0)
		close(pfd);
	free(url);
	metrics_http_stop(mh);
	http_stop(ph); /* before h, whose upload places it shares */
	http_stop(h);
	outbox_stop(); /* after the requests: what they added is in the store */
	api_close(&app);
	metrics_fini();
	tls_pair_free(&api_tls);
	tls_pair_free(&pub_tls);
	return rc;
}
