/*
 * main.c - cakiosk-ra, the reference RA/CA backend of cakiosk: the command
 * line and the configuration file, and the subcommands they run (serve's
 * start-up and clean shutdown are in serve.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ra/addr.h"
#include "ra/api.h"
#include "ra/app.h"
#include "ra/conf.h"
#include "ra/demo.h"
#include "ra/gw.h"
#include "ra/http.h"
#include "ra/metrics.h"
#include "ra/purge.h"
#include "ra/terminal.h"
#include "ra/opts.h"
#include "ra/usage.h"
#include "ra/util.h"

enum {
	O_DB = 256,
	O_CA,
	O_LISTEN,
	O_SANDBOX,
	O_DELAY,
	O_TTL,
	O_URL,
	O_PORTFILE,
	O_NODEMO,
	O_REASON,
	O_STATE,
	O_VERBOSE,
	O_SMSLIMIT,
	O_DEMO,
	O_GATEWAY,
	O_NAME,
	O_JSON,
	O_SILENT,
	O_DOCDAYS,
	O_DRYRUN,
	O_METRICS,
	O_INSTANCE,
	O_NOACCESS,
	O_CONFIG,
	O_CHECK,
	O_REFERENCE,
	O_MODULE,
	O_TOKEN,
	O_PINFILE,
	O_SUBJECT,
	O_NOSANDBOX,
	O_NOVERBOSE,
	O_ACCESS,
	O_TLSCERT,
	O_TLSKEY,
	O_PUBLISTEN,
	O_PUBCERT,
	O_PUBKEY,
	O_THREADS
};

static const struct option longopts[] = {
	{"db", required_argument, NULL, O_DB},
	{"ca-dir", required_argument, NULL, O_CA},
	{"listen", required_argument, NULL, O_LISTEN},
	{"metrics-listen", required_argument, NULL, O_METRICS},
	{"instance", required_argument, NULL, O_INSTANCE},
	{"no-access-log", no_argument, NULL, O_NOACCESS},
	{"access-log", no_argument, NULL, O_ACCESS},
	{"tls-cert", required_argument, NULL, O_TLSCERT},
	{"tls-key", required_argument, NULL, O_TLSKEY},
	{"public-listen", required_argument, NULL, O_PUBLISTEN},
	{"public-tls-cert", required_argument, NULL, O_PUBCERT},
	{"public-tls-key", required_argument, NULL, O_PUBKEY},
	{"sandbox", no_argument, NULL, O_SANDBOX},
	{"no-sandbox", no_argument, NULL, O_NOSANDBOX},
	{"pay-delay", required_argument, NULL, O_DELAY},
	{"pay-ttl", required_argument, NULL, O_TTL},
	{"public-url", required_argument, NULL, O_URL},
	{"port-file", required_argument, NULL, O_PORTFILE},
	{"no-demo", no_argument, NULL, O_NODEMO},
	{"demo", no_argument, NULL, O_DEMO},
	{"gateway", required_argument, NULL, O_GATEWAY},
	{"reason", required_argument, NULL, O_REASON},
	{"state", required_argument, NULL, O_STATE},
	{"name", required_argument, NULL, O_NAME},
	{"json", no_argument, NULL, O_JSON},
	{"silent-after", required_argument, NULL, O_SILENT},
	{"documents-days", required_argument, NULL, O_DOCDAYS},
	{"dry-run", no_argument, NULL, O_DRYRUN},
	{"verbose", no_argument, NULL, O_VERBOSE},
	{"no-verbose", no_argument, NULL, O_NOVERBOSE},
	{"sms-terminal-limit", required_argument, NULL, O_SMSLIMIT},
	{"threads", required_argument, NULL, O_THREADS},
	{"config", required_argument, NULL, O_CONFIG},
	{"check-config", no_argument, NULL, O_CHECK},
	{"config-reference", no_argument, NULL, O_REFERENCE},
	{"module", required_argument, NULL, O_MODULE},
	{"token", required_argument, NULL, O_TOKEN},
	{"pin-file", required_argument, NULL, O_PINFILE},
	{"subject", required_argument, NULL, O_SUBJECT},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* The configuration file's keys as option codes. */
static const struct ra_conf_codes conf_codes = {
	.listen = O_LISTEN,
	.public_url = O_URL,
	.db = O_DB,
	.ca_dir = O_CA,
	.port_file = O_PORTFILE,
	.instance = O_INSTANCE,
	.metrics_listen = O_METRICS,
	.no_access_log = O_NOACCESS,
	.access_log = O_ACCESS,
	.verbose = O_VERBOSE,
	.no_verbose = O_NOVERBOSE,
	.sms_limit = O_SMSLIMIT,
	.sandbox = O_SANDBOX,
	.no_sandbox = O_NOSANDBOX,
	.tls_cert = O_TLSCERT,
	.tls_key = O_TLSKEY,
	.public_listen = O_PUBLISTEN,
	.public_cert = O_PUBCERT,
	.public_key = O_PUBKEY,
	.silent_after = O_SILENT,
	.documents_days = O_DOCDAYS,
	.demo = O_DEMO,
	.no_demo = O_NODEMO,
	.pay_delay = O_DELAY,
	.pay_ttl = O_TTL,
	.gateway = O_GATEWAY,
	.threads = O_THREADS,
};

/* HTTP_THREADS_MAX in words, for the message refusing more. */
#define TEXT_OF_(n) #n
#define TEXT_OF(n) TEXT_OF_(n)
#define THREADS_MAX_TEXT TEXT_OF(HTTP_THREADS_MAX)

/* arg as an int in lo..hi into *out; false when it is none. */
static bool
int_arg(const char *arg, int lo, int hi, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno || *end || end == arg || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

/* HOST:PORT with HOST an address the server can bind. */
static bool
addr_arg(const char *arg)
{
	char host[256];
	int port;
	struct sockaddr_storage ss;
	return addr_split(arg, host, sizeof host, &port) == 0 &&
	       addr_sockaddr(host, port, &ss) == 0;
}

/* A public URL the links and the CRL distribution point can be made of:
 * http:// or https://, a host, and no space, comma (OpenSSL splits the
 * CRL's URI there) or control character. */
static bool
url_arg(const char *arg)
{
	size_t scheme = strncmp(arg, "https://", 8) == 0  ? 8
			: strncmp(arg, "http://", 7) == 0 ? 7
							  : 0;
	if (!scheme || !arg[scheme] || strchr("/:?#@", arg[scheme]))
		return false;
	for (const char *p = arg; *p; p++)
		if (*p == ' ' || *p == ',' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* Option c with argument arg (NULL for a flag) into o, from the command line
 * or the configuration file: NULL, or what is wrong with arg. */
static const char *
opt_value(int c, const char *arg, struct opts *o)
{
	switch (c) {
	case O_DB:
		o->db = arg;
		break;
	case O_CA:
		o->ca_dir = arg;
		break;
	case O_LISTEN:
		if (!addr_arg(arg))
			return "wants HOST:PORT (an IPv4 address, localhost or [IPv6])";
		o->listen = arg;
		break;
	case O_METRICS:
		if (!addr_arg(arg))
			return "wants HOST:PORT (an IPv4 address, localhost or [IPv6])";
		o->metrics_listen = arg;
		break;
	case O_PUBLISTEN:
		if (!addr_arg(arg))
			return "wants HOST:PORT (an IPv4 address, localhost or [IPv6])";
		o->public_listen = arg;
		break;
	case O_TLSCERT:
		o->tls_cert = arg;
		break;
	case O_TLSKEY:
		o->tls_key = arg;
		break;
	case O_PUBCERT:
		o->public_cert = arg;
		break;
	case O_PUBKEY:
		o->public_key = arg;
		break;
	case O_INSTANCE:
		if (!metrics_instance_ok(arg))
			return METRICS_INSTANCE_WANTS;
		o->instance = arg;
		break;
	case O_NOACCESS:
	case O_ACCESS:
		o->no_access_log = c == O_NOACCESS;
		break;
	case O_SANDBOX:
	case O_NOSANDBOX:
		o->sandbox = c == O_SANDBOX;
		break;
	case O_URL:
		if (!url_arg(arg))
			return "wants http:// or https://, a host, and no space, "
			       "comma or control character";
		o->public_url = arg;
		break;
	case O_PORTFILE:
		o->port_file = arg;
		break;
	case O_NODEMO:
		o->no_demo = true;
		break;
	case O_DEMO:
		o->demo = true;
		break;
	case O_GATEWAY:
		if (o->ngateways == MAX_GATEWAYS)
			return "is given too often";
		o->gateways[o->ngateways++] = arg;
		break;
	case O_REASON:
		o->reason = arg;
		break;
	case O_STATE:
		o->state = arg;
		break;
	case O_NAME:
		o->name = arg;
		break;
	case O_JSON:
		o->json = true;
		break;
	case O_SILENT:
		if (!int_arg(arg, 0, 100000, &o->silent_after))
			return "wants 0..100000 minutes";
		break;
	case O_DOCDAYS:
		if (strcmp(arg, "never") == 0)
			o->documents_days = PURGE_NEVER;
		else if (!int_arg(arg, 1, 36500, &o->documents_days))
			return "wants 1..36500 days or \"never\"";
		break;
	case O_DRYRUN:
		o->dry_run = true;
		break;
	case O_MODULE:
		o->module = arg;
		break;
	case O_TOKEN:
		o->token = arg;
		break;
	case O_PINFILE:
		o->pin_file = arg;
		break;
	case O_SUBJECT:
		o->subject = arg;
		break;
	case O_VERBOSE:
		util_log_level = LOG_DEBUG_;
		break;
	case O_NOVERBOSE:
		util_log_level = LOG_INFO_;
		break;
	case O_DELAY:
		if (!int_arg(arg, 0, 86400, &o->pay_delay))
			return "wants 0..86400 seconds";
		break;
	case O_TTL:
		if (!int_arg(arg, 5, 86400, &o->pay_ttl))
			return "wants 5..86400 seconds";
		break;
	case O_SMSLIMIT:
		if (!int_arg(arg, 1, 100000, &o->sms_limit))
			return "wants 1..100000";
		break;
	case O_THREADS:
		if (!int_arg(arg, 1, HTTP_THREADS_MAX, &o->threads))
			return "wants 1.." THREADS_MAX_TEXT " threads";
		break;
	default:
		return "is unknown";
	}
	return NULL;
}

/* A key of the configuration file: demo and the gateways are kept apart,
 * for the command line to win over them. */
static const char *
file_value(void *ctx, int c, const char *arg)
{
	struct opts *o = ctx;
	if (c == O_DEMO || c == O_NODEMO) {
		o->file_demo = c == O_DEMO;
		return NULL;
	}
	if (c == O_GATEWAY) {
		if (o->nfile_gateways < 4)
			o->file_gateways[o->nfile_gateways++] = arg;
		return NULL;
	}
	return opt_value(c, arg, o);
}

/* The file's demo and gateways, where the command line said nothing. */
static int
file_merge(struct opts *o)
{
	if (!o->demo && !o->no_demo && o->file_demo >= 0) {
		o->demo = o->file_demo == 1;
		o->no_demo = o->file_demo == 0;
	}
	for (int i = 0; i < o->nfile_gateways; i++) {
		const char *g = o->file_gateways[i];
		size_t k = strcspn(g, "=") + 1;
		bool given = false;
		for (int j = 0; j < o->ngateways; j++)
			given = given || strncmp(o->gateways[j], g, k) == 0;
		if (!given && opt_value(O_GATEWAY, g, o)) {
			fprintf(stderr, "cakiosk-ra: too many --gateway options\n");
			return 2;
		}
	}
	return 0;
}

static const char *
opt_name(int c)
{
	for (const struct option *l = longopts; l->name; l++)
		if (l->val == c)
			return l->name;
	return "?";
}

/* The command line: what main does first (help, version, the reference),
 * the file and the check, and the options kept in order for after the
 * file. */
struct cmdline {
	int *codes;
	const char **args;
	int n;
	const char *config;
	bool check;
};

/* 0 to go on, 1 to exit 0, 2 for a usage error. */
static int
take_opt(int c, struct cmdline *cl)
{
	switch (c) {
	case 'h':
		fputs(ra_usage_text, stdout);
		return 1;
	case 'V':
		printf("cakiosk-ra %s\n", VERSION);
		return 1;
	case O_REFERENCE:
		ra_conf_print_reference(stdout);
		return 1;
	case O_CONFIG:
		cl->config = optarg;
		return 0;
	case O_CHECK:
		cl->check = true;
		return 0;
	case '?':
	case ':':
		fputs(ra_usage_text, stderr);
		return 2;
	default:
		cl->codes[cl->n] = c;
		cl->args[cl->n++] = optarg;
		return 0;
	}
}

/* The command line over the file; 0 or 2. */
static int
replay(const struct cmdline *cl, struct opts *o)
{
	for (int i = 0; i < cl->n; i++) {
		int c = cl->codes[i];
		const char *bad = opt_value(c, cl->args[i], o);
		if (bad) {
			fprintf(stderr, "cakiosk-ra: --%s %s, not \"%s\"\n", opt_name(c),
				bad, cl->args[i] ? cl->args[i] : "");
			return 2;
		}
	}
	return file_merge(o);
}

static int run(const char *cmd, int nargs, char **args, struct opts *o);

int
main(int argc, char **argv)
{
	struct opts o = {.db = "cakiosk-ra.db",
			 .ca_dir = "ca",
			 .listen = "127.0.0.1:8443",
			 .pay_delay = -1,
			 .pay_ttl = 900,
			 .sms_limit = 30,
			 .threads = HTTP_THREADS,
			 .silent_after = TERMINAL_SILENT_MINUTES,
			 .documents_days = PURGE_DOCUMENTS_DAYS,
			 .file_demo = -1};
	struct cmdline cl = {.codes = calloc((size_t)argc, sizeof *cl.codes),
			     .args = calloc((size_t)argc, sizeof *cl.args)};
	struct ra_conf conf = {0};
	int c, r = 0;
	if (!cl.codes || !cl.args)
		abort();
	/* Whatever the server writes (the store and its -wal and -shm, the
	 * CA's files) is its own, whatever umask it was started with. */
	umask(077);
	/* Options before the command... */
	while (r == 0 && (c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1)
		r = take_opt(c, &cl);
	const char *cmd = optind < argc ? argv[optind] : NULL;
	int sub_argc = argc - optind;
	char **sub_argv = argv + optind;
	if (r == 0 && !cmd && !cl.check) {
		fputs(ra_usage_text, stderr);
		r = 2;
	}
	/* ...and after it (GNU getopt moves the operands to the end). */
	optind = 0; /* 0: glibc starts afresh */
	while (r == 0 && cmd &&
	       (c = getopt_long(sub_argc, sub_argv, "hV", longopts, NULL)) != -1)
		r = take_opt(c, &cl);
	int rc = r == 1 ? 0 : r;
	if (r == 0) {
		/* The file first, the command line over it. */
		if (ra_conf_load(&conf, cl.config, &conf_codes, file_value, &o, stderr) !=
		    0) {
			if (!cl.check)
				fprintf(stderr, "cakiosk-ra: not starting: fix the "
						"configuration first\n");
			rc = 1;
		} else if ((rc = replay(&cl, &o)) == 0 && cl.check) {
			puts("ok");
		} else if (rc == 0) {
			rc = run(cmd, sub_argc - optind, sub_argv + optind, &o);
		}
	}
	ra_conf_free(&conf);
	free(cl.codes);
	free(cl.args);
	return rc;
}

static int
run(const char *cmd, int nargs, char **args, struct opts *o)
{
	ca_set_pin_file(o->pin_file);
	if (strcmp(cmd, "serve") == 0 && nargs == 0)
		return serve_run(o);
	if (strcmp(cmd, "demo-data") == 0 && nargs == 0) {
		demo_print();
		return 0;
	}
	struct admin_opts ao = {.db = o->db,
				.ca_dir = o->ca_dir,
				.reason = o->reason,
				.state = o->state,
				.name = o->name,
				.json = o->json,
				.silent_after = o->silent_after,
				.documents_days = o->documents_days,
				.dry_run = o->dry_run,
				.ca_init = {o->module, o->token, o->ca_dir, o->subject}};
	int r = admin_run(cmd, nargs, args, &ao);
	if (r == 2)
		fputs(ra_usage_text, stderr);
	return r;
}
