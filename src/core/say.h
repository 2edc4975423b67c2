/*
 * say.h - lines to the operator at a console (standard error, standard
 * output), before or beside the screen: what they quote from outside (an
 * argument, a path, the configuration, the backend) is sanitized, so no
 * escape sequence from there reaches their terminal.
 */
#ifndef CAKIOSK_SAY_H
#define CAKIOSK_SAY_H

#include <stdarg.h>
#include <stdio.h>

/* printf into a new string (free it), sanitized, at most 2047 bytes. */
char *say_vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* One line to out, after prefix (not sanitized: the program's own). */
void say_v(FILE *out, const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* One line to out. */
void say(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
