/*
 * bed.h - the token test bed for the C token tests (included by each
 * tests/token/test_token*.c; everything here is static).
 *
 * Once per program: tests/token/mkbed.sh makes a test CA and eight SoftHSM
 * tokens (see there).  Per test: a fresh copy of that token store in its own
 * directory (SOFTHSM2_CONF), a control file for the PKCS#11 test module
 * (CAKIOSK_TESTP11_CTL) and token_init() with one vendor whose module is the
 * test module in front of SoftHSM - the same libp11 path the kiosk takes.
 *
 * Secrets in these tests are the bed's: user PIN 123456, SO PIN 12345678.
 */
#ifndef CAKIOSK_TEST_BED_H
#define CAKIOSK_TEST_BED_H

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "token.h"
#include "token_watch.h"
#include "worker.h"
#include "xmem.h"

/* Not every test program uses every helper. */
#define BED_FN static __attribute__((unused))

#define USER_PIN "123456"
#define SO_PIN "12345678"

static struct {
	char top[PATH_MAX + 8];     /* the source tree */
	char module[PATH_MAX + 32]; /* the test PKCS#11 module */
	char tmp[64];               /* everything of this run */
	char bed[80];               /* the template */
	char dir[96];               /* this test's token store */
	char ctl[128];
	char calls[128];   /* the module's call log */
	char logfile[128]; /* the kiosk log of this test */
	int n;
	struct config cfg;
} bed;

/* A PIN in a writable buffer: the token layer wipes what it is given. */
BED_FN char *
pin(const char *s)
{
	static char buf[8][64];
	static int i;
	char *p = buf[i++ % 8];

	snprintf(p, 64, "%s", s);
	return p;
}

BED_FN int
run(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Write the control file whole and rename it in: the module sees a change. */
BED_FN void
ctl(const char *fmt, ...)
{
	char tmp[PATH_MAX + 8];
	va_list ap;
	FILE *f;

	snprintf(tmp, sizeof tmp, "%s.new", bed.ctl);
	f = fopen(tmp, "w");
	if (f == NULL)
		abort();
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fprintf(f, "\nlog=%s\n", bed.calls);
	fclose(f);
	rename(tmp, bed.ctl);
}

/* How many times the token saw this call since the log was last cleared. */
BED_FN int
calls(const char *fn)
{
	char line[256];
	FILE *f = fopen(bed.calls, "r");
	int n = 0;
	size_t len = strlen(fn);

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, fn, len) == 0 && line[len] == ' ')
			n++;
	fclose(f);
	return n;
}

BED_FN void
calls_clear(void)
{
	unlink(bed.calls);
}

/* Does the kiosk's log of this test contain s? */
BED_FN int
log_has(const char *s)
{
	char line[1024];
	FILE *f = fopen(bed.logfile, "r");
	int found = 0;

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = strstr(line, s) != NULL;
	fclose(f);
	return found;
}

BED_FN void
vendor_set(size_t i, const char *name, const char *display, const char *module,
	   const char *label)
{
	struct config_vendor *v = &bed.cfg.vendors[i];

	v->name = xstrdup(name);
	v->display = xstrdup(display);
	v->module = xstrdup(module);
	v->manufacturer = xstrdup("*");
	v->model = xstrdup("*");
	v->label = xstrdup(label);
	if (bed.cfg.nvendors < i + 1)
		bed.cfg.nvendors = i + 1;
}

BED_FN void
vendors_free(void)
{
	for (size_t i = 0; i < bed.cfg.nvendors; i++) {
		struct config_vendor *v = &bed.cfg.vendors[i];

		free(v->name);
		free(v->display);
		free(v->module);
		free(v->manufacturer);
		free(v->model);
		free(v->label);
	}
	memset(&bed.cfg, 0, sizeof bed.cfg);
}

BED_FN int
bed_group_setup(void **state)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash;

	(void)state;
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	/* .../B/tests/test_token: the module is .../B/tests/p11/, the tree ../.. */
	slash = strrchr(exe, '/');
	*slash = '\0';
	snprintf(bed.module, sizeof bed.module, "%s/p11/cakiosk-testp11.so", exe);
	snprintf(bed.top, sizeof bed.top, "%s/../..", exe);
	{
		/* A build directory outside the tree: the tree is where we run. */
		char probe[PATH_MAX + 64];

		snprintf(probe, sizeof probe, "%s/tests/token/mkbed.sh", bed.top);
		if (access(probe, R_OK) != 0 && getcwd(bed.top, sizeof bed.top) == NULL)
			return -1;
	}
	if (access(bed.module, R_OK) != 0) {
		fprintf(stderr, "no test module at %s\n", bed.module);
		return -1;
	}
	snprintf(bed.tmp, sizeof bed.tmp, "/tmp/cakiosk-token.XXXXXX");
	if (mkdtemp(bed.tmp) == NULL)
		return -1;
	snprintf(bed.bed, sizeof bed.bed, "%s/bed", bed.tmp);
	if (run("sh '%s/tests/token/mkbed.sh' '%s'", bed.top, bed.bed) != 0) {
		fprintf(stderr, "mkbed.sh failed\n");
		return -1;
	}
	return 0;
}

BED_FN int
bed_group_teardown(void **state)
{
	(void)state;
	if (getenv("KEEP_BED") == NULL)
		run("rm -rf '%s'", bed.tmp);
	return 0;
}

/* A fresh token store, control file (present=...) and token_init(). */
BED_FN void
bed_fresh(const char *present)
{
	char conf[PATH_MAX + 32];
	FILE *f;

	bed.n++;
	snprintf(bed.dir, sizeof bed.dir, "%s/t%d", bed.tmp, bed.n);
	run("mkdir -p '%s' && cp -a '%s/tokens' '%s/tokens'", bed.dir, bed.bed, bed.dir);
	snprintf(conf, sizeof conf, "%s/softhsm2.conf", bed.dir);
	f = fopen(conf, "w");
	if (f == NULL)
		abort();
	fprintf(f,
		"directories.tokendir = %s/tokens\nobjectstore.backend = file\n"
		"log.level = ERROR\nslots.removable = true\n",
		bed.dir);
	fclose(f);
	setenv("SOFTHSM2_CONF", conf, 1);
	snprintf(bed.ctl, sizeof bed.ctl, "%s/ctl", bed.dir);
	snprintf(bed.calls, sizeof bed.calls, "%s/calls", bed.dir);
	snprintf(bed.logfile, sizeof bed.logfile, "%s/kiosk.log", bed.dir);
	setenv("CAKIOSK_TESTP11_CTL", bed.ctl, 1);
	ctl("present=%s", present);
	{
		char target[PATH_MAX + 8], err[256];

		snprintf(target, sizeof target, "file:%s", bed.logfile);
		log_close();
		log_open(target, LOG_LVL_DEBUG, err, sizeof err);
	}
}

BED_FN int
bed_setup_one(const char *present)
{
	bed_fresh(present);
	vendor_set(0, "test", "Test CA", bed.module, "*");
	return token_init(&bed.cfg) == 1 ? 0 : -1;
}

BED_FN int
bed_teardown(void **state)
{
	(void)state;
	token_watch_stop();
	token_shutdown();
	vendors_free();
	log_close();
	/* The kiosk log and the module's call log, for the no-secret suite
	 * (tests/secrets/keep.sh does the same for the shell suites). */
	if (getenv("CAKIOSK_KEEP_LOGS") != NULL)
		run("d=\"$CAKIOSK_KEEP_LOGS/logs/token-%ld\" && mkdir -p \"$d\" && "
		    "for f in kiosk.log calls; do [ ! -f '%s/'$f ] || cp '%s/'$f "
		    "\"$d/t%d-$f\"; "
		    "done",
		    (long)getpid(), bed.dir, bed.dir, bed.n);
	if (getenv("KEEP_BED") == NULL)
		run("rm -rf '%s'", bed.dir);
	return 0;
}

/* The one token present (fails the test if not exactly one). */
BED_FN struct token_ref
the_ref(void)
{
	struct token_ref refs[4];
	size_t n = 0;

	token_list(refs, 4, &n);
	if (n != 1) {
		fprintf(stderr, "expected one token, found %zu\n", n);
		abort();
	}
	return refs[0];
}

/* The ref of the token with this label, among the present ones. */
BED_FN struct token_ref
ref_by_label(const char *label)
{
	struct token_ref refs[8];
	size_t n = 0;

	token_list(refs, 8, &n);
	for (size_t i = 0; i < n && i < 8; i++) {
		struct token_info info;

		if (token_read(&refs[i], 0, &info) == TOKEN_OK) {
			int same = strcmp(info.label, label) == 0;

			token_info_free(&info);
			if (same)
				return refs[i];
		}
	}
	fprintf(stderr, "no token %s\n", label);
	abort();
}

/* Read a whole file (a bed key, certificate or seal). */
BED_FN unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = xmalloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	fclose(f);
	return buf;
}

/* Time for the tests that wait on a card or a thread. */
BED_FN int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

BED_FN void
sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* A job run on a thread of the test's own (pthread_create). */
BED_FN void *
run_job(void *arg)
{
	struct job *job = arg;

	job->run(job);
	return NULL;
}

#endif
