/*
 * The room membership machine as a table (room_fsm.h). A missing entry
 * means: stay and do nothing, the event is not news in that state.
 */
#include "room_fsm.h"

/* A table cell: next state + 1 (0 keeps the state) and the actions. */
struct cell {
	unsigned char next1;
	unsigned short actions;
};

#define GO(state, acts)	{ (unsigned char)((state) + 1), (acts) }
#define STAY(acts)	{ 0, (acts) }

/* A membership that never got in: its held MESSAGEs learn why. */
#define GIVE_UP	(ROOM_ACT_FAIL_HELD | ROOM_ACT_DELETE)

static const struct cell table[ROOM_N_STATES][ROOM_N_EVENTS] = {
	[ROOM_NONE] = {
		/* Issue 13 item 2: the first MESSAGE joins on his behalf. */
		[ROOM_EV_SPEAK] = GO(ROOM_JOINING,
		    ROOM_ACT_JOIN | ROOM_ACT_HOLD),
		/* Issue 13 item 2: so does a conference SUBSCRIBE; the
		 * subscription holds its own answer (room_subscribe.c). */
		[ROOM_EV_SUBSCRIBE] = GO(ROOM_JOINING, ROOM_ACT_JOIN),
		/* A stored membership waits for the link (item 7). */
		[ROOM_EV_RESTORED] = GO(ROOM_DETACHED, 0),
		[ROOM_EV_REJOIN] = GO(ROOM_REJOINING, ROOM_ACT_JOIN),
	},
	[ROOM_JOINING] = {
		[ROOM_EV_SPEAK] = STAY(ROOM_ACT_HOLD),
		/* XEP-0045 §7.2.2: self-presence ends the roster; speak. */
		[ROOM_EV_SELF_IN] = GO(ROOM_JOINED,
		    ROOM_ACT_SAY | ROOM_ACT_STORE),
		/* §10.1.2: we created it; accept the default config. */
		[ROOM_EV_CREATED_KEEP] = GO(ROOM_JOINED,
		    ROOM_ACT_UNLOCK | ROOM_ACT_SAY | ROOM_ACT_STORE),
		/* No such room and we may not create one: leaving as its
		 * only occupant destroys it again (§10.1.1); 404. */
		[ROOM_EV_CREATED_DROP] = GO(ROOM_NONE,
		    ROOM_ACT_LEAVE | GIVE_UP),
		/* §7.2.9: nick taken; try the next one. */
		[ROOM_EV_CONFLICT] = STAY(ROOM_ACT_NEXT_NICK | ROOM_ACT_JOIN),
		[ROOM_EV_REFUSED] = GO(ROOM_NONE, GIVE_UP),
		/* A late acceptance must not leave a ghost behind. */
		[ROOM_EV_TIMEOUT] = GO(ROOM_NONE, ROOM_ACT_LEAVE | GIVE_UP),
		[ROOM_EV_SELF_OUT] = GO(ROOM_NONE, GIVE_UP),
		[ROOM_EV_LINK_DOWN] = GO(ROOM_NONE, GIVE_UP),
		/* /leave while joining: the join is withdrawn. */
		[ROOM_EV_LEAVE] = GO(ROOM_LEAVING,
		    ROOM_ACT_LEAVE | ROOM_ACT_FAIL_HELD),
	},
	[ROOM_JOINED] = {
		[ROOM_EV_SPEAK] = STAY(ROOM_ACT_SAY),
		/* §7.2.1: a repeated self-presence is a resync. */
		[ROOM_EV_LEAVE] = GO(ROOM_LEAVING, ROOM_ACT_LEAVE),
		/* No ghost occupant swallows the room (issue 13 item 7). */
		[ROOM_EV_FAILING] = GO(ROOM_NONE,
		    ROOM_ACT_LEAVE | ROOM_ACT_DELETE),
		/* Kicked, banned, destroyed, or the room let him go. */
		[ROOM_EV_SELF_OUT] = GO(ROOM_NONE,
		    ROOM_ACT_TELL_OUT | ROOM_ACT_DELETE),
		/* XEP-0114 has no resumption: the occupancy is gone, but
		 * the membership is kept and rejoined (item 7). */
		[ROOM_EV_LINK_DOWN] = GO(ROOM_DETACHED, 0),
		/* [rooms] idle_leave_s: he has gone quiet (item 8). */
		[ROOM_EV_IDLE] = GO(ROOM_NONE, ROOM_ACT_LEAVE |
		    ROOM_ACT_TELL_OUT | ROOM_ACT_DELETE),
	},
	[ROOM_LEAVING] = {
		/* He asked to go: a new message waits for another join. */
		[ROOM_EV_SPEAK] = STAY(ROOM_ACT_REFUSE),
		[ROOM_EV_SELF_OUT] = GO(ROOM_NONE,
		    ROOM_ACT_TELL_OUT | ROOM_ACT_DELETE),
		/* §7.14: the room should confirm; do not wait forever. */
		[ROOM_EV_TIMEOUT] = GO(ROOM_NONE,
		    ROOM_ACT_TELL_OUT | ROOM_ACT_DELETE),
		[ROOM_EV_LINK_DOWN] = GO(ROOM_NONE, ROOM_ACT_DELETE),
	},
	[ROOM_DETACHED] = {
		/* He writes: enter again; the MESSAGE waits (a link still
		 * down answers 503 and keeps the membership). */
		[ROOM_EV_SPEAK] = GO(ROOM_REJOINING,
		    ROOM_ACT_JOIN | ROOM_ACT_HOLD),
		[ROOM_EV_REJOIN] = GO(ROOM_REJOINING, ROOM_ACT_JOIN),
		/* A conference SUBSCRIBE: enter again; the subscription
		 * holds its own answer, as from NONE. */
		[ROOM_EV_SUBSCRIBE] = GO(ROOM_REJOINING, ROOM_ACT_JOIN),
		/* /leave while out: forget it, nothing to send. */
		[ROOM_EV_LEAVE] = GO(ROOM_NONE,
		    ROOM_ACT_TELL_OUT | ROOM_ACT_DELETE),
	},
	[ROOM_REJOINING] = {
		[ROOM_EV_SPEAK] = STAY(ROOM_ACT_HOLD),
		/* Back in with the same nick (XEP-0045 §7.2.2). */
		[ROOM_EV_SELF_IN] = GO(ROOM_JOINED,
		    ROOM_ACT_SAY | ROOM_ACT_STORE),
		/* The room was gone and came back empty by our join. */
		[ROOM_EV_CREATED_KEEP] = GO(ROOM_JOINED,
		    ROOM_ACT_UNLOCK | ROOM_ACT_SAY | ROOM_ACT_STORE),
		[ROOM_EV_CREATED_DROP] = GO(ROOM_NONE, ROOM_ACT_LEAVE |
		    ROOM_ACT_TELL_OUT | GIVE_UP),
		/* §7.2.9 as for a first join: the next nick. */
		[ROOM_EV_CONFLICT] = STAY(ROOM_ACT_NEXT_NICK | ROOM_ACT_JOIN),
		/* Refused now (banned, members-only...): he is told why. */
		[ROOM_EV_REFUSED] = GO(ROOM_NONE, ROOM_ACT_TELL_OUT | GIVE_UP),
		[ROOM_EV_SELF_OUT] = GO(ROOM_NONE, ROOM_ACT_TELL_OUT | GIVE_UP),
		/* No answer: withdraw, stay kept, try again later. */
		[ROOM_EV_TIMEOUT] = GO(ROOM_DETACHED,
		    ROOM_ACT_LEAVE | ROOM_ACT_FAIL_HELD),
		[ROOM_EV_LINK_DOWN] = GO(ROOM_DETACHED, ROOM_ACT_FAIL_HELD),
		[ROOM_EV_LEAVE] = GO(ROOM_LEAVING,
		    ROOM_ACT_LEAVE | ROOM_ACT_FAIL_HELD),
	},
};

/*
 * What event ev does to a membership in state: the next state and the
 * actions. 0, or -1 for a state or event out of range.
 */
int
room_fsm_step(enum room_state state, enum room_event ev,
    enum room_state *next, unsigned int *actions)
{
	const struct cell *c;

	if ((unsigned)state >= ROOM_N_STATES || (unsigned)ev >= ROOM_N_EVENTS)
		return -1;
	c = &table[state][ev];
	*next = c->next1 != 0 ? (enum room_state)(c->next1 - 1) : state;
	*actions = c->actions;
	return 0;
}

/* The state's name, for trace lines. */
const char *
room_state_name(enum room_state state)
{
	static const char *const names[ROOM_N_STATES] = {
		"NONE", "JOINING", "JOINED", "LEAVING", "DETACHED",
		"REJOINING",
	};

	return (unsigned)state < ROOM_N_STATES ? names[state] : "?";
}

/* The event's name, for trace lines. */
const char *
room_event_name(enum room_event ev)
{
	static const char *const names[ROOM_N_EVENTS] = {
		"SPEAK", "SELF_IN", "CREATED_KEEP", "CREATED_DROP",
		"CONFLICT", "REFUSED", "TIMEOUT", "LEAVE", "FAILING",
		"SELF_OUT", "LINK_DOWN", "SUBSCRIBE", "RESTORED", "REJOIN",
		"IDLE",
	};

	return (unsigned)ev < ROOM_N_EVENTS ? names[ev] : "?";
}
