/*
 * stepbar.h - which steps of a service fit in the step bar by name.
 *
 * The manual's steps (在线填写申请信息 > 在线支付 > 审核资料 > ...) are long;
 * at 80 columns, and in English, not all fit.  The current step keeps its
 * whole name; the others share the room left evenly: short names whole,
 * long ones cut to one common width ("Make the c…"), the odd columns to
 * the names nearest the current step, so every step is named.  Only when
 * the row cannot name every other step (3 columns each) does the old rule
 * hold: whole names while they fit, nearest first, then what room is left
 * to cut names, and a step with no room at all shrinks to its number.  A
 * current step past the last (the service done) counts as the last.
 */
#ifndef CAKIOSK_STEPBAR_H
#define CAKIOSK_STEPBAR_H

#define STEPBAR_MAX 12
#define STEPBAR_SEP " > "

/*
 * widths[i] is the width of step i shown as number + name; a step shown as
 * number alone takes 2 columns ("3." - up to 9 steps).  Sets shown[i] to the
 * columns step i's name gets within cols: its whole width, less (cut, the
 * last of them for "…"), or 0 (number only).
 */
void stepbar_plan(const int *widths, int n, int current, int cols, int *shown);

#endif
