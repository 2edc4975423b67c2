/*
 * fuzz_text.c - libFuzzer harness for the text sanitizer and wrapper
 * (src/core/text.c): any bytes, as a token or the backend may send them.
 * The first byte picks the widths and flags; the rest is the text.  What
 * text_sanitize() returns must be clean (but for the newlines it keeps), and what the
 * wrapper returns must lie inside the string.
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "text.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct text_line lines[64];
	unsigned knob;
	int cols;
	char *clean, *s, *cut;
	size_t n, fit;

	if (size == 0)
		return 0;
	knob = data[0];
	cols = (int)(knob & 0x3f) - 2; /* -2..61: zero and negative too */
	clean = text_sanitize((const char *)data + 1, size - 1, (knob & 0x80) ? 40 : 4096,
			      (knob & 0x40) ? TEXT_KEEP_NEWLINES : 0);
	/* Clean but for the newlines it was asked to keep. */
	s = strdup(clean);
	if (s == NULL)
		abort();
	for (char *nl = strchr(s, '\n'); nl != NULL; nl = strchr(nl, '\n'))
		*nl = ' ';
	if (!text_is_clean(s))
		abort();
	free(s);
	s = fuzz_str(data + 1, size - 1);
	(void)text_width(s);
	fit = text_fit(s, cols, NULL);
	if (fit > strlen(s))
		abort();
	cut = text_truncate(s, cols);
	free(cut);
	n = text_wrap(s, cols, lines, 64);
	for (size_t i = 0; i < n && i < 64; i++)
		if (lines[i].off + lines[i].len > strlen(s))
			abort();
	n = text_wrap(clean, cols, lines, 64);
	for (size_t i = 0; i < n && i < 64; i++)
		if (lines[i].off + lines[i].len > strlen(clean))
			abort();
	free(s);
	free(clean);
	return 0;
}
