/*
 * fuzz_ra_body.c - libFuzzer harness for the backend's request handling
 * behind the HTTP layer: the route table's handlers on any JSON body, with
 * the demo's store and CA (made once per process in a fresh directory).
 *
 * An input is a little script, one request a line:
 *
 *   [~]ROUTE ARG... BODY
 *
 * ROUTE is the index of a route in api_routes (taken modulo their number)
 * or its method and pattern ("POST /v1/orders/{id}/confirm"); multipart
 * routes are skipped.  Then one ARG per "{name}" in the pattern ("$" is
 * the id, order id or serial of the previous answer that had one, so an
 * order can be made and then confirmed), then the rest
 * of the line as the body, parsed as the HTTP layer does (its first "$ID"
 * is that id too).  Staff routes run as the demo staff member, the
 * others as the demo terminal, with a customer session of the demo's first
 * unit, or with "~" of its first person.  All the requests of an input run
 * in one transaction that is rolled back at the end: every input starts
 * from the same store.
 *
 * With FUZZ_DUMP=DIR in the environment, each answer is written to DIR
 * (how the seeds of fuzz_replies were made from the seeds of this one).
 */
#include <stdlib.h>

#include "fuzz.h"
#include "fuzz_ra.h"
#include "ra/store.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_ra_open("fuzz_ra_body");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), last[128] = "none";

	store_lock(fuzz_app.st);
	if (store_begin(fuzz_app.st, true) != 0)
		abort();
	json_decref(fuzz_ra_script(s, last));
	store_rollback(fuzz_app.st);
	store_unlock(fuzz_app.st);
	free(s);
	return 0;
}
