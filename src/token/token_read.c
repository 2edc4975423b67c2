/*
 * token_read.c - reading a token (see token.h): its certificates, keys
 * and data objects, through a session of our own on the module's function
 * list (the login is the token's, shared by all sessions).  Every call
 * checks in and out through tok_lock()/tok_open() and tok_unlock().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "token_int.h"
#include "xmem.h"

/* ---- certificates ------------------------------------------------------ */

int
token_days_left(time_t not_after, time_t now, bool *expired)
{
	const long day = 86400;
	long long diff = (long long)not_after - (long long)now;

	if (diff > 0) {
		if (expired != NULL)
			*expired = false;
		return (int)((diff + day - 1) / day);
	}
	if (expired != NULL)
		*expired = true;
	return -(int)((-diff) / day);
}

static void
name_entry(const X509_NAME *name, int nid, char *out, size_t outlen)
{
	int i = X509_NAME_get_index_by_NID(name, nid, -1);
	unsigned char *utf8 = NULL;
	int len;

	out[0] = '\0';
	if (i < 0)
		return;
	len = ASN1_STRING_to_UTF8(&utf8,
				  X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	if (len >= 0)
		tok_put_clean((const char *)utf8, (size_t)len, out, outlen);
	OPENSSL_free(utf8);
}

static time_t
asn1_time(const ASN1_TIME *at)
{
	struct tm tm;

	if (at == NULL || !ASN1_TIME_to_tm(at, &tm))
		return 0;
	return timegm(&tm);
}

/* Fill what the certificate says; false if it does not parse. */
static bool
parse_cert(const unsigned char *der, size_t len, struct token_cert *c)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	const X509_NAME *subj, *iss;
	const ASN1_INTEGER *sn;
	EVP_PKEY *pk;
	uint32_t ku;
	BIGNUM *bn;

	if (x == NULL)
		return false;
	subj = X509_get_subject_name(x);
	iss = X509_get_issuer_name(x);
	name_entry(subj, NID_commonName, c->subject_cn, sizeof c->subject_cn);
	name_entry(subj, NID_organizationName, c->subject_o, sizeof c->subject_o);
	name_entry(subj, NID_serialNumber, c->subject_serial, sizeof c->subject_serial);
	if (c->subject_serial[0] == '\0')
		name_entry(subj, NID_organizationIdentifier, c->subject_serial,
			   sizeof c->subject_serial);
	name_entry(iss, NID_commonName, c->issuer_cn, sizeof c->issuer_cn);
	name_entry(iss, NID_organizationName, c->issuer_o, sizeof c->issuer_o);
	sn = X509_get0_serialNumber(x);
	bn = ASN1_INTEGER_to_BN(sn, NULL);
	if (bn != NULL) {
		char *hex = BN_bn2hex(bn);

		if (hex != NULL)
			snprintf(c->serial_hex, sizeof c->serial_hex, "%s", hex);
		OPENSSL_free(hex);
		BN_free(bn);
	}
	c->not_before = asn1_time(X509_get0_notBefore(x));
	c->not_after = asn1_time(X509_get0_notAfter(x));
	c->days_left = token_days_left(c->not_after, time(NULL), &c->expired);
	pk = X509_get0_pubkey(x);
	c->key_type = TOKEN_KEY_OTHER;
	if (pk != NULL) {
		int id = EVP_PKEY_get_base_id(pk);

		c->key_type = id == EVP_PKEY_RSA  ? TOKEN_KEY_RSA
			      : id == EVP_PKEY_EC ? TOKEN_KEY_EC
						  : TOKEN_KEY_OTHER;
		c->key_bits = EVP_PKEY_get_bits(pk);
	}
	ku = X509_get_key_usage(x);
	if (ku == UINT32_MAX) {
		c->usage = TOKEN_USAGE_BOTH;
	} else {
		unsigned u = 0;

		if (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))
			u |= TOKEN_USAGE_SIGN;
		if (ku & (KU_KEY_ENCIPHERMENT | KU_DATA_ENCIPHERMENT | KU_KEY_AGREEMENT))
			u |= TOKEN_USAGE_ENCRYPT;
		c->usage = u != 0 ? (enum token_usage)u : TOKEN_USAGE_SIGN;
	}
	X509_free(x);
	return true;
}

static int
cert_order(const void *a, const void *b)
{
	const struct token_cert *x = a, *y = b;
	/* Signing first, then both, then encryption; then by label. */
	static const int rank[4] = {3, 0, 2, 1};
	int d = rank[x->usage & 3] - rank[y->usage & 3];

	return d != 0 ? d : strcmp(x->label, y->label);
}

void
token_info_free(struct token_info *info)
{
	if (info == NULL)
		return;
	for (size_t i = 0; i < info->ncerts; i++)
		free(info->certs[i].der);
	for (size_t i = 0; i < info->ndata; i++) {
		if (info->data[i].value != NULL)
			secure_wipe(info->data[i].value, info->data[i].size);
		free(info->data[i].value);
	}
	free(info->certs);
	free(info->keys);
	free(info->data);
	memset(info, 0, sizeof *info);
}

static enum token_err
read_objects(struct tok *t, CK_SESSION_HANDLE s, unsigned flags, struct token_info *info)
{
	CK_OBJECT_HANDLE h[MAX_OBJECTS];
	CK_ULONG n;
	enum token_err err;
	struct {
		unsigned char id[TOKEN_ID_MAX];
		size_t len;
	} pubs[MAX_OBJECTS];
	size_t npubs = 0;

	/* Private keys (visible once logged in). */
	if ((err = tok_find_class(t, s, CKO_PRIVATE_KEY, h, MAX_OBJECTS, &n)) != TOKEN_OK)
		return err;
	info->keys = xcalloc(n + 1, sizeof *info->keys);
	for (CK_ULONG i = 0; i < n; i++) {
		struct token_key *k = &info->keys[info->nkeys++];

		tok_label(t, s, h[i], CKA_LABEL, k->label, sizeof k->label);
		k->id_len = tok_id(t, s, h[i], k->id);
		tok_hex(k->id, k->id_len, k->id_hex, sizeof k->id_hex);
		tok_key_type_bits(t, s, h[i], &k->key_type, &k->key_bits);
	}
	/* Public keys: the hidden private half's stand-in before login. */
	if ((err = tok_find_class(t, s, CKO_PUBLIC_KEY, h, MAX_OBJECTS, &n)) != TOKEN_OK)
		return err;
	for (CK_ULONG i = 0; i < n; i++) {
		pubs[npubs].len = tok_id(t, s, h[i], pubs[npubs].id);
		npubs++;
	}
	/* Certificates. */
	if ((err = tok_find_class(t, s, CKO_CERTIFICATE, h, MAX_OBJECTS, &n)) != TOKEN_OK)
		return err;
	info->certs = xcalloc(n + 1, sizeof *info->certs);
	for (CK_ULONG i = 0; i < n; i++) {
		struct token_cert *c = &info->certs[info->ncerts];
		size_t len;
		unsigned char *der = tok_attr(t, s, h[i], CKA_VALUE, &len, NULL);

		if (der == NULL || !parse_cert(der, len, c)) {
			free(der);
			memset(c, 0, sizeof *c);
			continue;
		}
		c->der = der;
		c->der_len = len;
		tok_label(t, s, h[i], CKA_LABEL, c->label, sizeof c->label);
		c->id_len = tok_id(t, s, h[i], c->id);
		tok_hex(c->id, c->id_len, c->id_hex, sizeof c->id_hex);
		for (size_t k = 0; k < info->nkeys; k++) {
			if (info->keys[k].id_len == c->id_len &&
			    memcmp(info->keys[k].id, c->id, c->id_len) == 0) {
				c->has_private_key = true;
				info->keys[k].has_cert = true;
			}
		}
		if (!info->logged_in) {
			for (size_t k = 0; k < npubs; k++)
				if (pubs[k].len == c->id_len &&
				    memcmp(pubs[k].id, c->id, c->id_len) == 0)
					c->has_private_key = true;
		}
		info->ncerts++;
	}
	qsort(info->certs, info->ncerts, sizeof *info->certs, cert_order);
	/* Data objects. */
	if ((err = tok_find_class(t, s, CKO_DATA, h, MAX_OBJECTS, &n)) != TOKEN_OK)
		return err;
	info->data = xcalloc(n + 1, sizeof *info->data);
	for (CK_ULONG i = 0; i < n; i++) {
		struct token_data *d = &info->data[info->ndata++];
		CK_ATTRIBUTE a = {CKA_VALUE, NULL, 0};

		tok_label(t, s, h[i], CKA_LABEL, d->label, sizeof d->label);
		tok_label(t, s, h[i], CKA_APPLICATION, d->application,
			  sizeof d->application);
		d->is_private = tok_bool(t, s, h[i], CKA_PRIVATE);
		if (t->m->f->C_GetAttributeValue(s, h[i], &a, 1) == CKR_OK &&
		    a.ulValueLen != CK_UNAVAILABLE_INFORMATION)
			d->size = a.ulValueLen;
		if ((flags & TOKEN_READ_VALUES) && d->size > 0) {
			size_t len;

			d->value = tok_attr(t, s, h[i], CKA_VALUE, &len, NULL);
			d->size = d->value != NULL ? len : d->size;
		}
	}
	return TOKEN_OK;
}

/*
 * A token pulled out while it was read takes its session with it, and what
 * was read is not whole: TOKEN_OK while the session still answers.
 */
static enum token_err
session_whole(struct tok *t, CK_SESSION_HANDLE s)
{
	CK_SESSION_INFO si;
	CK_RV rv = t->m->f->C_GetSessionInfo(s, &si);

	return rv == CKR_OK ? TOKEN_OK : tok_fail(t, "C_GetSessionInfo", rv);
}

enum token_err
token_read(const struct token_ref *ref, unsigned flags, struct token_info *info)
{
	struct tok t;
	enum token_err err;
	CK_SESSION_HANDLE s;
	char manuf[TOKEN_TEXT_MAX], model[TOKEN_TEXT_MAX], label[TOKEN_TEXT_MAX];

	memset(info, 0, sizeof *info);
	tok_lock();
	err = tok_open(ref, &t, "read", NULL);
	if (err != TOKEN_OK)
		goto out;
	info->ref.module = t.mi;
	info->ref.slot = t.id;
	token_trim(t.info.serialNumber, sizeof t.info.serialNumber, info->ref.serial,
		   sizeof info->ref.serial);
	token_trim(t.info.manufacturerID, sizeof t.info.manufacturerID, manuf,
		   sizeof manuf);
	token_trim(t.info.model, sizeof t.info.model, model, sizeof model);
	token_trim(t.info.label, sizeof t.info.label, label, sizeof label);
	info->vendor_mask = token_match_vendors(t.mi, manuf, model, label);
	info->vendor = token_pick_vendor(&info->ref, info->vendor_mask);
	tok_put_clean(label, strlen(label), info->label, sizeof info->label);
	tok_put_clean(manuf, strlen(manuf), info->manufacturer,
		      sizeof info->manufacturer);
	tok_put_clean(model, strlen(model), info->model, sizeof info->model);
	tok_put_clean(info->ref.serial, strlen(info->ref.serial), info->serial,
		      sizeof info->serial);
	info->initialized = (t.info.flags & CKF_TOKEN_INITIALIZED) != 0;
	info->pin = tok_pin_state(t.info.flags, false, &info->tries_left);
	{
		int so_tries;

		info->so_pin = tok_pin_state(t.info.flags, true, &so_tries);
	}
	info->pin_to_be_changed = (t.info.flags & CKF_USER_PIN_TO_BE_CHANGED) != 0;
	info->pinpad = (t.info.flags & CKF_PROTECTED_AUTHENTICATION_PATH) != 0;
	info->min_pin = t.info.ulMinPinLen;
	info->max_pin = t.info.ulMaxPinLen;
	if (!info->initialized)
		goto out;
	if ((err = tok_session(&t, false, &s)) != TOKEN_OK)
		goto out;
	err = tok_logged_in(&t, s);
	info->logged_in = err == TOKEN_OK;
	if (err == TOKEN_OK || err == TOKEN_ERR_NOT_LOGGED_IN)
		err = read_objects(&t, s, flags, info);
	/* Attribute reads that fail are skipped above: see session_whole. */
	if (err == TOKEN_OK)
		err = session_whole(&t, s);
	tok_close(&t, s);
out:
	tok_unlock();
	if (err != TOKEN_OK)
		token_info_free(info);
	return err;
}

/* True when an object of class cls has CKA_ID id. */
static bool
has_id(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const unsigned char *id,
       size_t id_len)
{
	CK_ATTRIBUTE tmpl[2] = {
		{CKA_CLASS, &cls, sizeof cls},
		{CKA_ID, (void *)id, id_len},
	};
	CK_OBJECT_HANDLE h;
	CK_ULONG n;

	return tok_find(t, s, tmpl, 2, &h, 1, &n) == TOKEN_OK && n > 0;
}

/*
 * The certificate object whose value is der, read again: its value must
 * come back whole (compared by the caller), its label and CKA_ID.
 */
static enum token_err
read_back(struct tok *t, CK_SESSION_HANDLE s, const unsigned char *der, size_t der_len,
	  struct token_cert *c)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_ATTRIBUTE tmpl[2] = {
		{CKA_CLASS, &cls, sizeof cls},
		{CKA_VALUE, (void *)der, der_len},
	};
	CK_OBJECT_HANDLE h;
	CK_ULONG n;
	enum token_err err = tok_find(t, s, tmpl, 2, &h, 1, &n);
	size_t len;
	unsigned char *value;

	if (err != TOKEN_OK)
		return err;
	if (n == 0)
		return TOKEN_ERR_NOT_FOUND;
	value = tok_attr(t, s, h, CKA_VALUE, &len, NULL);
	if (value == NULL || !parse_cert(value, len, c)) {
		free(value);
		memset(c, 0, sizeof *c);
		return TOKEN_ERR_DEVICE;
	}
	c->der = value;
	c->der_len = len;
	tok_label(t, s, h, CKA_LABEL, c->label, sizeof c->label);
	c->id_len = tok_id(t, s, h, c->id);
	tok_hex(c->id, c->id_len, c->id_hex, sizeof c->id_hex);
	return TOKEN_OK;
}

enum token_err
token_read_cert(const struct token_ref *ref, const unsigned char *der, size_t der_len,
		const unsigned char *id, size_t id_len, bool *holds_id,
		struct token_cert *cert)
{
	struct tok t;
	enum token_err err;
	CK_SESSION_HANDLE s;

	memset(cert, 0, sizeof *cert);
	if (holds_id != NULL)
		*holds_id = false;
	tok_lock();
	err = tok_open(ref, &t, "read back", NULL);
	if (err != TOKEN_OK)
		goto out;
	if ((err = tok_session(&t, false, &s)) != TOKEN_OK)
		goto out;
	err = read_back(&t, s, der, der_len, cert);
	/* Before login a public key stands in for the hidden private one. */
	if (err == TOKEN_OK)
		cert->has_private_key =
			has_id(&t, s, CKO_PRIVATE_KEY, cert->id, cert->id_len) ||
			(tok_logged_in(&t, s) != TOKEN_OK &&
			 has_id(&t, s, CKO_PUBLIC_KEY, cert->id, cert->id_len));
	if (err == TOKEN_OK && holds_id != NULL && id_len > 0)
		*holds_id = has_id(&t, s, CKO_CERTIFICATE, id, id_len) ||
			    has_id(&t, s, CKO_PRIVATE_KEY, id, id_len) ||
			    has_id(&t, s, CKO_PUBLIC_KEY, id, id_len);
	if (err == TOKEN_OK)
		err = session_whole(&t, s);
	tok_close(&t, s);
out:
	tok_unlock();
	if (err != TOKEN_OK) {
		free(cert->der);
		memset(cert, 0, sizeof *cert);
	}
	return err;
}
