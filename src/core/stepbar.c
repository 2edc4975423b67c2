/*
 * stepbar.c - fitting a service's steps into one row (see stepbar.h).
 */
#include "stepbar.h"

#include <stdbool.h>

#define SEP_W 3
#define NUM_W 2
#define CUT_MIN 3 /* a cut name: at least one CJK character and "…" */

/*
 * The old way, for a bar too narrow to name every step: the current step
 * first, then outwards (next, previous, ...): whole names while they fit,
 * then what room is left for cut ones; a step with no room is a number.
 */
static void
plan_nearest(const int *widths, int n, int current, int cols, int *shown)
{
	int used = (n - 1) * SEP_W + n * NUM_W;

	for (int round = 0; round < 2; round++) {
		for (int d = 0; d < n; d++) {
			const int cand[2] = {current + d, current - d};

			for (int c = 0; c < (d == 0 ? 1 : 2); c++) {
				int i = cand[c];
				int name, room;

				if (i < 0 || i >= n || shown[i] > 0)
					continue;
				name = widths[i] - NUM_W;
				room = cols - used;
				if (round == 0 && name > room)
					continue;
				if (round == 1) {
					if (room < CUT_MIN)
						continue;
					name = room;
				}
				shown[i] = name;
				used += name;
			}
		}
	}
}

/*
 * Every step not yet placed (shown[i] == 0) gets its name up to one common
 * width, the largest whose names fit in room; the columns that width leaves
 * over go one each to the cut names nearest the current step.  Returns
 * false, placing nothing, when that width is below CUT_MIN.
 */
static bool
plan_even(const int *widths, int n, int current, int room, int *shown)
{
	bool open[STEPBAR_MAX];
	int cap = 0, used = 0, any = 0;

	for (int i = 0; i < n; i++) {
		open[i] = shown[i] == 0;
		any += open[i];
	}
	if (any == 0)
		return true;
	for (int c = 1;; c++) {
		int sum = 0, longer = 0;

		for (int i = 0; i < n; i++) {
			if (!open[i])
				continue;
			sum += widths[i] - NUM_W < c ? widths[i] - NUM_W : c;
			longer += widths[i] - NUM_W > c;
		}
		if (sum > room)
			break;
		cap = c, used = sum;
		if (longer == 0)
			break;
	}
	if (cap < CUT_MIN)
		return false;
	for (int i = 0; i < n; i++)
		if (open[i])
			shown[i] = widths[i] - NUM_W < cap ? widths[i] - NUM_W : cap;
	for (int d = 0; d < n && used < room; d++) {
		const int cand[2] = {current + d, current - d};

		for (int c = 0; c < (d == 0 ? 1 : 2) && used < room; c++) {
			int i = cand[c];

			if (i >= 0 && i < n && open[i] && shown[i] < widths[i] - NUM_W) {
				shown[i]++;
				used++;
			}
		}
	}
	return true;
}

void
stepbar_plan(const int *widths, int n, int current, int cols, int *shown)
{
	int room, all = 0, others = 0;

	if (n <= 0)
		return;
	if (n > STEPBAR_MAX)
		n = STEPBAR_MAX;
	for (int i = 0; i < n; i++)
		shown[i] = 0;
	if (current < 0)
		current = 0;
	if (current >= n) /* past the last: the service is done */
		current = n - 1;
	room = cols - (n - 1) * SEP_W - n * NUM_W;
	for (int i = 0; i < n; i++) {
		int name = widths[i] - NUM_W;

		all += name;
		if (i != current)
			others += name < CUT_MIN ? name : CUT_MIN;
	}
	if (all <= room) {
		for (int i = 0; i < n; i++)
			shown[i] = widths[i] - NUM_W;
		return;
	}
	/*
	 * Not all fit: the current step keeps its whole name, and if every
	 * other can still be named (cut), the others share the rest evenly, so
	 * no step is a bare number while there is room to name it.
	 */
	if (widths[current] - NUM_W + others <= room) {
		shown[current] = widths[current] - NUM_W;
		if (plan_even(widths, n, current, room - shown[current], shown))
			return;
		for (int i = 0; i < n; i++)
			shown[i] = 0;
	}
	plan_nearest(widths, n, current, cols, shown);
}
