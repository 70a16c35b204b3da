/*
 * The SIP-specific event notification headers (RFC 6665): Event,
 * Subscription-State, Expires. Pure parsing of hostile text.
 */
#ifndef SIPXMPP_SIP_EVENT_H
#define SIPXMPP_SIP_EVENT_H

#include <stddef.h>

enum sub_state {
	SUB_STATE_OTHER = 0,	/* an extension value: treat as pending */
	SUB_STATE_PENDING,
	SUB_STATE_ACTIVE,
	SUB_STATE_TERMINATED
};

/* RFC 6665 §4.1.3 reason codes of a terminated subscription. */
enum sub_reason {
	SUB_REASON_NONE = 0,
	SUB_REASON_DEACTIVATED,
	SUB_REASON_PROBATION,
	SUB_REASON_REJECTED,
	SUB_REASON_TIMEOUT,
	SUB_REASON_GIVEUP,
	SUB_REASON_NORESOURCE,
	SUB_REASON_INVARIANT,
	SUB_REASON_OTHER
};

struct sub_state_hdr {
	enum sub_state state;
	enum sub_reason reason;
	long expires;		/* -1 if absent */
	long retry_after;	/* -1 if absent */
};

#define SIP_EVENT_MAX_ID	64

struct event_hdr {
	char package[32];	/* lower-cased event type, e.g. "presence" */
	char id[SIP_EVENT_MAX_ID + 1];	/* the id parameter, "" if none */
};

/* sip_event.c */
int sip_event_parse(const char *value, struct event_hdr *out);
int sip_sub_state_parse(const char *value, struct sub_state_hdr *out);
long sip_expires_parse(const char *value);
const char *sip_sub_reason_name(enum sub_reason reason);
const char *sip_sub_state_name(enum sub_state state);

#endif
