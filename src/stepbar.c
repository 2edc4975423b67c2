/*
 * stepbar.c - fitting a service's steps into one row (see stepbar.h).
 */
#include "stepbar.h"

#define SEP_W 3
#define NUM_W 2

unsigned
stepbar_plan(const int *widths, int n, int current, int cols)
{
	unsigned full = 0;
	int used;

	if (n <= 0)
		return 0;
	if (n > STEPBAR_MAX)
		n = STEPBAR_MAX;
	if (current < 0 || current >= n)
		current = 0;
	used = (n - 1) * SEP_W + n * NUM_W;
	/* The current step first, then outwards: next, previous, ... */
	for (int d = 0; d < n; d++) {
		const int cand[2] = {current + d, current - d};

		for (int c = 0; c < (d == 0 ? 1 : 2); c++) {
			int i = cand[c];
			int extra;

			if (i < 0 || i >= n)
				continue;
			extra = widths[i] - NUM_W;
			if (used + extra > cols)
				continue;
			used += extra;
			full |= 1u << i;
		}
	}
	return full;
}
