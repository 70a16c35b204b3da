/*
 * The display-name of a From or To header (RFC 3261 §25.1), as a person
 * would read it: a quoted-string unquoted and its quoted-pairs undone, or
 * a run of tokens with each stretch of whitespace made one space. Both
 * MESSAGE readings (the raw scan and libosip2) hand us the raw text in
 * front of '<', so one function decides for both; and the way back,
 * a name written as a quoted-string (XEP-0172 <nick/> into From). Pure
 * code.
 */
#ifndef SIPXMPP_SIP_DISPLAY_H
#define SIPXMPP_SIP_DISPLAY_H

#include <stddef.h>

/* Bytes of a display name we keep; a longer one is none (NULL). */
#define SIP_DISPLAY_MAX	256

struct strbuf;

/* sip_display.c */
int sip_display_name(const char *raw, size_t len, char *out, size_t size);
void sip_display_put(struct strbuf *sb, const char *name);

#endif
