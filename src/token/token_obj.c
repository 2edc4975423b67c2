/*
 * token_obj.c - what is on a token (see token.h): reading its certificates,
 * keys and data objects, making keys, CSRs and signatures on it, writing
 * and deleting certificates and data objects.
 *
 * Objects are found and read through the module's own function list (a
 * session of our own; the login is the token's, shared by all sessions).
 * The token signs with C_Sign (CSR, renewal signature) and OpenSSL builds
 * around it: public keys come from the token's attributes, the request is
 * assembled and checked with OpenSSL.  libp11's own key path is not used: in
 * 0.4.12 it crashes when the token goes away while it builds a key (see
 * sign_data).  libp11 stores certificates.  Every call checks in and out
 * through tok_lock()/tok_open() and tok_unlock() in token.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "token_int.h"
#include "xmem.h"

/* Bigger than any sane token's object list; a runaway module stops here. */
#define MAX_OBJECTS 256

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
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
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

		c->key_type = id == EVP_PKEY_RSA ? TOKEN_KEY_RSA
		            : id == EVP_PKEY_EC  ? TOKEN_KEY_EC
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
				if (pubs[k].len == c->id_len && memcmp(pubs[k].id, c->id, c->id_len) == 0)
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
		tok_label(t, s, h[i], CKA_APPLICATION, d->application, sizeof d->application);
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
	token_trim(t.info.manufacturerID, sizeof t.info.manufacturerID, manuf, sizeof manuf);
	token_trim(t.info.model, sizeof t.info.model, model, sizeof model);
	token_trim(t.info.label, sizeof t.info.label, label, sizeof label);
	info->vendor_mask = token_match_vendors(t.mi, manuf, model, label);
	info->vendor = token_pick_vendor(&info->ref, info->vendor_mask);
	tok_put_clean(label, strlen(label), info->label, sizeof info->label);
	tok_put_clean(manuf, strlen(manuf), info->manufacturer, sizeof info->manufacturer);
	tok_put_clean(model, strlen(model), info->model, sizeof info->model);
	tok_put_clean(info->ref.serial, strlen(info->ref.serial), info->serial, sizeof info->serial);
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
	/*
	 * Attribute reads that fail are skipped above; if the token went away
	 * meanwhile, the session is gone too and what was read is not whole.
	 */
	if (err == TOKEN_OK) {
		CK_SESSION_INFO si;
		CK_RV rv = t.m->f->C_GetSessionInfo(s, &si);

		if (rv != CKR_OK)
			err = tok_fail(&t, "C_GetSessionInfo", rv);
	}
	tok_close(&t, s);
out:
	tok_unlock();
	if (err != TOKEN_OK)
		token_info_free(info);
	return err;
}

/* ---- keys -------------------------------------------------------------- */

static enum token_err
need_login(struct tok *t, CK_SESSION_HANDLE s)
{
	return tok_logged_in(t, s);
}

static enum token_err
destroy_by_id(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
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

enum token_err
token_gen_key(const struct token_ref *ref, enum token_key_type type, const char *label,
              unsigned char *id, size_t *id_len, const struct token_ctl *ctl)
{
	static const unsigned char p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	static const unsigned char e65537[] = {0x01, 0x00, 0x01};
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG bits = 2048;
	unsigned char newid[20];
	CK_MECHANISM mech = {0, NULL, 0};
	CK_ATTRIBUTE pub[8], priv[10];
	CK_ULONG npub = 0, npriv = 0;
	CK_OBJECT_HANDLE hpub = CK_INVALID_HANDLE, hpriv = CK_INVALID_HANDLE;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	struct tok t;
	enum token_err err;
	CK_RV rv;
	size_t lablen = label != NULL ? strlen(label) : 0;

	*id_len = 0;
	if (type != TOKEN_KEY_RSA && type != TOKEN_KEY_EC)
		return TOKEN_ERR_NOT_SUPPORTED;
	if (RAND_bytes(newid, sizeof newid) != 1)
		return TOKEN_ERR_DEVICE;
	tok_lock();
	err = tok_open(ref, &t, "generate key", ctl);
	if (err != TOKEN_OK)
		goto out;
	if ((err = tok_session(&t, true, &s)) != TOKEN_OK)
		goto out;
	if ((err = need_login(&t, s)) != TOKEN_OK)
		goto out;
#define ATTR(arr, n, ty, p, l) (arr[n++] = (CK_ATTRIBUTE){(ty), (void *)(p), (l)})
	ATTR(pub, npub, CKA_TOKEN, &yes, sizeof yes);
	ATTR(pub, npub, CKA_VERIFY, &yes, sizeof yes);
	ATTR(pub, npub, CKA_ID, newid, sizeof newid);
	ATTR(priv, npriv, CKA_TOKEN, &yes, sizeof yes);
	ATTR(priv, npriv, CKA_PRIVATE, &yes, sizeof yes);
	ATTR(priv, npriv, CKA_SENSITIVE, &yes, sizeof yes);
	ATTR(priv, npriv, CKA_EXTRACTABLE, &no, sizeof no);
	ATTR(priv, npriv, CKA_SIGN, &yes, sizeof yes);
	ATTR(priv, npriv, CKA_ID, newid, sizeof newid);
	if (lablen > 0) {
		ATTR(pub, npub, CKA_LABEL, label, lablen);
		ATTR(priv, npriv, CKA_LABEL, label, lablen);
	}
	if (type == TOKEN_KEY_RSA) {
		mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		ATTR(pub, npub, CKA_MODULUS_BITS, &bits, sizeof bits);
		ATTR(pub, npub, CKA_PUBLIC_EXPONENT, e65537, sizeof e65537);
		ATTR(pub, npub, CKA_ENCRYPT, &yes, sizeof yes);
		ATTR(priv, npriv, CKA_DECRYPT, &yes, sizeof yes);
	} else {
		mech.mechanism = CKM_EC_KEY_PAIR_GEN;
		ATTR(pub, npub, CKA_EC_PARAMS, p256, sizeof p256);
		ATTR(priv, npriv, CKA_DERIVE, &yes, sizeof yes);
	}
#undef ATTR
	if (tok_cancelled(ctl)) {
		err = TOKEN_ERR_CANCELLED;
		goto out;
	}
	tok_stage(ctl, TOKEN_STAGE_GENERATING);
	rv = t.m->f->C_GenerateKeyPair(s, &mech, pub, npub, priv, npriv, &hpub, &hpriv);
	if (rv != CKR_OK) {
		err = tok_fail(&t, "C_GenerateKeyPair", rv);
		goto out;
	}
	if (tok_cancelled(ctl)) {
		/* Too late to stop the card; do not leave the key behind. */
		t.m->f->C_DestroyObject(s, hpriv);
		t.m->f->C_DestroyObject(s, hpub);
		err = TOKEN_ERR_CANCELLED;
		goto out;
	}
	memcpy(id, newid, sizeof newid);
	*id_len = sizeof newid;
	log_info("token: %s key generated", type == TOKEN_KEY_RSA ? "RSA-2048" : "EC P-256");
out:
	if (s != CK_INVALID_HANDLE)
		tok_close(&t, s);
	tok_unlock();
	return err;
}

/* A software EVP_PKEY from an RSA modulus and exponent. */
static EVP_PKEY *
rsa_from(const unsigned char *n, size_t nlen, const unsigned char *e, size_t elen)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL), *be = BN_bin2bn(e, (int)elen, NULL);
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pk = NULL;

	if (b != NULL && bn != NULL && be != NULL && ctx != NULL &&
	    OSSL_PARAM_BLD_push_BN(b, "n", bn) && OSSL_PARAM_BLD_push_BN(b, "e", be) &&
	    (params = OSSL_PARAM_BLD_to_param(b)) != NULL && EVP_PKEY_fromdata_init(ctx) == 1)
		EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	BN_free(bn);
	BN_free(be);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

/* A software EVP_PKEY from DER EC parameters and CKA_EC_POINT. */
static EVP_PKEY *
ec_from(const unsigned char *params, size_t plen, const unsigned char *point, size_t len)
{
	const unsigned char *p = params;
	ASN1_OBJECT *oid = d2i_ASN1_OBJECT(NULL, &p, (long)plen);
	const char *curve = oid != NULL ? OBJ_nid2sn(OBJ_obj2nid(oid)) : NULL;
	OSSL_PARAM ps[3];
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pk = NULL;

	/* CKA_EC_POINT is a DER OCTET STRING around the point (most modules). */
	if (len > 2 && point[0] == 0x04 && (size_t)point[1] == len - 2) {
		point += 2;
		len -= 2;
	} else if (len > 3 && point[0] == 0x04 && point[1] == 0x81 && (size_t)point[2] == len - 3) {
		point += 3;
		len -= 3;
	}
	if (curve != NULL && ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1) {
		ps[0] = OSSL_PARAM_construct_utf8_string("group", (char *)curve, 0);
		ps[1] = OSSL_PARAM_construct_octet_string("pub", (void *)point, len);
		ps[2] = OSSL_PARAM_construct_end();
		EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, ps);
	}
	ASN1_OBJECT_free(oid);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

/*
 * The public key of the pair with this id, as a software key: from the
 * public key object, else (RSA) the private key's modulus, else the
 * certificate.
 */
static enum token_err
raw_pubkey(struct tok *t, CK_SESSION_HANDLE s, const unsigned char *id, size_t id_len,
           EVP_PKEY **pub)
{
	const CK_OBJECT_CLASS classes[3] = {CKO_PUBLIC_KEY, CKO_PRIVATE_KEY, CKO_CERTIFICATE};

	*pub = NULL;
	for (int c = 0; c < 3 && *pub == NULL; c++) {
		CK_OBJECT_CLASS cls = classes[c];
		CK_ATTRIBUTE tmpl[2] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, (void *)id, id_len}};
		CK_OBJECT_HANDLE h;
		CK_ULONG n = 0;
		enum token_err err = tok_find(t, s, tmpl, 2, &h, 1, &n);
		unsigned char *a = NULL, *b = NULL;
		size_t alen, blen;
		CK_RV rv = CKR_OK;

		if (err != TOKEN_OK)
			return err;
		if (n == 0)
			continue;
		if (cls == CKO_CERTIFICATE) {
			a = tok_attr(t, s, h, CKA_VALUE, &alen, &rv);
			if (a != NULL) {
				const unsigned char *p = a;
				X509 *x = d2i_X509(NULL, &p, (long)alen);

				if (x != NULL) {
					*pub = X509_get_pubkey(x);
					X509_free(x);
				}
			}
		} else if (tok_ulong(t, s, h, CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION) == CKK_RSA) {
			a = tok_attr(t, s, h, CKA_MODULUS, &alen, &rv);
			b = tok_attr(t, s, h, CKA_PUBLIC_EXPONENT, &blen, &rv);
			if (a != NULL && b != NULL)
				*pub = rsa_from(a, alen, b, blen);
		} else if (cls == CKO_PUBLIC_KEY) {
			a = tok_attr(t, s, h, CKA_EC_PARAMS, &alen, &rv);
			b = tok_attr(t, s, h, CKA_EC_POINT, &blen, &rv);
			if (a != NULL && b != NULL)
				*pub = ec_from(a, alen, b, blen);
		}
		free(a);
		free(b);
		if (rv != CKR_OK && tok_rv_removed(rv))
			return tok_fail(t, "C_GetAttributeValue", rv);
	}
	return *pub != NULL ? TOKEN_OK : TOKEN_ERR_NOT_FOUND;
}

/*
 * Signing is done here with C_Sign, not through libp11's EVP_PKEY: libp11
 * 0.4.12 frees a NULL object and crashes when the token goes away while it
 * builds the key (pkcs11_get_rsa, pkcs11_get_key), and its key cache keeps
 * objects deleted behind its back.
 */

/* The private key with this id and its key type, in session s. */
static enum token_err
private_key(struct tok *t, CK_SESSION_HANDLE s, const unsigned char *id, size_t id_len,
            CK_OBJECT_HANDLE *h, CK_KEY_TYPE *kt)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[2] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, (void *)id, id_len}};
	CK_ULONG n = 0;
	enum token_err err = need_login(t, s);

	if (err == TOKEN_OK)
		err = tok_find(t, s, tmpl, 2, h, 1, &n);
	if (err == TOKEN_OK && n == 0)
		err = TOKEN_ERR_NOT_FOUND;
	if (err == TOKEN_OK) {
		CK_ATTRIBUTE a = {CKA_KEY_TYPE, kt, sizeof *kt};
		CK_RV rv = t->m->f->C_GetAttributeValue(s, *h, &a, 1);

		if (rv != CKR_OK)
			err = tok_fail(t, "C_GetAttributeValue", rv);
		else if (*kt != CKK_RSA && *kt != CKK_EC)
			err = TOKEN_ERR_NOT_SUPPORTED;
	}
	return err;
}

/* One C_SignInit + C_Sign; *out malloc'd. */
static enum token_err
sign_once(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE mt,
          const unsigned char *in, size_t len, unsigned char **out, size_t *outlen,
          CK_RV *rvp)
{
	CK_MECHANISM mech = {mt, NULL, 0};
	CK_ULONG n = 0;
	CK_RV rv = t->m->f->C_SignInit(s, &mech, key);

	*out = NULL;
	if (rv == CKR_OK)
		rv = t->m->f->C_Sign(s, (CK_BYTE_PTR)in, len, NULL, &n);
	if (rv == CKR_OK) {
		*out = xmalloc(n > 0 ? n : 1);
		rv = t->m->f->C_Sign(s, (CK_BYTE_PTR)in, len, *out, &n);
	}
	*rvp = rv;
	if (rv != CKR_OK) {
		free(*out);
		*out = NULL;
		return tok_fail(t, "C_Sign", rv);
	}
	*outlen = n;
	return TOKEN_OK;
}

/*
 * data signed with the key, over SHA-256: RSA PKCS#1 v1.5 (CKM_SHA256_RSA_PKCS,
 * or CKM_RSA_PKCS over the DigestInfo where the card hashes nothing), ECDSA
 * (CKM_ECDSA over the digest; the card's r|s made DER).  *sig malloc'd.
 */
static enum token_err
sign_data(struct tok *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_KEY_TYPE kt,
          const unsigned char *data, size_t len, unsigned char **sig, size_t *siglen)
{
	/* DER DigestInfo prefix for SHA-256 (RFC 8017, 9.2). */
	static const unsigned char prefix[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86,
	                                       0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
	                                       0x00, 0x04, 0x20};
	unsigned char di[sizeof prefix + SHA256_DIGEST_LENGTH], *raw = NULL;
	size_t rawlen = 0;
	enum token_err err;
	CK_RV rv;

	SHA256(data, len, di + sizeof prefix);
	if (kt == CKK_RSA) {
		err = sign_once(t, s, key, CKM_SHA256_RSA_PKCS, data, len, sig, siglen, &rv);
		if (err != TOKEN_OK && (rv == CKR_MECHANISM_INVALID || rv == CKR_FUNCTION_NOT_SUPPORTED)) {
			memcpy(di, prefix, sizeof prefix);
			err = sign_once(t, s, key, CKM_RSA_PKCS, di, sizeof di, sig, siglen, &rv);
		}
		return err;
	}
	err = sign_once(t, s, key, CKM_ECDSA, di + sizeof prefix, SHA256_DIGEST_LENGTH, &raw,
	                &rawlen, &rv);
	if (err == TOKEN_OK) {
		ECDSA_SIG *es = ECDSA_SIG_new();
		BIGNUM *r = BN_bin2bn(raw, (int)(rawlen / 2), NULL);
		BIGNUM *sv = BN_bin2bn(raw + rawlen / 2, (int)(rawlen / 2), NULL);
		unsigned char *der = NULL;
		int n = -1;

		if (es != NULL && r != NULL && sv != NULL && rawlen % 2 == 0 &&
		    ECDSA_SIG_set0(es, r, sv) == 1) {
			r = sv = NULL; /* es owns them */
			n = i2d_ECDSA_SIG(es, &der);
		}
		BN_free(r);
		BN_free(sv);
		ECDSA_SIG_free(es);
		if (n > 0) {
			*sig = xmalloc((size_t)n);
			memcpy(*sig, der, (size_t)n);
			*siglen = (size_t)n;
		} else {
			err = TOKEN_ERR_DEVICE;
		}
		OPENSSL_free(der);
	}
	free(raw);
	return err;
}

static void
add_entry(X509_NAME *name, int nid, const char *value)
{
	if (value != NULL && value[0] != '\0')
		X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8, (const unsigned char *)value,
		                           -1, -1, 0);
}

/* Does der (a request) verify with its own public key, outside the token? */
static bool
csr_verifies(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509_REQ *r = d2i_X509_REQ(NULL, &p, (long)len);
	bool ok = r != NULL && X509_REQ_verify(r, X509_REQ_get0_pubkey(r)) == 1;

	X509_REQ_free(r);
	return ok;
}

enum token_err
token_make_csr(const struct token_ref *ref, const unsigned char *id, size_t id_len,
               const struct token_dn *dn, unsigned char **der, size_t *der_len,
               const struct token_ctl *ctl)
{
	struct tok t;
	enum token_err err;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE key;
	CK_KEY_TYPE kt;
	EVP_PKEY *pub = NULL;
	X509_REQ *req = NULL;
	X509_NAME *name = NULL;
	X509_ALGOR *alg = NULL;
	ASN1_BIT_STRING *bits = NULL;
	unsigned char *tbs = NULL, *sig = NULL, *out = NULL;
	size_t siglen = 0;
	int len;

	*der = NULL;
	*der_len = 0;
	if (id == NULL || id_len == 0 || id_len > TOKEN_ID_MAX || dn == NULL)
		return TOKEN_ERR_BAD_INPUT;
	tok_lock();
	err = tok_open(ref, &t, "make CSR", ctl);
	if (err == TOKEN_OK)
		err = tok_session(&t, false, &s);
	if (err == TOKEN_OK)
		err = private_key(&t, s, id, id_len, &key, &kt);
	if (err == TOKEN_OK)
		err = raw_pubkey(&t, s, id, id_len, &pub);
	if (err != TOKEN_OK)
		goto out;
	req = X509_REQ_new();
	name = X509_NAME_new();
	alg = X509_ALGOR_new();
	add_entry(name, NID_countryName, dn->country);
	add_entry(name, NID_stateOrProvinceName, dn->province);
	add_entry(name, NID_localityName, dn->locality);
	add_entry(name, NID_organizationName, dn->org);
	add_entry(name, NID_organizationalUnitName, dn->org_unit);
	add_entry(name, NID_commonName, dn->common_name);
	add_entry(name, NID_serialNumber, dn->serial);
	add_entry(name, NID_pkcs9_emailAddress, dn->email);
	if (req == NULL || name == NULL || alg == NULL || !X509_REQ_set_version(req, 0) ||
	    !X509_REQ_set_subject_name(req, name) || !X509_REQ_set_pubkey(req, pub) ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(kt == CKK_RSA ? NID_sha256WithRSAEncryption
	                                                    : NID_ecdsa_with_SHA256),
	                     kt == CKK_RSA ? V_ASN1_NULL : V_ASN1_UNDEF, NULL) ||
	    !X509_REQ_set1_signature_algo(req, alg) || (len = i2d_re_X509_REQ_tbs(req, &tbs)) <= 0) {
		err = TOKEN_ERR_BAD_INPUT;
		goto out;
	}
	if (tok_cancelled(ctl)) {
		err = TOKEN_ERR_CANCELLED;
		goto out;
	}
	tok_stage(ctl, TOKEN_STAGE_SIGNING);
	if ((err = sign_data(&t, s, key, kt, tbs, (size_t)len, &sig, &siglen)) != TOKEN_OK)
		goto out;
	bits = ASN1_BIT_STRING_new();
	if (bits == NULL || !ASN1_BIT_STRING_set(bits, sig, (int)siglen)) {
		err = TOKEN_ERR_DEVICE;
		goto out;
	}
	/* A signature uses every bit of its last byte. */
	bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	X509_REQ_set0_signature(req, bits);
	bits = NULL;
	len = i2d_X509_REQ(req, &out);
	if (len <= 0 || !csr_verifies(out, (size_t)len)) {
		log_error("token: the CSR the token signed does not verify");
		err = TOKEN_ERR_DEVICE;
		goto out;
	}
	*der = xmalloc((size_t)len);
	memcpy(*der, out, (size_t)len);
	*der_len = (size_t)len;
	log_info("token: CSR signed by the token");
out:
	if (s != CK_INVALID_HANDLE)
		tok_close(&t, s);
	OPENSSL_free(out);
	OPENSSL_free(tbs);
	free(sig);
	ASN1_BIT_STRING_free(bits);
	X509_ALGOR_free(alg);
	X509_NAME_free(name);
	X509_REQ_free(req);
	EVP_PKEY_free(pub);
	tok_unlock();
	return err;
}

enum token_err
token_sign(const struct token_ref *ref, const unsigned char *id, size_t id_len,
           const unsigned char *data, size_t len, unsigned char **sig, size_t *sig_len,
           const struct token_ctl *ctl)
{
	struct tok t;
	enum token_err err;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE key;
	CK_KEY_TYPE kt;

	*sig = NULL;
	*sig_len = 0;
	if (id == NULL || id_len == 0 || id_len > TOKEN_ID_MAX || (data == NULL && len > 0))
		return TOKEN_ERR_BAD_INPUT;
	tok_lock();
	err = tok_open(ref, &t, "sign", ctl);
	if (err == TOKEN_OK)
		err = tok_session(&t, false, &s);
	if (err == TOKEN_OK)
		err = private_key(&t, s, id, id_len, &key, &kt);
	if (err == TOKEN_OK && tok_cancelled(ctl))
		err = TOKEN_ERR_CANCELLED;
	if (err == TOKEN_OK) {
		tok_stage(ctl, TOKEN_STAGE_SIGNING);
		err = sign_data(&t, s, key, kt, data, len, sig, sig_len);
	}
	if (s != CK_INVALID_HANDLE)
		tok_close(&t, s);
	tok_unlock();
	return err;
}

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
			unsigned char *v = tok_attr(t, s, h[i], rsa ? CKA_MODULUS : CKA_EC_POINT,
			                            &len, &rv);
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
				unsigned char *idv = tok_attr(t, s, h[i], CKA_ID, id_len, &idrv);

				if (idv != NULL && *id_len > 0 && *id_len <= TOKEN_ID_MAX) {
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

	if (der == NULL || der_len == 0 || (x = d2i_X509(NULL, &p, (long)der_len)) == NULL)
		return TOKEN_ERR_BAD_INPUT;
	tok_lock();
	err = tok_open(ref, &t, "write certificate", ctl);
	if (err != TOKEN_OK)
		goto out;
	if ((err = tok_session(&t, true, &s)) != TOKEN_OK)
		goto out;
	if ((err = need_login(&t, s)) != TOKEN_OK)
		goto out;
	if (X509_get0_pubkey(x) == NULL) {
		err = TOKEN_ERR_BAD_INPUT;
		goto out;
	}
	if ((err = id_for_pubkey(&t, s, X509_get0_pubkey(x), id, &id_len)) != TOKEN_OK)
		goto out;
	{
		CK_ATTRIBUTE tmpl[2] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, id, id_len}};

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
				snprintf(keylabel, sizeof keylabel, "%.*s", (int)len, (const char *)v);
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
	if (PKCS11_store_certificate(t.slot->token, x, (char *)label, id, id_len, NULL) != 0) {
		err = tok_fail(&t, "PKCS11_store_certificate", tok_p11_rv());
		goto out;
	}
	/* The new one is on the token: only now does the old one go. */
	for (CK_ULONG i = 0; i < nold; i++)
		t.m->f->C_DestroyObject(s, old[i]);
	log_info("token: certificate written");
out:
	if (s != CK_INVALID_HANDLE)
		tok_close(&t, s);
	X509_free(x);
	tok_unlock();
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
	tok_lock();
	err = tok_open(ref, &t, "delete key pair", ctl);
	if (err != TOKEN_OK)
		goto out;
	if ((err = tok_session(&t, true, &s)) != TOKEN_OK)
		goto out;
	if ((err = need_login(&t, s)) != TOKEN_OK)
		goto out;
	tok_stage(ctl, TOKEN_STAGE_DELETING);
	/* Certificate first: a key without its certificate is harmless. */
	err = destroy_by_id(&t, s, CKO_CERTIFICATE, id, id_len, &count);
	if (err == TOKEN_OK)
		err = destroy_by_id(&t, s, CKO_PUBLIC_KEY, id, id_len, &count);
	if (err == TOKEN_OK)
		err = destroy_by_id(&t, s, CKO_PRIVATE_KEY, id, id_len, &count);
	if (err == TOKEN_OK && count == 0)
		err = TOKEN_ERR_NOT_FOUND;
	if (err == TOKEN_OK)
		log_info("token: key pair deleted (%d objects)", count);
out:
	if (s != CK_INVALID_HANDLE)
		tok_close(&t, s);
	tok_unlock();
	return err;
}

/* ---- data objects -------------------------------------------------------- */

static enum token_err
find_data(struct tok *t, CK_SESSION_HANDLE s, const char *label, const char *app,
          CK_OBJECT_HANDLE *h, CK_ULONG max, CK_ULONG *n)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE tmpl[3] = {
		{CKA_CLASS, &cls, sizeof cls},
		{CKA_LABEL, (void *)label, strlen(label)},
		{CKA_APPLICATION, (void *)app, app != NULL ? strlen(app) : 0},
	};

	return tok_find(t, s, tmpl, app != NULL ? 3 : 2, h, max, n);
}

enum token_err
token_data_read(const struct token_ref *ref, const char *label, const char *application,
                unsigned char **value, size_t *len, const struct token_ctl *ctl)
{
	struct tok t;
	enum token_err err;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE h;
	CK_ULONG n = 0;
	CK_RV rv = CKR_OK;

	*value = NULL;
	*len = 0;
	if (label == NULL)
		return TOKEN_ERR_BAD_INPUT;
	tok_lock();
	err = tok_open(ref, &t, "read data", ctl);
	if (err != TOKEN_OK)
		goto out;
	tok_stage(ctl, TOKEN_STAGE_READING);
	if ((err = tok_session(&t, false, &s)) != TOKEN_OK)
		goto out;
	if ((err = find_data(&t, s, label, application, &h, 1, &n)) != TOKEN_OK)
		goto out;
	if (n == 0) {
		err = TOKEN_ERR_NOT_FOUND;
		goto out;
	}
	*value = tok_attr(&t, s, h, CKA_VALUE, len, &rv);
	if (*value == NULL)
		err = rv != CKR_OK ? tok_fail(&t, "C_GetAttributeValue", rv) : TOKEN_ERR_BAD_INPUT;
out:
	if (s != CK_INVALID_HANDLE)
		tok_close(&t, s);
	tok_unlock();
	return err;
}

enum token_err
token_data_write(const struct token_ref *ref, const char *label, const char *application,
                 const unsigned char *value, size_t len, unsigned flags,
                 const struct token_ctl *ctl)
{
	struct tok t;
	enum token_err err;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE old[16], h;
	CK_ULONG nold = 0;
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE, priv = (flags & TOKEN_DATA_PRIVATE) ? CK_TRUE : CK_FALSE;
	const char *app = application != NULL ? application : "";
	CK_ATTRIBUTE tmpl[] = {
		{CKA_CLASS, &cls, sizeof cls},
		{CKA_TOKEN, &yes, sizeof yes},
		{CKA_PRIVATE, &priv, sizeof priv},
		{CKA_MODIFIABLE, &yes, sizeof yes},
		{CKA_LABEL, (void *)label, label != NULL ? strlen(label) : 0},
		{CKA_APPLICATION, (void *)app, strlen(app)},
		{CKA_VALUE, (void *)value, len},
	};
	CK_RV rv;

	if (label == NULL || (value == NULL && len > 0) || len > TOKEN_DATA_MAX)
		return TOKEN_ERR_BAD_INPUT;
	tok_lock();
	err = tok_open(ref, &t, "write data", ctl);
	if (err != TOKEN_OK)
		goto out;
	if ((err = tok_session(&t, true, &s)) != TOKEN_OK)
		goto out;
	if (priv && (err = need_login(&t, s)) != TOKEN_OK)
		goto out;
	if ((err = find_data(&t, s, label, application, old, 16, &nold)) != TOKEN_OK)
		goto out;
	if (tok_cancelled(ctl)) {
		err = TOKEN_ERR_CANCELLED;
		goto out;
	}
	tok_stage(ctl, TOKEN_STAGE_WRITING);
	rv = t.m->f->C_CreateObject(s, tmpl, sizeof tmpl / sizeof tmpl[0], &h);
	if (rv != CKR_OK) {
		err = tok_fail(&t, "C_CreateObject", rv);
		goto out;
	}
	/* The new copy is there: drop the old ones. */
	for (CK_ULONG i = 0; i < nold; i++) {
		rv = t.m->f->C_DestroyObject(s, old[i]);
		if (rv != CKR_OK) {
			err = tok_fail(&t, "C_DestroyObject", rv);
			break;
		}
	}
	if (err == TOKEN_OK)
		log_info("token: data object written (%zu bytes)", len);
out:
	if (s != CK_INVALID_HANDLE)
		tok_close(&t, s);
	tok_unlock();
	return err;
}

enum token_err
token_data_delete(const struct token_ref *ref, const char *label, const char *application,
                  const struct token_ctl *ctl)
{
	struct tok t;
	enum token_err err;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE h[16];
	CK_ULONG n = 0;

	if (label == NULL)
		return TOKEN_ERR_BAD_INPUT;
	tok_lock();
	err = tok_open(ref, &t, "delete data", ctl);
	if (err != TOKEN_OK)
		goto out;
	if ((err = tok_session(&t, true, &s)) != TOKEN_OK)
		goto out;
	if ((err = find_data(&t, s, label, application, h, 16, &n)) != TOKEN_OK)
		goto out;
	if (n == 0) {
		err = TOKEN_ERR_NOT_FOUND;
		goto out;
	}
	tok_stage(ctl, TOKEN_STAGE_DELETING);
	for (CK_ULONG i = 0; i < n && err == TOKEN_OK; i++) {
		CK_RV rv = t.m->f->C_DestroyObject(s, h[i]);

		if (rv != CKR_OK)
			err = tok_fail(&t, "C_DestroyObject", rv);
	}
out:
	if (s != CK_INVALID_HANDLE)
		tok_close(&t, s);
	tok_unlock();
	return err;
}

