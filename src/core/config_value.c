/*
 * config_value.c - the checks of one value of cakiosk.conf by its type
 * (see config.c): names, printable text, https URLs, SHA-256 fingerprints,
 * staff PIN hashes; and the terminal's name from a file that may not
 * load, for the out-of-service screen.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ini.h>

#include "config.h"
#include "config_int.h"

bool
is_ident(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("._-", *s) == NULL)
			return false;
	return true;
}
bool
is_printable_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}
bool
check_url(const char *v)
{
	const char *host;

	if (strncmp(v, "https://", 8) != 0)
		return false;
	host = v + 8;
	if (*host == '\0' || *host == '/' || *host == ':')
		return false;
	for (const char *c = host; *c != '\0'; c++)
		if (*c <= 0x20 || *c > 0x7e || *c == '@')
			return false;
	return true;
}
bool
check_sha256(const char *v)
{
	int digits = 0;

	for (; *v != '\0'; v++) {
		if (isxdigit((unsigned char)*v))
			digits++;
		else if (*v != ':')
			return false;
	}
	return digits == 64;
}
bool
check_pinhash(const char *v)
{
	unsigned long iter;
	char *end;

	if (strncmp(v, "pbkdf2-sha256$", 14) != 0)
		return false;
	errno = 0;
	iter = strtoul(v + 14, &end, 10);
	if (errno != 0 || iter < 10000 || *end != '$')
		return false;
	const char *salt = end + 1, *hash = strchr(salt, '$');
	if (hash == NULL || hash - salt < 16 || strlen(hash + 1) != 64)
		return false;
	for (const char *c = salt; *c != '\0'; c++)
		if (!isxdigit((unsigned char)*c) && !(c == hash))
			return false;
	return true;
}

struct peek {
	char *buf;
	size_t len;
};

static int
peek_handler(void *user, const char *section, const char *key, const char *value)
{
	struct peek *p = user;

	if (strcmp(section, "kiosk") == 0 && strcmp(key, "terminal_id") == 0 &&
	    is_ident(value, 32))
		snprintf(p->buf, p->len, "%s", value);
	return 1;
}

int
config_peek_terminal(const char *path, char *buf, size_t len)
{
	struct peek p = {buf, len};
	FILE *f = fopen(path, "re");
	struct stat st;

	buf[0] = '\0';
	if (f == NULL)
		return -1;
	/* Only a file of a sane size: not a device that never ends. */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size < 1024 * 1024)
		ini_parse_file(f, peek_handler, &p);
	fclose(f);
	return buf[0] != '\0' ? 0 : -1;
}
