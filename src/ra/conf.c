/*
 * conf.c - the configuration file of cakiosk-ra: an INI file whose keys are
 * the options of "serve"; every key checked with the option's own rule, every
 * error reported with its line, and a reference file printed from the same
 * table.
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
	K_FLAG,    /* yes: the flag; no: nothing */
	K_NOFLAG,  /* no: the flag; yes: nothing (access_log: --no-access-log) */
	K_DEMO,    /* yes: --demo; no: --no-demo */
	K_GATEWAY, /* --gateway KEY=VALUE */
};

struct key {
	const char *section;
	const char *key;
	enum kind kind;
	size_t code; /* offset of the option code in struct ra_conf_codes */
	const char *def;
	const char *help;
};

#define C(f) offsetof(struct ra_conf_codes, f)
static const struct key keys[] = {
	{"server", "listen", K_ARG, C(listen), "127.0.0.1:8443",
	 "address to listen on, HOST:PORT (port 0 picks a free one; IPv6 as [::1]:8443)"},
	{"server", "public_url", K_ARG, C(public_url), NULL,
	 "base of links opened by phones (default https://HOST:PORT)"},
	{"server", "db", K_ARG, C(db), "cakiosk-ra.db",
	 "the store: a SQLite file, or a PostgreSQL database as a postgresql:// URI"},
	{"server", "ca_dir", K_ARG, C(ca_dir), "ca", "the CA directory"},
	{"server", "port_file", K_ARG, C(port_file), NULL,
	 "write the bound port here once ready"},
	{"server", "instance", K_ARG, C(instance), NULL,
	 "this server's name in the access lines and metrics (default: the host name)"},
	{"server", "metrics_listen", K_ARG, C(metrics_listen), NULL,
	 "serve GET /metrics there, HOST:PORT, plain HTTP: keep it on loopback (off by "
	 "default)"},
	{"server", "access_log", K_NOFLAG, C(no_access_log), "yes",
	 "an access line per request (yes or no)"},
	{"server", "verbose", K_FLAG, C(verbose), "no", "log more (yes or no)"},
	{"server", "sms_terminal_limit", K_ARG, C(sms_limit), "30",
	 "SMS codes one terminal may ask for per hour (1..100000)"},
	{"server", "sandbox", K_FLAG, C(sandbox), "no",
	 "sandbox gateways, the pay page and the inspection endpoints (yes or no)"},
	{"server", "demo", K_DEMO, C(demo), NULL,
	 "the demo records, terminal, staff and root (yes or no; default: as sandbox)"},
	{"sandbox", "pay_delay", K_ARG, C(pay_delay), NULL,
	 "a payment pays itself after this many seconds (0..86400; default never)"},
	{"sandbox", "pay_ttl", K_ARG, C(pay_ttl), "900",
	 "a payment runs out after this many seconds (5..86400)"},
	{"gateway", "sms", K_GATEWAY, C(gateway), NULL,
	 "the SMS gateway: exec:PROGRAM (full path) or sandbox"},
	{"gateway", "mail", K_GATEWAY, C(gateway), NULL,
	 "the mail gateway: exec:PROGRAM (full path) or sandbox"},
	{"gateway", "bank", K_GATEWAY, C(gateway), NULL,
	 "the bank gateway: exec:PROGRAM (full path) or sandbox"},
	{"gateway", "pay", K_GATEWAY, C(gateway), NULL,
	 "the payment provider: exec:PROGRAM (full path) or sandbox"},
};
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
				error_at(p,
					 "[%s]: unknown section (known: server, sandbox, "
					 "gateway)",
					 name);
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

/* Hands one key to set; NULL, or what is wrong with its value. */
static const char *
apply(struct parse *p, const struct key *k, const char *v)
{
	int code = *(const int *)(const void *)((const char *)p->codes + k->code);
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
	if (k->kind == K_DEMO)
		return p->set(p->ctx, b ? code : p->codes->no_demo, NULL);
	if (b == (k->kind == K_FLAG))
		return p->set(p->ctx, code, NULL);
	return NULL;
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
		"# %s - the configuration of cakiosk-ra serve (cakiosk-ra(8)).\n"
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
