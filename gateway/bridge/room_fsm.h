/*
 * The life of one room membership (a SIP user in a XEP-0045 room, page
 * mode, issue 13) as a pure table: what the gateway does when an event
 * reaches a membership in a given state. room_member.c feeds it events
 * and carries out the actions; the unit tests drive it event by event.
 */
#ifndef SIPXMPP_ROOM_FSM_H
#define SIPXMPP_ROOM_FSM_H

enum room_state {
	ROOM_NONE = 0,		/* not in the room (a fresh record) */
	ROOM_JOINING,		/* join presence sent, no self-presence yet */
	ROOM_JOINED,		/* self-presence 110 came: an occupant */
	ROOM_LEAVING,		/* leave presence sent, waiting for it */
	ROOM_DETACHED,		/* kept (stored), out while the link is down */
	ROOM_REJOINING,		/* a kept membership's join presence sent */
	ROOM_N_STATES
};

enum room_event {
	ROOM_EV_SPEAK,		/* a MESSAGE from the SIP user for the room */
	ROOM_EV_SELF_IN,	/* self-presence 110 (XEP-0045 §7.2.2) */
	ROOM_EV_CREATED_KEEP,	/* 110 + 201, [rooms] create_rooms = yes */
	ROOM_EV_CREATED_DROP,	/* 110 + 201, create_rooms = no */
	ROOM_EV_CONFLICT,	/* join error conflict, a nick left to try */
	ROOM_EV_REFUSED,	/* any other join error (§7.2.5-11) */
	ROOM_EV_TIMEOUT,	/* the room did not answer in time */
	ROOM_EV_LEAVE,		/* /leave */
	ROOM_EV_FAILING,	/* MESSAGEs to him failed N times in a row */
	ROOM_EV_SELF_OUT,	/* self unavailable 110, not a nick change */
	ROOM_EV_LINK_DOWN,	/* the XMPP link went down */
	ROOM_EV_SUBSCRIBE,	/* SUBSCRIBE Event: conference (RFC 4575) */
	ROOM_EV_RESTORED,	/* read back from the store at start */
	ROOM_EV_REJOIN,		/* the link is up: enter again, same nick */
	ROOM_EV_IDLE,		/* nothing said for [rooms] idle_leave_s */
	ROOM_N_EVENTS
};

/*
 * Actions, a bit set, carried out in this order: NEXT_NICK, JOIN, HOLD,
 * UNLOCK, SAY, STORE, LEAVE, FAIL_HELD, REFUSE, TELL_OUT, DELETE.
 */
#define ROOM_ACT_NEXT_NICK	0x0001	/* take the next nick (409) */
#define ROOM_ACT_JOIN		0x0002	/* join presence, arm the timer */
#define ROOM_ACT_HOLD		0x0004	/* keep the MESSAGE until joined */
#define ROOM_ACT_UNLOCK		0x0008	/* owner form: accept defaults */
#define ROOM_ACT_SAY		0x0010	/* send what is held to the room */
#define ROOM_ACT_LEAVE		0x0020	/* leave presence */
#define ROOM_ACT_FAIL_HELD	0x0040	/* answer held MESSAGEs: error */
#define ROOM_ACT_REFUSE		0x0080	/* answer this MESSAGE: error */
#define ROOM_ACT_TELL_OUT	0x0100	/* MESSAGE to him: you are out */
#define ROOM_ACT_DELETE		0x0200	/* the membership ends (record too) */
#define ROOM_ACT_STORE		0x0400	/* keep the record (issue 13 item 7) */

/* room_fsm.c */
int room_fsm_step(enum room_state state, enum room_event ev,
    enum room_state *next, unsigned int *actions);
const char *room_state_name(enum room_state state);
const char *room_event_name(enum room_event ev);

#endif
