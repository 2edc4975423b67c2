/*
 * util.c - allocation, logging, randomness, clock and encoding utilities of
 * the reference backend (see util.h).
 */
#include "ra/util.h"
#include "common/codec.h"

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

/* One lock for every line, so that lines from threads never mix. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void
util_log_line(const char *line)
{
	pthread_mutex_lock(&log_lock);
	fputs(line, stderr); /* one write: stderr has no buffer */
	pthread_mutex_unlock(&log_lock);
}

void
util_log(int level, const char *fmt, ...)
{
	static const char *names[] = {"error", "warning", "info", "debug"};
	if (level > util_log_level)
		return;
	char when[32];
	util_iso8601((int64_t)time(NULL), when, sizeof when);
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "%s cakiosk-ra %s: ", when, names[level & 3]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&log_lock);
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
	unsigned char b[64];
	if (n > sizeof b)
		n = sizeof b;
	util_random(b, n);
	codec_hex(b, n, out);
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

static int64_t clock_offset, clock_stopped;
static pthread_mutex_t clock_lock = PTHREAD_MUTEX_INITIALIZER;

int64_t
util_now(void)
{
	pthread_mutex_lock(&clock_lock);
	int64_t off = clock_offset, stopped = clock_stopped;
	pthread_mutex_unlock(&clock_lock);
	return stopped ? stopped : (int64_t)time(NULL) + off;
}

void
util_clock_advance(int64_t seconds)
{
	pthread_mutex_lock(&clock_lock);
	clock_offset += seconds;
	if (clock_stopped)
		clock_stopped += seconds;
	pthread_mutex_unlock(&clock_lock);
}

void
util_clock_set(int64_t t)
{
	pthread_mutex_lock(&clock_lock);
	clock_stopped = t;
	if (t)
		clock_offset = t - (int64_t)time(NULL);
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

void
util_iso8601(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool
util_str_eq_ct(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return false;
	return CRYPTO_memcmp(a, b, la) == 0;
}

bool
util_text_safe(const char *s, bool newline_ok)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p;
		size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		if (n == 2)
			c = (c & 0x1Fu) << 6 | (p[1] & 0x3Fu);
		else if (n == 3)
			c = (c & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu);
		if ((c < 0x20 && !(c == '\n' && newline_ok)) ||
		    (c >= 0x7F && c <= 0x9F) || c == 0x061C || c == 0x200E ||
		    c == 0x200F || (c >= 0x2028 && c <= 0x202E) ||
		    (c >= 0x2066 && c <= 0x2069))
			return false;
		for (size_t i = 0; i < n; i++) /* never past the NUL */
			if (*p)
				p++;
	}
	return true;
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
