/*
 * fuzz_csr.c - libFuzzer harness for the backend's CSR checks
 * (ca_csr_check, ca_csr_hash in src/ra/ca_cert.c): any text as the "csr"
 * member of a certificate request or an enrolment.  A refusal names a
 * protocol error code and says why; an accepted CSR has a hash.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ra/ca.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *pem = fuzz_str(data, size), spki[65], hash[65];
	const char *code = NULL;
	char *msg = NULL;

	if (ca_csr_check(pem, spki, &code, &msg) == 0) {
		if (strlen(spki) != 64 || ca_csr_hash(pem, hash) != 0 ||
		    strlen(hash) != 64)
			abort();
	} else {
		if (code == NULL || msg == NULL || msg[0] == '\0')
			abort();
		free(msg);
		(void)ca_csr_hash(pem, hash);
	}
	free(pem);
	return 0;
}
