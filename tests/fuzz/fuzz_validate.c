/*
 * fuzz_validate.c - libFuzzer harness for the form validators
 * (src/common/validate.c), which the backend also runs on what a terminal
 * sends: every check, the check-character makers and the mobile tidier on
 * any string.  A result must be one of enum valid, and a number a check
 * accepts must keep being accepted after its own tidying.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "validate.h"

static validate_fn *const checks[] = {
	validate_resident_id, validate_credit_code, validate_mobile,
	validate_email,       validate_postcode,    validate_bank_card,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);

	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		enum valid r = checks[i](s);
		char *t;

		if ((unsigned)r >= VALID_COUNT)
			abort();
		if ((r == VALID_OK) != (validate_reason(r) == NULL))
			abort();
		(void)validate_reason_in(validate_reasons_of(checks[i]), r);
		t = strdup(s);
		if (t == NULL)
			abort();
		validate_tidy(checks[i], t);
		if (strlen(t) > strlen(s))
			abort();
		if (r == VALID_OK && checks[i](t) != VALID_OK)
			abort();
		free(t);
	}
	(void)validate_resident_check(s);
	(void)validate_credit_check(s);
	(void)validate_orgcode_check(s);
	free(s);
	return 0;
}
