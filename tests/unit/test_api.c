/*
 * test_api.c - every reply shape the kiosk reads, good and malformed: a
 * member missing, of the wrong type, an absurd value, an oversized or
 * unsafe string.  A malformed reply must become BACKEND_GARBAGE (a plain
 * sentence), never a half-filled struct a screen would act on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_int.h"
#include "i18n.h"

static json_t *
js(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (j == NULL)
		fail_msg("bad test JSON: %s: %s", e.text, text);
	return j;
}

/* A string of n 'x'. */
static char *
longstr(size_t n)
{
	char *s = malloc(n + 1);

	memset(s, 'x', n);
	s[n] = '\0';
	return s;
}

#define ORDER_OK                                                                         \
	"\"id\":\"2026112547814042\",\"kind\":\"renew\",\"state\":\"draft\",\"price\":"  \
	"30000,\"term_years\":1"

static bool
order(const char *inner, struct api_order *o, struct api_err *e)
{
	char text[4096];
	json_t *j;
	bool ok;

	snprintf(text, sizeof text, "{\"order\":{%s}}", inner);
	j = js(text);
	memset(e, 0, sizeof *e);
	ok = api_parse_order(j, o, e);
	json_decref(j);
	if (!ok) {
		assert_int_equal(e->err, BACKEND_GARBAGE);
		assert_non_null(api_reason(e));
		assert_true(e->why[0] != '\0');
	}
	return ok;
}

static void
test_order(void **state)
{
	struct api_order o;
	struct api_err e;
	char *big = longstr(600), text[1024];

	(void)state;
	assert_true(
		order(ORDER_OK ",\"valid_to\":1900000000,\"new_member\":[1]", &o, &e));
	assert_string_equal(o.id, "2026112547814042");
	assert_int_equal(o.price, 30000);
	assert_int_equal(o.valid_to, 1900000000);
	assert_true(
		order(ORDER_OK ",\"invoice_url\":\"https://ra/invoice/abc\"", &o, &e));
	assert_string_equal(o.invoice_url, "https://ra/invoice/abc");

	assert_false(order("\"kind\":\"renew\",\"state\":\"draft\",\"price\":1,"
			   "\"term_years\":1",
			   &o, &e)); /* no id */
	assert_false(order("\"id\":7,\"kind\":\"renew\",\"state\":\"draft\",\"price\":1,"
			   "\"term_years\":1",
			   &o, &e)); /* id not a string */
	assert_false(order("\"id\":\"../admin\",\"kind\":\"renew\",\"state\":\"draft\","
			   "\"price\":1,\"term_years\":1",
			   &o, &e)); /* an id that would go into a path */
	assert_false(order("\"id\":\"A1\",\"kind\":\"renew\",\"state\":\"lost\","
			   "\"price\":1,\"term_years\":1",
			   &o, &e)); /* unknown state */
	assert_false(order("\"id\":\"A1\",\"kind\":\"renew\",\"state\":\"draft\","
			   "\"price\":-5,\"term_years\":1",
			   &o, &e)); /* negative price */
	assert_false(order("\"id\":\"A1\",\"kind\":\"renew\",\"state\":\"draft\","
			   "\"price\":99999999999,\"term_years\":1",
			   &o, &e)); /* absurd price */
	assert_false(order("\"id\":\"A1\",\"kind\":\"renew\",\"state\":\"draft\","
			   "\"price\":\"300\",\"term_years\":1",
			   &o, &e)); /* price as text */
	assert_false(order(ORDER_OK ",\"invoice_url\":\"javascript:alert(1)\"", &o, &e));
	snprintf(text, sizeof text, ORDER_OK ",\"invoice_url\":\"https://%s\"", big);
	assert_false(order(text, &o, &e)); /* oversized */
	/* Not even an object. */
	{
		json_t *j = js("{\"order\":[1,2]}");

		assert_false(api_parse_order(j, &o, &e));
		json_decref(j);
	}
	free(big);
}

static bool
payment(const char *inner, bool created, struct api_payment *p, struct api_err *e)
{
	char text[2048];
	json_t *j;
	bool ok;

	snprintf(text, sizeof text, "{\"payment\":{%s}}", inner);
	j = js(text);
	ok = api_parse_payment(j, created, p, e);
	json_decref(j);
	if (!ok)
		assert_int_equal(e->err, BACKEND_GARBAGE);
	return ok;
}

static void
test_payment(void **state)
{
	struct api_payment p;
	struct api_err e;

	(void)state;
	assert_true(payment("\"id\":\"P1\",\"state\":\"pending\",\"amount\":30000,"
			    "\"code_url\":\"https://ra/pay/P1\",\"expires\":1900000000",
			    true, &p, &e));
	assert_string_equal(p.code_url, "https://ra/pay/P1");
	assert_int_equal(p.state, PAY_PENDING);
	/* Polling: no code URL needed. */
	assert_true(payment("\"id\":\"P1\",\"state\":\"paid\"", false, &p, &e));
	assert_int_equal(p.state, PAY_PAID);
	assert_false(payment("\"id\":\"P1\",\"state\":\"pending\",\"amount\":30000", true,
			     &p, &e)); /* no code URL */
	assert_false(payment("\"id\":\"P1\",\"state\":\"pending\",\"amount\":0,"
			     "\"code_url\":\"https://ra/pay/P1\"",
			     true, &p, &e)); /* nothing to pay */
	assert_false(payment("\"id\":\"P1\",\"state\":\"refunded\"", false, &p, &e));
	assert_false(payment("\"id\":\"P 1\",\"state\":\"paid\"", false, &p, &e));
	assert_false(payment("\"state\":\"paid\"", false, &p, &e));
	assert_false(payment("\"id\":\"P1\",\"state\":\"pending\",\"amount\":1,"
			     "\"code_url\":\"https://ra/pay/\\u001b[2J\"",
			     true, &p, &e)); /* a control character in a URL */
	assert_false(payment("\"id\":\"P1\",\"state\":\"paid\",\"expires\":-1", false, &p,
			     &e));
}

static bool
cert(const char *inner, struct api_certificate *c, struct api_err *e)
{
	char text[4096];
	json_t *j;
	bool ok;

	snprintf(text, sizeof text, "{\"certificate\":{%s}}", inner);
	j = js(text);
	memset(c, 0, sizeof *c);
	ok = api_parse_certificate(j, c, e);
	json_decref(j);
	if (!ok)
		assert_int_equal(e->err, BACKEND_GARBAGE);
	return ok;
}

#define CERT_OK "\"serial\":\"4A1F\",\"status\":\"valid\",\"not_after\":1900000000"
#define PEM "-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n"

static void
test_certificate(void **state)
{
	struct api_certificate c;
	struct api_err e;

	(void)state;
	assert_true(cert(CERT_OK, &c, &e));
	assert_false(c.has_pending_order || c.has_pending_install || c.has_order);
	assert_true(cert(CERT_OK ",\"pending_order\":{\"order_id\":\"O1\",\"kind\":"
				 "\"renew\",\"state\":\"paid\",\"term_years\":1}",
			 &c, &e));
	assert_true(c.has_pending_order);
	assert_string_equal(c.pending_order_id, "O1");
	assert_string_equal(c.pending_kind, "renew");
	/* An approved change waits for its CSR the same way: its kind kept. */
	assert_true(cert(CERT_OK ",\"pending_order\":{\"order_id\":\"O3\",\"kind\":"
				 "\"change\",\"state\":\"approved\",\"term_years\":1}",
			 &c, &e));
	assert_string_equal(c.pending_kind, "change");
	assert_true(cert(CERT_OK ",\"pending_install\":{\"order_id\":\"O2\",\"serial\":"
				 "\"5B\",\"pem\":\"" PEM "\",\"not_before\":1,"
				 "\"not_after\":2,\"seal_id\":\"S1\"}",
			 &c, &e));
	assert_true(c.has_pending_install);
	assert_string_equal(c.pending_install.serial, "5B");
	assert_non_null(strstr(c.pending_install.pem, "BEGIN CERTIFICATE"));
	api_certificate_free(&c);
	assert_true(cert(CERT_OK ",\"order\":{\"id\":\"O3\",\"kind\":\"renew\",\"state\":"
				 "\"issued\"}",
			 &c, &e));
	assert_string_equal(c.order_state, "issued");

	assert_false(cert("\"status\":\"valid\",\"not_after\":1", &c, &e));
	assert_false(
		cert("\"serial\":\"4A1F\",\"status\":\"good\",\"not_after\":1", &c, &e));
	assert_false(cert(CERT_OK ",\"pending_order\":\"O1\"", &c, &e));
	assert_false(cert(CERT_OK ",\"pending_order\":{\"kind\":\"renew\"}", &c, &e));
	assert_false(
		cert(CERT_OK ",\"pending_order\":{\"order_id\":\"O/../1\"}", &c, &e));
	/* A pending install whose certificate ends before it starts. */
	assert_false(cert(CERT_OK ",\"pending_install\":{\"order_id\":\"O2\",\"serial\":"
				  "\"5B\",\"pem\":\"" PEM "\",\"not_before\":5,"
				  "\"not_after\":2}",
			  &c, &e));
	assert_null(c.pending_install.pem);
	assert_false(cert(CERT_OK ",\"pending_install\":{\"order_id\":\"O2\",\"serial\":"
				  "\"5B\",\"not_before\":1,\"not_after\":2}",
			  &c, &e)); /* no PEM */
	assert_false(cert(CERT_OK ",\"order\":{\"id\":\"O3\",\"kind\":\"renew\"}", &c,
			  &e)); /* no state */
}

static void
test_issued(void **state)
{
	struct api_issued is = {0};
	struct api_err e;
	json_t *j;
	char *big = longstr(70000), *text;

	(void)state;
	j = js("{\"certificate\":\"" PEM "\",\"serial\":\"5B\",\"not_before\":1,"
	       "\"not_after\":2,\"seal_id\":\"S1\",\"chain\":[]}");
	assert_true(api_parse_issued(j, &is, &e));
	assert_string_equal(is.seal_id, "S1");
	json_decref(j);
	api_issued_free(&is);
	j = js("{\"certificate\":\"" PEM "\",\"serial\":\"5B\",\"not_before\":1}");
	assert_false(api_parse_issued(j, &is, &e)); /* no end */
	json_decref(j);
	j = js("{\"certificate\":null,\"serial\":\"5B\",\"not_before\":1,\"not_after\":"
	       "2}");
	assert_false(api_parse_issued(j, &is, &e));
	json_decref(j);
	text = malloc(70100);
	snprintf(text, 70100,
		 "{\"certificate\":\"%s\",\"serial\":\"5B\",\"not_before\":1,"
		 "\"not_after\":2}",
		 big);
	j = js(text);
	assert_false(api_parse_issued(j, &is, &e)); /* 70000 bytes of PEM */
	assert_null(is.pem);
	json_decref(j);
	free(text);
	free(big);
}

static void
test_health_and_prices(void **state)
{
	struct api_health h;
	struct api_err e;
	long fen = 0;
	json_t *j;

	(void)state;
	j = js("{\"status\":\"ok\",\"version\":\"0.1.0\",\"protocol\":1,\"sandbox\":true,"
	       "\"time\":1735689600}");
	assert_true(api_parse_health(j, &h, &e));
	assert_true(h.sandbox);
	json_decref(j);
	j = js("{\"status\":\"ok\",\"version\":\"0.1.0\",\"protocol\":2,\"time\":1}");
	assert_false(api_parse_health(j, &h, &e)); /* another protocol */
	json_decref(j);
	j = js("{\"status\":\"degraded\",\"version\":\"0.1.0\",\"protocol\":1,\"time\":"
	       "1}");
	assert_false(api_parse_health(j, &h, &e));
	json_decref(j);

	assert_false(api_price("renew", true, 1, &fen)); /* nothing fetched yet */
	j = js("{\"prices\":[{\"kind\":\"renew\",\"subject_type\":\"unit\","
	       "\"term_years\":1,\"price\":30000},{\"kind\":\"renew\",\"subject_type\":"
	       "\"unit\",\"term_years\":2,\"price\":55000}]}");
	assert_true(api_parse_prices(j, &e));
	json_decref(j);
	assert_true(api_price("renew", true, 2, &fen));
	assert_int_equal(fen, 55000);
	assert_false(api_price("renew", false, 1, &fen));
	assert_int_equal(api_terms("renew", true), (1u << 1) | (1u << 2));
	/* A bad table changes nothing that was known. */
	j = js("{\"prices\":[{\"kind\":\"renew\",\"subject_type\":\"unit\","
	       "\"term_years\":1,\"price\":-1}]}");
	assert_false(api_parse_prices(j, &e));
	json_decref(j);
	j = js("{\"prices\":{}}");
	assert_false(api_parse_prices(j, &e));
	json_decref(j);
	assert_true(api_price("renew", true, 1, &fen));
	assert_int_equal(fen, 30000);
}

/* The seal picture's reply: its DER, base64; anything else is garbage. */
static void
test_seal(void **state)
{
	struct api_seal seal;
	struct api_err e;
	json_t *j;

	(void)state;
	j = js("{\"der\":\"MIIBAA==\"}");
	assert_true(api_parse_seal(j, &seal, &e));
	assert_int_equal(seal.len, 4);
	assert_int_equal(seal.der[0], 0x30);
	free(seal.der);
	json_decref(j);
	static const char *const bad[] = {
		"{}",              /* no der */
		"{\"der\":12345}", /* not a string */
		"{\"der\":\"\"}",  /* empty */
		"{\"der\":\"!!not base64!!\"}",
		"[\"MIIBAA==\"]", /* not an object */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		j = js(bad[i]);
		memset(&e, 0, sizeof e);
		if (api_parse_seal(j, &seal, &e))
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(e.err, BACKEND_GARBAGE);
		assert_non_null(api_reason(&e));
		assert_null(seal.der);
		json_decref(j);
	}
}

static void
test_reasons(void **state)
{
	struct api_err e = {.err = BACKEND_REFUSED};

	(void)state;
	snprintf(e.code, sizeof e.code, "client_cert_required");
	assert_true(api_refused(&e, "client_cert_required"));
	assert_non_null(strstr(api_reason(&e), "certificate"));
	/* A renamed owner: the change of details, not a renewal. */
	snprintf(e.code, sizeof e.code, "registry_changed");
	assert_non_null(strstr(api_reason(&e), "Change certificate details"));
	e.err = BACKEND_GARBAGE;
	assert_false(api_refused(&e, "client_cert_required"));
	assert_non_null(strstr(api_reason(&e), "does not understand"));
}

/* This kiosk's certificate refused: revoked is said as such, another
 * refusal is not taken for it. */
static void
test_cert_states(void **state)
{
	struct api_err e = {.err = BACKEND_REFUSED};

	(void)state;
	snprintf(e.code, sizeof e.code, "client_cert_required");
	assert_int_equal(api_link_state(&e), LINK_CERT_REFUSED);
	snprintf(e.reason, sizeof e.reason, "revoked");
	assert_int_equal(api_link_state(&e), LINK_CERT_REVOKED);
	snprintf(e.code, sizeof e.code, "terminal_mismatch");
	assert_int_equal(api_link_state(&e), LINK_CERT_REFUSED);
}

/* The heartbeat's answer: the certificate's state, one of three. */
static void
test_heartbeat(void **state)
{
	static const char *const bad[] = {
		"{}",
		"{\"certificate\":{\"serial\":\"0A\",\"not_after\":1,\"state\":"
		"\"revoked\"}}",
		"{\"certificate\":{\"serial\":\"0A/..\",\"not_after\":1,\"state\":"
		"\"ok\"}}",
		"{\"certificate\":{\"serial\":\"0A\",\"state\":\"ok\"}}",
		"{\"certificate\":\"ok\"}",
	};
	struct api_heartbeat hb;
	struct api_err e = {0};
	json_t *j = js("{\"terminal_id\":\"T\",\"certificate\":{\"serial\":\"0A\","
		       "\"not_after\":1893456000,\"state\":\"expiring\"}}");

	(void)state;
	assert_true(api_parse_heartbeat(j, &hb, &e));
	assert_string_equal(hb.state, "expiring");
	assert_string_equal(hb.serial, "0A");
	assert_int_equal(hb.not_after, 1893456000);
	json_decref(j);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		j = js(bad[i]);
		memset(&e, 0, sizeof e);
		if (api_parse_heartbeat(j, &hb, &e))
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(e.err, BACKEND_GARBAGE);
		json_decref(j);
	}
}

static bool
unlock_auth(const char *text, struct api_unlock_auth *a)
{
	json_t *j = js(text);
	struct api_err e = {0};
	bool ok = api_parse_unlock_auth(j, a, &e);

	json_decref(j);
	if (!ok) {
		assert_int_equal(e.err, BACKEND_GARBAGE);
		/* Nothing half-filled: no SO PIN left for anyone to act on. */
		assert_string_equal(a->so_pin, "");
		assert_string_equal(a->candidate, "");
	}
	return ok;
}

/* The unlock's replies: the SO PINs are taken only as the protocol has them
 * (4..32 visible ASCII), byte for byte. */
static void
test_unlock(void **state)
{
	struct api_unlock_auth a;
	struct api_err e = {0};
	json_t *j;

	(void)state;
	assert_true(unlock_auth("{\"token_serial\":\"SH-1\",\"so_pin\":\"a~B!9z\","
				"\"one_time\":true}",
				&a));
	assert_string_equal(a.so_pin, "a~B!9z");
	assert_string_equal(a.candidate, "");
	assert_string_equal(a.token_serial, "SH-1");
	assert_true(unlock_auth(
		"{\"token_serial\":\"SH-1\",\"so_pin\":\"12345678\","
		"\"so_pin_candidate\":\"Zq3$Zq3$Zq3$Zq3$\",\"one_time\":true}",
		&a));
	assert_string_equal(a.candidate, "Zq3$Zq3$Zq3$Zq3$");
	/* Missing, too short, too long, a space, a control, not ASCII. */
	assert_false(unlock_auth("{\"token_serial\":\"SH-1\",\"one_time\":true}", &a));
	assert_false(unlock_auth(
		"{\"token_serial\":\"SH-1\",\"so_pin\":\"123\",\"one_time\":true}", &a));
	assert_false(
		unlock_auth("{\"token_serial\":\"SH-1\",\"so_pin\":"
			    "\"123456789012345678901234567890123\",\"one_time\":true}",
			    &a));
	assert_false(unlock_auth(
		"{\"token_serial\":\"SH-1\",\"so_pin\":\"1234 5678\",\"one_time\":true}",
		&a));
	assert_false(
		unlock_auth("{\"token_serial\":\"SH-1\",\"so_pin\":\"12345678\","
			    "\"so_pin_candidate\":\"1234\\u00075678\",\"one_time\":true}",
			    &a));
	assert_false(unlock_auth(
		"{\"token_serial\":\"SH-1\",\"so_pin\":\"密码密码\",\"one_time\":true}",
		&a));
	assert_false(unlock_auth("{\"token_serial\":\"SH-1\",\"so_pin\":12345678,"
				 "\"one_time\":true}",
				 &a));
	assert_false(unlock_auth("{\"so_pin\":\"12345678\",\"one_time\":true}", &a));
	/* The candidate's answer says it was recorded, or it was not. */
	j = js("{\"token_serial\":\"SH-1\",\"recorded\":true}");
	assert_true(api_parse_candidate(j, &e));
	json_decref(j);
	j = js("{\"token_serial\":\"SH-1\",\"recorded\":false}");
	assert_false(api_parse_candidate(j, &e));
	assert_int_equal(e.err, BACKEND_GARBAGE);
	json_decref(j);
	j = js("{\"recorded\":true}");
	assert_false(api_parse_candidate(j, &e));
	json_decref(j);
}

/* The counter's list of orders waiting: masked numbers, two kinds only. */
static void
test_waiting(void **state)
{
	struct api_waiting *w = calloc(1, sizeof *w);
	struct api_err e;
	json_t *j;

	(void)state;
	memset(&e, 0, sizeof e);
	j = js("{\"orders\":[{\"id\":\"2026120200951106\",\"kind\":\"reissue\","
	       "\"state\":\"approved\",\"subject_type\":\"person\",\"name\":\"王芳\","
	       "\"subject_id_masked\":\"430102********0022\",\"approved\":1764640000}]}");
	assert_true(api_parse_waiting(j, w, &e));
	assert_int_equal(w->n, 1);
	assert_string_equal(w->orders[0].kind, "reissue");
	assert_false(w->orders[0].unit);
	assert_string_equal(w->orders[0].name, "王芳");
	assert_string_equal(w->orders[0].id_masked, "430102********0022");
	json_decref(j);
	/* A renewal is never made at the counter; a row without its time. */
	j = js("{\"orders\":[{\"id\":\"1\",\"kind\":\"renew\",\"state\":\"approved\","
	       "\"subject_type\":\"unit\",\"subject_id_masked\":\"x\",\"approved\":1}]}");
	assert_false(api_parse_waiting(j, w, &e));
	assert_int_equal(e.err, BACKEND_GARBAGE);
	json_decref(j);
	j = js("{\"orders\":[{\"id\":\"1\",\"kind\":\"apply\",\"state\":\"approved\","
	       "\"subject_type\":\"unit\",\"subject_id_masked\":\"x\"}]}");
	assert_false(api_parse_waiting(j, w, &e));
	json_decref(j);
	free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_payment),
		cmocka_unit_test(test_certificate),
		cmocka_unit_test(test_issued),
		cmocka_unit_test(test_health_and_prices),
		cmocka_unit_test(test_seal),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_cert_states),
		cmocka_unit_test(test_heartbeat),
		cmocka_unit_test(test_unlock),
		cmocka_unit_test(test_waiting),
	};

	i18n_init("/nonexistent");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
