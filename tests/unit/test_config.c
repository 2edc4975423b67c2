/*
 * test_config.c - cakiosk.conf parsing: good files, defaults, and every
 * kind of broken file naming its line and key.
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

#include "config.h"
#include "i18n.h"
#include "log.h"

static char path[64];

static void
write_file(const char *text)
{
	FILE *f;

	strcpy(path, "/tmp/cakiosk-test-conf-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Load text; return 0/-1 and leave the error in err. */
static int
load(struct config *cfg, const char *text, char *err, size_t len)
{
	int rc;

	write_file(text);
	rc = config_load(cfg, path, err, len);
	unlink(path);
	return rc;
}

/* Load len bytes that may hold NULs. */
static int
load_bytes(struct config *cfg, const char *data, size_t len, char *err, size_t errlen)
{
	FILE *f;
	int rc;

	strcpy(path, "/tmp/cakiosk-test-conf-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	rc = config_load(cfg, path, err, errlen);
	unlink(path);
	return rc;
}

#define MINIMAL "[kiosk]\nterminal_id = HN-1\n[backend]\nurl = https://ra.example.org/\n"

static void
test_minimal_gets_defaults(void **state)
{
	struct config cfg;
	char err[512];

	(void)state;
	assert_int_equal(load(&cfg, MINIMAL, err, sizeof err), 0);
	assert_string_equal(cfg.terminal_id, "HN-1");
	assert_string_equal(cfg.backend_url, "https://ra.example.org/");
	assert_int_equal(cfg.idle_timeout, 120);
	assert_int_equal(cfg.idle_countdown, 30);
	assert_int_equal(cfg.language, LANG_ZH_CN);
	assert_string_equal(cfg.log, "journal");
	assert_int_equal(cfg.log_level, LOG_LVL_INFO);
	assert_int_equal(cfg.connect_timeout, 5);
	assert_int_equal(cfg.assist_idle_timeout, 900);
	assert_null(cfg.staff_pin_hash);
	assert_int_equal(cfg.nvendors, 0);
	config_free(&cfg);
}

static void
test_full_file(void **state)
{
	struct config cfg;
	char err[512];

	(void)state;
	assert_int_equal(load(&cfg,
			      "; comment\n[kiosk]\nterminal_id = A_1.b\nlanguage = en\n"
			      "idle_timeout = 60\nidle_countdown = 10\nlog = stderr\n"
			      "log_level = debug\ntitle = 湖南 CA\n"
			      "[backend]\nurl = https://127.0.0.1:8443/v1\n"
			      "ca_file = /etc/hostname\n"
			      "[vendor ft]\ndisplay_name = 飞天\nmodule = /etc/hostname\n"
			      "manufacturer = Feitian*\n"
			      "[vendor wd]\nlabel = WD*\n",
			      err, sizeof err),
			 0);
	assert_int_equal(cfg.language, LANG_EN);
	assert_int_equal(cfg.idle_timeout, 60);
	assert_string_equal(cfg.title, "湖南 CA");
	assert_int_equal(cfg.nvendors, 2);
	assert_string_equal(cfg.vendors[0].name, "ft");
	assert_string_equal(cfg.vendors[0].display, "飞天");
	assert_string_equal(cfg.vendors[0].manufacturer, "Feitian*");
	assert_string_equal(cfg.vendors[0].model, "*");
	/* Defaults per vendor, display name from the section. */
	assert_string_equal(cfg.vendors[1].display, "wd");
	assert_string_equal(cfg.vendors[1].module,
			    "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so");
	config_free(&cfg);
}

/* A broken file must fail, name the line, and mention the key. */
struct broken {
	const char *text;
	const char *want; /* substring of the error */
};

static const struct broken broken[] = {
	{MINIMAL "[kiosk]\nidle_timeout = 4\n",
	 ":6: [kiosk] idle_timeout = 4: must be a whole number from 5 to 3600"},
	{MINIMAL "[kiosk]\nidle_timeout = 12x\n", ":6: [kiosk] idle_timeout"},
	{MINIMAL "[kiosk]\nlanguage = fr\n",
	 ":6: [kiosk] language = fr: must be zh_CN or en"},
	{MINIMAL "[kiosk]\nterminal_id = X\n", ":6: [kiosk] terminal_id: set twice"},
	{"[kiosk]\nterminal_id = has space\n", ":2: [kiosk] terminal_id = has space"},
	{MINIMAL "[kiosk]\ncolour = red\n", ":6: [kiosk] colour: unknown key"},
	{MINIMAL "[printer]\nx = 1\n", ":6: [printer]: unknown section"},
	{"terminal_id = X\n", ":1: terminal_id: key outside any [section]"},
	{MINIMAL "this line has no equals sign\n",
	 ":5: not a [section] or a 'key = value' line"},
	{"[kiosk]\nterminal_id = A\n[backend]\nurl = http://plain.example/\n",
	 ":4: [backend] url = http://plain.example/: must be an https:// URL"},
	{MINIMAL "ca_file = /nonexistent/ca.pem\n",
	 ":5: [backend] ca_file = /nonexistent/ca.pem: cannot read it"},
	{MINIMAL "ca_file = relative.pem\n",
	 ":5: [backend] ca_file = relative.pem: must be an absolute path"},
	{MINIMAL "pin_sha256 = abcd\n",
	 ":5: [backend] pin_sha256: must be 64 hexadecimal digits"},
	{MINIMAL "[kiosk]\nlog = /var/log/x\n",
	 ":6: [kiosk] log = /var/log/x: must be journal"},
	{MINIMAL "[kiosk]\nlog_level = loud\n", ":6: [kiosk] log_level = loud"},
	{MINIMAL "[staff]\npin_hash = 123456\n",
	 ":6: [staff] pin_hash: not a hash made by cakiosk --hash-pin"},
	{MINIMAL "[vendor bad name!]\nmodule = /etc/hostname\n",
	 ":6: [vendor bad name!]: vendor name"},
	{MINIMAL "[vendor ft]\nmodel = \x01\n",
	 ":6: [vendor ft] model: must be 1 to 64 printable ASCII"},
	{MINIMAL "[vendor ft]\nslot = 1\n", ":6: [vendor ft] slot: unknown key"},
	{"[kiosk]\nterminal_id = A\n", "[backend] url is missing"},
	{"[backend]\nurl = https://x/\n", "[kiosk] terminal_id is missing"},
	{MINIMAL "cert_file = /etc/hostname\n", "cert_file and key_file go together"},
	{MINIMAL "[kiosk]\nidle_timeout = 20\nidle_countdown = 30\n",
	 "idle_countdown must be shorter than idle_timeout"},
};

static void
test_broken_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
		struct config cfg;
		char err[512];

		if (load(&cfg, broken[i].text, err, sizeof err) != -1 ||
		    strstr(err, broken[i].want) == NULL)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err,
				 broken[i].want);
		/* Refused means empty: nothing half-configured survives. */
		assert_null(cfg.terminal_id);
		assert_null(cfg.backend_url);
	}
}

static void
test_long_line(void **state)
{
	struct config cfg;
	char err[512], text[2048];

	(void)state;
	snprintf(text, sizeof text, MINIMAL "[kiosk]\ntitle = %01500d\n", 7);
	assert_int_equal(load(&cfg, text, err, sizeof err), -1);
	assert_non_null(strstr(err, ":6: "));
	assert_non_null(strstr(err, "too long"));
}

static void
test_title_sanitized(void **state)
{
	struct config cfg;
	char err[512];

	(void)state;
	assert_int_equal(
		load(&cfg, MINIMAL "[kiosk]\ntitle = A\x1b[31mB\x07\n", err, sizeof err),
		0);
	assert_string_equal(cfg.title, "AB");
	config_free(&cfg);
}

/*
 * A NUL cuts what a text tool shows of a line, and text after it used to
 * reach the parser as a line of its own once it began a new read: here a
 * line 4 that shows as the backend's URL hides "[staff]" and
 * "allow_quit = 1" behind NULs and padding.  It must be refused, naming
 * line 4.
 */
static void
test_nul_refused(void **state)
{
	struct config cfg;
	char err[512], text[1024];
	size_t n, line4;

	(void)state;
	/* inih reads a line in pieces of 199 bytes (INI_MAX_LINE 200). */
	line4 = (size_t)snprintf(text, sizeof text,
				 "[kiosk]\nterminal_id = HN-1\n[backend]\n");
	n = line4 + (size_t)snprintf(text + line4, sizeof text - line4,
				     "url = https://ra.example.org/");
	text[n++] = '\0';
	while (n < line4 + 199)
		text[n++] = ' ';
	memcpy(text + n, "[staff]", 7);
	n += 7;
	text[n++] = '\0';
	while (n < line4 + 2 * 199)
		text[n++] = ' ';
	n += (size_t)snprintf(text + n, sizeof text - n, "allow_quit = 1\n");
	assert_int_equal(load_bytes(&cfg, text, n, err, sizeof err), -1);
	assert_non_null(strstr(err, ":4: "));
	assert_non_null(strstr(err, "NUL"));
	assert_int_equal(cfg.allow_quit, 0);

	/* A file of NULs alone (a link to /dev/zero is the endless one). */
	memset(text, 0, sizeof text);
	assert_int_equal(load_bytes(&cfg, text, sizeof text, err, sizeof err), -1);
	assert_non_null(strstr(err, ":1: "));
	assert_non_null(strstr(err, "NUL"));
}

/* Text from the file in a message is sanitized: no escape sequence, no C1
 * control reaches the terminal that shows the error. */
static void
test_error_sanitized(void **state)
{
	static const char *const texts[] = {
		MINIMAL "[kiosk]\n\x1b]0;owned\x07\x1b[2J = 1\n",
		MINIMAL "[kiosk]\nlanguage = \x1b[31mfr\xc2\x9b"
			"2J\n",
		MINIMAL "[\x1b[5mprinter]\nx = 1\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct config cfg;
		char err[512];

		assert_int_equal(load(&cfg, texts[i], err, sizeof err), -1);
		assert_non_null(strstr(err, ":6: "));
		if (strchr(err, '\x1b') != NULL || strstr(err, "\xc2\x9b") != NULL ||
		    strchr(err, '\x07') != NULL)
			fail_msg("case %zu: raw control in \"%s\"", i, err);
	}
}

/* The log quotes outside text too: a log file holds no escape sequence. */
static void
test_log_sanitized(void **state)
{
	char logpath[64], spec[80], err[256], buf[512];
	FILE *f;
	size_t n;

	(void)state;
	strcpy(logpath, "/tmp/cakiosk-test-log-XXXXXX");
	close(mkstemp(logpath));
	snprintf(spec, sizeof spec, "file:%s", logpath);
	assert_int_equal(log_open(spec, LOG_LVL_DEBUG, err, sizeof err), 0);
	log_info("backend said: %s", "bad\x1b]0;owned\x07\x1b[2J\xc2\x9b"
				     "31mend");
	log_close();
	f = fopen(logpath, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	unlink(logpath);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "backend said: badend"));
	assert_null(strchr(buf, '\x1b'));
	assert_null(strchr(buf, '\x07'));
}

static void
test_missing_file(void **state)
{
	struct config cfg;
	char err[512];

	(void)state;
	assert_int_equal(config_load(&cfg, "/nonexistent/cakiosk.conf", err, sizeof err),
			 -1);
	assert_non_null(strstr(err, "/nonexistent/cakiosk.conf: cannot open"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_gets_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_broken_files),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_title_sanitized),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_nul_refused),
		cmocka_unit_test(test_error_sanitized),
		cmocka_unit_test(test_log_sanitized),
	};

	if (i18n_init("/nonexistent") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
