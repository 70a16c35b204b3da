/*
 * The pure parts of invitations and room lookups (issue 13 items 1, 6):
 * the bounded cache with expiry (room_cache.c) that keeps invitation
 * rates, invitation passwords and disco#info answers, and the body of
 * an invitation MESSAGE (room_invite_text.c): what it says, and that an
 * inviter's hostile reason can neither break the line nor grow it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "room_cache.h"
#include "room_invite.h"

/* Sets and gets; keys without regard to case; replace; delete. */
static void
cache_basics(void **state)
{
	struct room_cache c;
	struct room_cache_entry *e;

	(void)state;
	room_cache_init(&c, 8);
	assert_null(room_cache_get(&c, "devs@rooms.example", 0));
	assert_int_equal(room_cache_put(&c, "Devs@Rooms.Example", 1, NULL,
	    0, 1000), 0);
	e = room_cache_get(&c, "devs@rooms.example", 10);
	assert_non_null(e);
	assert_int_equal(e->value, 1);
	assert_null(e->text);
	assert_int_equal(room_cache_put(&c, "devs@rooms.example", 0, "pw",
	    10, 1000), 0);
	assert_int_equal(room_cache_size(&c), 1);
	e = room_cache_get(&c, "DEVS@rooms.example", 20);
	assert_non_null(e);
	assert_int_equal(e->value, 0);
	assert_string_equal(e->text, "pw");
	room_cache_del(&c, "devs@ROOMS.example");
	assert_null(room_cache_get(&c, "devs@rooms.example", 20));
	assert_int_equal(room_cache_size(&c), 0);
	room_cache_free(&c);
}

/* An entry lives ttl ms, not a moment more. */
static void
cache_expiry(void **state)
{
	struct room_cache c;

	(void)state;
	room_cache_init(&c, 8);
	assert_int_equal(room_cache_put(&c, "a@b", 1, "secret", 100, 50), 0);
	assert_non_null(room_cache_get(&c, "a@b", 149));
	assert_null(room_cache_get(&c, "a@b", 150));
	/* The expired entry went on the lookup that found it so. */
	assert_int_equal(room_cache_size(&c), 0);
	room_cache_free(&c);
}

/* Never more than max entries: the expired go first, else the one
 * that expires soonest; the newest is always kept. */
static void
cache_bound(void **state)
{
	struct room_cache c;
	char key[32];
	int i;

	(void)state;
	room_cache_init(&c, 4);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "user%d@sip.example", i);
		assert_int_equal(room_cache_put(&c, key, i, NULL, 0,
		    1000 + (uint64_t)i), 0);
		assert_true(room_cache_size(&c) <= 4);
		assert_non_null(room_cache_get(&c, key, 0));
	}
	/* The four that expire last are what is left. */
	assert_non_null(room_cache_get(&c, "user99@sip.example", 0));
	assert_non_null(room_cache_get(&c, "user96@sip.example", 0));
	assert_null(room_cache_get(&c, "user95@sip.example", 0));
	/* An expired entry makes room before a live one is pushed out. */
	room_cache_free(&c);
	room_cache_init(&c, 2);
	assert_int_equal(room_cache_put(&c, "old@x", 0, NULL, 0, 10), 0);
	assert_int_equal(room_cache_put(&c, "live@x", 0, NULL, 0, 1000), 0);
	assert_int_equal(room_cache_put(&c, "new@x", 0, NULL, 20, 1000), 0);
	assert_non_null(room_cache_get(&c, "live@x", 20));
	assert_non_null(room_cache_get(&c, "new@x", 20));
	room_cache_free(&c);
}

/* A key longer than ROOM_CACHE_KEY_MAX is refused, not cut. */
static void
cache_long_key(void **state)
{
	static char key[ROOM_CACHE_KEY_MAX + 2];
	struct room_cache c;

	(void)state;
	memset(key, 'a', sizeof(key) - 1);
	room_cache_init(&c, 4);
	assert_int_equal(room_cache_put(&c, key, 1, NULL, 0, 100), -1);
	assert_null(room_cache_get(&c, key, 0));
	key[ROOM_CACHE_KEY_MAX] = '\0';
	assert_int_equal(room_cache_put(&c, key, 1, NULL, 0, 100), 0);
	assert_non_null(room_cache_get(&c, key, 0));
	room_cache_free(&c);
}

/* The invitation's words, reachable or not, with and without reason. */
static void
text_forms(void **state)
{
	char out[ROOM_INVITE_TEXT_MAX];

	(void)state;
	assert_int_equal(room_invite_text(out, sizeof(out),
	    "juliet@xmpp.test", "lobby@conference.xmpp.test", "standup",
	    1), 0);
	assert_string_equal(out, "juliet@xmpp.test invites you to "
	    "lobby@conference.xmpp.test (standup). Reply to this message "
	    "to join.");
	assert_int_equal(room_invite_text(out, sizeof(out), "juliet",
	    "lobby@conference.xmpp.test", "", 1), 0);
	assert_string_equal(out, "juliet invites you to "
	    "lobby@conference.xmpp.test. Reply to this message to join.");
	assert_int_equal(room_invite_text(out, sizeof(out), NULL,
	    "devs@muc.example", NULL, 0), 0);
	assert_string_equal(out, "Someone invites you to devs@muc.example, a "
	    "room you cannot reach through this gateway.");
	assert_int_equal(room_invite_text(out, 20, "juliet@xmpp.test",
	    "lobby@conference.xmpp.test", NULL, 1), -1);
}

/* A hostile reason: controls become spaces, a long one is cut on a
 * character boundary, and the whole stays within the bound. */
static void
text_hostile(void **state)
{
	char out[ROOM_INVITE_TEXT_MAX], reason[4000], room[2000];
	size_t i;

	(void)state;
	assert_int_equal(room_invite_text(out, sizeof(out), "eve@x",
	    "r@m", "a\r\nVia: evil\x01", 1), 0);
	assert_null(strpbrk(out, "\r\n\x01"));
	assert_non_null(strstr(out, "(a  Via: evil )"));
	/* 2-byte characters: a cut must not split one. */
	for (i = 0; i + 2 < sizeof(reason); i += 2) {
		reason[i] = (char)0xc3;
		reason[i + 1] = (char)0xa9;
	}
	reason[i] = '\0';
	memset(room, 'r', sizeof(room) - 1);
	room[sizeof(room) - 1] = '\0';
	assert_int_equal(room_invite_text(out, sizeof(out), room, room,
	    reason, 1), 0);
	assert_true(strlen(out) < ROOM_INVITE_TEXT_MAX);
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] == 0xc3)
			assert_int_equal((unsigned char)out[i + 1], 0xa9);
	assert_non_null(strstr(out, "...). Reply"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cache_basics),
		cmocka_unit_test(cache_expiry),
		cmocka_unit_test(cache_bound),
		cmocka_unit_test(cache_long_key),
		cmocka_unit_test(text_forms),
		cmocka_unit_test(text_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
