/*
 * fuzz_replies.c - libFuzzer harness for the client's reply checks
 * (src/client/shape.c and every /v1 reply parser built on it): any bytes as
 * the body of a backend reply, parsed with jansson as the client does and,
 * when it is an object, held against every reply shape of the protocol.
 * A parser that accepts must leave its strings terminated and sane.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api.h"
#include "api_int.h"
#include "fuzz.h"
#include "log.h"

static void
term(const char *s, size_t cap)
{
	if (memchr(s, '\0', cap) == NULL)
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[128];

	(void)argc;
	(void)argv;
	/* A refused reply is logged: not at every input. */
	if (log_open("none", LOG_LVL_ERROR, err, sizeof err) != 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *reply =
		json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	struct api_err e;
	union {
		struct api_order order;
		struct api_payment payment;
		struct api_health health;
		struct api_unlock_auth auth;
		struct api_subject subject;
		struct api_sms sms;
		struct api_session session;
		struct api_history history;
		struct api_verify verify;
		struct api_upload_link link;
		struct api_documents docs;
		struct api_waiting waiting;
	} u;
	struct api_certificate cert;
	struct api_issued issued;
	struct api_seal seal;

	if (reply == NULL)
		return 0;
#define RUN(call)                                                                        \
	do {                                                                             \
		memset(&u, 0, sizeof u);                                                 \
		memset(&e, 0, sizeof e);                                                 \
		(void)(call);                                                            \
		term(e.why, sizeof e.why);                                               \
	} while (0)
	RUN(api_parse_order(reply, &u.order, &e));
	RUN(api_parse_payment(reply, true, &u.payment, &e));
	RUN(api_parse_payment(reply, false, &u.payment, &e));
	RUN(api_parse_health(reply, &u.health, &e));
	RUN(api_parse_prices(reply, &e));
	RUN(api_parse_candidate(reply, &e));
	RUN(api_parse_sms(reply, &u.sms, &e));
	RUN(api_parse_session(reply, &u.session, &e));
	RUN(api_parse_history(reply, &u.history, &e));
	RUN(api_parse_verify(reply, &u.verify, &e));
	RUN(api_parse_documents(reply, &u.docs, &e));
	RUN(api_parse_subject(reply, true, &u.subject, &e));
	RUN(api_parse_subject(reply, false, &u.subject, &e));
	RUN(api_parse_waiting(reply, &u.waiting, &e));
	memset(&u, 0, sizeof u);
	if (api_parse_unlock_auth(reply, &u.auth, &e)) {
		term(u.auth.so_pin, sizeof u.auth.so_pin);
		term(u.auth.candidate, sizeof u.auth.candidate);
	}
	memset(&u, 0, sizeof u);
	if (api_parse_upload_link(reply, &u.link, &e)) {
		term(u.link.url, sizeof u.link.url);
		if (strncmp(u.link.path, "/u/", 3) != 0 || u.link.ndocs > API_DOCS_MAX)
			abort();
	}
	memset(&cert, 0, sizeof cert);
	(void)api_parse_certificate(reply, &cert, &e);
	api_certificate_free(&cert);
	memset(&issued, 0, sizeof issued);
	(void)api_parse_issued(reply, &issued, &e);
	api_issued_free(&issued);
	if (api_parse_seal(reply, &seal, &e))
		free(seal.der);
	json_decref(reply);
	return 0;
}
