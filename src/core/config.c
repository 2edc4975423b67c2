/*
 * config.c - reading and checking cakiosk.conf.
 *
 * The file is INI, parsed by inih through our own line reader so that the
 * handler knows the line it is on.  One table says, for every key, where it
 * goes, what type it is, its bounds and default; checks are per type.  The
 * first error wins and names file, line, section and key.  The checks of a
 * value by its type are in config_value.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "config_int.h"
#include "i18n.h"
#include "log.h"
#include "text.h"
#include "xmem.h"

enum opt_type {
	OPT_STRING,  /* free text, sanitized, up to max bytes */
	OPT_IDENT,   /* [A-Za-z0-9._-], up to max */
	OPT_INT,     /* min..max */
	OPT_LANG,    /* zh_CN | en */
	OPT_LEVEL,   /* error | warn | info | debug */
	OPT_LOG,     /* journal | stderr | none | file:/path */
	OPT_URL,     /* https://host[:port][/path] */
	OPT_FILE,    /* absolute path of a readable file */
	OPT_SHA256,  /* 64 hex digits, colons allowed */
	OPT_PINHASH, /* pbkdf2-sha256$iter$salt$hash */
	OPT_PATTERN, /* fnmatch pattern, printable ASCII */
};

struct opt {
	const char *section; /* "vendor" for every [vendor NAME] */
	const char *key;
	enum opt_type type;
	size_t offset;
	int min, max; /* ints: bounds; strings: max length in bytes */
	const char *def;
	bool required;
	const char *help;
};

#define K(f) offsetof(struct config, f)
#define V(f) offsetof(struct config_vendor, f)

static const struct opt opts[] = {
	{"kiosk", "terminal_id", OPT_IDENT, K(terminal_id), 1, 32, NULL, true,
	 "this terminal's name, shown in the header and sent to the backend"},
	{"kiosk", "title", OPT_STRING, K(title), 1, 120, NULL, false,
	 "platform title in the header (default: the translated product name)"},
	{"kiosk", "language", OPT_LANG, K(language), 0, 0, "zh_CN", false,
	 "language a new session starts in: zh_CN or en"},
	{"kiosk", "idle_timeout", OPT_INT, K(idle_timeout), 5, 3600, "120", false,
	 "seconds without input before the \"still there?\" countdown"},
	{"kiosk", "idle_countdown", OPT_INT, K(idle_countdown), 3, 120, "30", false,
	 "seconds the countdown lasts before the session is wiped"},
	{"kiosk", "log", OPT_LOG, K(log), 0, 4096, "journal", false,
	 "journal, stderr, none or file:/absolute/path"},
	{"kiosk", "log_level", OPT_LEVEL, K(log_level), 0, 0, "info", false,
	 "error, warn, info or debug"},
	{"kiosk", "scan_dir", OPT_FILE, K(scan_dir), 0, 4096, NULL, false,
	 "folder a document scanner drops its files into; the upload step sends "
	 "new ones to the customer's order and removes them (default: none)"},
	{"backend", "url", OPT_URL, K(backend_url), 0, 512, NULL, true,
	 "base URL of the RA/CA backend, https only"},
	{"backend", "ca_file", OPT_FILE, K(ca_file), 0, 4096, NULL, false,
	 "PEM bundle of the CA: the backend's certificate, the seals"},
	{"backend", "cert_file", OPT_FILE, K(cert_file), 0, 4096, NULL, false,
	 "this terminal's client certificate (PEM)"},
	{"backend", "key_file", OPT_FILE, K(key_file), 0, 4096, NULL, false,
	 "this terminal's private key (PEM)"},
	{"backend", "pin_sha256", OPT_SHA256, K(pin_sha256), 0, 95, NULL, false,
	 "SHA-256 of the backend certificate's public key, to pin it"},
	{"backend", "connect_timeout", OPT_INT, K(connect_timeout), 1, 60, "5", false,
	 "seconds to wait for a connection"},
	{"backend", "timeout", OPT_INT, K(request_timeout), 2, 300, "20", false,
	 "seconds a request may take in all"},
	{"backend", "renew_days", OPT_INT, K(renew_days), 1, 365, "30", false,
	 "days before its end the kiosk renews its own certificate (at start, "
	 "then daily); the status line warns while that fails"},
	{"backend", "heartbeat_interval", OPT_INT, K(heartbeat_interval), 30, 86400,
	 "300", false,
	 "seconds between heartbeats to the backend (version, readers, certificate "
	 "end, last error); one is sent at start"},
	{"staff", "pin_hash", OPT_PINHASH, K(staff_pin_hash), 0, 512, NULL, false,
	 "staff PIN, as printed by cakiosk --hash-pin; no staff login without it"},
	{"staff", "assist_idle_timeout", OPT_INT, K(assist_idle_timeout), 60, 7200, "900",
	 false, "idle timeout while staff assist a customer"},
	{"staff", "allow_quit", OPT_INT, K(allow_quit), 0, 1, "0", false,
	 "1: staff may close the kiosk program (demos; a kiosk under systemd "
	 "leaves it 0)"},
};

static const struct opt vendor_opts[] = {
	{"vendor", "display_name", OPT_STRING, V(display), 1, 60, NULL, false,
	 "vendor name shown to customers (default: the section's name)"},
	{"vendor", "module", OPT_FILE, V(module), 0, 4096,
	 "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so", false,
	 "PKCS#11 module of this vendor's tokens"},
	{"vendor", "manufacturer", OPT_PATTERN, V(manufacturer), 0, 64, "*", false,
	 "pattern for the token's manufacturer ID"},
	{"vendor", "model", OPT_PATTERN, V(model), 0, 64, "*", false,
	 "pattern for the token's model"},
	{"vendor", "label", OPT_PATTERN, V(label), 0, 64, "*", false,
	 "pattern for the token's label"},
};

/* A configuration is a few kilobytes; more is a device or a mistake. */
#define CONFIG_MAX_BYTES (1024 * 1024)

#define NOPTS (sizeof opts / sizeof opts[0])
#define NVOPTS (sizeof vendor_opts / sizeof vendor_opts[0])

struct parse {
	struct config *cfg;
	const char *path;
	FILE *f;
	int line;     /* line the reader handed out last */
	size_t bytes; /* read so far */
	bool too_long;
	int err_line; /* first error */
	char *err;
	size_t errlen;
	bool seen[NOPTS];
	bool vseen[CONFIG_MAX_VENDORS][NVOPTS];
};

static void parse_error(struct parse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
parse_error(struct parse *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (p->err_line != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	p->err_line = p->line > 0 ? p->line : -1;
	/* The message quotes the file (section, key, value): sanitized, so
	 * no escape sequence in it reaches the terminal that shows it. */
	char *text = xasprintf("%s:%d: %s", p->path, p->line, msg);
	char *clean = text_sanitize(text, strlen(text), p->errlen - 1, 0);
	snprintf(p->err, p->errlen, "%s", clean);
	free(clean);
	free(text);
}

/* Check value v against o and store it at base + o->offset; false on error. */
static bool
opt_set(struct parse *p, const struct opt *o, const char *sect, void *base, const char *v)
{
	char **sp = (char **)((char *)base + o->offset);
	int *ip = (int *)((char *)base + o->offset);
	long n;
	char *end;
	int i;

	switch (o->type) {
	case OPT_INT:
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || n < o->min || n > o->max) {
			parse_error(p,
				    "[%s] %s = %s: must be a whole number from %d to %d",
				    sect, o->key, v, o->min, o->max);
			return false;
		}
		*ip = (int)n;
		return true;
	case OPT_LANG:
		if ((i = i18n_parse(v)) < 0) {
			parse_error(p, "[%s] %s = %s: must be zh_CN or en", sect, o->key,
				    v);
			return false;
		}
		*ip = i;
		return true;
	case OPT_LEVEL:
		if ((i = log_level_parse(v)) < 0) {
			parse_error(p, "[%s] %s = %s: must be error, warn, info or debug",
				    sect, o->key, v);
			return false;
		}
		*ip = i;
		return true;
	case OPT_STRING:
		if (*v == '\0' || strlen(v) > (size_t)o->max) {
			parse_error(p, "[%s] %s: must be 1 to %d bytes long", sect,
				    o->key, o->max);
			return false;
		}
		free(*sp);
		/* Shown on screen: nothing from the file reaches the terminal raw. */
		*sp = text_sanitize(v, strlen(v), (size_t)o->max, 0);
		return true;
	case OPT_IDENT:
		if (!is_ident(v, (size_t)o->max)) {
			parse_error(p,
				    "[%s] %s = %s: must be 1 to %d letters, digits, '.', "
				    "'_' or '-'",
				    sect, o->key, v, o->max);
			return false;
		}
		break;
	case OPT_LOG:
		if (strcmp(v, "journal") != 0 && strcmp(v, "stderr") != 0 &&
		    strcmp(v, "none") != 0 &&
		    !(strncmp(v, "file:/", 6) == 0 && v[6] != '\0')) {
			parse_error(p,
				    "[%s] %s = %s: must be journal, stderr, none or "
				    "file:/absolute/path",
				    sect, o->key, v);
			return false;
		}
		break;
	case OPT_URL:
		if (strlen(v) > (size_t)o->max || !check_url(v)) {
			parse_error(
				p,
				"[%s] %s = %s: must be an https:// URL with a host name",
				sect, o->key, v);
			return false;
		}
		break;
	case OPT_FILE:
		if (v[0] != '/') {
			parse_error(p, "[%s] %s = %s: must be an absolute path", sect,
				    o->key, v);
			return false;
		}
		if (access(v, R_OK) != 0) {
			parse_error(p, "[%s] %s = %s: cannot read it: %s", sect, o->key,
				    v, strerror(errno));
			return false;
		}
		break;
	case OPT_SHA256:
		if (!check_sha256(v)) {
			parse_error(p, "[%s] %s: must be 64 hexadecimal digits", sect,
				    o->key);
			return false;
		}
		break;
	case OPT_PINHASH:
		/* The value itself is not echoed: it is half a secret. */
		if (!check_pinhash(v)) {
			parse_error(p,
				    "[%s] %s: not a hash made by cakiosk --hash-pin "
				    "(pbkdf2-sha256$ITERATIONS$SALT$HASH)",
				    sect, o->key);
			return false;
		}
		break;
	case OPT_PATTERN:
		if (*v == '\0' || strlen(v) > (size_t)o->max || !is_printable_ascii(v)) {
			parse_error(p,
				    "[%s] %s: must be 1 to %d printable ASCII characters",
				    sect, o->key, o->max);
			return false;
		}
		break;
	}
	free(*sp);
	*sp = xstrdup(v);
	return true;
}

static struct config_vendor *
vendor_find(struct config *cfg, const char *name, size_t *index)
{
	for (size_t i = 0; i < cfg->nvendors; i++) {
		if (strcmp(cfg->vendors[i].name, name) == 0) {
			*index = i;
			return &cfg->vendors[i];
		}
	}
	return NULL;
}

static int
handler(void *user, const char *section, const char *key, const char *value)
{
	struct parse *p = user;
	struct config *cfg = p->cfg;

	if (p->err_line != 0)
		return 0;
	if (p->too_long) {
		parse_error(p, "line is too long");
		return 0;
	}
	if (*section == '\0') {
		parse_error(p, "%s: key outside any [section]", key);
		return 0;
	}
	if (strncmp(section, "vendor ", 7) == 0) {
		const char *name = section + 7;
		struct config_vendor *vd;
		size_t vi;

		if (!is_ident(name, 32)) {
			parse_error(p,
				    "[%s]: vendor name must be 1 to 32 letters, digits, "
				    "'.', '_' or '-'",
				    section);
			return 0;
		}
		vd = vendor_find(cfg, name, &vi);
		if (vd == NULL) {
			if (cfg->nvendors == CONFIG_MAX_VENDORS) {
				parse_error(p, "[%s]: at most %d vendors", section,
					    CONFIG_MAX_VENDORS);
				return 0;
			}
			vi = cfg->nvendors++;
			vd = &cfg->vendors[vi];
			vd->name = xstrdup(name);
		}
		for (size_t i = 0; i < NVOPTS; i++) {
			if (strcmp(vendor_opts[i].key, key) != 0)
				continue;
			if (p->vseen[vi][i]) {
				parse_error(p, "[%s] %s: set twice", section, key);
				return 0;
			}
			p->vseen[vi][i] = true;
			return opt_set(p, &vendor_opts[i], section, vd, value) ? 1 : 0;
		}
		parse_error(p, "[%s] %s: unknown key", section, key);
		return 0;
	}
	bool section_known = false;
	for (size_t i = 0; i < NOPTS; i++) {
		if (strcmp(opts[i].section, section) != 0)
			continue;
		section_known = true;
		if (strcmp(opts[i].key, key) != 0)
			continue;
		if (p->seen[i]) {
			parse_error(p, "[%s] %s: set twice", section, key);
			return 0;
		}
		p->seen[i] = true;
		return opt_set(p, &opts[i], section, cfg, value) ? 1 : 0;
	}
	if (section_known)
		parse_error(p, "[%s] %s: unknown key", section, key);
	else
		parse_error(p,
			    "[%s]: unknown section (known: kiosk, backend, staff, "
			    "vendor NAME)",
			    section);
	return 0;
}

/* Whether c may be in a configuration file; counts it against the size. */
static bool
take_byte(struct parse *p, int c)
{
	if (c == '\0') {
		/* Text after a NUL is cut off by the tools that show the file,
		 * and would be read on as a line of its own. */
		parse_error(p, "a NUL byte: a configuration is a text file");
		return false;
	}
	if (++p->bytes > CONFIG_MAX_BYTES) {
		parse_error(p, "the file goes on past %d bytes", CONFIG_MAX_BYTES);
		return false;
	}
	return true;
}

/*
 * inih's line reader, counting lines so errors can name them.  It reads a
 * byte at a time so that it sees a NUL (fgets() would hide it), and stops
 * at the first error: a file that is no text, such as a link to /dev/zero,
 * ends there instead of being read for ever.
 */
static char *
reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	size_t n = 0;
	int c = EOF;

	if (p->err_line != 0 || num < 2)
		return NULL;
	p->line++;
	while (n + 1 < (size_t)num && (c = getc(p->f)) != EOF) {
		if (!take_byte(p, c))
			return NULL;
		str[n++] = (char)c;
		if (c == '\n')
			break;
	}
	if (n == 0) {
		p->line--;
		return NULL;
	}
	str[n] = '\0';
	if (c != '\n' && c != EOF) {
		bool cut = false;

		/* Skip the rest: a cut line would be read as two. */
		while ((c = getc(p->f)) != EOF && c != '\n') {
			if (!take_byte(p, c))
				return NULL;
			cut = true;
		}
		if (c == '\n' && !take_byte(p, c))
			return NULL;
		if (cut || c == '\n') {
			p->too_long = true;
			/* Hand inih the line; the handler or we report it. */
			parse_error(p, "line is too long (at most %d bytes)", num - 2);
		}
	}
	return str;
}

static void
set_defaults(const struct parse *p, const struct opt *table, size_t n, void *base,
	     const bool *seen, const char *sect)
{
	for (size_t i = 0; i < n; i++) {
		if (seen[i] || table[i].def == NULL)
			continue;
		struct parse quiet = *p;
		char dummy[8];

		/* Defaults are known good; a default file path may be absent. */
		quiet.err = dummy;
		quiet.errlen = sizeof dummy;
		quiet.err_line = 0;
		if (table[i].type == OPT_FILE) {
			char **sp = (char **)((char *)base + table[i].offset);
			*sp = xstrdup(table[i].def);
			continue;
		}
		opt_set(&quiet, &table[i], sect, base, table[i].def);
	}
}

void
config_defaults(struct config *cfg)
{
	struct parse p = {.cfg = cfg, .path = "(defaults)"};
	char err[8];

	memset(cfg, 0, sizeof *cfg);
	p.err = err;
	p.errlen = sizeof err;
	set_defaults(&p, opts, NOPTS, cfg, p.seen, "");
}

int
config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	struct parse p = {.cfg = cfg, .path = path, .err = err, .errlen = errlen};
	int rc;

	memset(cfg, 0, sizeof *cfg);
	err[0] = '\0';
	p.f = fopen(path, "re");
	if (p.f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	rc = ini_parse_stream(reader, &p, handler, &p);
	fclose(p.f);
	if (rc != 0 && p.err_line == 0) {
		p.line = rc;
		parse_error(&p, "not a [section] or a 'key = value' line");
	}
	if (p.err_line != 0)
		goto fail;

	for (size_t i = 0; i < NOPTS; i++) {
		if (opts[i].required && !p.seen[i]) {
			snprintf(err, errlen, "%s: [%s] %s is missing (%s)", path,
				 opts[i].section, opts[i].key, opts[i].help);
			goto fail;
		}
	}
	set_defaults(&p, opts, NOPTS, cfg, p.seen, "");
	for (size_t v = 0; v < cfg->nvendors; v++) {
		struct config_vendor *vd = &cfg->vendors[v];

		set_defaults(&p, vendor_opts, NVOPTS, vd, p.vseen[v], "vendor");
		if (vd->display == NULL)
			vd->display = xstrdup(vd->name);
	}
	if ((cfg->cert_file == NULL) != (cfg->key_file == NULL)) {
		snprintf(err, errlen,
			 "%s: [backend] cert_file and key_file go together: "
			 "set both or neither",
			 path);
		goto fail;
	}
	if (cfg->idle_countdown >= cfg->idle_timeout) {
		snprintf(err, errlen,
			 "%s: [kiosk] idle_countdown must be shorter than "
			 "idle_timeout",
			 path);
		goto fail;
	}
	return 0;
fail:
	config_free(cfg);
	return -1;
}

static void
free_strings(const struct opt *table, size_t n, void *base)
{
	for (size_t i = 0; i < n; i++) {
		switch (table[i].type) {
		case OPT_INT:
		case OPT_LANG:
		case OPT_LEVEL:
			break;
		default: {
			char **sp = (char **)((char *)base + table[i].offset);
			if (table[i].type == OPT_PINHASH)
				secure_free_str(sp);
			free(*sp);
			*sp = NULL;
		}
		}
	}
}

void
config_free(struct config *cfg)
{
	free_strings(opts, NOPTS, cfg);
	for (size_t v = 0; v < cfg->nvendors; v++) {
		free_strings(vendor_opts, NVOPTS, &cfg->vendors[v]);
		free(cfg->vendors[v].name);
	}
	memset(cfg, 0, sizeof *cfg);
}

void
config_print_reference(void)
{
	const char *last = "";

	for (size_t i = 0; i < NOPTS; i++) {
		if (strcmp(last, opts[i].section) != 0)
			printf("%s[%s]\n", i ? "\n" : "", opts[i].section);
		last = opts[i].section;
		printf("; %s%s\n%s%s = %s\n", opts[i].help,
		       opts[i].required ? " (required)" : "", opts[i].def ? "" : ";",
		       opts[i].key, opts[i].def ? opts[i].def : "");
	}
	printf("\n[vendor NAME]\n");
	for (size_t i = 0; i < NVOPTS; i++)
		printf("; %s\n%s%s = %s\n", vendor_opts[i].help,
		       vendor_opts[i].def ? "" : ";", vendor_opts[i].key,
		       vendor_opts[i].def ? vendor_opts[i].def : "");
}
