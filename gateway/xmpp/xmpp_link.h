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

/*
 * XEP-0045 §16.6 status codes, as bits of xmpp_in_muc.status: a small
 * bounded set, so a stanza repeating codes cannot grow anything.
 */
enum xmpp_muc_status {
	XMPP_MUC_S100 = 1 << 0,		/* room is non-anonymous */
	XMPP_MUC_S101 = 1 << 1,		/* affiliation changed while away */
	XMPP_MUC_S102 = 1 << 2,		/* room shows unavailable members */
	XMPP_MUC_S103 = 1 << 3,		/* room no longer shows them */
	XMPP_MUC_S104 = 1 << 4,		/* a non-privacy configuration change */
	XMPP_MUC_S110 = 1 << 5,		/* the presence is about ourselves */
	XMPP_MUC_S170 = 1 << 6,		/* room is logged */
	XMPP_MUC_S171 = 1 << 7,		/* room is no longer logged */
	XMPP_MUC_S172 = 1 << 8,		/* room is now non-anonymous */
	XMPP_MUC_S173 = 1 << 9,		/* room is now semi-anonymous */
	XMPP_MUC_S174 = 1 << 10,	/* room is now fully anonymous */
	XMPP_MUC_S201 = 1 << 11,	/* room created, locked until set up */
	XMPP_MUC_S210 = 1 << 12,	/* the service changed our nick */
	XMPP_MUC_S301 = 1 << 13,	/* banned */
	XMPP_MUC_S303 = 1 << 14,	/* nick change: item nick is new */
	XMPP_MUC_S307 = 1 << 15,	/* kicked */
	XMPP_MUC_S321 = 1 << 16,	/* removed: affiliation change */
	XMPP_MUC_S322 = 1 << 17,	/* removed: room became members-only */
	XMPP_MUC_S332 = 1 << 18,	/* removed: service shutting down */
	XMPP_MUC_S333 = 1 << 19,	/* removed: technical reasons */
};

/* An <item affiliation/> (XEP-0045 §5.2); UNSET when absent or unknown. */
enum xmpp_muc_affiliation {
	XMPP_MUC_AFF_UNSET = 0,
	XMPP_MUC_AFF_NONE,
	XMPP_MUC_AFF_OUTCAST,
	XMPP_MUC_AFF_MEMBER,
	XMPP_MUC_AFF_ADMIN,
	XMPP_MUC_AFF_OWNER
};

/* An <item role/> (XEP-0045 §5.1); UNSET when absent or unknown. */
enum xmpp_muc_role {
	XMPP_MUC_ROLE_UNSET = 0,
	XMPP_MUC_ROLE_NONE,
	XMPP_MUC_ROLE_VISITOR,
	XMPP_MUC_ROLE_PARTICIPANT,
	XMPP_MUC_ROLE_MODERATOR
};

/*
 * What a room says in <x xmlns='http://jabber.org/protocol/muc#user'/>
 * (XEP-0045 §16.4), on a presence or a message; NULL or 0 when not said.
 * Of repeated elements the first counts. Strings as the stanza's.
 */
struct xmpp_in_muc {
	int present;			/* the muc#user <x/> was there */
	unsigned int status;		/* enum xmpp_muc_status bits */
	int unknown_status;		/* codes not in the set (capped) */
	enum xmpp_muc_affiliation affiliation;
	enum xmpp_muc_role role;
	const char *item_jid;		/* the occupant's real JID, if shown */
	const char *item_nick;		/* 303: the new nick */
	const char *actor_jid;		/* 301/307: who did it (§9.1, §8.2) */
	const char *actor_nick;
	const char *reason;		/* <item><reason/> */
	int destroyed;			/* <destroy/> (§10.9) */
	const char *destroy_jid;	/* the room to go to instead */
	const char *destroy_reason;
	/* messages from the room (§7.8.2): */
	int invited;			/* <invite from/> */
	const char *invite_from;
	const char *invite_reason;
	const char *password;		/* the room's <password/> */
	int declined;			/* <decline from/> */
	const char *decline_from;
	const char *decline_reason;
};

/* A XEP-0249 direct invitation: <x xmlns='jabber:x:conference'/>. */
struct xmpp_in_direct_invite {
	const char *jid;		/* the room; NULL: no invitation */
	const char *password;
	const char *reason;		/* untrusted text (XEP-0249 §5) */
	const char *thread;		/* with continue='true' */
	int cont;			/* continue a one-to-one chat */
};

/* An incoming <message/>; all strings valid only during the callback. */
struct xmpp_in_message {
	const char *from;
	const char *to;
	const char *id;
	const char *type;		/* NULL means "normal" */
	const char *lang;		/* xml:lang of the stanza, or NULL */
	const char *body;		/* first <body/> (lang-matching), or NULL */
	const char *subject;		/* "" for <subject/>: present but empty
					   (a room without subject, XEP-0045
					   §8.1), NULL when absent */
	const char *thread;
	/* type='error' only: */
	const char *error_condition;	/* e.g. "item-not-found" */
	const char *error_type;
	const char *error_text;
	const char *error_gone_uri;	/* text of <gone/>, if any */
	int has_receipt_request;	/* XEP-0184 <request/> */
	int has_markable;		/* XEP-0333 <markable/> */
	const char *receipt_received_id;	/* XEP-0184 <received id/> */
	const char *marker_displayed_id;	/* XEP-0333 <displayed id/> */
	int has_chat_state;		/* XEP-0085 element present */
	const char *chat_state;		/* its name, first one: "composing" */
	int has_other_payload;		/* extensions we do not translate */
	/* XEP-0203 <delay/>: history a room replays (XEP-0045 §7.2.15) */
	const char *delay_stamp;
	const char *delay_from;
	/* XEP-0359: our own id reflected back, the room's archive id */
	const char *origin_id;
	const char *stanza_id;		/* the one by the sender's bare JID,
					   else the first */
	const char *stanza_id_by;
	struct xmpp_in_muc muc;		/* invitations, PMs, 104 notices */
	struct xmpp_in_direct_invite direct_invite;
	const char *nick;		/* XEP-0172 name, cleaned (see
					   xmpp_link_nick.c), or NULL */
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
	/* type='error' only (a MUC join refused: XEP-0045 §7.2.5-11): */
	const char *error_condition;
	const char *error_type;
	const char *error_text;
	struct xmpp_in_muc muc;		/* what a room says about an occupant */
	const char *nick;		/* XEP-0172 name, as in a message */
};

/* XEP-0030 disco#info features we look for, as bits. */
enum xmpp_disco_feature {
	XMPP_DISCO_MUC = 1 << 0,		/* …/protocol/muc */
	XMPP_DISCO_MUC_STABLE_ID = 1 << 1,	/* …muc#stable_id */
	XMPP_DISCO_SELF_PING = 1 << 2,		/* …muc#self-ping-opt… */
	XMPP_DISCO_SID = 1 << 3,		/* urn:xmpp:sid:0 (XEP-0359) */
	XMPP_DISCO_MEMBERSONLY = 1 << 4,	/* muc_membersonly */
	XMPP_DISCO_PASSWORD = 1 << 5,		/* muc_passwordprotected */
	XMPP_DISCO_NONANONYMOUS = 1 << 6,	/* muc_nonanonymous */
	XMPP_DISCO_SEMIANONYMOUS = 1 << 7,	/* muc_semianonymous */
	XMPP_DISCO_MODERATED = 1 << 8,		/* muc_moderated */
	XMPP_DISCO_PERSISTENT = 1 << 9,		/* muc_persistent */
	XMPP_DISCO_TEMPORARY = 1 << 10,		/* muc_temporary */
	XMPP_DISCO_CONFERENCE = 1 << 11,	/* jabber:x:conference */
	XMPP_DISCO_PING = 1 << 12,		/* urn:xmpp:ping */
};

/*
 * A disco#info answer (XEP-0030 §3.1), or its error: enough to tell a
 * room from anything else (XEP-0045 §6.4: identity conference/text on an
 * address with a local part) and what the room supports.
 */
struct xmpp_in_disco_info {
	const char *from;
	const char *to;
	const char *id;
	const char *node;
	int is_conference;		/* identity conference/text */
	int is_room;			/* that, and from has a local part */
	const char *name;		/* the conference identity's name */
	unsigned int features;		/* enum xmpp_disco_feature bits */
	int n_identities;		/* all seen, capped */
	int n_features;
	const char *error_condition;	/* type='error': why not */
	const char *error_type;
};

struct xmpp_link_handlers {
	void (*up_cb)(void *arg);
	void (*down_cb)(void *arg);
	void (*message_cb)(void *arg, const struct xmpp_in_message *msg);
	void (*presence_cb)(void *arg, const struct xmpp_in_presence *pres);
	/*
	 * An iq result holding disco#info, or an iq error, that answers
	 * none of the link's pings: what the bridges asked (is this a
	 * room?), matched by them through id and from. May be NULL.
	 */
	void (*disco_info_cb)(void *arg, const struct xmpp_in_disco_info *d);
	/*
	 * Whether a bare JID of our domain is a contact, a SIP user the
	 * mapping gives an address: 1 or 0. Its pings and disco#info are
	 * answered only then (xmpp_link_iq.c). May be NULL: none is.
	 */
	int (*contact_cb)(void *arg, const char *bare_jid);
	/*
	 * XEP-0100 jabber:iq:gateway: the JID for a SIP address a user
	 * typed, malloc'ed; or NULL and *condition an RFC 6120 §8.3.3
	 * condition. May be NULL: the prompt is not offered.
	 */
	char *(*gateway_prompt_cb)(void *arg, const char *address,
	    const char **condition);
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

#define XMPP_NICK_MAX		128	/* bytes of a XEP-0172 name we keep */

/* A parsed <message/>: msg's strings point into the stanza or into owned. */
struct xmpp_link_parsed {
	struct xmpp_in_message msg;
	struct xmpp_in_presence pres;	/* xmpp_link_parse_presence() */
	struct xmpp_in_disco_info disco; /* xmpp_link_parse_disco_info() */
	char *owned[16];	/* texts copied out by libstrophe */
	char nick[XMPP_NICK_MAX + 1];	/* the cleaned <nick/> */
	int n_owned;
	void *ctx;		/* the libstrophe context that owns them */
};

#define XMPP_LINK_MAX_DEPTH	32	/* deeper stanzas count as too large */

int xmpp_link_parse_message(struct _xmpp_stanza_t *stanza,
    struct xmpp_link_parsed *out);
int xmpp_link_parse_presence(struct _xmpp_stanza_t *stanza,
    struct xmpp_link_parsed *out);
void xmpp_link_parsed_clear(struct xmpp_link_parsed *p);
/* xmpp_link_muc.c: the MUC parts of what xmpp_link_stanza.c reads */
int xmpp_link_parse_disco_info(struct _xmpp_stanza_t *stanza,
    struct xmpp_link_parsed *out);
unsigned int xmpp_muc_status_bit(int code);
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
