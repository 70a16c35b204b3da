/*
 * The string builder, XML escaping and checking, and the <message/>
 * stanzas, compared byte for byte and parsed back with libxml2.
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

#include "errors.h"
#include "stanza.h"

/* Parses sb's content as XML; returns the document or fails the test. */
static xmlDocPtr
parse_back(const struct strbuf *sb)
{
	xmlDocPtr doc = xmlReadMemory(sb->buf, (int)sb->len, NULL, "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

	if (doc == NULL)
		fail_msg("not well-formed: %s", sb->buf);
	return doc;
}

/* The text of the first child element called name of the root. */
static char *
child_text(xmlDocPtr doc, const char *name)
{
	for (xmlNode *n = xmlDocGetRootElement(doc)->children; n != NULL;
	    n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, name) == 0)
			return (char *)xmlNodeGetContent(n);
	return NULL;
}

/* Escaping of every special character, in text and attribute modes. */
static void
test_escaping(void **state)
{
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	strbuf_append_xml_escaped(&sb, "a&b<c>d\"e'f", 11);
	assert_string_equal(sb.buf, "a&amp;b&lt;c&gt;d&quot;e&apos;f");
	strbuf_reset(&sb);
	strbuf_append_xml_text(&sb, "a&b<c>d\"e'f", 11);
	assert_string_equal(sb.buf, "a&amp;b&lt;c&gt;d\"e'f");
	strbuf_reset(&sb);
	/* Attribute-value normalisation would eat TAB/LF; CR always goes. */
	strbuf_append_xml_escaped(&sb, "1\t2\n3\r4", 7);
	assert_string_equal(sb.buf, "1&#x9;2&#xA;3&#xD;4");
	strbuf_reset(&sb);
	strbuf_append_xml_text(&sb, "1\t2\n3\r4", 7);
	assert_string_equal(sb.buf, "1\t2\n3&#xD;4");
	strbuf_reset(&sb);
	strbuf_append_xml_text(&sb, "", 0);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	strbuf_append_xml_text(&sb, "&&&", 3);
	assert_string_equal(sb.buf, "&amp;&amp;&amp;");
	strbuf_free(&sb);
	assert_null(sb.buf);
}

/* Growth past the first allocation keeps every byte and the NUL. */
static void
test_growth(void **state)
{
	struct strbuf sb;
	char chunk[100];

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	strbuf_init(&sb);
	for (int i = 0; i < 1000; i++)
		strbuf_append(&sb, chunk, sizeof(chunk));
	strbuf_appends(&sb, "<");
	assert_false(sb.failed);
	assert_int_equal(sb.len, 100001);
	assert_true(sb.cap > sb.len);
	assert_int_equal(sb.buf[99999], 'x');
	assert_int_equal(sb.buf[100000], '<');
	assert_int_equal(sb.buf[100001], '\0');
	strbuf_free(&sb);
}

/* UTF-8 and XML 1.0 character checks, with the offending offset. */
static void
test_xml_check(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		int result;
		size_t bad_at;
	} rows[] = {
		{ "plain ascii text, longer than eight", 35, 0, 0 },
		{ "tab\tlf\ncr\r", 10, 0, 0 },
		{ "f\xc3\xbc", 3, 0, 0 },			/* ü */
		{ "\xe2\x82\xac", 3, 0, 0 },			/* € */
		{ "\xf0\x9f\x98\x80", 4, 0, 0 },		/* U+1F600 */
		{ "\xef\xbf\xbd", 3, 0, 0 },			/* U+FFFD */
		{ "\xf4\x8f\xbf\xbf", 4, 0, 0 },		/* U+10FFFF */
		{ "\xee\x80\x80", 3, 0, 0 },			/* U+E000 */
		{ "\xed\x9f\xbf", 3, 0, 0 },			/* U+D7FF */
		{ "abc\x00" "def", 7, STRBUF_BAD_XML_CHAR, 3 },
		{ "abcdefgh\x01", 9, STRBUF_BAD_XML_CHAR, 8 },
		{ "\x1b[0m", 4, STRBUF_BAD_XML_CHAR, 0 },
		{ "x\x0c", 2, STRBUF_BAD_XML_CHAR, 1 },
		{ "ab\xef\xbf\xbe", 5, STRBUF_BAD_XML_CHAR, 2 },	/* U+FFFE */
		{ "\xef\xbf\xbf", 3, STRBUF_BAD_XML_CHAR, 0 },	/* U+FFFF */
		{ "\xed\xa0\x80", 3, STRBUF_BAD_UTF8, 0 },	/* surrogate */
		{ "\xc0\xaf", 2, STRBUF_BAD_UTF8, 0 },		/* overlong / */
		{ "\xe0\x80\xaf", 3, STRBUF_BAD_UTF8, 0 },	/* overlong */
		{ "\xf0\x80\x80\xaf", 4, STRBUF_BAD_UTF8, 0 },	/* overlong */
		{ "\xf4\x90\x80\x80", 4, STRBUF_BAD_UTF8, 0 },	/* > U+10FFFF */
		{ "\xf8\x88\x80\x80\x80", 5, STRBUF_BAD_UTF8, 0 },
		{ "abcdefghijk\x80", 12, STRBUF_BAD_UTF8, 11 },
		{ "\xc3", 1, STRBUF_BAD_UTF8, 0 },		/* truncated */
		{ "\xe2\x82", 2, STRBUF_BAD_UTF8, 0 },
		{ "\xe2\x28\xa1", 3, STRBUF_BAD_UTF8, 0 },
		{ "\xff", 1, STRBUF_BAD_UTF8, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t bad = 999;
		int r = strbuf_xml_check(rows[i].s, rows[i].len, &bad);

		if (r != rows[i].result)
			fail_msg("row %zu: %d, expected %d", i, r,
			    rows[i].result);
		if (r != 0 && bad != rows[i].bad_at)
			fail_msg("row %zu: bad at %zu, expected %zu", i, bad,
			    rows[i].bad_at);
	}
	assert_int_equal(strbuf_xml_check("", 0, NULL), 0);
	assert_int_equal(strbuf_xml_check("\x00", 1, NULL),
	    STRBUF_BAD_XML_CHAR);
}

/* The checked append refuses bad text and leaves the buffer untouched. */
static void
test_checked_append(void **state)
{
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	strbuf_appends(&sb, "keep");
	assert_int_equal(strbuf_append_xml_checked(&sb, "a<\xff", 3, 0), -1);
	assert_int_equal(sb.len, 4);
	assert_string_equal(sb.buf, "keep");
	assert_int_equal(strbuf_append_xml_checked(&sb, "\x01", 1, 1), -1);
	assert_string_equal(sb.buf, "keep");
	assert_int_equal(strbuf_append_xml_checked(&sb, "'f\xc3\xbc'", 5, 1),
	    0);
	assert_string_equal(sb.buf, "keep&apos;f\xc3\xbc&apos;");
	strbuf_free(&sb);
}

/* RFC 7572 §5: a whole pager message, byte for byte. */
static void
test_message_full(void **state)
{
	struct strbuf sb;
	struct im_message m = {
		.from = "juliet@example.com",
		.to = "romeo@example.net/orchard",
		.id = "ju2ba41c",
		.type = "normal",
		.lang = "en",
		.subject = "Hi!",
		.thread = "Kl3cbIYOpmntz2pgbGQ7wg==",
		.body = "Art thou not Romeo, and a Montague?",
	};
	xmlDocPtr doc;
	char *t;

	(void)state;
	m.body_len = strlen(m.body);
	strbuf_init(&sb);
	assert_int_equal(stanza_build_message(&sb, &m), 0);
	assert_string_equal(sb.buf,
	    "<message from='juliet@example.com' "
	    "to='romeo@example.net/orchard' id='ju2ba41c' type='normal' "
	    "xml:lang='en'><subject>Hi!</subject>"
	    "<thread>Kl3cbIYOpmntz2pgbGQ7wg==</thread>"
	    "<body>Art thou not Romeo, and a Montague?</body></message>");
	doc = parse_back(&sb);
	t = child_text(doc, "body");
	assert_string_equal(t, m.body);
	xmlFree(t);
	xmlFreeDoc(doc);
	strbuf_free(&sb);
}

/* NULL fields are left out; only from and to are required. */
static void
test_message_minimal(void **state)
{
	struct strbuf sb;
	struct im_message m = { .from = "a@gw.example", .to = "b@example" };

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(stanza_build_message(&sb, &m), 0);
	assert_string_equal(sb.buf,
	    "<message from='a@gw.example' to='b@example'></message>");
	strbuf_reset(&sb);
	m.body = "";
	m.body_len = 0;
	assert_int_equal(stanza_build_message(&sb, &m), 0);
	assert_string_equal(sb.buf,
	    "<message from='a@gw.example' to='b@example'><body></body>"
	    "</message>");
	strbuf_free(&sb);
}

/* A missing address or bad text leaves the buffer as it was. */
static void
test_message_refused(void **state)
{
	struct strbuf sb;
	struct im_message m = {
		.from = "a@gw.example", .to = "b@example", .body = "ok",
		.body_len = 2,
	};
	struct im_message bad;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(stanza_build_message(&sb, &m), 0);
	size_t len = sb.len;

	bad = m;
	bad.from = NULL;
	assert_int_equal(stanza_build_message(&sb, &bad), -1);
	bad = m;
	bad.to = NULL;
	assert_int_equal(stanza_build_message(&sb, &bad), -1);
	bad = m;
	bad.to = "";
	assert_int_equal(stanza_build_message(&sb, &bad), -1);
	bad = m;
	bad.body = "bell\a";
	bad.body_len = 5;
	assert_int_equal(stanza_build_message(&sb, &bad), -1);
	bad = m;
	bad.body = "nul\0inside";
	bad.body_len = 10;
	assert_int_equal(stanza_build_message(&sb, &bad), -1);
	bad = m;
	bad.subject = "latin1 \xe9t\xe9";
	assert_int_equal(stanza_build_message(&sb, &bad), -1);
	bad = m;
	bad.id = "\xef\xbf\xbe";
	assert_int_equal(stanza_build_message(&sb, &bad), -1);
	bad = m;
	bad.thread = "\xed\xa0\x80";
	assert_int_equal(stanza_build_message(&sb, &bad), -1);
	bad = m;
	bad.lang = "en\x1f";
	assert_int_equal(stanza_build_message(&sb, &bad), -1);
	assert_int_equal(stanza_build_message(&sb, NULL), -1);

	assert_int_equal(sb.len, len);
	assert_string_equal(sb.buf,
	    "<message from='a@gw.example' to='b@example'><body>ok</body>"
	    "</message>");
	strbuf_free(&sb);
}

/* Nasty but valid values survive a round trip through an XML parser. */
static void
test_message_nasty_parses(void **state)
{
	static const char *const nasty[] = {
		"</body></message><message to='evil'>",
		"]]><![CDATA[x]]>",
		"&amp; &lt; &#0; &unknown;",
		"'\"'\"''",
		"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]>",
		"line1\r\nline2\rline3\n\ttab",
		"\xf0\x9f\x92\xa9 \xe2\x80\xae RTL \xef\xbb\xbf BOM",
		"\xc2\x80\xc2\x9f C1 controls are XML 1.0 chars",
		"",
	};
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	for (size_t i = 0; i < sizeof(nasty) / sizeof(nasty[0]); i++) {
		struct im_message m = {
			.from = "a'b\"c@gw.example", .to = nasty[i],
			.id = nasty[i], .type = "chat", .lang = nasty[i],
			.subject = nasty[i], .thread = nasty[i],
			.body = nasty[i], .body_len = strlen(nasty[i]),
		};
		xmlDocPtr doc;
		xmlChar *v;
		char *t;

		strbuf_reset(&sb);
		if (m.to[0] == '\0')
			m.to = "b@example";
		assert_int_equal(stanza_build_message(&sb, &m), 0);
		doc = parse_back(&sb);
		v = xmlGetProp(xmlDocGetRootElement(doc),
		    (const xmlChar *)"id");
		assert_string_equal((char *)v, nasty[i]);
		xmlFree(v);
		v = xmlGetProp(xmlDocGetRootElement(doc),
		    (const xmlChar *)"from");
		assert_string_equal((char *)v, "a'b\"c@gw.example");
		xmlFree(v);
		t = child_text(doc, "body");
		assert_string_equal(t, nasty[i]);
		xmlFree(t);
		t = child_text(doc, "subject");
		assert_string_equal(t, nasty[i]);
		xmlFree(t);
		xmlFreeDoc(doc);
	}
	strbuf_free(&sb);
}

/* Stanzas append: two in one buffer, the second refused, the first kept. */
static void
test_message_appends(void **state)
{
	struct strbuf sb;
	struct im_message m = { .from = "a@x", .to = "b@y" };

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(stanza_build_message(&sb, &m), 0);
	assert_int_equal(stanza_build_message(&sb, &m), 0);
	m.body = "\x02";
	m.body_len = 1;
	assert_int_equal(stanza_build_message(&sb, &m), -1);
	assert_string_equal(sb.buf,
	    "<message from='a@x' to='b@y'></message>"
	    "<message from='a@x' to='b@y'></message>");
	strbuf_free(&sb);
}

/* RFC 6120 §8.3 / RFC 7247 Table 3: a SIP 404 as an error stanza. */
static void
test_error_item_not_found(void **state)
{
	struct strbuf sb;
	struct im_error e = {
		.from = "bob@sip.example",
		.to = "alice@xmpp.example/phone",
		.id = "m1",
		.cond = errors_sip_to_xmpp(404),
		.text = "Not Found",
		.lang = "en",
	};
	xmlDocPtr doc;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(stanza_build_message_error(&sb, &e), 0);
	assert_string_equal(sb.buf,
	    "<message from='bob@sip.example' to='alice@xmpp.example/phone' "
	    "id='m1' type='error'><error type='cancel'>"
	    "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
	    "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' "
	    "xml:lang='en'>Not Found</text></error></message>");
	doc = parse_back(&sb);
	xmlFreeDoc(doc);
	strbuf_free(&sb);
}

/* No id, no text: both left out. */
static void
test_error_minimal(void **state)
{
	struct strbuf sb;
	struct im_error e = {
		.from = "bob@sip.example", .to = "alice@xmpp.example",
		.cond = errors_sip_to_xmpp(480),
	};

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(stanza_build_message_error(&sb, &e), 0);
	assert_string_equal(sb.buf,
	    "<message from='bob@sip.example' to='alice@xmpp.example' "
	    "type='error'><error type='wait'><recipient-unavailable "
	    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
	    "</message>");
	strbuf_free(&sb);
}

/*
 * RFC 7247 Table 3: 301 -> <gone/> with the new address as character
 * data (RFC 6120 §8.3.3.5), 410 -> <gone/> without, 302 -> <redirect/>
 * with (§8.3.3.14).
 */
static void
test_error_gone_redirect(void **state)
{
	struct strbuf sb;
	struct im_error e = {
		.from = "bob@sip.example", .to = "alice@xmpp.example",
		.id = "g1", .cond = errors_sip_to_xmpp(301),
		.gone_uri = "xmpp:bob@new.example?message&x='1'",
	};
	xmlDocPtr doc;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(stanza_build_message_error(&sb, &e), 0);
	assert_string_equal(sb.buf,
	    "<message from='bob@sip.example' to='alice@xmpp.example' "
	    "id='g1' type='error'><error type='cancel'><gone "
	    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>"
	    "xmpp:bob@new.example?message&amp;x='1'</gone></error>"
	    "</message>");
	doc = parse_back(&sb);
	xmlFreeDoc(doc);

	strbuf_reset(&sb);
	e.cond = errors_sip_to_xmpp(410);
	e.gone_uri = NULL;
	assert_int_equal(stanza_build_message_error(&sb, &e), 0);
	assert_string_equal(sb.buf,
	    "<message from='bob@sip.example' to='alice@xmpp.example' "
	    "id='g1' type='error'><error type='cancel'><gone "
	    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
	    "</message>");

	strbuf_reset(&sb);
	e.cond = errors_sip_to_xmpp(302);
	e.redirect_uri = "xmpp:bob@elsewhere.example";
	e.gone_uri = "xmpp:ignored@example";
	assert_int_equal(stanza_build_message_error(&sb, &e), 0);
	assert_string_equal(sb.buf,
	    "<message from='bob@sip.example' to='alice@xmpp.example' "
	    "id='g1' type='error'><error type='modify'><redirect "
	    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>"
	    "xmpp:bob@elsewhere.example</redirect></error></message>");
	strbuf_free(&sb);
}

/* Bad input to the error builder is refused without touching sb. */
static void
test_error_refused(void **state)
{
	struct strbuf sb;
	struct xmpp_error_cond evil = { "x'/><evil", "cancel" };
	struct xmpp_error_cond badtype = { "bad-request", "retry" };
	struct xmpp_error_cond notype = { "not-authorized", NULL };
	struct im_error e = {
		.from = "a@x", .to = "b@y", .cond = &evil,
	};

	(void)state;
	strbuf_init(&sb);
	strbuf_appends(&sb, "before");
	assert_int_equal(stanza_build_message_error(&sb, &e), -1);
	e.cond = &badtype;
	assert_int_equal(stanza_build_message_error(&sb, &e), -1);
	e.cond = NULL;
	assert_int_equal(stanza_build_message_error(&sb, &e), -1);
	e.cond = errors_sip_to_xmpp(500);
	e.from = NULL;
	assert_int_equal(stanza_build_message_error(&sb, &e), -1);
	assert_string_equal(sb.buf, "before");

	/* A missing type is filled in from RFC 6120's table. */
	e.from = "a@x";
	e.cond = &notype;
	assert_int_equal(stanza_build_message_error(&sb, &e), 0);
	assert_string_equal(sb.buf, "before<message from='a@x' to='b@y' "
	    "type='error'><error type='auth'><not-authorized "
	    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
	    "</message>");
	strbuf_free(&sb);
}

/*
 * A reason phrase that is not UTF-8 or holds controls (a SIP peer's
 * "404 gef\xfcnden", "404 Not\x01Found") still makes an error stanza:
 * the text is made fit, never a reason to lose the error.
 */
static void
test_error_text_sanitized(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "gef\xfcnden", "gef\xef\xbf\xbdnden" },
		{ "Not\x01" "Found", "Not Found" },
		{ "bad \xc3", "bad \xef\xbf\xbd" },
		{ "a\x80\x81\x82z", "a\xef\xbf\xbdz" },
		{ "tab\tcr\rlf\ndel\x7f", "tab cr lf del " },
		{ "c1 \xc2\x85 nel", "c1   nel" },
		{ "nonchar \xef\xbf\xbe", "nonchar \xef\xbf\xbd" },
		{ "surrogate \xed\xa0\x80", "surrogate \xef\xbf\xbd" },
		{ "over \xc0\xaf", "over \xef\xbf\xbd" },
		{ "gefunden \xc3\xbc <&>", "gefunden \xc3\xbc <&>" },
	};
	struct strbuf sb;
	struct im_error e = {
		.from = "bob@sip.example", .to = "alice@xmpp.example",
		.id = "s1", .cond = errors_sip_to_xmpp(404),
	};
	char want[256];

	(void)state;
	strbuf_init(&sb);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		xmlDocPtr doc;
		xmlNodePtr n;
		xmlChar *got = NULL;

		strbuf_reset(&sb);
		e.text = cases[i].in;
		assert_int_equal(stanza_build_message_error(&sb, &e), 0);
		doc = parse_back(&sb);
		/* message/error/text */
		for (n = xmlDocGetRootElement(doc)->children; n != NULL &&
		    xmlStrcmp(n->name, BAD_CAST "error") != 0; n = n->next)
			;
		assert_non_null(n);
		for (n = n->children; n != NULL &&
		    xmlStrcmp(n->name, BAD_CAST "text") != 0; n = n->next)
			;
		assert_non_null(n);
		got = xmlNodeGetContent(n);
		assert_string_equal((const char *)got, cases[i].out);
		xmlFree(got);
		xmlFreeDoc(doc);
	}
	/* Nothing left of the text: no <text/> at all. */
	strbuf_reset(&sb);
	e.text = "";
	assert_int_equal(stanza_build_message_error(&sb, &e), 0);
	assert_null(strstr(sb.buf, "<text"));
	/* A language tag XML cannot carry is left out, not fatal. */
	strbuf_reset(&sb);
	e.text = "Not Found";
	e.lang = "e\xffn";
	assert_int_equal(stanza_build_message_error(&sb, &e), 0);
	assert_null(strstr(sb.buf, "xml:lang"));
	/* The text is cut without splitting a character. */
	memset(want, 'x', sizeof(want));
	want[sizeof(want) - 1] = '\0';
	strbuf_reset(&sb);
	e.lang = NULL;
	e.text = want;
	assert_int_equal(stanza_build_message_error(&sb, &e), 0);
	strbuf_free(&sb);
}

/* errors_text_sanitize: cut to size on a character boundary. */
static void
test_error_text_cut(void **state)
{
	char out[6];

	(void)state;
	/* "ab" + U+00FC (2 bytes) + U+FFFD would need 7 bytes with NUL. */
	assert_int_equal(errors_text_sanitize("ab\xc3\xbc\xff", 5, out,
	    sizeof(out)), 4);
	assert_string_equal(out, "ab\xc3\xbc");
	assert_int_equal(errors_text_sanitize("abc\xc3\xbc", 5, out, 5), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(errors_text_sanitize(NULL, 0, out, 1), 0);
	assert_string_equal(out, "");
}

/* Every Table 3 outcome makes a well-formed stanza. */
static void
test_error_all_codes_parse(void **state)
{
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	for (int status = 300; status < 700; status++) {
		struct im_error e = {
			.from = "s@gw", .to = "x@y", .id = "<&>",
			.cond = errors_sip_to_xmpp(status),
			.text = errors_reason_phrase(status), .lang = "en",
			.gone_uri = status == 301 ? "xmpp:n@new" : NULL,
		};
		xmlDocPtr doc;

		strbuf_reset(&sb);
		assert_non_null(e.cond);
		assert_int_equal(stanza_build_message_error(&sb, &e), 0);
		doc = parse_back(&sb);
		xmlFreeDoc(doc);
	}
	strbuf_free(&sb);
}

/* RFC 6121 §4.7: show, status (with its own xml:lang), priority. */
static void
test_presence_full(void **state)
{
	struct strbuf sb;
	struct im_presence p = {
		.from = "romeo@sip.test/desk",
		.to = "juliet@xmpp.test",
		.lang = "en",
		.show = "away",
		.status = "At the ball & <dancing>",
		.status_lang = "fr",
		.priority = 5,
		.has_priority = 1,
	};
	xmlDocPtr doc;
	char *t;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(stanza_build_presence(&sb, &p), 0);
	assert_string_equal(sb.buf,
	    "<presence from='romeo@sip.test/desk' to='juliet@xmpp.test' "
	    "xml:lang='en'><show>away</show><status xml:lang='fr'>At the ball "
	    "&amp; &lt;dancing&gt;</status><priority>5</priority></presence>");
	doc = parse_back(&sb);
	t = child_text(doc, "status");
	assert_string_equal(t, p.status);
	xmlFree(t);
	xmlFreeDoc(doc);
	strbuf_free(&sb);
}

/* Subscription types are empty elements; errors carry a condition. */
static void
test_presence_types(void **state)
{
	struct strbuf sb;
	struct im_presence p = {
		.from = "romeo@sip.test", .to = "juliet@xmpp.test",
		.type = "subscribed",
	};

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(stanza_build_presence(&sb, &p), 0);
	assert_string_equal(sb.buf, "<presence from='romeo@sip.test' "
	    "to='juliet@xmpp.test' type='subscribed'/>");
	strbuf_reset(&sb);
	p.type = "error";
	p.error_condition = "item-not-found";
	assert_int_equal(stanza_build_presence(&sb, &p), 0);
	assert_string_equal(sb.buf, "<presence from='romeo@sip.test' "
	    "to='juliet@xmpp.test' type='error'><error type='cancel'>"
	    "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
	    "</error></presence>");
	strbuf_free(&sb);
}

/* Types and shows RFC 6121 does not define, or no address: refused. */
static void
test_presence_refused(void **state)
{
	struct strbuf sb;
	struct im_presence p = { .from = "a@b", .to = "c@d", .type = "bogus" };

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(stanza_build_presence(&sb, &p), -1);
	p.type = NULL;
	p.show = "busy";
	assert_int_equal(stanza_build_presence(&sb, &p), -1);
	p.show = NULL;
	p.status = "bad \x01 control";
	assert_int_equal(stanza_build_presence(&sb, &p), -1);
	p.status = NULL;
	p.to = NULL;
	assert_int_equal(stanza_build_presence(&sb, &p), -1);
	assert_int_equal(sb.len, 0);
	strbuf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_xml_check),
		cmocka_unit_test(test_checked_append),
		cmocka_unit_test(test_message_full),
		cmocka_unit_test(test_message_minimal),
		cmocka_unit_test(test_message_refused),
		cmocka_unit_test(test_message_nasty_parses),
		cmocka_unit_test(test_message_appends),
		cmocka_unit_test(test_error_item_not_found),
		cmocka_unit_test(test_error_minimal),
		cmocka_unit_test(test_error_gone_redirect),
		cmocka_unit_test(test_error_refused),
		cmocka_unit_test(test_error_text_sanitized),
		cmocka_unit_test(test_error_text_cut),
		cmocka_unit_test(test_error_all_codes_parse),
		cmocka_unit_test(test_presence_full),
		cmocka_unit_test(test_presence_types),
		cmocka_unit_test(test_presence_refused),
	};
	int r;

	xmlInitParser();
	r = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return r;
}
