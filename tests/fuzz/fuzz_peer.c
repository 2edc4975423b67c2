/*
 * fuzz_peer.c - libFuzzer harness for the backend's client-certificate
 * identification (src/ra/peer.c: peer_cert_read, peer_decide; with
 * ca_client_identity in src/ra/ca_cert.c): which terminal, or staff, a
 * request comes from, by the certificate its TLS connection presented and
 * the X-Terminal-Id it was sent with.
 *
 * Input: one byte of flags (bit 0: a staff route; bit 1: the TLS layer
 * did not verify the chain), one byte n (255: no X-Terminal-Id header),
 * n bytes of X-Terminal-Id, then the certificate (DER).  The certificate is
 * identified as it comes (most are not signed by this CA: refused), and,
 * where OpenSSL parses it, once more re-signed by the bed's CA, so that
 * its names, serial, dates and OU reach the decision.  Checked: an
 * accepted request names the certificate's CN and OU (terminal or staff,
 * staff on a staff route) and the header, if any, names the same terminal;
 * a refused one is answered 401 or 403.
 *
 * Seeds (tests/fuzz/corpus/peer): certificates made with openssl req
 * -x509 (EC P-256): a terminal's (CN DEMO-T01, OU terminal) with and without
 * a matching header, with another terminal's header, on a staff route and
 * unverified by TLS; another terminal's; a staff one on a staff route; a
 * customer's (no OU); one without a CN.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fuzz.h"
#include "fuzz_ra.h"
#include "ra/ca_int.h"
#include "ra/peer.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_ra_open("fuzz_peer");
	return 0;
}

static void
identify(const unsigned char *der, size_t len, bool chain_ok, unsigned flags,
	 const char *claimed)
{
	struct peer_cert pc = {0};
	const char *hdr[] = {"X-Terminal-Id", claimed, NULL};
	struct req r = {0};
	int64_t now = (int64_t)time(NULL);
	int rc;

	r.app = &fuzz_app;
	r.in_headers = claimed != NULL ? hdr : hdr + 2;
	peer_cert_read(&fuzz_app, der, len, chain_ok, now, &pc);
	if (pc.der_len != len || (len > 0 && memcmp(pc.der, der, len) != 0))
		abort();
	rc = peer_decide(&fuzz_app, &pc, &r, flags, now);
	if (rc == 0) {
		if (!pc.ok || r.status != 0 || strcmp(r.terminal, pc.cn) != 0 ||
		    pc.cn[0] == '\0' || strcmp(r.role, pc.ou) != 0 ||
		    (strcmp(pc.ou, "terminal") != 0 && strcmp(pc.ou, "staff") != 0) ||
		    ((flags & R_STAFF) && strcmp(pc.ou, "staff") != 0) ||
		    (claimed != NULL && strcmp(claimed, pc.cn) != 0))
			abort();
	} else if (rc != -1 || (r.status != 401 && r.status != 403) || r.out == NULL) {
		abort();
	}
	json_decref(r.out);
	free(r.raw_out);
	peer_cert_free(&pc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *p;
	unsigned char *signed_der = NULL;
	char *claimed = NULL;
	unsigned flags;
	bool chain_ok;
	size_t n;
	X509 *x;
	int len;

	if (size < 2)
		return 0;
	flags = (data[0] & 1) ? R_STAFF : 0;
	chain_ok = !(data[0] & 2);
	n = data[1];
	data += 2;
	size -= 2;
	if (n != 255) {
		if (n > size)
			n = size;
		claimed = fuzz_str(data, n);
		data += n;
		size -= n;
	}
	identify(data, size, chain_ok, flags, claimed);

	/* The same certificate signed by this CA: past the signature. */
	p = data;
	x = d2i_X509(NULL, &p, (long)size);
	if (x != NULL && X509_sign(x, fuzz_app.ca->key, EVP_sha256()) > 0 &&
	    (len = i2d_X509(x, &signed_der)) > 0)
		identify(signed_der, (size_t)len, true, flags, claimed);
	OPENSSL_free(signed_der);
	X509_free(x);
	ERR_clear_error();
	free(claimed);
	return 0;
}
