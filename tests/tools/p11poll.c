/*
 * p11poll.c - a long-lived process that keeps a PKCS#11 module loaded and
 * looks at its tokens the way a hot-plug watcher does: every INTERVAL_MS,
 * C_GetSlotList(present) and C_GetTokenInfo of each slot listed.  Each time
 * what it sees changes it prints one line: the labels, space-separated, a
 * slot whose token info failed as "!0xRV".  Runs until killed.
 *
 *   p11poll MODULE INTERVAL_MS
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <p11-kit/pkcs11.h>

/* What one look sees, into buf. */
static void
look(CK_FUNCTION_LIST_PTR f, char *buf, size_t len)
{
	CK_SLOT_ID ids[64];
	CK_ULONG n = 64;
	CK_RV rv = f->C_GetSlotList(CK_TRUE, ids, &n);
	size_t used = 0;

	buf[0] = '\0';
	if (rv != CKR_OK) {
		snprintf(buf, len, "list!0x%lx", (unsigned long)rv);
		return;
	}
	for (CK_ULONG i = 0; i < n && used < len; i++) {
		CK_TOKEN_INFO ti;
		int w, end = (int)sizeof ti.label;

		rv = f->C_GetTokenInfo(ids[i], &ti);
		if (rv == CKR_OK) {
			char label[sizeof ti.label + 1];

			memcpy(label, ti.label, sizeof ti.label);
			while (end > 0 && label[end - 1] == ' ')
				end--;
			label[end] = '\0';
			w = snprintf(buf + used, len - used, "%s%s", used > 0 ? " " : "",
				     label);
		} else {
			w = snprintf(buf + used, len - used, "%s!0x%lx",
				     used > 0 ? " " : "", (unsigned long)rv);
		}
		if (w > 0)
			used += (size_t)w;
	}
}

int
main(int argc, char **argv)
{
	CK_C_GetFunctionList get;
	CK_FUNCTION_LIST_PTR f = NULL;
	char last[2048] = "\n", now[2048];
	struct timespec ts;
	long ms;
	void *h;

	if (argc != 3) {
		fprintf(stderr, "usage: p11poll MODULE INTERVAL_MS\n");
		return 2;
	}
	ms = atol(argv[2]);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		fprintf(stderr, "p11poll: %s\n", dlerror());
		return 1;
	}
	*(void **)&get = dlsym(h, "C_GetFunctionList");
	if (get == NULL || get(&f) != CKR_OK || f->C_Initialize(NULL) != CKR_OK) {
		fprintf(stderr, "p11poll: %s: not a working PKCS#11 module\n", argv[1]);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		look(f, now, sizeof now);
		if (strcmp(now, last) != 0) {
			printf("%s\n", now);
			memcpy(last, now, sizeof last);
		}
		nanosleep(&ts, NULL);
	}
}
