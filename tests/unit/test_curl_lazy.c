/*
 * test_curl_lazy.c - a libcurl that cannot be used: the file
 * CAKIOSK_LIBCURL names is a library without libcurl's functions.  Every
 * call fails as an unreachable backend would (what the customer is told),
 * the reason is one log line, nothing is called through the empty table
 * (not even curl_global_cleanup at the end), and nothing crashes.  The
 * file that is no library at all is tests/screen/test_curl_lazy.sh's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "config.h"
#include "i18n.h"
#include "log.h"

static char log_path[] = "/tmp/cakiosk-curl-lazy.XXXXXX";

/* How many lines of the log hold text. */
static int
log_count(const char *text)
{
	FILE *f = fopen(log_path, "r");
	char line[512];
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL)
		n += strstr(line, text) != NULL;
	fclose(f);
	return n;
}

static void
test_unusable_library(void **state)
{
	struct config cfg;
	struct backend_reply r;
	char *data = NULL, target[64], err[128];
	size_t len = 1;

	(void)state;
	/* The kiosk's own JSON library: loaded, but no curl_* in it. */
	setenv("CAKIOSK_LIBCURL", "libjansson.so.4", 1);
	close(mkstemp(log_path));
	snprintf(target, sizeof target, "file:%s", log_path);
	assert_int_equal(log_open(target, LOG_LVL_DEBUG, err, sizeof err), 0);
	config_defaults(&cfg);
	free(cfg.terminal_id);
	cfg.terminal_id = strdup("T");
	free(cfg.backend_url);
	cfg.backend_url = strdup("https://127.0.0.1:9/");
	assert_int_equal(backend_init(&cfg), 0);

	assert_int_equal(backend_call("GET", "/v1/health", NULL, NULL, NULL, &r),
			 BACKEND_UNREACHABLE);
	backend_reply_free(&r);
	assert_int_equal(backend_call("POST", "/v1/orders", NULL, "k", NULL, &r),
			 BACKEND_UNREACHABLE);
	backend_reply_free(&r);
	assert_int_equal(backend_fetch("/f", NULL, 100, NULL, &data, &len),
			 BACKEND_UNREACHABLE);
	assert_null(data);
	assert_int_equal(len, 0);
	assert_int_equal(backend_upload("/u", "f", "x.pdf", "x", 1, NULL), 0);
	/* One plain line says why, however many calls found it so. */
	assert_int_equal(log_count("cannot load libcurl: libjansson.so.4 has no "
				   "curl_global_init_mem"),
			 1);
	assert_int_equal(log_count("cannot load libcurl"), 1);
	backend_cleanup();
	log_close();
	config_free(&cfg);
	unlink(log_path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unusable_library),
	};

	i18n_init("/nonexistent");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
