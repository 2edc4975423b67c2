/*
 * fuzz_csr.c - libFuzzer harness for the backend's CSR checks
 * (ca_csr_parse, ca_csr_hash in src/ra/ca_csr.c): any text as the "csr"
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
	char *pem = fuzz_str(data, size);
	const char *code = NULL;
	char *msg = NULL;
	struct ca_csr *c = ca_csr_parse(pem, &code, &msg);

	if (c != NULL) {
		char hash[65];

		ca_csr_hash(c, hash);
		if (strlen(hash) != 64)
			abort();
		ca_csr_free(c);
	} else {
		if (code == NULL || msg == NULL || msg[0] == '\0')
			abort();
		free(msg);
	}
	free(pem);
	return 0;
}
