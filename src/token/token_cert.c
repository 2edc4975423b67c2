/*
 * token_cert.c - certificates on a token (see token.h): storing one
 * beside its private key (libp11 stores it; we find the key by its public
 * half) and deleting a key pair with its certificate.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "log.h"
#include "token_int.h"
#include "xmem.h"

/* The CKA_ID of the key pair whose public key is pk: OK, NOT_FOUND or why not. */
static enum token_err
id_for_pubkey(struct tok *t, CK_SESSION_HANDLE s, EVP_PKEY *pk, unsigned char *id,
	      size_t *id_len)
{
	const CK_OBJECT_CLASS classes[2] = {CKO_PUBLIC_KEY, CKO_PRIVATE_KEY};
	bool rsa = EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA;
	unsigned char *want = NULL;
	size_t wantlen = 0;
	BIGNUM *n = NULL;
	enum token_err err = TOKEN_ERR_NOT_FOUND;

	/* What identifies the key: the RSA modulus or the EC point. */
	if (rsa) {
		if (!EVP_PKEY_get_bn_param(pk, "n", &n))
			return TOKEN_ERR_BAD_INPUT;
		wantlen = (size_t)BN_num_bytes(n);
		want = xmalloc(wantlen + 1);
		BN_bn2bin(n, want);
		BN_free(n);
	} else {
		size_t plen = 0;

		if (!EVP_PKEY_get_octet_string_param(pk, "pub", NULL, 0, &plen))
			return TOKEN_ERR_BAD_INPUT;
		want = xmalloc(plen + 1);
		EVP_PKEY_get_octet_string_param(pk, "pub", want, plen, &plen);
		wantlen = plen;
	}
	for (int c = 0; c < 2 && err == TOKEN_ERR_NOT_FOUND; c++) {
		CK_OBJECT_CLASS cls = classes[c];
		CK_ATTRIBUTE tmpl = {CKA_CLASS, &cls, sizeof cls};
		CK_OBJECT_HANDLE h[MAX_OBJECTS];
		CK_ULONG count;
		enum token_err e = tok_find(t, s, &tmpl, 1, h, MAX_OBJECTS, &count);

		if (e != TOKEN_OK) {
			err = e;
			break;
		}
		for (CK_ULONG i = 0; i < count && err == TOKEN_ERR_NOT_FOUND; i++) {
			size_t len;
			CK_RV rv;
			unsigned char *v = tok_attr(
				t, s, h[i], rsa ? CKA_MODULUS : CKA_EC_POINT, &len, &rv);
			const unsigned char *p = v;
			size_t plen = len;

			if (v == NULL) {
				if (tok_rv_removed(rv))
					err = tok_fail(t, "C_GetAttributeValue", rv);
				continue;
			}
			if (rsa) {
				while (plen > 0 && *p == 0) {
					p++;
					plen--;
				}
			} else if (len > 2 && v[0] == 0x04 && (size_t)v[1] == len - 2) {
				/* CKA_EC_POINT is a DER OCTET STRING around the point. */
				p = v + 2;
				plen = len - 2;
			}
			if (plen == wantlen && memcmp(p, want, wantlen) == 0) {
				CK_RV idrv;
				unsigned char *idv =
					tok_attr(t, s, h[i], CKA_ID, id_len, &idrv);

				if (idv != NULL && *id_len > 0 &&
				    *id_len <= TOKEN_ID_MAX) {
					memcpy(id, idv, *id_len);
					err = TOKEN_OK;
				} else if (tok_rv_removed(idrv)) {
					err = tok_fail(t, "C_GetAttributeValue", idrv);
				}
				free(idv);
			}
			free(v);
		}
	}
	free(want);
	return err;
}

enum token_err
token_write_cert(const struct token_ref *ref, const unsigned char *der, size_t der_len,
		 const char *label, const struct token_ctl *ctl)
{
	struct tok t;
	enum token_err err;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	const unsigned char *p = der;
	X509 *x = NULL;
	unsigned char id[TOKEN_ID_MAX];
	size_t id_len = 0;
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_OBJECT_HANDLE old[16];
	CK_ULONG nold = 0;
	char keylabel[TOKEN_TEXT_MAX] = "";

	if (der == NULL || der_len == 0 ||
	    (x = d2i_X509(NULL, &p, (long)der_len)) == NULL)
		return TOKEN_ERR_BAD_INPUT;
	err = tok_begin_rw(ref, &t, "write certificate", ctl, true, &s);
	if (err != TOKEN_OK)
		goto out;
	if (X509_get0_pubkey(x) == NULL) {
		err = TOKEN_ERR_BAD_INPUT;
		goto out;
	}
	if ((err = id_for_pubkey(&t, s, X509_get0_pubkey(x), id, &id_len)) != TOKEN_OK)
		goto out;
	{
		CK_ATTRIBUTE tmpl[2] = {{CKA_CLASS, &cls, sizeof cls},
					{CKA_ID, id, id_len}};

		if ((err = tok_find(&t, s, tmpl, 2, old, 16, &nold)) != TOKEN_OK)
			goto out;
	}
	/* Written already (a renewal finishing after the token was pulled)? */
	for (CK_ULONG i = 0; i < nold; i++) {
		size_t len;
		unsigned char *v = tok_attr(&t, s, old[i], CKA_VALUE, &len, NULL);
		bool same = v != NULL && len == der_len && memcmp(v, der, len) == 0;

		free(v);
		if (same) {
			log_info("token: certificate already on the token");
			goto out;
		}
	}
	if (label == NULL) {
		CK_OBJECT_CLASS kc = CKO_PRIVATE_KEY;
		CK_ATTRIBUTE kt[2] = {{CKA_CLASS, &kc, sizeof kc}, {CKA_ID, id, id_len}};
		CK_OBJECT_HANDLE kh;
		CK_ULONG kn = 0;

		if (tok_find(&t, s, kt, 2, &kh, 1, &kn) == TOKEN_OK && kn == 1) {
			size_t len;
			unsigned char *v = tok_attr(&t, s, kh, CKA_LABEL, &len, NULL);

			if (v != NULL)
				snprintf(keylabel, sizeof keylabel, "%.*s", (int)len,
					 (const char *)v);
			free(v);
		}
		label = keylabel;
	}
	if (tok_cancelled(ctl)) {
		err = TOKEN_ERR_CANCELLED;
		goto out;
	}
	tok_stage(ctl, TOKEN_STAGE_WRITING);
	ERR_clear_error();
	if (PKCS11_store_certificate(t.slot->token, x, (char *)label, id, id_len, NULL) !=
	    0) {
		err = tok_fail(&t, "PKCS11_store_certificate", tok_p11_rv());
		goto out;
	}
	/* The new one is on the token: only now does the old one go. */
	for (CK_ULONG i = 0; i < nold; i++)
		t.m->f->C_DestroyObject(s, old[i]);
	log_info("token: certificate written");
out:
	X509_free(x);
	tok_end(&t, s);
	return err;
}

enum token_err
token_delete_pair(const struct token_ref *ref, const unsigned char *id, size_t id_len,
		  const struct token_ctl *ctl)
{
	struct tok t;
	enum token_err err;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	int count = 0;

	if (id == NULL || id_len == 0 || id_len > TOKEN_ID_MAX)
		return TOKEN_ERR_BAD_INPUT;
	err = tok_begin_rw(ref, &t, "delete key pair", ctl, true, &s);
	if (err != TOKEN_OK)
		goto out;
	tok_stage(ctl, TOKEN_STAGE_DELETING);
	/* Certificate first: a key without its certificate is harmless. */
	err = tok_destroy_by_id(&t, s, CKO_CERTIFICATE, id, id_len, &count);
	if (err == TOKEN_OK)
		err = tok_destroy_by_id(&t, s, CKO_PUBLIC_KEY, id, id_len, &count);
	if (err == TOKEN_OK)
		err = tok_destroy_by_id(&t, s, CKO_PRIVATE_KEY, id, id_len, &count);
	if (err == TOKEN_OK && count == 0)
		err = TOKEN_ERR_NOT_FOUND;
	if (err == TOKEN_OK)
		log_info("token: key pair deleted (%d objects)", count);
out:
	tok_end(&t, s);
	return err;
}

bool
token_serial_same(const char *a, const char *b)
{
	while (*a == '0')
		a++;
	while (*b == '0')
		b++;
	return *a != '\0' && strcasecmp(a, b) == 0;
}

const struct token_cert *
token_find_cert(const struct token_info *info, const char *serial)
{
	for (size_t i = 0; i < info->ncerts; i++)
		if (token_serial_same(info->certs[i].serial_hex, serial))
			return &info->certs[i];
	return NULL;
}
