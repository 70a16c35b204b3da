/*
 * The room membership machine (room_fsm.c) as a whole table, and the
 * nicks SIP users get (room_nick.c): every transition the bridge relies
 * on, properties every cell must have (a record that goes back to NONE
 * is deleted, held MESSAGEs are never left unanswered, no dead state),
 * out-of-range input and the names the trace prints; nick derivation
 * from the From and the suffix a 409 conflict asks for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "room_command.h"
#include "room_fsm.h"
#include "room_nick.h"

/* One step; fails the test on a range error. */
static void
step(enum room_state s, enum room_event ev, enum room_state *next,
    unsigned int *acts)
{
	assert_int_equal(room_fsm_step(s, ev, next, acts), 0);
}

/* Asserts state s on ev goes to want with exactly actions. */
static void
expect(enum room_state s, enum room_event ev, enum room_state want,
    unsigned int actions)
{
	enum room_state next;
	unsigned int acts;

	step(s, ev, &next, &acts);
	if (next != want || acts != actions)
		fail_msg("%s on %s: %s 0x%x, want %s 0x%x",
		    room_state_name(s), room_event_name(ev),
		    room_state_name(next), acts, room_state_name(want),
		    actions);
}

/* Issue 13 item 2: each transition of a join, one by one. */
static void
join_transitions(void **state)
{
	(void)state;
	/* The first MESSAGE joins and is held. */
	expect(ROOM_NONE, ROOM_EV_SPEAK, ROOM_JOINING,
	    ROOM_ACT_JOIN | ROOM_ACT_HOLD);
	expect(ROOM_JOINING, ROOM_EV_SPEAK, ROOM_JOINING, ROOM_ACT_HOLD);
	/* XEP-0045 §7.2.2: self-presence; what is held is said. */
	expect(ROOM_JOINING, ROOM_EV_SELF_IN, ROOM_JOINED,
	    ROOM_ACT_SAY | ROOM_ACT_STORE);
	expect(ROOM_JOINING, ROOM_EV_CREATED_KEEP, ROOM_JOINED,
	    ROOM_ACT_UNLOCK | ROOM_ACT_SAY | ROOM_ACT_STORE);
	expect(ROOM_JOINING, ROOM_EV_CREATED_DROP, ROOM_NONE,
	    ROOM_ACT_LEAVE | ROOM_ACT_FAIL_HELD | ROOM_ACT_DELETE);
	/* §7.2.9: the next nick, joined again. */
	expect(ROOM_JOINING, ROOM_EV_CONFLICT, ROOM_JOINING,
	    ROOM_ACT_NEXT_NICK | ROOM_ACT_JOIN);
	expect(ROOM_JOINING, ROOM_EV_REFUSED, ROOM_NONE,
	    ROOM_ACT_FAIL_HELD | ROOM_ACT_DELETE);
	/* A late acceptance must not leave a ghost: leave on timeout. */
	expect(ROOM_JOINING, ROOM_EV_TIMEOUT, ROOM_NONE,
	    ROOM_ACT_LEAVE | ROOM_ACT_FAIL_HELD | ROOM_ACT_DELETE);
	expect(ROOM_JOINING, ROOM_EV_SELF_OUT, ROOM_NONE,
	    ROOM_ACT_FAIL_HELD | ROOM_ACT_DELETE);
	expect(ROOM_JOINING, ROOM_EV_LINK_DOWN, ROOM_NONE,
	    ROOM_ACT_FAIL_HELD | ROOM_ACT_DELETE);
	expect(ROOM_JOINING, ROOM_EV_LEAVE, ROOM_LEAVING,
	    ROOM_ACT_LEAVE | ROOM_ACT_FAIL_HELD);
}

/* Items 3, 5, 7: a joined membership and its ways out. */
static void
joined_and_leaving_transitions(void **state)
{
	(void)state;
	expect(ROOM_JOINED, ROOM_EV_SPEAK, ROOM_JOINED, ROOM_ACT_SAY);
	expect(ROOM_JOINED, ROOM_EV_SELF_IN, ROOM_JOINED, 0);
	expect(ROOM_JOINED, ROOM_EV_LEAVE, ROOM_LEAVING, ROOM_ACT_LEAVE);
	expect(ROOM_JOINED, ROOM_EV_FAILING, ROOM_NONE,
	    ROOM_ACT_LEAVE | ROOM_ACT_DELETE);
	expect(ROOM_JOINED, ROOM_EV_SELF_OUT, ROOM_NONE,
	    ROOM_ACT_TELL_OUT | ROOM_ACT_DELETE);
	/* Item 7: the link's loss keeps the membership, detached. */
	expect(ROOM_JOINED, ROOM_EV_LINK_DOWN, ROOM_DETACHED, 0);
	/* Item 8: idle leave says why and deletes the record. */
	expect(ROOM_JOINED, ROOM_EV_IDLE, ROOM_NONE,
	    ROOM_ACT_LEAVE | ROOM_ACT_TELL_OUT | ROOM_ACT_DELETE);
	expect(ROOM_LEAVING, ROOM_EV_SPEAK, ROOM_LEAVING, ROOM_ACT_REFUSE);
	expect(ROOM_LEAVING, ROOM_EV_SELF_OUT, ROOM_NONE,
	    ROOM_ACT_TELL_OUT | ROOM_ACT_DELETE);
	expect(ROOM_LEAVING, ROOM_EV_TIMEOUT, ROOM_NONE,
	    ROOM_ACT_TELL_OUT | ROOM_ACT_DELETE);
	expect(ROOM_LEAVING, ROOM_EV_LINK_DOWN, ROOM_NONE, ROOM_ACT_DELETE);
	/* Nothing but a MESSAGE, a conference SUBSCRIBE or a stored
	 * record starts a membership. */
	for (int e = 0; e < ROOM_N_EVENTS; e++)
		if (e != ROOM_EV_SPEAK && e != ROOM_EV_SUBSCRIBE &&
		    e != ROOM_EV_RESTORED && e != ROOM_EV_REJOIN)
			expect(ROOM_NONE, (enum room_event)e, ROOM_NONE, 0);
}

/*
 * Issue 13 item 2, RFC 4575: a SUBSCRIBE joins like a MESSAGE, but
 * holds nothing of the membership's (the subscription holds its own
 * answer); once joining or in, it changes nothing.
 */
static void
subscribe_transitions(void **state)
{
	(void)state;
	expect(ROOM_NONE, ROOM_EV_SUBSCRIBE, ROOM_JOINING, ROOM_ACT_JOIN);
	expect(ROOM_JOINING, ROOM_EV_SUBSCRIBE, ROOM_JOINING, 0);
	expect(ROOM_JOINED, ROOM_EV_SUBSCRIBE, ROOM_JOINED, 0);
	expect(ROOM_LEAVING, ROOM_EV_SUBSCRIBE, ROOM_LEAVING, 0);
	/* A kept membership out of the room enters again for it. */
	expect(ROOM_DETACHED, ROOM_EV_SUBSCRIBE, ROOM_REJOINING,
	    ROOM_ACT_JOIN);
	expect(ROOM_REJOINING, ROOM_EV_SUBSCRIBE, ROOM_REJOINING, 0);
	/* The subscription's end is a /leave to the machine. */
	expect(ROOM_JOINED, ROOM_EV_LEAVE, ROOM_LEAVING, ROOM_ACT_LEAVE);
	assert_string_equal(room_event_name(ROOM_EV_SUBSCRIBE), "SUBSCRIBE");
}

/* Item 7: a kept membership, detached and rejoined (table rows). */
static void
rejoin_transitions(void **state)
{
	(void)state;
	expect(ROOM_NONE, ROOM_EV_RESTORED, ROOM_DETACHED, 0);
	expect(ROOM_NONE, ROOM_EV_REJOIN, ROOM_REJOINING, ROOM_ACT_JOIN);
	/* A rejoin holds no MESSAGE; one written meanwhile waits. */
	expect(ROOM_DETACHED, ROOM_EV_REJOIN, ROOM_REJOINING, ROOM_ACT_JOIN);
	expect(ROOM_DETACHED, ROOM_EV_SPEAK, ROOM_REJOINING,
	    ROOM_ACT_JOIN | ROOM_ACT_HOLD);
	expect(ROOM_DETACHED, ROOM_EV_LINK_DOWN, ROOM_DETACHED, 0);
	expect(ROOM_DETACHED, ROOM_EV_IDLE, ROOM_DETACHED, 0);
	expect(ROOM_DETACHED, ROOM_EV_LEAVE, ROOM_NONE,
	    ROOM_ACT_TELL_OUT | ROOM_ACT_DELETE);
	expect(ROOM_REJOINING, ROOM_EV_SPEAK, ROOM_REJOINING, ROOM_ACT_HOLD);
	expect(ROOM_REJOINING, ROOM_EV_SELF_IN, ROOM_JOINED,
	    ROOM_ACT_SAY | ROOM_ACT_STORE);
	/* §7.2.9: a 409 on rejoin takes the next nick as for a join. */
	expect(ROOM_REJOINING, ROOM_EV_CONFLICT, ROOM_REJOINING,
	    ROOM_ACT_NEXT_NICK | ROOM_ACT_JOIN);
	/* Refused: he is told why he is out; the record goes. */
	expect(ROOM_REJOINING, ROOM_EV_REFUSED, ROOM_NONE,
	    ROOM_ACT_TELL_OUT | ROOM_ACT_FAIL_HELD | ROOM_ACT_DELETE);
	expect(ROOM_REJOINING, ROOM_EV_CREATED_DROP, ROOM_NONE,
	    ROOM_ACT_LEAVE | ROOM_ACT_TELL_OUT | ROOM_ACT_FAIL_HELD |
	    ROOM_ACT_DELETE);
	/* No answer or no link: kept, detached, tried again. */
	expect(ROOM_REJOINING, ROOM_EV_TIMEOUT, ROOM_DETACHED,
	    ROOM_ACT_LEAVE | ROOM_ACT_FAIL_HELD);
	expect(ROOM_REJOINING, ROOM_EV_LINK_DOWN, ROOM_DETACHED,
	    ROOM_ACT_FAIL_HELD);
}

/* Properties of every cell, and that every state is reached and left. */
static void
table_properties(void **state)
{
	int reached[ROOM_N_STATES] = { 0 }, left[ROOM_N_STATES] = { 0 };

	(void)state;
	for (int s = 0; s < ROOM_N_STATES; s++) {
		for (int e = 0; e < ROOM_N_EVENTS; e++) {
			enum room_state next;
			unsigned int a;

			step((enum room_state)s, (enum room_event)e, &next, &a);
			reached[next]++;
			if (next != (enum room_state)s)
				left[s]++;
			/* A record back in NONE is a record deleted. */
			if (next == ROOM_NONE && s != ROOM_NONE)
				assert_true(a & ROOM_ACT_DELETE);
			/* A SPEAK is always held, said or refused. */
			if (e == ROOM_EV_SPEAK)
				assert_true(a & (ROOM_ACT_HOLD | ROOM_ACT_SAY |
				    ROOM_ACT_REFUSE));
			/* Held MESSAGEs are answered before the record
			 * goes; only a joining record holds any. */
			if ((a & ROOM_ACT_DELETE) && (s == ROOM_JOINING ||
			    s == ROOM_REJOINING))
				assert_true(a & ROOM_ACT_FAIL_HELD);
			/* A record is written only once he is in. */
			if (a & ROOM_ACT_STORE)
				assert_true(next == ROOM_JOINED);
			/* Only a joining record sends its held ones. */
			if (a & ROOM_ACT_SAY)
				assert_true(next == ROOM_JOINED);
			/* A new nick is always tried at once. */
			if (a & ROOM_ACT_NEXT_NICK)
				assert_true(a & ROOM_ACT_JOIN);
			/* Told "you are out" only once in (or kept). */
			if (a & ROOM_ACT_TELL_OUT)
				assert_true(s != ROOM_NONE &&
				    s != ROOM_JOINING);
		}
	}
	for (int s = 0; s < ROOM_N_STATES; s++) {
		assert_true(reached[s] > 0);	/* no dead state */
		assert_true(left[s] > 0);	/* no trap */
	}
}

/* Out-of-range input and trace names. */
static void
range_and_names(void **state)
{
	enum room_state next;
	unsigned int a;

	(void)state;
	assert_int_equal(room_fsm_step(ROOM_N_STATES, ROOM_EV_SPEAK, &next,
	    &a), -1);
	assert_int_equal(room_fsm_step(ROOM_JOINED, ROOM_N_EVENTS, &next,
	    &a), -1);
	assert_string_equal(room_state_name(ROOM_JOINING), "JOINING");
	assert_string_equal(room_state_name(ROOM_N_STATES), "?");
	assert_string_equal(room_event_name(ROOM_EV_SELF_OUT), "SELF_OUT");
	assert_string_equal(room_event_name(ROOM_N_EVENTS), "?");
	for (int s = 0; s < ROOM_N_STATES; s++)
		assert_string_not_equal(room_state_name((enum room_state)s),
		    "?");
	for (int e = 0; e < ROOM_N_EVENTS; e++)
		assert_string_not_equal(room_event_name((enum room_event)e),
		    "?");
}

/* Issue 13 item 2: the display name, else the user part, else a
 * fixed name; never an invalid nick. */
static void
nick_from_sip(void **state)
{
	char nick[ROOM_NICK_MAX + 8];

	(void)state;
	assert_int_equal(room_nick_from_sip("Romeo Montague",
	    "sip:romeo@sip.test", nick, sizeof(nick)), 1);
	assert_string_equal(nick, "Romeo Montague");
	assert_int_equal(room_nick_from_sip(NULL, "sip:romeo@sip.test", nick,
	    sizeof(nick)), 0);
	assert_string_equal(nick, "romeo");
	/* RFC 3261 §19.1.2: the user part is percent-decoded. */
	room_nick_from_sip(NULL, "sip:o%27malley@sip.test", nick,
	    sizeof(nick));
	assert_string_equal(nick, "o'malley");
	room_nick_from_sip(NULL, "sips:alice;x=1@sip.test", nick,
	    sizeof(nick));
	assert_string_equal(nick, "alice");
	/* A display name no nick may be: the user part. */
	room_nick_from_sip(" padded ", "sip:bob@sip.test", nick,
	    sizeof(nick));
	assert_string_equal(nick, "bob");
	room_nick_from_sip("bell\x07", "sip:bob@sip.test", nick,
	    sizeof(nick));
	assert_string_equal(nick, "bob");
	{
		/* Longer than a nick may be (ROOM_NICK_MAX): the user part. */
		char longname[ROOM_NICK_MAX + 2];

		memset(longname, 'x', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		room_nick_from_sip(longname, "sip:bob@sip.test", nick,
		    sizeof(nick));
		assert_string_equal(nick, "bob");
	}
	/* What sip_display_name() made of "R \"Q\"": quotes are nick text. */
	assert_int_equal(room_nick_from_sip("R \"Q\"", "sip:bob@sip.test",
	    nick, sizeof(nick)), 1);
	assert_string_equal(nick, "R \"Q\"");
	/* A control character decoded from the user part. */
	room_nick_from_sip(NULL, "sip:a%0ab@sip.test", nick, sizeof(nick));
	assert_string_equal(nick, "sip-user");
	room_nick_from_sip(NULL, "sip:sip.test", nick, sizeof(nick));
	assert_string_equal(nick, "sip-user");
	room_nick_from_sip(NULL, "tel:+1234", nick, sizeof(nick));
	assert_string_equal(nick, "sip-user");
	/* Too small an out buffer is refused, not overrun. */
	assert_int_equal(room_nick_from_sip(NULL, "sip:a@b", nick, 8), -1);
}

/* XEP-0045 §7.2.9: conflict; the suffix keeps the nick valid. */
static void
nick_suffix(void **state)
{
	char long_nick[ROOM_NICK_MAX + 1], out[ROOM_NICK_MAX + 8];
	const char *why;

	(void)state;
	assert_int_equal(room_nick_suffixed("romeo", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "romeo");
	room_nick_suffixed("romeo", 1, out, sizeof(out));
	assert_string_equal(out, "romeo-2");
	room_nick_suffixed("romeo", 4, out, sizeof(out));
	assert_string_equal(out, "romeo-5");
	/* A space before the suffix would read "bob -2". */
	room_nick_suffixed("bob ", 1, out, sizeof(out));
	assert_string_equal(out, "bob-2");
	/* At the limit: cut to fit, on a character boundary. */
	memset(long_nick, 'x', ROOM_NICK_MAX);
	long_nick[ROOM_NICK_MAX] = '\0';
	room_nick_suffixed(long_nick, 1, out, sizeof(out));
	assert_int_equal(strlen(out), ROOM_NICK_MAX);
	assert_true(room_nick_valid(out, strlen(out), &why));
	/* "é" is two bytes: never cut in the middle. */
	for (int i = 0; i + 1 < ROOM_NICK_MAX; i += 2)
		memcpy(long_nick + i, "\xc3\xa9", 2);
	long_nick[ROOM_NICK_MAX] = '\0';
	room_nick_suffixed(long_nick, 1, out, sizeof(out));
	assert_true(strlen(out) <= ROOM_NICK_MAX);
	assert_true(room_nick_valid(out, strlen(out), &why));
	assert_int_equal(room_nick_suffixed("romeo", 1, out, 4), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(join_transitions),
		cmocka_unit_test(joined_and_leaving_transitions),
		cmocka_unit_test(subscribe_transitions),
		cmocka_unit_test(rejoin_transitions),
		cmocka_unit_test(table_properties),
		cmocka_unit_test(range_and_names),
		cmocka_unit_test(nick_from_sip),
		cmocka_unit_test(nick_suffix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
