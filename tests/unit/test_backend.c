/*
 * test_backend.c - the backend client without a backend: holding replies
 * against the protocol, idempotency keys, and the network failures it must
 * turn into sentences (refused port, a port that never answers, cancel).
 * The requests against the real reference backend are in tests/ra-kiosk.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "health.h"
#include "linkstate.h"
#include "config.h"
#include "i18n.h"
#include "worker.h"

static const char *const states[] = {"draft", "paid", NULL};
static const struct bfield order_spec[] = {
	{"id", BF_STRING, true, 1, 32, NULL},
	{"state", BF_ENUM, true, 0, 0, states},
	{"amount", BF_INT, true, 0, 1000000, NULL},
	{"paid", BF_BOOL, false, 0, 0, NULL},
	{"items", BF_ARRAY, false, 0, 3, NULL},
};

static bool
check(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	char why[128];
	bool ok;

	assert_non_null(j);
	ok = backend_check(j, order_spec, sizeof order_spec / sizeof order_spec[0], why,
			   sizeof why);
	json_decref(j);
	return ok;
}

static void
test_check_reply(void **state)
{
	(void)state;
	assert_true(check("{\"id\":\"A1\",\"state\":\"paid\",\"amount\":30000}"));
	/* Unknown fields are fine: the protocol may grow. */
	assert_true(check("{\"id\":\"A1\",\"state\":\"draft\",\"amount\":0,\"new\":1}"));
	assert_true(
		check("{\"id\":\"A1\",\"state\":\"draft\",\"amount\":0,\"paid\":null}"));
	assert_false(check("{\"state\":\"paid\",\"amount\":1}"));          /* missing */
	assert_false(check("{\"id\":7,\"state\":\"paid\",\"amount\":1}")); /* type */
	assert_false(check("{\"id\":\"\",\"state\":\"paid\",\"amount\":1}")); /* length */
	assert_false(check("{\"id\":\"A1\",\"state\":\"lost\",\"amount\":1}")); /* enum */
	assert_false(
		check("{\"id\":\"A1\",\"state\":\"paid\",\"amount\":-5}")); /* range */
	assert_false(check("{\"id\":\"A1\",\"state\":\"paid\",\"amount\":1.5}"));
	assert_false(check("{\"id\":\"A\\u001b[2J\",\"state\":\"paid\",\"amount\":1}"));
	assert_false(
		check("{\"id\":\"A1\",\"state\":\"paid\",\"amount\":1,\"paid\":\"y\"}"));
	assert_false(check(
		"{\"id\":\"A1\",\"state\":\"paid\",\"amount\":1,\"items\":[1,2,3,4]}"));
}

static void
test_keys(void **state)
{
	char a[BACKEND_IDEM_KEY_LEN + 1], b[BACKEND_IDEM_KEY_LEN + 1];

	(void)state;
	backend_new_key(a);
	backend_new_key(b);
	assert_int_equal(strlen(a), 36);
	assert_int_equal(a[8], '-');
	assert_int_equal(a[14], '4');
	assert_string_not_equal(a, b);
}

static struct config cfg;

static void
setup_backend(const char *url, int connect_timeout)
{
	backend_cleanup();
	config_free(&cfg);
	config_defaults(&cfg);
	free(cfg.terminal_id);
	cfg.terminal_id = strdup("T");
	free(cfg.backend_url);
	cfg.backend_url = strdup(url);
	cfg.connect_timeout = connect_timeout;
	cfg.request_timeout = connect_timeout + 1;
	assert_int_equal(backend_init(&cfg), 0);
}

static void
test_refused(void **state)
{
	struct backend_reply r;

	(void)state;
	setup_backend("https://127.0.0.1:9/", 5);
	assert_int_equal(backend_call("GET", "/v1/health", NULL, NULL, NULL, &r),
			 BACKEND_UNREACHABLE);
	assert_int_equal(r.attempts, 1);
	assert_non_null(backend_err_reason(BACKEND_UNREACHABLE, NULL));
	backend_reply_free(&r);
}

/* A port whose accept queue is full: connecting hangs. */
static int
tarpit(int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(fd, 0), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	for (int i = 0; i < 3; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

		connect(c, (struct sockaddr *)&sa, sizeof sa);
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The backend set to a tarpit (connecting hangs); its fd, to close. */
static int
tarpit_backend(int connect_timeout)
{
	char url[64];
	int port, fd = tarpit(&port);

	snprintf(url, sizeof url, "https://127.0.0.1:%d/", port);
	setup_backend(url, connect_timeout);
	return fd;
}

static void
test_timeout_retries_get(void **state)
{
	struct backend_reply r;
	int fd = tarpit_backend(1);
	double t0;

	(void)state;
	t0 = now_s();
	assert_int_equal(backend_call("GET", "/v1/health", NULL, NULL, NULL, &r),
			 BACKEND_TIMEOUT);
	/* A GET is repeated; each try gives up at the connect timeout. */
	assert_int_equal(r.attempts, 3);
	assert_true(now_s() - t0 < 8);
	backend_reply_free(&r);
	/* A POST without a key is never sent twice. */
	assert_int_equal(backend_call("POST", "/v1/orders", NULL, NULL, NULL, &r),
			 BACKEND_TIMEOUT);
	assert_int_equal(r.attempts, 1);
	backend_reply_free(&r);
	close(fd);
}

static void *
cancel_later(void *arg)
{
	struct timespec ts = {0, 300 * 1000000};

	nanosleep(&ts, NULL);
	job_cancel(arg);
	return NULL;
}

static void
noop(struct job *job)
{
	(void)job;
}

static void
test_cancel(void **state)
{
	struct backend_reply r;
	struct job job;
	pthread_t t;
	int fd = tarpit_backend(20);
	double t0;

	(void)state;
	job_init(&job, "test", noop, noop);
	pthread_create(&t, NULL, cancel_later, &job);
	t0 = now_s();
	assert_int_equal(backend_call("POST", "/v1/orders", NULL, "k", &job, &r),
			 BACKEND_CANCELLED);
	/* Stopped within a slice of the cancel (200 ms after the start), not
	 * at the 20 s timeout: a background check gives way to a customer's
	 * call at once. */
	assert_true(now_s() - t0 < 0.45);
	pthread_join(t, NULL);
	backend_reply_free(&r);
	close(fd);
}

/* A customer's job, recording when the worker started it. */
struct timed {
	struct job job;
	double started;
};

static void
timed_run(struct job *job)
{
	((struct timed *)job)->started = now_s();
}

/* Take n finished jobs back (polling: the test has no event loop). */
static void
take(int n, struct job **out)
{
	double end = now_s() + 10;

	for (int got = 0; got < n && now_s() < end;) {
		struct job *j = worker_take_done();

		if (j != NULL)
			out[got++] = j;
		else
			nanosleep(&(struct timespec){0, 10 * 1000000}, NULL);
	}
}

/*
 * The status line's health check never stands in front of a customer: it
 * hangs on a backend that accepts and never answers, and a customer's job
 * submitted meanwhile starts within a slice, the check cancelled and not
 * reported (the status line still says nothing).
 */
static void
test_health_gives_way(void **state)
{
	struct timed customer;
	struct job *health, *done[2] = {NULL, NULL};
	int fd = tarpit_backend(20);
	double submitted;

	(void)state;
	assert_true(worker_start() >= 0);
	health = health_job_new();
	worker_submit_background(health);
	nanosleep(&(struct timespec){0, 300 * 1000000}, NULL);
	job_init(&customer.job, "customer", timed_run, noop);
	customer.started = 0;
	submitted = now_s();
	worker_submit(&customer.job);
	take(2, done);
	assert_true(done[0] == health || done[1] == health);
	assert_true(job_cancelled(health));
	assert_true(customer.started > 0);
	print_message("# customer's job started %.0f ms after it was submitted\n",
		      (customer.started - submitted) * 1000);
	assert_true(customer.started - submitted < 0.2);
	assert_int_equal(link_get(), LINK_UNKNOWN);
	health->release(health);
	worker_stop();
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_reply),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_timeout_retries_get),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_health_gives_way),
	};
	int rc;

	i18n_init("/nonexistent");
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	backend_cleanup();
	config_free(&cfg);
	return rc;
}
