/*
 * test_token_live.c - the token layer while things happen: tokens pulled
 * and put back (between calls and in the middle of one), slow cards and
 * cancelled operations, the worker jobs, the hot-plug watcher, and the PIN
 * leaving the process's memory when a customer's session ends.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <sys/resource.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "bed.h"
#include "testca.h"
#include "token_job.h"
#include "token_watch.h"
#include "worker.h"

#define start(present) assert_int_equal(bed_setup_one(present), 0)

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static bool
removed(enum token_err e)
{
	return e == TOKEN_ERR_REMOVED || e == TOKEN_ERR_NONE;
}

/* Issue a certificate for a DER request with the bed's CA. */
static unsigned char *
issue(const unsigned char *csr, size_t csr_len, size_t *len)
{
	char cadir[PATH_MAX + 8];

	snprintf(cadir, sizeof cadir, "%s/ca", bed.bed);
	return testca_issue(cadir, csr, csr_len, 777, 365, len);
}

/* ---- pulled between calls ----------------------------------------------- */

static void
test_removed_between_calls(void **state)
{
	struct token_info info;
	struct token_ref ref;
	unsigned char id[TOKEN_ID_MAX];
	size_t id_len;
	int tries;

	(void)state;
	start("rsa200");
	ref = ref_by_label("rsa200");
	assert_int_equal(token_login(&ref, pin(USER_PIN), 0, &tries, NULL), TOKEN_OK);
	ctl("present=none");
	assert_int_equal(token_read(&ref, 0, &info), TOKEN_ERR_REMOVED);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_ERR_NONE);
	assert_int_equal(token_login(&ref, pin(USER_PIN), 0, &tries, NULL),
			 TOKEN_ERR_REMOVED);
	/* Back in: readable, but the card forgot the login. */
	ctl("present=rsa200");
	assert_int_equal(token_read(&ref, 0, &info), TOKEN_OK);
	assert_false(info.logged_in);
	token_info_free(&info);
	assert_int_equal(token_gen_key(&ref, TOKEN_KEY_EC, "k", id, &id_len, NULL),
			 TOKEN_ERR_NOT_LOGGED_IN);
	assert_int_equal(token_login(&ref, pin(USER_PIN), 0, &tries, NULL), TOKEN_OK);
	assert_int_equal(token_gen_key(&ref, TOKEN_KEY_EC, "k", id, &id_len, NULL),
			 TOKEN_OK);

	/* Pulled and put back with nobody looking: libp11's sessions are dead. */
	ctl("present=none");
	{
		struct token_ref refs[2];
		size_t n;

		token_list(refs, 2, &n);
		assert_int_equal(n, 0);
	}
	ctl("present=rsa200");
	{
		struct token_dn dn = {.common_name = "x"};
		unsigned char *csr;
		size_t csr_len;
		enum token_err e =
			token_make_csr(&ref, id, id_len, &dn, &csr, &csr_len, NULL);

		assert_true(e == TOKEN_ERR_REMOVED || e == TOKEN_ERR_NOT_LOGGED_IN);
		assert_int_equal(token_login(&ref, pin(USER_PIN), 0, &tries, NULL),
				 TOKEN_OK);
		assert_int_equal(
			token_make_csr(&ref, id, id_len, &dn, &csr, &csr_len, NULL),
			TOKEN_OK);
		free(csr);
	}
	/* Another token in the same reader is not the one we knew. */
	ctl("present=ec30");
	assert_int_equal(token_read(&ref, 0, &info), TOKEN_ERR_REMOVED);
}

/* Delete key pairs that have no certificate (a renewal that broke off). */
static void
drop_orphans(void)
{
	struct token_info info;
	int tries;

	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_OK);
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	for (size_t i = 0; i < info.nkeys; i++)
		if (!info.keys[i].has_cert)
			assert_int_equal(token_delete_pair(NULL, info.keys[i].id,
							   info.keys[i].id_len, NULL),
					 TOKEN_OK);
	token_info_free(&info);
}

/*
 * Pulled in the middle: the token disappears at the Nth PKCS#11 call of the
 * renewal's token steps, for every N until the steps get through.  Each
 * step either works or says REMOVED, and the token always keeps its old,
 * working certificate; after it is put back, the renewal can finish.
 */
static void
pulled_mid_renewal(const char *label, enum token_key_type type, int step)
{
	struct token_dn dn = {.country = "CN", .common_name = "湖南测试科技有限公司"};
	int n, pulls = 0, tries;
	bool done = false;

	start(label);
	for (n = 1; !done && n < 400; n += step) {
		unsigned char id[TOKEN_ID_MAX], *csr = NULL, *cert = NULL;
		size_t id_len = 0, csr_len = 0, cert_len = 0;
		struct token_info info;
		enum token_err e;

		ctl("present=%s\npull_nth=%d", label, n);
		e = token_login(NULL, pin(USER_PIN), 0, &tries, NULL);
		if (e == TOKEN_OK)
			e = token_gen_key(NULL, type, "renew", id, &id_len, NULL);
		if (e == TOKEN_OK)
			e = token_make_csr(NULL, id, id_len, &dn, &csr, &csr_len, NULL);
		if (e == TOKEN_OK) {
			cert = issue(csr, csr_len, &cert_len);
			e = token_write_cert(NULL, cert, cert_len, NULL, NULL);
		}
		if (e == TOKEN_OK) {
			done = true;
		} else {
			if (!removed(e))
				fail_msg("pulled at call %d: %s", n, token_err_name(e));
			pulls++;
		}
		/* Back in the reader: the old certificates are intact. */
		ctl("present=%s", label);
		assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
		assert_true(info.ncerts >= 2);
		assert_string_equal(info.certs[0].id_hex, "01");
		assert_true(info.certs[0].has_private_key);
		token_info_free(&info);
		/* A certificate the backend issued before the pull still goes on. */
		if (!done && cert != NULL) {
			assert_int_equal(
				token_login(NULL, pin(USER_PIN), 0, &tries, NULL),
				TOKEN_OK);
			assert_int_equal(
				token_write_cert(NULL, cert, cert_len, NULL, NULL),
				TOKEN_OK);
			assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
			assert_int_equal(info.ncerts, 3);
			token_info_free(&info);
			done = true;
		}
		free(csr);
		free(cert);
		/* What the kiosk does with a key left by a failed renewal. */
		if (!done && id_len > 0)
			drop_orphans();
		assert_int_equal(token_logout(NULL), TOKEN_OK);
	}
	print_message("# %s: pulled at %d points, finished at call %d\n", label, pulls,
		      n - step);
	assert_true(done);
	assert_true(pulls >= 5);
}

static void
test_pulled_mid_renewal_ec(void **state)
{
	(void)state;
	pulled_mid_renewal("ec200", TOKEN_KEY_EC, 1);
}

static void
test_pulled_mid_renewal_rsa(void **state)
{
	(void)state;
	/* RSA keys take SoftHSM a while: every other call is enough. */
	pulled_mid_renewal("rsaexp100", TOKEN_KEY_RSA, 2);
}

/* Pulled while reading; the read says so and the next one works. */
static void
test_pulled_mid_read(void **state)
{
	struct token_info info;
	int n, pulls = 0;

	(void)state;
	start("ec30");
	for (n = 1; n < 100; n++) {
		enum token_err e;

		ctl("present=ec30\npull_nth=%d", n);
		e = token_read(NULL, TOKEN_READ_VALUES, &info);
		if (e == TOKEN_OK) {
			assert_int_equal(info.ncerts, 2);
			token_info_free(&info);
			break;
		}
		assert_true(removed(e));
		pulls++;
	}
	assert_true(pulls > 3);
}

/* ---- slow cards, cancelling ---------------------------------------------- */

static void *
run_job(void *arg)
{
	struct job *job = arg;

	job->run(job);
	return NULL;
}

static void
test_cancel_keygen(void **state)
{
	struct token_info info;
	struct job *job;
	pthread_t th;
	int tries;
	int64_t t0;

	(void)state;
	start("ec200");
	assert_int_equal(token_login(NULL, pin(USER_PIN), 0, &tries, NULL), TOKEN_OK);
	/* A card that takes its time over a key. */
	ctl("present=ec200\nlatency.C_GenerateKeyPair=400");
	job = token_job_gen_key(NULL, TOKEN_KEY_EC, "slow");
	t0 = now_ms();
	pthread_create(&th, NULL, run_job, job);
	while (token_job_stage(job) != TOKEN_STAGE_GENERATING && now_ms() - t0 < 2000)
		sleep_ms(5);
	assert_int_equal(token_job_stage(job), TOKEN_STAGE_GENERATING);
	job_cancel(job);
	pthread_join(th, NULL);
	assert_true(now_ms() - t0 >= 400);
	assert_int_equal(token_job_err(job), TOKEN_ERR_CANCELLED);
	job->release(job);
	/* The key the card made anyway was thrown away. */
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	assert_int_equal(info.nkeys, 2);
	token_info_free(&info);

	/* Cancelled before it started: the card is never asked. */
	calls_clear();
	job = token_job_gen_key(NULL, TOKEN_KEY_RSA, "never");
	job_cancel(job);
	job->run(job);
	assert_int_equal(token_job_err(job), TOKEN_ERR_CANCELLED);
	assert_int_equal(calls("C_GenerateKeyPair"), 0);
	job->release(job);
}

/* ---- jobs ---------------------------------------------------------------- */

static void
test_jobs(void **state)
{
	static const unsigned char msg[] = "hello";
	struct token_dn dn = {.common_name = "张三", .serial = "430102199003070936"};
	char userpin[] = USER_PIN;
	struct job *job;
	const struct token_info *info;
	const unsigned char *out, *id;
	unsigned char idcopy[TOKEN_ID_MAX];
	size_t len, id_len;

	(void)state;
	start("ec30");
	job = token_job_read(NULL, TOKEN_READ_VALUES);
	assert_true(token_job_is(job));
	job->run(job);
	assert_int_equal(token_job_err(job), TOKEN_OK);
	assert_int_equal(token_job_ninfo(job), 1);
	info = token_job_info(job, 0);
	assert_string_equal(info->label, "ec30");
	assert_int_equal(info->certs[0].days_left, 30);
	assert_non_null(info->data[0].value);
	assert_null(token_job_info(job, 1));
	job->release(job);

	/* The job copies the PIN; the caller's buffer is the caller's. */
	job = token_job_login(NULL, userpin, 0);
	job->run(job);
	assert_int_equal(token_job_err(job), TOKEN_OK);
	assert_string_equal(userpin, USER_PIN);
	job->release(job);

	job = token_job_login(NULL, "000000", 0);
	job->run(job);
	assert_int_equal(token_job_err(job), TOKEN_ERR_PIN_WRONG);
	assert_int_equal(token_job_tries_left(job), -1);
	job->release(job);
	job = token_job_login(NULL, userpin, 0);
	job->run(job);
	job->release(job);

	job = token_job_gen_key(NULL, TOKEN_KEY_EC, "new");
	job->run(job);
	assert_int_equal(token_job_err(job), TOKEN_OK);
	id = token_job_id(job, &id_len);
	assert_int_equal(id_len, 20);
	memcpy(idcopy, id, id_len);
	job->release(job);

	job = token_job_csr(NULL, idcopy, id_len, &dn);
	job->run(job);
	assert_int_equal(token_job_err(job), TOKEN_OK);
	out = token_job_output(job, &len);
	assert_non_null(out);
	assert_true(len > 100);
	job->release(job);

	job = token_job_sign(NULL, idcopy, id_len, msg, sizeof msg);
	job->run(job);
	assert_int_equal(token_job_err(job), TOKEN_OK);
	token_job_output(job, &len);
	assert_true(len >= 64);
	job->release(job);

	job = token_job_data_write(NULL, "j", "app", msg, sizeof msg, 0);
	job->run(job);
	assert_int_equal(token_job_err(job), TOKEN_OK);
	job->release(job);
	job = token_job_data_read(NULL, "j", "app");
	job->run(job);
	out = token_job_output(job, &len);
	assert_int_equal(len, sizeof msg);
	assert_memory_equal(out, msg, len);
	job->release(job);
	job = token_job_data_delete(NULL, "j", "app");
	job->run(job);
	assert_int_equal(token_job_err(job), TOKEN_OK);
	job->release(job);

	job = token_job_delete_pair(NULL, idcopy, id_len);
	job->run(job);
	assert_int_equal(token_job_err(job), TOKEN_OK);
	job->release(job);

	job = token_job_change_pin(NULL, USER_PIN, "654321", 0);
	job->run(job);
	assert_int_equal(token_job_err(job), TOKEN_OK);
	job->release(job);
	job = token_job_unblock(NULL, SO_PIN, USER_PIN);
	job->run(job);
	assert_int_equal(token_job_err(job), TOKEN_OK);
	job->release(job);
	job = token_job_change_so_pin(NULL, SO_PIN, "87654321");
	job->run(job);
	assert_int_equal(token_job_err(job), TOKEN_OK);
	job->release(job);
	job = token_job_logout(NULL);
	job->run(job);
	assert_int_equal(token_job_err(job), TOKEN_OK);
	job->release(job);

	/* Two tokens: read_all reads both, the single-token steps refuse. */
	ctl("present=ec30,rsa200");
	job = token_job_read_all(0);
	job->run(job);
	assert_int_equal(token_job_err(job), TOKEN_OK);
	assert_int_equal(token_job_ninfo(job), 2);
	job->release(job);
	job = token_job_write_cert(NULL, msg, sizeof msg, NULL);
	job->run(job);
	assert_int_equal(token_job_err(job), TOKEN_ERR_BAD_INPUT);
	job->release(job);
	job = token_job_read(NULL, 0);
	job->run(job);
	assert_int_equal(token_job_err(job), TOKEN_ERR_MANY);
	assert_int_equal(token_job_ninfo(job), 0);
	job->release(job);

	/* Blank token for staff. */
	ctl("present=fresh\nblank=1");
	job = token_job_init_token(NULL, "11112222", "333444", "fresh");
	job->run(job);
	assert_int_equal(token_job_err(job), TOKEN_OK);
	job->release(job);
}

/* Through the real worker thread and its wake-up pipe. */
static void
test_worker(void **state)
{
	int fd;
	struct pollfd p;
	struct job *job, *done;

	(void)state;
	start("rsa30");
	fd = worker_start();
	assert_true(fd >= 0);
	ctl("present=rsa30\nlatency_ms=20");
	job = token_job_read(NULL, 0);
	worker_submit(job);
	p.fd = fd;
	p.events = POLLIN;
	assert_int_equal(poll(&p, 1, 5000), 1);
	done = worker_take_done();
	assert_ptr_equal(done, job);
	assert_int_equal(token_job_err(done), TOKEN_OK);
	assert_string_equal(token_job_info(done, 0)->label, "rsa30");
	done->release(done);
	worker_stop();
}

/* ---- the watcher ------------------------------------------------------- */

/* Wait for the watcher's fd; how long it took, or -1. */
static int
wait_event(int fd, int max_ms)
{
	struct pollfd p = {fd, POLLIN, 0};
	int64_t t0 = now_ms();

	if (poll(&p, 1, max_ms) != 1)
		return -1;
	assert_true(token_watch_drain());
	return (int)(now_ms() - t0);
}

static void
test_watcher(void **state)
{
	struct token_watch w;
	char text[128];
	unsigned gen;
	int fd, ms;
	struct rusage r0, r1;
	long cpu_us;

	(void)state;
	start("rsa200");
	fd = token_watch_start(&bed.cfg);
	assert_true(fd >= 0);
	assert_int_equal(token_watch_start(&bed.cfg), fd);
	assert_int_equal(token_watch_state(&w), 1);
	assert_int_equal(w.tokens[0].vendor, 0);
	assert_string_equal(w.tokens[0].label, "rsa200");
	assert_string_equal(token_status_text(text, sizeof text), "UKey of Test CA");
	gen = w.generation;
	token_watch_drain();

	/* Removal, insertion, a second token: each seen within a second. */
	{
		int64_t t0 = now_ms();

		ctl("present=none");
		assert_true(wait_event(fd, 1000) >= 0);
		ms = (int)(now_ms() - t0);
	}
	assert_int_equal(token_watch_state(&w), 0);
	assert_int_not_equal(w.generation, gen);
	assert_string_equal(token_status_text(text, sizeof text), "no UKey");
	ctl("present=ec30");
	assert_true(wait_event(fd, 1000) >= 0);
	assert_int_equal(token_watch_state(&w), 1);
	assert_string_equal(w.tokens[0].label, "ec30");
	ctl("present=ec30,rsa30");
	assert_true(wait_event(fd, 1000) >= 0);
	assert_int_equal(token_watch_state(NULL), 2);
	assert_string_equal(token_status_text(text, sizeof text), "2 UKeys");
	print_message("# watcher saw a removal after %d ms\n", ms);
	/* A few more, spread over the polling period. */
	for (int i = 0; i < 6; i++) {
		int64_t t0;

		sleep_ms(70 * i);
		t0 = now_ms();
		ctl(i % 2 == 0 ? "present=ec30" : "present=ec30,rsa30");
		assert_true(wait_event(fd, 1000) >= 0);
		print_message("# change %d seen after %d ms\n", i, (int)(now_ms() - t0));
	}

	/* Nothing happening: no wake-ups and next to no CPU. */
	token_watch_drain();
	getrusage(RUSAGE_SELF, &r0);
	assert_int_equal(wait_event(fd, 1500), -1);
	getrusage(RUSAGE_SELF, &r1);
	cpu_us = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) * 1000000L +
		 (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) +
		 (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1000000L +
		 (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec);
	print_message("# idle watcher: %ld us CPU in 1.5 s\n", cpu_us);
	assert_true(cpu_us < 60000); /* under 4 % of one core, usually far less */

	/* The core gets a fresh view after the watcher saw a change. */
	{
		struct token_info info;
		struct token_ref ref = ref_by_label("rsa30");
		int tries;

		assert_int_equal(token_login(&ref, pin(USER_PIN), 0, &tries, NULL),
				 TOKEN_OK);
		ctl("present=ec30");
		assert_true(wait_event(fd, 1000) >= 0);
		ctl("present=ec30,rsa30");
		assert_true(wait_event(fd, 1000) >= 0);
		assert_int_equal(token_read(&ref, 0, &info), TOKEN_OK);
		assert_false(info.logged_in);
		token_info_free(&info);
	}
	token_watch_stop();
	assert_string_equal(token_status_text(text, sizeof text), "no reader configured");
}

/*
 * A module with blocking slot events: insertion is seen at once.  At the
 * end, token_shutdown finalises the module, which ends the wait, and
 * returns only when the waiting thread has left the module, which is
 * unmapped next (a thread still in it would crash the kiosk): here the
 * card takes 300 ms to notice the wait was cancelled.
 */
static void
test_watcher_events(void **state)
{
	int fd, ms, (*waiting)(void);
	void *keep;
	int64_t t0;

	(void)state;
	start("none");
	ctl("present=none\nevents=1\nwait_linger_ms=300");
	fd = token_watch_start(&bed.cfg);
	assert_true(fd >= 0);
	token_watch_drain();
	sleep_ms(50);
	ctl("present=rsa200\nevents=1\nwait_linger_ms=300");
	ms = wait_event(fd, 1000);
	assert_true(ms >= 0);
	print_message("# watcher with slot events saw an insertion after %d ms\n", ms);
	assert_int_equal(token_watch_state(NULL), 1);

	/* The test's own reference keeps the module mapped, to ask it after. */
	keep = dlopen(bed.module, RTLD_NOW | RTLD_NOLOAD);
	assert_non_null(keep);
	*(void **)&waiting = dlsym(keep, "cakiosk_testp11_waiting");
	assert_non_null(waiting);
	for (t0 = now_ms(); waiting() != 1 && now_ms() - t0 < 2000;)
		sleep_ms(5);
	assert_int_equal(waiting(), 1);
	token_watch_stop();
	t0 = now_ms();
	token_shutdown();
	print_message("# shutdown with a waiting thread took %d ms\n",
		      (int)(now_ms() - t0));
	assert_int_equal(waiting(), 0);
	dlclose(keep);
}

static void
test_watcher_vendors(void **state)
{
	char text[128];
	struct token_watch w;

	(void)state;
	bed_fresh("ec30");
	vendor_set(0, "a", "A CA", bed.module, "ec*");
	vendor_set(1, "b", "B CA", bed.module, "*30");
	assert_true(token_watch_start(&bed.cfg) >= 0);
	token_watch_state(&w);
	assert_int_equal(w.tokens[0].vendor, -1);
	assert_int_equal(w.tokens[0].vendor_mask, 3);
	assert_string_equal(token_status_text(text, sizeof text), "UKey inserted");
	token_watch_stop();
	token_shutdown();
	vendors_free();
	/* No module at all: no watcher, and the status line says why. */
	vendor_set(0, "broken", "Broken", "/nonexistent/p11.so", "*");
	assert_int_equal(token_watch_start(&bed.cfg), -1);
	assert_string_equal(token_status_text(text, sizeof text), "no reader configured");
}

/* ---- the PIN leaves memory when the session ends ----------------------- */

#define MASK 0x5a

/*
 * Is the masked needle anywhere in this process's writable memory?  The
 * needle is kept XOR-masked so that the search itself holds no copy.
 */
static bool
memfind(const unsigned char *masked, size_t n)
{
	static unsigned char buf[1 << 20];
	char line[512];
	FILE *maps = fopen("/proc/self/maps", "r");
	int mem = open("/proc/self/mem", O_RDONLY);
	bool found = false;

	assert_non_null(maps);
	assert_true(mem >= 0);
	while (!found && fgets(line, sizeof line, maps) != NULL) {
		unsigned long lo, hi, off;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 ||
		    perms[0] != 'r' || perms[1] != 'w' ||
		    strstr(line, "[vvar]") != NULL || hi - lo > (1UL << 30))
			continue;
		for (off = lo; off < hi && !found;) {
			size_t want = hi - off < sizeof buf ? hi - off : sizeof buf;
			ssize_t got = pread(mem, buf, want, (off_t)off);

			if (got <= 0)
				break;
			for (ssize_t i = 0; i + (ssize_t)n <= got && !found; i++) {
				size_t k = 0;

				while (k < n &&
				       (unsigned char)(buf[i + k] ^ MASK) == masked[k])
					k++;
				found = k == n;
			}
			if ((size_t)got < n)
				break;
			off += (size_t)got - n + 1;
		}
	}
	secure_wipe(buf, sizeof buf);
	fclose(maps);
	close(mem);
	return found;
}

/* A fresh random PIN, kept masked; unmask into a writable buffer to use. */
static void
random_pin(unsigned char *masked, size_t n)
{
	unsigned char r[32];

	RAND_bytes(r, sizeof r);
	for (size_t i = 0; i < n; i++)
		masked[i] = (unsigned char)(('0' + r[i] % 10) ^ MASK);
	secure_wipe(r, sizeof r);
}

static char *
unmask(const unsigned char *masked, size_t n)
{
	char *p = pin("");

	for (size_t i = 0; i < n; i++)
		p[i] = (char)(masked[i] ^ MASK);
	p[n] = '\0';
	return p;
}

static void
test_pin_gone_after_session(void **state)
{
	unsigned char masked[12];
	int tries;
	struct job *job;
	pthread_t th;

	(void)state;
	start("rsa200");
	random_pin(masked, sizeof masked);
	assert_false(memfind(masked, sizeof masked));
	assert_int_equal(token_change_pin(NULL, pin(USER_PIN),
					  unmask(masked, sizeof masked), 0, &tries, NULL),
			 TOKEN_OK);
	assert_int_equal(
		token_login(NULL, unmask(masked, sizeof masked), 0, &tries, NULL),
		TOKEN_OK);
	/* libp11 keeps its copy (the test can see it)... */
	assert_true(memfind(masked, sizeof masked));
	/* ...even after a logout... */
	assert_int_equal(token_logout(NULL), TOKEN_OK);
	assert_true(memfind(masked, sizeof masked));
	/* ...until the session ends and the slots are released. */
	token_session_end();
	assert_false(memfind(masked, sizeof masked));

	/* The same through a job, with the session ending while a call runs. */
	{
		char *p = unmask(masked, sizeof masked);

		job = token_job_login(NULL, p, 0);
		secure_wipe(p, strlen(p));
	}
	job->run(job);
	assert_int_equal(token_job_err(job), TOKEN_OK);
	job->release(job);
	assert_true(memfind(masked, sizeof masked));
	ctl("present=rsa200\nlatency.C_GenerateKeyPair=300");
	job = token_job_gen_key(NULL, TOKEN_KEY_EC, "k");
	pthread_create(&th, NULL, run_job, job);
	while (token_job_stage(job) != TOKEN_STAGE_GENERATING)
		sleep_ms(5);
	token_session_end(); /* does not wait for the card */
	pthread_join(th, NULL);
	assert_int_equal(token_job_err(job), TOKEN_OK);
	job->release(job);
	assert_false(memfind(masked, sizeof masked));
	/* And the token works as before: log in again for more. */
	assert_int_equal(
		token_login(NULL, unmask(masked, sizeof masked), 0, &tries, NULL),
		TOKEN_OK);
	token_session_end();
	assert_false(memfind(masked, sizeof masked));
}

int
main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_teardown(f, bed_teardown)
		T(test_removed_between_calls),
		T(test_pulled_mid_renewal_ec),
		T(test_pulled_mid_renewal_rsa),
		T(test_pulled_mid_read),
		T(test_cancel_keygen),
		T(test_jobs),
		T(test_worker),
		T(test_watcher),
		T(test_watcher_events),
		T(test_watcher_vendors),
		T(test_pin_gone_after_session),
#undef T
	};

	return cmocka_run_group_tests(tests, bed_group_setup, bed_group_teardown);
}
