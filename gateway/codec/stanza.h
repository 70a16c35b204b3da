/*
 * Building the XMPP stanzas we send, as text, straight into a growable
 * buffer: faster than libstrophe's stanza objects and easy to test. Pure
 * code; every attribute and text node is XML-escaped here.
 */
#ifndef SIPXMPP_STANZA_H
#define SIPXMPP_STANZA_H

#include <stddef.h>

#include "errors.h"
#include "strbuf.h"

/* A pager message in neutral form; NULL fields are left out. */
struct im_message {
	const char *from;
	const char *to;
	const char *id;
	const char *type;	/* "normal", "chat"... or NULL */
	const char *lang;	/* xml:lang */
	const char *subject;
	const char *thread;
	const char *body;
	size_t body_len;
	const char *nick;	/* XEP-0172 <nick/>: the sender's name, or
				 * NULL; left out if it cannot be carried */
	int receipt_request;	/* XEP-0184 <request/> */
	int markable;		/* XEP-0333 <markable/> */
};

/* An error stanza answering a message (RFC 6120 §8.3). */
struct im_error {
	const char *from;	/* our side: whoever the message was for */
	const char *to;		/* the original sender */
	const char *id;		/* the original message's id, if any */
	const struct xmpp_error_cond *cond;
	const char *text;	/* human-readable reason (SIP Reason-Phrase) */
	const char *lang;
	const char *gone_uri;	/* new address for <gone/>, RFC 7247 301 */
	const char *redirect_uri;	/* for <redirect/> */
};

/* A presence stanza in neutral form (RFC 6121 §4.7); NULL fields are left
 * out. */
struct im_presence {
	const char *from;
	const char *to;
	const char *id;
	const char *type;	/* NULL: available; "unavailable", "subscribe"... */
	const char *lang;	/* xml:lang of the stanza */
	const char *show;	/* "away", "chat", "dnd", "xa" or NULL */
	const char *status;
	const char *status_lang;	/* if it differs from lang */
	int priority;
	int has_priority;
	const char *error_condition;	/* type "error" only */
	const char *error_type;
	int caps;		/* XEP-0115 <c/> of a contact (caps.c) */
	const char *nick;	/* XEP-0172 name: written only with type
				 * "subscribe" (§4.1; never in broadcasts) */
};

/* stanza.c */
int stanza_build_message(struct strbuf *sb, const struct im_message *msg);
int stanza_build_message_error(struct strbuf *sb, const struct im_error *err);
int stanza_build_presence(struct strbuf *sb, const struct im_presence *pr);

#endif
