/*
 * loadgen.c - a small HTTPS load generator for the cakiosk-ra benchmark
 * when wrk is not installed: C client threads, each with one kept-alive
 * libcurl connection (mTLS), GET the same URL for D seconds.
 *
 *   loadgen -c 50 -d 5 -a CA.crt -e CLIENT.crt -k CLIENT.key [-H HEADER] URL
 *
 * -H adds a request header (a kiosk sends "X-Terminal-Id: ...").
 *
 * Prints "requests N errors E rps R p50_ms X p99_ms Y".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

struct worker {
	pthread_t th;
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
	if (hdrs)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	while (now_s() < w->deadline) {
		double t0 = now_s();
		long code = 0;
		CURLcode rc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (rc != CURLE_OK || code != 200) {
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
	while ((opt = getopt(argc, argv, "c:d:a:e:k:H:")) != -1) {
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
		default:
			fprintf(stderr, "usage: loadgen -c N -d SECS -a CA -e CERT -k "
					"KEY [-H HEADER] URL\n");
			return 2;
		}
	}
	if (optind != argc - 1 || conns < 1 || conns > 1000 || secs < 1) {
		fprintf(stderr, "usage: loadgen -c N -d SECS -a CA -e CERT -k KEY [-H "
				"HEADER] URL\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_ALL);
	struct worker *w = calloc((size_t)conns, sizeof *w);
	double start = now_s(), end = start + secs;
	for (int i = 0; i < conns; i++) {
		w[i] = (struct worker){.url = argv[optind],
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
	printf("requests %zu errors %ld rps %.0f p50_ms %.2f p99_ms %.2f\n", total,
	       errors, (double)total / elapsed, total ? all[total / 2] * 1e3 : 0.0,
	       total ? all[(size_t)((double)total * 0.99)] * 1e3 : 0.0);
	free(all);
	free(w);
	curl_global_cleanup();
	return total ? 0 : 1;
}
