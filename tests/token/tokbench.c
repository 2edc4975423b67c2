/*
 * tokbench.c - the kiosk's token layer doing one benchmark round, for
 * tests/bench/token-bench.sh (which times it against pkcs11-tool + openssl
 * doing the same on the same SoftHSM token).
 *
 *   tokbench MODULE LABEL read PIN
 *       load the module, log in, read everything (certificates parsed,
 *       data objects with their values), end the session
 *   tokbench MODULE LABEL renew rsa|ec PIN CADIR
 *       log in, generate a key pair on the token, make a CSR signed by it,
 *       issue a certificate with CADIR/ca.pem + ca.key, write it beside the
 *       key, then delete the pair again (so every round starts the same)
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "config.h"
#include "log.h"
#include "testca.h"
#include "token.h"
#include "token_watch.h"
#include "xmem.h"

static int
die(const char *what, enum token_err e)
{
	fprintf(stderr, "tokbench: %s: %s\n", what, token_err_name(e));
	return 1;
}

static unsigned char *
issue(const char *cadir, const unsigned char *csr, size_t csr_len, size_t *len)
{
	return testca_issue(cadir, csr, csr_len, 9000, 365, len);
}

int
main(int argc, char **argv)
{
	struct config cfg = {0};
	struct token_watch w;
	struct token_ref ref;
	size_t n = 0;
	bool found = false;
	enum token_err e;
	int rc = 0, tries;

	setlocale(LC_ALL, "C.UTF-8");
	{
		char err[128];

		log_open("none", LOG_LVL_ERROR, err, sizeof err);
	}
	if (argc < 5) {
		fprintf(stderr, "usage: tokbench MODULE LABEL read PIN | "
				"tokbench MODULE LABEL renew rsa|ec PIN CADIR\n");
		return 2;
	}
	cfg.nvendors = 1;
	cfg.vendors[0].name = xstrdup("bench");
	cfg.vendors[0].display = xstrdup("bench");
	cfg.vendors[0].module = xstrdup(argv[1]);
	if (token_init(&cfg) != 1)
		return die("module", TOKEN_ERR_MODULE);
	/* The watcher's first look names every token: pick ours by label. */
	if (token_watch_start(&cfg) < 0)
		return die("watch", TOKEN_ERR_MODULE);
	n = token_watch_state(&w);
	token_watch_stop();
	for (size_t i = 0; i < n && i < TOKEN_WATCH_MAX && !found; i++) {
		found = strcmp(w.tokens[i].label, argv[2]) == 0;
		ref = w.tokens[i].ref;
	}
	if (!found)
		return die(argv[2], TOKEN_ERR_NONE);

	if (strcmp(argv[3], "read") == 0) {
		struct token_info info;

		if ((e = token_login(&ref, argv[4], 0, &tries, NULL)) != TOKEN_OK)
			return die("login", e);
		if ((e = token_read(&ref, TOKEN_READ_VALUES, &info)) != TOKEN_OK)
			return die("read", e);
		printf("%zu certificates, %zu keys, %zu data objects\n", info.ncerts,
		       info.nkeys, info.ndata);
		token_info_free(&info);
	} else if (strcmp(argv[3], "renew") == 0 && argc == 7) {
		struct token_dn dn = {.country = "CN", .common_name = "bench"};
		unsigned char id[TOKEN_ID_MAX], *csr = NULL, *cert = NULL;
		size_t id_len, csr_len, cert_len = 0;
		enum token_key_type type =
			strcmp(argv[4], "rsa") == 0 ? TOKEN_KEY_RSA : TOKEN_KEY_EC;

		if ((e = token_login(&ref, argv[5], 0, &tries, NULL)) != TOKEN_OK)
			return die("login", e);
		if ((e = token_gen_key(&ref, type, "bench", id, &id_len, NULL)) !=
		    TOKEN_OK)
			return die("generate key", e);
		if ((e = token_make_csr(&ref, id, id_len, &dn, &csr, &csr_len, NULL)) !=
		    TOKEN_OK)
			return die("CSR", e);
		cert = issue(argv[6], csr, csr_len, &cert_len);
		if (cert == NULL)
			return die("issue", TOKEN_ERR_BAD_INPUT);
		if ((e = token_write_cert(&ref, cert, cert_len, NULL, NULL)) != TOKEN_OK)
			rc = die("write certificate", e);
		if ((e = token_delete_pair(&ref, id, id_len, NULL)) != TOKEN_OK)
			rc = die("delete", e);
		free(csr);
		free(cert);
	} else {
		return die("usage", TOKEN_ERR_BAD_INPUT);
	}
	token_session_end();
	token_shutdown();
	free(cfg.vendors[0].name);
	free(cfg.vendors[0].display);
	free(cfg.vendors[0].module);
	return rc;
}
