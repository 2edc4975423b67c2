/*
 * der.c - a small DER writer (see der.h).
 */
#include "ra/der.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ra/util.h"

void
der_free(struct der *d)
{
	free(d->p);
	d->p = NULL;
	d->len = d->cap = 0;
}

static void
der_room(struct der *d, size_t n)
{
	if (d->len + n <= d->cap)
		return;
	d->cap = (d->len + n) * 2 + 64;
	d->p = util_xrealloc(d->p, d->cap);
}

static size_t
der_len_bytes(size_t n, unsigned char out[9])
{
	if (n < 0x80) {
		out[0] = (unsigned char)n;
		return 1;
	}
	unsigned char tmp[8];
	size_t k = 0;
	while (n) {
		tmp[k++] = (unsigned char)(n & 0xff);
		n >>= 8;
	}
	out[0] = (unsigned char)(0x80 | k);
	for (size_t i = 0; i < k; i++)
		out[1 + i] = tmp[k - 1 - i];
	return k + 1;
}

void
der_put(struct der *d, unsigned char tag, const void *v, size_t n)
{
	unsigned char hdr[10];
	hdr[0] = tag;
	size_t h = 1 + der_len_bytes(n, hdr + 1);
	der_room(d, h + n);
	memcpy(d->p + d->len, hdr, h);
	if (n)
		memcpy(d->p + d->len + h, v, n);
	d->len += h + n;
}

void
der_append(struct der *d, const struct der *other)
{
	der_room(d, other->len);
	if (other->len)
		memcpy(d->p + d->len, other->p, other->len);
	d->len += other->len;
}

void
der_wrap(struct der *d, size_t start, unsigned char tag)
{
	size_t n = d->len - start;
	unsigned char hdr[10];
	hdr[0] = tag;
	size_t h = 1 + der_len_bytes(n, hdr + 1);
	der_room(d, h);
	memmove(d->p + start + h, d->p + start, n);
	memcpy(d->p + start, hdr, h);
	d->len += h;
}

void
der_int(struct der *d, int64_t v)
{
	unsigned char b[9];
	int n = 0;
	uint64_t u = (uint64_t)v;
	/* big-endian two's complement, minimal */
	for (int i = 7; i >= 0; i--)
		b[n++] = (unsigned char)(u >> (8 * i));
	int skip = 0;
	while (skip < 7 && ((b[skip] == 0 && !(b[skip + 1] & 0x80)) ||
			    (b[skip] == 0xff && (b[skip + 1] & 0x80))))
		skip++;
	der_put(d, 0x02, b + skip, (size_t)(8 - skip));
}

void
der_ia5(struct der *d, const char *s)
{
	der_put(d, 0x16, s, strlen(s));
}

void
der_utf8(struct der *d, const char *s)
{
	der_put(d, 0x0c, s, strlen(s));
}

void
der_octets(struct der *d, const void *v, size_t n)
{
	der_put(d, 0x04, v, n);
}

void
der_bits(struct der *d, const void *v, size_t n)
{
	unsigned char *b = util_xmalloc(n + 1);
	b[0] = 0; /* no unused bits */
	if (n)
		memcpy(b + 1, v, n);
	der_put(d, 0x03, b, n + 1);
	free(b);
}

void
der_utctime(struct der *d, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[32];
	gmtime_r(&tt, &tm);
	/* UTCTime has two year digits, by definition (X.680) */
	snprintf(s, sizeof s, "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	der_put(d, 0x17, s, strlen(s));
}

void
der_oid(struct der *d, const char *dotted)
{
	unsigned long arcs[32];
	int n = 0;
	const char *p = dotted;
	while (*p && n < 32) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);
		if (end == p)
			break;
		arcs[n++] = v;
		p = *end == '.' ? end + 1 : end;
	}
	unsigned char out[128];
	size_t len = 0;
	for (int i = n >= 2 ? 1 : 0; i < n && len < sizeof out - 10; i++) {
		unsigned long v = i == 1 ? arcs[0] * 40 + arcs[1] : arcs[i];
		unsigned char tmp[10];
		int k = 0;
		do {
			tmp[k++] = (unsigned char)(v & 0x7f);
			v >>= 7;
		} while (v);
		while (k > 0) {
			k--;
			out[len++] = (unsigned char)(tmp[k] | (k ? 0x80 : 0));
		}
	}
	der_put(d, 0x06, out, len);
}
