/*
 * xmem.c - allocation wrappers that never return NULL, and secure_wipe().
 */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmem.h"

static void
xmem_fatal(const char *what, size_t size)
{
	/* No logging module here: this must work before and after it. */
	fprintf(stderr, "cakiosk: out of memory (%s %zu bytes)\n", what, size);
	abort();
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		xmem_fatal("malloc", size);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		xmem_fatal("calloc", nmemb * size);
	return p;
}

void *
xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		xmem_fatal("realloc", size);
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		xmem_fatal("reallocarray overflow", SIZE_MAX);
	return xrealloc(ptr, nmemb * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		xmem_fatal("asprintf format", 0);
	p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void
secure_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

void
secure_free_str(char **s)
{
	if (s == NULL || *s == NULL)
		return;
	secure_wipe(*s, strlen(*s));
	free(*s);
	*s = NULL;
}

void
wipe_free(void *p)
{
	if (p == NULL)
		return;
	secure_wipe(p, malloc_usable_size(p));
	free(p);
}

void *
wipe_realloc(void *p, size_t size)
{
	size_t old = p != NULL ? malloc_usable_size(p) : 0;
	void *n;

	if (size == 0) {
		wipe_free(p);
		return NULL;
	}
	n = xmalloc(size);
	if (old > 0)
		memcpy(n, p, old < size ? old : size);
	wipe_free(p);
	return n;
}

void
secure_burn_stack(void)
{
	/* Deeper than any job's frames: a backend call with its buffers. */
	unsigned char scratch[64 * 1024];

	secure_wipe(scratch, sizeof scratch);
}
