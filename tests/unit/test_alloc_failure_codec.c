/*
 * Allocation-failure pass over the codecs (issue 11 item 5; the shim and
 * the loop are in alloc_fail.c): each scenario calls a public API the way
 * test_content.c, test_pidf.c, test_stanza.c... do, and is run again with
 * allocation n failing for n = 1, 2, ... until it completes. Every run
 * must return the documented error (or the right result), leak nothing
 * and not crash. libxml2 allocates through the shim too (xmlMemSetup), so
 * its failures reach our error paths as well.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xmlmemory.h>

#include "alloc_fail.h"
#include "caps.h"
#include "chatstate.h"
#include "conference_info.h"
#include "content.h"
#include "cpim.h"
#include "cpim_build.h"
#include "errors.h"
#include "iscomposing.h"
#include "pidf.h"
#include "sip_event.h"
#include "sip_frame.h"
#include "sip_request_scan.h"
#include "sip_scan.h"
#include "sip_stream.h"
#include "stanza.h"
#include "stanza_muc.h"

#define S(s)	(s), (sizeof(s) - 1)

/* Runs content_to_text on a copy; 0 if the text is expected, -1 on NOMEM. */
static int
content_case(const char *type, const char *body, size_t len,
    const char *expect, const char *from)
{
	struct content_text out;
	char *cause = NULL;
	int r;

	r = content_to_text(type, NULL, body, len, &out, &cause);
	if (r == CONTENT_NOMEM) {
		assert_null(out.text);
		free(cause);
		return -1;
	}
	if (r != CONTENT_TEXT)
		fail_msg("content %s: verdict %d (%s)", type, r,
		    cause != NULL ? cause : "no cause");
	assert_null(cause);
	assert_string_equal(out.text, expect);
	if (from != NULL)
		assert_string_equal(out.cpim_from, from);
	content_text_clear(&out);
	return 0;
}

/* text/plain in Latin-1 (iconv), and text/html reduced by libxml2. */
static int
sc_content_plain_html(void)
{
	if (content_case("text/plain; charset=ISO-8859-1", S("Sch\xf6n"),
	    "Sch\xc3\xb6n", NULL) != 0)
		return -1;
	return content_case("text/html", S("<html><body><p>Hello <b>"
	    "there</b></p><p>line 2</p></body></html>"), "Hello there\nline 2",
	    NULL);
}

/* RFC 3862 message/cpim wrapping text: sender, subject, language. */
static int
sc_content_cpim(void)
{
	static const char body[] =
	    "From: \"Alice\" <sip:alice@example.com>\r\n"
	    "To: <sip:bob@example.com>\r\n"
	    "DateTime: 2000-12-13T13:40:00-08:00\r\n"
	    "Subject: Gr\xc3\xbc\xc3\x9f" "e\r\n"
	    "\r\n"
	    "Content-Type: text/plain; charset=ISO-8859-1\r\n"
	    "Content-Language: de, en\r\n"
	    "\r\n"
	    "Sch\xf6n\r\nhier";
	struct cpim_message m;

	if (cpim_parse(S(body), &m) != 0)
		fail_msg("cpim_parse refused the RFC 3862 example");
	return content_case("message/cpim", S(body), "Sch\xc3\xb6n\nhier",
	    "sip:alice@example.com");
}

/* Refusals keep their verdict; only the words may be lost. */
static int
sc_content_refused(void)
{
	struct content_text out;
	char *cause = NULL;
	int r;

	r = content_to_text("text/plain; charset=UTF-8", NULL, S("a\xff"),
	    &out, &cause);
	assert_int_equal(r, CONTENT_MALFORMED);
	assert_null(out.text);
	if (cause == NULL)
		return -1;
	free(cause);
	cause = NULL;
	r = content_to_text("application/xhtml+xml", NULL,
	    S("<html xmlns='http://www.w3.org/1999/xhtml'><body><p>Hi</p>"
	    "</body></html>"), &out, &cause);
	if (r == CONTENT_NOMEM) {
		free(cause);
		return -1;
	}
	assert_int_equal(r, CONTENT_TEXT);
	assert_string_equal(out.text, "Hi");
	content_text_clear(&out);
	return 0;
}

/* A refused PIDF: -1 with its cause, or none if the cause itself failed. */
static int
sc_pidf_refused(void)
{
	struct presence_doc doc;
	char *cause = NULL;

	assert_int_equal(pidf_parse(S("<presence xmlns='urn:ietf:params:"
	    "xml:ns:pidf' entity='pres:a@example.com'><tuple>"), &doc,
	    &cause), -1);
	assert_null(doc.tuples);
	if (cause == NULL)
		return -1;
	free(cause);
	return 0;
}

/* RFC 3863 §6 and RFC 4480 PIDF, to XMPP, packed and unpacked. */
static int
sc_pidf_parse(void)
{
	static const char body[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<impp:presence xmlns:impp=\"urn:ietf:params:xml:ns:pidf\"\n"
	    "    xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\"\n"
	    "    xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\"\n"
	    "    entity=\"pres:someone@example.com\">\n"
	    "  <impp:tuple id=\"sg89ae\">\n"
	    "    <impp:status><impp:basic>open</impp:basic></impp:status>\n"
	    "    <impp:contact priority=\"0.8\">tel:+09012345678"
	    "</impp:contact>\n"
	    "    <impp:note xml:lang=\"en\">Don't Disturb Please!</impp:note>\n"
	    "  </impp:tuple>\n"
	    "  <impp:tuple id=\"ID-phone\">\n"
	    "    <impp:status><impp:basic>closed</impp:basic></impp:status>\n"
	    "  </impp:tuple>\n"
	    "  <dm:person id=\"p1\"><rpid:activities><rpid:away/>"
	    "</rpid:activities><impp:note>At lunch</impp:note></dm:person>\n"
	    "</impp:presence>\n";
	struct presence_doc doc;
	struct pidf_xmpp *v = NULL, *u = NULL;
	char *cause = NULL, *packed = NULL;
	size_t n = 0, m = 0;
	int ret = -1;

	if (pidf_parse(S(body), &doc, &cause) != 0) {
		/* A refusal under failure still says why, or nothing. */
		assert_null(doc.tuples);
		free(cause);
		return -1;
	}
	assert_null(cause);
	assert_int_equal(doc.n, 2);
	assert_string_equal(doc.entity, "pres:someone@example.com");
	if (pidf_to_xmpp(&doc, &v, &n) != 0)
		goto out;
	assert_int_equal(n, 2);
	if ((packed = pidf_xmpp_pack(v, n)) == NULL)
		goto out;
	if (pidf_xmpp_unpack(packed, &u, &m) != 0)
		goto out;
	assert_int_equal(m, n);
	assert_string_equal(u[0].resource, v[0].resource);
	ret = 0;
out:
	free(u);
	free(packed);
	free(v);
	pidf_doc_free(&doc);
	return ret;
}

/* pidf_build of two tuples, and the tuple id codec. */
static int
sc_pidf_build(void)
{
	struct presence_tuple t[2];
	struct strbuf sb;
	char *id;
	int r;

	memset(t, 0, sizeof(t));
	t[0].id = "balcony/phone";
	t[0].basic = PRESENCE_BASIC_OPEN;
	t[0].priority = 5;
	t[0].note = "Wherefore art thou <Romeo>?";
	t[0].note_lang = "en";
	t[0].show = PRESENCE_SHOW_AWAY;
	t[1].id = "orchard";
	t[1].basic = PRESENCE_BASIC_CLOSED;
	t[1].priority = -1;
	strbuf_init(&sb);
	r = pidf_build(&sb, "pres:juliet@example.com", t, 2);
	if (r == 0) {
		assert_false(sb.failed);
		assert_non_null(strstr(sb.buf, "&lt;Romeo&gt;"));
	} else
		assert_int_equal(r, -1);
	strbuf_free(&sb);
	if (r != 0)
		return -1;
	strbuf_init(&sb);
	pidf_id_encode(&sb, "balcony/phone x");
	if (sb.failed) {
		strbuf_free(&sb);
		return -1;
	}
	id = pidf_id_decode(sb.buf);
	strbuf_free(&sb);
	if (id == NULL)
		return -1;
	assert_string_equal(id, "balcony/phone x");
	free(id);
	/* Not one of ours: kept as it is. */
	if ((id = pidf_id_decode("sg89ae")) == NULL)
		return -1;
	assert_string_equal(id, "sg89ae");
	free(id);
	return 0;
}

/* The three stanza builders (RFC 6120/6121, RFC 7247 errors). */
static int
sc_stanza(void)
{
	struct im_message msg = { .from = "juliet@example.com/balcony",
	    .to = "romeo@example.net", .id = "m1", .type = "chat",
	    .lang = "en", .subject = "Hi", .thread = "t1",
	    .body = "Art thou not Romeo, & a Montague?" };
	struct im_error err = { .from = "romeo@example.net",
	    .to = "juliet@example.com/balcony", .id = "m1",
	    .cond = errors_sip_to_xmpp(404), .text = "Not Found",
	    .lang = "en" };
	struct im_presence pr = { .from = "romeo@example.net/orchard",
	    .to = "juliet@example.com", .show = "away",
	    .status = "In the orchard", .priority = 5, .has_priority = 1 };
	struct strbuf sb;
	int r;

	msg.body_len = strlen(msg.body);
	strbuf_init(&sb);
	if ((r = stanza_build_message(&sb, &msg)) == 0) {
		assert_non_null(strstr(sb.buf, "&amp; a Montague"));
		strbuf_reset(&sb);
		r = stanza_build_message_error(&sb, &err);
	}
	if (r == 0) {
		assert_non_null(strstr(sb.buf, "item-not-found"));
		strbuf_reset(&sb);
		r = stanza_build_presence(&sb, &pr);
	}
	if (r == 0)
		assert_non_null(strstr(sb.buf, "<show>away</show>"));
	strbuf_free(&sb);
	return r == 0 ? 0 : -1;
}

/*
 * XEP-0115: the ver of §5.2's example, a contact's disco#info on its
 * node#ver, and a presence carrying its <c/>.
 */
static int
sc_caps(void)
{
	static const struct disco_identity ids[] = {
		{ "client", "pc", NULL, "Exodus 0.9.1" },
	};
	static const char *const features[] = {
		"http://jabber.org/protocol/disco#info",
		"http://jabber.org/protocol/disco#items",
		"http://jabber.org/protocol/muc",
		"http://jabber.org/protocol/caps",
	};
	struct disco_table t = { ids, 1, features, 4 };
	struct im_presence pr = { .from = "romeo@example.net/orchard",
	    .to = "juliet@example.com", .caps = 1 };
	char ver[CAPS_VER_SIZE];
	struct strbuf sb;
	int r;

	if (caps_ver(&t, ver) != 0)
		return -1;
	assert_string_equal(ver, "QgayPKawpkPSDYmwT/WM94uAlu0=");
	strbuf_init(&sb);
	if ((r = caps_build_disco_info(&sb, DISCO_CONTACT,
	    CAPS_NODE "#x")) == 0) {
		assert_non_null(strstr(sb.buf, "urn:xmpp:receipts"));
		strbuf_reset(&sb);
		r = stanza_build_presence(&sb, &pr);
	}
	strbuf_free(&sb);
	return r == 0 ? 0 : -1;
}

/* A room occupant's join and groupchat message (XEP-0045). */
static int
sc_stanza_muc(void)
{
	struct muc_history h = MUC_HISTORY_UNSET;
	struct strbuf sb;
	int r;

	h.maxstanzas = 20;
	strbuf_init(&sb);
	if ((r = stanza_muc_join(&sb, "bob@sip.example", "devs@muc.example/Bob",
	    "j1", &h, "secret & co")) == 0) {
		assert_non_null(strstr(sb.buf, "maxstanzas='20'"));
		strbuf_reset(&sb);
		r = stanza_muc_groupchat(&sb, "bob@sip.example",
		    "devs@muc.example", "m1", "hi <all>", 8, "o1");
	}
	if (r == 0)
		assert_non_null(strstr(sb.buf, "&lt;all&gt;"));
	strbuf_free(&sb);
	return r;
}

/* A room message as message/cpim for a SIP participant, read back. */
static int
sc_cpim_build(void)
{
	struct cpim_out c = { 0 };
	struct cpim_message m;
	struct strbuf sb;
	int r;

	c.from_name = "Bob \"the\" builder";
	c.from_uri = "sip:devs@conf.example;gr=Bob";
	c.to_uri = "sip:alice@sip.example";
	c.datetime = "2026-12-08T00:00:00Z";
	c.body = "hi all";
	c.len = 6;
	strbuf_init(&sb);
	if ((r = cpim_build(&sb, &c)) == 0) {
		assert_int_equal(cpim_parse(sb.buf, sb.len, &m), 0);
		assert_int_equal(m.body_len, 6);
	}
	strbuf_free(&sb);
	return r;
}

/* RFC 4575: a roster read, built again, read back the same. */
static int
sc_conference_info(void)
{
	static const char body[] =
	    "<conference-info xmlns=\"urn:ietf:params:xml:ns:"
	    "conference-info\" entity=\"sip:devs@conf.example\" "
	    "state=\"full\" version=\"3\"><conference-description>"
	    "<display-text>devs</display-text><subject>Friday</subject>"
	    "</conference-description><users><user entity=\"sip:a@x\">"
	    "<display-text>Alice</display-text><roles><entry>participant"
	    "</entry></roles><endpoint entity=\"sip:a@x\"><status>connected"
	    "</status><joining-info><when>2026-12-07T23:00:00Z</when>"
	    "</joining-info></endpoint></user><user entity=\"sip:b@x\">"
	    "<endpoint entity=\"sip:b@x\"><status>disconnected</status>"
	    "<disconnection-info><reason>kicked</reason>"
	    "</disconnection-info></endpoint></user></users>"
	    "</conference-info>";
	struct conference_info ci, back;
	struct strbuf sb;
	char *cause = NULL;
	int ret = -1;

	if (conference_info_parse(S(body), &ci, &cause) != 0) {
		assert_null(ci.users);
		free(cause);
		return -1;
	}
	assert_null(cause);
	assert_int_equal(ci.n_users, 2);
	strbuf_init(&sb);
	if (conference_info_build(&sb, &ci) != 0)
		goto out;
	if (conference_info_parse(sb.buf, sb.len, &back, &cause) != 0) {
		free(cause);
		goto out;
	}
	assert_true(conference_info_equal(&ci, &back));
	conference_info_free(&back);
	ret = 0;
out:
	strbuf_free(&sb);
	conference_info_free(&ci);
	return ret;
}

/* RFC 3994: a document read, built again, read back; a chat state. */
static int
sc_iscomposing(void)
{
	static const char body[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">"
	    "<state>active</state><lastactive>2003-01-27T10:43:00Z"
	    "</lastactive><contenttype>text/html</contenttype>"
	    "<refresh>90</refresh></isComposing>";
	struct iscomposing ic, back;
	struct strbuf sb;
	char *cause = NULL;
	int ret = -1;

	if (iscomposing_parse(S(body), &ic, &cause) != 0) {
		assert_false(ic.active);
		free(cause);
		return -1;
	}
	assert_null(cause);
	strbuf_init(&sb);
	if (iscomposing_build(&sb, &ic) != 0)
		goto out;
	if (iscomposing_parse(sb.buf, sb.len, &back, &cause) != 0) {
		free(cause);
		goto out;
	}
	assert_true(back.active);
	assert_int_equal(back.refresh, 90);
	strbuf_reset(&sb);
	if (stanza_build_chat_state(&sb, "a@gw", "j@x", "chat", "t",
	    CHAT_STATE_COMPOSING) != 0)
		goto out;
	ret = 0;
out:
	strbuf_free(&sb);
	return ret;
}

/* SIP framing, stream reassembly, scanning and Via rewriting. */
static int
sc_sip(void)
{
	static const char req[] =
	    "MESSAGE sip:bob@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP 192.0.2.4:5060;branch=z9hG4bK776sgdkse\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:alice@example.com>;tag=49583\r\n"
	    "To: <sip:bob@example.com>\r\n"
	    "Call-ID: asd88asd77a@1.2.3.4\r\n"
	    "CSeq: 1 MESSAGE\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Length: 18\r\n"
	    "\r\n"
	    "Watson, come here.";
	static const char resp[] =
	    "SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKabc\r\n"
	    "CSeq: 2 SUBSCRIBE\r\n"
	    "Content-Length: 0\r\n\r\n";
	struct sip_frame f;
	struct sip_stream s;
	struct sip_stream_item it;
	struct sip_request_scan r;
	struct sip_scan_response sr;
	struct event_hdr ev;
	struct sub_state_hdr ss;
	struct strbuf sb;
	char key[256];
	int ret = -1, got = 0, i;

	assert_int_equal(sip_frame_datagram(S(req), 65536, &f), SIP_FRAME_OK);
	assert_int_equal(sip_scan_response(S(resp), &sr), 0);
	assert_int_equal(sip_event_parse("presence;id=7", &ev), 0);
	assert_int_equal(sip_sub_state_parse("active;expires=600", &ss), 0);
	assert_int_equal(sip_request_scan(S(req), &r), 0);
	assert_true(sip_request_scan_key(&r, key, sizeof(key)) >= 0);

	/* Byte by byte, then twice in one go: the buffer grows. */
	sip_stream_init(&s, 65536);
	for (i = 0; i < (int)sizeof(req) - 1; i++)
		if (sip_stream_feed(&s, req + i, 1) != 0)
			goto out;
	if (sip_stream_feed(&s, S(req)) != 0 ||
	    sip_stream_feed(&s, S(req)) != 0)
		goto out;
	while (sip_stream_next(&s, &it) == SIP_FRAME_OK) {
		assert_int_equal(it.len, sizeof(req) - 1);
		got++;
	}
	assert_int_equal(got, 3);

	strbuf_init(&sb);
	if (sip_request_scan_vias(&r, "198.51.100.7", 40000, &sb) == 0) {
		assert_non_null(strstr(sb.buf, "received=198.51.100.7"));
		ret = 0;
	}
	strbuf_free(&sb);
out:
	sip_stream_free(&s);
	return ret;
}

/* libxml2's last error keeps copies of its strings until the next. */
static void
settle_libxml2(void)
{
	xmlResetLastError();
}

/* Our parsers log libxml2's errors themselves; its own go nowhere. */
static void
quiet(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

/*
 * libxml2 allocates through the shim: its blocks count, so a document or
 * string of its we forget to free is a leak. Its allocations fail too only
 * from 2.12 on, the first release hardened against allocation failure
 * (2.9.14 crashes in xmlParseDocument and leaks in htmlNewParserCtxt when
 * the right allocation fails, whatever its caller does). ALLOC_FAIL_LIBXML2
 * set in the environment fails them all the same.
 */
static int
route_libxml2(void **state)
{
	(void)state;
	alloc_fail_hooks_fail = atoi(xmlParserVersion) >= 21200 ||
	    getenv("ALLOC_FAIL_LIBXML2") != NULL;
	if (xmlMemSetup(alloc_fail_free, alloc_fail_malloc,
	    alloc_fail_realloc, alloc_fail_strdup) != 0)
		return -1;
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, quiet);
	alloc_fail_settle = settle_libxml2;
	return 0;
}

#define SCENARIO(fn)							\
static void								\
test_##fn(void **state)							\
{									\
	(void)state;							\
	alloc_fail_run(#fn, fn);					\
}
SCENARIO(sc_content_plain_html)
SCENARIO(sc_content_cpim)
SCENARIO(sc_content_refused)
SCENARIO(sc_pidf_refused)
SCENARIO(sc_pidf_parse)
SCENARIO(sc_pidf_build)
SCENARIO(sc_stanza)
SCENARIO(sc_stanza_muc)
SCENARIO(sc_caps)
SCENARIO(sc_cpim_build)
SCENARIO(sc_conference_info)
SCENARIO(sc_iscomposing)
SCENARIO(sc_sip)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sc_content_plain_html),
		cmocka_unit_test(test_sc_content_cpim),
		cmocka_unit_test(test_sc_content_refused),
		cmocka_unit_test(test_sc_pidf_refused),
		cmocka_unit_test(test_sc_pidf_parse),
		cmocka_unit_test(test_sc_pidf_build),
		cmocka_unit_test(test_sc_stanza),
		cmocka_unit_test(test_sc_stanza_muc),
		cmocka_unit_test(test_sc_caps),
		cmocka_unit_test(test_sc_cpim_build),
		cmocka_unit_test(test_sc_conference_info),
		cmocka_unit_test(test_sc_iscomposing),
		cmocka_unit_test(test_sc_sip),
	};

	return cmocka_run_group_tests(tests, route_libxml2, NULL);
}
