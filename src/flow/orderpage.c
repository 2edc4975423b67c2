/*
 * orderpage.c - the order pages' shared pieces (see orderpage.h).
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "i18n.h"
#include "orderpage.h"
#include "payflow.h"
#include "session.h"
#include "ui.h"

enum valid
orderpage_term(const char *v)
{
	return strcmp(v, "1") == 0 || strcmp(v, "2") == 0 || strcmp(v, "3") == 0
		       ? VALID_OK
		       : VALID_FORMAT;
}

void
orderpage_price_line(const char *kind, int term, int y, int x, int w)
{
	char line[256], money[32];
	long fen;

	/* The backend's price list (api_price); unknown: the order will say. */
	if (term < 1 || term > 3 || !api_price(kind, session_get()->unit, term, &fen))
		return;
	pay_money(fen, money, sizeof money);
	snprintf(line, sizeof line, _("Price for %d year(s): %s CNY"), term, money);
	ui_put(y, x, w, UI_ACCENT, line);
}

void
orderpage_row(int y, int x, int w, const char *label, const char *value)
{
	/* Wide enough for the longest label, "E-mail for the e-invoice". */
	enum { LABEL_W = 26 };

	ui_put(y, x, LABEL_W - 1, UI_DIM, label);
	ui_put(y, x + LABEL_W, w - LABEL_W, UI_NORMAL, value);
}

void
orderpage_price_row(const char *kind, int term, int y, int x, int w)
{
	char line[64];
	long fen;

	if (api_price(kind, session_get()->unit, term, &fen)) {
		char money[32];

		pay_money(fen, money, sizeof money);
		snprintf(line, sizeof line, "%s %s", money, _("CNY"));
	} else {
		snprintf(line, sizeof line, "%s", _("shown before you pay"));
	}
	orderpage_row(y, x, w, _("Price"), line);
}
