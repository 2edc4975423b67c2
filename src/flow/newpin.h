/*
 * newpin.h - the rules of a new PIN, pure (the step screens/step/newpin.c
 * and the unit test use them).
 *
 * A new PIN is refused, with its reason, when it is not printable ASCII,
 * outside the token's length limits, one character repeated (000000,
 * 111111), a straight run up or down (123456, 654321, abcdef), a short
 * pattern repeated (121212, 123123) or one of the first PINs anybody
 * tries (147258, 112233, ...); the second typing must be the same.
 */
#ifndef CAKIOSK_NEWPIN_H
#define CAKIOSK_NEWPIN_H

#include <stdbool.h>

enum newpin_verdict {
	NEWPIN_OK,
	NEWPIN_EMPTY,
	NEWPIN_CHARS,    /* not printable ASCII */
	NEWPIN_SHORT,    /* under the token's minimum */
	NEWPIN_LONG,     /* over its maximum */
	NEWPIN_SAME,     /* one character repeated */
	NEWPIN_RUN,      /* a straight run up or down */
	NEWPIN_PATTERN,  /* a short pattern repeated */
	NEWPIN_COMMON,   /* one of the first PINs tried */
	NEWPIN_MISMATCH, /* the two typings differ */
	NEWPIN_VERDICT_COUNT
};

/* The first thing wrong with pin alone (no second typing). */
enum newpin_verdict newpin_check(const char *pin, unsigned long min, unsigned long max);
/* pin and its second typing again: newpin_check, then the match. */
enum newpin_verdict newpin_check2(const char *pin, const char *again, unsigned long min,
				  unsigned long max);
/* The sentence for a verdict (message id); NULL for NEWPIN_OK.  The length
 * verdicts' sentences take the limits (%lu to %lu). */
const char *newpin_reason(enum newpin_verdict v);

#endif
