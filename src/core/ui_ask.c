/*
 * ui_ask.c - a question in a box over the screen (see ui.h): the payment's
 * "keep it, cancel it, go on" and Order query's "cancel this order?".
 */
#include "ui.h"

int
ui_question(struct rect b, int maxw, const char *question, int *x)
{
	int w = b.w > maxw + 4 ? maxw : b.w - 4;
	struct rect box = {b.y + b.h / 2 - 4, b.x + (b.w - w) / 2, 8, w};

	ui_fill(box, UI_NORMAL);
	ui_box(box, UI_WARN);
	ui_wrap((struct rect){box.y + 1, box.x + 2, 3, w - 4}, UI_TITLE, question);
	*x = box.x + 2;
	return box.y + 5;
}
