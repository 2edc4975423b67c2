/*
 * say.c - sanitized lines for the operator (see say.h).
 */
#include "say.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"

char *
say_vformat(const char *fmt, va_list ap)
{
	char buf[2048];

	vsnprintf(buf, sizeof buf, fmt, ap);
	return text_sanitize(buf, strlen(buf), sizeof buf, 0);
}

void
say_v(FILE *out, const char *prefix, const char *fmt, va_list ap)
{
	char *clean = say_vformat(fmt, ap);

	fprintf(out, "%s%s\n", prefix, clean);
	free(clean);
}

void
say(FILE *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_v(out, "", fmt, ap);
	va_end(ap);
}
