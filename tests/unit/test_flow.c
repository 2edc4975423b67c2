/*
 * test_flow.c - the service tables and the walk through them (flow.h):
 * every table's steps are reachable from its first, every "back" lands
 * where the operation manual says, every need is checked (a pulled or
 * second or other UKey leads to the insert step, a lost login to the PIN,
 * no order to the confirm page, unpaid to the payment), a go-to the table
 * does not declare is refused, and the session is wiped at the end.  A
 * service of fake steps (fake jobs in its hooks) checks the walk itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "flow.h"
#include "now.h"
#include "service.h"
#include "session.h"
#include "steps.h"

#define SERIAL "TK0001"

/* A session at the given point of a visit. */
static struct session
at(bool token, bool login, bool order, bool paid)
{
	struct session s;

	memset(&s, 0, sizeof s);
	s.service = -1;
	if (token) {
		s.have_token = true;
		snprintf(s.token_serial, sizeof s.token_serial, "%s", SERIAL);
	}
	s.logged_in = login;
	if (order)
		snprintf(s.order_id, sizeof s.order_id, "%s", "2026120100000001");
	s.paid = paid;
	return s;
}

/* The same, with the customer identified and a live SMS session. */
static struct session
known(struct session s)
{
	snprintf(s.subject_id, sizeof s.subject_id, "%s", "91430100MA4L00011K");
	snprintf(s.sms_session, sizeof s.sms_session, "%s", "sms-1");
	s.sms_expires_ms = now_ms() + 600000;
	return s;
}

static int
find(const struct flow_table *t, const char *name)
{
	int i = flow_find(t, name);

	if (i < 0)
		fail_msg("no step %s", name);
	return i;
}

static int
first_of(const struct flow_table *t, enum step_kind kind)
{
	for (int i = 0; i < t->nsteps; i++)
		if (t->steps[i].kind == kind)
			return i;
	return -1;
}

/* ---- every table ------------------------------------------------------ */

static void
mark(const struct flow_table *t, bool *seen, int to)
{
	if (to >= 0 && to < t->nsteps)
		seen[to] = true;
}

static void
test_every_step_reachable(void **state)
{
	(void)state;
	for (int svc = 0; svc < SVC_COUNT; svc++) {
		const struct flow_table *t = flow_table(svc);
		bool seen[64] = {true};
		struct session variants[] = {known(at(true, true, true, false)),
					     known(at(true, true, true, true)),
					     known(at(true, true, true, true)),
					     known(at(true, true, true, false))};

		if (t == NULL) {
			assert_true(service_get((enum service_id)svc)->entry !=
				    SERVICE_FLOW);
			continue;
		}
		assert_int_equal(service_get((enum service_id)svc)->entry, SERVICE_FLOW);
		assert_true(t->nsteps <= 64);
		/* As often as there are steps: what is seen spreads by one. */
		for (int round = 0; round < t->nsteps; round++)
			for (int i = 0; i < t->nsteps; i++) {
				if (!seen[i])
					continue;
				/* an order found again from an earlier visit */
				variants[2].resumed = true;
				/* a unit's customer: its agent's steps */
				variants[3].unit = true;
				for (size_t v = 0; v < 4; v++) {
					mark(t, seen,
					     flow_target(t, i, FLOW_NEXT, &variants[v], 1,
							 SERIAL));
					mark(t, seen,
					     flow_target(t, i, FLOW_BACK, &variants[v], 1,
							 SERIAL));
				}
				if (t->steps[i].alt != 0)
					mark(t, seen,
					     flow_target(t, i, t->steps[i].alt,
							 &variants[1], 1, SERIAL));
			}
		for (int i = 0; i < t->nsteps; i++) {
			if (!seen[i])
				print_error("unreachable: %s\n", t->steps[i].name);
			assert_true(seen[i]);
			/* Every step is drawn by a screen, has a title and a bar place.
			 */
			assert_true(t->steps[i].kind < STEP_KIND_COUNT);
			assert_non_null(t->steps[i].title);
			assert_non_null(t->steps[i].param);
			assert_true(t->steps[i].bar >= -1);
		}
	}
}

static void
test_every_need_fixed(void **state)
{
	(void)state;
	for (int svc = 0; svc < SVC_COUNT; svc++) {
		const struct flow_table *t = flow_table(svc);

		if (t == NULL)
			continue;
		for (int i = 0; i < t->nsteps; i++) {
			const struct step *st = &t->steps[i];
			struct session all = known(at(true, true, true, true));
			struct session s;
			int to;

			/* A step passed over for a person is a unit's. */
			if (st->pass != NULL && st->pass(&all))
				all.unit = true;
			assert_false(st->pass != NULL && st->pass(&all));
			/* With everything it needs, a step is where go-to goes. */
			assert_int_equal(flow_target(t, i, FLOW_AGAIN, &all, 1, SERIAL),
					 i);
			if (st->needs & NEED_ONE_TOKEN) {
				int ins = first_of(t, STEP_INSERT);

				assert_true(ins >= 0);
				assert_int_equal(
					flow_target(t, i, FLOW_AGAIN, &all, 0, NULL),
					ins);
				assert_int_equal(
					flow_target(t, i, FLOW_AGAIN, &all, 2, SERIAL),
					ins);
				assert_int_equal(
					flow_target(t, i, FLOW_AGAIN, &all, 1, "OTHER"),
					ins);
			}
			if (st->needs & NEED_LOGIN) {
				s = known(at(true, false, true, true));
				to = flow_target(t, i, FLOW_AGAIN, &s, 1, SERIAL);
				assert_in_range(to, 0, t->nsteps - 1);
				assert_int_equal(t->steps[to].kind, STEP_PIN);
			}
			if (st->needs & NEED_PAID) {
				s = known(at(true, true, true, false));
				to = flow_target(t, i, FLOW_AGAIN, &s, 1, SERIAL);
				assert_in_range(to, 0, t->nsteps - 1);
				assert_int_equal(t->steps[to].kind, STEP_PAY);
			}
			if (st->needs & NEED_ORDER) {
				s = known(at(true, true, false, false));
				to = flow_target(t, i, FLOW_AGAIN, &s, 1, SERIAL);
				assert_in_range(to, 0, t->nsteps - 1);
				assert_true(t->steps[to].gives & NEED_ORDER);
			}
			/* No SMS session, or one the backend let expire: the SMS
			 * step; no customer: the step that identifies (the
			 * identify step, or the change's record read for the
			 * UKey's certificate). */
			if (st->needs & NEED_SMS) {
				s = all;
				s.sms_expires_ms = now_ms() - 1;
				to = flow_target(t, i, FLOW_AGAIN, &s, 1, SERIAL);
				assert_in_range(to, 0, t->nsteps - 1);
				assert_int_equal(t->steps[to].kind, STEP_SMS);
			}
			if (st->needs & NEED_SUBJECT) {
				s = all;
				s.subject_id[0] = '\0';
				to = flow_target(t, i, FLOW_AGAIN, &s, 1, SERIAL);
				assert_in_range(to, 0, t->nsteps - 1);
				assert_true(t->steps[to].gives & NEED_SUBJECT);
				assert_true(t->steps[to].kind == STEP_IDENTIFY ||
					    (t->service == SVC_CHANGE &&
					     t->steps[to].kind == STEP_WORK));
			}
		}
	}
}

/*
 * Every service's "back", step by step, pinned (the renewal's, with its
 * reasons, below).  Where a back leaves the service, a step behind it has
 * done something that cannot be taken back here (an authorization used,
 * a PIN changed, an order paid), or it is the service's first question.
 */
static void
test_every_back_pinned(void **state)
{
	static const struct {
		int svc;
		const char *from;
		const char *to; /* NULL: out, as in out */
		int out;
	} backs[] = {
		{SVC_APPLY, "apply-identify", NULL, FLOW_EXIT},
		{SVC_APPLY, "apply-address", "apply-identify", 0},
		{SVC_APPLY, "apply-invoice", "apply-address", 0},
		{SVC_APPLY, "apply-confirm", "apply-invoice", 0},
		{SVC_APPLY, "apply-verify", "apply-confirm", 0},
		{SVC_APPLY, "apply-agent", "apply-verify", 0},
		{SVC_APPLY, "apply-upload", "apply-agent", 0},
		{SVC_APPLY, "apply-sms", "apply-upload", 0},
		{SVC_APPLY, "apply-submit", "apply-upload", 0},
		{SVC_APPLY, "apply-pay", NULL, FLOW_EXIT},
		{SVC_APPLY, "apply-review", NULL, FLOW_HOME},
		{SVC_APPLY, "apply-done", NULL, FLOW_HOME},
		{SVC_UNLOCK, "unlock-insert", NULL, FLOW_EXIT},
		{SVC_UNLOCK, "unlock-state", NULL, FLOW_EXIT},
		{SVC_UNLOCK, "unlock-identify", "unlock-state", 0},
		{SVC_UNLOCK, "unlock-sms", "unlock-identify", 0},
		{SVC_UNLOCK, "unlock-order", "unlock-identify", 0},
		{SVC_UNLOCK, "unlock-verify", "unlock-identify", 0},
		{SVC_UNLOCK, "unlock-auth", "unlock-verify", 0},
		{SVC_UNLOCK, "unlock-newpin", NULL, FLOW_EXIT},
		{SVC_UNLOCK, "unlock-work", "unlock-insert", 0},
		{SVC_UNLOCK, "unlock-done", NULL, FLOW_HOME},
		{SVC_PINCHANGE, "pinchange-insert", NULL, FLOW_EXIT},
		{SVC_PINCHANGE, "pinchange-pin", NULL, FLOW_EXIT},
		{SVC_PINCHANGE, "pinchange-newpin", NULL, FLOW_EXIT},
		{SVC_PINCHANGE, "pinchange-work", "pinchange-newpin", 0},
		{SVC_PINCHANGE, "pinchange-done", NULL, FLOW_HOME},
		{SVC_QUERY, "query-identify", NULL, FLOW_EXIT},
		{SVC_QUERY, "query-sms", "query-identify", 0},
		{SVC_QUERY, "query-orders", NULL, FLOW_EXIT},
		{SVC_QUERY, "query-order", "query-orders", 0},
		{SVC_QUERY, "query-pay", "query-order", 0},
		{SVC_QUERY, "query-done", NULL, FLOW_HOME},
	};
	int counted[SVC_COUNT] = {0};

	(void)state;
	for (size_t i = 0; i < sizeof backs / sizeof backs[0]; i++) {
		const struct flow_table *t = flow_table(backs[i].svc);
		int from = find(t, backs[i].from);

		counted[backs[i].svc]++;
		if (backs[i].to != NULL)
			assert_int_equal(t->steps[from].back, find(t, backs[i].to));
		else
			assert_int_equal(t->steps[from].back, backs[i].out);
	}
	/* Every step of those tables is in the list: a new step is pinned too. */
	for (int svc = 0; svc < SVC_COUNT; svc++)
		if (counted[svc] > 0)
			assert_int_equal(counted[svc], flow_table(svc)->nsteps);
}

/* ---- the renewal, as the manual has it -------------------------------- */

static void
test_renew_backs(void **state)
{
	const struct flow_table *t = flow_table(SVC_RENEW);
	struct session s = at(true, true, true, false);
	static const struct {
		const char *from;
		const char *to; /* NULL: out of the service (or the visit) */
		int out;
	} backs[] = {
		{"renew-insert", NULL, FLOW_EXIT}, {"renew-pin", NULL, FLOW_EXIT},
		{"renew-check", NULL, FLOW_EXIT},  {"renew-validity", NULL, FLOW_EXIT},
		{"renew-form", NULL, FLOW_EXIT},   {"renew-confirm", "renew-form", 0},
		{"renew-pay", "renew-confirm", 0}, {"renew-install", NULL, FLOW_HOME},
		{"renew-done", NULL, FLOW_HOME},   {"renew-resume", NULL, FLOW_EXIT},
	};

	(void)state;
	assert_non_null(t);
	assert_int_equal(t->nsteps, (int)(sizeof backs / sizeof backs[0]));
	for (size_t i = 0; i < sizeof backs / sizeof backs[0]; i++) {
		int to = flow_target(t, find(t, backs[i].from), FLOW_BACK, &s, 1, SERIAL);

		if (backs[i].to != NULL)
			assert_int_equal(to, find(t, backs[i].to));
		else
			assert_int_equal(to, backs[i].out);
	}
}

static void
test_renew_walk(void **state)
{
	const struct flow_table *t = flow_table(SVC_RENEW);
	struct session s = at(false, false, false, false);
	static const char *const bar_of[][2] = {
		{"renew-insert", "0"},   {"renew-pin", "0"},     {"renew-check", "0"},
		{"renew-validity", "0"}, {"renew-form", "1"},    {"renew-confirm", "2"},
		{"renew-pay", "3"},      {"renew-install", "4"}, {"renew-resume", "0"},
	};
	int i = 0;

	(void)state;
	/* No UKey yet: the first step waits for one. */
	assert_int_equal(flow_target(t, 0, FLOW_AGAIN, &s, 0, NULL), 0);
	s = at(true, false, false, false);
	/* Read: the CA is asked before any PIN. */
	i = flow_target(t, 0, FLOW_NEXT, &s, 1, SERIAL);
	assert_string_equal(t->steps[i].name, "renew-check");
	i = flow_target(t, i, FLOW_NEXT, &s, 1, SERIAL);
	assert_string_equal(t->steps[i].name, "renew-pin");
	/* A go-to the table does not declare is refused. */
	assert_int_equal(flow_target(t, i, find(t, "renew-done"), &s, 1, SERIAL),
			 FLOW_EXIT);
	s.logged_in = true;
	/* The CA found an unfinished paid renewal: said, then finished. */
	s.paid = s.resumed = true;
	i = flow_target(t, find(t, "renew-pin"), FLOW_NEXT, &s, 1, SERIAL);
	assert_string_equal(t->steps[i].name, "renew-resume");
	i = flow_target(t, i, FLOW_NEXT, &s, 1, SERIAL);
	assert_string_equal(t->steps[i].name, "renew-install");
	s.paid = s.resumed = false;
	i = flow_target(t, find(t, "renew-pin"), FLOW_NEXT, &s, 1, SERIAL);
	assert_string_equal(t->steps[i].name, "renew-validity");
	i = flow_target(t, i, FLOW_NEXT, &s, 1, SERIAL);
	assert_string_equal(t->steps[i].name, "renew-form");
	/* Pulled on the form: to the insert step; a second UKey likewise. */
	assert_int_equal(flow_target(t, i, FLOW_AGAIN, &s, 0, NULL), 0);
	assert_int_equal(flow_target(t, i, FLOW_AGAIN, &s, 2, SERIAL), 0);
	i = flow_target(t, i, FLOW_NEXT, &s, 1, SERIAL);
	assert_string_equal(t->steps[i].name, "renew-confirm");
	/* Confirmed: the order exists, so the payment may run. */
	snprintf(s.order_id, sizeof s.order_id, "%s", "2026120100000001");
	i = flow_target(t, i, FLOW_NEXT, &s, 1, SERIAL);
	assert_string_equal(t->steps[i].name, "renew-pay");
	/* The UKey pulled while paying: the payment stays (it needs none). */
	assert_int_equal(flow_target(t, i, FLOW_AGAIN, &s, 0, NULL), i);
	/* Paid without the UKey: the insert step asks for it back ... */
	s.paid = true;
	s.logged_in = false;
	i = flow_target(t, i, FLOW_NEXT, &s, 0, NULL);
	assert_string_equal(t->steps[i].name, "renew-insert");
	/* ... then the PIN (no second look at the CA) ... */
	i = flow_target(t, i, FLOW_NEXT, &s, 1, SERIAL);
	assert_string_equal(t->steps[i].name, "renew-pin");
	assert_int_equal(flow_target(t, i, FLOW_NEXT, &s, 1, SERIAL), i);
	/* ... and straight on to finishing the paid order. */
	s.logged_in = true;
	i = flow_target(t, i, FLOW_NEXT, &s, 1, SERIAL);
	assert_string_equal(t->steps[i].name, "renew-install");
	i = flow_target(t, i, FLOW_NEXT, &s, 1, SERIAL);
	assert_string_equal(t->steps[i].name, "renew-done");
	/* The done step needs nothing: taking the UKey does not move it back. */
	assert_int_equal(flow_target(t, i, FLOW_AGAIN, &s, 0, NULL), i);
	assert_int_equal(flow_target(t, i, FLOW_NEXT, &s, 0, NULL), FLOW_HOME);
	/* The step bar positions come from the table. */
	for (size_t k = 0; k < sizeof bar_of / sizeof bar_of[0]; k++)
		assert_int_equal(t->steps[find(t, bar_of[k][0])].bar,
				 bar_of[k][1][0] - '0');
}

/*
 * What each renewal step needs, as the manual has it, seen from where the
 * customer lands when one thing is missing: the UKey pulled or another one
 * put in (back to inserting it), the login lost (the PIN again), no order
 * (the confirm page places it), not paid (the payment).  NULL: the step
 * stays, it does not need that.  The table's needs are pinned here, so a
 * step that loses a need (a certificate written unpaid, a form filled
 * without the UKey) fails this test, not only a broken walk.
 */
static void
test_renew_needs(void **state)
{
	const struct flow_table *t = flow_table(SVC_RENEW);
	static const struct {
		const char *step;
		const char *pulled, *other, *logged_out, *no_order, *unpaid;
	} rows[] = {
		{"renew-insert", NULL, NULL, NULL, NULL, NULL},
		{"renew-check", "renew-insert", "renew-insert", NULL, NULL, NULL},
		{"renew-pin", "renew-insert", "renew-insert", NULL, NULL, NULL},
		{"renew-validity", "renew-insert", "renew-insert", "renew-pin", NULL,
		 NULL},
		{"renew-form", "renew-insert", "renew-insert", "renew-pin", NULL, NULL},
		{"renew-confirm", "renew-insert", "renew-insert", "renew-pin", NULL,
		 NULL},
		/* A UKey pulled while paying: the payment stays honest. */
		{"renew-pay", NULL, NULL, NULL, "renew-confirm", NULL},
		{"renew-install", "renew-insert", "renew-insert", "renew-pin", NULL,
		 "renew-pay"},
		{"renew-done", NULL, NULL, NULL, NULL, NULL},
		{"renew-resume", "renew-insert", "renew-insert", "renew-pin", NULL,
		 "renew-pay"},
	};

	(void)state;
	assert_non_null(t);
	assert_int_equal(t->nsteps, (int)(sizeof rows / sizeof rows[0]));
	for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
		int i = find(t, rows[k].step);
		struct session all = at(true, true, true, true);
		struct session s;
		const char *want[5];
		int got[5];

		want[0] = rows[k].pulled;
		got[0] = flow_target(t, i, FLOW_AGAIN, &all, 0, NULL);
		want[1] = rows[k].other;
		got[1] = flow_target(t, i, FLOW_AGAIN, &all, 1, "OTHER");
		want[2] = rows[k].logged_out;
		s = at(true, false, true, true);
		got[2] = flow_target(t, i, FLOW_AGAIN, &s, 1, SERIAL);
		want[3] = rows[k].no_order;
		s = at(true, true, false, true);
		got[3] = flow_target(t, i, FLOW_AGAIN, &s, 1, SERIAL);
		want[4] = rows[k].unpaid;
		s = at(true, true, true, false);
		got[4] = flow_target(t, i, FLOW_AGAIN, &s, 1, SERIAL);
		for (int c = 0; c < 5; c++) {
			int to = want[c] != NULL ? find(t, want[c]) : i;

			if (got[c] != to)
				print_error("%s, case %d: lands on %d, not %d\n",
					    rows[k].step, c, got[c], to);
			assert_int_equal(got[c], to);
		}
	}
}

/* ---- a fake service: the walk itself ---------------------------------- */

static int fake_runs;

static int
fake_after(const struct session *s)
{
	fake_runs++;
	return s->paid ? 3 : FLOW_NEXT;
}

static const int fake_param;
static const struct step fake_steps[] = {
	{"f-insert", "t", STEP_INSERT, 0, 0, NEED_ONE_TOKEN, FLOW_EXIT, &fake_param, NULL,
	 0, NULL},
	{"f-work", "t", STEP_WORK, 1, NEED_ONE_TOKEN, NEED_LOGIN, 0, &fake_param,
	 fake_after, 3, NULL},
	{"f-sms", "t", STEP_CONFIRM, 1, NEED_ONE_TOKEN | NEED_LOGIN, NEED_SMS, 1,
	 &fake_param, NULL, 0, NULL},
	{"f-done", "t", STEP_DONE, 2, NEED_SMS, 0, FLOW_HOME, &fake_param, NULL, 0, NULL},
};
static const struct flow_table fake = {SVC_COUNT, fake_steps, 4, NULL};

static void
test_fake_walk(void **state)
{
	struct session s = at(true, false, false, false);

	(void)state;
	fake_runs = 0;
	/* The after hook decides, and is asked each time. */
	assert_int_equal(flow_target(&fake, 1, FLOW_NEXT, &s, 1, SERIAL), 1);
	assert_int_equal(fake_runs, 1);
	s.logged_in = true;
	assert_int_equal(flow_target(&fake, 1, FLOW_NEXT, &s, 1, SERIAL), 2);
	/* An SMS session missing: the step that gives one. */
	assert_int_equal(flow_target(&fake, 2, 3, &s, 1, SERIAL), FLOW_EXIT);
	assert_int_equal(flow_target(&fake, 1, 3, &s, 1, SERIAL), 2);
	snprintf(s.sms_session, sizeof s.sms_session, "%s", "sms-1");
	s.sms_expires_ms = now_ms() + 60000;
	assert_int_equal(flow_target(&fake, 1, 3, &s, 1, SERIAL), 3);
	/* The SMS session expired: the step that gives one, again. */
	s.sms_expires_ms = now_ms() - 1;
	assert_int_equal(flow_target(&fake, 1, 3, &s, 1, SERIAL), 2);
	assert_int_equal(flow_target(&fake, 3, FLOW_AGAIN, &s, 1, SERIAL), 2);
	s.sms_expires_ms = now_ms() + 60000;
	/* Needs chain: no UKey at the SMS step goes past the login to insert. */
	assert_int_equal(flow_target(&fake, 2, FLOW_AGAIN, &s, 0, NULL), 0);
	/* Back to a step whose needs fail: fixed there too. */
	s.logged_in = false;
	assert_int_equal(flow_target(&fake, 2, FLOW_BACK, &s, 1, SERIAL), 1);
	/* Past the end: the visit is over. */
	assert_int_equal(flow_target(&fake, 3, FLOW_NEXT, &s, 1, SERIAL), FLOW_HOME);
	/* fix: -1 when nothing lacks. */
	s.logged_in = true;
	assert_int_equal(flow_fix(&fake, 2, &s, 1, SERIAL), -1);
}

/* A step that is not this customer's (a unit's agent, for a person) is
 * passed over going on and going back; a unit's customer takes it. */
static bool
fake_not_unit(const struct session *s)
{
	return !s->unit;
}

static const struct step skip_steps[] = {
	{"s-verify", "t", STEP_CONFIRM, 0, 0, 0, FLOW_EXIT, &fake_param, NULL, 0, NULL},
	{"s-agent", "t", STEP_CONFIRM, 0, 0, 0, 0, &fake_param, NULL, 0, fake_not_unit},
	{"s-upload", "t", STEP_CONFIRM, 0, 0, 0, 1, &fake_param, NULL, 0, NULL},
	{"s-agent2", "t", STEP_CONFIRM, 0, 0, 0, 2, &fake_param, NULL, 0, fake_not_unit},
};
static const struct flow_table skipping = {SVC_COUNT, skip_steps, 4, NULL};

static void
test_skip(void **state)
{
	struct session s = at(false, false, false, false);

	(void)state;
	assert_int_equal(flow_target(&skipping, 0, FLOW_NEXT, &s, 0, NULL), 2);
	assert_int_equal(flow_target(&skipping, 2, FLOW_BACK, &s, 0, NULL), 0);
	/* Passed over at the end of the table: the visit is over. */
	assert_int_equal(flow_target(&skipping, 2, FLOW_NEXT, &s, 0, NULL), FLOW_HOME);
	s.unit = true;
	assert_int_equal(flow_target(&skipping, 0, FLOW_NEXT, &s, 0, NULL), 1);
	assert_int_equal(flow_target(&skipping, 2, FLOW_BACK, &s, 0, NULL), 1);
	assert_int_equal(flow_target(&skipping, 2, FLOW_NEXT, &s, 0, NULL), 3);
}

/* ---- the session ------------------------------------------------------ */

static int wipes;

static void
part_wipe(void *part)
{
	(void)part;
	wipes++;
}

static void
test_session_wiped(void **state)
{
	struct session *s = session_get();
	char *part;

	(void)state;
	wipes = 0;
	part = session_part(SVC_RENEW, 64, part_wipe);
	snprintf(part, 64, "%s", "agent@example.cn");
	assert_ptr_equal(session_part(SVC_RENEW, 64, part_wipe), part);
	snprintf(s->order_id, sizeof s->order_id, "%s", "2026120100000001");
	s->logged_in = true;
	s->paid = true;
	/* Another service: the first one's part goes. */
	session_part(SVC_CHECK, 32, NULL);
	assert_int_equal(wipes, 1);
	part = session_part(SVC_RENEW, 64, part_wipe);
	assert_string_equal(part, "");
	/* A new service in the same visit: its order and part go. */
	session_restart();
	assert_int_equal(wipes, 2);
	assert_string_equal(s->order_id, "");
	assert_false(s->paid);
	/* The end of the visit: everything. */
	session_part(SVC_RENEW, 64, part_wipe);
	snprintf(s->token_serial, sizeof s->token_serial, "%s", SERIAL);
	session_end();
	assert_int_equal(wipes, 3);
	assert_null(s->part);
	assert_false(s->logged_in);
	assert_string_equal(s->token_serial, "");
	assert_int_equal(s->service, -1);
	/* Starting a service binds it to the session, at its first step. */
	assert_int_equal(flow_start(SVC_RENEW).action, ACT_PUSH);
	assert_int_equal(s->service, SVC_RENEW);
	assert_string_equal(flow_step()->name, "renew-insert");
	/* Back out of its first step: to the menu, the service's data gone. */
	assert_int_equal(flow_resolve(FLOW_BACK).action, ACT_MENU);
	assert_int_equal(s->service, -1);
	assert_null(flow_step());
	session_end();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_step_reachable),
		cmocka_unit_test(test_every_need_fixed),
		cmocka_unit_test(test_every_back_pinned),
		cmocka_unit_test(test_renew_backs),
		cmocka_unit_test(test_renew_needs),
		cmocka_unit_test(test_renew_walk),
		cmocka_unit_test(test_fake_walk),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_session_wiped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
