/*
 * RFC 8048 state machines as tables. A missing entry means: stay in the
 * state and do nothing (the event is not news in that state).
 */
#include "presence_fsm.h"

/* A table cell: next state + 1 (0 keeps the state) and the actions. */
struct cell {
	unsigned char next1;
	unsigned short actions;
};

#define GO(state, acts)	{ (unsigned char)((state) + 1), (acts) }
#define STAY(acts)	{ 0, (acts) }

#define END_AND_CONFIRM	(X2S_ACT_SEND_UNSUBSCRIBED | X2S_ACT_DELETE)
#define RETRY_LATER	(X2S_ACT_DROP_DIALOG | X2S_ACT_SCHEDULE_RETRY)

static const struct cell x2s_table[X2S_N_STATES][X2S_N_EVENTS] = {
	[X2S_NONE] = {
		[X2S_EV_XMPP_SUBSCRIBE] = GO(X2S_SUBSCRIBING,
		    X2S_ACT_SUBSCRIBE_NEW),
		/* Nothing to cancel; confirm so the roster settles. */
		[X2S_EV_XMPP_UNSUBSCRIBE] = STAY(END_AND_CONFIRM),
	},
	[X2S_SUBSCRIBING] = {
		[X2S_EV_XMPP_UNSUBSCRIBE] = GO(X2S_UNSUBSCRIBING,
		    X2S_ACT_SUBSCRIBE_END),
		/* §5.2.1: a 200 is not authorization; wait for NOTIFY. */
		[X2S_EV_SIP_OK] = GO(X2S_PENDING, 0),
		[X2S_EV_SIP_PERMANENT] = STAY(END_AND_CONFIRM),
		[X2S_EV_SIP_TRANSIENT] = STAY(RETRY_LATER),
		/* RFC 3261 §21.4.17: again, with Min-Expires. */
		[X2S_EV_SIP_INTERVAL] = STAY(RETRY_LATER),
		/* 404, 480, 408...: the subscription request fails. */
		[X2S_EV_SIP_FAILED] = STAY(X2S_ACT_SEND_ERROR |
		    X2S_ACT_DELETE),
		/* §5.2.1: pending means silence toward XMPP. */
		[X2S_EV_NOTIFY_PENDING] = GO(X2S_PENDING, 0),
		[X2S_EV_NOTIFY_ACTIVE] = GO(X2S_ACTIVE,
		    X2S_ACT_SEND_SUBSCRIBED | X2S_ACT_SEND_PRESENCE),
		[X2S_EV_NOTIFY_END_FINAL] = STAY(END_AND_CONFIRM),
		[X2S_EV_NOTIFY_END_RETRY] = STAY(RETRY_LATER),
		[X2S_EV_RETRY_DUE] = STAY(X2S_ACT_SUBSCRIBE_NEW),
	},
	[X2S_PENDING] = {
		[X2S_EV_XMPP_UNSUBSCRIBE] = GO(X2S_UNSUBSCRIBING,
		    X2S_ACT_SUBSCRIBE_END),
		[X2S_EV_SIP_PERMANENT] = STAY(END_AND_CONFIRM),
		[X2S_EV_SIP_TRANSIENT] = GO(X2S_SUBSCRIBING, RETRY_LATER),
		/* RFC 6665 §4.1.2.2: a failed refresh leaves the
		 * subscription valid until it expires; try again. */
		[X2S_EV_SIP_FAILED] = STAY(X2S_ACT_SCHEDULE_RETRY),
		[X2S_EV_SIP_INTERVAL] = STAY(X2S_ACT_SCHEDULE_RETRY),
		[X2S_EV_RETRY_DUE] = STAY(X2S_ACT_SUBSCRIBE_REFRESH),
		[X2S_EV_NOTIFY_ACTIVE] = GO(X2S_ACTIVE,
		    X2S_ACT_SEND_SUBSCRIBED | X2S_ACT_SEND_PRESENCE),
		[X2S_EV_NOTIFY_END_FINAL] = STAY(END_AND_CONFIRM),
		[X2S_EV_NOTIFY_END_RETRY] = GO(X2S_SUBSCRIBING, RETRY_LATER),
		/* The SIP user may take days to decide: keep asking. */
		[X2S_EV_REFRESH_DUE] = STAY(X2S_ACT_SUBSCRIBE_REFRESH),
		[X2S_EV_EXPIRED] = GO(X2S_SUBSCRIBING, RETRY_LATER),
	},
	[X2S_ACTIVE] = {
		[X2S_EV_XMPP_SUBSCRIBE] = STAY(X2S_ACT_SEND_SUBSCRIBED |
		    X2S_ACT_SEND_PRESENCE),
		[X2S_EV_XMPP_UNSUBSCRIBE] = GO(X2S_UNSUBSCRIBING,
		    X2S_ACT_SUBSCRIBE_END),
		/* §5.2.2: refresh only during her presence session. */
		[X2S_EV_WATCHER_OFFLINE] = GO(X2S_IDLE,
		    X2S_ACT_SUBSCRIBE_END | X2S_ACT_DROP_DIALOG),
		/* §5.2.2: authorization is cancelled for good. */
		[X2S_EV_SIP_PERMANENT] = STAY(END_AND_CONFIRM),
		/* §5.2.2: transient; the authorization stays. */
		[X2S_EV_SIP_TRANSIENT] = GO(X2S_IDLE, RETRY_LATER),
		/* RFC 6665 §4.1.2.2: still valid until it expires. */
		[X2S_EV_SIP_FAILED] = STAY(X2S_ACT_SCHEDULE_RETRY),
		[X2S_EV_SIP_INTERVAL] = STAY(X2S_ACT_SCHEDULE_RETRY),
		[X2S_EV_RETRY_DUE] = STAY(X2S_ACT_SUBSCRIBE_REFRESH),
		[X2S_EV_NOTIFY_ACTIVE] = STAY(X2S_ACT_SEND_PRESENCE),
		[X2S_EV_NOTIFY_END_FINAL] = STAY(END_AND_CONFIRM),
		[X2S_EV_NOTIFY_END_RETRY] = GO(X2S_IDLE, RETRY_LATER),
		[X2S_EV_REFRESH_DUE] = STAY(X2S_ACT_SUBSCRIBE_REFRESH),
		[X2S_EV_EXPIRED] = GO(X2S_IDLE, RETRY_LATER),
	},
	[X2S_IDLE] = {
		[X2S_EV_XMPP_SUBSCRIBE] = GO(X2S_RESUBSCRIBING,
		    X2S_ACT_SEND_SUBSCRIBED | X2S_ACT_SUBSCRIBE_NEW),
		[X2S_EV_XMPP_UNSUBSCRIBE] = STAY(END_AND_CONFIRM),
		/* §5.2.2: her initial presence (the probe) renews it. */
		[X2S_EV_WATCHER_ONLINE] = GO(X2S_RESUBSCRIBING,
		    X2S_ACT_SUBSCRIBE_NEW),
		[X2S_EV_RETRY_DUE] = GO(X2S_RESUBSCRIBING,
		    X2S_ACT_SUBSCRIBE_NEW),
	},
	[X2S_RESUBSCRIBING] = {
		[X2S_EV_XMPP_SUBSCRIBE] = STAY(X2S_ACT_SEND_SUBSCRIBED),
		[X2S_EV_XMPP_UNSUBSCRIBE] = GO(X2S_UNSUBSCRIBING,
		    X2S_ACT_SUBSCRIBE_END),
		[X2S_EV_SIP_PERMANENT] = STAY(END_AND_CONFIRM),
		[X2S_EV_WATCHER_OFFLINE] = GO(X2S_IDLE,
		    X2S_ACT_SUBSCRIBE_END | X2S_ACT_DROP_DIALOG),
		[X2S_EV_SIP_TRANSIENT] = GO(X2S_IDLE, RETRY_LATER),
		[X2S_EV_SIP_FAILED] = GO(X2S_IDLE, RETRY_LATER),
		[X2S_EV_SIP_INTERVAL] = GO(X2S_IDLE, RETRY_LATER),
		[X2S_EV_NOTIFY_ACTIVE] = GO(X2S_ACTIVE, X2S_ACT_SEND_PRESENCE),
		[X2S_EV_NOTIFY_END_FINAL] = STAY(END_AND_CONFIRM),
		[X2S_EV_NOTIFY_END_RETRY] = GO(X2S_IDLE, RETRY_LATER),
		[X2S_EV_REFRESH_DUE] = STAY(X2S_ACT_SUBSCRIBE_REFRESH),
		[X2S_EV_EXPIRED] = GO(X2S_IDLE, RETRY_LATER),
	},
	[X2S_UNSUBSCRIBING] = {
		[X2S_EV_XMPP_SUBSCRIBE] = GO(X2S_SUBSCRIBING,
		    X2S_ACT_DROP_DIALOG | X2S_ACT_SUBSCRIBE_NEW),
		/* §5.2.3: the 200 confirms; a failure ends it just as well. */
		[X2S_EV_SIP_OK] = STAY(END_AND_CONFIRM),
		[X2S_EV_SIP_PERMANENT] = STAY(END_AND_CONFIRM),
		[X2S_EV_SIP_TRANSIENT] = STAY(END_AND_CONFIRM),
		[X2S_EV_SIP_FAILED] = STAY(END_AND_CONFIRM),
		[X2S_EV_SIP_INTERVAL] = STAY(END_AND_CONFIRM),
		[X2S_EV_NOTIFY_END_FINAL] = STAY(END_AND_CONFIRM),
		[X2S_EV_NOTIFY_END_RETRY] = STAY(END_AND_CONFIRM),
		[X2S_EV_EXPIRED] = STAY(END_AND_CONFIRM),
	},
};

#define S2X_END_TIMEOUT	(S2X_ACT_NOTIFY_END_TIMEOUT | \
    S2X_ACT_SEND_UNAVAILABLE | S2X_ACT_DELETE)

static const struct cell s2x_table[S2X_N_STATES][S2X_N_EVENTS] = {
	[S2X_PENDING] = {
		/* §5.3.1, and RFC 6665 §4.2.1.2: NOTIFY at once. */
		[S2X_EV_SUBSCRIBE_NEW] = STAY(S2X_ACT_NOTIFY_PENDING |
		    S2X_ACT_SEND_SUBSCRIBE),
		[S2X_EV_SUBSCRIBE_NEW_AUTHORIZED] = GO(S2X_ACTIVE,
		    S2X_ACT_NOTIFY_ACTIVE | S2X_ACT_SEND_SUBSCRIBE |
		    S2X_ACT_SEND_PROBE),
		[S2X_EV_REFRESH] = STAY(S2X_ACT_NOTIFY_PENDING),
		/* §5.3.3; no presence data before authorization. */
		[S2X_EV_UNSUBSCRIBE] = STAY(S2X_END_TIMEOUT),
		/* §5.3.1: empty NOTIFY active, then learn her presence. */
		[S2X_EV_XMPP_SUBSCRIBED] = GO(S2X_ACTIVE,
		    S2X_ACT_NOTIFY_ACTIVE | S2X_ACT_SEND_PROBE),
		[S2X_EV_XMPP_UNSUBSCRIBED] = STAY(S2X_ACT_NOTIFY_END_REJECTED |
		    S2X_ACT_DELETE),
		/* No XMPP_AVAILABLE row: a directed presence is not her
		 * "subscribed" (§5.3.1), and Prosody's "unavailable"
		 * acknowledging a subscribe proves nothing either. */
		[S2X_EV_EXPIRED] = STAY(S2X_END_TIMEOUT),
		[S2X_EV_NOTIFY_FAILED] = STAY(S2X_ACT_SEND_UNAVAILABLE |
		    S2X_ACT_DELETE),
		[S2X_EV_SHUTDOWN] = STAY(S2X_ACT_NOTIFY_END_DEACTIVATED |
		    S2X_ACT_DELETE),
	},
	[S2X_ACTIVE] = {
		/* §5.3.2: cached presence if we have it, else empty. */
		[S2X_EV_REFRESH] = STAY(S2X_ACT_NOTIFY_ACTIVE),
		[S2X_EV_UNSUBSCRIBE] = STAY(S2X_END_TIMEOUT),
		[S2X_EV_XMPP_UNSUBSCRIBED] = STAY(S2X_ACT_NOTIFY_END_REJECTED |
		    S2X_ACT_DELETE),
		[S2X_EV_XMPP_AVAILABLE] = STAY(S2X_ACT_NOTIFY_ACTIVE),
		[S2X_EV_XMPP_UNAVAILABLE] = STAY(S2X_ACT_NOTIFY_ACTIVE),
		[S2X_EV_EXPIRED] = STAY(S2X_END_TIMEOUT),
		[S2X_EV_NOTIFY_FAILED] = STAY(S2X_ACT_SEND_UNAVAILABLE |
		    S2X_ACT_DELETE),
		[S2X_EV_SHUTDOWN] = STAY(S2X_ACT_NOTIFY_END_DEACTIVATED |
		    S2X_ACT_DELETE),
	},
};

/* What an X2S subscription in state does on event. */
struct presence_step
x2s_step(enum x2s_state state, enum x2s_event event)
{
	struct presence_step r = { (int)state, 0 };
	struct cell c;

	if ((unsigned)state >= X2S_N_STATES || (unsigned)event >= X2S_N_EVENTS)
		return r;
	c = x2s_table[state][event];
	if (c.next1 != 0)
		r.next = c.next1 - 1;
	r.actions = c.actions;
	return r;
}

/* What an S2X watcher in state does on event. */
struct presence_step
s2x_step(enum s2x_state state, enum s2x_event event)
{
	struct presence_step r = { (int)state, 0 };
	struct cell c;

	if ((unsigned)state >= S2X_N_STATES || (unsigned)event >= S2X_N_EVENTS)
		return r;
	c = s2x_table[state][event];
	if (c.next1 != 0)
		r.next = c.next1 - 1;
	r.actions = c.actions;
	return r;
}

/* Whether the XMPP user holds the SIP user's authorization in state. */
int
x2s_authorized(enum x2s_state state)
{
	return state == X2S_ACTIVE || state == X2S_IDLE ||
	    state == X2S_RESUBSCRIBING;
}

/*
 * The event a final response to our SUBSCRIBE is (RFC 8048 §5.2.2):
 * 403, 489, 603 cancel the authorization; 423, 481 are transient: 481
 * lost the dialog, 423 asks for a longer Expires in the same one.
 */
enum x2s_event
x2s_event_for_status(int status)
{
	if (status >= 200 && status < 300)
		return X2S_EV_SIP_OK;
	switch (status) {
	case 403:
	case 489:
	case 603:
		return X2S_EV_SIP_PERMANENT;
	case 423:
		return X2S_EV_SIP_INTERVAL;
	case 481:
		return X2S_EV_SIP_TRANSIENT;
	default:
		return X2S_EV_SIP_FAILED;
	}
}

const char *
x2s_state_name(enum x2s_state state)
{
	static const char *const names[X2S_N_STATES] = {
		"NONE", "SUBSCRIBING", "PENDING", "ACTIVE", "IDLE",
		"RESUBSCRIBING", "UNSUBSCRIBING",
	};

	return (unsigned)state < X2S_N_STATES ? names[state] : "?";
}

const char *
x2s_event_name(enum x2s_event event)
{
	static const char *const names[X2S_N_EVENTS] = {
		"xmpp-subscribe", "xmpp-unsubscribe", "watcher-online",
		"watcher-offline", "sip-ok", "sip-permanent", "sip-transient",
		"sip-failed", "notify-pending", "notify-active",
		"notify-end-final", "notify-end-retry", "refresh-due",
		"retry-due", "expired", "sip-interval",
	};

	return (unsigned)event < X2S_N_EVENTS ? names[event] : "?";
}

const char *
s2x_state_name(enum s2x_state state)
{
	return state == S2X_PENDING ? "PENDING" : state == S2X_ACTIVE ?
	    "ACTIVE" : "?";
}

const char *
s2x_event_name(enum s2x_event event)
{
	static const char *const names[S2X_N_EVENTS] = {
		"subscribe-new", "subscribe-new-authorized", "refresh",
		"unsubscribe", "xmpp-subscribed", "xmpp-unsubscribed",
		"xmpp-available", "xmpp-unavailable", "expired",
		"notify-failed", "shutdown",
	};

	return (unsigned)event < S2X_N_EVENTS ? names[event] : "?";
}
