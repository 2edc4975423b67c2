/*
 * util.c - allocation, logging, randomness, clock and encoding utilities of
 * the reference backend (see util.h).
 */
#include "ra/util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

int util_log_level = LOG_INFO_;

static void
util_oom(void)
{
	fputs("cakiosk-ra: out of memory\n", stderr);
	abort();
}

void *
util_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		util_oom();
	return p;
}

void *
util_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		util_oom();
	return p;
}

void *
util_xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);
	if (!q)
		util_oom();
	return q;
}

char *
util_xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p)
		util_oom();
	return p;
}

char *
util_xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		util_oom();
	char *s = util_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

void
util_log(int level, const char *fmt, ...)
{
	static const char *names[] = {"error", "warning", "info", "debug"};
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	if (level > util_log_level)
		return;
	char when[32];
	util_iso8601((int64_t)time(NULL), when, sizeof when);
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&lock);
	fprintf(stderr, "%s cakiosk-ra %s: ", when, names[level & 3]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&lock);
	va_end(ap);
}

void
util_wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}

void
util_wipe_str(char *s)
{
	if (s)
		util_wipe(s, strlen(s));
}

void
util_random(void *buf, size_t n)
{
	if (RAND_bytes(buf, (int)n) != 1) {
		fputs("cakiosk-ra: random generator failed\n", stderr);
		abort();
	}
}

void
util_random_hex(char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[64];
	if (n > sizeof b)
		n = sizeof b;
	util_random(b, n);
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
	util_wipe(b, sizeof b);
}

void
util_random_digits(char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c;
		do /* rejection sampling keeps the digits uniform */
			util_random(&c, 1);
		while (c >= 250);
		out[i] = (char)('0' + c % 10);
	}
	out[n] = '\0';
}

static int64_t clock_offset;
static pthread_mutex_t clock_lock = PTHREAD_MUTEX_INITIALIZER;

int64_t
util_now(void)
{
	pthread_mutex_lock(&clock_lock);
	int64_t off = clock_offset;
	pthread_mutex_unlock(&clock_lock);
	return (int64_t)time(NULL) + off;
}

void
util_clock_advance(int64_t seconds)
{
	pthread_mutex_lock(&clock_lock);
	clock_offset += seconds;
	pthread_mutex_unlock(&clock_lock);
}

int64_t
util_clock_offset(void)
{
	pthread_mutex_lock(&clock_lock);
	int64_t off = clock_offset;
	pthread_mutex_unlock(&clock_lock);
	return off;
}

int64_t
util_add_years(int64_t t, int years)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	tm.tm_year += years;
	int y = tm.tm_year + 1900;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (tm.tm_mon == 1 && tm.tm_mday == 29 && !leap)
		tm.tm_mday = 28;
	return (int64_t)timegm(&tm);
}

void
util_iso8601(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
util_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

char *
util_base64_encode(const void *data, size_t len)
{
	char *out = util_xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

int
util_base64_decode(const char *s, unsigned char **out, size_t *len)
{
	size_t n = strlen(s);
	if (n % 4 != 0 || n > (1u << 26))
		return -1;
	unsigned char *buf = util_xmalloc(n / 4 * 3 + 1);
	int r = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n);
	if (r < 0) {
		free(buf);
		return -1;
	}
	size_t l = (size_t)r;
	if (n >= 1 && s[n - 1] == '=')
		l--;
	if (n >= 2 && s[n - 2] == '=')
		l--;
	*out = buf;
	*len = l;
	return 0;
}

bool
util_str_eq_ct(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return false;
	return CRYPTO_memcmp(a, b, la) == 0;
}

char *
util_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = util_xmalloc(cap);
	size_t r;
	while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (cap - n - 1 == 0)
			buf = util_xrealloc(buf, cap *= 2);
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int
util_write_file(const char *path, const void *data, size_t len, unsigned mode)
{
	char *tmp = util_xasprintf("%s.tmp", path);
	int rc = -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, (mode_t)mode);
	if (fd < 0)
		goto out;
	if (fchmod(fd, (mode_t)mode) != 0) { /* exactly mode, whatever the umask */
		close(fd);
		goto out;
	}
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			goto out;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0)
		goto out;
	if (rename(tmp, path) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

char *
util_html_escape(const char *s)
{
	size_t n = 0;
	for (const char *p = s; *p; p++)
		n += strchr("&<>\"'", *p) ? 6 : 1;
	char *out = util_xmalloc(n + 1), *q = out;
	for (const char *p = s; *p; p++) {
		const char *e = *p == '&'    ? "&amp;"
				: *p == '<'  ? "&lt;"
				: *p == '>'  ? "&gt;"
				: *p == '"'  ? "&quot;"
				: *p == '\'' ? "&#39;"
					     : NULL;
		if (e) {
			memcpy(q, e, strlen(e));
			q += strlen(e);
		} else {
			*q++ = *p;
		}
	}
	*q = '\0';
	return out;
}
