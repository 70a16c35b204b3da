/*
 * The RFC 7573 §6 table (pager mode), row by row, both ways; the
 * standalone chat-state message; the pace that thins a typing storm.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "chatstate.h"
#include "typing_pace.h"

/* XMPP -> SIP, each row of RFC 7573 §6. */
static void
test_table_xmpp_to_sip(void **state)
{
	static const struct {
		const char *name;
		int active;
	} rows[] = {
		{ "composing", 1 },	/* composing -> active */
		{ "active", 0 },	/* active -> idle */
		{ "paused", 0 },	/* paused -> idle */
		{ "inactive", 0 },	/* inactive -> idle */
		{ "gone", 0 },		/* gone -> idle (no session to end) */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum chat_state s = chat_state_from_name(rows[i].name);

		assert_int_not_equal(s, CHAT_STATE_NONE);
		assert_string_equal(chat_state_name(s), rows[i].name);
		assert_int_equal(chat_state_to_iscomposing(s), rows[i].active);
	}
	assert_int_equal(chat_state_from_name("typing"), CHAT_STATE_NONE);
	assert_int_equal(chat_state_from_name(NULL), CHAT_STATE_NONE);
	assert_int_equal(chat_state_to_iscomposing(CHAT_STATE_NONE), -1);
	assert_null(chat_state_name(CHAT_STATE_NONE));
}

/* SIP -> XMPP: active -> composing, idle -> paused. */
static void
test_table_sip_to_xmpp(void **state)
{
	(void)state;
	assert_int_equal(chat_state_from_iscomposing(1), CHAT_STATE_COMPOSING);
	assert_int_equal(chat_state_from_iscomposing(0), CHAT_STATE_PAUSED);
}

/* XEP-0085 §5.6: the state alone, type chat, escaped addresses. */
static void
test_stanza(void **state)
{
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(stanza_build_chat_state(&sb, "a\\40b@gw", "j@x/r",
	    "chat", NULL, CHAT_STATE_COMPOSING), 0);
	assert_string_equal(sb.buf, "<message from='a\\40b@gw' to='j@x/r' "
	    "type='chat'><composing xmlns='http://jabber.org/protocol/"
	    "chatstates'/></message>");
	strbuf_reset(&sb);
	assert_int_equal(stanza_build_chat_state(&sb, "a@gw", "j@x", "chat",
	    "t<1", CHAT_STATE_PAUSED), 0);
	assert_non_null(strstr(sb.buf, "<thread>t&lt;1</thread>"));
	strbuf_reset(&sb);
	assert_int_equal(stanza_build_chat_state(&sb, "a@gw", "j@x", "chat",
	    NULL, CHAT_STATE_NONE), -1);
	assert_int_equal(stanza_build_chat_state(&sb, NULL, "j@x", "chat",
	    NULL, CHAT_STATE_ACTIVE), -1);
	assert_int_equal(sb.len, 0);
	strbuf_free(&sb);
}

/* Never the same state twice in a row (XEP-0085 §5.3). */
static void
test_pace_repeats(void **state)
{
	struct typing_pace p;

	(void)state;
	typing_pace_init(&p, 0);
	assert_int_equal(typing_pace_offer(&p, 0, 1000, 0), TYPING_PACE_DROP);
	assert_int_equal(typing_pace_offer(&p, 1, 1000, 0), TYPING_PACE_SEND);
	assert_int_equal(typing_pace_offer(&p, 1, 1001, 0), TYPING_PACE_DROP);
	assert_int_equal(typing_pace_offer(&p, 0, 1002, 0), TYPING_PACE_SEND);
}

/*
 * A storm: 50 alternating states in 1 s with a 1000 ms interval leave
 * at most one sent now and one kept, and the last state is the one that
 * goes out when the interval ends.
 */
static void
test_pace_storm(void **state)
{
	struct typing_pace p;
	int sent = 0;

	(void)state;
	typing_pace_init(&p, 0);
	for (int i = 0; i < 50; i++)
		if (typing_pace_offer(&p, (i + 1) % 2, 10000 + (uint64_t)i * 20,
		    1000) == TYPING_PACE_SEND)
			sent++;
	assert_int_equal(sent, 1);
	/* The 50th state was 0 (idle): it is kept and due at 11000. */
	assert_int_equal(typing_pace_due(&p, 10999, 1000), -1);
	assert_int_equal(typing_pace_due(&p, 11000, 1000), 0);
	assert_int_equal(typing_pace_due(&p, 12000, 1000), -1);
}

/* A kept change undone before its time is never sent. */
static void
test_pace_undone(void **state)
{
	struct typing_pace p;

	(void)state;
	typing_pace_init(&p, 0);
	assert_int_equal(typing_pace_offer(&p, 1, 5000, 1000),
	    TYPING_PACE_SEND);
	assert_int_equal(typing_pace_offer(&p, 0, 5100, 1000),
	    TYPING_PACE_LATER);
	assert_int_equal(typing_pace_offer(&p, 1, 5200, 1000),
	    TYPING_PACE_DROP);
	assert_int_equal(typing_pace_due(&p, 7000, 1000), -1);
	/* After the interval a change goes at once. */
	assert_int_equal(typing_pace_offer(&p, 0, 7000, 1000),
	    TYPING_PACE_SEND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_xmpp_to_sip),
		cmocka_unit_test(test_table_sip_to_xmpp),
		cmocka_unit_test(test_stanza),
		cmocka_unit_test(test_pace_repeats),
		cmocka_unit_test(test_pace_storm),
		cmocka_unit_test(test_pace_undone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
