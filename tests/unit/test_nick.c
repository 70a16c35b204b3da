/*
 * Names (issue 14 item 4, XEP-0172): a <nick/> read at the XMPP edge is
 * fit for a SIP From display-name whatever it held (controls, a flood of
 * white space, megabytes, markup, repeats, the wrong namespace); the
 * display-name we write is one quoted-string whatever the name; and the
 * <nick/> we write into a message is XML-escaped, and left out (the
 * message still goes) when it is no text.
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
#include "sip_display.h"
#include "stanza.h"
#include "strbuf.h"
#include "xmpp_link.h"

#include "xmpp_link_fixtures.h"

#define NICK_OPEN "<nick xmlns='http://jabber.org/protocol/nick'>"

/* The nick xmpp_link_parse_message reads from a message with this
 * payload, copied into out (size 256); NULL when none. */
static const char *
message_nick(const char *payload, char *out)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;
	char *text;
	const char *nick;

	if (asprintf(&text, "<message from='juliet@example.com/balcony' "
	    "to='romeo@gw.example' type='chat'><body>hi</body>%s</message>",
	    payload) < 0)
		fail();
	if ((st = xmpp_stanza_new_from_string(sctx, text)) == NULL)
		fail_msg("libstrophe did not parse %s", text);
	free(text);
	assert_int_equal(xmpp_link_parse_message(st, &p), 0);
	assert_string_equal(p.msg.body, "hi");
	nick = p.msg.nick;
	if (nick != NULL) {
		assert_true(strlen(nick) <= XMPP_NICK_MAX);
		snprintf(out, 256, "%s", nick);
	}
	xmpp_link_parsed_clear(&p);
	xmpp_stanza_release(st);
	return nick != NULL ? out : NULL;
}

/* XEP-0172 §3's example, and what hostile names become. */
static void
test_parse_message_nick(void **state)
{
	char buf[256], *big;
	size_t i;

	(void)state;
	assert_string_equal(message_nick(NICK_OPEN "Juliet Capulet</nick>",
	    buf), "Juliet Capulet");
	assert_null(message_nick("", buf));
	assert_null(message_nick(NICK_OPEN "</nick>", buf));
	assert_null(message_nick(NICK_OPEN " \t\n </nick>", buf));
	/* controls (XML 1.0 allows tab, LF, CR and C1) go, space folds */
	assert_string_equal(message_nick(NICK_OPEN "  a\r\n\r\nb\t c \xc2\x85"
	    "d\xc2\x9f  </nick>", buf), "a b c d");
	/* the first <nick/> counts; markup inside is dropped with its text */
	assert_string_equal(message_nick(NICK_OPEN "One</nick>" NICK_OPEN
	    "Two</nick>", buf), "One");
	assert_string_equal(message_nick(NICK_OPEN "A<b>B</b>C</nick>", buf),
	    "AC");
	/* quotes and backslashes stay text; the SIP side quotes them */
	assert_string_equal(message_nick(NICK_OPEN "\"x\\\" &lt;y&gt;</nick>",
	    buf), "\"x\\\" <y>");
	/* another namespace is not a nick */
	assert_null(message_nick("<nick xmlns='urn:example'>X</nick>", buf));
	/* a long name is cut at XMPP_NICK_MAX, at a character boundary */
	big = malloc(3 * 200 + 64);
	strcpy(big, NICK_OPEN "a");
	for (i = 0; i < 200; i++)
		strcat(big, "\xe2\x82\xac");		/* the euro sign */
	strcat(big, "</nick>");
	message_nick(big, buf);
	assert_int_equal(strlen(buf), 1 + 3 * ((XMPP_NICK_MAX - 1) / 3));
	assert_memory_equal(buf + strlen(buf) - 3, "\xe2\x82\xac", 3);
	free(big);
}

/* A subscription request's <nick/> (XEP-0172 §4.1) is read too. */
static void
test_parse_presence_nick(void **state)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;

	(void)state;
	st = xmpp_stanza_new_from_string(sctx, "<presence "
	    "from='juliet@example.com' to='romeo@gw.example' "
	    "type='subscribe'>" NICK_OPEN "Juliet\xc2\x85 C</nick>"
	    "</presence>");
	assert_non_null(st);
	assert_int_equal(xmpp_link_parse_presence(st, &p), 0);
	assert_string_equal(p.pres.type, "subscribe");
	assert_string_equal(p.pres.nick, "Juliet C");
	xmpp_link_parsed_clear(&p);
	xmpp_stanza_release(st);
}

/* What sip_display_put writes for name. */
static char *
display(const char *name)
{
	static struct strbuf sb;

	strbuf_reset(&sb);
	sip_display_put(&sb, name);
	strbuf_appends(&sb, "");
	return sb.buf != NULL ? sb.buf : "";
}

/* The display-name is one quoted-string (RFC 3261 §25.1), read back
 * by our own reader as the name it was. */
static void
test_display_put(void **state)
{
	char back[SIP_DISPLAY_MAX + 1], *big;
	const char *d;

	(void)state;
	assert_string_equal(display(NULL), "");
	assert_string_equal(display(""), "");
	assert_string_equal(display("Juliet C"), "\"Juliet C\" ");
	d = display("a \"b\" \\c");
	assert_string_equal(d, "\"a \\\"b\\\" \\\\c\" ");
	assert_int_equal(sip_display_name(d, strlen(d), back, sizeof(back)),
	    8);
	assert_string_equal(back, "a \"b\" \\c");
	/* no line break gets into the header */
	assert_string_equal(display("x\r\nVia: evil\x7f"),
	    "\"x  Via: evil \" ");
	/* bounded, at a character boundary */
	big = malloc(3 * 100 + 2);
	memset(big, 0, 3 * 100 + 2);
	big[0] = 'a';
	for (int i = 0; i < 100; i++)
		memcpy(big + 1 + 3 * i, "\xe2\x82\xac", 3);
	d = display(big);
	assert_int_equal(strlen(d), 1 + 1 + 3 * 85 + 2);
	free(big);
}

/* The <nick/> of a message we write, escaped, or left out. */
static void
test_build_message_nick(void **state)
{
	struct strbuf sb = { 0 };
	struct im_message m = { 0 };

	(void)state;
	m.from = "romeo%sip.example@gw.example";
	m.to = "juliet@example.com";
	m.body = "hi";
	m.body_len = 2;
	m.nick = "Romeo <& Montague>";
	assert_int_equal(stanza_build_message(&sb, &m), 0);
	assert_non_null(strstr(sb.buf, "<body>hi</body>" NICK_OPEN
	    "Romeo &lt;&amp; Montague&gt;</nick></message>"));
	strbuf_reset(&sb);
	m.nick = "bad \xff utf-8";
	assert_int_equal(stanza_build_message(&sb, &m), 0);
	assert_null(strstr(sb.buf, "nick"));
	assert_non_null(strstr(sb.buf, "<body>hi</body></message>"));
	strbuf_free(&sb);
}

/* XEP-0172 §4.1-4.2: a name in a subscription request, never in a
 * broadcast. */
static void
test_build_presence_nick(void **state)
{
	struct strbuf sb = { 0 };
	struct im_presence pr = { 0 };

	(void)state;
	pr.from = "romeo@sip.test";
	pr.to = "juliet@xmpp.test";
	pr.type = "subscribe";
	pr.nick = "Romeo \"M\"";
	assert_int_equal(stanza_build_presence(&sb, &pr), 0);
	assert_string_equal(sb.buf, "<presence from='romeo@sip.test' "
	    "to='juliet@xmpp.test' type='subscribe'>" NICK_OPEN
	    "Romeo \"M\"</nick></presence>");
	strbuf_reset(&sb);
	pr.type = NULL;
	assert_int_equal(stanza_build_presence(&sb, &pr), 0);
	assert_null(strstr(sb.buf, "nick"));
	strbuf_reset(&sb);
	pr.type = "unavailable";
	assert_int_equal(stanza_build_presence(&sb, &pr), 0);
	assert_null(strstr(sb.buf, "nick"));
	strbuf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_message_nick),
		cmocka_unit_test(test_parse_presence_nick),
		cmocka_unit_test(test_display_put),
		cmocka_unit_test(test_build_message_nick),
		cmocka_unit_test(test_build_presence_nick),
	};

	log_init(1, getenv("TEST_DEBUG") != NULL ? LOG_DEBUG : LOG_CRIT,
	    "test_nick");
	return cmocka_run_group_tests(tests, setup_ctx, teardown_ctx);
}
