/*
 * flow.c - the walk through a service's table of steps (see flow.h).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "flow.h"
#include "log.h"
#include "now.h"
#include "service.h"
#include "session.h"
#include "token.h"
#include "token_watch.h"

/* The service tables, one per service built on steps (src/svc/). */
extern const struct flow_table renew_flow, query_flow, pinchange_flow, unlock_flow,
	apply_flow, reissue_flow, change_flow;

static const struct flow_table *const tables[] = {
	&renew_flow, &query_flow,   &pinchange_flow, &unlock_flow,
	&apply_flow, &reissue_flow, &change_flow};

/* The screen each kind of step is drawn by. */
static const enum screen_id kind_screen[STEP_KIND_COUNT] = {
	[STEP_INSERT] = SCR_STEP_INSERT,
	[STEP_PIN] = SCR_STEP_PIN,
	[STEP_FORM] = SCR_STEP_FORM,
	[STEP_CONFIRM] = SCR_STEP_CONFIRM,
	[STEP_PAY] = SCR_PAY,
	[STEP_WORK] = SCR_STEP_WORK,
	[STEP_DONE] = SCR_STEP_DONE,
	[STEP_IDENTIFY] = SCR_STEP_IDENTIFY,
	[STEP_SMS] = SCR_STEP_SMS,
	[STEP_ORDERS] = SCR_STEP_ORDERS,
	[STEP_ORDER] = SCR_STEP_ORDER,
	[STEP_NEWPIN] = SCR_STEP_NEWPIN,
	[STEP_VERIFY] = SCR_STEP_VERIFY,
	[STEP_UPLOAD] = SCR_STEP_UPLOAD,
	[STEP_CERTS] = SCR_STEP_CERTS,
};

const struct flow_table *
flow_table(int service)
{
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
		if (tables[i]->service == service)
			return tables[i];
	return NULL;
}

int
flow_find(const struct flow_table *t, const char *name)
{
	for (int i = 0; t != NULL && i < t->nsteps; i++)
		if (strcmp(t->steps[i].name, name) == 0)
			return i;
	return -1;
}

/* What of mask the session (and the UKeys present) lacks. */
static unsigned
missing(unsigned mask, const struct session *s, size_t ntokens, const char *serial)
{
	unsigned lack = 0;
	bool same = ntokens == 1 &&
		    (!s->have_token ||
		     (serial != NULL && strcmp(serial, s->token_serial) == 0));

	if ((mask & NEED_ONE_TOKEN) && !same)
		lack |= NEED_ONE_TOKEN;
	/* A login lives on the UKey: none without it. */
	if ((mask & NEED_LOGIN) && (!s->logged_in || !same))
		lack |= NEED_LOGIN;
	/* An SMS session the backend has let expire is none. */
	if ((mask & NEED_SMS) &&
	    (s->sms_session[0] == '\0' || now_ms() >= s->sms_expires_ms))
		lack |= NEED_SMS;
	if ((mask & NEED_ORDER) && s->order_id[0] == '\0')
		lack |= NEED_ORDER;
	if ((mask & NEED_PAID) && !s->paid)
		lack |= NEED_PAID;
	if ((mask & NEED_SUBJECT) && s->subject_id[0] == '\0')
		lack |= NEED_SUBJECT;
	return lack;
}

int
flow_fix(const struct flow_table *t, int i, const struct session *s, size_t ntokens,
	 const char *serial)
{
	unsigned lack = missing(t->steps[i].needs, s, ntokens, serial);

	if (lack == 0)
		return -1;
	/* The first step giving the most basic missing need fixes it. */
	for (unsigned bit = 1; bit <= NEED_LAST; bit <<= 1) {
		if (!(lack & bit))
			continue;
		for (int j = 0; j < t->nsteps; j++)
			if (t->steps[j].gives & bit)
				return j;
	}
	/* Nothing in the table gives it: the service cannot go on. */
	return FLOW_EXIT;
}

int
flow_target(const struct flow_table *t, int cur, int go, const struct session *s,
	    size_t ntokens, const char *serial)
{
	int to;

	switch (go) {
	case FLOW_NEXT:
		to = t->steps[cur].after != NULL ? t->steps[cur].after(s) : FLOW_NEXT;
		/* After the outcome, the visit is over. */
		if (t->steps[cur].kind == STEP_DONE)
			to = FLOW_HOME;
		if (to == FLOW_NEXT)
			to = cur + 1 < t->nsteps ? cur + 1 : FLOW_HOME;
		break;
	case FLOW_BACK:
		to = t->steps[cur].back;
		break;
	case FLOW_AGAIN:
		to = cur;
		break;
	default:
		/* A go-to is to the first step (start over) or the declared one. */
		to = go == 0 || go == t->steps[cur].alt ? go : FLOW_EXIT;
		break;
	}
	/* A step that is not this customer's is passed over, the same way. */
	for (int hops = 0; to >= 0 && to < t->nsteps && hops < t->nsteps; hops++) {
		if (t->steps[to].pass == NULL || !t->steps[to].pass(s))
			break;
		to = go == FLOW_BACK      ? t->steps[to].back
		     : to + 1 < t->nsteps ? to + 1
					  : FLOW_HOME;
	}
	if (to < 0)
		return to;
	if (to >= t->nsteps)
		return FLOW_EXIT;
	/* Needs are checked here, once, for every step whatever led to it. */
	for (int hops = 0; hops < t->nsteps; hops++) {
		int fix = flow_fix(t, to, s, ntokens, serial);

		if (fix == -1 || fix == to)
			return to;
		if (fix < 0)
			return fix;
		to = fix;
	}
	return to;
}

static size_t
tokens_now(char *serial, size_t len)
{
	struct token_watch w;
	size_t n = token_watch_state(&w);

	serial[0] = '\0';
	if (n >= 1 && len > 0)
		snprintf(serial, len, "%s", w.tokens[0].ref.serial);
	return n;
}

static struct result
enter_step(int to)
{
	struct session *s = session_get();
	const struct flow_table *t = flow_table(s->service);

	if (to == FLOW_HOME || t == NULL)
		return RESULT(ACT_HOME);
	if (to == FLOW_EXIT || to < 0) {
		log_info("flow: out of %s", t->steps[s->step].name);
		session_restart();
		s->service = -1;
		return RESULT(ACT_MENU);
	}
	log_info("flow: %s -> %s", t->steps[s->step].name, t->steps[to].name);
	s->step = to;
	return RESULT_REPLACE(kind_screen[t->steps[to].kind], &t->steps[to]);
}

struct result
flow_start(int service)
{
	struct session *s = session_get();
	const struct flow_table *t = flow_table(service);
	char serial[TOKEN_TEXT_MAX];
	size_t n = tokens_now(serial, sizeof serial);
	int to;

	if (t == NULL)
		return RESULT(ACT_NONE);
	session_restart();
	s->service = service;
	s->step = 0;
	to = flow_target(t, 0, FLOW_AGAIN, s, n, serial);
	if (to < 0)
		return enter_step(to);
	s->step = to;
	log_info("flow: start %s", t->steps[to].name);
	return RESULT_PUSH(kind_screen[t->steps[to].kind], &t->steps[to]);
}

struct result
flow_continue(int service, const char *step, bool keep_order)
{
	struct session *s = session_get();
	const struct flow_table *t = flow_table(service);
	char serial[TOKEN_TEXT_MAX];
	size_t n = tokens_now(serial, sizeof serial);
	int at = flow_find(t, step);

	if (at < 0)
		return RESULT(ACT_NONE);
	if (!keep_order)
		session_restart();
	log_info("flow: continue %s in %s", s->order_id[0] ? "an order" : "afresh",
		 t->steps[at].name);
	s->service = service;
	s->step = at;
	return enter_step(flow_target(t, at, FLOW_AGAIN, s, n, serial));
}

struct result
flow_follow_orders(void)
{
	const struct session *s = session_get();
	bool keep = s->order_id[0] != '\0' && s->subject_id[0] != '\0';

	return flow_continue(SVC_QUERY, keep ? "query-order" : "query-identify", keep);
}

struct result
flow_resolve(int go)
{
	struct session *s = session_get();
	const struct flow_table *t = flow_table(s->service);
	char serial[TOKEN_TEXT_MAX];
	size_t n = tokens_now(serial, sizeof serial);

	if (go == FLOW_HOME)
		return RESULT(ACT_HOME);
	if (t == NULL || s->step < 0 || s->step >= t->nsteps)
		return RESULT(ACT_MENU);
	return enter_step(flow_target(t, s->step, go, s, n, serial));
}

const struct step *
flow_step(void)
{
	const struct session *s = session_get();
	const struct flow_table *t = flow_table(s->service);

	return t != NULL && s->step >= 0 && s->step < t->nsteps ? &t->steps[s->step]
								: NULL;
}

const void *
flow_param(void)
{
	const struct step *st = flow_step();

	return st != NULL ? st->param : NULL;
}

int
flow_steps(void *state, const char *const **steps)
{
	const struct session *s = session_get();
	const struct step *st = flow_step();
	int n = 0;

	(void)state;
	if (st == NULL || st->bar < 0)
		return -1;
	*steps = service_get((enum service_id)s->service)->steps;
	while ((*steps)[n] != NULL)
		n++;
	/* Done with the service's last step: every step behind the customer,
	 * the last one named (an application's done is at its review). */
	return st->kind == STEP_DONE && st->bar == n - 1 ? n : st->bar;
}

bool
flow_tokens_ok(void)
{
	struct session *s = session_get();
	const struct step *st = flow_step();
	char serial[TOKEN_TEXT_MAX];
	size_t n = tokens_now(serial, sizeof serial);

	/*
	 * Any change may be a pull (a UKey pulled and put back between two
	 * looks shows as a change of the same set): the login is not trusted.
	 */
	session_token_gone();
	return st == NULL || missing(st->needs, s, n, serial) == 0;
}

const char *
flow_title(void *state)
{
	const struct step *st = flow_step();

	(void)state;
	return st != NULL ? st->title : NULL;
}
