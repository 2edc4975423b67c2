/*
 * conf.c - the configuration file of cakiosk-ra: an INI file whose keys are
 * the options of "serve" (and of "terminals" and "purge", in sections of
 * their own); a yes/no key sets the option or its negation (--no-sandbox),
 * so the command line can turn off what the file turns on; every key checked with the
 * option's own rule, every error reported with its line, and a reference file printed
 * from the same table.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "ra/conf.h"
#include "ra/util.h"

enum kind {
	K_ARG,     /* the option's argument */
	K_BOOL,    /* yes: the option of code; no: the one of nocode */
	K_GATEWAY, /* --gateway KEY=VALUE */
};

struct key {
	const char *section;
	const char *key;
	enum kind kind;
	size_t code;   /* offset of the option code in struct ra_conf_codes */
	size_t nocode; /* K_BOOL: ... of the option that says no */
	const char *def;
	const char *help;
};

#define C(f) offsetof(struct ra_conf_codes, f)
#define B(yes, no) K_BOOL, C(yes), C(no)
#define A(f) K_ARG, C(f), 0
static const struct key keys[] = {
	{"server", "listen", A(listen), "127.0.0.1:8443",
	 "the terminal API's address, HOST:PORT (port 0 picks a free one; IPv6 as "
	 "[::1]:8443)"},
	{"server", "public_url", A(public_url), NULL,
	 "base of links opened by phones (default https://HOST:PORT); the same as "
	 "[public] url"},
	{"server", "tls_cert", A(tls_cert), NULL,
	 "the terminal API's certificate, PEM, with its chain (default: the CA's "
	 "own for localhost, 127.0.0.1 and the listen host)"},
	{"server", "tls_key", A(tls_key), NULL, "... and its private key, PEM"},
	{"server", "db", A(db), "cakiosk-ra.db",
	 "the store: a SQLite file, or a PostgreSQL database as a postgresql:// URI"},
	{"server", "ca_dir", A(ca_dir), "ca", "the CA directory"},
	{"server", "port_file", A(port_file), NULL,
	 "write the bound port here once ready"},
	{"server", "instance", A(instance), NULL,
	 "this server's name in the access lines and metrics (default: the host name)"},
	{"server", "metrics_listen", A(metrics_listen), NULL,
	 "serve GET /metrics there, HOST:PORT, plain HTTP: keep it on loopback (off by "
	 "default)"},
	{"server", "access_log", B(access_log, no_access_log), "yes",
	 "an access line per request (yes or no)"},
	{"server", "threads", A(threads), "4",
	 "threads answering requests on each listener (1..64)"},
	{"server", "verbose", B(verbose, no_verbose), "no", "log more (yes or no)"},
	{"server", "sms_terminal_limit", A(sms_limit), "30",
	 "SMS codes one terminal may ask for per hour (1..100000)"},
	{"server", "sandbox", B(sandbox, no_sandbox), "no",
	 "sandbox gateways, the pay page and the inspection endpoints (yes or no)"},
	{"server", "demo", B(demo, no_demo), NULL,
	 "the demo records, terminal, staff and root (yes or no; default: as sandbox)"},
	{"public", "listen", A(public_listen), NULL,
	 "the pages phones open (upload, pay, invoice, status, forms, CRL, health) "
	 "also on HOST:PORT, asking no client certificate (off by default)"},
	{"public", "tls_cert", A(public_cert), NULL,
	 "its certificate, PEM, with its chain (a publicly trusted one; needed with "
	 "listen)"},
	{"public", "tls_key", A(public_key), NULL, "... and its private key, PEM"},
	{"public", "url", A(public_url), NULL,
	 "base of links opened by phones (default: https://HOST:PORT of listen)"},
	{"sandbox", "pay_delay", A(pay_delay), NULL,
	 "a payment pays itself after this many seconds (0..86400; default never)"},
	{"sandbox", "pay_ttl", A(pay_ttl), "900",
	 "a payment runs out after this many seconds (5..86400)"},
	{"gateway", "sms", K_GATEWAY, C(gateway), 0, NULL,
	 "the SMS gateway: exec:PROGRAM (full path) or sandbox"},
	{"gateway", "mail", K_GATEWAY, C(gateway), 0, NULL,
	 "the mail gateway: exec:PROGRAM (full path) or sandbox"},
	{"gateway", "bank", K_GATEWAY, C(gateway), 0, NULL,
	 "the bank gateway: exec:PROGRAM (full path) or sandbox"},
	{"gateway", "pay", K_GATEWAY, C(gateway), 0, NULL,
	 "the payment provider: exec:PROGRAM (full path) or sandbox"},
	{"terminals", "silent_after", A(silent_after), "15",
	 "cakiosk-ra terminals: not heard from for longer, in minutes, is \"silent\" "
	 "(0..100000)"},
	{"purge", "documents_days", A(documents_days), "30",
	 "cakiosk-ra purge: the documents of a finished order are deleted after this "
	 "many days (1..36500, or never)"},
};
#undef A
#undef B
#undef C
#define NKEYS (sizeof keys / sizeof keys[0])

struct parse {
	struct ra_conf *rc;
	const struct ra_conf_codes *codes;
	ra_conf_set set;
	void *ctx;
	FILE *f, *err;
	const char *path;
	int line;
	bool section_known;
	int seen[NKEYS]; /* the line a key was given on, 0: not given */
};

static void error_at(struct parse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One error, its control characters (from the file) shown as '?'. */
static void
error_at(struct parse *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (char *s = msg; *s; s++)
		if (iscntrl((unsigned char)*s))
			*s = '?';
	fprintf(p->err, "cakiosk-ra: %s:%d: %s\n", p->path, p->line, msg);
	p->rc->nerrors++;
}

/* The sections of keys[], in its order. */
#define SECTIONS "server, public, sandbox, gateway, terminals, purge"

static bool
known_section(const char *s)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, s) == 0)
			return true;
	return false;
}

/* inih's line reader, counting lines and checking section headers (inih
 * calls the handler for keys only, so an empty unknown section would go
 * unseen). */
static char *
reader(char *str, int num, void *stream)
{
	struct parse *p = stream;

	if (!fgets(str, num, p->f))
		return NULL;
	p->line++;
	/* inih's buffer cut the line: said so, and the rest skipped rather
	 * than read as a line of its own. */
	size_t len = strlen(str);
	if (len && str[len - 1] != '\n' && !feof(p->f)) {
		int c = getc(p->f);
		if (c != '\n' && c != EOF) {
			error_at(p, "line too long (over %d characters)", num - 1);
			while (c != '\n' && c != EOF)
				c = getc(p->f);
			str[0] = '\0';
			return str;
		}
	}
	const char *s = str + strspn(str, " \t");
	if (*s == '[') {
		const char *end = strchr(s, ']');
		char name[64];
		size_t n = end ? (size_t)(end - s - 1) : 0;
		if (end && n < sizeof name) {
			memcpy(name, s + 1, n);
			name[n] = '\0';
			p->section_known = known_section(name);
			if (!p->section_known)
				error_at(p, "[%s]: unknown section (known: %s)", name,
					 SECTIONS);
		}
	}
	return str;
}

static bool
parse_bool(const char *v, bool *out)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*out = true;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*out = false;
	else
		return false;
	return true;
}

static const char *
keep(struct parse *p, char *s)
{
	struct ra_conf *rc = p->rc;
	rc->strings =
		realloc(rc->strings, (size_t)(rc->nstrings + 1) * sizeof *rc->strings);
	if (!rc->strings)
		abort();
	rc->strings[rc->nstrings++] = s;
	return s;
}

static int
code_of(const struct parse *p, size_t off)
{
	return *(const int *)(const void *)((const char *)p->codes + off);
}

/* Hands one key to set; NULL, or what is wrong with its value. */
static const char *
apply(struct parse *p, const struct key *k, const char *v)
{
	int code = code_of(p, k->code);
	bool b;

	switch (k->kind) {
	case K_ARG:
		return p->set(p->ctx, code, keep(p, util_xstrdup(v)));
	case K_GATEWAY:
		if (strcmp(v, "sandbox") != 0 &&
		    (strncmp(v, "exec:", 5) != 0 || v[5] != '/'))
			return "wants exec:PROGRAM (a full path) or sandbox";
		return p->set(p->ctx, code, keep(p, util_xasprintf("%s=%s", k->key, v)));
	default:
		break;
	}
	if (!parse_bool(v, &b))
		return "wants yes or no";
	return p->set(p->ctx, b ? code : code_of(p, k->nocode), NULL);
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;

	if (!p->section_known) {
		if (!section[0])
			error_at(p, "%s: a key before any [section]", name);
		return 1; /* an unknown section: said once, at its header */
	}
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].section, section) != 0 ||
		    strcmp(keys[i].key, name) != 0)
			continue;
		if (p->seen[i]) {
			error_at(p, "[%s] %s: given twice (first on line %d)", section,
				 name, p->seen[i]);
			return 1;
		}
		/* Two keys of one option ([server] public_url and [public]
		 * url): the file says which it means once. */
		for (size_t j = 0; j < NKEYS; j++)
			if (j != i && p->seen[j] && keys[j].kind == K_ARG &&
			    keys[j].code == keys[i].code) {
				error_at(p,
					 "[%s] %s: the same as [%s] %s, given on line %d",
					 section, name, keys[j].section, keys[j].key,
					 p->seen[j]);
				return 1;
			}
		p->seen[i] = p->line;
		const char *bad = apply(p, &keys[i], value);
		if (bad)
			error_at(p, "[%s] %s %s, not \"%s\"", section, name, bad, value);
		return 1;
	}
	error_at(p, "[%s] %s: unknown key", section, name);
	return 1;
}

int
ra_conf_load(struct ra_conf *rc, const char *path, const struct ra_conf_codes *codes,
	     ra_conf_set set, void *ctx, FILE *err)
{
	struct parse p = {.rc = rc,
			  .codes = codes,
			  .set = set,
			  .ctx = ctx,
			  .err = err,
			  .path = path ? path : RA_CONF_DEFAULT};

	memset(rc, 0, sizeof *rc);
	p.f = fopen(p.path, "re");
	if (!p.f) {
		if (!path && errno == ENOENT)
			return 0;
		fprintf(err, "cakiosk-ra: %s: cannot open: %s\n", p.path,
			strerror(errno));
		return rc->nerrors = 1;
	}
	int r = ini_parse_stream(reader, &p, handler, &p);
	fclose(p.f);
	/* inih's own complaint: a line that is neither a section nor a key. */
	if (r > 0) {
		p.line = r;
		error_at(&p, "not a [section] or a 'key = value' line");
	}
	return rc->nerrors;
}

void
ra_conf_free(struct ra_conf *rc)
{
	for (int i = 0; i < rc->nstrings; i++)
		free(rc->strings[i]);
	free(rc->strings);
	memset(rc, 0, sizeof *rc);
}

void
ra_conf_print_reference(FILE *out)
{
	const char *last = "";

	fprintf(out,
		"# %s - the configuration of cakiosk-ra (cakiosk-ra(8)).\n"
		"# Every key is an option of the command line, which wins over the "
		"file.\n"
		"# A key commented out has no default or keeps the one shown.\n",
		RA_CONF_DEFAULT);
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(last, keys[i].section) != 0)
			fprintf(out, "\n[%s]\n", keys[i].section);
		last = keys[i].section;
		if (keys[i].def)
			fprintf(out, "; %s\n%s = %s\n", keys[i].help, keys[i].key,
				keys[i].def);
		else
			fprintf(out, "; %s\n;%s =\n", keys[i].help, keys[i].key);
	}
}
