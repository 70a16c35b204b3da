/*
 * Allocation-failure pass over the address mapping (issue 11 item 5; the
 * shim and the loop are in alloc_fail.c): a table is parsed (at once and
 * by the builder) and addresses are translated both ways and explained,
 * as test_mapping_*.c do, with allocation n failing for n = 1, 2, ...
 * until a run completes. Each run must end in the documented error
 * (-1 or MAP_NOMEM, a cause that speaks of memory if any) or the right
 * result, with no leak and no crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc_fail.h"
#include "mapping.h"

static const char fixture[] =
    "domain sip.example sip.example\n"
    "domain xmpp.example xmpp.example\n"
    "user sip:alice@sip.example alice.smith@chat.example\n"
    "domain chat-sip.example chat.example\n"
    "embed gw.sip.example gw.xmpp.example separator=* allow_ports "
    "allow_ip_literals allow_private\n"
    "user sip:bob@solo.example robert@chat.example\n";

/* A refusal for want of memory: its cause, if any, must say so. */
static int
nomem(char *cause)
{
	if (cause != NULL && strstr(cause, "memory") == NULL)
		fail_msg("refused for another reason: %s", cause);
	free(cause);
	return -1;
}

/* One translation; 0 if it gives want, -1 on MAP_NOMEM. */
static int
translate(const struct map_table *t, int s2x, const char *in,
    const char *want)
{
	char *out = NULL, *cause = NULL;
	int r;

	r = s2x ? map_sip_to_xmpp(t, in, &out, &cause) :
	    map_xmpp_to_sip(t, in, &out, &cause);
	if (r == MAP_NOMEM) {
		assert_null(out);
		return nomem(cause);
	}
	if (r != MAP_OK)
		fail_msg("%s: %s (%s)", in, map_result_name(r),
		    cause != NULL ? cause : "no cause");
	assert_string_equal(out, want);
	free(out);
	return 0;
}

/* Parse, translate both ways (user, domain, embed, escapes), explain. */
static int
sc_table_translate(void)
{
	struct map_table *t = NULL;
	char *cause = NULL, *res = NULL, *rule = NULL;
	int r, ret = -1;

	if (map_table_parse(fixture, strlen(fixture), "t", &t, &cause) != 0) {
		assert_null(t);
		return nomem(cause);
	}
	assert_int_equal(map_table_size(t), 6);
	if (translate(t, 1, "sip:alice@sip.example", "alice.smith@chat.example")
	    != 0 ||
	    translate(t, 1, "sip:J%20R@chat-sip.example;gr=home",
	    "J\\20R@chat.example/home") != 0 ||
	    translate(t, 0, "robert@chat.example", "sip:bob@solo.example")
	    != 0 ||
	    translate(t, 0, "x\\40127.0.0.1@gw.xmpp.example",
	    "sip:x@127.0.0.1") != 0 ||
	    translate(t, 1, "sip:x@127.0.0.1:5070",
	    "x\\40127.0.0.1\\3a5070@gw.xmpp.example") != 0 ||
	    translate(t, 0, "x%sip.other@gw.xmpp.example",
	    "sip:x@sip.other") != 0)
		goto out;
	/* the note on the "%" form is one more allocation */
	r = map_explain(t, "x%sip.other@gw.xmpp.example", &res, &rule, &cause);
	if (r == MAP_NOMEM) {
		assert_null(res);
		assert_null(rule);
		nomem(cause);
		goto out;
	}
	assert_int_equal(r, MAP_OK);
	assert_non_null(strstr(rule, "form: user%host"));
	free(res);
	free(rule);
	free(cause);
	res = rule = cause = NULL;
	r = map_explain(t, "sip:alice@sip.example", &res, &rule, &cause);
	if (r == MAP_NOMEM) {
		assert_null(res);
		assert_null(rule);
		nomem(cause);
		goto out;
	}
	assert_int_equal(r, MAP_OK);
	assert_string_equal(res, "alice.smith@chat.example");
	assert_non_null(rule);
	free(res);
	free(rule);
	free(cause);
	ret = 0;
out:
	map_table_free(t);
	return ret;
}

/* The address parsers and local-part codecs (RFC 7247 §6, XEP-0106). */
static int
sc_addresses(void)
{
	struct sip_addr a;
	struct jid j;
	char *p;
	int r;

	r = sip_addr_parse("sip:f%C3%BC@Chat-SIP.example:5070;gr=my%20phone",
	    &a);
	if (r == MAP_NOMEM)
		return -1;
	assert_int_equal(r, MAP_OK);
	assert_string_equal(a.user, "f\xc3\xbc");
	assert_string_equal(a.host, "chat-sip.example");
	assert_string_equal(a.gr, "my phone");
	sip_addr_clear(&a);
	if ((r = jid_parse("j\\20r@chat.example/home", &j)) == MAP_NOMEM)
		return -1;
	assert_int_equal(r, MAP_OK);
	assert_string_equal(j.resource, "home");
	jid_clear(&j);
	if ((p = pct_decode("a%40b", 5)) == NULL)
		return -1;
	assert_string_equal(p, "a@b");
	free(p);
	if ((p = localpart_sip_to_xmpp("o'hara & co")) == NULL)
		return -1;
	assert_string_equal(p, "o\\27hara\\20\\26\\20co");
	free(p);
	if ((p = localpart_xmpp_to_sip("o\\27hara")) == NULL)
		return -1;
	assert_string_equal(p, "o'hara");
	free(p);
	if ((p = xep0106_escape("a b@c")) == NULL)
		return -1;
	assert_string_equal(p, "a\\20b\\40c");
	free(p);
	if ((p = xep0106_unescape("a\\20b\\40c")) == NULL)
		return -1;
	assert_string_equal(p, "a b@c");
	free(p);
	return 0;
}

/* The builder, two lines a step, and a refused table (cause built). */
static int
sc_table_builder(void)
{
	static const char dup[] =
	    "user sip:a@x.example a@y.example\n"
	    "user sip:b@x.example a@y.example\n";
	struct map_table_builder *b = NULL;
	struct map_table *t = NULL;
	char *cause = NULL;
	int r;

	if (map_table_builder_new(fixture, strlen(fixture), "t", &b,
	    &cause) != 0) {
		map_table_builder_free(b);
		return nomem(cause);
	}
	while ((r = map_table_builder_step(b, 2, &t, &cause)) == 1)
		;
	map_table_builder_free(b);
	if (r != 0) {
		assert_null(t);
		return nomem(cause);
	}
	assert_int_equal(map_table_size(t), 6);
	map_table_free(t);

	t = NULL;
	cause = NULL;
	assert_int_equal(map_table_parse(dup, strlen(dup), "d", &t, &cause),
	    -1);
	assert_null(t);
	/* The cause is the duplicate, or (its own allocation failing) none. */
	if (cause == NULL)
		return -1;
	if (strstr(cause, "memory") != NULL)
		return nomem(cause);
	assert_string_equal(cause, "d:2: JID already mapped at line 1");
	free(cause);
	return 0;
}

/* One room lookup; 0 if it names want (kind, jid, nick), -1 on
 * MAP_NOMEM. */
static int
room(const struct map_table *t, int from_sip, const char *in,
    enum map_room_kind kind, const char *jid, const char *nick)
{
	struct map_room r;
	char *cause = NULL;
	int rc;

	rc = from_sip ? map_room_from_sip(t, in, &r, &cause) :
	    map_room_from_xmpp(t, in, &r, &cause);
	if (rc == MAP_NOMEM) {
		assert_null(r.jid);
		assert_null(r.nick);
		return nomem(cause);
	}
	if (rc != MAP_OK)
		fail_msg("%s: %s (%s)", in, map_result_name(rc),
		    cause != NULL ? cause : "no cause");
	assert_int_equal(r.kind, kind);
	assert_string_equal(r.jid, jid);
	assert_non_null(r.uri);
	assert_non_null(r.room_jid);
	assert_non_null(r.room_uri);
	if (nick != NULL)
		assert_string_equal(r.nick, nick);
	else
		assert_null(r.nick);
	map_room_clear(&r);
	return 0;
}

/* The room rule (issue 13 item 1): rooms, occupants, embedded JIDs,
 * refusals with a cause, the user translations' MAP_ROOM, --map. */
static int
sc_rooms(void)
{
	static const char text[] =
	    "room conf.sip.example conference.xmpp.example\n"
	    "embed gw.sip.example gw.xmpp.example\n";
	struct map_table *t = NULL;
	struct map_room r;
	char *cause = NULL, *res = NULL, *rule = NULL, *out = NULL;
	int rc, ret = -1;

	if (map_table_parse(text, strlen(text), "t", &t, &cause) != 0) {
		assert_null(t);
		return nomem(cause);
	}
	if (room(t, 1, "sip:devs@conf.sip.example", MAP_ROOM_ROOM,
	    "devs@conference.xmpp.example", NULL) != 0 ||
	    room(t, 1, "sip:devs@conf.sip.example;gr=Zo%C3%AB",
	    MAP_ROOM_OCCUPANT, "devs@conference.xmpp.example/Zo\xc3\xab",
	    "Zo\xc3\xab") != 0 ||
	    room(t, 0, "devs@conference.xmpp.example/bob s",
	    MAP_ROOM_OCCUPANT, "devs@conference.xmpp.example/bob s",
	    "bob s") != 0 ||
	    room(t, 0, "devs@muc.jabber.org/bob", MAP_ROOM_EMBEDDED,
	    "devs@muc.jabber.org/bob", "bob") != 0 ||
	    room(t, 1, "sip:devs%40muc.jabber.org@gw.sip.example",
	    MAP_ROOM_EMBEDDED, "devs@muc.jabber.org", NULL) != 0)
		goto out;
	/* refused: the cause is built, or (no memory) absent */
	rc = map_room_from_sip(t, "sip:devs@conf.sip.example;gr=%01", &r,
	    &cause);
	assert_int_equal(rc, MAP_MALFORMED);
	assert_null(r.jid);
	if (cause == NULL)
		goto out;		/* no memory for the cause */
	assert_non_null(strstr(cause, "nick"));
	free(cause);
	cause = NULL;
	rc = map_sip_to_xmpp(t, "sip:devs@conf.sip.example", &out, &cause);
	assert_null(out);
	if (rc == MAP_NOMEM || cause == NULL) {
		nomem(cause);
		goto out;
	}
	assert_int_equal(rc, MAP_ROOM);
	free(cause);
	cause = NULL;
	rc = map_explain(t, "devs@conference.xmpp.example/bob", &res, &rule,
	    &cause);
	if (rc == MAP_NOMEM) {
		assert_null(res);
		assert_null(rule);
		nomem(cause);
		goto out;
	}
	assert_int_equal(rc, MAP_OK);
	assert_string_equal(res, "sip:devs@conf.sip.example;gr=bob");
	assert_non_null(strstr(rule, "occupant \"bob\""));
	free(res);
	free(rule);
	ret = 0;
out:
	map_table_free(t);
	return ret;
}

#define SCENARIO(fn)							\
static void								\
test_##fn(void **state)							\
{									\
	(void)state;							\
	alloc_fail_run(#fn, fn);					\
}
SCENARIO(sc_table_translate)
SCENARIO(sc_table_builder)
SCENARIO(sc_addresses)
SCENARIO(sc_rooms)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sc_table_translate),
		cmocka_unit_test(test_sc_table_builder),
		cmocka_unit_test(test_sc_addresses),
		cmocka_unit_test(test_sc_rooms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
