/*
 * The RFC 8048 subscription state machines, as pure tables: what the
 * gateway does when an event reaches a subscription in a given state.
 * bridge_presence*.c feed them events and carry out the actions; the unit
 * tests drive them event by event.
 *
 * X2S: an XMPP user watches a SIP contact; the gateway is the SIP
 * subscriber (RFC 8048 §5.2). S2X: a SIP user watches an XMPP user; the
 * gateway is the SIP notifier (RFC 8048 §5.3).
 */
#ifndef SIPXMPP_PRESENCE_FSM_H
#define SIPXMPP_PRESENCE_FSM_H

enum x2s_state {
	X2S_NONE = 0,		/* nothing yet */
	X2S_SUBSCRIBING,	/* first SUBSCRIBE sent: neutral (§5.2.1) */
	X2S_PENDING,		/* SIP said 200 or pending: still neutral */
	X2S_ACTIVE,		/* authorized, dialog live */
	X2S_IDLE,		/* authorized, no dialog (offline or retry) */
	X2S_RESUBSCRIBING,	/* authorized, new SUBSCRIBE in flight */
	X2S_UNSUBSCRIBING,	/* SUBSCRIBE Expires: 0 sent (§5.2.3) */
	X2S_N_STATES
};

enum x2s_event {
	X2S_EV_XMPP_SUBSCRIBE,
	X2S_EV_XMPP_UNSUBSCRIBE,
	X2S_EV_WATCHER_ONLINE,	/* a probe or available presence from her */
	X2S_EV_WATCHER_OFFLINE,	/* her last resource went unavailable */
	X2S_EV_SIP_OK,		/* 2xx to our SUBSCRIBE */
	X2S_EV_SIP_PERMANENT,	/* 403, 489, 603 (§5.2.2) */
	X2S_EV_SIP_TRANSIENT,	/* 481 (§5.2.2): the dialog is gone */
	X2S_EV_SIP_FAILED,	/* any other final failure, Timer F */
	X2S_EV_NOTIFY_PENDING,
	X2S_EV_NOTIFY_ACTIVE,
	X2S_EV_NOTIFY_END_FINAL,	/* terminated: rejected, noresource,
					   invariant (RFC 6665 §4.1.3) */
	X2S_EV_NOTIFY_END_RETRY,	/* terminated: any other reason */
	X2S_EV_REFRESH_DUE,
	X2S_EV_RETRY_DUE,
	X2S_EV_EXPIRED,		/* the dialog ran out unrefreshed */
	X2S_EV_SIP_INTERVAL,	/* 423: ask again with Min-Expires */
	X2S_N_EVENTS
};

/*
 * X2S actions, a bit set. They are carried out in this order:
 * SUBSCRIBE_END (it needs the dialog), DROP_DIALOG, SUBSCRIBE_NEW,
 * SUBSCRIBE_REFRESH, then the stanzas, SCHEDULE_RETRY, DELETE.
 */
#define X2S_ACT_DROP_DIALOG	0x0001	/* forget the SIP dialog */
#define X2S_ACT_SUBSCRIBE_NEW	0x0002	/* SUBSCRIBE in a new dialog */
#define X2S_ACT_SUBSCRIBE_REFRESH 0x0004	/* in-dialog SUBSCRIBE */
#define X2S_ACT_SUBSCRIBE_END	0x0008	/* in-dialog SUBSCRIBE Expires: 0 */
#define X2S_ACT_SEND_SUBSCRIBED	0x0010	/* <presence type='subscribed'/> */
#define X2S_ACT_SEND_PRESENCE	0x0020	/* the NOTIFY body as presence */
#define X2S_ACT_SEND_UNSUBSCRIBED 0x0040	/* <presence type='unsubscribed'/> */
#define X2S_ACT_SEND_ERROR	0x0080	/* <presence type='error'/> */
#define X2S_ACT_SCHEDULE_RETRY	0x0100	/* RETRY_DUE later */
#define X2S_ACT_DELETE		0x0200	/* the record ends */

enum s2x_state {
	S2X_PENDING = 0,	/* waiting for the XMPP user's answer */
	S2X_ACTIVE,		/* authorized: NOTIFYs carry presence */
	S2X_N_STATES
};

enum s2x_event {
	S2X_EV_SUBSCRIBE_NEW,		/* authorization not known */
	S2X_EV_SUBSCRIBE_NEW_AUTHORIZED,	/* the XMPP user said yes before */
	S2X_EV_REFRESH,
	S2X_EV_UNSUBSCRIBE,		/* SUBSCRIBE Expires: 0 */
	S2X_EV_XMPP_SUBSCRIBED,
	S2X_EV_XMPP_UNSUBSCRIBED,
	S2X_EV_XMPP_AVAILABLE,		/* presence of a resource */
	S2X_EV_XMPP_UNAVAILABLE,
	S2X_EV_EXPIRED,
	S2X_EV_NOTIFY_FAILED,		/* non-2xx or timeout (RFC 6665 §4.2.2) */
	S2X_EV_SHUTDOWN,
	S2X_N_EVENTS
};

/* S2X actions, a bit set, carried out in this order. */
#define S2X_ACT_NOTIFY_PENDING	0x0001	/* pending, no body */
#define S2X_ACT_NOTIFY_ACTIVE	0x0002	/* active, cached PIDF or empty */
#define S2X_ACT_NOTIFY_END_TIMEOUT 0x0004	/* terminated;reason=timeout;
					   with a closed PIDF if active */
#define S2X_ACT_NOTIFY_END_REJECTED 0x0008	/* terminated;reason=rejected */
#define S2X_ACT_NOTIFY_END_DEACTIVATED 0x0010	/* terminated;reason=deactivated */
#define S2X_ACT_SEND_SUBSCRIBE	0x0020	/* <presence type='subscribe'/> */
#define S2X_ACT_SEND_PROBE	0x0040	/* <presence type='probe'/> */
#define S2X_ACT_SEND_UNAVAILABLE 0x0080	/* <presence type='unavailable'/>,
					   unless the pair has a live X2S */
#define S2X_ACT_DELETE		0x0100	/* the watcher ends */

struct presence_step {
	int next;		/* the state after the event */
	unsigned actions;
};

/* presence_fsm.c */
struct presence_step x2s_step(enum x2s_state state, enum x2s_event event);
struct presence_step s2x_step(enum s2x_state state, enum s2x_event event);
int x2s_authorized(enum x2s_state state);
const char *x2s_state_name(enum x2s_state state);
const char *x2s_event_name(enum x2s_event event);
const char *s2x_state_name(enum s2x_state state);
const char *s2x_event_name(enum s2x_event event);
enum x2s_event x2s_event_for_status(int status);

#endif
