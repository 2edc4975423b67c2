/*
 * token_probe.c - a module checked the way a PKCS#11 application first
 * meets it, for the operator's checks (see token.h).  It does not go
 * through libp11: a text file or another library must be refused by name,
 * before anything is initialised.
 */
#include <dlfcn.h>
#include <stdio.h>

#include <p11-kit/pkcs11.h>

#include "token.h"

int
token_module_probe(const char *path, unsigned long *slots, char *why, size_t whylen)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	CK_C_GetFunctionList get;
	CK_FUNCTION_LIST_PTR f = NULL;
	CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
	CK_ULONG all = 0, present = 0;
	CK_RV rv;
	int rc = -1;

	if (h == NULL) {
		snprintf(why, whylen, "cannot load it: %s", dlerror());
		return -1;
	}
	*(void **)&get = dlsym(h, "C_GetFunctionList");
	if (get == NULL || get(&f) != CKR_OK || f == NULL) {
		snprintf(why, whylen, "not a PKCS#11 module (no C_GetFunctionList)");
		goto out;
	}
	if (slots == NULL) {
		rc = 0;
		goto out;
	}
	rv = f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		snprintf(why, whylen, "C_Initialize failed (0x%lx)", (unsigned long)rv);
		goto out;
	}
	rv = f->C_GetSlotList(CK_FALSE, NULL, &all);
	if (rv == CKR_OK)
		rv = f->C_GetSlotList(CK_TRUE, NULL, &present);
	if (rv != CKR_OK) {
		snprintf(why, whylen, "cannot list its slots (0x%lx)", (unsigned long)rv);
	} else {
		slots[0] = all;
		slots[1] = present;
		rc = 0;
	}
	f->C_Finalize(NULL);
out:
	dlclose(h);
	return rc;
}
