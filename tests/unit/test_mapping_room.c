/*
 * Room addresses (issue 13 item 1): the rule "room SIP-DOMAIN
 * MUC-DOMAIN" names XEP-0045 rooms, sip:devs@conf.sip.example <->
 * devs@conference.xmpp.example, and their occupants, the nick in gr:
 * sip:devs@conf.sip.example;gr=bob <-> devs@conference.xmpp.example/bob.
 * Nicks of any text go through gr percent-encoded and come back; a nick
 * that cannot be carried is refused with a cause; the user translations
 * answer MAP_ROOM rather than treat a room as a user; rooms elsewhere are
 * JIDs the embed rule carries; room domains collide with no other rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mapping.h"

static const char fixture[] =
    "domain sip.example xmpp.example\n"
    "room conf.sip.example conference.xmpp.example\n"
    "embed gw.sip.example gw.xmpp.example separator=*\n"
    "user sip:alice@sip.example alice.smith@xmpp.example\n"
    "room [2001:db8::1] muc.v6.example\n";

#define ROOM_URI	"sip:devs@conf.sip.example"
#define ROOM_JID	"devs@conference.xmpp.example"

/* Parses a table or fails the test. */
static struct map_table *
table(const char *text)
{
	struct map_table *t = NULL;
	char *cause = NULL;

	if (map_table_parse(text, strlen(text), "t", &t, &cause) == -1)
		fail_msg("%s", cause);
	return t;
}

/* Compares a string that may be NULL. */
static void
same(const char *what, const char *got, const char *want)
{
	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: \"%s\", not \"%s\"", what,
		    got != NULL ? got : "(null)", want != NULL ? want :
		    "(null)");
}

/* An address names a room, an occupant or an embedded JID, with these
 * canonical forms; from_sip says which side it is on. */
static void
names(const struct map_table *t, int from_sip, const char *addr,
    enum map_room_kind kind, const char *jid, const char *uri,
    const char *nick)
{
	struct map_room r;
	char *cause = NULL;
	int rc;

	rc = from_sip ? map_room_from_sip(t, addr, &r, &cause) :
	    map_room_from_xmpp(t, addr, &r, &cause);
	if (rc != MAP_OK)
		fail_msg("%s: %s (%s)", addr, map_result_name(rc), cause);
	assert_null(cause);
	if (r.kind != kind)
		fail_msg("%s: a %s, not a %s", addr, map_room_kind_name(r.kind),
		    map_room_kind_name(kind));
	same("jid", r.jid, jid);
	same("uri", r.uri, uri);
	same("nick", r.nick, nick);
	if (kind != MAP_ROOM_NONE) {
		/* the room is the part before the nick, both sides */
		assert_non_null(r.room_jid);
		assert_non_null(r.room_uri);
		assert_int_equal(strncmp(r.jid, r.room_jid,
		    strlen(r.room_jid)), 0);
		assert_int_equal(strncmp(r.uri, r.room_uri,
		    strlen(r.room_uri)), 0);
		assert_true(nick != NULL ? r.uri[strlen(r.room_uri)] == ';' :
		    r.uri[strlen(r.room_uri)] == '\0');
	} else {
		assert_null(r.room_jid);
		assert_null(r.room_uri);
	}
	map_room_clear(&r);
}

/* An address is refused with result want, the cause saying what. */
static void
refused(const struct map_table *t, int from_sip, const char *addr, int want,
    const char *what)
{
	struct map_room r;
	char *cause = NULL;
	int rc;

	rc = from_sip ? map_room_from_sip(t, addr, &r, &cause) :
	    map_room_from_xmpp(t, addr, &r, &cause);
	if (rc != want)
		fail_msg("%s: %s, not %s", addr, map_result_name(rc),
		    map_result_name(want));
	assert_int_equal(r.kind, MAP_ROOM_NONE);
	assert_null(r.jid);
	assert_non_null(cause);
	if (strstr(cause, what) == NULL)
		fail_msg("%s: \"%s\" does not say \"%s\"", addr, cause, what);
	free(cause);
}

/* The table text is refused with exactly this cause. */
static void
load_refused(const char *text, const char *want)
{
	struct map_table *t = NULL;
	char *cause = NULL;

	assert_int_equal(map_table_parse(text, strlen(text), "t", &t, &cause),
	    -1);
	assert_null(t);
	same(text, cause, want);
	free(cause);
}

/* The issue's examples, both ways; hosts and domains fold case. */
static void
test_issue_examples(void **state)
{
	struct map_table *t = table(fixture);

	(void)state;
	names(t, 1, ROOM_URI, MAP_ROOM_ROOM, ROOM_JID, ROOM_URI, NULL);
	names(t, 1, ROOM_URI ";gr=bob", MAP_ROOM_OCCUPANT, ROOM_JID "/bob",
	    ROOM_URI ";gr=bob", "bob");
	names(t, 0, ROOM_JID, MAP_ROOM_ROOM, ROOM_JID, ROOM_URI, NULL);
	names(t, 0, ROOM_JID "/bob", MAP_ROOM_OCCUPANT, ROOM_JID "/bob",
	    ROOM_URI ";gr=bob", "bob");
	names(t, 1, "sip:devs@CONF.Sip.Example;GR=bob;transport=tcp",
	    MAP_ROOM_OCCUPANT, ROOM_JID "/bob", ROOM_URI ";gr=bob", "bob");
	names(t, 0, "devs@Conference.XMPP.example./bob", MAP_ROOM_OCCUPANT,
	    ROOM_JID "/bob", ROOM_URI ";gr=bob", "bob");
	/* a room name goes through RFC 7247 §6.4 like a user's */
	names(t, 1, "sip:o'hara%20team@conf.sip.example", MAP_ROOM_ROOM,
	    "o\\27hara\\20team@conference.xmpp.example",
	    "sip:o'hara%20team@conf.sip.example", NULL);
	/* an IPv6 SIP domain */
	names(t, 1, "sip:devs@[2001:DB8::1];gr=bob", MAP_ROOM_OCCUPANT,
	    "devs@muc.v6.example/bob", "sip:devs@[2001:db8::1];gr=bob",
	    "bob");
	/* "gr" without a value is a temporary GRUU (RFC 5627): the room */
	names(t, 1, ROOM_URI ";gr", MAP_ROOM_ROOM, ROOM_JID, ROOM_URI, NULL);
	/* users, and what is no address, are no rooms */
	names(t, 1, "sip:bob@sip.example", MAP_ROOM_NONE, NULL, NULL, NULL);
	names(t, 1, "sip:alice@sip.example", MAP_ROOM_NONE, NULL, NULL,
	    NULL);
	names(t, 0, "bob@xmpp.example/r", MAP_ROOM_NONE, NULL, NULL, NULL);
	names(t, 1, "sip:devs@", MAP_ROOM_NONE, NULL, NULL, NULL);
	names(t, 0, "@conference.xmpp.example", MAP_ROOM_NONE, NULL, NULL,
	    NULL);
	assert_true(map_sip_domain_is_mapped(t, "conf.sip.example"));
	map_table_free(t);
}

/* The user translations refuse room addresses as MAP_ROOM, and leave
 * everything else as it was. */
static void
test_user_api_refuses_rooms(void **state)
{
	static const char *const sip[] = { ROOM_URI, ROOM_URI ";gr=bob",
	    "im:devs@conf.sip.example" };
	static const char *const xmpp[] = { ROOM_JID, ROOM_JID "/bob" };
	struct map_table *t = table(fixture);
	char *out = NULL, *cause = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sip) / sizeof(sip[0]); i++) {
		assert_int_equal(map_sip_to_xmpp(t, sip[i], &out, &cause),
		    MAP_ROOM);
		assert_null(out);
		same(sip[i], cause, "a room address (room rule at line 2), "
		    "not a user");
		free(cause);
	}
	for (i = 0; i < sizeof(xmpp) / sizeof(xmpp[0]); i++) {
		assert_int_equal(map_xmpp_to_sip(t, xmpp[i], &out, &cause),
		    MAP_ROOM);
		assert_null(out);
		assert_non_null(strstr(cause, "room rule at line 2"));
		free(cause);
	}
	assert_string_equal(map_result_name(MAP_ROOM), "room");
	assert_int_equal(map_sip_to_xmpp(t, "sip:bob@sip.example", &out,
	    NULL), MAP_OK);
	assert_string_equal(out, "bob@xmpp.example");
	free(out);
	/* a bad room address is still malformed, not a room */
	assert_int_equal(map_sip_to_xmpp(t, ROOM_URI ";gr=", &out, &cause),
	    MAP_MALFORMED);
	free(cause);
	map_table_free(t);
}

/* Nicks: any resourcepart goes into gr escaped as paramchar requires
 * (RFC 3261 §25.1) and comes back the same, from either side. */
static void
test_nick_round_trips(void **state)
{
	static const struct {
		const char	*nick;
		const char	*gr;
	} cases[] = {
		{ "bob", "bob" },
		{ "bob smith", "bob%20smith" },
		{ " bob ", "%20bob%20" },
		{ "a;b=c", "a%3Bb%3Dc" },
		{ "100%", "100%25" },
		{ "50%25", "50%2525" },
		{ "a?b&c", "a%3Fb&c" },
		{ "Zo\xc3\xab", "Zo%C3%AB" },
		{ "\xe6\x97\xa5\xe6\x9c\xac", "%E6%97%A5%E6%9C%AC" },
		{ "\xf0\x9f\x98\x80", "%F0%9F%98%80" },
		{ "a/b@c", "a/b%40c" },
		{ "[::1]:5060", "[::1]:5060" },
		{ "<tag>\"q\"", "%3Ctag%3E%22q%22" },
		{ "x,y#z", "x%2Cy%23z" },
		{ "-_.!~*'()", "-_.!~*'()" },
	};
	struct map_table *t = table(fixture);
	char jid[256], uri[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(jid, sizeof(jid), ROOM_JID "/%s", cases[i].nick);
		snprintf(uri, sizeof(uri), ROOM_URI ";gr=%s", cases[i].gr);
		names(t, 0, jid, MAP_ROOM_OCCUPANT, jid, uri, cases[i].nick);
		names(t, 1, uri, MAP_ROOM_OCCUPANT, jid, uri, cases[i].nick);
	}
	/* other spellings of the same nick come out canonical */
	names(t, 1, ROOM_URI ";gr=Zo%c3%ab", MAP_ROOM_OCCUPANT,
	    ROOM_JID "/Zo\xc3\xab", ROOM_URI ";gr=Zo%C3%AB", "Zo\xc3\xab");
	names(t, 1, ROOM_URI ";gr=%62ob", MAP_ROOM_OCCUPANT, ROOM_JID "/bob",
	    ROOM_URI ";gr=bob", "bob");
	map_table_free(t);
}

/* Nicks that cannot be carried are refused with a cause. */
static void
test_nick_refused(void **state)
{
	struct map_table *t = table(fixture);
	char jid[1200], uri[1200];
	size_t room = strlen(ROOM_URI ";gr=");

	(void)state;
	refused(t, 1, ROOM_URI ";gr=%00", MAP_MALFORMED, "%00");
	refused(t, 1, ROOM_URI ";gr=a%0Ab", MAP_MALFORMED, "controls");
	refused(t, 1, ROOM_URI ";gr=%C2%85", MAP_MALFORMED, "controls");
	refused(t, 1, ROOM_URI ";gr=%FF", MAP_MALFORMED, "UTF-8");
	refused(t, 1, ROOM_URI ";gr=%C3", MAP_MALFORMED, "UTF-8");
	/* the longest nick that fits a URI (MAP_URI_MAX, 1024 bytes) */
	memset(jid, 0, sizeof(jid));
	snprintf(jid, sizeof(jid), ROOM_JID "/");
	memset(jid + strlen(jid), 'n', 1024 - room);
	snprintf(uri, sizeof(uri), ROOM_URI ";gr=%s", strchr(jid, '/') + 1);
	assert_int_equal(strlen(uri), 1024);
	names(t, 0, jid, MAP_ROOM_OCCUPANT, jid, uri, strchr(jid, '/') + 1);
	names(t, 1, uri, MAP_ROOM_OCCUPANT, jid, uri, strchr(jid, '/') + 1);
	/* one byte more: a valid resource, but no URI can carry it */
	strcat(jid, "n");
	refused(t, 0, jid, MAP_MALFORMED, "the nick cannot be carried");
	/* 400 "é" are 800 bytes, 2400 escaped */
	snprintf(jid, sizeof(jid), ROOM_JID "/");
	for (size_t i = 0; i < 400; i++)
		strcat(jid, "\xc3\xa9");
	refused(t, 0, jid, MAP_MALFORMED, "longer than 1024 bytes");
	/* what is no URI or JID at all is no room: the user translations
	 * refuse it as malformed */
	names(t, 1, ROOM_URI ";gr=", MAP_ROOM_NONE, NULL, NULL, NULL);
	names(t, 1, ROOM_URI ";gr=a;gr=b", MAP_ROOM_NONE, NULL, NULL, NULL);
	names(t, 1, ROOM_URI ";gr=%zz", MAP_ROOM_NONE, NULL, NULL, NULL);
	names(t, 1, "sip:devs@[::1;gr=x", MAP_ROOM_NONE, NULL, NULL, NULL);
	names(t, 1, "sip:devs@[conf.sip.example]", MAP_ROOM_NONE, NULL, NULL,
	    NULL);
	names(t, 1, "sip:devs@[2001:db8::1:;gr=bob", MAP_ROOM_NONE, NULL, NULL,
	    NULL);
	names(t, 0, ROOM_JID "/", MAP_ROOM_NONE, NULL, NULL, NULL);
	names(t, 0, ROOM_JID "/a\x01", MAP_ROOM_NONE, NULL, NULL, NULL);
	map_table_free(t);
}

/* A room address that names no room, or a sips: one. */
static void
test_room_refused(void **state)
{
	struct map_table *t = table(fixture);

	(void)state;
	refused(t, 1, "sips:devs@conf.sip.example", MAP_SIPS, "RFC 7247 §8");
	refused(t, 1, "sip:conf.sip.example", MAP_NO_RULE,
	    "sip:ROOM@conf.sip.example");
	refused(t, 1, "sip:conf.sip.example;gr=bob", MAP_NO_RULE,
	    "user part");
	refused(t, 0, "conference.xmpp.example", MAP_NO_RULE,
	    "ROOM@conference.xmpp.example");
	refused(t, 0, "conference.xmpp.example/bob", MAP_NO_RULE,
	    "localpart");
	/* a room name that is no localpart (XEP-0106 §3.2) */
	refused(t, 1, "sip:%20devs@conf.sip.example", MAP_MALFORMED,
	    "RFC 7247");
	map_table_free(t);
}

/* Rooms on other services: the embed rule carries their JIDs, and the
 * mapping says only that they may be rooms. */
static void
test_embedded_rooms(void **state)
{
	struct map_table *t = table(fixture);
	char *out = NULL;

	(void)state;
	names(t, 1, "sip:devs%40muc.jabber.org@gw.sip.example",
	    MAP_ROOM_EMBEDDED, "devs@muc.jabber.org",
	    "sip:devs%40muc.jabber.org@gw.sip.example", NULL);
	names(t, 1, "sip:devs*MUC.jabber.org@GW.sip.example;gr=bob%20s",
	    MAP_ROOM_EMBEDDED, "devs@muc.jabber.org/bob s",
	    "sip:devs%40muc.jabber.org@gw.sip.example;gr=bob%20s", "bob s");
	names(t, 0, "devs@muc.jabber.org/bob s", MAP_ROOM_EMBEDDED,
	    "devs@muc.jabber.org/bob s",
	    "sip:devs%40muc.jabber.org@gw.sip.example;gr=bob%20s", "bob s");
	/* the user translation of the same is unchanged */
	assert_int_equal(map_sip_to_xmpp(t,
	    "sip:devs%40muc.jabber.org@gw.sip.example", &out, NULL), MAP_OK);
	assert_string_equal(out, "devs@muc.jabber.org");
	free(out);
	/* SIP addresses the embed rule carries are users */
	names(t, 0, "carol\\40sip.other@gw.xmpp.example", MAP_ROOM_NONE, NULL,
	    NULL, NULL);
	names(t, 1, "sip:carol@sip.other", MAP_ROOM_NONE, NULL, NULL, NULL);
	/* a room of a room rule has its own address */
	refused(t, 1, "sip:devs%40conference.xmpp.example@gw.sip.example",
	    MAP_NO_RULE, "mapped by line 2");
	refused(t, 1, "sip:nojid@gw.sip.example", MAP_NO_RULE,
	    "carries no JID");
	map_table_free(t);
}

/* The message path's cheap filter: never "no" for an embed address. */
static void
test_may_be_embedded(void **state)
{
	struct map_table *t = table(fixture);
	struct map_table *none = table("domain sip.example xmpp.example\n");

	(void)state;
	assert_true(map_may_be_embedded(t,
	    "sip:devs%40muc.jabber.org@gw.sip.example"));
	assert_true(map_may_be_embedded(t,
	    "sip:devs%40muc.jabber.org@GW.Sip.Example:5060;transport=udp"));
	assert_false(map_may_be_embedded(t, "sip:juliet@sip.example"));
	assert_false(map_may_be_embedded(t, ROOM_URI));
	assert_false(map_may_be_embedded(t, "sip:gw.sip.exampl"));
	assert_false(map_may_be_embedded(none,
	    "sip:devs%40muc.jabber.org@gw.sip.example"));
	assert_false(map_may_be_embedded(t, NULL));
	map_table_free(t);
	map_table_free(none);
}

/* A room domain is a domain of its own: no domain, embed, room or user
 * rule may share it, in either order. */
static void
test_collisions(void **state)
{
	(void)state;
	load_refused("domain a.example b.example\nroom a.example c.example\n",
	    "t:2: SIP domain already used by the domain rule at line 1: a "
	    "room domain is a domain of its own");
	load_refused("room a.example c.example\ndomain d.example c.example\n",
	    "t:2: XMPP domain already used by the room rule at line 1: a "
	    "room domain is a domain of its own");
	load_refused("embed gw.example c.example\nroom r.example C.example.\n",
	    "t:2: XMPP domain already used by the embed rule at line 1: a "
	    "room domain is a domain of its own");
	load_refused("room r.example c.example\nembed R.example gw.example\n",
	    "t:2: SIP domain already used by the room rule at line 1: a "
	    "room domain is a domain of its own");
	load_refused("room a.example c.example\nroom a.example d.example\n",
	    "t:2: SIP domain already used by the room rule at line 1: a "
	    "room domain is a domain of its own");
	load_refused("room a.example c.example\nroom a.example c.example\n",
	    "t:2: duplicate of line 1");
	load_refused("user sip:x@a.example x@b.example\n"
	    "room a.example c.example\n",
	    "t:2: SIP domain already used by the user rule at line 1: a "
	    "room address cannot be a user");
	load_refused("user sip:x@q.example x@c.example\n"
	    "user sip:y@q.example y@d.example\n"
	    "room a.example D.example\n",
	    "t:3: XMPP domain already used by the user rule at line 2: a "
	    "room address cannot be a user");
	load_refused("room a.example c.example\n"
	    "user sip:x@A.example x@b.example\n",
	    "t:2: the SIP address is in the domain of the room rule at line "
	    "1: a room address cannot be a user");
	load_refused("room a.example c.example\n"
	    "user sip:x@q.example devs@C.example\n",
	    "t:2: the JID is in the domain of the room rule at line 1: a room "
	    "address cannot be a user");
	load_refused("room a.example\n",
	    "t:1: room takes 2 fields (SIP-DOMAIN MUC-DOMAIN), not 1");
	load_refused("room a.example b.example c.example\n",
	    "t:1: room takes 2 fields (SIP-DOMAIN MUC-DOMAIN), not 3");
	load_refused("room sip:a.example c.example\n",
	    "t:1: invalid SIP domain (write a domain, not a URI)");
	load_refused("room a.example c@example\n", "t:1: invalid XMPP domain");
	load_refused("room a..example c.example\n", "t:1: invalid SIP domain");
	/* users elsewhere, and a user rule's domain rule, are fine */
	map_table_free(table("user sip:x@q.example x@d.example\n"
	    "room a.example c.example\n"
	    "domain q.example d.example\n"));
}

/* Asserts what map_explain (sipxmppd --map) says about an address. */
static void
explain(const struct map_table *t, const char *addr, const char *result,
    const char *rule)
{
	char *res = NULL, *ru = NULL, *cause = NULL;
	int rc;

	if ((rc = map_explain(t, addr, &res, &ru, &cause)) != MAP_OK)
		fail_msg("%s: %s (%s)", addr, map_result_name(rc), cause);
	same(addr, res, result);
	same(addr, ru, rule);
	assert_null(cause);
	free(res);
	free(ru);
}

/* What map_explain says of an address it does not translate. */
static void
explain_refused(const struct map_table *t, const char *addr, int want,
    const char *why)
{
	char *res = NULL, *ru = NULL, *cause = NULL;

	assert_int_equal(map_explain(t, addr, &res, &ru, &cause), want);
	assert_null(res);
	same(addr, cause, why);
	free(ru);
	free(cause);
}

/* --map explains rooms and occupants, both ways. */
static void
test_explain(void **state)
{
	struct map_table *t = table(fixture);

	(void)state;
	explain(t, ROOM_URI, ROOM_JID, "t:2: room conf.sip.example "
	    "conference.xmpp.example (room " ROOM_JID ")");
	explain(t, ROOM_URI ";gr=bob", ROOM_JID "/bob", "t:2: room "
	    "conf.sip.example conference.xmpp.example (occupant \"bob\" of "
	    "room " ROOM_JID ")");
	explain(t, "xmpp:" ROOM_JID, ROOM_URI, "t:2: room conf.sip.example "
	    "conference.xmpp.example (room " ROOM_JID ")");
	explain(t, "devs@CONFERENCE.xmpp.example/Zo\xc3\xab",
	    ROOM_URI ";gr=Zo%C3%AB", "t:2: room conf.sip.example "
	    "conference.xmpp.example (occupant \"Zo\xc3\xab\" of room "
	    ROOM_JID ")");
	explain(t, "sip:bob@sip.example", "bob@xmpp.example",
	    "t:1: domain sip.example xmpp.example");
	/* a room address that does not translate: the room's reason */
	explain_refused(t, ROOM_URI ";gr=%01", MAP_MALFORMED, "the nick (gr "
	    "parameter) is not UTF-8 text without controls (RFC 7622 §3.4)");
	explain_refused(t, "sip:conf.sip.example", MAP_NO_RULE, "a room "
	    "address names its room in the user part: "
	    "sip:ROOM@conf.sip.example");
	explain_refused(t, "conference.xmpp.example/bob", MAP_NO_RULE,
	    "a room JID names its room in the localpart: "
	    "ROOM@conference.xmpp.example");
	/* and a user's, the general one */
	explain_refused(t, "sip:b%01b@sip.example", MAP_MALFORMED, "the SIP "
	    "user part cannot be an XMPP localpart (RFC 7247 §6.4)");
	map_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_examples),
		cmocka_unit_test(test_user_api_refuses_rooms),
		cmocka_unit_test(test_nick_round_trips),
		cmocka_unit_test(test_nick_refused),
		cmocka_unit_test(test_room_refused),
		cmocka_unit_test(test_embedded_rooms),
		cmocka_unit_test(test_may_be_embedded),
		cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_explain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
