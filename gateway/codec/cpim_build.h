/*
 * message/cpim (RFC 3862) building, for room and private messages to SIP
 * participants who read CPIM: who said it in the CPIM From, a text/plain
 * entity inside. Pure code; cpim.h parses what this builds.
 */
#ifndef SIPXMPP_CPIM_BUILD_H
#define SIPXMPP_CPIM_BUILD_H

#include <stddef.h>

struct strbuf;

struct cpim_out {
	const char *from_name;	/* Formal-name of From, or NULL */
	const char *from_uri;	/* required */
	const char *to_uri;	/* NULL: no To header */
	const char *datetime;	/* RFC 3339 (§4.4 DateTime); NULL: none */
	const char *body;	/* UTF-8 text */
	size_t len;
};

/* Bytes of an RFC 3339 date-time we copy into a CPIM header. */
#define CPIM_DATETIME_MAX	40

/* cpim_build.c */
int cpim_datetime_valid(const char *s);
void cpim_datetime_now(char out[CPIM_DATETIME_MAX]);
int cpim_build(struct strbuf *sb, const struct cpim_out *c);

#endif
