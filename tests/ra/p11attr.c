/*
 * p11attr.c - what a PKCS#11 token says of a private key, for the suites:
 *
 *   p11attr MODULE TOKEN-LABEL KEY-ID-HEX      (the PIN in CAKIOSK_RA_PIN)
 *
 * prints the key's CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_ALWAYS_SENSITIVE and
 * CKA_NEVER_EXTRACTABLE as name=0|1, then "value=refused" when the token
 * refuses to give CKA_VALUE (the key's bits) or "value=GIVEN" when it gives
 * them.  Exit 0, or 1 when the module, token, login or key fails.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

static int
unhex(const char *s, unsigned char *out, size_t max)
{
	size_t n = strlen(s) / 2;
	if (n == 0 || n > max || strlen(s) % 2)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned int b;
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (unsigned char)b;
	}
	return (int)n;
}

static CK_SLOT_ID
find_slot(CK_FUNCTION_LIST_PTR f, const char *label, int *found)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	*found = 0;
	if (f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		return 0;
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		char l[33];
		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		memcpy(l, ti.label, 32);
		l[32] = '\0';
		for (int k = 31; k >= 0 && l[k] == ' '; k--)
			l[k] = '\0';
		if (strcmp(l, label) == 0) {
			*found = 1;
			return slots[i];
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	CK_C_GetFunctionList get;
	CK_FUNCTION_LIST_PTR f = NULL;
	CK_SESSION_HANDLE s;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	unsigned char id[64];
	const char *pin = getenv("CAKIOSK_RA_PIN");
	int idlen, found;
	if (argc != 4 || !pin || (idlen = unhex(argv[3], id, sizeof id)) < 0) {
		fprintf(stderr, "usage: CAKIOSK_RA_PIN=PIN p11attr MODULE LABEL ID\n");
		return 2;
	}
	void *dl = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	*(void **)&get = dl ? dlsym(dl, "C_GetFunctionList") : NULL;
	if (!get || get(&f) != CKR_OK || f->C_Initialize(NULL) != CKR_OK) {
		fprintf(stderr, "p11attr: cannot load %s\n", argv[1]);
		return 1;
	}
	CK_SLOT_ID slot = find_slot(f, argv[2], &found);
	CK_ATTRIBUTE find[] = {{CKA_CLASS, &cls, sizeof cls},
			       {CKA_ID, id, (CK_ULONG)idlen}};
	CK_OBJECT_HANDLE h;
	CK_ULONG nh = 0;
	if (!found ||
	    f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK ||
	    f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)) != CKR_OK ||
	    f->C_FindObjectsInit(s, find, 2) != CKR_OK ||
	    f->C_FindObjects(s, &h, 1, &nh) != CKR_OK ||
	    f->C_FindObjectsFinal(s) != CKR_OK || nh != 1) {
		fprintf(stderr, "p11attr: no such key on the token\n");
		f->C_Finalize(NULL);
		return 1;
	}
	static const struct {
		CK_ATTRIBUTE_TYPE type;
		const char *name;
	} flags[] = {{CKA_SENSITIVE, "sensitive"},
		     {CKA_EXTRACTABLE, "extractable"},
		     {CKA_ALWAYS_SENSITIVE, "always_sensitive"},
		     {CKA_NEVER_EXTRACTABLE, "never_extractable"}};
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		CK_BBOOL v = CK_FALSE;
		CK_ATTRIBUTE a = {flags[i].type, &v, sizeof v};
		if (f->C_GetAttributeValue(s, h, &a, 1) == CKR_OK)
			printf("%s=%d\n", flags[i].name, v == CK_TRUE);
		else
			printf("%s=unknown\n", flags[i].name);
	}
	unsigned char value[512];
	CK_ATTRIBUTE a = {CKA_VALUE, value, sizeof value};
	CK_RV rv = f->C_GetAttributeValue(s, h, &a, 1);
	printf("value=%s\n", rv == CKR_OK ? "GIVEN" : "refused");
	f->C_Logout(s);
	f->C_CloseSession(s);
	f->C_Finalize(NULL);
	return 0;
}
