/*
 * The stanzas of a room occupant (codec/stanza_muc.c), byte for byte
 * against XEP-0045's examples with our addresses, each parsed back with
 * libxml2; and what is refused: wrong address shapes, text XML cannot
 * carry, an iq without id, with the buffer left as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "stanza_muc.h"

#define GW	"bob@sip.example.com"
#define ROOM	"devs@conference.xmpp.example"

/* sb must hold exactly want, and parse as XML; then it is emptied. */
static void
expect(struct strbuf *sb, const char *want)
{
	xmlDocPtr doc;

	assert_string_equal(sb->buf, want);
	doc = xmlReadMemory(sb->buf, (int)sb->len, NULL, "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
		fail_msg("not well-formed: %s", sb->buf);
	xmlFreeDoc(doc);
	strbuf_reset(sb);
}

/* XEP-0045 §7.2.1, §7.2.6, §7.2.15: entering, with history and password. */
static void
test_join(void **state)
{
	struct strbuf sb;
	struct muc_history h = MUC_HISTORY_UNSET;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(stanza_muc_join(&sb, GW, ROOM "/Bob", "j1", NULL,
	    NULL), 0);
	expect(&sb, "<presence from='" GW "' to='" ROOM "/Bob' id='j1'>"
	    "<x xmlns='http://jabber.org/protocol/muc'/></presence>");

	/* All limits unset: no <history/>. */
	assert_int_equal(stanza_muc_join(&sb, GW, ROOM "/Bob", NULL, &h,
	    NULL), 0);
	expect(&sb, "<presence from='" GW "' to='" ROOM "/Bob'>"
	    "<x xmlns='http://jabber.org/protocol/muc'/></presence>");

	h.maxstanzas = 20;
	assert_int_equal(stanza_muc_join(&sb, GW, ROOM "/Bob", "j2", &h,
	    NULL), 0);
	expect(&sb, "<presence from='" GW "' to='" ROOM "/Bob' id='j2'>"
	    "<x xmlns='http://jabber.org/protocol/muc'>"
	    "<history maxstanzas='20'/></x></presence>");

	/* maxchars='0': no history at all (§7.2.15). */
	h.maxstanzas = -1;
	h.maxchars = 0;
	assert_int_equal(stanza_muc_join(&sb, GW, ROOM "/Bob", "j3", &h,
	    "cauldronburn"), 0);
	expect(&sb, "<presence from='" GW "' to='" ROOM "/Bob' id='j3'>"
	    "<x xmlns='http://jabber.org/protocol/muc'>"
	    "<history maxchars='0'/><password>cauldronburn</password></x>"
	    "</presence>");

	/* A rejoin asks from the last message seen. */
	h.maxchars = -1;
	h.seconds = 180;
	h.since = "1970-01-01T00:00:00Z";
	assert_int_equal(stanza_muc_join(&sb, GW, ROOM "/J\xc3\xbcrgen & co",
	    "j4", &h, "a<b"), 0);
	expect(&sb, "<presence from='" GW "' to='" ROOM "/J\xc3\xbcrgen "
	    "&amp; co' id='j4'><x xmlns='http://jabber.org/protocol/muc'>"
	    "<history seconds='180' since='1970-01-01T00:00:00Z'/>"
	    "<password>a&lt;b</password></x></presence>");
	strbuf_free(&sb);
}

/* XEP-0045 §7.14, §7.6: leaving, and changing nick. */
static void
test_leave_nick(void **state)
{
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(stanza_muc_leave(&sb, GW, ROOM "/Bob", "l1", NULL),
	    0);
	expect(&sb, "<presence from='" GW "' to='" ROOM "/Bob' id='l1' "
	    "type='unavailable'/>");
	assert_int_equal(stanza_muc_leave(&sb, GW, ROOM "/Bob", NULL,
	    "gone where the SIP phones go"), 0);
	expect(&sb, "<presence from='" GW "' to='" ROOM "/Bob' "
	    "type='unavailable'><status>gone where the SIP phones go</status>"
	    "</presence>");
	assert_int_equal(stanza_muc_nick(&sb, GW, ROOM "/oldhag", "n1"), 0);
	expect(&sb, "<presence from='" GW "' to='" ROOM "/oldhag' id='n1'/>");
	strbuf_free(&sb);
}

/* XEP-0045 §7.4, §7.5, §8.1: groupchat, private message, subject. */
static void
test_messages(void **state)
{
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(stanza_muc_groupchat(&sb, GW, ROOM, "m1",
	    "Harpier cries: 'tis time, 'tis time.", 36,
	    "de305d54-75b4-431b-adb2-eb6b9e546013"), 0);
	expect(&sb, "<message from='" GW "' to='" ROOM "' id='m1' "
	    "type='groupchat'><body>Harpier cries: 'tis time, 'tis time."
	    "</body><origin-id xmlns='urn:xmpp:sid:0' "
	    "id='de305d54-75b4-431b-adb2-eb6b9e546013'/></message>");
	assert_int_equal(stanza_muc_groupchat(&sb, GW, ROOM, NULL, "a\nb", 3,
	    NULL), 0);
	expect(&sb, "<message from='" GW "' to='" ROOM "' type='groupchat'>"
	    "<body>a\nb</body></message>");

	assert_int_equal(stanza_muc_private(&sb, GW, ROOM "/firstwitch", "p1",
	    "I'll give thee a wind.", 22, "o2"), 0);
	expect(&sb, "<message from='" GW "' to='" ROOM "/firstwitch' id='p1' "
	    "type='chat'><body>I'll give thee a wind.</body>"
	    "<origin-id xmlns='urn:xmpp:sid:0' id='o2'/>"
	    "<x xmlns='http://jabber.org/protocol/muc#user'/></message>");

	assert_int_equal(stanza_muc_subject(&sb, GW, ROOM, "s1",
	    "Fire Burn and Cauldron Bubble!"), 0);
	expect(&sb, "<message from='" GW "' to='" ROOM "' id='s1' "
	    "type='groupchat'><subject>Fire Burn and Cauldron Bubble!"
	    "</subject></message>");
	assert_int_equal(stanza_muc_subject(&sb, GW, ROOM, NULL, ""), 0);
	expect(&sb, "<message from='" GW "' to='" ROOM "' type='groupchat'>"
	    "<subject></subject></message>");
	strbuf_free(&sb);
}

/* XEP-0030 §3.1 (XEP-0045 §6.4, §7.12) and XEP-0045 §10.1.2. */
static void
test_iqs(void **state)
{
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(stanza_muc_disco_info(&sb, GW, ROOM, "d1", NULL), 0);
	expect(&sb, "<iq from='" GW "' to='" ROOM "' id='d1' type='get'>"
	    "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
	assert_int_equal(stanza_muc_disco_info(&sb, GW, ROOM, "d2",
	    "x-roomuser-item"), 0);
	expect(&sb, "<iq from='" GW "' to='" ROOM "' id='d2' type='get'>"
	    "<query xmlns='http://jabber.org/protocol/disco#info' "
	    "node='x-roomuser-item'/></iq>");
	/* disco#info may ask anything: a service too. */
	assert_int_equal(stanza_muc_disco_info(&sb, GW,
	    "conference.xmpp.example", "d3", NULL), 0);
	strbuf_reset(&sb);

	assert_int_equal(stanza_muc_unlock(&sb, GW, ROOM, "create1"), 0);
	expect(&sb, "<iq from='" GW "' to='" ROOM "' id='create1' type='set'>"
	    "<query xmlns='http://jabber.org/protocol/muc#owner'>"
	    "<x xmlns='jabber:x:data' type='submit'/></query></iq>");
	strbuf_free(&sb);
}

/* Refusals leave the buffer as it was, so stanzas can be batched. */
static void
test_refused(void **state)
{
	struct strbuf sb;
	struct muc_history h = MUC_HISTORY_UNSET;

	(void)state;
	strbuf_init(&sb);
	strbuf_appends(&sb, "<kept/>");
	/* No nick: the room would answer jid-malformed (§7.2.6). */
	assert_int_equal(stanza_muc_join(&sb, GW, ROOM, "x", NULL, NULL), -1);
	assert_int_equal(stanza_muc_join(&sb, GW, ROOM "/", "x", NULL, NULL),
	    -1);
	assert_int_equal(stanza_muc_join(&sb, GW, "conference.x/nick", "x",
	    NULL, NULL), -1);
	assert_int_equal(stanza_muc_join(&sb, GW, "@x/nick", "x", NULL, NULL),
	    -1);
	assert_int_equal(stanza_muc_join(&sb, GW, NULL, "x", NULL, NULL), -1);
	assert_int_equal(stanza_muc_join(&sb, NULL, ROOM "/n", "x", NULL,
	    NULL), -1);
	/* A since that is no date, a password XML cannot carry. */
	h.since = "yesterday' evil='1";
	assert_int_equal(stanza_muc_join(&sb, GW, ROOM "/n", "x", &h, NULL),
	    -1);
	h.since = NULL;
	h.maxstanzas = 5;
	assert_int_equal(stanza_muc_join(&sb, GW, ROOM "/n", "x", &h,
	    "bad\x01"), -1);
	assert_int_equal(stanza_muc_join(&sb, GW, ROOM "/n\xff", "x", &h,
	    NULL), -1);
	/* Groupchat and subject go to the bare room, PMs to a nick. */
	assert_int_equal(stanza_muc_groupchat(&sb, GW, ROOM "/n", "x", "b", 1,
	    NULL), -1);
	assert_int_equal(stanza_muc_subject(&sb, GW, ROOM "/n", "x", "s"), -1);
	assert_int_equal(stanza_muc_subject(&sb, GW, ROOM, "x", NULL), -1);
	assert_int_equal(stanza_muc_private(&sb, GW, ROOM, "x", "b", 1, NULL),
	    -1);
	assert_int_equal(stanza_muc_groupchat(&sb, GW, ROOM, "x", NULL, 0,
	    NULL), -1);
	assert_int_equal(stanza_muc_groupchat(&sb, GW, ROOM, "x", "\x02", 1,
	    NULL), -1);
	assert_int_equal(stanza_muc_groupchat(&sb, GW, ROOM, "x", "b", 1,
	    "\xc3"), -1);
	assert_int_equal(stanza_muc_leave(&sb, GW, ROOM, "x", NULL), -1);
	assert_int_equal(stanza_muc_leave(&sb, GW, ROOM "/n", "x", "\x03"),
	    -1);
	assert_int_equal(stanza_muc_nick(&sb, GW, ROOM, "x"), -1);
	/* An iq needs an id. */
	assert_int_equal(stanza_muc_disco_info(&sb, GW, ROOM, NULL, NULL), -1);
	assert_int_equal(stanza_muc_disco_info(&sb, GW, ROOM, "", NULL), -1);
	assert_int_equal(stanza_muc_disco_info(&sb, GW, ROOM, "i", "\x04"),
	    -1);
	assert_int_equal(stanza_muc_unlock(&sb, GW, ROOM, NULL), -1);
	assert_int_equal(stanza_muc_unlock(&sb, GW, ROOM "/n", "i"), -1);
	assert_string_equal(sb.buf, "<kept/>");
	assert_int_equal(sb.len, 7);
	strbuf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_leave_nick),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_iqs),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
