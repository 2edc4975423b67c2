/*
 * xmem.h - allocation that never returns NULL, and wiping of secrets.
 *
 * Out of memory at a kiosk is not something a customer can fix, so the
 * wrappers abort with a log line instead of making every caller handle NULL
 * (the tmux xmalloc.c habit).  secure_wipe() is the one helper every PIN, SO
 * PIN, authorization code and customer field goes through when it is done
 * with: it uses explicit_bzero(), which the compiler may not optimise away.
 */
#ifndef CAKIOSK_XMEM_H
#define CAKIOSK_XMEM_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Overwrite n bytes at p with zeros in a way the optimiser keeps. */
void secure_wipe(void *p, size_t n);
/* Wipe a NUL-terminated string in place, free it and set *s to NULL. */
void secure_free_str(char **s);

/*
 * Free (or grow) heap memory after wiping all of it: handed to the
 * libraries that carry customer data through buffers of their own (the
 * JSON parser, the HTTPS client, OpenSSL), so a freed reply or request
 * leaves nothing behind.  wipe_realloc never returns NULL for size > 0.
 */
void wipe_free(void *p);
void *wipe_realloc(void *p, size_t size);
/* Overwrite the stack below the caller (a thread's finished work). */
void secure_burn_stack(void);

#endif
