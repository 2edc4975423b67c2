/*
 * ca.c - the certificate authority on OpenSSL 3 (see ca.h): its files
 * (the root, the server pair, the escrow key), opening it, and making a
 * certificate.  Requests and certificates are in ca_cert.c, signatures,
 * the CRL and escrow in ca_sign.c.
 *
 * Keys are EC P-256 throughout (the CA, the server, the demo clients);
 * customer CSRs may carry RSA 2048..4096 or EC P-256 keys.  Private key
 * files are written with mode 0600 and atomically.
 */
#include "ra/ca_int.h"

char *
ca_path(const struct ca *ca, const char *name)
{
	return util_xasprintf("%s/%s", ca->dir, name);
}

char *
ca_openssl_error(const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "";
	if (e)
		ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return util_xasprintf("%s%s%s", what, e ? ": " : "", buf);
}

static char *
pem_of_key(EVP_PKEY *key)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL, *p;
	if (PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL) == 1) {
		long n = BIO_get_mem_data(b, &p);
		out = util_xmalloc((size_t)n + 1);
		memcpy(out, p, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(b);
	return out;
}

char *
pem_of_cert(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL, *p;
	if (PEM_write_bio_X509(b, x) == 1) {
		long n = BIO_get_mem_data(b, &p);
		out = util_xmalloc((size_t)n + 1);
		memcpy(out, p, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(b);
	return out;
}

X509 *
cert_of_pem(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	ERR_clear_error();
	return x;
}

static EVP_PKEY *
key_of_pem(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	ERR_clear_error();
	return k;
}

static int
add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	if (!ext)
		return -1;
	int ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : -1;
}

int
name_add(X509_NAME *n, const char *field, const char *value)
{
	if (!value || !*value)
		return 0;
	return X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8,
					  (const unsigned char *)value, -1, -1, 0) == 1
		       ? 0
		       : -1;
}

void
random_serial(ASN1_INTEGER *ai, char out[41])
{
	unsigned char b[16];
	util_random(b, sizeof b);
	b[0] &= 0x7f; /* positive */
	b[0] |= 0x40; /* and always 16 bytes long */
	BIGNUM *bn = BN_bin2bn(b, sizeof b, NULL);
	BN_to_ASN1_INTEGER(bn, ai);
	char *hex = BN_bn2hex(bn);
	snprintf(out, 41, "%s", hex);
	OPENSSL_free(hex);
	BN_free(bn);
}

/* The extensions of a terminal's or staff member's client certificate and
 * of a customer's, after the subject and authority key identifiers. */
static const struct fixed_ext {
	int nid;
	const char *value;
} client_ext[] =
	{
		{NID_basic_constraints, "critical,CA:FALSE"},
		{NID_key_usage, "critical,digitalSignature"},
		{NID_ext_key_usage, "clientAuth"},
},
  customer_ext[] = {
	  {NID_basic_constraints, "critical,CA:FALSE"},
	  {NID_key_usage, "critical,digitalSignature,nonRepudiation"},
	  {NID_ext_key_usage, "clientAuth,emailProtection"},
	  {NID_crl_distribution_points, NULL}, /* URI:the CRL's URL */
};

/* The extensions of a profile (after the key identifiers), made once: the
 * authority key identifier and the fixed ones of the table. */
static STACK_OF(X509_EXTENSION) *
	fixed_exts(struct ca *ca, const struct fixed_ext *t, size_t n)
{
	STACK_OF(X509_EXTENSION) *sk = sk_X509_EXTENSION_new_null();
	X509 *dummy = X509_new();
	X509V3_CTX ctx;
	char *dp = util_xasprintf("URI:%s", ca->crl_url);
	bool ok = sk && dummy;
	X509V3_set_ctx(&ctx, ca->cert, dummy, NULL, NULL, 0);
	for (size_t i = 0; ok && i <= n; i++) {
		X509_EXTENSION *e =
			i == 0 ? X509V3_EXT_conf_nid(NULL, &ctx,
						     NID_authority_key_identifier,
						     "keyid:always")
			       : X509V3_EXT_conf_nid(NULL, &ctx, t[i - 1].nid,
						     t[i - 1].value ? t[i - 1].value
								    : dp);
		ok = e && sk_X509_EXTENSION_push(sk, e) > 0;
		if (!ok)
			X509_EXTENSION_free(e);
	}
	free(dp);
	X509_free(dummy);
	if (!ok) {
		sk_X509_EXTENSION_pop_free(sk, X509_EXTENSION_free);
		sk = NULL;
	}
	return sk;
}

/* A profile whose extensions cannot be made (the admin tools open the CA
 * with no CRL URL) has none, and its certificates are refused. */
static void
make_fixed(struct ca *ca)
{
	STACK_OF(X509_EXTENSION) *c = fixed_exts(
		ca, customer_ext, sizeof customer_ext / sizeof customer_ext[0]);
	STACK_OF(X509_EXTENSION) *t =
		fixed_exts(ca, client_ext, sizeof client_ext / sizeof client_ext[0]);
	ERR_clear_error();
	/* The new lists are whole before they are swapped in under the lock
	 * add_exts reads them under; the old ones are freed once out of use. */
	pthread_mutex_lock(&ca->fixed_lock);
	STACK_OF(X509_EXTENSION) *oc = ca->fixed[CA_PROFILE_CUSTOMER];
	STACK_OF(X509_EXTENSION) *ot = ca->fixed[CA_PROFILE_TERMINAL];
	ca->fixed[CA_PROFILE_CUSTOMER] = c;
	ca->fixed[CA_PROFILE_TERMINAL] = t;
	pthread_mutex_unlock(&ca->fixed_lock);
	sk_X509_EXTENSION_pop_free(oc, X509_EXTENSION_free);
	sk_X509_EXTENSION_pop_free(ot, X509_EXTENSION_free);
}

/*
 * Builds and signs a certificate for pubkey.  issuer_cert NULL means
 * self-signed (the root).  sans is a subjectAltName value or NULL.
 */
X509 *
make_cert(struct ca *ca, EVP_PKEY *pubkey, X509_NAME *subject, enum cert_kind kind,
	  int64_t not_before, int64_t not_after, const char *sans, char serial[41])
{
	X509 *x = X509_new();
	X509 *issuer = kind == KIND_ROOT ? x : ca->cert;
	EVP_PKEY *signer = kind == KIND_ROOT ? pubkey : ca->key;
	X509V3_CTX ctx;
	char dummy[41];
	if (!x)
		return NULL;
	X509_set_version(x, 2);
	random_serial(X509_get_serialNumber(x), serial ? serial : dummy);
	if (!ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before) ||
	    !ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after))
		goto fail;
	X509_set_subject_name(x, subject);
	X509_set_issuer_name(x, X509_get_subject_name(issuer));
	X509_set_pubkey(x, pubkey);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_subject_key_identifier, "hash") != 0)
		goto fail;
	if (kind != KIND_ROOT &&
	    add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always") != 0)
		goto fail;
	switch (kind) {
	case KIND_ROOT:
	case KIND_SUBCA:
		/* The intermediate issues end-entity certificates only. */
		if (add_ext(x, &ctx, NID_basic_constraints,
			    kind == KIND_ROOT ? "critical,CA:TRUE"
					      : "critical,CA:TRUE,pathlen:0") != 0 ||
		    add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") != 0)
			goto fail;
		break;
	case KIND_SERVER:
		if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
		    add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature") != 0 ||
		    add_ext(x, &ctx, NID_ext_key_usage, "serverAuth") != 0 ||
		    add_ext(x, &ctx, NID_subject_alt_name, sans) != 0)
			goto fail;
		break;
	case KIND_CLIENT:
		for (size_t i = 0; i < sizeof client_ext / sizeof client_ext[0]; i++)
			if (add_ext(x, &ctx, client_ext[i].nid, client_ext[i].value) != 0)
				goto fail;
		break;
	}
	if (sign_cert(ca, x, signer) != 0)
		goto fail;
	return x;
fail:
	X509_free(x);
	return NULL;
}

static int
write_pair(struct ca *ca, const char *base, EVP_PKEY *key, X509 *x)
{
	char *kname = util_xasprintf("%s.key", base),
	     *cname = util_xasprintf("%s.crt", base);
	char *kpath = ca_path(ca, kname), *cpath = ca_path(ca, cname);
	char *kpem = pem_of_key(key), *cpem = pem_of_cert(x);
	int rc = -1;
	if (kpem && cpem && util_write_file(kpath, kpem, strlen(kpem), 0600) == 0 &&
	    util_write_file(cpath, cpem, strlen(cpem), 0600) == 0)
		rc = 0;
	if (kpem)
		util_wipe_str(kpem);
	free(kpem);
	free(cpem);
	free(kpath);
	free(cpath);
	free(kname);
	free(cname);
	return rc;
}

static int
file_exists(const struct ca *ca, const char *name)
{
	char *p = ca_path(ca, name);
	struct stat sb;
	int r = stat(p, &sb) == 0;
	free(p);
	return r;
}

/* Creates base.key/base.crt signed by the CA unless they exist. */
static int
ensure_leaf(struct ca *ca, const char *base, enum cert_kind kind, const char *cn,
	    const char *ou, const char *sans, char **err)
{
	char *crt = util_xasprintf("%s.crt", base);
	int have = file_exists(ca, crt);
	free(crt);
	if (have)
		return 0;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509_NAME *n = X509_NAME_new();
	X509 *x = NULL;
	int rc = -1;
	int64_t now = util_now();
	if (!key || !n)
		goto out;
	name_add(n, "C", "CN");
	name_add(n, "O", "cakiosk reference RA");
	name_add(n, "OU", ou);
	name_add(n, "CN", cn);
	x = make_cert(ca, key, n, kind, now - 3600, now + 5 * 365 * 86400LL, sans, NULL);
	if (!x || write_pair(ca, base, key, x) != 0)
		goto out;
	log_info("ca: created %s (%s)", base, cn);
	rc = 0;
out:
	if (rc != 0)
		*err = ca_openssl_error("cannot create certificate");
	X509_free(x);
	X509_NAME_free(n);
	EVP_PKEY_free(key);
	return rc;
}

static int
ensure_root(struct ca *ca, bool demo, char **err)
{
	/* A CA whose key is in a token is made by "ca init" alone. */
	if (file_exists(ca, "ca.crt") || ca->hsm)
		return 0;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509_NAME *n = X509_NAME_new();
	X509 *x = NULL;
	int rc = -1;
	int64_t now = util_now();
	if (!key || !n)
		goto out;
	name_add(n, "C", "CN");
	name_add(n, "O", "cakiosk reference RA");
	name_add(n, "CN", demo ? CA_DEMO_ROOT_CN : "cakiosk-ra Root CA");
	x = make_cert(ca, key, n, KIND_ROOT, now - 3600, now + 20 * 365 * 86400LL, NULL,
		      NULL);
	if (!x || write_pair(ca, "ca", key, x) != 0)
		goto out;
	log_info("ca: created a new root CA in %s", ca->dir);
	rc = 0;
out:
	if (rc != 0)
		*err = ca_openssl_error("cannot create the CA");
	X509_free(x);
	X509_NAME_free(n);
	EVP_PKEY_free(key);
	return rc;
}

/* The CA's certificate, and its key from ca.key unless it is in a token;
 * for an intermediate the chain up to the root too.  0 or -1 + *err. */
static int
read_cert_key(struct ca *ca, char **err)
{
	char *p = ca_path(ca, "ca.crt");
	ca->cert_pem = util_read_file(p, NULL);
	free(p);
	if (!ca->hsm) {
		p = ca_path(ca, "ca.key");
		char *kpem = util_read_file(p, NULL);
		free(p);
		if (kpem) {
			ca->key = key_of_pem(kpem);
			util_wipe_str(kpem);
			free(kpem);
		}
	}
	ca->cert = ca->cert_pem ? cert_of_pem(ca->cert_pem) : NULL;
	if (!ca->key || !ca->cert ||
	    (ca->hsm ? !ca_hsm_key_matches(ca)
		     : X509_check_private_key(ca->cert, ca->key) != 1)) {
		ERR_clear_error();
		*err = util_xasprintf(
			"the CA in %s is unreadable or its key does not match", ca->dir);
		return -1;
	}
	if (ca->hsm) {
		p = ca_path(ca, "chain.pem");
		ca->chain_pem = util_read_file(p, NULL);
		free(p);
		if (!ca->chain_pem) {
			*err = util_xasprintf("cannot read %s/chain.pem", ca->dir);
			return -1;
		}
	}
	return 0;
}

static int
is_ip(const char *h)
{
	return strspn(h, "0123456789.") == strlen(h) || strchr(h, ':') != NULL;
}

/* Is the root the demo's?  Then its client certificates' keys are public. */
static bool
is_demo_root(X509 *x)
{
	char cn[128] = "";
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
				  sizeof cn);
	return strcmp(cn, CA_DEMO_ROOT_CN) == 0;
}

/* Whose the CA is, its root says: ca.crt, or root.crt above an
 * intermediate (the demo may keep its issuing key in a token too). */
static int
check_whose(struct ca *ca, enum ca_open_mode mode, char **err)
{
	char *p = ca->hsm ? ca_path(ca, "root.crt") : NULL;
	char *pem = p ? util_read_file(p, NULL) : NULL;
	X509 *root = pem ? cert_of_pem(pem) : NULL;
	bool demo = is_demo_root(root ? root : ca->cert);
	X509_free(root);
	free(pem);
	free(p);
	if (mode == CA_OPEN_OWN && demo) {
		*err = util_xasprintf(
			"the CA in %s is the demo's (\"%s\"), whose terminal and staff "
			"keys anyone with the demo may have: outside the demo give the "
			"server a CA directory of its own",
			ca->dir, CA_DEMO_ROOT_CN);
		return -1;
	}
	if (mode == CA_OPEN_DEMO && !demo) {
		*err = util_xasprintf(
			"the CA in %s is not the demo's: the demo makes its "
			"own CA in a directory of its own",
			ca->dir);
		return -1;
	}
	return 0;
}

struct ca *
ca_open(const char *dir, const char *extra_host, const char *crl_url,
	enum ca_open_mode mode, char **err)
{
	struct ca *ca = util_xcalloc(1, sizeof *ca);
	char *p = NULL, *sans = NULL;
	pthread_mutex_init(&ca->fixed_lock, NULL);
	pthread_mutex_init(&ca->sign_lock, NULL);
	ca->dir = util_xstrdup(dir);
	ca->crl_url = util_xstrdup(crl_url);
	/* It holds the CA's keys: the server's alone, also when it existed. */
	if ((mkdir(dir, 0700) != 0 && errno != EEXIST) || chmod(dir, 0700) != 0) {
		*err = util_xasprintf("cannot create %s as a private directory: %s", dir,
				      strerror(errno));
		goto fail;
	}
	if (ca_hsm_present(dir) && !(ca->hsm = ca_hsm_open(dir, &ca->key, err)))
		goto fail;
	if (ensure_root(ca, mode == CA_OPEN_DEMO, err) != 0 ||
	    ensure_escrow_key(ca, err) != 0 || read_cert_key(ca, err) != 0)
		goto fail;
	if (check_whose(ca, mode, err) != 0)
		goto fail;
	unsigned char *der = NULL;
	int dl = i2d_X509(ca->cert, &der);
	if (dl <= 0) {
		OPENSSL_free(der);
		*err = ca_openssl_error("cannot prepare the CA's certificates");
		goto fail;
	}
	ca->cert_der = der;
	ca->cert_der_len = (size_t)dl;
	make_fixed(ca);
	if (extra_host && *extra_host && strcmp(extra_host, "localhost") != 0 &&
	    strcmp(extra_host, "127.0.0.1") != 0)
		sans = util_xasprintf("DNS:localhost,IP:127.0.0.1,%s:%s",
				      is_ip(extra_host) ? "IP" : "DNS", extra_host);
	else
		sans = util_xstrdup("DNS:localhost,IP:127.0.0.1");
	if (ensure_leaf(ca, "server", KIND_SERVER, "localhost", "server", sans, err) !=
		    0 ||
	    (mode == CA_OPEN_DEMO &&
	     (ensure_leaf(ca, "terminal-demo", KIND_CLIENT, "DEMO-T01", "terminal", NULL,
			  err) != 0 ||
	      ensure_leaf(ca, "staff-demo", KIND_CLIENT, "staff-demo", "staff", NULL,
			  err) != 0)))
		goto fail;
	p = ca_path(ca, "server.crt");
	ca->server_cert_pem = util_read_file(p, NULL);
	free(p);
	p = ca_path(ca, "server.key");
	ca->server_key_pem = util_read_file(p, NULL);
	free(p);
	if (!ca->server_cert_pem || !ca->server_key_pem) {
		*err = util_xasprintf("cannot read the server certificate in %s", dir);
		goto fail;
	}
	if (ca->hsm) {
		/* TLS clients trust the root: the server sends the intermediate. */
		char *full = util_xasprintf("%s%s", ca->server_cert_pem, ca->cert_pem);
		free(ca->server_cert_pem);
		ca->server_cert_pem = full;
	}
	free(sans);
	return ca;
fail:
	free(sans);
	ca_close(ca);
	return NULL;
}

void
ca_close(struct ca *ca)
{
	if (!ca)
		return;
	EVP_PKEY_free(ca->key);
	ca_hsm_close(ca->hsm);
	X509_free(ca->cert);
	OPENSSL_free(ca->cert_der);
	sk_X509_EXTENSION_pop_free(ca->fixed[CA_PROFILE_CUSTOMER], X509_EXTENSION_free);
	sk_X509_EXTENSION_pop_free(ca->fixed[CA_PROFILE_TERMINAL], X509_EXTENSION_free);
	free(ca->cert_pem);
	free(ca->chain_pem);
	free(ca->server_cert_pem);
	if (ca->server_key_pem)
		util_wipe_str(ca->server_key_pem);
	free(ca->server_key_pem);
	util_wipe(ca->escrow_key, sizeof ca->escrow_key);
	free(ca->dir);
	free(ca->crl_url);
	pthread_mutex_destroy(&ca->fixed_lock);
	pthread_mutex_destroy(&ca->sign_lock);
	free(ca);
}

bool
ca_customer_ready(struct ca *ca)
{
	pthread_mutex_lock(&ca->fixed_lock);
	bool ready = ca->fixed[CA_PROFILE_CUSTOMER] != NULL;
	pthread_mutex_unlock(&ca->fixed_lock);
	return ready;
}

const unsigned char *
ca_cert_der_of(const struct ca *ca, size_t *len)
{
	*len = ca->cert_der_len;
	return ca->cert_der;
}

const char *
ca_cert_pem(const struct ca *ca)
{
	return ca->cert_pem;
}

const char *
ca_chain_pem(const struct ca *ca)
{
	return ca->chain_pem ? ca->chain_pem : ca->cert_pem;
}

const char *
ca_server_cert_pem(const struct ca *ca)
{
	return ca->server_cert_pem;
}

const char *
ca_server_key_pem(const struct ca *ca)
{
	return ca->server_key_pem;
}
