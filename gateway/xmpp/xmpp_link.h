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

/*
 * An incoming <presence/> (RFC 6121 §4); strings valid only during the
 * callback.
 */
struct xmpp_in_presence {
	const char *from;
	const char *to;
	const char *id;
	const char *type;		/* NULL means available */
	const char *lang;		/* xml:lang of the stanza */
	const char *show;		/* text of <show/>, or NULL */
	const char *status;		/* lang-preferred <status/>, or NULL */
	const char *status_lang;	/* its language, or NULL */
	int priority;			/* -128..127, 0 if absent */
	int has_priority;
	/* type='error' only: */
	const char *error_condition;
	const char *error_type;
};

struct xmpp_link_handlers {
	void (*up_cb)(void *arg);
	void (*down_cb)(void *arg);
	void (*message_cb)(void *arg, const struct xmpp_in_message *msg);
	void (*presence_cb)(void *arg, const struct xmpp_in_presence *pres);
	/* A stanza too large or otherwise refused at the edge: already answered. */
};

/*
 * Called exactly once per xmpp_link_ping() that returned 0, never from
 * inside xmpp_link_ping() itself: ok = 1 when any answer came back (result
 * or error: RFC 6120 §10.1, the server has processed everything we sent
 * before the ping), ok = 0 on timeout, link loss or xmpp_link_stop().
 */
typedef void (*xmpp_link_ping_cb)(void *arg, int ok);

/* xmpp_link.c */
struct xmpp_link *xmpp_link_new(struct event_base *base,
    const struct config *cfg, const struct xmpp_link_handlers *handlers,
    void *arg);
int xmpp_link_start(struct xmpp_link *link);
void xmpp_link_stop(struct xmpp_link *link);
void xmpp_link_free(struct xmpp_link *link);
int xmpp_link_is_ready(const struct xmpp_link *link);
int xmpp_link_is_idle(const struct xmpp_link *link);
int xmpp_link_send(struct xmpp_link *link, const char *xml, size_t len);
size_t xmpp_link_queue_len(const struct xmpp_link *link);
const char *xmpp_link_domain(const struct xmpp_link *link);
void xmpp_link_flush(struct xmpp_link *link);

/* xmpp_link_out.c */
int xmpp_link_send_error(struct xmpp_link *link, const char *xml, size_t len,
    const char *what);
unsigned long xmpp_link_errors_dropped(const struct xmpp_link *link);
unsigned long xmpp_link_late_stanzas(const struct xmpp_link *link);

/* xmpp_link_ping.c */
int xmpp_link_ping(struct xmpp_link *link, const char *from, const char *to,
    int timeout_ms, xmpp_link_ping_cb cb, void *arg);
size_t xmpp_link_pings_pending(const struct xmpp_link *link);

/*
 * xmpp_link_stanza.c: the pure part. Incoming libstrophe stanzas become
 * our structs, and the few stanzas the link answers by itself are built
 * as text. No I/O; exposed for the unit tests and the fuzzer.
 */
struct _xmpp_stanza_t;

/* A parsed <message/>: msg's strings point into the stanza or into owned. */
struct xmpp_link_parsed {
	struct xmpp_in_message msg;
	struct xmpp_in_presence pres;	/* xmpp_link_parse_presence() */
	char *owned[8];		/* texts copied out by libstrophe */
	int n_owned;
	void *ctx;		/* the libstrophe context that owns them */
};

#define XMPP_LINK_MAX_DEPTH	32	/* deeper stanzas count as too large */

int xmpp_link_parse_message(struct _xmpp_stanza_t *stanza,
    struct xmpp_link_parsed *out);
int xmpp_link_parse_presence(struct _xmpp_stanza_t *stanza,
    struct xmpp_link_parsed *out);
void xmpp_link_parsed_clear(struct xmpp_link_parsed *p);
size_t xmpp_link_stanza_size(struct _xmpp_stanza_t *stanza, size_t limit);
char *xmpp_link_build_error(const char *kind, const char *from,
    const char *to, const char *id, const char *type, const char *condition,
    const char *text, size_t *lenp);
char *xmpp_link_build_iq_result(const char *from, const char *to,
    const char *id, const char *payload, size_t *lenp);
char *xmpp_link_build_ping(const char *from, const char *to, const char *id,
    size_t *lenp);
int xmpp_link_jid_is_domain(const char *jid, const char *domain);
int xmpp_link_jid_answers(const char *sent_to, const char *from);
void xmpp_link_random_id(char *out, size_t size);

#endif
