/*
 * curl_lazy.h - libcurl loaded on first use, for backend.c and backend_conn.c.
 *
 * The kiosk is not linked with libcurl: libcurl and the thirty-odd
 * libraries it brings (Kerberos, LDAP, SASL, GnuTLS through librtmp) would
 * be loaded at every start, before the welcome screen, for a backend that
 * is only called later and from the worker.  curl_lazy_load() loads it
 * (dlopen) on the thread that makes the first call, once for the process,
 * takes every function the client uses into one table and runs
 * curl_global_init_mem with the wiping allocators; the macros below send
 * the usual libcurl names to that table, so the callers read as libcurl
 * code (types and constants from curl/curl.h, as before).
 *
 * The environment variable CAKIOSK_LIBCURL names another library file to
 * load instead of libcurl.so.4 (an operator's override; the tests name
 * one that cannot be loaded).
 */
#ifndef CAKIOSK_CURL_LAZY_H
#define CAKIOSK_CURL_LAZY_H

#include <stdbool.h>

#include <curl/curl.h>

/* The library loaded when CAKIOSK_LIBCURL names none: Debian's libcurl4,
 * the OpenSSL flavour the kiosk is built against. */
#define CURL_LAZY_LIB "libcurl.so.4"

/* Every libcurl function the client calls, by its name without "curl_". */
#define CURL_LAZY_FUNCTIONS(X)                                                           \
	X(global_init_mem)                                                               \
	X(global_cleanup)                                                                \
	X(easy_init)                                                                     \
	X(easy_setopt)                                                                   \
	X(easy_perform)                                                                  \
	X(easy_getinfo)                                                                  \
	X(easy_reset)                                                                    \
	X(easy_cleanup)                                                                  \
	X(easy_strerror)                                                                 \
	X(multi_init)                                                                    \
	X(multi_add_handle)                                                              \
	X(multi_remove_handle)                                                           \
	X(multi_perform)                                                                 \
	X(multi_poll)                                                                    \
	X(multi_info_read)                                                               \
	X(multi_cleanup)                                                                 \
	X(slist_append)                                                                  \
	X(slist_free_all)                                                                \
	X(mime_init)                                                                     \
	X(mime_addpart)                                                                  \
	X(mime_name)                                                                     \
	X(mime_filename)                                                                 \
	X(mime_type)                                                                     \
	X(mime_data)                                                                     \
	X(mime_free)

/* One pointer per function, of the type curl/curl.h declares for it. */
#define CURL_LAZY_FIELD(name) __typeof__(curl_##name) *name;
struct curl_lazy {
	CURL_LAZY_FUNCTIONS(CURL_LAZY_FIELD)
};
#undef CURL_LAZY_FIELD

/* Filled by curl_lazy_load(); used only after it returned true. */
extern struct curl_lazy curl_lazy_fn;

/*
 * Any thread (the one about to call the backend): true when libcurl is
 * loaded and initialised.  The first call in the process loads it; a
 * library that cannot be loaded or lacks a function is logged once and
 * stays unloaded (every call after that false at once).  The first call
 * after a curl_lazy_cleanup() initialises it again.
 */
bool curl_lazy_load(void);
/* curl_global_cleanup, when curl_lazy_load() initialised it (and only
 * then: nothing is loaded for it); no other thread may be calling libcurl.
 * The library stays mapped. */
void curl_lazy_cleanup(void);

/* curl/curl.h's type-checking wrappers give way to the table. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init_mem (curl_lazy_fn.global_init_mem)
#define curl_global_cleanup (curl_lazy_fn.global_cleanup)
#define curl_easy_init (curl_lazy_fn.easy_init)
#define curl_easy_setopt (curl_lazy_fn.easy_setopt)
#define curl_easy_perform (curl_lazy_fn.easy_perform)
#define curl_easy_getinfo (curl_lazy_fn.easy_getinfo)
#define curl_easy_reset (curl_lazy_fn.easy_reset)
#define curl_easy_cleanup (curl_lazy_fn.easy_cleanup)
#define curl_easy_strerror (curl_lazy_fn.easy_strerror)
#define curl_multi_init (curl_lazy_fn.multi_init)
#define curl_multi_add_handle (curl_lazy_fn.multi_add_handle)
#define curl_multi_remove_handle (curl_lazy_fn.multi_remove_handle)
#define curl_multi_perform (curl_lazy_fn.multi_perform)
#define curl_multi_poll (curl_lazy_fn.multi_poll)
#define curl_multi_info_read (curl_lazy_fn.multi_info_read)
#define curl_multi_cleanup (curl_lazy_fn.multi_cleanup)
#define curl_slist_append (curl_lazy_fn.slist_append)
#define curl_slist_free_all (curl_lazy_fn.slist_free_all)
#define curl_mime_init (curl_lazy_fn.mime_init)
#define curl_mime_addpart (curl_lazy_fn.mime_addpart)
#define curl_mime_name (curl_lazy_fn.mime_name)
#define curl_mime_filename (curl_lazy_fn.mime_filename)
#define curl_mime_type (curl_lazy_fn.mime_type)
#define curl_mime_data (curl_lazy_fn.mime_data)
#define curl_mime_free (curl_lazy_fn.mime_free)

#endif
