/*
 * Room membership records (room_record.c, issue 13 item 7): a record
 * read back is the record written; a damaged or hostile one is refused
 * whole with a reason, never half used; XEP-0082 stamps both ways.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "room_record.h"
#include "strbuf.h"

/* A valid record, strings borrowed. */
static void
sample(struct room_record *r)
{
	memset(r, 0, sizeof(*r));
	r->user_jid = "romeo@sip.test";
	r->user_uri = "sip:romeo@sip.test";
	r->room_jid = "lobby@conference.xmpp.test";
	r->room_uri = "sip:lobby@conf.sip.test";
	strcpy(r->nick, "Romeo Montague");
	r->marker = 1796691600LL;
	strcpy(r->sids[0], "a1");
	strcpy(r->sids[1], "b2");
	r->n_sids = 2;
}

/* Written then read: the same record. */
static void
round_trip(void **state)
{
	struct room_record in, out;
	struct strbuf sb;
	const char *why = NULL;

	(void)state;
	sample(&in);
	strbuf_init(&sb);
	assert_int_equal(room_record_encode(&sb, &in), 0);
	assert_int_equal(room_record_decode(sb.buf, &out, &why), 0);
	assert_string_equal(out.user_jid, in.user_jid);
	assert_string_equal(out.user_uri, in.user_uri);
	assert_string_equal(out.room_jid, in.room_jid);
	assert_string_equal(out.room_uri, in.room_uri);
	assert_string_equal(out.nick, in.nick);
	assert_true(out.marker == in.marker);
	assert_int_equal(out.n_sids, 2);
	assert_string_equal(out.sids[0], "a1");
	assert_string_equal(out.sids[1], "b2");
	room_record_clear(&out);
	/* A field this gateway does not know (a newer one wrote it). */
	strbuf_reset(&sb);
	assert_int_equal(room_record_encode(&sb, &in), 0);
	sb.len--;			/* the NUL */
	strbuf_appends(&sb, "future=1\n");
	strbuf_append(&sb, "", 1);
	assert_int_equal(room_record_decode(sb.buf, &out, &why), 0);
	room_record_clear(&out);
	/* A control character is never written (it could not be read). */
	strbuf_reset(&sb);
	in.room_uri = "sip:lobby@conf.sip.test\nnick=evil";
	assert_int_equal(room_record_encode(&sb, &in), -1);
	assert_int_equal(sb.len, 0);
	strbuf_free(&sb);
}

/* More ids than the ring holds: the newest are kept. */
static void
sids_bounded(void **state)
{
	struct room_record out;
	char text[2048];
	int n;

	(void)state;
	n = snprintf(text, sizeof(text), "user_jid=r@sip.test\nuser_uri="
	    "sip:r@sip.test\nroom_jid=l@muc.test\nroom_uri=sip:l@c.test\n"
	    "nick=r\nmarker=5\n");
	for (int i = 0; i < ROOM_SIDS + 3; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "sid=s%d\n",
		    i);
	assert_int_equal(room_record_decode(text, &out, NULL), 0);
	assert_int_equal(out.n_sids, ROOM_SIDS);
	assert_string_equal(out.sids[0], "s3");
	assert_string_equal(out.sids[ROOM_SIDS - 1], "s10");
	room_record_clear(&out);
}

/* Damaged or hostile records: refused, with a reason, r cleared. */
static void
corrupt(void **state)
{
	static const char *const bad[] = {
		"",
		"garbage",
		"user_jid=romeo@sip.test\n",
		/* no nick */
		"user_jid=r@sip.test\nuser_uri=sip:r@sip.test\nroom_jid="
		    "l@muc.test\nroom_uri=sip:l@c.test\n",
		/* a repeated field */
		"user_jid=r@sip.test\nuser_jid=x@sip.test\nuser_uri=sip:r@"
		    "sip.test\nroom_jid=l@muc.test\nroom_uri=sip:l@c.test\n"
		    "nick=r\n",
		/* not a JID, not a SIP URI */
		"user_jid=nobody\nuser_uri=sip:r@sip.test\nroom_jid=l@muc."
		    "test\nroom_uri=sip:l@c.test\nnick=r\n",
		"user_jid=r@sip.test\nuser_uri=http://x\nroom_jid=l@muc.test\n"
		    "room_uri=sip:l@c.test\nnick=r\n",
		"user_jid=r@sip.test\nuser_uri=sip:r@sip.test\nroom_jid="
		    "l@muc.test/nick\nroom_uri=sip:l@c.test\nnick=r\n",
		/* a header injection through the URI */
		"user_jid=r@sip.test\nuser_uri=sip:r@sip.test>\"\nroom_jid="
		    "l@muc.test\nroom_uri=sip:l@c.test\nnick=r\n",
		/* bad marker, bad nick, control character */
		"user_jid=r@sip.test\nuser_uri=sip:r@sip.test\nroom_jid="
		    "l@muc.test\nroom_uri=sip:l@c.test\nnick=r\nmarker=-1\n",
		"user_jid=r@sip.test\nuser_uri=sip:r@sip.test\nroom_jid="
		    "l@muc.test\nroom_uri=sip:l@c.test\nnick=r\nmarker="
		    "99999999999999999999\n",
		"user_jid=r@sip.test\nuser_uri=sip:r@sip.test\nroom_jid="
		    "l@muc.test\nroom_uri=sip:l@c.test\nnick= r\n",
		"user_jid=r@sip.test\nuser_uri=sip:r@sip.test\nroom_jid="
		    "l@muc.test\nroom_uri=sip:l@c.test\nnick=r\x01x\n",
		"user_jid=r@sip.test\nuser_uri=sip:r@sip.test\nroom_jid="
		    "l@muc.test\nroom_uri=sip:l@c.test\nnick=r\nsid=a b\n",
	};
	struct room_record out;
	const char *why;
	char huge[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (room_record_decode(bad[i], &out, &why) != -1)
			fail_msg("record %zu accepted", i);
		assert_non_null(why);
		assert_null(out.user_jid);
		assert_null(out.room_uri);
	}
	/* A field longer than any JID or URI we write. */
	memset(huge, 'a', sizeof(huge));
	memcpy(huge, "user_jid=", 9);
	huge[sizeof(huge) - 1] = '\0';
	assert_int_equal(room_record_decode(huge, &out, &why), -1);
	assert_int_equal(room_record_decode(NULL, &out, &why), -1);
}

/* XEP-0082 date-times, as <delay/> carries them and since wants. */
static void
stamps(void **state)
{
	long long t;
	char out[32];

	(void)state;
	assert_int_equal(room_stamp_parse("1970-01-01T00:00:00Z", &t), 0);
	assert_true(t == 0);
	assert_int_equal(room_stamp_parse("2026-12-08T00:47:00Z", &t), 0);
	assert_true(t == 1796690820LL);
	/* A fraction is dropped; an offset is applied. */
	assert_int_equal(room_stamp_parse("2026-12-08T00:47:00.999Z", &t), 0);
	assert_true(t == 1796690820LL);
	assert_int_equal(room_stamp_parse("2026-12-08T02:47:00+02:00", &t),
	    0);
	assert_true(t == 1796690820LL);
	assert_int_equal(room_stamp_parse("2000-02-29T12:00:00Z", &t), 0);
	assert_true(t == 951825600LL);
	assert_int_equal(room_stamp_format(1796690820LL, out, sizeof(out)),
	    0);
	assert_string_equal(out, "2026-12-08T00:47:00Z");
	assert_int_equal(room_stamp_format(5, out, 4), -1);
	/* Not stamps. */
	assert_int_equal(room_stamp_parse(NULL, &t), -1);
	assert_int_equal(room_stamp_parse("", &t), -1);
	assert_int_equal(room_stamp_parse("2026-12-08", &t), -1);
	assert_int_equal(room_stamp_parse("2026-12-08T00:47:00", &t), -1);
	assert_int_equal(room_stamp_parse("2026-13-08T00:47:00Z", &t), -1);
	assert_int_equal(room_stamp_parse("2026-12-08T24:47:00Z", &t), -1);
	assert_int_equal(room_stamp_parse("2026-12-08T00:47:00Zx", &t), -1);
	assert_int_equal(room_stamp_parse("2026-12-08T00:47:00.Z", &t), -1);
	assert_int_equal(room_stamp_parse("2026-12-08T00:47:00+2:00", &t),
	    -1);
	assert_int_equal(room_stamp_parse("20x6-12-08T00:47:00Z", &t), -1);
	/* Stanza-ids we keep. */
	assert_true(room_sid_valid("abc-123"));
	assert_false(room_sid_valid(""));
	assert_false(room_sid_valid(NULL));
	assert_false(room_sid_valid("a b"));
	assert_false(room_sid_valid("a\nb"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(sids_bounded),
		cmocka_unit_test(corrupt),
		cmocka_unit_test(stamps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
