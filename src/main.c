/*
 * main.c - cakiosk: command line, configuration, and into the event loop.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "backend.h"
#include "config.h"
#include "enrol.h"
#include "paths.h"
#include "i18n.h"
#include "log.h"
#include "loop.h"
#include "oos.h"
#include "say.h"
#include "selftest.h"
#include "setup.h"
#include "staffauth.h"
#include "session.h"
#include "termrenew.h"
#include "text.h"
#include "token.h"
#include "xmem.h"

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: cakiosk [-c FILE] [-l LANG]\n"
		"       cakiosk --check-config [-c FILE]\n"
		"       cakiosk --self-test [-c FILE]\n"
		"       cakiosk --setup [-c FILE]\n"
		"       cakiosk --hash-pin\n"
		"       cakiosk --enrol --backend URL --ca-fingerprint SHA256 --code "
		"CODE\n"
		"               --terminal-id ID [-c FILE]\n"
		"\n"
		"Self-service kiosk for UKey digital certificates.\n"
		"\n"
		"  -c, --config FILE      configuration file (default %s)\n"
		"  -l, --lang LANG        start in zh_CN or en (default: from the file)\n"
		"      --check-config     check the configuration and exit: every key,\n"
		"                         each module a loadable PKCS#11 library, the\n"
		"                         certificate and key files a matching pair\n"
		"      --self-test        check modules and slots, certificate and key,\n"
		"                         CN = terminal_id, days to expiry, an mTLS\n"
		"                         round trip to the backend, the zh_CN\n"
		"                         catalogue; one line each; exit 0 if all pass\n"
		"      --setup            the first-run setup on this terminal (also\n"
		"                         shown when FILE does not exist): backend,\n"
		"                         CA fingerprint, enrolment, module, reader;\n"
		"                         a working FILE is replaced once confirmed\n"
		"      --config-reference print every configuration key and exit\n"
		"      --hash-pin         read a staff PIN twice, print its hash for\n"
		"                         [staff] pin_hash, and exit\n"
		"      --enrol            enrol this terminal and write FILE (below);\n"
		"                         exit 0 enrolled (or already), 1 a local file,\n"
		"                         2 usage, 3 CA fingerprint differs (nothing\n"
		"                         sent), 4 code refused, 5 too many tries,\n"
		"                         6 backend unreachable or failed\n"
		"      --backend URL      the backend's https:// URL\n"
		"      --ca-fingerprint H SHA-256 fingerprint of the backend CA\n"
		"      --code CODE        the one-time enrolment code (- reads stdin)\n"
		"      --terminal-id ID   this terminal's id (the certificate's CN)\n"
		"  -h, --help             show this help and exit\n"
		"  -V, --version          show the version and exit\n",
		CONFIG_DEFAULT_PATH);
}

/* Read one line from the terminal without echo; the caller wipes buf. */
static int
read_secret(const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO);
	size_t n;
	int rc = 0;

	fputs(prompt, stderr);
	if (tty && tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (fgets(buf, (int)len, stdin) == NULL)
		rc = -1;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return rc;
}

static int
hash_pin(void)
{
	char pin[64] = "", again[64] = "", out[STAFFAUTH_HASH_MAX];
	int rc = 1;
	size_t n;

	if (read_secret("staff PIN (4-12 digits): ", pin, sizeof pin) != 0 ||
	    read_secret("again: ", again, sizeof again) != 0) {
		fprintf(stderr, "cakiosk: no PIN read\n");
		goto out;
	}
	n = strlen(pin);
	if (n < 4 || n > 12 || strspn(pin, "0123456789") != n) {
		fprintf(stderr, "cakiosk: a staff PIN is 4 to 12 digits\n");
		goto out;
	}
	if (strcmp(pin, again) != 0) {
		fprintf(stderr, "cakiosk: the two PINs differ\n");
		goto out;
	}
	if (staffauth_hash(pin, out, sizeof out) != 0) {
		fprintf(stderr, "cakiosk: cannot hash the PIN\n");
		goto out;
	}
	printf("%s\n", out);
	rc = 0;
out:
	secure_wipe(pin, sizeof pin);
	secure_wipe(again, sizeof again);
	return rc;
}

/*
 * The configuration loads and the terminal's own files pass their checks
 * (selftest.h), or the out-of-service screen stands on the terminal and
 * they are tried again slowly: never a black screen restarted every two
 * seconds.  0 with cfg loaded, -1 when told to stop meanwhile, or the
 * exit status of a failure.
 */
static int
start_checks(const char *path, struct config *cfg, char *err, size_t errlen)
{
	char last[1024] = "", tid[64];

	for (;;) {
		int rc = config_load(cfg, path, err, errlen);

		/* A renewal of the terminal's certificate cut short is
		 * finished before the files are checked (termrenew.h). */
		if (rc == 0 && cfg->cert_file != NULL && cfg->key_file != NULL) {
			char why[1024];

			if (termrenew_recover(cfg->cert_file, cfg->key_file, why,
					      sizeof why) != 0 ||
			    why[0] != '\0')
				say(stderr, "cakiosk: %s", why);
		}
		if (rc == 0 &&
		    selftest_run(cfg, SELFTEST_FILES, NULL, err, errlen) != 0) {
			char *why = xasprintf("%s: %s", path, err);

			snprintf(err, errlen, "%s", why);
			free(why);
			config_free(cfg);
			rc = -1;
		}
		if (rc == 0)
			break;
		/* Said once (to the journal under systemd), not each retry. */
		if (strcmp(err, last) != 0) {
			oos_end();
			say(stderr, "cakiosk: %s", err);
			say(stderr, "cakiosk: not starting: fix the configuration first");
			snprintf(last, sizeof last, "%s", err);
		}
		/* Keys come from a terminal: with none (a pipe, /dev/null)
		 * there is nobody to serve or show anything to. */
		if (!isatty(STDIN_FILENO))
			return 1;
		if (config_peek_terminal(path, tid, sizeof tid) != 0)
			snprintf(tid, sizeof tid, "?");
		rc = oos_wait(tid);
		if (rc <= 0) {
			oos_end();
			return rc == 0 ? -1 : 1;
		}
	}
	oos_end();
	if (!isatty(STDIN_FILENO)) {
		say(stderr, "cakiosk: standard input is not a terminal: the kiosk "
			    "runs on a terminal (a console or a terminal emulator)");
		config_free(cfg);
		return 1;
	}
	return 0;
}

/*
 * No configuration where the kiosk reads it (or --setup): the first-run
 * setup on the terminal.  0 to go on and start, -1 to stop quietly, or an
 * exit status.
 */
static int
first_run(const char *path, bool asked)
{
	int rc;

	if (!asked && (access(path, F_OK) == 0 || errno != ENOENT))
		return 0;
	if (!isatty(STDIN_FILENO)) {
		/* Nobody to ask: the configuration's own sentence says it. */
		if (!asked)
			return 0;
		say(stderr, "cakiosk: --setup runs on a terminal (a console or a "
			    "terminal emulator); cakiosk --enrol does the same from a "
			    "script");
		return 2;
	}
	rc = setup_run(path, asked);
	if (rc < 0) {
		say(stderr, "cakiosk: cannot draw the setup on this terminal");
		return 1;
	}
	if (rc > 0) {
		say(stderr, "cakiosk: setup left; %s was not written", path);
		return -1;
	}
	say(stderr, "cakiosk: setup wrote %s; starting", path);
	return 0;
}

/* OpenSSL's buffers (TLS records, the request and reply in clear) are
 * wiped when freed, like the other libraries' (xmem.h). */
static void *
ossl_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return malloc(n);
}

static void *
ossl_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return wipe_realloc(p, n);
}

static void
ossl_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	wipe_free(p);
}

int
main(int argc, char **argv)
{
	enum {
		OPT_CHECK = 256,
		OPT_HASH,
		OPT_REFERENCE,
		OPT_ENROL,
		OPT_BACKEND,
		OPT_FP,
		OPT_CODE,
		OPT_TID,
		OPT_SELFTEST,
		OPT_SETUP,
	};
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"lang", required_argument, NULL, 'l'},
		{"check-config", no_argument, NULL, OPT_CHECK},
		{"config-reference", no_argument, NULL, OPT_REFERENCE},
		{"hash-pin", no_argument, NULL, OPT_HASH},
		{"enrol", no_argument, NULL, OPT_ENROL},
		{"self-test", no_argument, NULL, OPT_SELFTEST},
		{"setup", no_argument, NULL, OPT_SETUP},
		{"backend", required_argument, NULL, OPT_BACKEND},
		{"ca-fingerprint", required_argument, NULL, OPT_FP},
		{"code", required_argument, NULL, OPT_CODE},
		{"terminal-id", required_argument, NULL, OPT_TID},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *path = CONFIG_DEFAULT_PATH, *lang = NULL, *localedir;
	bool check_only = false, enrol = false, self_test = false, setup = false;
	struct enrol_args ea = {0};
	char code[64] = "";
	struct config cfg;
	char err[1024];
	int c, rc;

	/* No core dump may carry a PIN (also keeps /proc/PID/mem to root). */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free);

	while ((c = getopt_long(argc, argv, "c:l:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'l':
			lang = optarg;
			break;
		case OPT_CHECK:
			check_only = true;
			break;
		case OPT_REFERENCE:
			config_print_reference();
			return 0;
		case OPT_HASH:
			return hash_pin();
		case OPT_ENROL:
			enrol = true;
			break;
		case OPT_SELFTEST:
			self_test = true;
			break;
		case OPT_SETUP:
			setup = true;
			break;
		case OPT_BACKEND:
			ea.url = optarg;
			break;
		case OPT_FP:
			ea.fingerprint = optarg;
			break;
		case OPT_CODE:
			/* Kept in our buffer, wiped after use; "-": from stdin, out
			 * of the process list. */
			if (strcmp(optarg, "-") == 0)
				read_secret("", code, sizeof code);
			else
				snprintf(code, sizeof code, "%s", optarg);
			secure_wipe(optarg, strlen(optarg));
			ea.code = code;
			break;
		case OPT_TID:
			ea.terminal_id = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("cakiosk %s\n", VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		say(stderr, "cakiosk: unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (enrol) {
		ea.config_path = path;
		return (int)enrol_run(&ea);
	}
	if (lang != NULL && i18n_parse(lang) < 0) {
		say(stderr, "cakiosk: --lang %s: must be zh_CN or en", lang);
		return 2;
	}

	localedir = getenv("CAKIOSK_LOCALEDIR");
	if (localedir == NULL || *localedir == '\0')
		localedir = LOCALEDIR;
	if (i18n_init(localedir) != 0) {
		fprintf(stderr,
			"cakiosk: no UTF-8 locale (not even C.UTF-8) on this system\n");
		return 1;
	}

	/* Operator messages (this program's own and the system's, such as
	 * "No such file or directory") are in English whatever the
	 * environment says; the screen's language comes from the
	 * configuration once it is read. */
	i18n_set(LANG_EN);
	if ((self_test || check_only) && config_load(&cfg, path, err, sizeof err) != 0) {
		say(stderr, "cakiosk: %s", err);
		if (self_test)
			printf("FAIL configuration: %s\n", err);
		say(stderr, "cakiosk: not starting: fix the configuration first");
		return 1;
	}
	if (self_test) {
		printf("ok   configuration: %s, terminal %s\n", path, cfg.terminal_id);
		rc = selftest_run(&cfg, SELFTEST_ALL, stdout, NULL, 0);
		config_free(&cfg);
		return rc == 0 ? 0 : 1;
	}
	if (!check_only) {
		/* No configuration yet: the setup writes one, then on. */
		rc = first_run(path, setup);
		i18n_set(LANG_EN);
		if (rc == 0)
			rc = start_checks(path, &cfg, err, sizeof err);
		if (rc != 0)
			return rc < 0 ? 0 : rc;
	} else {
		if (selftest_run(&cfg, SELFTEST_FILES, stdout, err, sizeof err) != 0) {
			say(stderr, "cakiosk: %s: %s", path, err);
			config_free(&cfg);
			return 1;
		}
		say(stdout, "%s: configuration OK (terminal %s, %zu vendor%s)", path,
		    cfg.terminal_id, cfg.nvendors, cfg.nvendors == 1 ? "" : "s");
		config_free(&cfg);
		return 0;
	}
	if (log_open(cfg.log, (enum log_level)cfg.log_level, err, sizeof err) != 0) {
		say(stderr, "cakiosk: %s: [kiosk] log = %s: %s", path, cfg.log, err);
		config_free(&cfg);
		return 1;
	}
	if (lang != NULL)
		cfg.language = i18n_parse(lang);
	i18n_set((enum lang)cfg.language);
	log_info("cakiosk %s starting, terminal %s, config %s", VERSION, cfg.terminal_id,
		 path);

	if (backend_init(&cfg) != 0) {
		fprintf(stderr, "cakiosk: cannot initialise the HTTPS client\n");
		config_free(&cfg);
		return 1;
	}
	/* A session's end releases the slots: libp11 forgets the last PIN. */
	loop_on_session_end(token_session_end);
	/* Everything the customer told us goes with them. */
	loop_on_session_end(session_end);
	/* ... the heartbeat's last error keeps no word of theirs ... */
	loop_on_session_end(log_visit_end);
	/* ... and so does the connection that carried it. */
	loop_on_session_end(backend_session_end);
	rc = loop_run(&cfg);
	token_shutdown();
	backend_cleanup();

	log_info("cakiosk stopped");
	log_close();
	config_free(&cfg);
	return rc;
}
