/*
 * The smallest pieces of SIP's text (RFC 3261 §25.1), shared by the
 * parsers that read raw messages (sip_scan.c, sip_reply.c) and header
 * values (sip_event.c). Inline: they run for every byte on the hot path.
 */
#ifndef SIPXMPP_SIP_LEX_H
#define SIPXMPP_SIP_LEX_H

#include <string.h>

/* token: alphanumerics and -.!%*_+`'~ */
static inline int
sip_is_token_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("-.!%*_+`'~", c) != NULL);
}

/* The end of the line starting at p: its CR (of CRLF) or LF, or end. */
static inline const char *
sip_line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	if (nl == NULL)
		return end;
	return nl > p && nl[-1] == '\r' ? nl - 1 : nl;
}

/* Past the line break (CRLF or LF) at e. */
static inline const char *
sip_next_line(const char *e, const char *end)
{
	if (e < end && *e == '\r')
		e++;
	if (e < end && *e == '\n')
		e++;
	return e;
}

#endif
