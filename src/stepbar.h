/*
 * stepbar.h - which steps of a service fit in the step bar by name.
 *
 * The manual's steps (在线填写申请信息 > 在线支付 > 审核资料 > ...) are long;
 * at 80 columns not all fit.  The current step always keeps its name; the
 * others keep theirs while there is room, nearest first, and shrink to just
 * their number otherwise.
 */
#ifndef CAKIOSK_STEPBAR_H
#define CAKIOSK_STEPBAR_H

#define STEPBAR_MAX 12
#define STEPBAR_SEP " > "

/*
 * widths[i] is the width of step i shown as number + name; a step shown as
 * number alone takes 2 columns ("3." - up to 9 steps).  Returns a bit mask of
 * the steps that are shown with their names within cols.
 */
unsigned stepbar_plan(const int *widths, int n, int current, int cols);

#endif
