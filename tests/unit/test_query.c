/*
 * test_query.c - Order query's table of steps and what it stands on: the
 * walk identify -> SMS code -> orders -> one order -> pay -> done, every
 * "back", an expired SMS session sent to the SMS step and a missing
 * customer to identify; the rows that continue an unfinished order
 * (each names a step its service really has); every order state said in
 * words and placed on its service's step bar; and the shapes of the
 * customer's replies (registration record, SMS, session, history).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "flow.h"
#include "now.h"
#include "resume.h"
#include "service.h"
#include "session.h"

/* A customer identified, with a live SMS session and an order chosen. */
static struct session
customer(void)
{
	struct session s;

	memset(&s, 0, sizeof s);
	snprintf(s.subject_id, sizeof s.subject_id, "%s", "91430100MA4L00011K");
	snprintf(s.sms_session, sizeof s.sms_session, "%s", "sms-1");
	s.sms_expires_ms = now_ms() + 600000;
	snprintf(s.order_id, sizeof s.order_id, "%s", "2026120100000001");
	return s;
}

static void
test_query_walk(void **state)
{
	const struct flow_table *t = flow_table(SVC_QUERY);
	struct session s = customer();
	int id, sms, list, one, pay, done;

	(void)state;
	assert_non_null(t);
	assert_int_equal(service_get(SVC_QUERY)->entry, SERVICE_FLOW);
	id = flow_find(t, "query-identify");
	sms = flow_find(t, "query-sms");
	list = flow_find(t, "query-orders");
	one = flow_find(t, "query-order");
	pay = flow_find(t, "query-pay");
	done = flow_find(t, "query-done");
	assert_true(id >= 0 && sms >= 0 && list >= 0 && one >= 0 && pay >= 0 &&
		    done >= 0);
	assert_int_equal(t->steps[id].kind, STEP_IDENTIFY);
	assert_int_equal(t->steps[sms].kind, STEP_SMS);
	/* Forward, as the manual: number, code, the orders. */
	assert_int_equal(flow_target(t, id, FLOW_NEXT, &s, 0, NULL), sms);
	assert_int_equal(flow_target(t, sms, FLOW_NEXT, &s, 0, NULL), list);
	assert_int_equal(flow_target(t, list, FLOW_NEXT, &s, 0, NULL), one);
	assert_int_equal(flow_target(t, one, FLOW_NEXT, &s, 0, NULL), pay);
	s.paid = true;
	assert_int_equal(flow_target(t, pay, FLOW_NEXT, &s, 0, NULL), done);
	assert_int_equal(flow_target(t, done, FLOW_NEXT, &s, 0, NULL), FLOW_HOME);
	/* Back. */
	assert_int_equal(flow_target(t, id, FLOW_BACK, &s, 0, NULL), FLOW_EXIT);
	assert_int_equal(flow_target(t, sms, FLOW_BACK, &s, 0, NULL), id);
	assert_int_equal(flow_target(t, list, FLOW_BACK, &s, 0, NULL), FLOW_EXIT);
	assert_int_equal(flow_target(t, one, FLOW_BACK, &s, 0, NULL), list);
	assert_int_equal(flow_target(t, pay, FLOW_BACK, &s, 0, NULL), one);
	/* No UKey is ever needed. */
	for (int i = 0; i < t->nsteps; i++)
		assert_false(t->steps[i].needs & (NEED_ONE_TOKEN | NEED_LOGIN));
	/* The SMS session expired: every step that needs it goes to the code. */
	s.sms_expires_ms = now_ms() - 1;
	assert_int_equal(flow_target(t, list, FLOW_AGAIN, &s, 0, NULL), sms);
	assert_int_equal(flow_target(t, one, FLOW_NEXT, &s, 0, NULL), sms);
	assert_int_equal(flow_target(t, list, FLOW_NEXT, &s, 0, NULL), sms);
	/* No customer: identify first, before any code. */
	s.subject_id[0] = '\0';
	assert_int_equal(flow_target(t, sms, FLOW_AGAIN, &s, 0, NULL), id);
	assert_int_equal(flow_target(t, one, FLOW_AGAIN, &s, 0, NULL), id);
	/* No order chosen: the list. */
	s = customer();
	s.order_id[0] = '\0';
	assert_int_equal(flow_target(t, one, FLOW_AGAIN, &s, 0, NULL), list);
}

static void
test_resume_rows(void **state)
{
	const struct flow_resume *r;

	(void)state;
	/* Every row names a step its service has, or a service not built. */
	for (int i = 0; i < flow_nresumes; i++) {
		const struct flow_table *t = flow_table(flow_resumes[i].service);
		bool found = t == NULL || flow_find(t, flow_resumes[i].step) >= 0;

		if (!found)
			print_error("no step %s\n", flow_resumes[i].step);
		assert_true(found);
		assert_non_null(flow_resumes[i].button);
		assert_non_null(flow_resumes[i].note);
	}
	/* Confirmed and unpaid: paid here, whatever the kind. */
	r = flow_resume_find("apply", "confirmed", 40000);
	assert_non_null(r);
	assert_string_equal(r->step, "query-pay");
	assert_true(r->keep_order);
	/* Nothing to pay (an unlock): nothing to continue here. */
	assert_null(flow_resume_find("unlock", "confirmed", 0));
	/* A paid renewal: to the renewal, which finds it by the UKey. */
	r = flow_resume_find("renew", "paid", 30000);
	assert_non_null(r);
	assert_int_equal(r->service, SVC_RENEW);
	assert_string_equal(r->step, "renew-insert");
	assert_false(r->keep_order);
	/* An application not yet confirmed: back at its form, its order
	 * along; a draft of another kind has no such step. */
	r = flow_resume_find("apply", "draft", 40000);
	assert_non_null(r);
	assert_int_equal(r->service, SVC_APPLY);
	assert_string_equal(r->step, "apply-address");
	assert_true(r->keep_order);
	assert_null(flow_resume_find("renew", "draft", 30000));
	/* Done, cancelled, under review: nothing to continue. */
	assert_null(flow_resume_find("renew", "installed", 30000));
	assert_null(flow_resume_find("apply", "cancelled", 40000));
	assert_null(flow_resume_find("apply", "under_review", 40000));
}

static void
test_order_words(void **state)
{
	static const char *const kinds[] = {"apply", "renew", "unlock", "reissue",
					    "change"};
	static const char *const states[] = {
		"draft",    "confirmed",  "paid",      "under_review", "approved",
		"rejected", "issued",     "installed", "cancelled",    "made",
		"posted",   "authorized", "completed"};

	(void)state;
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		int svc = order_kind_service(kinds[k]);
		int n = 0;

		assert_in_range(svc, 0, SVC_COUNT - 1);
		while (service_get((enum service_id)svc)->steps[n] != NULL)
			n++;
		for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
			int at = order_bar(kinds[k], states[i]);

			assert_string_not_equal(order_state_words(kinds[k], states[i]),
						"Unknown");
			assert_true(at == STEPS_NONE_CURRENT || (at >= 0 && at <= n));
		}
		/* A finished order has every step behind it. */
		assert_int_equal(order_bar(kinds[k], strcmp(kinds[k], "unlock") == 0
							     ? "completed"
							     : "installed"),
				 n);
		assert_int_equal(order_bar(kinds[k], "cancelled"), STEPS_NONE_CURRENT);
	}
	assert_int_equal(order_kind_service("nonsense"), -1);
	assert_true(order_cancellable("draft") && order_cancellable("confirmed"));
	assert_false(order_cancellable("paid"));
}

/* ---- the customer's reply shapes --------------------------------------- */

static bool
parse(const char *text, bool (*fn)(const json_t *, void *, struct api_err *), void *out)
{
	json_t *j = json_loads(text, 0, NULL);
	struct api_err e;
	bool ok;

	assert_non_null(j);
	memset(&e, 0, sizeof e);
	ok = fn(j, out, &e);
	json_decref(j);
	if (!ok)
		assert_int_equal(e.err, BACKEND_GARBAGE);
	return ok;
}

static bool
unit(const json_t *j, void *out, struct api_err *e)
{
	return api_parse_subject(j, true, out, e);
}
static bool
person(const json_t *j, void *out, struct api_err *e)
{
	return api_parse_subject(j, false, out, e);
}
static bool
order(const json_t *j, void *out, struct api_err *e)
{
	return api_parse_order(j, out, e);
}
static bool
sms_sent(const json_t *j, void *out, struct api_err *e)
{
	return api_parse_sms(j, out, e);
}
static bool
session_made(const json_t *j, void *out, struct api_err *e)
{
	return api_parse_session(j, out, e);
}
static bool
history(const json_t *j, void *out, struct api_err *e)
{
	return api_parse_history(j, out, e);
}

#define PARTY(n, m)                                                                      \
	"{\"name\":\"" n                                                                 \
	"\",\"id_number_masked\":\"430104********0037\",\"mobile_masked\":\"" m "\"}"

static void
test_shapes(void **state)
{
	static struct api_subject s;
	static struct api_history h;
	static struct api_order o;
	struct api_sms m;
	struct api_session ss;

	(void)state;
	assert_true(parse(
		"{\"unit\":{\"type\":\"unit\",\"id\":\"91430100MA4L00011K\",\"name\":"
		"\"湘江\","
		"\"legal_rep\":" PARTY("张伟", "138****8000") ",\"agent\":" PARTY(
			"李娜", "139****5678") ",\"bank\":{\"name\":\"工行\",\"account_"
					       "masked\":\"**** 0011\"}}}",
		unit, &s));
	assert_string_equal(s.agent.mobile_masked, "139****5678");
	assert_string_equal(s.account_masked, "**** 0011");
	/* No agent, a name that is not a string, an id with a space: refused. */
	assert_false(parse("{\"unit\":{\"id\":\"91430100MA4L00011K\",\"name\":\"x\","
			   "\"legal_rep\":" PARTY("a", "1") "}}",
			   unit, &s));
	assert_false(parse("{\"person\":{\"id\":\"430102198503150022\",\"name\":7,"
			   "\"mobile_masked\":\"1\"}}",
			   person, &s));
	assert_false(parse("{\"person\":{\"id\":\"4301 "
			   "2198503150022\",\"name\":\"王芳\",\"mobile_masked\":\"1\"}}",
			   person, &s));
	assert_true(parse("{\"person\":{\"id\":\"430102198503150022\",\"name\":\"王芳\","
			  "\"mobile_masked\":"
			  "\"138****8001\"}}",
			  person, &s));
	assert_string_equal(s.self.mobile_masked, "138****8001");
	/* A control character in a name: the reply is refused, never drawn. */
	assert_false(parse("{\"person\":{\"id\":\"430102198503150022\",\"name\":"
			   "\"王\\u001b[2J芳\",\"mobile_masked\":"
			   "\"1\"}}",
			   person, &s));

	/* An order as Order query shows it: PIN delivery, tracking, its states. */
	assert_true(parse(
		"{\"order\":{\"id\":\"1\",\"kind\":\"apply\",\"state\":\"posted\","
		"\"price\":40000,\"term_years\":1,\"created\":5,\"tracking\":\"SF1\","
		"\"pin_delivery\":\"sms:138****8000\",\"events\":[{\"to_state\":"
		"\"draft\",\"at\":5},{\"to_state\":\"posted\",\"at\":9}]}}",
		order, &o));
	assert_string_equal(o.pin_delivery, "sms:138****8000");
	assert_int_equal(o.nevents, 2);
	assert_string_equal(o.events[1].state, "posted");
	assert_false(
		parse("{\"order\":{\"id\":\"1\",\"kind\":\"apply\",\"state\":\"posted\","
		      "\"price\":1,\"term_years\":1,\"events\":[{\"to_state\":\"lost\","
		      "\"at\":5}]}}",
		      order, &o));
	assert_false(
		parse("{\"order\":{\"id\":\"1\",\"kind\":\"apply\",\"state\":\"posted\","
		      "\"price\":1,\"term_years\":1,\"tracking\":7}}",
		      order, &o));
	/* A draft's form as typed and the identity checks it passed (a
	 * pending transfer is not one); a control character in the form, or
	 * an unknown method, refuses the reply. */
	assert_true(
		parse("{\"order\":{\"id\":\"1\",\"kind\":\"apply\",\"state\":\"draft\","
		      "\"price\":1,\"term_years\":2,\"form\":{\"region\":\"湖南省\","
		      "\"address\":\"湖南省麓山南路1号\",\"contact_name\":\"李娜\"},"
		      "\"verifications\":[{\"party\":\"unit\",\"method\":\"transfer\","
		      "\"state\":\"pending\"},{\"party\":\"agent\",\"method\":"
		      "\"bank_card\",\"state\":\"verified\"}]}}",
		      order, &o));
	assert_string_equal(o.form.region, "湖南省");
	assert_string_equal(o.form.address, "湖南省麓山南路1号");
	assert_string_equal(o.form.contact_name, "李娜");
	assert_int_equal(o.nverified, 1);
	assert_string_equal(o.verified[0].party, "agent");
	assert_int_equal(o.verified[0].method, API_VERIFY_BANK_CARD);
	assert_false(
		parse("{\"order\":{\"id\":\"1\",\"kind\":\"apply\",\"state\":\"draft\","
		      "\"price\":1,\"term_years\":1,\"form\":{\"email\":5}}}",
		      order, &o));
	assert_false(
		parse("{\"order\":{\"id\":\"1\",\"kind\":\"apply\",\"state\":\"draft\","
		      "\"price\":1,\"term_years\":1,\"verifications\":[{\"party\":"
		      "\"unit\",\"method\":\"face\",\"state\":\"verified\"}]}}",
		      order, &o));

	assert_true(parse("{\"sent_to\":\"139****5678\",\"expires_in\":300,\"resend_"
			  "after\":60,\"max_tries\":5}",
			  sms_sent, &m));
	assert_int_equal(m.resend_after, 60);
	assert_false(parse(
		"{\"sent_to\":\"139****5678\",\"expires_in\":-1,\"resend_after\":60}",
		sms_sent, &m));
	assert_false(parse("{\"expires_in\":300,\"resend_after\":60}", sms_sent, &m));

	assert_true(parse(
		"{\"session\":"
		"\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
		"\"expires_in\":900}",
		session_made, &ss));
	assert_int_equal(ss.expires_in, 900);
	assert_false(
		parse("{\"session\":\"a b\",\"expires_in\":900}", session_made, &ss));
	assert_false(parse("{\"session\":\"0123456789abcdef0123\"}", session_made, &ss));

	assert_true(parse("{\"orders\":[{\"id\":\"1\",\"kind\":\"apply\",\"state\":"
			  "\"posted\",\"price\":40000,"
			  "\"created\":5,\"tracking\":\"SF1\"}],\"certificates\":[{"
			  "\"serial\":\"AB\","
			  "\"not_before\":1,\"not_after\":2,\"status\":\"revoked\"}]}",
			  history, &h));
	assert_int_equal(h.norders, 1);
	assert_string_equal(h.orders[0].tracking, "SF1");
	assert_true(h.certs[0].revoked);
	assert_false(parse("{\"orders\":[{\"id\":\"1\",\"kind\":\"lunch\",\"state\":"
			   "\"posted\",\"price\":1,"
			   "\"created\":5}],\"certificates\":[]}",
			   history, &h));
	assert_false(parse("{\"orders\":{},\"certificates\":[]}", history, &h));
	assert_false(parse("{\"orders\":[]}", history, &h));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_walk),
		cmocka_unit_test(test_resume_rows),
		cmocka_unit_test(test_order_words),
		cmocka_unit_test(test_shapes),
	};

	/* Names are UTF-8, as on the kiosk. */
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
