/*
 * stepbar.c - fitting a service's steps into one row (see stepbar.h).
 */
#include "stepbar.h"

#define SEP_W 3
#define NUM_W 2
#define CUT_MIN 3 /* a cut name: at least one CJK character and "…" */

void
stepbar_plan(const int *widths, int n, int current, int cols, int *shown)
{
	int used;

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
	used = (n - 1) * SEP_W + n * NUM_W;
	/*
	 * Two rounds, the current step first, then outwards (next, previous,
	 * ...): whole names while they fit, then what room is left for cut
	 * ones, so no step is left a bare number while there is room.
	 */
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
