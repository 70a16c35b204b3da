/*
 * Building the XMPP stanzas we send, as text, straight into a growable
 * buffer: faster than libstrophe's stanza objects and easy to test. Pure
 * code; every attribute and text node is XML-escaped here.
 */
#ifndef SIPXMPP_STANZA_H
#define SIPXMPP_STANZA_H

#include <stddef.h>

#include "errors.h"

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
	int failed;		/* an allocation failed; buf is unusable */
};

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
};

/* strbuf_xml_check() results. */
#define STRBUF_BAD_UTF8		(-1)	/* not UTF-8 */
#define STRBUF_BAD_XML_CHAR	(-2)	/* UTF-8, but a character XML 1.0 forbids */

/* strbuf.c */
void strbuf_init(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
void strbuf_append(struct strbuf *sb, const char *data, size_t len);
void strbuf_appends(struct strbuf *sb, const char *s);
void strbuf_append_xml_escaped(struct strbuf *sb, const char *s, size_t len);
void strbuf_append_xml_text(struct strbuf *sb, const char *s, size_t len);
int strbuf_append_xml_checked(struct strbuf *sb, const char *s, size_t len,
    int attr);
int strbuf_xml_check(const char *s, size_t len, size_t *bad_at);

/* stanza.c */
int stanza_build_message(struct strbuf *sb, const struct im_message *msg);
int stanza_build_message_error(struct strbuf *sb, const struct im_error *err);
int stanza_build_presence(struct strbuf *sb, const struct im_presence *pr);

#endif
