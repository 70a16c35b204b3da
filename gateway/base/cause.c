/*
 * Error causes for the "char **cause" out-parameters of the codecs and the
 * store (cause.h), written once rather than in each of them.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cause.h"

/* Formats into *cause, if the caller wants one; NULL if that fails. */
static void
vset(char **cause, int printable, const char *fmt, va_list ap)
{
	if (cause == NULL)
		return;
	if (vasprintf(cause, fmt, ap) < 0)
		*cause = NULL;
	for (char *p = *cause; printable && p != NULL && *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
}

/* Sets *cause to a malloc'ed message, printable ASCII only. */
void
set_cause(char **cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(cause, 1, fmt, ap);
	va_end(ap);
}

/* Sets *cause to a malloc'ed message, as formatted. */
void
set_cause_verbatim(char **cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(cause, 0, fmt, ap);
	va_end(ap);
}
