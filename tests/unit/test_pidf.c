/*
 * The PIDF codec: RFC 3863 and RFC 4480 examples (reproduced from the
 * RFC texts), the RFC 8048 §6.2/§6.3 tables, priority scaling, the RPID
 * activity table, the dialects clients send, and refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pidf.h"

#define NS	"xmlns='urn:ietf:params:xml:ns:pidf'"
#define HEAD	"<presence " NS " entity='pres:a@example.com'>"

/* Parses a copy of s in a buffer of exactly its size; must succeed. */
static void
parse_ok(const char *s, struct presence_doc *doc)
{
	size_t len = strlen(s);
	char *copy = malloc(len), *cause = NULL;

	assert_non_null(copy);
	memcpy(copy, s, len);
	if (pidf_parse(copy, len, doc, &cause) != 0)
		fail_msg("refused: %s", cause != NULL ? cause : "(no cause)");
	free(copy);
	assert_null(cause);
}

/* Parsing must fail, with a cause. */
static void
parse_bad(const char *s, size_t len)
{
	struct presence_doc doc;
	char *copy = malloc(len > 0 ? len : 1), *cause = NULL;

	assert_non_null(copy);
	memcpy(copy, s, len);
	assert_int_equal(pidf_parse(copy, len, &doc, &cause), -1);
	assert_non_null(cause);
	assert_int_equal(doc.n, 0);
	assert_null(doc.tuples);
	free(cause);
	free(copy);
}

/* RFC 3863 §6 (first example): one tuple, prefixed names. */
static void
test_rfc3863_simple(void **state)
{
	struct presence_doc doc;

	(void)state;
	parse_ok("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<impp:presence xmlns:impp=\"urn:ietf:params:xml:ns:pidf\"\n"
	    "    entity=\"pres:someone@example.com\">\n"
	    "  <impp:tuple id=\"sg89ae\">\n"
	    "    <impp:status>\n"
	    "      <impp:basic>open</impp:basic>\n"
	    "    </impp:status>\n"
	    "    <impp:contact priority=\"0.8\">tel:+09012345678"
	    "</impp:contact>\n"
	    "  </impp:tuple>\n"
	    "</impp:presence>\n", &doc);
	assert_string_equal(doc.entity, "pres:someone@example.com");
	assert_int_equal(doc.n, 1);
	assert_string_equal(doc.tuples[0].id, "sg89ae");
	assert_int_equal(doc.tuples[0].basic, PRESENCE_BASIC_OPEN);
	assert_int_equal(doc.tuples[0].priority, 102);	/* round(0.8*127) */
	assert_null(doc.tuples[0].note);
	assert_int_equal(doc.tuples[0].show, PRESENCE_SHOW_NONE);
	pidf_doc_free(&doc);
}

/* RFC 3863 §6 (second example): extensions, two notes, two tuples. */
static void
test_rfc3863_extended(void **state)
{
	struct presence_doc doc;
	struct pidf_xmpp *v;
	size_t n;

	(void)state;
	parse_ok("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"\n"
	    "    xmlns:im=\"urn:ietf:params:xml:ns:pidf:im\"\n"
	    "    xmlns:myex=\"http://id.example.com/presence/\"\n"
	    "    entity=\"pres:someone@example.com\">\n"
	    "  <tuple id=\"bs35r9\">\n"
	    "    <status>\n"
	    "      <basic>open</basic>\n"
	    "      <im:im>busy</im:im>\n"
	    "      <myex:location>home</myex:location>\n"
	    "    </status>\n"
	    "    <contact priority=\"0.8\">im:someone@mobilecarrier.net"
	    "</contact>\n"
	    "    <note xml:lang=\"en\">Don't Disturb Please!</note>\n"
	    "    <note xml:lang=\"fr\">Ne derangez pas, s'il vous plait"
	    "</note>\n"
	    "    <timestamp>2001-10-27T16:49:29Z</timestamp>\n"
	    "  </tuple>\n"
	    "  <tuple id=\"eg92n8\">\n"
	    "    <status>\n"
	    "      <basic>open</basic>\n"
	    "    </status>\n"
	    "    <contact priority=\"1.0\">mailto:someone@example.com"
	    "</contact>\n"
	    "  </tuple>\n"
	    "  <note>I'll be in Tokyo next week</note>\n"
	    "</presence>\n", &doc);
	assert_int_equal(doc.n, 2);
	assert_string_equal(doc.tuples[0].note, "Don't Disturb Please!");
	assert_string_equal(doc.tuples[0].note_lang, "en");
	assert_int_equal(doc.tuples[1].priority, 127);
	assert_string_equal(doc.person_note, "I'll be in Tokyo next week");
	assert_null(doc.person_note_lang);
	assert_int_equal(pidf_to_xmpp(&doc, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_true(v[0].available && v[1].available);
	assert_string_equal(v[0].resource, "bs35r9");
	assert_string_equal(v[0].status, "Don't Disturb Please!");
	/* No tuple note: the presence-level note stands in. */
	assert_string_equal(v[1].status, "I'll be in Tokyo next week");
	assert_int_equal(pidf_pick_best(v, n), 1);	/* higher priority */
	free(v);
	pidf_doc_free(&doc);
}

/* RFC 4480 §4 example: person activities "away" reach every tuple. */
static void
test_rfc4480_example(void **state)
{
	struct presence_doc doc;
	struct pidf_xmpp *v;
	size_t n;

	(void)state;
	parse_ok("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"\n"
	    " xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\"\n"
	    " xmlns:lt=\"urn:ietf:params:xml:ns:location-type\"\n"
	    " xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\"\n"
	    " entity=\"pres:someone@example.com\">\n"
	    " <tuple id=\"bs35r9\">\n"
	    "  <status><basic>open</basic></status>\n"
	    "  <dm:deviceID>urn:device:0003ba4811e3</dm:deviceID>\n"
	    "  <rpid:relationship><rpid:self/></rpid:relationship>\n"
	    "  <rpid:service-class><rpid:electronic/></rpid:service-class>\n"
	    "  <contact priority=\"0.8\">im:someone@mobilecarrier.net"
	    "</contact>\n"
	    "  <note xml:lang=\"en\">Don't Disturb Please!</note>\n"
	    "  <note xml:lang=\"fr\">Ne derangez pas, s'il vous plait</note>\n"
	    "  <timestamp>2005-10-27T16:49:29Z</timestamp>\n"
	    " </tuple>\n"
	    " <tuple id=\"ty4658\">\n"
	    "  <status><basic>open</basic></status>\n"
	    "  <rpid:relationship><rpid:assistant/></rpid:relationship>\n"
	    "  <contact priority=\"1.0\">mailto:secretary@example.com"
	    "</contact>\n"
	    " </tuple>\n"
	    " <tuple id=\"eg92n8\">\n"
	    "  <status><basic>open</basic></status>\n"
	    "  <dm:deviceID>urn:x-mac:0003ba4811e3</dm:deviceID>\n"
	    "  <rpid:class>email</rpid:class>\n"
	    "  <rpid:service-class><rpid:electronic/></rpid:service-class>\n"
	    "  <rpid:status-icon>http://example.com/mail.png"
	    "</rpid:status-icon>\n"
	    "  <contact priority=\"1.0\">mailto:someone@example.com"
	    "</contact>\n"
	    " </tuple>\n"
	    " <note>I'll be in Tokyo next week</note>\n"
	    " <dm:device id=\"pc147\">\n"
	    "  <rpid:user-input idle-threshold=\"600\"\n"
	    "   last-input=\"2004-10-21T13:20:00.000-05:00\">idle"
	    "</rpid:user-input>\n"
	    "  <dm:deviceID>urn:device:0003ba4811e3</dm:deviceID>\n"
	    "  <dm:note xml:lang=\"en\">PC</dm:note>\n"
	    " </dm:device>\n"
	    " <dm:person id=\"p1\">\n"
	    "  <rpid:activities from=\"2005-05-30T12:00:00+05:00\"\n"
	    "   until=\"2005-05-30T17:00:00+05:00\">\n"
	    "   <rpid:note>Far away</rpid:note>\n"
	    "   <rpid:away/>\n"
	    "  </rpid:activities>\n"
	    "  <rpid:class>calendar</rpid:class>\n"
	    "  <rpid:mood><rpid:angry/><rpid:other>brooding</rpid:other>"
	    "</rpid:mood>\n"
	    "  <rpid:place-is><rpid:audio><rpid:noisy/></rpid:audio>"
	    "</rpid:place-is>\n"
	    "  <rpid:place-type><lt:residence/></rpid:place-type>\n"
	    "  <rpid:privacy><rpid:unknown/></rpid:privacy>\n"
	    "  <rpid:sphere>bowling league</rpid:sphere>\n"
	    "  <rpid:time-offset>-240</rpid:time-offset>\n"
	    "  <dm:timestamp>2005-05-30T16:09:44+05:00</dm:timestamp>\n"
	    " </dm:person>\n"
	    "</presence>\n", &doc);
	assert_int_equal(doc.n, 3);
	assert_true(doc.person_activity);
	assert_int_equal(doc.person_show, PRESENCE_SHOW_AWAY);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(doc.tuples[i].show, PRESENCE_SHOW_AWAY);
		assert_int_equal(doc.tuples[i].show_src, PRESENCE_SRC_RPID);
	}
	assert_int_equal(pidf_to_xmpp(&doc, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_true(v[2].available);
	assert_int_equal(v[2].show, PRESENCE_SHOW_AWAY);
	free(v);
	pidf_doc_free(&doc);
}

/* RFC 8048 §6.3 Table 2, row by row. */
static void
test_rfc8048_table2(void **state)
{
	struct presence_doc doc;
	struct pidf_xmpp *v;
	size_t n;

	(void)state;
	parse_ok(HEAD "<tuple id='ID-orchard'><status><basic>open</basic>"
	    "<show xmlns='jabber:client'>dnd</show></status>"
	    "<contact priority='0.5'>xmpp:a@example.com</contact>"
	    "<note xml:lang='en'>Wherefore art thou?</note></tuple>"
	    "<tuple id='ID-balcony'><status><basic>closed</basic></status>"
	    "</tuple></presence>", &doc);
	assert_int_equal(pidf_to_xmpp(&doc, &v, &n), 0);
	assert_int_equal(n, 2);
	/* tuple id -> resource, ID- removed */
	assert_string_equal(v[0].resource, "orchard");
	/* basic open -> no type; closed -> unavailable */
	assert_int_equal(v[0].available, 1);
	assert_int_equal(v[1].available, 0);
	/* priority -> priority, round(0.5 * 127) */
	assert_int_equal(v[0].priority, 64);
	assert_int_equal(v[1].priority, -1);
	/* note -> status, with xml:lang */
	assert_string_equal(v[0].status, "Wherefore art thou?");
	assert_string_equal(v[0].lang, "en");
	/* embedded show -> show */
	assert_int_equal(v[0].show, PRESENCE_SHOW_DND);
	assert_int_equal(doc.tuples[0].show_src, PRESENCE_SRC_EMBEDDED);
	assert_int_equal(pidf_pick_best(v, n), 0);
	free(v);
	pidf_doc_free(&doc);
}

/* RFC 8048 §6.2 Table 1, row by row, on the built document. */
static void
test_rfc8048_table1(void **state)
{
	struct presence_tuple t[2] = {
		{ .id = (char *)"orchard", .basic = PRESENCE_BASIC_OPEN,
		  .priority = 1, .note = (char *)"Wherefore & why?",
		  .note_lang = (char *)"en", .show = PRESENCE_SHOW_AWAY },
		{ .id = (char *)"bal/cony", .basic = PRESENCE_BASIC_CLOSED,
		  .priority = -5 },
	};
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(pidf_build(&sb, "pres:juliet@example.com", t, 2),
	    0);
	strbuf_append(&sb, "", 1);
	assert_non_null(strstr(sb.buf, "entity='pres:juliet@example.com'"));
	assert_non_null(strstr(sb.buf, "<tuple id='ID-orchard'>"));
	assert_non_null(strstr(sb.buf, "<tuple id='ID-bal_2Fcony'>"));
	assert_non_null(strstr(sb.buf, "<basic>open</basic>"
	    "<show xmlns='jabber:client'>away</show></status>"));
	assert_non_null(strstr(sb.buf, "<basic>closed</basic></status>"));
	assert_non_null(strstr(sb.buf, "<contact priority='0.007'>"));
	/* negative priority MUST NOT be mapped: only one contact */
	assert_null(strstr(strstr(sb.buf, "0.007") + 1, "priority="));
	assert_non_null(strstr(sb.buf,
	    "<note xml:lang='en'>Wherefore &amp; why?</note>"));
	assert_non_null(strstr(sb.buf,
	    "<dm:person id='p'><rpid:activities><rpid:away/>"));
	strbuf_free(&sb);
}

/* The §6.2 scaling examples, and every priority round-trips. */
static void
test_priority_scaling(void **state)
{
	char q[16];

	(void)state;
	assert_int_equal(pidf_priority_to_milli(0), 0);
	assert_int_equal(pidf_priority_to_milli(1), 7);
	assert_int_equal(pidf_priority_to_milli(2), 15);
	assert_int_equal(pidf_priority_to_milli(126), 992);
	assert_int_equal(pidf_priority_to_milli(127), 1000);
	assert_int_equal(pidf_priority_to_milli(-1), -1);
	for (int p = 0; p <= 127; p++) {
		int m = pidf_priority_to_milli(p);

		if (p > 0)
			assert_true(m > pidf_priority_to_milli(p - 1));
		if (m == 1000)
			snprintf(q, sizeof(q), "1");
		else
			snprintf(q, sizeof(q), "0.%03d", m);
		assert_int_equal(pidf_priority_parse(q), p);
	}
	assert_int_equal(pidf_priority_parse("0.5"), 64);
	assert_int_equal(pidf_priority_parse("1.000"), 127);
	assert_int_equal(pidf_priority_parse("0"), 0);
	assert_int_equal(pidf_priority_parse(" .25 "), 32);
	assert_int_equal(pidf_priority_parse("-0.5"), -1);
	assert_int_equal(pidf_priority_parse("1.5"), -1);
	assert_int_equal(pidf_priority_parse("2"), -1);
	assert_int_equal(pidf_priority_parse(""), -1);
	assert_int_equal(pidf_priority_parse("."), -1);
	assert_int_equal(pidf_priority_parse("0.5x"), -1);
}

/* Builds tuples, parses them back: everything must come back exactly. */
static void
roundtrip(const struct presence_tuple *t, size_t n)
{
	struct presence_doc doc;
	struct strbuf sb;
	char *cause = NULL;

	strbuf_init(&sb);
	assert_int_equal(pidf_build(&sb, "pres:a@example.com", t, n), 0);
	if (pidf_parse(sb.buf, sb.len, &doc, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(doc.n, n);
	assert_string_equal(doc.entity, "pres:a@example.com");
	for (size_t i = 0; i < n; i++) {
		const struct presence_tuple *a = &t[i], *b = &doc.tuples[i];

		assert_string_equal(b->id, a->id);
		assert_int_equal(b->basic, a->basic);
		assert_int_equal(b->priority, a->priority < 0 ? -1 :
		    a->priority);
		assert_int_equal(b->show, a->show);
		if (a->note == NULL)
			assert_null(b->note);
		else
			assert_string_equal(b->note, a->note);
		if (a->note_lang == NULL)
			assert_null(b->note_lang);
		else
			assert_string_equal(b->note_lang, a->note_lang);
	}
	pidf_doc_free(&doc);
	strbuf_free(&sb);
}

/* Round trips: all priorities, all shows, awkward ids and notes. */
static void
test_roundtrip(void **state)
{
	static const char *ids[] = { "orchard", "", "a_b", "_5F", "x y/z",
	    "caf\xc3\xa9", "ID-x", "1abc", "<&'\">", "-." };
	struct presence_tuple t[5];

	(void)state;
	for (int p = -2; p <= 127; p++) {
		memset(t, 0, sizeof(t));
		t[0].id = (char *)"r";
		t[0].basic = PRESENCE_BASIC_OPEN;
		t[0].priority = p;
		roundtrip(t, 1);
	}
	for (int s = PRESENCE_SHOW_NONE; s <= PRESENCE_SHOW_DND; s++)
		for (int b = PRESENCE_BASIC_OPEN; b <= PRESENCE_BASIC_CLOSED;
		    b++) {
			memset(t, 0, sizeof(t));
			t[0].id = (char *)"r1";
			t[0].basic = (enum presence_basic)b;
			t[0].show = (enum presence_show)s;
			t[0].priority = -1;
			t[1].id = (char *)"r2";
			t[1].basic = PRESENCE_BASIC_OPEN;
			t[1].priority = 5;
			t[2].id = (char *)"r3";
			t[2].basic = PRESENCE_BASIC_CLOSED;
			t[2].priority = -1;
			roundtrip(t, 3);
		}
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		memset(t, 0, sizeof(t));
		t[0].id = (char *)ids[i];
		t[0].basic = PRESENCE_BASIC_OPEN;
		t[0].priority = -1;
		t[0].note = (char *)"  spaced <&> \xe2\x98\x83\n";
		t[0].note_lang = (char *)"fr-CA";
		t[0].show = PRESENCE_SHOW_XA;
		roundtrip(t, 1);
	}
	memset(t, 0, sizeof(t));
	t[0].id = (char *)"e";
	t[0].basic = PRESENCE_BASIC_OPEN;
	t[0].priority = -1;
	t[0].note = (char *)"";
	roundtrip(t, 1);
	roundtrip(t, 0);
}

/* The id escaping is reversible and foreign ids are kept. */
static void
test_id_codec(void **state)
{
	struct strbuf sb;
	char *s;

	(void)state;
	strbuf_init(&sb);
	pidf_id_encode(&sb, "a_b c/\xc3\xa9");
	strbuf_append(&sb, "", 1);
	assert_string_equal(sb.buf, "ID-a_5Fb_20c_2F_C3_A9");
	s = pidf_id_decode(sb.buf);
	assert_string_equal(s, "a_b c/\xc3\xa9");
	free(s);
	s = pidf_id_decode("sg89ae");
	assert_string_equal(s, "sg89ae");
	free(s);
	s = pidf_id_decode("ID-a_zz_4");	/* broken escapes stay */
	assert_string_equal(s, "a_zz_4");
	free(s);
	s = pidf_id_decode("ID-_00");		/* no NUL smuggled in */
	assert_string_equal(s, "_00");
	free(s);
	strbuf_free(&sb);
}

/* The "RPID activities -> show" table of STANDARDS.md, row by row. */
static void
test_rpid_table(void **state)
{
	static const struct {
		const char *act;
		int r;
		enum presence_show show;
	} rows[] = {
		{ "appointment", 1, PRESENCE_SHOW_DND },
		{ "busy", 1, PRESENCE_SHOW_DND },
		{ "looking-for-work", 1, PRESENCE_SHOW_DND },
		{ "meeting", 1, PRESENCE_SHOW_DND },
		{ "performance", 1, PRESENCE_SHOW_DND },
		{ "presentation", 1, PRESENCE_SHOW_DND },
		{ "working", 1, PRESENCE_SHOW_DND },
		{ "worship", 1, PRESENCE_SHOW_DND },
		{ "away", 1, PRESENCE_SHOW_AWAY },
		{ "on-the-phone", 1, PRESENCE_SHOW_AWAY },
		{ "playing", 1, PRESENCE_SHOW_AWAY },
		{ "tv", 1, PRESENCE_SHOW_AWAY },
		{ "breakfast", 1, PRESENCE_SHOW_XA },
		{ "dinner", 1, PRESENCE_SHOW_XA },
		{ "holiday", 1, PRESENCE_SHOW_XA },
		{ "in-transit", 1, PRESENCE_SHOW_XA },
		{ "lunch", 1, PRESENCE_SHOW_XA },
		{ "meal", 1, PRESENCE_SHOW_XA },
		{ "shopping", 1, PRESENCE_SHOW_XA },
		{ "sleeping", 1, PRESENCE_SHOW_XA },
		{ "spectator", 1, PRESENCE_SHOW_XA },
		{ "steering", 1, PRESENCE_SHOW_XA },
		{ "travel", 1, PRESENCE_SHOW_XA },
		{ "vacation", 1, PRESENCE_SHOW_XA },
		{ "other", 1, PRESENCE_SHOW_NONE },
		{ "permanent-absence", 2, PRESENCE_SHOW_NONE },
		{ "unknown", 0, PRESENCE_SHOW_NONE },
		{ "Away", 0, PRESENCE_SHOW_NONE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char body[512];
		struct presence_doc doc;
		struct pidf_xmpp *v;
		size_t n;
		enum presence_show s = PRESENCE_SHOW_CHAT;

		assert_int_equal(pidf_rpid_activity(rows[i].act, &s),
		    rows[i].r);
		if (rows[i].r == 1)
			assert_int_equal(s, rows[i].show);
		/* The same through a whole document, person level. */
		snprintf(body, sizeof(body), HEAD "<tuple id='t'><status>"
		    "<basic>open</basic></status></tuple>"
		    "<p:person xmlns:p='urn:ietf:params:xml:ns:pidf:data-model'"
		    " id='p'><r:activities xmlns:r='urn:ietf:params:xml:ns:"
		    "pidf:rpid'><r:%s/></r:activities></p:person></presence>",
		    rows[i].act);
		parse_ok(body, &doc);
		assert_int_equal(pidf_to_xmpp(&doc, &v, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(v[0].available, rows[i].r != 2);
		assert_int_equal(v[0].show, rows[i].show);
		free(v);
		pidf_doc_free(&doc);
	}
}

/* Dialects: what real clients send, and what we make of it. */
static void
test_dialects(void **state)
{
	struct presence_doc doc;
	struct pidf_xmpp *v;
	size_t n;

	(void)state;
	/* basic only, no entity, no id */
	parse_ok("<presence " NS "><tuple><status><basic> closed </basic>"
	    "</status></tuple></presence>", &doc);
	assert_null(doc.entity);
	assert_null(doc.tuples[0].id);
	assert_int_equal(doc.tuples[0].basic, PRESENCE_BASIC_CLOSED);
	pidf_doc_free(&doc);

	/* Linphone style: RPID activities in a tuple-less-ish person */
	parse_ok("<?xml version='1.0' encoding='UTF-8'?>"
	    "<presence xmlns='urn:ietf:params:xml:ns:pidf' "
	    "xmlns:dm='urn:ietf:params:xml:ns:pidf:data-model' "
	    "xmlns:rpid='urn:ietf:params:xml:ns:pidf:rpid' "
	    "entity='sip:bob@example.org'><tuple id='qmqbwb'><status>"
	    "<basic>open</basic></status><contact>sip:bob@example.org"
	    "</contact><timestamp>2026-01-01T00:00:00Z</timestamp></tuple>"
	    "<dm:person id='sip_3Abob'><rpid:activities><rpid:on-the-phone/>"
	    "</rpid:activities><dm:note>On the phone</dm:note></dm:person>"
	    "</presence>", &doc);
	assert_int_equal(pidf_to_xmpp(&doc, &v, &n), 0);
	assert_true(v[0].available);
	assert_int_equal(v[0].show, PRESENCE_SHOW_AWAY);
	assert_string_equal(v[0].status, "On the phone");
	free(v);
	pidf_doc_free(&doc);

	/* Jitsi style: RPID activities inside the tuple's status, odd
	 * prefixes; several activities: the least available wins */
	parse_ok("<p:presence xmlns:p='urn:ietf:params:xml:ns:pidf' "
	    "entity='sip:j@x'><p:tuple id='t1'><p:status><p:basic>open"
	    "</p:basic><q:activities xmlns:q='urn:ietf:params:xml:ns:pidf:"
	    "rpid'><q:on-the-phone/><q:meeting/></q:activities></p:status>"
	    "</p:tuple></p:presence>", &doc);
	assert_int_equal(doc.tuples[0].show, PRESENCE_SHOW_DND);
	assert_int_equal(doc.tuples[0].show_src, PRESENCE_SRC_RPID);
	pidf_doc_free(&doc);

	/* Prefix matching would be wrong: "rpid" bound to another URI */
	parse_ok(HEAD "<tuple id='t'><status><basic>open</basic></status>"
	    "<rpid:activities xmlns:rpid='urn:example:other'><rpid:busy/>"
	    "</rpid:activities><show xmlns='urn:example'>dnd</show></tuple>"
	    "</presence>", &doc);
	assert_int_equal(doc.tuples[0].show, PRESENCE_SHOW_NONE);
	assert_int_equal(doc.tuples[0].show_src, PRESENCE_SRC_NONE);
	pidf_doc_free(&doc);

	/* note only, no tuple: unavailable bare presence with status */
	parse_ok(HEAD "<note xml:lang='de'>Im Urlaub</note></presence>",
	    &doc);
	assert_int_equal(doc.n, 0);
	assert_int_equal(pidf_to_xmpp(&doc, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_null(v[0].resource);
	assert_false(v[0].available);
	assert_string_equal(v[0].status, "Im Urlaub");
	assert_string_equal(v[0].lang, "de");
	free(v);
	pidf_doc_free(&doc);

	/* nothing at all */
	parse_ok(HEAD "</presence>", &doc);
	assert_int_equal(pidf_to_xmpp(&doc, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_false(v[0].available);
	assert_null(v[0].status);
	free(v);
	pidf_doc_free(&doc);

	/* <basic>unknown</basic>: unavailable unless something says how */
	parse_ok(HEAD "<tuple id='a'><status><basic>unknown</basic></status>"
	    "</tuple><tuple id='b'><status><basic>busy</basic>"
	    "<show xmlns='jabber:client'>xa</show></status></tuple>"
	    "<tuple id='c'><status/></tuple></presence>", &doc);
	assert_int_equal(doc.tuples[0].basic, PRESENCE_BASIC_UNKNOWN);
	assert_int_equal(pidf_to_xmpp(&doc, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_false(v[0].available);
	assert_true(v[1].available);
	assert_int_equal(v[1].show, PRESENCE_SHOW_XA);
	assert_false(v[2].available);
	assert_int_equal(pidf_pick_best(v, n), 1);
	free(v);
	pidf_doc_free(&doc);

	/* embedded show beats a person activity; closed tuples keep none;
	 * bad priorities are ignored */
	parse_ok(HEAD "<tuple id='a'><status><basic>open</basic><show "
	    "xmlns='jabber:client'>chat</show></status><contact "
	    "priority='1.5'>x</contact></tuple><tuple id='b'><status><basic>"
	    "closed</basic></status><contact priority='-0.1'>x</contact>"
	    "</tuple><tuple id='c'><status><basic>open</basic></status>"
	    "</tuple><person xmlns='urn:ietf:params:xml:ns:pidf:data-model' "
	    "id='p'><activities xmlns='urn:ietf:params:xml:ns:pidf:rpid'>"
	    "<vacation/></activities></person></presence>", &doc);
	assert_int_equal(doc.tuples[0].show, PRESENCE_SHOW_CHAT);
	assert_int_equal(doc.tuples[0].priority, -1);
	assert_int_equal(doc.tuples[1].show, PRESENCE_SHOW_NONE);
	assert_int_equal(doc.tuples[1].priority, -1);
	assert_int_equal(doc.tuples[2].show, PRESENCE_SHOW_XA);
	assert_int_equal(pidf_to_xmpp(&doc, &v, &n), 0);
	assert_int_equal(pidf_pick_best(v, n), 0);	/* chat first */
	free(v);
	pidf_doc_free(&doc);

	/* more tuples than the cap: the rest are ignored */
	{
		struct strbuf sb;

		strbuf_init(&sb);
		strbuf_appends(&sb, HEAD);
		for (int i = 0; i < PIDF_MAX_TUPLES + 10; i++)
			strbuf_appends(&sb, "<tuple id='t'><status><basic>"
			    "open</basic></status></tuple>");
		strbuf_appends(&sb, "</presence>");
		strbuf_append(&sb, "", 1);
		parse_ok(sb.buf, &doc);
		assert_int_equal(doc.n, PIDF_MAX_TUPLES);
		pidf_doc_free(&doc);
		strbuf_free(&sb);
	}
}

/* What must be refused, with a cause and nothing half-filled. */
static void
test_refused(void **state)
{
	static const char *bad[] = {
		"",
		"not xml at all",
		HEAD "<tuple id='t'><status><basic>open</basic>",  /* truncated */
		"<presence xmlns='urn:example'/>",	/* wrong namespace */
		"<impp:presence xmlns:impp='urn:ietf:params:xml:ns:pidf:rpid'/>",
		"<tuple " NS "/>",			/* wrong root */
		"<?xml version='1.0'?><!DOCTYPE presence [<!ENTITY a 'aaaa'>"
		"<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'><!ENTITY c "
		"'&b;&b;&b;&b;&b;&b;&b;&b;'>]>" HEAD "<note>&c;</note>"
		"</presence>",
		"<!DOCTYPE presence SYSTEM 'http://example.com/x.dtd'>" HEAD
		"</presence>",
		"<!DOCTYPE presence SYSTEM 'file:///etc/passwd'>" HEAD
		"<note>&x;</note></presence>",
		HEAD "<note>&undefined;</note></presence>",
		HEAD "</tuple></presence>",
		HEAD "<note>caf\xe9</note></presence>",	/* not UTF-8 */
		"<?xml version='1.0' encoding='ISO-8859-1'?>" HEAD
		"<note>caf\xe9</note></presence>",
		"\xfe\xff\x01<",				/* UTF-16 BOM */
	};
	char *big;
	size_t biglen = PIDF_MAX_BODY + 1;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_bad(bad[i], strlen(bad[i]));
	parse_bad(HEAD "</presence>", strlen(HEAD "</presence>") - 1);
	/* embedded NUL */
	parse_bad(HEAD "\0</presence>", sizeof(HEAD "\0</presence>") - 1);
	big = malloc(biglen);
	assert_non_null(big);
	memset(big, ' ', biglen);
	memcpy(big, HEAD, strlen(HEAD));
	memcpy(big + biglen - 11, "</presence>", 11);
	parse_bad(big, biglen);
	free(big);
	/* comments and CDATA are no DOCTYPE */
	{
		struct presence_doc doc;

		parse_ok("\xef\xbb\xbf<?xml version='1.0' encoding='latin1'?>"
		    HEAD "<note>\xc3\xa9</note></presence>", &doc);
		assert_string_equal(doc.person_note, "\xc3\xa9");
		pidf_doc_free(&doc);
		parse_ok("<!-- hi -->" HEAD "<note><![CDATA[a<b]]></note>"
		    "</presence>", &doc);
		assert_string_equal(doc.person_note, "a<b");
		pidf_doc_free(&doc);
	}
}

/* The builder refuses text XML cannot carry. */
static void
test_build_refuses(void **state)
{
	struct presence_tuple t = { .id = (char *)"r",
	    .basic = PRESENCE_BASIC_OPEN, .priority = -1,
	    .note = (char *)"bad \x01 char" };
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(pidf_build(&sb, "pres:a@b", &t, 1), -1);
	strbuf_free(&sb);
	strbuf_init(&sb);
	assert_int_equal(pidf_build(&sb, "pres:\xff@b", &t, 0), -1);
	strbuf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3863_simple),
		cmocka_unit_test(test_rfc3863_extended),
		cmocka_unit_test(test_rfc4480_example),
		cmocka_unit_test(test_rfc8048_table2),
		cmocka_unit_test(test_rfc8048_table1),
		cmocka_unit_test(test_priority_scaling),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_id_codec),
		cmocka_unit_test(test_rpid_table),
		cmocka_unit_test(test_dialects),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_build_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
