/*
 * loadgen.c - a small HTTPS load generator for the cakiosk-ra benchmarks
 * when wrk is not installed: C client threads, each with one kept-alive
 * libcurl connection (mTLS), GET the same URL for D seconds.
 *
 *   loadgen -c 50 -d 5 -a CA.crt -e CLIENT.crt -k CLIENT.key [-H HEADER] URL
 *
 * -H adds a request header (a kiosk sends "X-Terminal-Id: ...").
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
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
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

static void
usage(void)
{
	fprintf(stderr,
		"usage: loadgen -c N -d SECS -a CA -e CERT -k KEY [-H HEADER]\n"
		"         [-r ORDERS -q CSR -s OLDKEY | -p BODY | -f ORDER -q CSR "
		"-s OLDKEY] URL...\n");
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
	int conns = 50, secs = 5, opt;
	const char *ca = NULL, *cert = NULL, *key = NULL, *header = NULL;
	const char *orders = NULL, *csr = NULL, *oldkey = NULL, *body = NULL;
	const char *order = NULL;
	struct posts posts = {0};
	struct flow flow = {0};
	while ((opt = getopt(argc, argv, "c:d:a:e:k:H:r:q:s:p:f:")) != -1) {
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
		default:
			usage();
			return 2;
		}
	}
	if (optind >= argc || conns < 1 || conns > 1000 || secs < 1) {
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
	curl_global_init(CURL_GLOBAL_ALL);
	struct worker *w = calloc((size_t)conns, sizeof *w);
	double cpu0 = cpu_s(), start = now_s(), end = start + secs;
	for (int i = 0; i < conns; i++) {
		w[i] = (struct worker){.posts = orders ? &posts : NULL,
				       .url = argv[optind + i % (argc - optind)],
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
	long errors = 0, http = 0;
	for (int i = 0; i < conns; i++) {
		pthread_join(w[i].th, NULL);
		total += w[i].n;
		errors += w[i].errors;
		http += w[i].http;
	}
	double elapsed = now_s() - start;
	double *all = malloc((total ? total : 1) * sizeof *all);
	size_t k = 0;
	for (int i = 0; i < conns; i++) {
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
	free(all);
	free(w);
	free((char *)flow.order);
	free(flow.csr_json);
	EVP_PKEY_free(flow.oldkey);
	curl_global_cleanup();
	return total ? 0 : 1;
}
