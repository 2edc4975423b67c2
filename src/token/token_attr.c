/*
 * token_attr.c - PKCS#11 fields and objects, raw (see token_int.h):
 * fixed-width space-padded fields as C strings, and finding objects and
 * reading their attributes through the module's own function list.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/ec.h>
#include <openssl/objects.h>

#include "text.h"
#include "token_int.h"
#include "xmem.h"

/* ---- strings ------------------------------------------------------------ */

void
token_trim(const unsigned char *field, size_t width, char *out, size_t outlen)
{
	size_t n = width;

	while (n > 0 && (field[n - 1] == ' ' || field[n - 1] == '\0'))
		n--;
	/* A NUL inside ends it (some modules pad with NULs). */
	for (size_t i = 0; i < n; i++) {
		if (field[i] == '\0') {
			n = i;
			break;
		}
	}
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, field, n);
	out[n] = '\0';
}

void
tok_put_clean(const char *in, size_t len, char *out, size_t outlen)
{
	char *s = text_sanitize(in, len, outlen - 1, 0);
	size_t n = strlen(s);

	memcpy(out, s, n + 1);
	free(s);
}

void
token_clean(const unsigned char *field, size_t width, char *out, size_t outlen)
{
	char raw[TOKEN_TEXT_MAX];

	token_trim(field, width, raw, sizeof raw);
	tok_put_clean(raw, strlen(raw), out, outlen);
}

void
tok_hex(const unsigned char *p, size_t n, char *out, size_t outlen)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < n && o + 2 < outlen; i++) {
		out[o++] = hx[p[i] >> 4];
		out[o++] = hx[p[i] & 15];
	}
	out[o] = '\0';
}

void
tok_wipe(char *s)
{
	if (s != NULL)
		secure_wipe(s, strlen(s));
}

/* ---- objects (raw) ---------------------------------------------------- */

/* Find up to max objects matching tmpl. */
enum token_err
tok_find(struct tok *t, CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl, CK_ULONG n,
	 CK_OBJECT_HANDLE *out, CK_ULONG max, CK_ULONG *count)
{
	CK_FUNCTION_LIST_PTR f = t->m->f;
	CK_RV rv = f->C_FindObjectsInit(s, tmpl, n);

	*count = 0;
	if (rv != CKR_OK)
		return tok_fail(t, "C_FindObjectsInit", rv);
	rv = f->C_FindObjects(s, out, max, count);
	f->C_FindObjectsFinal(s);
	if (rv != CKR_OK) {
		*count = 0;
		return tok_fail(t, "C_FindObjects", rv);
	}
	return TOKEN_OK;
}

/* Every object of a class (up to max). */
enum token_err
tok_find_class(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
	       CK_OBJECT_HANDLE *out, CK_ULONG max, CK_ULONG *count)
{
	CK_ATTRIBUTE tmpl = {CKA_CLASS, &cls, sizeof cls};

	return tok_find(t, s, &tmpl, 1, out, max, count);
}

/* One attribute, malloc'd (NUL-terminated for convenience); NULL if absent. */
unsigned char *
tok_attr(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
	 size_t *len, CK_RV *rvp)
{
	CK_ATTRIBUTE a = {type, NULL, 0};
	CK_RV rv = t->m->f->C_GetAttributeValue(s, o, &a, 1);
	unsigned char *buf;

	if (rvp != NULL)
		*rvp = rv;
	*len = 0;
	if (rv != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION ||
	    a.ulValueLen > TOKEN_DATA_MAX)
		return NULL;
	buf = xmalloc(a.ulValueLen + 1);
	a.pValue = buf;
	rv = t->m->f->C_GetAttributeValue(s, o, &a, 1);
	if (rvp != NULL)
		*rvp = rv;
	if (rv != CKR_OK) {
		free(buf);
		return NULL;
	}
	buf[a.ulValueLen] = '\0';
	*len = a.ulValueLen;
	return buf;
}

CK_ULONG
tok_ulong(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
	  CK_ULONG dflt)
{
	CK_ULONG v = dflt;
	CK_ATTRIBUTE a = {type, &v, sizeof v};

	if (t->m->f->C_GetAttributeValue(s, o, &a, 1) != CKR_OK)
		return dflt;
	return v;
}

bool
tok_bool(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL v = CK_FALSE;
	CK_ATTRIBUTE a = {type, &v, sizeof v};

	if (t->m->f->C_GetAttributeValue(s, o, &a, 1) != CKR_OK)
		return false;
	return v == CK_TRUE;
}

void
tok_label(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
	  char *out, size_t outlen)
{
	size_t len;
	unsigned char *v = tok_attr(t, s, o, type, &len, NULL);

	out[0] = '\0';
	if (v != NULL)
		tok_put_clean((const char *)v, len, out, outlen);
	free(v);
}

size_t
tok_id(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, unsigned char *id)
{
	size_t len;
	unsigned char *v = tok_attr(t, s, o, CKA_ID, &len, NULL);

	if (v == NULL)
		return 0;
	if (len > TOKEN_ID_MAX)
		len = TOKEN_ID_MAX;
	memcpy(id, v, len);
	free(v);
	return len;
}

/* Curve size from DER EC parameters (a named curve OID). */
/* Destroy the objects of class cls with this CKA_ID; *count adds how many. */
enum token_err
tok_destroy_by_id(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
		  const unsigned char *id, size_t id_len, int *count)
{
	CK_ATTRIBUTE tmpl[2] = {
		{CKA_CLASS, &cls, sizeof cls},
		{CKA_ID, (void *)id, id_len},
	};
	CK_OBJECT_HANDLE h[16];
	CK_ULONG n;
	enum token_err err = tok_find(t, s, tmpl, 2, h, 16, &n);

	for (CK_ULONG i = 0; err == TOKEN_OK && i < n; i++) {
		CK_RV rv = t->m->f->C_DestroyObject(s, h[i]);

		if (rv != CKR_OK)
			err = tok_fail(t, "C_DestroyObject", rv);
		else
			(*count)++;
	}
	return err;
}

static int
ec_bits(const unsigned char *params, size_t len)
{
	const unsigned char *p = params;
	ASN1_OBJECT *oid = d2i_ASN1_OBJECT(NULL, &p, (long)len);
	int bits = 0;

	if (oid != NULL) {
		EC_GROUP *g = EC_GROUP_new_by_curve_name(OBJ_obj2nid(oid));

		if (g != NULL)
			bits = EC_GROUP_get_degree(g);
		EC_GROUP_free(g);
		ASN1_OBJECT_free(oid);
	}
	return bits;
}

void
tok_key_type_bits(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
		  enum token_key_type *type, int *bits)
{
	CK_ULONG kt = tok_ulong(t, s, o, CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION);
	size_t len;
	unsigned char *v;

	*bits = 0;
	if (kt == CKK_RSA) {
		*type = TOKEN_KEY_RSA;
		v = tok_attr(t, s, o, CKA_MODULUS, &len, NULL);
		if (v != NULL) {
			size_t i = 0;

			while (i < len && v[i] == 0)
				i++;
			*bits = (int)((len - i) * 8);
		} else {
			*bits = (int)tok_ulong(t, s, o, CKA_MODULUS_BITS, 0);
		}
		free(v);
	} else if (kt == CKK_EC) {
		*type = TOKEN_KEY_EC;
		v = tok_attr(t, s, o, CKA_EC_PARAMS, &len, NULL);
		if (v != NULL)
			*bits = ec_bits(v, len);
		free(v);
	} else {
		*type = TOKEN_KEY_OTHER;
	}
}
