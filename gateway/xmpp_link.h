/*
 * The XMPP side: one XEP-0114 component connection (libstrophe) driven by
 * our libevent loop. It owns the socket, the handshake, reconnection with
 * backoff, and turns incoming stanzas into small structs for the bridges.
 */
#ifndef SIPXMPP_XMPP_LINK_H
#define SIPXMPP_XMPP_LINK_H

#include <stddef.h>

struct event_base;
struct config;
struct xmpp_link;

/* An incoming <message/>; all strings valid only during the callback. */
struct xmpp_in_message {
	const char *from;
	const char *to;
	const char *id;
	const char *type;		/* NULL means "normal" */
	const char *lang;		/* xml:lang of the stanza, or NULL */
	const char *body;		/* first <body/> (lang-matching), or NULL */
	const char *subject;
	const char *thread;
	/* type='error' only: */
	const char *error_condition;	/* e.g. "item-not-found" */
	const char *error_type;
	const char *error_text;
	const char *error_gone_uri;	/* text of <gone/>, if any */
	int has_receipt_request;	/* XEP-0184 <request/> */
	int has_chat_state;		/* XEP-0085 element present */
	int has_other_payload;		/* extensions we do not translate */
};

struct xmpp_link_handlers {
	void (*up_cb)(void *arg);
	void (*down_cb)(void *arg);
	void (*message_cb)(void *arg, const struct xmpp_in_message *msg);
	/* A stanza too large or otherwise refused at the edge: already answered. */
};

/* xmpp_link.c */
struct xmpp_link *xmpp_link_new(struct event_base *base,
    const struct config *cfg, const struct xmpp_link_handlers *handlers,
    void *arg);
int xmpp_link_start(struct xmpp_link *link);
void xmpp_link_stop(struct xmpp_link *link);
void xmpp_link_free(struct xmpp_link *link);
int xmpp_link_is_ready(const struct xmpp_link *link);
int xmpp_link_send(struct xmpp_link *link, const char *xml, size_t len);
size_t xmpp_link_queue_len(const struct xmpp_link *link);
const char *xmpp_link_domain(const struct xmpp_link *link);
void xmpp_link_flush(struct xmpp_link *link);

#endif
