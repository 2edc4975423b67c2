/*
 * token_scan.c - the PKCS#11 modules on this system and a card in one of
 * their readers, for the first-run setup (see token_scan.h).
 */
#include "token_scan.h"

#include <dlfcn.h>
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <p11-kit/pkcs11.h>

#include "token_int.h"
#include "xmem.h"

struct mod {
	void *h;
	CK_FUNCTION_LIST_PTR f;
};

/* Not card modules: p11-kit's proxies and trust store, OpenSC's spy. */
static bool
left_out(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base != NULL ? base + 1 : path;
	return fnmatch("p11-kit-*", base, 0) == 0 ||
	       fnmatch("libp11-kit*", base, 0) == 0 || fnmatch("*spy*", base, 0) == 0;
}

static int
mod_open(const char *path, struct mod *m, char *why, size_t whylen)
{
	CK_C_GetFunctionList get;
	CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
	CK_RV rv;

	m->f = NULL;
	m->h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (m->h == NULL) {
		snprintf(why, whylen, "cannot load it: %s", dlerror());
		return -1;
	}
	*(void **)&get = dlsym(m->h, "C_GetFunctionList");
	if (get == NULL || get(&m->f) != CKR_OK || m->f == NULL) {
		snprintf(why, whylen, "not a PKCS#11 module (no C_GetFunctionList)");
		dlclose(m->h);
		return -1;
	}
	rv = m->f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		snprintf(why, whylen, "C_Initialize failed (0x%lx)", (unsigned long)rv);
		dlclose(m->h);
		return -1;
	}
	return 0;
}

static void
mod_close(struct mod *m)
{
	m->f->C_Finalize(NULL);
	dlclose(m->h);
}

/* A p11-kit module file's "module:" (relative: in a pkcs11 folder). */
static int
module_file(const char *conf, char *out, size_t outlen)
{
	FILE *in = fopen(conf, "re");
	char line[1024];
	int rc = -1;

	while (in != NULL && fgets(line, sizeof line, in) != NULL) {
		char *v = line + strspn(line, " \t");
		glob_t g;

		if (strncmp(v, "module:", 7) != 0)
			continue;
		v += 7;
		v += strspn(v, " \t");
		v[strcspn(v, " \t\r\n")] = '\0';
		if (*v == '/') {
			snprintf(out, outlen, "%s", v);
			rc = 0;
		} else if (*v != '\0' && strchr(v, '/') == NULL) {
			char *pat = xasprintf("/usr/lib/*/pkcs11/%s", v);

			if (glob(pat, 0, NULL, &g) == 0 && g.gl_pathc > 0) {
				snprintf(out, outlen, "%s", g.gl_pathv[0]);
				rc = 0;
			}
			globfree(&g);
			free(pat);
		}
		break;
	}
	if (in != NULL)
		fclose(in);
	return rc;
}

/* One candidate: loaded and named, unless it is one already listed. */
static size_t
consider(const char *path, struct token_module *out, size_t n, size_t max)
{
	char real[PATH_MAX], why[256], other[PATH_MAX];
	struct token_module *t = &out[n];
	struct stat st;
	struct mod m;
	CK_INFO info;
	CK_ULONG slots = 0;

	if (n >= max || left_out(path) || realpath(path, real) == NULL ||
	    left_out(real) || stat(real, &st) != 0 || !S_ISREG(st.st_mode))
		return n;
	for (size_t i = 0; i < n; i++)
		if (realpath(out[i].path, other) != NULL && strcmp(other, real) == 0)
			return n;
	if (mod_open(path, &m, why, sizeof why) != 0)
		return n;
	memset(t, 0, sizeof *t);
	snprintf(t->path, sizeof t->path, "%s", path);
	if (m.f->C_GetInfo(&info) == CKR_OK) {
		token_clean(info.manufacturerID, sizeof info.manufacturerID,
			    t->manufacturer, sizeof t->manufacturer);
		token_clean(info.libraryDescription, sizeof info.libraryDescription,
			    t->description, sizeof t->description);
	}
	if (m.f->C_GetSlotList(CK_FALSE, NULL, &slots) == CKR_OK)
		t->slots = slots;
	mod_close(&m);
	if (strcmp(t->manufacturer, "PKCS#11 Kit") == 0)
		return n;
	/* The same library under another name (OpenSC's one-PIN build). */
	for (size_t i = 0; i < n; i++)
		if (strcmp(out[i].manufacturer, t->manufacturer) == 0 &&
		    strcmp(out[i].description, t->description) == 0)
			return n;
	return n + 1;
}

size_t
token_scan_modules(const char *patterns, struct token_module *out, size_t max)
{
	char *all, *save = NULL, lib[4096];
	size_t n = 0;

	if (patterns == NULL)
		patterns = getenv("CAKIOSK_PKCS11_SCAN");
	if (patterns == NULL || *patterns == '\0')
		patterns = TOKEN_SCAN_DEFAULT;
	all = xstrdup(patterns);
	for (char *p = strtok_r(all, ":", &save); p != NULL;
	     p = strtok_r(NULL, ":", &save)) {
		glob_t g;

		if (glob(p, 0, NULL, &g) != 0) {
			globfree(&g);
			continue;
		}
		for (size_t i = 0; i < g.gl_pathc; i++) {
			const char *dot = strrchr(g.gl_pathv[i], '.');

			if (dot != NULL && strcmp(dot, ".module") == 0) {
				if (module_file(g.gl_pathv[i], lib, sizeof lib) == 0)
					n = consider(lib, out, n, max);
			} else {
				n = consider(g.gl_pathv[i], out, n, max);
			}
		}
		globfree(&g);
	}
	free(all);
	return n;
}

int
token_scan_card(const char *path, struct token_card *card, char *why, size_t whylen)
{
	CK_SLOT_ID ids[32];
	CK_ULONG n = 32;
	CK_SLOT_INFO si;
	CK_TOKEN_INFO ti;
	struct mod m;
	int rc = 0;

	if (mod_open(path, &m, why, whylen) != 0)
		return -1;
	if (m.f->C_GetSlotList(CK_TRUE, ids, &n) == CKR_OK && n > 0) {
		memset(card, 0, sizeof *card);
		card->slot = ids[0];
		if (m.f->C_GetSlotInfo(ids[0], &si) == CKR_OK)
			token_clean(si.slotDescription, sizeof si.slotDescription,
				    card->reader, sizeof card->reader);
		if (m.f->C_GetTokenInfo(ids[0], &ti) == CKR_OK)
			token_clean(ti.label, sizeof ti.label, card->label,
				    sizeof card->label);
		rc = 1;
	}
	mod_close(&m);
	return rc;
}
