/*
 * The conference-info documents a room's SIP subscribers get (RFC 4575,
 * room_conf.c): a full one from a roster (the room described, every
 * occupant a <user> keyed by his occupant URI with his nick as
 * display-text and one connected endpoint), a partial one with a join
 * or a leave (state="deleted"), versions one more each time, and a
 * nick that neither XML nor the mapping can carry left out rather than
 * spoiling the document. Each is read back with the codec's parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conference_info.h"
#include "mapping.h"
#include "room_conf.h"

static const char fixture[] =
    "domain sip.test xmpp.test\n"
    "room conf.sip.test conference.xmpp.test\n";

#define ROOM_JID	"lobby@conference.xmpp.test"
#define ROOM_URI	"sip:lobby@conf.sip.test"

/* The mapping table of the fixture. */
static struct map_table *
table(void)
{
	struct map_table *t = NULL;
	char *cause = NULL;

	if (map_table_parse(fixture, strlen(fixture), "t", &t, &cause) != 0)
		fail_msg("%s", cause);
	return t;
}

/* Builds a document and parses it back into ci. */
static void
build(enum ci_state state, uint32_t version,
    const struct room_conf_user *u, size_t n, struct conference_info *ci)
{
	struct map_table *t = table();
	struct strbuf sb;
	char *cause = NULL;

	strbuf_init(&sb);
	assert_int_equal(room_conf_build(&sb, t, ROOM_JID, ROOM_URI, state,
	    version, u, n), 0);
	if (conference_info_parse(sb.buf, sb.len, ci, &cause) != 0)
		fail_msg("%s: %s", cause, sb.buf);
	strbuf_free(&sb);
	map_table_free(t);
}

/* The user of ci with entity, or fails. */
static const struct ci_user *
user(const struct conference_info *ci, const char *entity)
{
	for (size_t i = 0; i < ci->n_users; i++)
		if (strcmp(ci->users[i].entity, entity) == 0)
			return &ci->users[i];
	fail_msg("no user %s", entity);
	return NULL;
}

/* §5.2: the first NOTIFY, full: the room and every occupant, the
 * subscriber's own entry among them. */
static void
full_from_roster(void **state)
{
	struct room_conf_user u[] = {
		{ "juliet", 0 }, { "nurse", 0 }, { "romeo", 0 },
	};
	struct conference_info ci;
	const struct ci_user *x;

	(void)state;
	build(CI_STATE_FULL, 1, u, 3, &ci);
	assert_string_equal(ci.entity, ROOM_URI);
	assert_int_equal(ci.state, CI_STATE_FULL);
	assert_int_equal(ci.version, 1);
	assert_string_equal(ci.display_text, ROOM_JID);
	assert_int_equal(ci.user_count, 3);
	assert_int_equal(ci.n_users, 3);
	x = user(&ci, "sip:lobby@conf.sip.test;gr=nurse");
	assert_string_equal(x->display_text, "nurse");
	assert_int_equal(x->state, CI_STATE_FULL);
	assert_int_equal(x->n_endpoints, 1);
	assert_string_equal(x->endpoints[0].entity,
	    "sip:lobby@conf.sip.test;gr=nurse");
	assert_int_equal(x->endpoints[0].status, CI_STATUS_CONNECTED);
	assert_string_equal(user(&ci, "sip:lobby@conf.sip.test;gr=romeo")->
	    display_text, "romeo");
	conference_info_free(&ci);
}

/* §4.6: a leave is a partial with the user deleted, a join a partial
 * with the whole user; the subscriber merges them by entity. */
static void
partial_join_and_leave(void **state)
{
	struct room_conf_user gone = { "nurse", 1 }, come = { "tybalt", 0 };
	struct conference_info ci;

	(void)state;
	build(CI_STATE_PARTIAL, 2, &gone, 1, &ci);
	assert_int_equal(ci.state, CI_STATE_PARTIAL);
	assert_int_equal(ci.version, 2);
	assert_int_equal(ci.users_state, CI_STATE_PARTIAL);
	assert_int_equal(ci.n_users, 1);
	assert_string_equal(ci.users[0].entity,
	    "sip:lobby@conf.sip.test;gr=nurse");
	assert_int_equal(ci.users[0].state, CI_STATE_DELETED);
	assert_int_equal(ci.users[0].n_endpoints, 0);
	/* A partial says no user count it does not know changed. */
	assert_int_equal(ci.user_count, -1);
	conference_info_free(&ci);
	build(CI_STATE_PARTIAL, 3, &come, 1, &ci);
	assert_int_equal(ci.version, 3);
	assert_int_equal(ci.users[0].state, CI_STATE_FULL);
	assert_string_equal(ci.users[0].display_text, "tybalt");
	assert_int_equal(ci.users[0].endpoints[0].status,
	    CI_STATUS_CONNECTED);
	conference_info_free(&ci);
}

/* A nick is anyone's choice: one that is not XML text, or that the
 * mapping cannot put in a URI, is left out; the others still go. */
static void
hostile_nick_left_out(void **state)
{
	struct room_conf_user u[] = {
		{ "bad\x01", 0 }, { "\xff\xfe", 0 }, { "juliet", 0 },
	};
	struct conference_info ci;

	(void)state;
	build(CI_STATE_FULL, 1, u, 3, &ci);
	assert_int_equal(ci.n_users, 1);
	assert_int_equal(ci.user_count, 1);
	assert_string_equal(ci.users[0].display_text, "juliet");
	conference_info_free(&ci);
	/* A room alone: still a valid full document (§5.2). */
	build(CI_STATE_FULL, 1, NULL, 0, &ci);
	assert_int_equal(ci.n_users, 0);
	conference_info_free(&ci);
}

/* §4.3: each document one more; the subscriber's rule accepts the
 * sequence we send and would resync on a gap. */
static void
version_sequence(void **state)
{
	uint32_t v = 0;

	(void)state;
	v = room_conf_next_version(v);
	assert_int_equal(v, 1);
	assert_int_equal(conference_info_check_version(0, 0, CI_STATE_FULL,
	    v), CI_APPLY);
	for (uint32_t local = v; local < 10; local = v) {
		v = room_conf_next_version(v);
		assert_int_equal(conference_info_check_version(1, local,
		    CI_STATE_PARTIAL, v), CI_APPLY);
	}
	assert_int_equal(room_conf_next_version(UINT32_MAX - 1), UINT32_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_from_roster),
		cmocka_unit_test(partial_join_and_leave),
		cmocka_unit_test(hostile_nick_left_out),
		cmocka_unit_test(version_sequence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
