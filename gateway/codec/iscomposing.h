/*
 * RFC 3994 isComposing documents (application/im-iscomposing+xml): read
 * one a peer sent, write one of ours. Pure code: no I/O, no logging.
 */
#ifndef SIPXMPP_ISCOMPOSING_H
#define SIPXMPP_ISCOMPOSING_H

#include <stddef.h>

#include "strbuf.h"

#define ISCOMPOSING_MAX_BODY	(8 * 1024)	/* larger bodies are refused */
#define ISCOMPOSING_REFRESH_DEFAULT	120	/* RFC 3994 §3.3: receiver */
#define ISCOMPOSING_REFRESH_MIN	60	/* RFC 3994 §3.2: SHOULD >= 60 */
#define ISCOMPOSING_REFRESH_MAX	86400	/* we cap what a peer asks */

/* One isComposing document (RFC 3994 §3.4, §6). */
struct iscomposing {
	int active;		/* <state>active</state>; anything else idle */
	int refresh;		/* <refresh> seconds, 0 when absent */
	char lastactive[40];	/* <lastactive> as sent, "" when absent */
	char contenttype[64];	/* <contenttype> as sent, "" when absent */
};

/* iscomposing.c */
int iscomposing_parse(const char *body, size_t len, struct iscomposing *out,
    char **cause);
int iscomposing_build(struct strbuf *sb, const struct iscomposing *ic);
int iscomposing_is_type(const char *content_type);

#endif
