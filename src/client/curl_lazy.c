/*
 * curl_lazy.c - libcurl loaded on first use (see curl_lazy.h).
 */
#define _GNU_SOURCE /* secure_getenv */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "curl_lazy.h"
#include "log.h"
#include "xmem.h"

struct curl_lazy curl_lazy_fn;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static bool have_lib; /* written once, under load_once */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static bool initialised; /* curl_global_init_mem ran, no cleanup since */

/* The table's names, in its order. */
#define CURL_LAZY_NAME(name) "curl_" #name,
static const char *const names[] = {CURL_LAZY_FUNCTIONS(CURL_LAZY_NAME)};
#undef CURL_LAZY_NAME

/* dlopen and every dlsym; the table is filled only when all are there. */
static void
load(void)
{
	const char *path = secure_getenv("CAKIOSK_LIBCURL");
	void *fns[sizeof names / sizeof names[0]];
	void *lib;

	_Static_assert(sizeof curl_lazy_fn == sizeof fns, "one pointer per name");
	if (path == NULL || path[0] == '\0')
		path = CURL_LAZY_LIB;
	lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		log_error("backend: cannot load libcurl: %s", dlerror());
		return;
	}
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		fns[i] = dlsym(lib, names[i]);
		if (fns[i] == NULL) {
			log_error("backend: cannot load libcurl: %s has no %s", path,
				  names[i]);
			dlclose(lib);
			return;
		}
	}
	/* POSIX: a function's address from dlsym fits a void pointer. */
	memcpy(&curl_lazy_fn, fns, sizeof curl_lazy_fn);
	have_lib = true;
	log_debug("backend: %s loaded", path);
}

bool
curl_lazy_load(void)
{
	bool ok;

	pthread_once(&load_once, load);
	if (!have_lib)
		return false;
	pthread_mutex_lock(&init_lock);
	/* Replies and requests carry customer data: libcurl's buffers are
	 * wiped when freed (session.h: nothing of a visit outlives it). */
	if (!initialised)
		initialised =
			curl_global_init_mem(CURL_GLOBAL_DEFAULT, malloc, wipe_free,
					     wipe_realloc, strdup, calloc) == CURLE_OK;
	ok = initialised;
	pthread_mutex_unlock(&init_lock);
	if (!ok)
		log_error("backend: libcurl did not initialise");
	return ok;
}

void
curl_lazy_cleanup(void)
{
	pthread_mutex_lock(&init_lock);
	if (initialised)
		curl_global_cleanup();
	initialised = false;
	pthread_mutex_unlock(&init_lock);
}
