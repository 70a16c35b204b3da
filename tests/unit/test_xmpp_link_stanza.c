/*
 * The XMPP link's pure half (xmpp_link_stanza.c) on the RFCs' and XEPs'
 * own example stanzas: messages, presence, receipts and chat states,
 * error stanzas and odd shapes read; the size estimate; the errors, pings
 * and results we build read back; who may answer a stanza; ping ids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <strophe.h>

#include "log.h"
#include "xmpp_link.h"

#include "xmpp_link_fixtures.h"

#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"

/* Parses text into a stanza; the test fails if libstrophe refuses it. */
static xmpp_stanza_t *
stanza(const char *text)
{
	xmpp_stanza_t *st = xmpp_stanza_new_from_string(sctx, text);

	if (st == NULL)
		fail_msg("libstrophe did not parse %s", text);
	return st;
}

/*
 * RFC 6121 §5.2.3's example: two bodies, the stanza in English; the one
 * without xml:lang (inheriting 'en') is chosen, not the Czech one.
 */
static void
test_parse_rfc6121_bodies(void **state)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;

	(void)state;
	st = stanza("<message from='juliet@example.com/balcony' "
	    "id='z94nb37h' to='romeo@example.net' type='chat' xml:lang='en'>"
	    "<body>Wherefore art thou, Romeo?</body>"
	    "<body xml:lang='cs'>Pro\xc4\x8d" "e\xc5\xbd jsi ty, Romeo?</body>"
	    "</message>");
	assert_int_equal(xmpp_link_parse_message(st, &p), 0);
	assert_string_equal(p.msg.from, "juliet@example.com/balcony");
	assert_string_equal(p.msg.to, "romeo@example.net");
	assert_string_equal(p.msg.id, "z94nb37h");
	assert_string_equal(p.msg.type, "chat");
	assert_string_equal(p.msg.lang, "en");
	assert_string_equal(p.msg.body, "Wherefore art thou, Romeo?");
	assert_null(p.msg.subject);
	assert_null(p.msg.thread);
	assert_null(p.msg.error_condition);
	assert_false(p.msg.has_other_payload);
	xmpp_link_parsed_clear(&p);
	xmpp_stanza_release(st);

	/* Only foreign-language bodies: the first one still counts. */
	st = stanza("<message to='a@b' xml:lang='en'>"
	    "<body xml:lang='cs'>jedna</body><body xml:lang='de'>zwei</body>"
	    "</message>");
	assert_int_equal(xmpp_link_parse_message(st, &p), 0);
	assert_string_equal(p.msg.body, "jedna");
	xmpp_link_parsed_clear(&p);
	xmpp_stanza_release(st);

	/* A matching language later wins over an earlier foreign one. */
	st = stanza("<message to='a@b' xml:lang='de'>"
	    "<subject xml:lang='en'>Hi</subject>"
	    "<subject xml:lang='DE'>Hallo</subject>"
	    "<body xml:lang='en'>one</body><body xml:lang='de'>eins</body>"
	    "</message>");
	assert_int_equal(xmpp_link_parse_message(st, &p), 0);
	assert_string_equal(p.msg.body, "eins");
	assert_string_equal(p.msg.subject, "Hallo");
	xmpp_link_parsed_clear(&p);
	xmpp_stanza_release(st);
}

/*
 * RFC 6121 §4.7.2 presence: show, status in the stanza's language chosen
 * among several, priority; a bad priority counts as absent; errors.
 */
static void
test_parse_presence(void **state)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;

	(void)state;
	st = stanza("<presence from='juliet@example.com/balcony' "
	    "to='romeo@example.net' xml:lang='en'><show>dnd</show>"
	    "<status xml:lang='cs'>Nerušit</status>"
	    "<status>Do not disturb</status><priority>-1</priority>"
	    "<c xmlns='http://jabber.org/protocol/caps' node='x' ver='y'/>"
	    "</presence>");
	assert_int_equal(xmpp_link_parse_presence(st, &p), 0);
	assert_string_equal(p.pres.from, "juliet@example.com/balcony");
	assert_null(p.pres.type);
	assert_string_equal(p.pres.show, "dnd");
	assert_string_equal(p.pres.status, "Do not disturb");
	assert_string_equal(p.pres.status_lang, "en");
	assert_true(p.pres.has_priority);
	assert_int_equal(p.pres.priority, -1);
	xmpp_link_parsed_clear(&p);
	xmpp_stanza_release(st);

	st = stanza("<presence to='a@b' type='unavailable'>"
	    "<priority>128</priority></presence>");
	assert_int_equal(xmpp_link_parse_presence(st, &p), 0);
	assert_string_equal(p.pres.type, "unavailable");
	assert_false(p.pres.has_priority);	/* out of -128..127 */
	assert_null(p.pres.show);
	assert_null(p.pres.status);
	xmpp_link_parsed_clear(&p);
	xmpp_stanza_release(st);

	st = stanza("<presence from='juliet@example.com' to='romeo@sip.test' "
	    "type='error'><error type='cancel'><item-not-found "
	    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>");
	assert_int_equal(xmpp_link_parse_presence(st, &p), 0);
	assert_string_equal(p.pres.error_condition, "item-not-found");
	assert_string_equal(p.pres.error_type, "cancel");
	xmpp_link_parsed_clear(&p);
	xmpp_stanza_release(st);

	st = stanza("<message to='a@b'/>");
	assert_int_equal(xmpp_link_parse_presence(st, &p), -1);
	xmpp_stanza_release(st);
}

/* XEP-0184 §5.1 example 1 and XEP-0085 §5.1 example 1. */
static void
test_parse_receipts_and_chat_states(void **state)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;

	(void)state;
	st = stanza("<message from='northumberland@shakespeare.lit/"
	    "westminster' id='richard2-4.1.247' "
	    "to='kingrichard@royalty.england.lit/throne'>"
	    "<body>My lord, dispatch; read o'er these articles.</body>"
	    "<request xmlns='urn:xmpp:receipts'/></message>");
	assert_int_equal(xmpp_link_parse_message(st, &p), 0);
	assert_true(p.msg.has_receipt_request);
	assert_false(p.msg.has_chat_state);
	assert_false(p.msg.has_other_payload);
	assert_null(p.msg.type);
	assert_string_equal(p.msg.body,
	    "My lord, dispatch; read o'er these articles.");
	xmpp_link_parsed_clear(&p);
	xmpp_stanza_release(st);

	st = stanza("<message from='bernardo@shakespeare.lit/pda' "
	    "to='francisco@shakespeare.lit' type='chat'>"
	    "<body>Who's there?</body>"
	    "<active xmlns='http://jabber.org/protocol/chatstates'/>"
	    "</message>");
	assert_int_equal(xmpp_link_parse_message(st, &p), 0);
	assert_true(p.msg.has_chat_state);
	assert_string_equal(p.msg.chat_state, "active");
	assert_false(p.msg.has_receipt_request);
	assert_false(p.msg.has_other_payload);
	xmpp_link_parsed_clear(&p);
	xmpp_stanza_release(st);

	/* A receipt itself (<received/>, XEP-0184 §5.2) is read: its id. */
	st = stanza("<message to='a@b' id='x'>"
	    "<received xmlns='urn:xmpp:receipts' id='richard2-4.1.247'/>"
	    "<thread>t1</thread></message>");
	assert_int_equal(xmpp_link_parse_message(st, &p), 0);
	assert_false(p.msg.has_other_payload);
	assert_false(p.msg.has_receipt_request);
	assert_string_equal(p.msg.receipt_received_id, "richard2-4.1.247");
	assert_null(p.msg.body);
	assert_string_equal(p.msg.thread, "t1");
	xmpp_link_parsed_clear(&p);
	xmpp_stanza_release(st);

	/* XEP-0333 §3, §4: <markable/> and <displayed id/>. */
	st = stanza("<message to='a@b' id='m1'><body>hi</body>"
	    "<markable xmlns='urn:xmpp:chat-markers:0'/></message>");
	assert_int_equal(xmpp_link_parse_message(st, &p), 0);
	assert_true(p.msg.has_markable);
	assert_false(p.msg.has_other_payload);
	xmpp_link_parsed_clear(&p);
	xmpp_stanza_release(st);
	st = stanza("<message to='a@b' id='m2'>"
	    "<displayed xmlns='urn:xmpp:chat-markers:0' id='m1'/></message>");
	assert_int_equal(xmpp_link_parse_message(st, &p), 0);
	assert_string_equal(p.msg.marker_displayed_id, "m1");
	assert_null(p.msg.receipt_received_id);
	assert_false(p.msg.has_other_payload);
	xmpp_link_parsed_clear(&p);
	xmpp_stanza_release(st);
}

/*
 * RFC 6120 §8.3.3.5 (gone, with the new address) and §8.3.2's structure:
 * condition, type and text, in the stanzas namespace only.
 */
static void
test_parse_error_stanza(void **state)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;

	(void)state;
	st = stanza("<message from='romeo@example.net' id='mj4ad9z3' "
	    "to='juliet@im.example.com/balcony' type='error'>"
	    "<error by='example.net' type='cancel'>"
	    "<gone xmlns='" NS_STANZAS "'>"
	    "xmpp:romeo@afterlife.example.net</gone>"
	    "<text xmlns='" NS_STANZAS "' xml:lang='en'>moved</text>"
	    "<app xmlns='urn:example:app'/></error></message>");
	assert_int_equal(xmpp_link_parse_message(st, &p), 0);
	assert_string_equal(p.msg.type, "error");
	assert_string_equal(p.msg.error_condition, "gone");
	assert_string_equal(p.msg.error_type, "cancel");
	assert_string_equal(p.msg.error_text, "moved");
	assert_string_equal(p.msg.error_gone_uri,
	    "xmpp:romeo@afterlife.example.net");
	xmpp_link_parsed_clear(&p);
	xmpp_stanza_release(st);

	/* An empty <gone/> carries no address (RFC 7247: 410, not 301). */
	st = stanza("<message type='error'><error type='cancel'>"
	    "<text xmlns='" NS_STANZAS "'>first text</text>"
	    "<gone xmlns='" NS_STANZAS "'/></error></message>");
	assert_int_equal(xmpp_link_parse_message(st, &p), 0);
	assert_string_equal(p.msg.error_condition, "gone");
	assert_null(p.msg.error_gone_uri);
	assert_string_equal(p.msg.error_text, "first text");
	xmpp_link_parsed_clear(&p);
	xmpp_stanza_release(st);

	/* <error/> on a non-error message is ignored; wrong namespace too. */
	st = stanza("<message type='chat'><error type='cancel'>"
	    "<item-not-found xmlns='" NS_STANZAS "'/></error></message>");
	assert_int_equal(xmpp_link_parse_message(st, &p), 0);
	assert_null(p.msg.error_condition);
	xmpp_stanza_release(st);
	st = stanza("<message type='error'><error type='modify'>"
	    "<item-not-found xmlns='urn:wrong'/></error></message>");
	assert_int_equal(xmpp_link_parse_message(st, &p), 0);
	assert_null(p.msg.error_condition);
	assert_string_equal(p.msg.error_type, "modify");
	xmpp_stanza_release(st);
}

/* Odd but legal shapes, and things that are not messages. */
static void
test_parse_edges(void **state)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;

	(void)state;
	st = stanza("<message><body/><subject></subject></message>");
	assert_int_equal(xmpp_link_parse_message(st, &p), 0);
	assert_string_equal(p.msg.body, "");
	assert_string_equal(p.msg.subject, "");
	assert_null(p.msg.from);
	xmpp_stanza_release(st);

	/* Mixed content: the text is copied out and freed by clear(). */
	st = stanza("<message><body>a<b>x</b>c&amp;</body></message>");
	assert_int_equal(xmpp_link_parse_message(st, &p), 0);
	assert_non_null(p.msg.body);
	assert_non_null(strstr(p.msg.body, "a"));
	assert_int_equal(p.n_owned, 1);
	xmpp_link_parsed_clear(&p);
	assert_int_equal(p.n_owned, 0);
	xmpp_stanza_release(st);

	/* A <body/> in a foreign namespace is not the body. */
	st = stanza("<message xmlns='jabber:client'>"
	    "<body xmlns='urn:other'>no</body></message>");
	assert_int_equal(xmpp_link_parse_message(st, &p), 0);
	assert_null(p.msg.body);
	assert_true(p.msg.has_other_payload);
	xmpp_stanza_release(st);

	st = stanza("<iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>");
	assert_int_equal(xmpp_link_parse_message(st, &p), -1);
	xmpp_stanza_release(st);
	assert_int_equal(xmpp_link_parse_message(NULL, &p), -1);
}

/* The size estimate: close to the text length, and bounded. */
static void
test_stanza_size(void **state)
{
	char *big, *text;
	size_t len;
	xmpp_stanza_t *st;

	(void)state;
	st = stanza("<message to='a@b' id='1'><body>hello</body></message>");
	assert_int_equal(xmpp_stanza_to_text(st, &text, &len), 0);
	assert_true(xmpp_link_stanza_size(st, 100000) + 16 >= len);
	assert_true(xmpp_link_stanza_size(st, 100000) <= len + 16);
	xmpp_free(sctx, text);
	assert_int_equal(xmpp_link_stanza_size(st, 10), 11);
	xmpp_stanza_release(st);

	big = malloc(20001);
	memset(big, 'x', 20000);
	big[20000] = '\0';
	assert_non_null(big);
	len = strlen("<message><body></body></message>") + 20000 + 1;
	text = malloc(len);
	snprintf(text, len, "<message><body>%s</body></message>", big);
	st = stanza(text);
	assert_true(xmpp_link_stanza_size(st, 4096) > 4096);
	assert_true(xmpp_link_stanza_size(st, 1 << 20) >= 20000);
	xmpp_stanza_release(st);
	free(text);
	free(big);

	/* Too deep counts as too large, whatever the byte count. */
	text = calloc(1, 4096);
	strcpy(text, "<message>");
	for (int i = 0; i < XMPP_LINK_MAX_DEPTH + 2; i++)
		strcat(text, "<a>");
	for (int i = 0; i < XMPP_LINK_MAX_DEPTH + 2; i++)
		strcat(text, "</a>");
	strcat(text, "</message>");
	st = stanza(text);
	assert_int_equal(xmpp_link_stanza_size(st, 1 << 20), (1 << 20) + 1);
	xmpp_stanza_release(st);
	free(text);
}

/* What we build must parse back to what we meant. */
static void
test_build_error(void **state)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;
	size_t len;
	char *xml;

	(void)state;
	xml = xmpp_link_build_error("message", "alice@sip.test",
	    "juliet@xmpp.test/b", "id'1<", "modify", "policy-violation",
	    "too <big> & \"bad\"\x01 \xff end", &len);
	assert_non_null(xml);
	assert_int_equal(strlen(xml), len);
	st = stanza(xml);
	assert_int_equal(xmpp_link_parse_message(st, &p), 0);
	assert_string_equal(p.msg.from, "alice@sip.test");
	assert_string_equal(p.msg.to, "juliet@xmpp.test/b");
	assert_string_equal(p.msg.id, "id'1<");
	assert_string_equal(p.msg.type, "error");
	assert_string_equal(p.msg.error_condition, "policy-violation");
	assert_string_equal(p.msg.error_type, "modify");
	/* Control characters and broken UTF-8 became U+FFFD. */
	assert_string_equal(p.msg.error_text,
	    "too <big> & \"bad\"\xef\xbf\xbd \xef\xbf\xbd end");
	xmpp_link_parsed_clear(&p);
	xmpp_stanza_release(st);
	free(xml);

	/* A condition that is not an element name is not written. */
	xml = xmpp_link_build_error("iq", "a", "b", NULL, "x y",
	    "bad'><evil/", NULL, NULL);
	assert_non_null(xml);
	assert_null(strstr(xml, "evil"));
	assert_non_null(strstr(xml, "<undefined-condition"));
	assert_non_null(strstr(xml, "type='cancel'"));
	assert_null(strstr(xml, " id="));
	free(xml);
	assert_null(xmpp_link_build_error("script", "a", "b", NULL, "cancel",
	    "gone", NULL, NULL));
}

static void
test_build_ping_and_result(void **state)
{
	xmpp_stanza_t *st, *c;
	char *xml;

	(void)state;
	xml = xmpp_link_build_ping("sip.test", "xmpp.test", "p-1", NULL);
	st = stanza(xml);
	assert_string_equal(xmpp_stanza_get_name(st), "iq");
	assert_string_equal(xmpp_stanza_get_type(st), "get");
	assert_string_equal(xmpp_stanza_get_id(st), "p-1");
	assert_string_equal(xmpp_stanza_get_from(st), "sip.test");
	assert_string_equal(xmpp_stanza_get_to(st), "xmpp.test");
	c = xmpp_stanza_get_child_by_name_and_ns(st, "ping", "urn:xmpp:ping");
	assert_non_null(c);
	xmpp_stanza_release(st);
	free(xml);

	xml = xmpp_link_build_iq_result("sip.test", "j@x/r", "q&1", NULL,
	    NULL);
	st = stanza(xml);
	assert_string_equal(xmpp_stanza_get_type(st), "result");
	assert_string_equal(xmpp_stanza_get_id(st), "q&1");
	assert_null(xmpp_stanza_get_children(st));
	xmpp_stanza_release(st);
	free(xml);

	assert_true(xmpp_link_jid_is_domain("SIP.test", "sip.test"));
	assert_false(xmpp_link_jid_is_domain("a@sip.test", "sip.test"));
	assert_false(xmpp_link_jid_is_domain("sip.test/r", "sip.test"));
	assert_false(xmpp_link_jid_is_domain(NULL, "sip.test"));
}

/*
 * Who may answer a stanza we sent (RFC 6120 §8.3.1, §10.5): a domain only
 * as itself, a bare JID as itself or one of its resources, a full JID as
 * itself or its account; nobody else, and never an answer without from.
 */
static void
test_jid_answers(void **state)
{
	(void)state;
	/* A ping to a domain. */
	assert_true(xmpp_link_jid_answers("xmpp.test", "xmpp.test"));
	assert_true(xmpp_link_jid_answers("xmpp.test", "XMPP.test"));
	assert_false(xmpp_link_jid_answers("xmpp.test", "m@xmpp.test"));
	assert_false(xmpp_link_jid_answers("xmpp.test", "xmpp.test/r"));
	assert_false(xmpp_link_jid_answers("xmpp.test", "other.test"));
	assert_false(xmpp_link_jid_answers("xmpp.test", "xmpp.test.evil"));
	assert_false(xmpp_link_jid_answers("xmpp.test", NULL));
	assert_false(xmpp_link_jid_answers(NULL, "xmpp.test"));
	/* A message to a bare JID. */
	assert_true(xmpp_link_jid_answers("j@x.test", "j@x.test"));
	assert_true(xmpp_link_jid_answers("j@x.test", "J@X.test/phone"));
	assert_false(xmpp_link_jid_answers("j@x.test", "x.test"));
	assert_false(xmpp_link_jid_answers("j@x.test", "m@x.test"));
	assert_false(xmpp_link_jid_answers("j@x.test", "jj@x.test"));
	assert_false(xmpp_link_jid_answers("j@x.test", "j@x.test.evil/r"));
	/* A message to a full JID. */
	assert_true(xmpp_link_jid_answers("j@x.test/a", "j@x.test/a"));
	assert_true(xmpp_link_jid_answers("j@x.test/a", "j@x.test"));
	assert_false(xmpp_link_jid_answers("j@x.test/a", "j@x.test/A"));
	assert_false(xmpp_link_jid_answers("j@x.test/a", "j@x.test/b"));
	assert_false(xmpp_link_jid_answers("j@x.test/a", "x.test"));
}

/* Ping ids: 96 random bits each, no counter to continue. */
static void
test_random_ids(void **state)
{
	char a[32], b[32], small[6];

	(void)state;
	xmpp_link_random_id(a, sizeof(a));
	xmpp_link_random_id(b, sizeof(b));
	assert_int_equal(strlen(a), 28);
	assert_memory_equal(a, "sxp-", 4);
	assert_int_equal(strspn(a + 4, "0123456789abcdef"), 24);
	assert_string_not_equal(a, b);
	/* Not one apart, as a counter would be, nor sharing a prefix. */
	assert_memory_not_equal(a + 4, b + 4, 8);
	assert_memory_not_equal(a + 20, b + 20, 8);
	xmpp_link_random_id(small, sizeof(small));
	assert_int_equal(strlen(small), 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_rfc6121_bodies),
		cmocka_unit_test(test_parse_presence),
		cmocka_unit_test(test_parse_receipts_and_chat_states),
		cmocka_unit_test(test_parse_error_stanza),
		cmocka_unit_test(test_parse_edges),
		cmocka_unit_test(test_stanza_size),
		cmocka_unit_test(test_build_error),
		cmocka_unit_test(test_build_ping_and_result),
		cmocka_unit_test(test_jid_answers),
		cmocka_unit_test(test_random_ids),
	};

	log_init(1, getenv("TEST_DEBUG") != NULL ? LOG_DEBUG : LOG_CRIT,
	    "test_xmpp_link_stanza");
	return cmocka_run_group_tests(tests, setup_ctx, teardown_ctx);
}
