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
 * Prints "requests N errors E rps R p50_ms X p99_ms Y cpu_s C", C the
 * CPU seconds (user + system) loadgen itself spent: on a machine it shares
 * with the server, the server's own CPU is told apart from it.
 */
#include <pthread.h>
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

struct worker {
	pthread_t th;
	struct posts *posts;
	const char *url, *ca, *cert, *key, *header;
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

static size_t
discard(char *p, size_t s, size_t n, void *u)
{
	(void)p;
	(void)u;
	return s * n;
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
	if (w->posts)
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	while (now_s() < w->deadline) {
		struct curl_slist *h = hdrs;
		if (w->posts) {
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
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (h != hdrs)
			curl_slist_free_all(h);
		if (rc != CURLE_OK || code != (w->posts ? 201 : 200)) {
			w->errors++;
			continue;
		}
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 1024;
			w->lat = realloc(w->lat, w->cap * sizeof *w->lat);
			if (!w->lat)
				abort();
		}
		w->lat[w->n++] = now_s() - t0;
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

/* The renewal requests for the orders in file orders: the CSR (JSON-escaped)
 * and each order's proof signed with the old key.  0 or -1. */
static int
make_posts(struct posts *ps, const char *base, const char *orders, const char *csr_path,
	   const char *key_path)
{
	char *ids = file_text(orders), *csr = file_text(csr_path), *esc, hex[65];
	FILE *kf = fopen(key_path, "r");
	EVP_PKEY *key = kf ? PEM_read_PrivateKey(kf, NULL, NULL, NULL) : NULL;
	BIO *b = csr ? BIO_new_mem_buf(csr, -1) : NULL;
	X509_REQ *req = b ? PEM_read_bio_X509_REQ(b, NULL, NULL, NULL) : NULL;
	unsigned char *der = NULL, md[32];
	int dl = req ? i2d_X509_REQ(req, &der) : -1;
	if (kf)
		fclose(kf);
	BIO_free(b);
	X509_REQ_free(req);
	if (!ids || !key || dl <= 0 ||
	    EVP_Digest(der, (size_t)dl, md, NULL, EVP_sha256(), NULL) != 1)
		return -1;
	OPENSSL_free(der);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	esc = malloc(2 * strlen(csr) + 1);
	if (!esc)
		abort();
	size_t k = 0;
	for (const char *p = csr; *p; p++) {
		if (*p == '\n')
			esc[k++] = '\\', esc[k++] = 'n';
		else
			esc[k++] = *p;
	}
	esc[k] = '\0';
	pthread_mutex_init(&ps->lock, NULL);
	for (char *id = strtok(ids, "\n"); id; id = strtok(NULL, "\n")) {
		char *tbs = cat5("cakiosk-renew:", id, ":", hex, "");
		unsigned char sig[512], b64[700];
		size_t sl = sizeof sig;
		EVP_MD_CTX *m = EVP_MD_CTX_new();
		if (!m || EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, key) != 1 ||
		    EVP_DigestSign(m, sig, &sl, (unsigned char *)tbs, strlen(tbs)) != 1)
			return -1;
		EVP_MD_CTX_free(m);
		free(tbs);
		EVP_EncodeBlock(b64, sig, (int)sl);
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
	free(csr);
	free(ids);
	return ps->n ? 0 : -1;
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
	const char *orders = NULL, *csr = NULL, *oldkey = NULL;
	struct posts posts = {0};
	while ((opt = getopt(argc, argv, "c:d:a:e:k:H:r:q:s:")) != -1) {
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
		default:
			fprintf(stderr,
				"usage: loadgen -c N -d SECS -a CA -e CERT -k "
				"KEY [-H HEADER] [-r ORDERS -q CSR -s OLDKEY] URL\n");
			return 2;
		}
	}
	if (optind != argc - 1 || conns < 1 || conns > 1000 || secs < 1) {
		fprintf(stderr, "usage: loadgen -c N -d SECS -a CA -e CERT -k KEY [-H "
				"HEADER] URL\n");
		return 2;
	}
	if (orders && (!csr || !oldkey ||
		       make_posts(&posts, argv[optind], orders, csr, oldkey) != 0)) {
		fprintf(stderr, "loadgen: -r needs -q CSR and -s OLDKEY, and orders\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_ALL);
	struct worker *w = calloc((size_t)conns, sizeof *w);
	double start = now_s(), end = start + secs;
	for (int i = 0; i < conns; i++) {
		w[i] = (struct worker){.posts = orders ? &posts : NULL,
				       .url = argv[optind],
				       .ca = ca,
				       .cert = cert,
				       .key = key,
				       .header = header,
				       .deadline = end};
		pthread_create(&w[i].th, NULL, run, &w[i]);
	}
	size_t total = 0;
	long errors = 0;
	for (int i = 0; i < conns; i++) {
		pthread_join(w[i].th, NULL);
		total += w[i].n;
		errors += w[i].errors;
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
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	printf("requests %zu errors %ld rps %.0f p50_ms %.2f p99_ms %.2f cpu_s %.2f\n",
	       total, errors, (double)total / elapsed, total ? all[total / 2] * 1e3 : 0.0,
	       total ? all[(size_t)((double)total * 0.99)] * 1e3 : 0.0, cpu);
	free(all);
	free(w);
	curl_global_cleanup();
	return total ? 0 : 1;
}
