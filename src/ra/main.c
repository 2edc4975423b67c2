/*
 * main.c - cakiosk-ra, the reference RA/CA backend of cakiosk: command line
 * (serve and the staff subcommands), start-up and clean shutdown.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ra/addr.h"
#include "ra/api.h"
#include "ra/app.h"
#include "ra/demo.h"
#include "ra/gw.h"
#include "ra/http.h"
#include "ra/metrics.h"
#include "ra/metrics_http.h"
#include "ra/purge.h"
#include "ra/terminal.h"
#include "ra/util.h"

static const char usage_text[] =
	"usage: cakiosk-ra COMMAND [OPTIONS]\n"
	"\n"
	"The reference RA/CA backend of the cakiosk self-service kiosk.\n"
	"\n"
	"Commands:\n"
	"  serve                  run the HTTPS server\n"
	"  review ORDER approve|reject [--reason TEXT]\n"
	"                         decide an order under review (SMS to the customer)\n"
	"  orders [--state STATE] list orders (default: those under review)\n"
	"  post ORDER TRACKING    record that a made token was posted\n"
	"  make ORDER             record that staff made the token of an approved order\n"
	"  revoke SERIAL          revoke a certificate (a terminal's: all of its\n"
	"                         certificates)\n"
	"  enrol-code TERMINAL_ID print a one-time enrolment code for a terminal\n"
	"  terminals [--json] [--silent-after MINUTES]\n"
	"                         every terminal: last seen, state (ok, expiring,\n"
	"                         expired, revoked, silent, never), version,\n"
	"                         readers, certificate expiry, last error\n"
	"  escrow SERIAL          print a token's escrowed SO PIN (and the candidate\n"
	"                         of an unlock stopped half-way), for the counter\n"
	"  staff add NUMBER [--name NAME]   a member of staff; their PIN is read\n"
	"                         from standard input (asked twice on a terminal)\n"
	"  staff pin NUMBER       a new PIN (standard input); ends a lockout\n"
	"  staff disable|enable NUMBER      no login while disabled\n"
	"  staff reset NUMBER     end the lockout after wrong PINs\n"
	"  staff list             numbers, states and wrong PINs in a row\n"
	"  calls                  open calls for staff (F12 at a kiosk)\n"
	"  calls close ID         close a call\n"
	"  audit                  what staff did, with their numbers\n"
	"  demo-data              print the demo registration records\n"
	"  bench-issue N          issue N certificates with the CA, print the rate\n"
	"\n"
	"Options (all commands):\n"
	"  --db FILE              the store (default cakiosk-ra.db)\n"
	"  --ca-dir DIR           the CA directory (default ca)\n"
	"Options (terminals):\n"
	"  --json                 a JSON array instead of columns\n"
	"  --silent-after MINUTES not heard from for longer: \"silent\" (15)\n"
	"Options (serve):\n"
	"  --listen HOST:PORT     address to listen on (default 127.0.0.1:8443;\n"
	"                         port 0 picks a free one; IPv6 as [::1]:8443)\n"
	"  --metrics-listen HOST:PORT  serve GET /metrics (Prometheus text) there,\n"
	"                         plain HTTP: keep it on loopback (off by default)\n"
	"  --instance NAME        this server's name in the access lines and\n"
	"                         metrics (default: the host name)\n"
	"  --no-access-log        no access line per request\n"
	"  --sandbox              sandbox gateways (SMS, mail, bank, payment record\n"
	"                         in the store), the pay page and the inspection\n"
	"                         endpoints; with the demo unless --no-demo\n"
	"  --demo                 the demo: --sandbox, the demo records, terminal\n"
	"                         and staff certificates and the demo root CA\n"
	"  --gateway KIND=PROVIDER  the provider of a gateway (KIND sms, mail, bank\n"
	"                         or pay; PROVIDER exec:PROGRAM, or sandbox); without\n"
	"                         --sandbox every gateway needs a real one\n"
	"  --pay-delay SECONDS    sandbox: a payment pays itself after this delay\n"
	"  --pay-ttl SECONDS      sandbox: a payment runs out after this (900)\n"
	"  --public-url URL       base of links opened by phones (default "
	"https://HOST:PORT)\n"
	"  --port-file FILE       write the bound port here once ready\n"
	"  --sms-terminal-limit N SMS codes one terminal may ask for per hour (30)\n"
	"  --no-demo              sandbox without the demo: no demo records,\n"
	"                         terminal, staff or root\n"
	"  --verbose              log more\n"
	"  -h, --help             this text\n"
	"  -V, --version          the version\n";

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
	O_NOACCESS
};

#define MAX_GATEWAYS 8

struct opts {
	const char *db;
	const char *ca_dir;
	const char *listen;
	const char *metrics_listen;
	const char *instance;
	bool no_access_log;
	const char *public_url;
	const char *port_file;
	const char *reason;
	const char *state;
	const char *name;
	bool json;
	int silent_after;
	int documents_days;
	bool dry_run;
	bool sandbox;
	bool no_demo;
	bool demo;
	const char *gateways[MAX_GATEWAYS];
	int ngateways;
	int pay_delay;
	int pay_ttl;
	int sms_limit;
};

static int
cmd_serve(const struct opts *o)
{
	char host[256], mhost[256], *err = NULL;
	int port, mport = 0, rc = 1;
	struct app app = {0};
	struct http *h = NULL;
	struct metrics_http *mh = NULL;
	sigset_t set;
	if (addr_split(o->listen, host, sizeof host, &port) != 0) {
		fprintf(stderr, "cakiosk-ra: --listen wants HOST:PORT, not \"%s\"\n",
			o->listen);
		return 2;
	}
	if (o->metrics_listen &&
	    addr_split(o->metrics_listen, mhost, sizeof mhost, &mport) != 0) {
		fprintf(stderr,
			"cakiosk-ra: --metrics-listen wants HOST:PORT, not \"%s\"\n",
			o->metrics_listen);
		return 2;
	}
	if (metrics_setup(o->instance, !o->no_access_log, &err) != 0) {
		fprintf(stderr, "cakiosk-ra: %s\n", err);
		free(err);
		return 2;
	}
	/* The signals are taken by sigwait() below; every thread started from
	 * here on inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (o->demo && o->no_demo) {
		fprintf(stderr, "cakiosk-ra: --demo and --no-demo exclude each other\n");
		return 2;
	}
	/* The demo lives in the sandbox: production has no demo terminal,
	 * staff, records or root (nobody may hold their keys). */
	app.sandbox = o->sandbox || o->demo;
	app.demo = o->demo || (o->sandbox && !o->no_demo);
	app.pay_delay = o->pay_delay;
	app.pay_ttl = app.sandbox ? o->pay_ttl : 900;
	app.sms_terminal_limit = o->sms_limit;
	if (gw_configure(app.sandbox, o->gateways, o->ngateways, &err) != 0 ||
	    api_open(&app, o->db, o->ca_dir, host, o->public_url, port, &err) != 0)
		goto out;
	h = http_start(&app, host, port, api_routes, &err);
	if (!h)
		goto out;
	if (o->metrics_listen) {
		mh = metrics_http_start(&app, mhost, mport, &err);
		if (!mh)
			goto out;
		char *murl = addr_url("http", mhost, metrics_http_port(mh));
		log_info("metrics on %s/metrics", murl);
		free(murl);
	}
	if (port == 0 || !o->public_url) {
		port = http_port(h);
		if (!o->public_url) {
			free(app.public_url);
			app.public_url = addr_url("https", host, port);
		}
		char *crl = util_xasprintf("%s/crl.der", app.public_url);
		ca_set_crl_url(app.ca, crl);
		free(crl);
	}
	char *url = addr_url("https", host, http_port(h));
	log_info("listening on %s%s", url,
		 app.demo      ? " (the demo, sandbox mode)"
		 : app.sandbox ? " (sandbox mode)"
			       : "");
	free(url);
	if (o->port_file) {
		char buf[16];
		int n = snprintf(buf, sizeof buf, "%d\n", http_port(h));
		if (util_write_file(o->port_file, buf, (size_t)n, 0600) != 0)
			log_warn("cannot write %s", o->port_file);
	}
	int sig = 0;
	sigwait(&set, &sig);
	log_info("signal %d: shutting down", sig);
	rc = 0;
out:
	if (err) {
		fprintf(stderr, "cakiosk-ra: %s\n", err);
		free(err);
	}
	metrics_http_stop(mh);
	http_stop(h);
	api_close(&app);
	metrics_fini();
	return rc;
}

static int
apply_opt(int c, struct opts *o)
{
	char *end;
	switch (c) {
	case O_DB:
		o->db = optarg;
		break;
	case O_CA:
		o->ca_dir = optarg;
		break;
	case O_LISTEN:
		o->listen = optarg;
		break;
	case O_METRICS:
		o->metrics_listen = optarg;
		break;
	case O_INSTANCE:
		o->instance = optarg;
		break;
	case O_NOACCESS:
		o->no_access_log = true;
		break;
	case O_SANDBOX:
		o->sandbox = true;
		break;
	case O_URL:
		o->public_url = optarg;
		break;
	case O_PORTFILE:
		o->port_file = optarg;
		break;
	case O_NODEMO:
		o->no_demo = true;
		break;
	case O_DEMO:
		o->demo = true;
		break;
	case O_GATEWAY:
		if (o->ngateways == MAX_GATEWAYS) {
			fprintf(stderr, "cakiosk-ra: too many --gateway options\n");
			return 2;
		}
		o->gateways[o->ngateways++] = optarg;
		break;
	case O_REASON:
		o->reason = optarg;
		break;
	case O_STATE:
		o->state = optarg;
		break;
	case O_NAME:
		o->name = optarg;
		break;
	case O_JSON:
		o->json = true;
		break;
	case O_SILENT:
		errno = 0;
		o->silent_after = (int)strtol(optarg, &end, 10);
		if (errno || *end || end == optarg || o->silent_after < 0 ||
		    o->silent_after > 100000) {
			fprintf(stderr, "cakiosk-ra: --silent-after wants 0..100000 "
					"minutes\n");
			return 2;
		}
		break;
	case O_DOCDAYS:
		if (strcmp(optarg, "never") == 0) {
			o->documents_days = PURGE_NEVER;
			break;
		}
		errno = 0;
		o->documents_days = (int)strtol(optarg, &end, 10);
		if (errno || *end || end == optarg || o->documents_days < 1 ||
		    o->documents_days > 36500) {
			fprintf(stderr, "cakiosk-ra: --documents-days wants 1..36500 "
					"days or \"never\"\n");
			return 2;
		}
		break;
	case O_DRYRUN:
		o->dry_run = true;
		break;
	case O_VERBOSE:
		util_log_level = LOG_DEBUG_;
		break;
	case O_DELAY:
		errno = 0;
		o->pay_delay = (int)strtol(optarg, &end, 10);
		if (errno || *end || o->pay_delay < 0 || o->pay_delay > 86400) {
			fprintf(stderr,
				"cakiosk-ra: --pay-delay wants 0..86400 seconds\n");
			return 2;
		}
		break;
	case O_TTL:
		errno = 0;
		o->pay_ttl = (int)strtol(optarg, &end, 10);
		if (errno || *end || o->pay_ttl < 5 || o->pay_ttl > 86400) {
			fprintf(stderr, "cakiosk-ra: --pay-ttl wants 5..86400 seconds\n");
			return 2;
		}
		break;
	case O_SMSLIMIT:
		errno = 0;
		o->sms_limit = (int)strtol(optarg, &end, 10);
		if (errno || *end || o->sms_limit < 1 || o->sms_limit > 100000) {
			fprintf(stderr,
				"cakiosk-ra: --sms-terminal-limit wants 1..100000\n");
			return 2;
		}
		break;
	case 'h':
		fputs(usage_text, stdout);
		return 1;
	case 'V':
		printf("cakiosk-ra %s\n", VERSION);
		return 1;
	default:
		fputs(usage_text, stderr);
		return 2;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, O_DB},
		{"ca-dir", required_argument, NULL, O_CA},
		{"listen", required_argument, NULL, O_LISTEN},
		{"metrics-listen", required_argument, NULL, O_METRICS},
		{"instance", required_argument, NULL, O_INSTANCE},
		{"no-access-log", no_argument, NULL, O_NOACCESS},
		{"sandbox", no_argument, NULL, O_SANDBOX},
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
		{"sms-terminal-limit", required_argument, NULL, O_SMSLIMIT},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct opts o = {.db = "cakiosk-ra.db",
			 .ca_dir = "ca",
			 .listen = "127.0.0.1:8443",
			 .pay_delay = -1,
			 .pay_ttl = 900,
			 .sms_limit = 30,
			 .silent_after = TERMINAL_SILENT_MINUTES,
			 .documents_days = PURGE_DOCUMENTS_DAYS};
	int c, r;
	/* Whatever the server writes (the store and its -wal and -shm, the
	 * CA's files) is its own, whatever umask it was started with. */
	umask(077);
	/* Options before the command... */
	while ((c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1)
		if ((r = apply_opt(c, &o)) != 0)
			return r == 1 ? 0 : r;
	if (optind >= argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	const char *cmd = argv[optind];
	/* ...and after it (GNU getopt moves the operands to the end). */
	int sub_argc = argc - optind;
	char **sub_argv = argv + optind;
	optind = 0; /* 0: glibc starts afresh */
	while ((c = getopt_long(sub_argc, sub_argv, "hV", longopts, NULL)) != -1)
		if ((r = apply_opt(c, &o)) != 0)
			return r == 1 ? 0 : r;
	int nargs = sub_argc - optind;
	char **args = sub_argv + optind;
	if (strcmp(cmd, "serve") == 0 && nargs == 0)
		return cmd_serve(&o);
	if (strcmp(cmd, "demo-data") == 0 && nargs == 0) {
		demo_print();
		return 0;
	}
	struct admin_opts ao = {.db = o.db,
				.ca_dir = o.ca_dir,
				.reason = o.reason,
				.state = o.state,
				.name = o.name,
				.json = o.json,
				.silent_after = o.silent_after,
				.documents_days = o.documents_days,
				.dry_run = o.dry_run};
	r = admin_run(cmd, nargs, args, &ao);
	if (r == 2)
		fputs(usage_text, stderr);
	return r;
}
