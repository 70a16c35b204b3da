/*
 * The XMPP link. First its pure half (xmpp_link_stanza.c) on the RFCs'
 * and XEPs' own example stanzas; then the link itself against a scripted
 * XEP-0114 server in the same event loop: handshake, sends refused before
 * it, the ping barrier, answers to IQs, the size limit, disconnects,
 * reconnection and a refused secret.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <strophe.h>

#include "config.h"
#include "log.h"
#include "xmpp_link.h"

#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"

static xmpp_ctx_t *sctx;

/* Parses text into a stanza; the test fails if libstrophe refuses it. */
static xmpp_stanza_t *
stanza(const char *text)
{
	xmpp_stanza_t *st = xmpp_stanza_new_from_string(sctx, text);

	if (st == NULL)
		fail_msg("libstrophe did not parse %s", text);
	return st;
}

static int
setup_ctx(void **state)
{
	(void)state;
	xmpp_initialize();
	sctx = xmpp_ctx_new(NULL, NULL);
	return sctx == NULL;
}

static int
teardown_ctx(void **state)
{
	(void)state;
	xmpp_ctx_free(sctx);
	return 0;
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
	assert_false(p.msg.has_receipt_request);
	assert_false(p.msg.has_other_payload);
	xmpp_link_parsed_clear(&p);
	xmpp_stanza_release(st);

	/* A receipt itself (<received/>) is not translated: other payload. */
	st = stanza("<message to='a@b' id='x'>"
	    "<received xmlns='urn:xmpp:receipts' id='richard2-4.1.247'/>"
	    "<thread>t1</thread></message>");
	assert_int_equal(xmpp_link_parse_message(st, &p), 0);
	assert_true(p.msg.has_other_payload);
	assert_false(p.msg.has_receipt_request);
	assert_null(p.msg.body);
	assert_string_equal(p.msg.thread, "t1");
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

/* ---- the link against a scripted XEP-0114 server ------------------------ */

struct fake {
	struct event_base	*base;
	struct evconnlistener	*lis;
	int			 port;
	struct bufferevent	*bev;
	char			*in;		/* bytes since the handshake */
	size_t			 in_len;
	int			 opened;
	int			 handshaken;
	int			 connections;
	int			 handshakes;
	int			 reject;	/* answer not-authorized */
	char			 secret[64];
};

struct events {
	int	up;
	int	down;
	int	messages;
	char	last_body[256];
	char	last_id[64];
	int	pings_ok;
	int	pings_failed;
};

static struct fake fk;
static struct events evs;

/* Appends what the server got after the handshake. */
static void
fake_keep(const char *data, size_t len)
{
	fk.in = realloc(fk.in, fk.in_len + len + 1);
	assert_non_null(fk.in);
	memcpy(fk.in + fk.in_len, data, len);
	fk.in_len += len;
	fk.in[fk.in_len] = '\0';
}

/* The server: stream header, then the handshake check, then records. */
static void
fake_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *input = bufferevent_get_input(bev);
	char *line, digest[64], *hex, *end;
	size_t len;

	(void)arg;
	len = evbuffer_get_length(input);
	line = malloc(len + 1);
	evbuffer_copyout(input, line, len);
	line[len] = '\0';
	if (!fk.opened) {
		char *s = strstr(line, "<stream:stream");

		if (s == NULL || strchr(s, '>') == NULL)
			goto out;
		evbuffer_drain(input, (size_t)(strchr(s, '>') + 1 - line));
		fk.opened = 1;
		bufferevent_write(bev, "<?xml version='1.0'?><stream:stream "
		    "xmlns='jabber:component:accept' xmlns:stream="
		    "'http://etherx.jabber.org/streams' id='s1d' "
		    "from='sip.test'>", strlen("<?xml version='1.0'?>"
		    "<stream:stream xmlns='jabber:component:accept' "
		    "xmlns:stream='http://etherx.jabber.org/streams' "
		    "id='s1d' from='sip.test'>"));
		goto out;
	}
	if (!fk.handshaken) {
		char *h = strstr(line, "<handshake"), *gt, *e;

		if (h == NULL || (e = strstr(h, "</handshake>")) == NULL)
			goto out;
		gt = strchr(h, '>');
		snprintf(digest, sizeof(digest), "%.*s", (int)(e - gt - 1),
		    gt + 1);
		evbuffer_drain(input, (size_t)(e + 12 - line));
		snprintf(line, len + 1, "s1d%s", fk.secret);
		hex = xmpp_sha1(sctx, (unsigned char *)line, strlen(line));
		if (fk.reject || strcmp(hex, digest) != 0) {
			const char *err = "<stream:error><not-authorized "
			    "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
			    "</stream:error></stream:stream>";
			bufferevent_write(bev, err, strlen(err));
		} else {
			fk.handshaken = 1;
			fk.handshakes++;
			bufferevent_write(bev, "<handshake/>", 12);
		}
		xmpp_free(sctx, hex);
		goto out;
	}
	end = line + len;
	fake_keep(line, (size_t)(end - line));
	evbuffer_drain(input, len);
out:
	free(line);
}

static void
fake_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)arg;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		bufferevent_free(bev);
		if (fk.bev == bev)
			fk.bev = NULL;
	}
}

static void
fake_accept_cb(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	(void)lis;
	(void)sa;
	(void)salen;
	(void)arg;
	if (fk.bev != NULL)
		bufferevent_free(fk.bev);
	fk.bev = bufferevent_socket_new(fk.base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(fk.bev, fake_read_cb, NULL, fake_event_cb, NULL);
	bufferevent_enable(fk.bev, EV_READ | EV_WRITE);
	fk.opened = fk.handshaken = 0;
	fk.connections++;
	free(fk.in);
	fk.in = NULL;
	fk.in_len = 0;
}

/* The server sends raw text on the current connection. */
static void
fake_send(const char *xml)
{
	assert_non_null(fk.bev);
	bufferevent_write(fk.bev, xml, strlen(xml));
}

/* The server drops the current connection, as a crash would. */
static void
fake_drop(void)
{
	if (fk.bev != NULL) {
		bufferevent_free(fk.bev);
		fk.bev = NULL;
	}
}

static void
loop_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* A deadline for WAIT_FOR: sets *expired when ms have passed. */
static struct event *
deadline_new(int *expired, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event *t = evtimer_new(fk.base, loop_timeout_cb, expired);

	evtimer_add(t, &tv);
	return t;
}

/* Runs the loop until cond holds; fails the test after ms. */
#define WAIT_FOR(cond, ms) do {						\
	int expired_ = 0;						\
	struct event *t_ = deadline_new(&expired_, (ms));		\
	while (!(cond) && !expired_)					\
		event_base_loop(fk.base, EVLOOP_ONCE);			\
	event_free(t_);							\
	if (!(cond))							\
		fail_msg("line %d: no '%s' within %d ms", __LINE__,	\
		    #cond, (ms));					\
} while (0)

static void
up_cb(void *arg)
{
	(void)arg;
	evs.up++;
}

static void
down_cb(void *arg)
{
	(void)arg;
	evs.down++;
}

static void
message_cb(void *arg, const struct xmpp_in_message *m)
{
	(void)arg;
	evs.messages++;
	snprintf(evs.last_body, sizeof(evs.last_body), "%s",
	    m->body != NULL ? m->body : "(null)");
	snprintf(evs.last_id, sizeof(evs.last_id), "%s",
	    m->id != NULL ? m->id : "(null)");
}

static void
ping_cb(void *arg, int ok)
{
	(void)arg;
	if (ok)
		evs.pings_ok++;
	else
		evs.pings_failed++;
}

static struct config lcfg;

static int
setup_fake(void **state)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);

	(void)state;
	memset(&fk, 0, sizeof(fk));
	memset(&evs, 0, sizeof(evs));
	snprintf(fk.secret, sizeof(fk.secret), "s3cret");
	fk.base = event_base_new();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fk.lis = evconnlistener_new_bind(fk.base, fake_accept_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
	    (struct sockaddr *)&sin, sizeof(sin));
	if (fk.lis == NULL)
		return -1;
	getsockname(evconnlistener_get_fd(fk.lis), (struct sockaddr *)&sin,
	    &slen);
	fk.port = ntohs(sin.sin_port);
	memset(&lcfg, 0, sizeof(lcfg));
	lcfg.path = "test";
	lcfg.xmpp_host = "127.0.0.1";
	lcfg.xmpp_port = fk.port;
	lcfg.xmpp_component = "sip.test";
	lcfg.xmpp_secret = "s3cret";
	lcfg.xmpp_reconnect_min_ms = 20;
	lcfg.xmpp_reconnect_max_ms = 400;
	lcfg.xmpp_max_send_queue = 100;
	lcfg.xmpp_max_stanza_bytes = 4096;
	return 0;
}

static int
teardown_fake(void **state)
{
	(void)state;
	fake_drop();
	evconnlistener_free(fk.lis);
	event_base_free(fk.base);
	free(fk.in);
	fk.in = NULL;
	return 0;
}

/* xmpp_link_send() of a C string. */
static int
send_str(struct xmpp_link *link, const char *xml)
{
	return xmpp_link_send(link, xml, strlen(xml));
}

static const struct xmpp_link_handlers handlers = {
	.up_cb = up_cb, .down_cb = down_cb, .message_cb = message_cb,
};

/* Waits until the server has received text containing str. */
#define server_got(str)							\
	WAIT_FOR(fk.in != NULL && strstr(fk.in, (str)) != NULL, 2000)

/*
 * Handshake, no sends before it, a stanza each way, the ping barrier,
 * IQ answers, the size limit, then a dropped connection: pings fail,
 * down_cb, and the link comes back by itself.
 */
static void
test_link_lifecycle(void **state)
{
	struct xmpp_link *link;
	char big[6200], filler[6000];

	(void)state;
	link = xmpp_link_new(fk.base, &lcfg, &handlers, NULL);
	assert_non_null(link);
	assert_int_equal(xmpp_link_start(link), 0);
	assert_false(xmpp_link_is_ready(link));
	assert_int_equal(send_str(link, "<message/>"), -1);
	assert_int_equal(xmpp_link_ping(link, "sip.test", "xmpp.test", 100,
	    ping_cb, NULL), -1);
	WAIT_FOR(evs.up == 1, 3000);
	assert_true(xmpp_link_is_ready(link));
	assert_string_equal(xmpp_link_domain(link), "sip.test");

	/* Out: exactly the bytes we gave. */
	assert_int_equal(send_str(link, "<message from='a@sip.test' "
	    "to='b@xmpp.test'><body>hi</body></message>"), 0);
	xmpp_link_flush(link);
	server_got("<body>hi</body></message>");

	/* In: parsed and handed over. */
	fake_send("<message from='b@xmpp.test' to='a@sip.test' id='m7'>"
	    "<body>hello</body></message>");
	WAIT_FOR(evs.messages == 1, 2000);
	assert_string_equal(evs.last_body, "hello");
	assert_string_equal(evs.last_id, "m7");

	/* The barrier: an error answer counts as passed, like a result. */
	assert_int_equal(xmpp_link_ping(link, "sip.test", "xmpp.test", 2000,
	    ping_cb, NULL), 0);
	assert_int_equal(xmpp_link_pings_pending(link), 1);
	server_got("<ping xmlns='urn:xmpp:ping'/></iq>");
	{
		char *id = strstr(fk.in, "id='sxp-"), reply[256];

		assert_non_null(id);
		/* Its id carries 96 random bits: 24 hex digits. */
		assert_int_equal(strchr(id + 4, '\'') - (id + 8), 24);
		/*
		 * The right id from anyone but the pinged domain is not an
		 * answer (a user of the domain, a resource of it, no from).
		 */
		snprintf(reply, sizeof(reply), "<iq type='result' from="
		    "'mallory@xmpp.test' to='sip.test' %.*s/>",
		    (int)(strchr(id + 4, '\'') - id + 1), id);
		fake_send(reply);
		snprintf(reply, sizeof(reply), "<iq type='result' from="
		    "'xmpp.test/x' to='sip.test' %.*s/>",
		    (int)(strchr(id + 4, '\'') - id + 1), id);
		fake_send(reply);
		snprintf(reply, sizeof(reply), "<iq type='result' "
		    "to='sip.test' %.*s/>",
		    (int)(strchr(id + 4, '\'') - id + 1), id);
		fake_send(reply);
		snprintf(reply, sizeof(reply), "<iq type='error' from="
		    "'xmpp.test' to='sip.test' %.*s/>",
		    (int)(strchr(id + 4, '\'') - id + 1), id);
		fake_send(reply);
	}
	WAIT_FOR(evs.pings_ok == 1, 2000);
	assert_int_equal(evs.pings_failed, 0);
	assert_int_equal(xmpp_link_pings_pending(link), 0);

	/* Nobody answers: ok=0 after the timeout. */
	assert_int_equal(xmpp_link_ping(link, NULL, "xmpp.test", 50, ping_cb,
	    NULL), 0);
	WAIT_FOR(evs.pings_failed == 1, 2000);

	/* IQs for us: ping answered, the rest service-unavailable. */
	fake_send("<iq type='get' id='q1' from='b@xmpp.test/r' "
	    "to='sip.test'><ping xmlns='urn:xmpp:ping'/></iq>");
	server_got("<iq from='sip.test' to='b@xmpp.test/r' "
	    "id='q1' type='result'/>");
	fake_send("<iq type='get' id='q2' from='b@xmpp.test/r' "
	    "to='sip.test'><query xmlns='http://jabber.org/protocol/"
	    "disco#info'/></iq>");
	server_got("<identity category='gateway' type='sip'");
	server_got("<feature var='jid\\20escaping'/>");
	fake_send("<iq type='set' id='q3' from='b@xmpp.test/r' "
	    "to='x@sip.test'><query xmlns='jabber:iq:roster'/></iq>");
	server_got("<iq from='x@sip.test' to='b@xmpp.test/r' "
	    "id='q3' type='error'><error type='cancel'><service-unavailable");
	/* Results nobody asked for are not answered (no loops). */
	fake_send("<iq type='result' id='zz' from='b@xmpp.test/r' "
	    "to='sip.test'/>");

	/* Too large: refused with policy-violation, not delivered. */
	memset(filler, 'x', sizeof(filler) - 1);
	filler[sizeof(filler) - 1] = '\0';
	snprintf(big, sizeof(big), "<message from='b@xmpp.test/r' "
	    "to='c@sip.test' id='big'><body>%s</body></message>", filler);
	fake_send(big);
	server_got("<message from='c@sip.test' to='b@xmpp.test/r'"
	    " id='big' type='error'><error type='modify'><policy-violation");
	assert_int_equal(evs.messages, 1);
	/* ... but an error stanza is never answered with an error. */
	snprintf(big, sizeof(big), "<message from='b@xmpp.test/r' "
	    "to='c@sip.test' id='big2' type='error'><body>%s</body>"
	    "</message>", filler);
	fake_send(big);
	fake_send("<message from='b@xmpp.test' to='a@sip.test' id='m8'>"
	    "<body>after</body></message>");
	WAIT_FOR(evs.messages == 2, 2000);
	assert_string_equal(evs.last_id, "m8");
	assert_null(strstr(fk.in, "id='big2'"));

	/* The server goes away with a ping in flight. */
	assert_int_equal(xmpp_link_ping(link, NULL, "xmpp.test", 5000,
	    ping_cb, NULL), 0);
	fake_drop();
	WAIT_FOR(evs.down == 1, 2000);
	assert_int_equal(evs.pings_failed, 2);
	assert_false(xmpp_link_is_ready(link));
	assert_int_equal(send_str(link, "<message/>"), -1);

	/* It reconnects by itself, and sending works again. */
	WAIT_FOR(evs.up == 2, 3000);
	assert_int_equal(fk.handshakes, 2);
	assert_int_equal(send_str(link, "<message from='a@sip.test' "
	    "to='b@xmpp.test'><body>again</body></message>"), 0);
	server_got("<body>again</body>");

	/* Stop: </stream:stream>, pings fail, no down_cb, nothing sent. */
	assert_int_equal(xmpp_link_ping(link, NULL, "xmpp.test", 5000,
	    ping_cb, NULL), 0);
	xmpp_link_stop(link);
	assert_int_equal(evs.pings_failed, 3);
	assert_int_equal(evs.down, 1);
	assert_false(xmpp_link_is_ready(link));
	server_got("</stream:stream>");

	/* Started again while the old stream still closes: it comes back. */
	assert_int_equal(xmpp_link_start(link), 0);
	fake_send("</stream:stream>");
	WAIT_FOR(evs.up == 3, 3000);
	assert_int_equal(fk.handshakes, 3);
	assert_int_equal(evs.down, 1);
	xmpp_link_free(link);
}

/* A full send queue pushes back instead of growing without bound. */
static void
test_link_queue_limit(void **state)
{
	struct xmpp_link *link;
	const char *m = "<message from='a@sip.test' to='b@xmpp.test'/>";
	int sent = 0;

	(void)state;
	lcfg.xmpp_max_send_queue = 5;
	link = xmpp_link_new(fk.base, &lcfg, &handlers, NULL);
	assert_int_equal(xmpp_link_start(link), 0);
	WAIT_FOR(evs.up == 1, 3000);
	for (int i = 0; i < 10; i++)
		if (xmpp_link_send(link, m, strlen(m)) == 0)
			sent++;
	assert_int_equal(sent, 5);
	assert_int_equal(xmpp_link_queue_len(link), 5);
	/* Pings vouch for what is queued: they are not refused. */
	assert_int_equal(xmpp_link_ping(link, NULL, "xmpp.test", 1000,
	    ping_cb, NULL), 0);
	WAIT_FOR(xmpp_link_queue_len(link) == 0, 2000);
	assert_int_equal(xmpp_link_send(link, m, strlen(m)), 0);
	/*
	 * Errors have room of their own: with the queue full of ordinary
	 * stanzas, 64 (the least reserve) still go; the next one is counted.
	 */
	while (xmpp_link_send(link, m, strlen(m)) == 0)
		;
	sent = 0;
	for (int i = 0; i < 70; i++)
		if (xmpp_link_send_error(link, m, strlen(m), "test") == 0)
			sent++;
	assert_int_equal(sent, 64);
	assert_int_equal(xmpp_link_errors_dropped(link), 6);
	xmpp_link_free(link);
	assert_int_equal(evs.pings_failed, 1);	/* freed while pending */
}

/* A refused secret: no up, and retries wait reconnect_max_ms / 2 .. max. */
static void
test_link_bad_secret(void **state)
{
	struct xmpp_link *link;
	struct timespec t0, t1;
	long ms;

	(void)state;
	fk.reject = 1;
	lcfg.xmpp_reconnect_max_ms = 300;
	link = xmpp_link_new(fk.base, &lcfg, &handlers, NULL);
	assert_int_equal(xmpp_link_start(link), 0);
	WAIT_FOR(fk.connections == 1 && fk.bev == NULL, 2000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	WAIT_FOR(fk.connections == 2, 2000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) /
	    1000000;
	assert_true(ms >= 140);
	assert_int_equal(evs.up, 0);
	assert_int_equal(evs.down, 0);
	/* The secret is fixed (SIGHUP): the next attempt succeeds. */
	fk.reject = 0;
	WAIT_FOR(evs.up == 1, 2000);
	xmpp_link_free(link);
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
		cmocka_unit_test_setup_teardown(test_link_lifecycle,
		    setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_link_queue_limit,
		    setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_link_bad_secret,
		    setup_fake, teardown_fake),
	};

	log_init(1, getenv("TEST_DEBUG") != NULL ? LOG_DEBUG : LOG_CRIT,
	    "test_xmpp_link");
	return cmocka_run_group_tests(tests, setup_ctx, teardown_ctx);
}
