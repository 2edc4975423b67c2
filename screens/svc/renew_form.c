/*
 * renew_form.c - renewal, the order form (录入更新信息): the term and its
 * price, the e-mail address for the e-invoice, and optional contact data.
 * Required fields carry `*`.  What is typed is kept in the service's state,
 * so "返回修改" on the confirm page comes back here with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "backend.h"
#include "form.h"
#include "i18n.h"
#include "keys.h"
#include "payflow.h"
#include "renew.h"
#include "screen.h"
#include "service.h"
#include "ui.h"
#include "validate.h"
#include "xmem.h"

enum { F_TERM, F_EMAIL, F_MOBILE, F_CONTACT, F_COUNT };

static enum valid
check_term(const char *v)
{
	return strcmp(v, "1") == 0 || strcmp(v, "2") == 0 || strcmp(v, "3") == 0
		       ? VALID_OK
		       : VALID_FORMAT;
}

/* A term of 5 hears its hint, "1, 2 or 3 years", not "wrong format". */
static const struct field_def fields[F_COUNT] = {
	[F_TERM] = {N_("Term (years)"), FIELD_REQUIRED, CHARS_DIGITS, 1, check_term,
		    N_("Choose 1, 2 or 3 years.")},
	[F_EMAIL] = {N_("E-mail for the e-invoice"), FIELD_REQUIRED, CHARS_EMAIL, 64,
		     validate_email, N_("The e-invoice is sent to this address.")},
	/* +86 and the spaces people write are understood, not dropped. */
	[F_MOBILE] = {N_("Mobile"), 0, CHARS_PHONE, 20, validate_mobile,
		      N_("For a message when the renewal is done (optional).")},
	[F_CONTACT] = {N_("Contact name"), 0, CHARS_ANY, 20, NULL, NULL},
};

struct rf {
	struct form form;
};

static void *
rf_enter(const void *arg)
{
	struct rf *s = xcalloc(1, sizeof *s);
	char term[16];

	(void)arg;
	form_init(&s->form, fields, F_COUNT);
	snprintf(term, sizeof term, "%d", renew_state.term > 0 ? renew_state.term : 1);
	form_set(&s->form, F_TERM, term);
	if (renew_state.form_filled) {
		form_set(&s->form, F_EMAIL, renew_state.email);
		form_set(&s->form, F_MOBILE, renew_state.mobile);
		form_set(&s->form, F_CONTACT, renew_state.contact);
	}
	s->form.focus = F_EMAIL;
	return s;
}

static void
rf_leave(void *state)
{
	struct rf *s = state;

	form_wipe(&s->form);
	free(s);
}

static void
rf_draw(void *state)
{
	struct rf *s = state;
	struct rect b = ui_body();
	const struct renew_cert *c = renew_cert();
	char line[512];
	int y = b.y + 1, x = b.x + 2, w = b.w - 4;
	int term = atoi(form_get(&s->form, F_TERM));
	long fen;

	ui_labelled(line, sizeof line, _("Certificate:"), c->cn);
	ui_put(y, x, w, UI_TITLE, line);
	ui_put(y + 1, x, w, UI_DIM, _("Fields marked * are required."));
	y += 3;
	y += form_draw(&s->form, (struct rect){y, x, 8, w});
	/* The backend's price list (api_price); unknown: the order will say. */
	if (term >= 1 && term <= 3 && api_price("renew", renew_state.unit, term, &fen)) {
		char money[32];

		pay_money(fen, money, sizeof money);
		snprintf(line, sizeof line, _("Price for %d year(s): %s CNY"), term,
			 money);
		ui_put(y + 1, x, w, UI_ACCENT, line);
	}
	x += ui_button(y + 3, x, _("Next"), K_ENTER, false) + 2;
	ui_button(y + 3, x, _("Back"), K_ESC, false);
}

static struct result
rf_key(void *state, int key)
{
	struct rf *s = state;

	if (key == K_ESC)
		return RESULT(ACT_POP);
	switch (form_key(&s->form, key)) {
	case FORM_SUBMIT:
		renew_state.term = atoi(form_get(&s->form, F_TERM));
		snprintf(renew_state.email, sizeof renew_state.email, "%s",
			 form_get(&s->form, F_EMAIL));
		snprintf(renew_state.mobile, sizeof renew_state.mobile, "%s",
			 form_get(&s->form, F_MOBILE));
		snprintf(renew_state.contact, sizeof renew_state.contact, "%s",
			 form_get(&s->form, F_CONTACT));
		renew_state.form_filled = true;
		/* New details, new request: a retry of these keeps its keys. */
		backend_new_key(renew_state.idem_order);
		backend_new_key(renew_state.idem_confirm);
		renew_state.order_id[0] = '\0';
		return RESULT_REPLACE(SCR_RENEW_CONFIRM, NULL);
	case FORM_CHANGED:
		return RESULT(ACT_REDRAW);
	case FORM_NONE:
		break;
	}
	return RESULT(ACT_NONE);
}

static int
rf_steps(void *state, const char *const **steps)
{
	(void)state;
	*steps = service_get(SVC_RENEW)->steps;
	return 1;
}

const struct screen_ops screen_renew_form = {
	.name = "renew-form",
	.title = N_("Order details"),
	.help = N_("Choose the term and give the e-mail address the e-invoice goes "
		   "to. Fields marked * are required. Tab moves between fields; "
		   "Enter goes on."),
	.footer = FOOT_ENTER | FOOT_TAB | FOOT_ESC,
	.enter = rf_enter,
	.leave = rf_leave,
	.draw = rf_draw,
	.key = rf_key,
	.steps = rf_steps,
};
