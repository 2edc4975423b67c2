/*
 * loadgen.c - a small HTTPS load generator for the cakiosk-ra benchmarks
 * when wrk is not installed: C client threads, each with one kept-alive
 * libcurl connection (mTLS), GET the same URL for D seconds.
 *
 *   loadgen -c 50 -d 5 -a CA.crt -e CLIENT.crt -k CLIENT.key [-H HEADER] URL
 *   loadgen -E [-t N] -c 50 -d 5 -a CA.crt -e CLIENT.crt -k CLIENT.key ... URL
 *
 * -H adds a request header (a kiosk sends "X-Terminal-Id: ...").
 *
 * With -E the same GETs are sent without libcurl, for a client that costs
 * the machine it shares with the server little: one thread (N with -t, each
 * with its share of the connections) drives all C connections through an
 * epoll of its own, non-blocking sockets and OpenSSL itself (the server
 * verified against CA and its name or address, the client certificate
 * presented, TLS as the server offers it: 1.3 with cakiosk-ra), HTTP/1.1
 * kept alive, one request at a time on each connection.  The connections
 * are made, handshakes and all, before the clock starts: the figures are of
 * reads alone (a connection that cannot be made stops loadgen, status 1).
 * Any 2xx is a success; an answer needs a Content-Length (or is chunked,
 * and fits in 16 KiB).  A connection that fails, or that the server closes
 * while a request is under way, is an error and is made again at once;
 * one closed after an answer that said "Connection: close" is made again
 * without an error.  How many were made again is said on stderr (when not
 * none).  After D seconds the answers under way are waited for, 30 s at
 * most; those still missing then are errors.
 *
 * With -r ORDERS -q CSR -s OLDKEY the clients finish paid renewals instead,
 * as a kiosk does: POST URL/v1/orders/ID/certificate with the CSR and the
 * old key's proof ("cakiosk-renew:ID:" hex SHA-256 of the CSR's DER, signed
 * with OLDKEY, SHA-256), one order of the file ORDERS (an id a line) each,
 * until the orders or the D seconds run out; 201 is a success.  The bodies
 * are made before the clock starts.
 *
 * With -p BODY the clients POST BODY (JSON) to URL instead, each request
 * with an Idempotency-Key of its own, so that each one is a new write (an
 * order made); any 2xx is a success.
 *
 * With -f ORDER -q CSR -s OLDKEY each client goes through whole sandbox
 * renewals, one after the other, as a kiosk and a phone do: the order
 * (POST URL/v1/orders with the body ORDER, a renewal of the certificate
 * whose key is OLDKEY), its confirmation, its payment, the sandbox pay page
 * (GET), the certificate for CSR with the old key's proof.  A renewal that
 * goes through is one success, its time from the first request to the
 * certificate one latency.
 *
 * Several URLs: client i uses URL number i modulo their number (the load
 * split between instances of the server).
 *
 * Prints "requests N errors E rps R p50_ms X p99_ms Y cpu_s C http H": N
 * successes (requests, or renewals with -f), C the CPU seconds (user +
 * system) loadgen itself spent while the clock ran (on a machine it shares
 * with the server, the server's own CPU is told apart from it; the proofs
 * made before the clock starts are not in it), H the HTTP requests it sent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/* Renewal mode: the requests to send, taken in turn by the workers. */
struct posts {
	char **url, **body, **idem;
	size_t n;
	size_t next;
	pthread_mutex_t lock;
};

/* Renewal flows (-f): what every renewal sends but its order's id. */
struct flow {
	const char *order;    /* the order's body */
	char *csr_json;       /* the CSR, JSON-escaped */
	char csr_hex[65];     /* hex SHA-256 of the CSR's DER */
	EVP_PKEY *oldkey;     /* signs the proof */
	pthread_mutex_t lock; /* EVP_PKEY signing from several threads */
};

struct worker {
	pthread_t th;
	struct posts *posts;
	const char *url, *ca, *cert, *key, *header;
	const char *body;        /* -p: POST this with a fresh key each time */
	const struct flow *flow; /* -f: whole renewals */
	long http;               /* requests sent */
	double deadline;
	double *lat;
	size_t n, cap;
	long errors;
	/* -E: this thread's connections and their epoll */
	SSL_CTX *ctx;
	struct conn *conns;
	int nconns, active, ep;
	long reconnects;
};

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The CPU seconds (user + system) of the whole process so far. */
static double
cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static size_t
discard(char *p, size_t s, size_t n, void *u)
{
	(void)p;
	(void)u;
	return s * n;
}

/* An answer's body, kept (up to its first 4 KiB: enough for the ids). */
struct answer {
	char text[4096];
	size_t n;
};

static size_t
keep(char *p, size_t s, size_t n, void *u)
{
	struct answer *a = u;
	size_t len = s * n, room = sizeof a->text - 1 - a->n;
	memcpy(a->text + a->n, p, len < room ? len : room);
	a->n += len < room ? len : room;
	a->text[a->n] = '\0';
	return len;
}

/* The first "id" string member of the answer (the order's, the payment's). */
static bool
first_id(const struct answer *a, char *out, size_t size)
{
	const char *p = strstr(a->text, "\"id\":\"");
	const char *e = p ? strchr(p + 6, '"') : NULL;
	if (!e || (size_t)(e - p - 6) >= size)
		return false;
	memcpy(out, p + 6, (size_t)(e - p - 6));
	out[e - p - 6] = '\0';
	return true;
}

static char *cat5(const char *a, const char *b, const char *c, const char *d,
		  const char *e);
static int sign_proof(EVP_PKEY *key, const char *id, const char *hex,
		      unsigned char b64[700]);

/* One request of a renewal: method (POST with body and a key of its own),
 * the status it must get.  The answer in *a.  false on anything else. */
static bool
step(struct worker *w, CURL *c, const char *url, const char *body, const char *key,
     long want, struct answer *a)
{
	struct curl_slist *h = NULL;
	long code = 0;
	a->n = 0;
	a->text[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (body) {
		char idem[160];
		snprintf(idem, sizeof idem, "Idempotency-Key: %s", key);
		h = curl_slist_append(h, idem);
		h = curl_slist_append(h, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	w->http++;
	return rc == CURLE_OK && code == want;
}

/* One whole renewal (see the top); true when it went through. */
static bool
renewal(struct worker *w, CURL *c, long n)
{
	const struct flow *f = w->flow;
	struct answer a;
	char oid[64], pid[64], key[96], *url, *body;
	unsigned char b64[700];
	bool ok;
	snprintf(key, sizeof key, "flow-%ld-%p-%ld-order", (long)getpid(), (void *)w, n);
	url = cat5(w->url, "/v1/orders", "", "", "");
	ok = step(w, c, url, f->order, key, 201, &a) && first_id(&a, oid, sizeof oid);
	free(url);
	if (!ok)
		return false;
	key[strlen(key) - 5] = '\0'; /* "flow-...-N-" + the step */
	char k2[128];
	snprintf(k2, sizeof k2, "%sconfirm", key);
	url = cat5(w->url, "/v1/orders/", oid, "/confirm", "");
	ok = step(w, c, url, "{}", k2, 200, &a);
	free(url);
	snprintf(k2, sizeof k2, "%spay", key);
	url = cat5(w->url, "/v1/orders/", oid, "/payments", "");
	ok = ok && step(w, c, url, "{\"channel\":\"alipay\"}", k2, 201, &a) &&
	     first_id(&a, pid, sizeof pid);
	free(url);
	if (!ok)
		return false;
	url = cat5(w->url, "/pay/", pid, "", "");
	ok = step(w, c, url, NULL, NULL, 200, &a);
	free(url);
	pthread_mutex_lock(&((struct flow *)f)->lock);
	ok = ok && sign_proof(f->oldkey, oid, f->csr_hex, b64) == 0;
	pthread_mutex_unlock(&((struct flow *)f)->lock);
	if (!ok)
		return false;
	snprintf(k2, sizeof k2, "%scert", key);
	url = cat5(w->url, "/v1/orders/", oid, "/certificate", "");
	body = cat5("{\"csr\":\"", f->csr_json, "\",\"proof\":\"", (char *)b64, "\"}");
	ok = step(w, c, url, body, k2, 201, &a);
	free(url);
	free(body);
	return ok;
}

/* One success that took secs. */
static void
note_latency(struct worker *w, double secs)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 1024;
		w->lat = realloc(w->lat, w->cap * sizeof *w->lat);
		if (!w->lat)
			abort();
	}
	w->lat[w->n++] = secs;
}

/* Renewals until the deadline; each one's time is a latency. */
static void
run_flows(struct worker *w, CURL *c)
{
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
	for (long n = 0; now_s() < w->deadline; n++) {
		double t0 = now_s();
		if (!renewal(w, c, n)) {
			w->errors++;
			continue;
		}
		note_latency(w, now_s() - t0);
	}
}

static void *
run(void *arg)
{
	struct worker *w = arg;
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, w->url);
	curl_easy_setopt(c, CURLOPT_CAINFO, w->ca);
	curl_easy_setopt(c, CURLOPT_SSLCERT, w->cert);
	curl_easy_setopt(c, CURLOPT_SSLKEY, w->key);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	struct curl_slist *hdrs = w->header ? curl_slist_append(NULL, w->header) : NULL;
	if (w->posts || w->body)
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	if (w->body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, w->body);
	if (w->flow) {
		run_flows(w, c);
		curl_easy_cleanup(c);
		curl_slist_free_all(hdrs);
		return NULL;
	}
	for (long sent = 0; now_s() < w->deadline; sent++) {
		struct curl_slist *h = hdrs;
		if (w->body) {
			char idem[80];
			snprintf(idem, sizeof idem, "Idempotency-Key: lg-%ld-%p-%ld",
				 (long)getpid(), (void *)w, sent);
			h = curl_slist_append(NULL, idem);
			for (struct curl_slist *p = hdrs; p; p = p->next)
				h = curl_slist_append(h, p->data);
		} else if (w->posts) {
			pthread_mutex_lock(&w->posts->lock);
			size_t i = w->posts->next < w->posts->n ? w->posts->next++
								: w->posts->n;
			pthread_mutex_unlock(&w->posts->lock);
			if (i == w->posts->n)
				break;
			curl_easy_setopt(c, CURLOPT_URL, w->posts->url[i]);
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, w->posts->body[i]);
			h = curl_slist_append(NULL, w->posts->idem[i]);
			for (struct curl_slist *p = hdrs; p; p = p->next)
				h = curl_slist_append(h, p->data);
		}
		if (h)
			curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		double t0 = now_s();
		long code = 0;
		CURLcode rc = curl_easy_perform(c);
		w->http++;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (h != hdrs)
			curl_slist_free_all(h);
		if (rc != CURLE_OK ||
		    (w->body ? code / 100 != 2 : code != (w->posts ? 201 : 200))) {
			w->errors++;
			continue;
		}
		note_latency(w, now_s() - t0);
	}
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	return NULL;
}

/* -E: where one URL's connections go and what they send, made once. */
struct target {
	char host[256], port[8];
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char *req; /* the whole request */
	size_t req_len;
};

/* -E: one connection's state. */
enum cstate {
	C_SHAKE, /* TLS handshake under way */
	C_READY, /* handshake done, no request yet (before the clock) */
	C_WRITE, /* request being written */
	C_READ,  /* answer being read */
	C_DONE   /* past the deadline, or given up */
};

struct conn {
	int fd;
	SSL *ssl;
	enum cstate st;
	uint32_t events; /* what epoll waits for on fd */
	const struct target *tg;
	size_t have;    /* bytes of the answer in buf (its head, or all of it chunked) */
	size_t head;    /* the length of the answer's head, 0 until it is whole */
	long long left; /* Content-Length: body bytes still to come */
	bool chunked;   /* Transfer-Encoding: chunked */
	bool close;     /* Connection: close */
	int status;
	double t0;
	char buf[16384];
};

/* The URL https://HOST[:PORT]/PATH as a target: its address and the GET,
 * with header (may be NULL) in it.  0 or -1. */
static int
make_target(struct target *t, const char *url, const char *header)
{
	const char *h = url + 8, *path, *colon;
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai;
	if (strncmp(url, "https://", 8) != 0)
		return -1;
	path = strchr(h, '/');
	if (!path)
		path = h + strlen(h);
	colon = memchr(h, ':', (size_t)(path - h));
	size_t hl = (size_t)((colon ? colon : path) - h);
	if (hl == 0 || hl >= sizeof t->host)
		return -1;
	memcpy(t->host, h, hl);
	t->host[hl] = '\0';
	if (colon) {
		size_t pl = (size_t)(path - colon - 1);
		if (pl == 0 || pl >= sizeof t->port)
			return -1;
		memcpy(t->port, colon + 1, pl);
		t->port[pl] = '\0';
	} else {
		strcpy(t->port, "443");
	}
	if (getaddrinfo(t->host, t->port, &hints, &ai) != 0)
		return -1;
	memcpy(&t->addr, ai->ai_addr, ai->ai_addrlen);
	t->addr_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	size_t n = strlen(path) + strlen(h) + (header ? strlen(header) : 0) + 64;
	t->req = malloc(n);
	if (!t->req)
		abort();
	snprintf(t->req, n, "GET %s HTTP/1.1\r\nHost: %.*s\r\nAccept: */*\r\n%s%s\r\n",
		 *path ? path : "/", (int)(path - h), h, header ? header : "",
		 header ? "\r\n" : "");
	t->req_len = strlen(t->req);
	return 0;
}

/* What epoll waits for on c's socket. */
static void
conn_want(struct worker *w, struct conn *c, uint32_t events)
{
	if (c->events == events)
		return;
	struct epoll_event ev = {.events = events, .data.ptr = c};
	epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev);
	c->events = events;
}

/* Whether SSL error e only asks to wait (for its socket to read or write):
 * then epoll waits for that. */
static bool
conn_wait(struct worker *w, struct conn *c, int e)
{
	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
		return false;
	conn_want(w, c, e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
	return true;
}

static void
conn_close(struct conn *c)
{
	if (c->ssl)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
}

/* A new connection for c, its handshake begun (non-blocking).  0 or -1. */
static int
conn_open(struct worker *w, struct conn *c)
{
	const struct target *t = c->tg;
	struct in6_addr ip;
	int one = 1;
	c->fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(c->fd, (const struct sockaddr *)&t->addr, t->addr_len) != 0 &&
	    errno != EINPROGRESS)
		return -1;
	c->ssl = SSL_new(w->ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1 ||
	    SSL_set1_host(c->ssl, t->host) != 1)
		return -1;
	/* The server's name (SNI) when it has one, as libcurl sends it. */
	if (inet_pton(AF_INET, t->host, &ip) != 1 &&
	    inet_pton(AF_INET6, t->host, &ip) != 1)
		SSL_set_tlsext_host_name(c->ssl, t->host);
	SSL_set_connect_state(c->ssl);
	c->st = C_SHAKE;
	c->events = EPOLLOUT;
	struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
	return epoll_ctl(w->ep, EPOLL_CTL_ADD, c->fd, &ev);
}

/* c is through: it takes no more requests (its connection is kept until
 * the end, out of the epoll). */
static void
conn_done(struct worker *w, struct conn *c)
{
	c->st = C_DONE;
	w->active--;
	epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
}

/* c's connection failed or was closed: an error, and a new connection
 * before the deadline.  Before the clock a failure is fatal. */
static void
conn_fail(struct worker *w, struct conn *c, const char *why)
{
	if (w->deadline == 0) {
		fprintf(stderr, "loadgen: %s:%s: %s\n", c->tg->host, c->tg->port, why);
		ERR_print_errors_fp(stderr);
		exit(1);
	}
	ERR_clear_error();
	w->errors++;
	conn_close(c);
	if (now_s() >= w->deadline) {
		c->st = C_DONE;
		w->active--;
		return;
	}
	w->reconnects++;
	if (conn_open(w, c) != 0) {
		conn_close(c);
		c->st = C_DONE;
		w->active--;
	}
}

/* The next request on c. */
static void
conn_send(struct worker *w, struct conn *c)
{
	c->st = C_WRITE;
	c->have = c->head = 0;
	c->left = 0;
	c->chunked = c->close = false;
	c->t0 = now_s();
	w->http++;
}

/* The first s in the n bytes at p, or NULL. */
static char *
find(const char *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return (char *)p + i;
	return NULL;
}

/* Whether the header line at l (up to its CR LF) names word. */
static bool
line_has(const char *l, const char *word)
{
	return find(l, strcspn(l, "\r\n"), word) != NULL;
}

/* The end of the chunked body at p (n bytes, trailer included): its length,
 * 0 while it is not whole, -1 if it is not chunked. */
static long
chunked_end(const char *p, size_t n)
{
	size_t i = 0;
	for (;;) {
		const char *eol = find(p + i, n - i, "\r\n");
		char *end;
		if (!eol)
			return 0;
		unsigned long size = strtoul(p + i, &end, 16);
		if (end == p + i || (end < eol && *end != ';'))
			return -1;
		i = (size_t)(eol - p) + 2;
		if (size == 0) {
			/* trailer lines, then an empty line */
			for (;;) {
				eol = find(p + i, n - i, "\r\n");
				if (!eol)
					return 0;
				if (eol == p + i)
					return (long)(i + 2);
				i = (size_t)(eol - p) + 2;
			}
		}
		if (size > n - i || n - i - size < 2)
			return 0; /* not all here yet (or larger than the buffer) */
		if (memcmp(p + i + size, "\r\n", 2) != 0)
			return -1;
		i += size + 2;
	}
}

/* The answer in c->buf so far: 1 when it is whole, 0 while it is not, -1
 * if it cannot be read. */
static int
conn_parse(struct conn *c)
{
	if (!c->head) {
		char *e = find(c->buf, c->have, "\r\n\r\n");
		bool length = false;
		if (!e)
			return 0;
		*e = '\0';
		c->head = (size_t)(e - c->buf) + 4;
		if (sscanf(c->buf, "HTTP/1.%*1d %3d", &c->status) != 1)
			return -1;
		for (char *l = strstr(c->buf, "\r\n"); l; l = strstr(l, "\r\n")) {
			l += 2;
			if (strncasecmp(l, "content-length:", 15) == 0) {
				c->left = strtoll(l + 15, NULL, 10);
				length = true;
			} else if (strncasecmp(l, "transfer-encoding:", 18) == 0) {
				c->chunked = line_has(l, "chunked");
			} else if (strncasecmp(l, "connection:", 11) == 0) {
				c->close = line_has(l, "close");
			}
		}
		if (!c->chunked) {
			/* Without a length a body ends with the connection:
			 * not one kept alive, taken as unreadable. */
			if (!length && c->status != 204 && c->status != 304)
				return -1;
			c->left -= (long long)(c->have - c->head);
			c->have = 0;
			return c->left < 0 ? -1 : c->left == 0;
		}
	}
	long n = chunked_end(c->buf + c->head, c->have - c->head);
	return n < 0 || (n > 0 && (size_t)n != c->have - c->head) ? -1 : n > 0;
}

/* A whole answer on c: its count, and the next request or the end. */
static void
conn_answered(struct worker *w, struct conn *c)
{
	if (c->status / 100 == 2)
		note_latency(w, now_s() - c->t0);
	else
		w->errors++;
	if (now_s() >= w->deadline) {
		conn_done(w, c);
		return;
	}
	if (c->close) {
		/* the server closes it: a new one, not an error */
		conn_close(c);
		w->reconnects++;
		if (conn_open(w, c) != 0)
			conn_fail(w, c, "cannot reconnect");
		return;
	}
	conn_send(w, c);
}

/* c as far as it goes without waiting. */
static void
conn_step(struct worker *w, struct conn *c)
{
	for (;;) {
		int r;
		switch (c->st) {
		case C_SHAKE:
			r = SSL_connect(c->ssl);
			if (r == 1) {
				if (w->deadline == 0) {
					c->st = C_READY;
					conn_want(w, c, 0);
					return;
				}
				conn_send(w, c);
				break;
			}
			if (conn_wait(w, c, SSL_get_error(c->ssl, r)))
				return;
			conn_fail(w, c, "TLS handshake failed");
			return;
		case C_WRITE:
			/* A failed write is tried again with the same arguments;
			 * the request is small, written whole. */
			r = SSL_write(c->ssl, c->tg->req, (int)c->tg->req_len);
			if (r > 0) {
				/* no answer yet: wait for it rather than try */
				c->st = C_READ;
				conn_want(w, c, EPOLLIN);
				return;
			}
			if (conn_wait(w, c, SSL_get_error(c->ssl, r)))
				return;
			conn_fail(w, c, "write failed");
			return;
		case C_READ: {
			size_t room = sizeof c->buf - 1 - c->have;
			if (room == 0) {
				conn_fail(w, c, "answer too large");
				return;
			}
			r = SSL_read(c->ssl, c->buf + c->have, (int)room);
			if (r <= 0) {
				if (conn_wait(w, c, SSL_get_error(c->ssl, r)))
					return;
				conn_fail(w, c, "connection closed");
				return;
			}
			if (c->head && !c->chunked) {
				/* body bytes, counted, not kept */
				c->left -= r;
				if (c->left > 0)
					break;
				r = c->left == 0 ? 1 : -1;
			} else {
				c->have += (size_t)r;
				r = conn_parse(c);
				if (r == 0)
					break;
			}
			if (r < 0) {
				conn_fail(w, c, "answer not understood");
				return;
			}
			conn_answered(w, c);
			if (c->st != C_WRITE)
				return;
			break;
		}
		case C_READY:
		case C_DONE:
			return;
		}
	}
}

/* Before the clock: w's connections opened and their handshakes done. */
static void
ev_setup(struct worker *w, struct conn *conns, int n)
{
	w->ep = epoll_create1(EPOLL_CLOEXEC);
	w->conns = conns;
	w->nconns = n;
	for (int i = 0; i < n; i++) {
		if (w->ep < 0 || conn_open(w, &conns[i]) != 0)
			conn_fail(w, &conns[i], "cannot connect");
		conn_step(w, &conns[i]);
	}
	double give_up = now_s() + 30;
	for (;;) {
		int ready = 0;
		for (int i = 0; i < n; i++)
			ready += conns[i].st == C_READY;
		if (ready == n)
			break;
		if (now_s() > give_up)
			conn_fail(w, conns, "handshakes take too long");
		struct epoll_event ev[64];
		int k = epoll_wait(w->ep, ev, 64, 1000);
		for (int i = 0; i < k; i++)
			conn_step(w, ev[i].data.ptr);
	}
}

/* -E: one thread, its connections driven by its epoll until the deadline
 * and their last answers (30 s more at most: the rest are errors). */
static void *
run_events(void *arg)
{
	struct worker *w = arg;
	w->active = w->nconns;
	for (int i = 0; i < w->nconns; i++) {
		conn_send(w, &w->conns[i]);
		conn_step(w, &w->conns[i]);
	}
	while (w->active > 0) {
		struct epoll_event ev[64];
		if (now_s() > w->deadline + 30) {
			w->errors += w->active;
			break;
		}
		int k = epoll_wait(w->ep, ev, 64, 1000);
		for (int i = 0; i < k; i++)
			conn_step(w, ev[i].data.ptr);
	}
	return NULL;
}

static char *
file_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *t = NULL;
	size_t n = 0, cap = 0;
	int ch;
	if (!f)
		return NULL;
	while ((ch = fgetc(f)) != EOF) {
		if (n + 2 > cap) {
			char *bigger = realloc(t, cap = cap * 2 + 4096);
			if (!bigger)
				abort();
			t = bigger;
		}
		t[n++] = (char)ch;
	}
	fclose(f);
	if (t)
		t[n] = '\0';
	return t;
}

/* a b c d e, one new string. */
static char *
cat5(const char *a, const char *b, const char *c, const char *d, const char *e)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + strlen(d) + strlen(e) + 1;
	char *s = malloc(n);
	if (!s)
		abort();
	snprintf(s, n, "%s%s%s%s%s", a, b, c, d, e);
	return s;
}

/* The CSR at path, JSON-escaped (newlines as \n) in *esc, and the hex
 * SHA-256 of its DER (what the proof signs).  0 or -1. */
static int
read_csr(const char *path, char **esc, char hex[65])
{
	char *csr = file_text(path);
	BIO *b = csr ? BIO_new_mem_buf(csr, -1) : NULL;
	X509_REQ *req = b ? PEM_read_bio_X509_REQ(b, NULL, NULL, NULL) : NULL;
	unsigned char *der = NULL, md[32];
	int dl = req ? i2d_X509_REQ(req, &der) : -1;
	BIO_free(b);
	X509_REQ_free(req);
	if (dl <= 0 || EVP_Digest(der, (size_t)dl, md, NULL, EVP_sha256(), NULL) != 1) {
		OPENSSL_free(der);
		free(csr);
		return -1;
	}
	OPENSSL_free(der);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	*esc = malloc(2 * strlen(csr) + 1);
	if (!*esc)
		abort();
	size_t k = 0;
	for (const char *p = csr; *p; p++) {
		if (*p == '\n')
			(*esc)[k++] = '\\', (*esc)[k++] = 'n';
		else
			(*esc)[k++] = *p;
	}
	(*esc)[k] = '\0';
	free(csr);
	return 0;
}

static EVP_PKEY *
read_key(const char *path)
{
	FILE *kf = fopen(path, "r");
	EVP_PKEY *key = kf ? PEM_read_PrivateKey(kf, NULL, NULL, NULL) : NULL;
	if (kf)
		fclose(kf);
	return key;
}

/* The old key's proof for order id (base64 in b64).  0 or -1. */
static int
sign_proof(EVP_PKEY *key, const char *id, const char *hex, unsigned char b64[700])
{
	char *tbs = cat5("cakiosk-renew:", id, ":", hex, "");
	unsigned char sig[512];
	size_t sl = sizeof sig;
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	int ok = m && EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, key) == 1 &&
		 EVP_DigestSign(m, sig, &sl, (unsigned char *)tbs, strlen(tbs)) == 1;
	EVP_MD_CTX_free(m);
	free(tbs);
	if (!ok)
		return -1;
	EVP_EncodeBlock(b64, sig, (int)sl);
	return 0;
}

/* The renewal requests for the orders in file orders: the CSR (JSON-escaped)
 * and each order's proof signed with the old key.  0 or -1. */
static int
make_posts(struct posts *ps, const char *base, const char *orders, const char *csr_path,
	   const char *key_path)
{
	char *ids = file_text(orders), *esc = NULL, hex[65];
	EVP_PKEY *key = read_key(key_path);
	if (!ids || !key || read_csr(csr_path, &esc, hex) != 0)
		return -1;
	pthread_mutex_init(&ps->lock, NULL);
	for (char *id = strtok(ids, "\n"); id; id = strtok(NULL, "\n")) {
		unsigned char b64[700];
		if (sign_proof(key, id, hex, b64) != 0)
			return -1;
		ps->url = realloc(ps->url, (ps->n + 1) * sizeof *ps->url);
		ps->body = realloc(ps->body, (ps->n + 1) * sizeof *ps->body);
		ps->idem = realloc(ps->idem, (ps->n + 1) * sizeof *ps->idem);
		if (!ps->url || !ps->body || !ps->idem)
			abort();
		ps->url[ps->n] = cat5(base, "/v1/orders/", id, "/certificate", "");
		ps->body[ps->n] =
			cat5("{\"csr\":\"", esc, "\",\"proof\":\"", (char *)b64, "\"}");
		ps->idem[ps->n] = cat5("Idempotency-Key: bench-", id, "", "", "");
		ps->n++;
	}
	EVP_PKEY_free(key);
	free(esc);
	free(ids);
	return ps->n ? 0 : -1;
}

/* -f: the order's body from its file, the CSR and the old key.  0 or -1. */
static int
make_flow(struct flow *f, const char *order_path, const char *csr_path,
	  const char *key_path)
{
	f->order = file_text(order_path);
	f->oldkey = read_key(key_path);
	pthread_mutex_init(&f->lock, NULL);
	return f->order && f->oldkey && read_csr(csr_path, &f->csr_json, f->csr_hex) == 0
		       ? 0
		       : -1;
}

/* -E: the TLS context: the server verified against ca, cert and key
 * presented.  NULL (said) on failure. */
static SSL_CTX *
ev_ctx(const char *ca, const char *cert, const char *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx || !ca || !cert || !key ||
	    SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		fprintf(stderr,
			"loadgen: -E needs -a CA, -e CERT and -k KEY that load\n");
		ERR_print_errors_fp(stderr);
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/* A record's header and body in one read(2), not two. */
	SSL_CTX_set_read_ahead(ctx, 1);
	return ctx;
}

/* -E: threads workers for conns connections, connection i to URL number i
 * modulo nurls, each worker's handshakes done.  NULL (said) on failure. */
static struct worker *
ev_prepare(int threads, int conns, char **urls, int nurls, const char *header,
	   SSL_CTX *ctx, struct target *tgs)
{
	for (int i = 0; i < nurls; i++)
		if (make_target(&tgs[i], urls[i], header) != 0) {
			fprintf(stderr, "loadgen: -E: %s: not an https:// URL to reach\n",
				urls[i]);
			return NULL;
		}
	struct worker *w = calloc((size_t)threads, sizeof *w);
	struct conn *c = calloc((size_t)conns, sizeof *c);
	if (!w || !c)
		abort();
	for (int i = 0; i < conns; i++) {
		c[i].fd = -1;
		c[i].tg = &tgs[i % nurls];
	}
	for (int j = 0, first = 0; j < threads; j++) {
		int n = conns / threads + (j < conns % threads);
		w[j].ctx = ctx;
		ev_setup(&w[j], c + first, n);
		first += n;
	}
	return w;
}

/* -E: the connections and epolls of the threads workers, and the targets. */
static void
ev_free(struct worker *w, int threads, struct target *tgs, int nurls)
{
	for (int j = 0; j < threads; j++) {
		for (int i = 0; i < w[j].nconns; i++)
			conn_close(&w[j].conns[i]);
		close(w[j].ep);
	}
	free(threads ? w[0].conns : NULL);
	for (int i = 0; i < nurls; i++)
		free(tgs[i].req);
	free(tgs);
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: loadgen -c N -d SECS -a CA -e CERT -k KEY [-H HEADER]\n"
		"         [-E [-t THREADS] | -r ORDERS -q CSR -s OLDKEY | -p BODY |\n"
		"          -f ORDER -q CSR -s OLDKEY] URL...\n");
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int conns = 50, secs = 5, threads = 1, opt;
	bool events = false;
	const char *ca = NULL, *cert = NULL, *key = NULL, *header = NULL;
	const char *orders = NULL, *csr = NULL, *oldkey = NULL, *body = NULL;
	const char *order = NULL;
	struct posts posts = {0};
	struct flow flow = {0};
	while ((opt = getopt(argc, argv, "c:d:a:e:k:H:r:q:s:p:f:Et:")) != -1) {
		switch (opt) {
		case 'c':
			conns = atoi(optarg);
			break;
		case 'd':
			secs = atoi(optarg);
			break;
		case 'a':
			ca = optarg;
			break;
		case 'e':
			cert = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'H':
			header = optarg;
			break;
		case 'r':
			orders = optarg;
			break;
		case 'q':
			csr = optarg;
			break;
		case 's':
			oldkey = optarg;
			break;
		case 'p':
			body = optarg;
			break;
		case 'f':
			order = optarg;
			break;
		case 'E':
			events = true;
			break;
		case 't':
			threads = atoi(optarg);
			break;
		default:
			usage();
			return 2;
		}
	}
	if (optind >= argc || conns < 1 || conns > 1000 || secs < 1 || threads < 1 ||
	    (events && (orders || body || order))) {
		usage();
		return 2;
	}
	if (orders && (!csr || !oldkey ||
		       make_posts(&posts, argv[optind], orders, csr, oldkey) != 0)) {
		fprintf(stderr, "loadgen: -r needs -q CSR and -s OLDKEY, and orders\n");
		return 2;
	}
	if (order && (!csr || !oldkey || make_flow(&flow, order, csr, oldkey) != 0)) {
		fprintf(stderr,
			"loadgen: -f needs -q CSR and -s OLDKEY, and the order\n");
		return 2;
	}
	/* -E: threads workers (no more than connections), else one a connection. */
	int nurls = argc - optind,
	    nw = events ? (threads < conns ? threads : conns) : conns;
	struct worker *w;
	struct target *tgs = NULL;
	SSL_CTX *ctx = NULL;
	if (events) {
		signal(SIGPIPE, SIG_IGN);
		tgs = calloc((size_t)nurls, sizeof *tgs);
		ctx = ev_ctx(ca, cert, key);
		w = ctx && tgs ? ev_prepare(nw, conns, argv + optind, nurls, header, ctx,
					    tgs)
			       : NULL;
		if (!w) {
			for (int i = 0; tgs && i < nurls; i++)
				free(tgs[i].req);
			free(tgs);
			SSL_CTX_free(ctx);
			return 2;
		}
	} else {
		curl_global_init(CURL_GLOBAL_ALL);
		w = calloc((size_t)conns, sizeof *w);
	}
	double cpu0 = cpu_s(), start = now_s(), end = start + secs;
	for (int i = 0; i < nw; i++) {
		if (events) {
			w[i].deadline = end;
			pthread_create(&w[i].th, NULL, run_events, &w[i]);
			continue;
		}
		w[i] = (struct worker){.posts = orders ? &posts : NULL,
				       .url = argv[optind + i % nurls],
				       .ca = ca,
				       .cert = cert,
				       .key = key,
				       .header = header,
				       .body = body,
				       .flow = order ? &flow : NULL,
				       .deadline = end};
		pthread_create(&w[i].th, NULL, run, &w[i]);
	}
	size_t total = 0;
	long errors = 0, http = 0, reconnects = 0;
	for (int i = 0; i < nw; i++) {
		pthread_join(w[i].th, NULL);
		total += w[i].n;
		errors += w[i].errors;
		http += w[i].http;
		reconnects += w[i].reconnects;
	}
	double elapsed = now_s() - start;
	double *all = malloc((total ? total : 1) * sizeof *all);
	size_t k = 0;
	for (int i = 0; i < nw; i++) {
		if (w[i].n) /* a worker without a success has no latencies */
			memcpy(all + k, w[i].lat, w[i].n * sizeof *all);
		k += w[i].n;
		free(w[i].lat);
	}
	qsort(all, total, sizeof *all, cmp);
	double cpu = cpu_s() - cpu0;
	printf("requests %zu errors %ld rps %.0f p50_ms %.2f p99_ms %.2f cpu_s %.2f "
	       "http %ld\n",
	       total, errors, (double)total / elapsed, total ? all[total / 2] * 1e3 : 0.0,
	       total ? all[(size_t)((double)total * 0.99)] * 1e3 : 0.0, cpu, http);
	if (reconnects)
		fprintf(stderr, "loadgen: %ld connection(s) made again\n", reconnects);
	free(all);
	if (events) {
		ev_free(w, nw, tgs, nurls);
		SSL_CTX_free(ctx);
	} else {
		curl_global_cleanup();
	}
	free(w);
	free((char *)flow.order);
	free(flow.csr_json);
	EVP_PKEY_free(flow.oldkey);
	return total ? 0 : 1;
}
