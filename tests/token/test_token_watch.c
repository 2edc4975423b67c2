/*
 * test_token_watch.c - the token layer seen from outside: the hot-plug
 * watcher (tokens coming and going, slot events, several vendors) and the
 * PIN leaving the process's memory when a customer's session ends.
 * (Split from test_token_live.c; the bed is tests/token/bed.h.)
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

#include <openssl/rand.h>

#include "bed.h"
#include "token_job.h"
#include "token_watch.h"
#include "worker.h"

#define start(present) assert_int_equal(bed_setup_one(present), 0)

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
	/* A busy loop would take the whole 1.5 s; five looks take a few ms
	 * (60 ms under ASan on a loaded machine): under 10 % of one core. */
	assert_true(cpu_us < 150000);

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

/*
 * Idle, the watcher lists the slots on every look but asks a token for its
 * info only now and then (SoftHSM reads the token's files for each answer).
 * Once the kiosk has used the token layer, every look asks for a moment.
 */
static void
test_watcher_idle_calls(void **state)
{
	int fd, lists, infos;
	struct token_info info;

	(void)state;
	start("rsa200");
	fd = token_watch_start(&bed.cfg);
	assert_true(fd >= 0);
	token_watch_drain();
	/* The token layer was last used at token_init: 1.5 s of full looks. */
	sleep_ms(1700);
	calls_clear();
	sleep_ms(1800);
	lists = calls("C_GetSlotList");
	infos = calls("C_GetTokenInfo");
	print_message("# idle 1.8 s: %d C_GetSlotList, %d C_GetTokenInfo\n", lists,
		      infos);
	assert_true(lists >= 2);
	assert_true(infos <= 1);
	assert_int_equal(wait_event(fd, 10), -1);

	/* The kiosk reads the token: the next looks ask it as before. */
	assert_int_equal(token_read(NULL, 0, &info), TOKEN_OK);
	token_info_free(&info);
	/* Two asks before the next idle one: a look every 500 ms gives them
	 * in 1 s; a loaded machine may delay looks, not skip. */
	calls_clear();
	{
		int64_t t1 = now_ms();

		while (calls("C_GetTokenInfo") < 2 && now_ms() - t1 < 1900)
			sleep_ms(20);
		print_message("# after a read: %d C_GetTokenInfo in %d ms\n",
			      calls("C_GetTokenInfo"), (int)(now_ms() - t1));
	}
	assert_true(calls("C_GetTokenInfo") >= 2);
	/* Still one token, nothing reported. */
	assert_int_equal(token_watch_state(NULL), 1);
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
		T(test_watcher),
		T(test_watcher_events),
		T(test_watcher_idle_calls),
		T(test_watcher_vendors),
		T(test_pin_gone_after_session),
#undef T
	};

	return cmocka_run_group_tests(tests, bed_group_setup, bed_group_teardown);
}
